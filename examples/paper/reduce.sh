#!/bin/sh
# Writes the reduced version of a paper pipeline to stdout: every line carrying a trailing
# "# reduced: VALUE" comment has its value replaced by VALUE (same pipeline, smaller sizes).
# Used by run_all.sh --reduced; tests/e2e/paper_rates_test.cpp applies the same rule.
#   examples/paper/reduce.sh examples/paper/dim.toml > /tmp/dim.toml
exec sed -E 's/^([A-Za-z_.]+[[:space:]]*=[[:space:]]*).*#[[:space:]]*reduced:[[:space:]]*(.*)$/\1\2/' "$1"
