#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/Targets into .build/fuzz/bin/fuzz-<target>.
#
#   Fuzz/build.sh            all targets: toml, theme, scenario, lesson, part
#
# Why not SwiftPM targets: an executable whose only entry point is libFuzzer's
# LLVMFuzzerTestOneInput would break `swift build` and `swift test` of the package. So
# SwiftPM builds the library modules, instrumented (--sanitize=fuzzer,address) and in a
# build folder of their own, and swiftc links each target file against their objects.
# That also builds swift-collections' DequeModule (DeliverySim uses it) with the flags
# its own package sets, which compiling its sources by hand would have to copy.
set -euo pipefail
cd "$(dirname "$0")/.."

build=.build/fuzz
config=release
out=$build/bin
mkdir -p "$out"

# The modules the targets import, and what they depend on. One -sanitize=fuzzer,address:
# SwiftPM's --sanitize=fuzzer --sanitize=address passes two flags, swiftc keeps only the
# last, and their order changes from run to run; without `fuzzer` there is no coverage.
for target in Dashboard Experiments; do
    swift build -c "$config" --build-path "$build" -Xswiftc -sanitize=fuzzer,address --target "$target"
done

# Check it: every module's objects must carry coverage counters and ASan's checks.
for module in TOMLLite DeliverySim Dashboard Experiments DequeModule; do
    sections=$(objdump -h "$build/$config/$module.build/"*.o)
    if ! grep -q __sancov_cntrs <<<"$sections" || ! grep -q asan_globals <<<"$sections"; then
        echo "fuzz: $module was built without coverage or ASan instrumentation" >&2
        exit 1
    fi
done

objects() {
    local dir=$build/$config
    for module in "$@"; do
        ls "$dir/$module.build/"*.o
    done
}
collections=(InternalCollectionsUtilities ContainersPreview DequeModule)

link() {
    local name=$1; shift
    echo "fuzz: linking fuzz-$name"
    local log=$out/fuzz-$name.link.log
    # gold warns about every ASan symbol it cannot export; keep that out of the way.
    if ! swiftc -parse-as-library -O -sanitize=fuzzer,address -I "$build/$config/Modules" \
        "Fuzz/Targets/$name.swift" Fuzz/Support.swift "$@" -o "$out/fuzz-$name" 2>"$log"; then
        cat "$log" >&2
        exit 1
    fi
}

mapfile -t toml < <(objects TOMLLite)
mapfile -t theme < <(objects TOMLLite "${collections[@]}" DeliverySim Experiments Dashboard)
mapfile -t scenario < <(objects TOMLLite "${collections[@]}" DeliverySim Experiments)
link toml "${toml[@]}"
link theme "${theme[@]}"
link scenario "${scenario[@]}"
link lesson "${scenario[@]}"
link part "${scenario[@]}"
echo "fuzz: built $out/fuzz-toml, fuzz-theme, fuzz-scenario, fuzz-lesson, fuzz-part"
