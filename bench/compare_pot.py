#!/usr/bin/python3
"""Compare sgmtk's W2 metrics with POT on the same point clouds: values, time, peak memory.

Usage (Debian's python3 with python3-pot and python3-numpy; not a pyenv shim):
    /usr/bin/python3 bench/compare_pot.py --build build [--exact 1000,5000] [--sliced 100000]

Both sides run on one thread (POT with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1, emd2's
default numThreads=1; sgmtk with --threads 1). Times are reported twice: wall clock (what each
side measures around its computation) and CPU time, which is what to compare on a shared
machine (sgmtk: the whole process from rusage, including start-up and reading the .npy files;
POT: process_time() around ot.dist + ot.emd2, excluding the interpreter's start-up).

For each case it writes A.npy and B.npy (Gaussian clouds, d = 10: A ~ N(0, I), B ~ N(0.1, I);
shape (n, d), one point per row), then runs, each in a fresh process so that peak RSS is its own:
  - sgmtk: build/host/sgmtk metric METRIC A.npy B.npy --threads 1 --json;
  - POT:   ot.emd2 on the full cost matrix (numItermax large enough to reach optimality; POT
           warns otherwise, which this script turns into a failure), or
           ot.sliced_wasserstein_distance with 200 projections.
Exact W2 values must agree to 1e-8 relative. Sliced values use different random directions, so
they must agree within 4 combined Monte Carlo standard errors (sgmtk's stderr, taken equal for
POT). Peak RSS of the POT process includes the Python interpreter and NumPy (~30-60 MB).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

import numpy as np

POT_SCRIPT = r"""
import json, resource, sys, time, warnings
import numpy as np, ot
warnings.simplefilter("error")  # a POT "numItermax reached" warning must not pass silently
kind, fa, fb = sys.argv[1:4]
a, b = np.load(fa), np.load(fb)
t0, c0 = time.perf_counter(), time.process_time()
if kind == "exact":
    M = ot.dist(a, b)  # squared Euclidean
    w = np.full(len(a), 1.0 / len(a)); v = np.full(len(b), 1.0 / len(b))
    value = float(np.sqrt(ot.emd2(w, v, M, numItermax=10**9)))
else:
    value = float(ot.sliced_wasserstein_distance(a, b, n_projections=200, seed=0))
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({"value": value, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": rss}))
"""


def run_json(cmd, env=None):
    """Runs cmd, returns its last stdout line as JSON plus 'process_cpu_seconds' (user + system
    CPU time of the child process, from rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="sgmtk build directory")
    p.add_argument("--exact", default="1000,5000", help="n values for w2_exact vs ot.emd2")
    p.add_argument("--sliced", default="100000", help="n values for w2_sliced vs POT")
    p.add_argument("--dim", type=int, default=10)
    args = p.parse_args()
    sgmtk = os.path.join(args.build, "host", "sgmtk")
    if not os.path.exists(sgmtk):
        sys.exit(f"{sgmtk} not found: build it with `ninja -C {args.build} sgmtk sgmtk_all_plugins`")
    rng = np.random.default_rng(12345)
    failures = 0
    cases = [("exact", int(n)) for n in args.exact.split(",") if n] + \
            [("sliced", int(n)) for n in args.sliced.split(",") if n]
    one_thread = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print(f"{'case':>16} {'sgmtk value':>14} {'POT value':>14} {'sgmtk s':>8} {'POT s':>8} {'ratio':>6} "
          f"{'sgmtk cpu':>9} {'POT cpu':>8} {'ratio':>6} {'sgmtk MB':>8} {'POT MB':>8} {'ratio':>6}  agree")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n in cases:
            a = rng.standard_normal((n, args.dim))
            b = rng.standard_normal((n, args.dim)) + 0.1
            fa, fb = os.path.join(tmp, "A.npy"), os.path.join(tmp, "B.npy")
            np.save(fa, a)
            np.save(fb, b)
            metric = "w2_exact" if kind == "exact" else "w2_sliced"
            extra = [] if kind == "exact" else ["-p", "projections=200"]
            s = run_json([sgmtk, "metric", metric, fa, fb, "--threads", "1", "--json", "--seed", "1", *extra])
            t = run_json([sys.executable, "-c", POT_SCRIPT, kind, fa, fb], env=one_thread)
            if kind == "exact":
                ok = abs(s["value"] - t["value"]) <= 1e-8 * t["value"]
            else:
                ok = abs(s["value"] - t["value"]) <= 4 * np.sqrt(2) * s["stderr"]
            failures += not ok
            s_cpu, t_cpu = s["process_cpu_seconds"], t["cpu_seconds"]
            print(f"{metric + ' n=' + str(n):>16} {s['value']:14.10f} {t['value']:14.10f} {s['seconds']:8.3f} "
                  f"{t['seconds']:8.3f} {t['seconds'] / s['seconds']:5.1f}x {s_cpu:9.3f} {t_cpu:8.3f} "
                  f"{t_cpu / s_cpu:5.1f}x {s['peak_rss_mb']:8.1f} {t['peak_rss_mb']:8.1f} "
                  f"{t['peak_rss_mb'] / s['peak_rss_mb']:5.1f}x  {'yes' if ok else 'NO'}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
