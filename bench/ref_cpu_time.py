#!/usr/bin/env python3
"""CPU-time companion of ../shared/reference/ref_gmm_em.py (NumPy, float64, one thread).

Runs ref_gmm_em.py's NumPy implementation and reports particle-steps per CPU-second of this
process (OpenBLAS limited to one thread), next to the script's own wall-clock figure. On a
shared, loaded machine wall time measures the neighbours; CPU time is what bench_em_gmm is
compared with (its CPU column, one thread).
  /usr/bin/python3 bench/ref_cpu_time.py --preset A   (or B)
"""
import argparse, importlib.util, json, os, sys, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np
ap = argparse.ArgumentParser()
# ../shared beside the checkout (the project root is this file's parent folder).
ap.add_argument("--ref", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                                              "reference", "ref_gmm_em.py"))
ap.add_argument("--preset", choices=["A", "B"], required=True)
ap.add_argument("--repeats", type=int, default=3)
a = ap.parse_args()
spec = importlib.util.spec_from_file_location("ref", a.ref)
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
c = ref.PRESETS[a.preset]
mix = ref.make_mixture(c["d"], c["K"])
cpu, wall = [], []
for r in range(a.repeats):
    t0 = time.process_time()
    _, sec = ref.run_numpy(mix, c["N"], 5.0, c["steps"], 1, np.dtype("float64"), r, 4096)
    cpu.append(time.process_time() - t0)  # includes the (untimed in wall) initial draws: small
    wall.append(sec)
ps = c["N"] * c["steps"]
print(json.dumps(dict(preset=a.preset, impl="numpy", dtype="float64", threads=1,
                      cpu_s=[round(x, 3) for x in cpu], wall_s=[round(x, 3) for x in wall],
                      per_cpu_s=ps / min(cpu), per_wall_s=ps / min(wall))))
