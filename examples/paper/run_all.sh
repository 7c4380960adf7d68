#!/bin/sh
# Regenerates every paper experiment: runs each pipeline of examples/paper/, then
# `sgmtk report` (report.md with fitted vs predicted rates, figures under figures/), and the
# contraction measurement. One command for a new user:
#
#   examples/paper/run_all.sh [--reduced] [OUT]      (default OUT: out/paper, or out/paper-reduced)
#
# --reduced runs the same pipelines with the smaller sizes of their "# reduced:" comments
# (reduce.sh), as tests/e2e/paper_rates_test.cpp does. Environment: SGMTK (the executable,
# default build/host/sgmtk), SGMTK_THREADS (default: all cores). Exit status: 1 if a run
# failed or a fitted rate missed its prediction (every report is still written).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reduced=0
if [ "${1:-}" = "--reduced" ]; then reduced=1; shift; fi
out=${1:-$root/out/paper$([ $reduced = 1 ] && echo -reduced)}
sgmtk=${SGMTK:-$root/build/host/sgmtk}
threads=${SGMTK_THREADS:+--threads $SGMTK_THREADS}
[ -x "$sgmtk" ] || { echo "run_all.sh: $sgmtk not found; build first (cmake --build build) or set SGMTK" >&2; exit 2; }
mkdir -p "$out"
status=0
start_all=$(date +%s)
for file in "$here"/*.toml; do
  name=$(basename "$file" .toml)
  pipeline=$file
  if [ $reduced = 1 ]; then
    mkdir -p "$out/pipelines"
    pipeline="$out/pipelines/$name.toml"
    "$here/reduce.sh" "$file" > "$pipeline"
  fi
  t0=$(date +%s)
  # --fresh: a rerun recomputes (the journal would otherwise resume an older, maybe other-size, run).
  if ! "$sgmtk" run "$pipeline" -o "$out/$name" -q --fresh $threads; then status=1; fi
  if ! "$sgmtk" report "$out/$name" --check > /dev/null; then status=1; fi
  echo "$name: $(( $(date +%s) - t0 )) s -> $out/$name/report.md"
done
t0=$(date +%s)
if [ $reduced = 1 ]; then
  "$sgmtk" contraction -o "$out/contraction" --particles 4000 --points 30 > /dev/null || status=1
else
  "$sgmtk" contraction -o "$out/contraction" > /dev/null || status=1
fi
echo "contraction: $(( $(date +%s) - t0 )) s -> $out/contraction/contraction.png"
echo "total: $(( $(date +%s) - start_all )) s; status $status"
exit $status
