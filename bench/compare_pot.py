#!/usr/bin/python3
"""Compare sgmtk's W2 metrics with POT on the same point clouds: values, time, peak memory.

Usage (Debian's python3 with python3-pot and python3-numpy; not a pyenv shim):
    /usr/bin/python3 bench/compare_pot.py --build build [--exact 1000,5000] [--sliced 100000]

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
t0 = time.perf_counter()
if kind == "exact":
    M = ot.dist(a, b)  # squared Euclidean
    w = np.full(len(a), 1.0 / len(a)); v = np.full(len(b), 1.0 / len(b))
    value = float(np.sqrt(ot.emd2(w, v, M, numItermax=10**9)))
else:
    value = float(ot.sliced_wasserstein_distance(a, b, n_projections=200, seed=0))
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({"value": value, "seconds": seconds, "peak_rss_mb": rss}))
"""


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    print(f"{'case':>16} {'sgmtk value':>14} {'POT value':>14} {'sgmtk s':>9} {'POT s':>9} "
          f"{'time ratio':>10} {'sgmtk MB':>9} {'POT MB':>9} {'mem ratio':>9}  agree")
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
            t = run_json([sys.executable, "-c", POT_SCRIPT, kind, fa, fb])
            if kind == "exact":
                ok = abs(s["value"] - t["value"]) <= 1e-8 * t["value"]
            else:
                ok = abs(s["value"] - t["value"]) <= 4 * np.sqrt(2) * s["stderr"]
            failures += not ok
            print(f"{metric + ' n=' + str(n):>16} {s['value']:14.10f} {t['value']:14.10f} {s['seconds']:9.3f} "
                  f"{t['seconds']:9.3f} {t['seconds'] / s['seconds']:9.1f}x {s['peak_rss_mb']:9.1f} "
                  f"{t['peak_rss_mb']:9.1f} {t['peak_rss_mb'] / s['peak_rss_mb']:8.1f}x  {'yes' if ok else 'NO'}",
                  flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
