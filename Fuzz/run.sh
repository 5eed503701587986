#!/usr/bin/env bash
# Runs one libFuzzer target for a while: Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
#
#   Fuzz/run.sh toml 60                   as CI does
#   Fuzz/run.sh scenario 3600 -jobs=2     longer, two processes
#
# TARGET is toml, theme, scenario, lesson or part (build them first with Fuzz/build.sh). Inputs found to
# add coverage go to Fuzz/work/TARGET/corpus (not in git); the seeds in Fuzz/corpus/TARGET
# are read, never written. A crash is written to Fuzz/work/TARGET/crash-* and the exit
# status is non-zero; reproduce it with `.build/fuzz/bin/fuzz-TARGET FILE`, then make it a
# regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Fuzz/run.sh toml|theme|scenario|lesson|part SECONDS [libFuzzer flags...]}
seconds=${2:?usage: Fuzz/run.sh toml|theme|scenario|lesson|part SECONDS [libFuzzer flags...]}
shift 2
# FUZZ_BIN_DIR and FUZZ_WORK move the binaries and the findings (for a long run from a
# copy of the binaries that a rebuild cannot replace under it).
bin=${FUZZ_BIN_DIR:-.build/fuzz/bin}/fuzz-$target
[ -x "$bin" ] || { echo "fuzz: $bin not built; run Fuzz/build.sh" >&2; exit 2; }
work=${FUZZ_WORK:-Fuzz/work}/$target
mkdir -p "$work/corpus"
# Swift's own crash handler would print its backtrace instead of letting libFuzzer report
# (and save) the input; leaks are not what these targets look for.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# A small stack, so that unbounded recursion shows within libFuzzer's few-KB inputs: with
# 1 MB, a run against the reader as it was before its depth limit found the stack
# overflow (607 nested arrays) in about 1.1 million runs; with the default 8 MB it would
# need more nesting than an input of ~3.4 KB holds. The reader at its limit of 128 levels
# needs about 300 KB in these ASan builds (256 KB is too little), so 1 MB leaves a margin.
ulimit -s "${FUZZ_STACK_KB:-1024}"
exec "$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -dict=Fuzz/toml.dict -artifact_prefix="$work/" "$@" "$work/corpus" "Fuzz/corpus/$target"
