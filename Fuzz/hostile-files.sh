#!/usr/bin/env bash
# Writes the hostile input files of issue 8 into a folder and times a release binary on each.
#
#   Fuzz/hostile-files.sh [BINARY] [DIR]     (defaults: .build/release/ackscope, a temp dir)
#
# Each case prints its wall time, exit status and the first 160 bytes of stderr. The point is
# a figure from a release binary, not a unit test: shared machines make timed tests flaky.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/ackscope}
dir=${2:-$(mktemp -d)}
mkdir -p "$dir/themes/ackscope/themes"

header='title = "t"
explanation = "e"
[workload]
duration = "100000s"
consumers = 2
'
repeat() { awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'; }

# Nesting: inline tables 30,000 deep, arrays 50,000 deep.
{ printf '%sdeep = ' "$header"; repeat '{a=' 30000; printf 1; repeat '}' 30000; echo; } > "$dir/nest-inline-30k.toml"
{ printf '%sdeep = ' "$header"; repeat '[' 50000; repeat ']' 50000; echo; } > "$dir/nest-array-50k.toml"
# Many [[actions]] (valid), and the same with an error on line 7.
for n in 5000 10000 20000; do
    { printf '%s' "$header"; repeat '[[actions]]\nat = "1s"\naction = "heal-all"\n' "$n"; } > "$dir/actions-$n.toml"
done
{ printf '%s# the next line is line 7\nbogus = 1\n' "$header"; repeat '[[actions]]\nat = "1s"\naction = "heal-all"\n' 20000; } > "$dir/actions-20000-error-line-7.toml"
# A theme with 20,000 (unknown) roles, each a warning.
{ printf 'name = "many"\n[roles]\n'; awk 'BEGIN { for (i = 0; i < 20000; i++) printf "role%d = \"red\"\n", i }'; } \
    > "$dir/themes/ackscope/themes/roles-20k.toml"
# A 10 MB key.
{ printf '%s' "$header"; repeat 'k' 10000000; echo ' = 1'; } > "$dir/key-10mb.toml"

# Wall time, and CPU time (user + system): on a shared machine the second is the steadier.
run() {
    local name=$1; shift
    local TIMEFORMAT='%R %U %S' times real user sys
    times=$( { time { timeout "${TIMEOUT:-300}" "$@" >"$dir/out" 2>"$dir/err"; echo $? >"$dir/status"; }; } 2>&1 )
    read -r real user sys <<<"$times"
    printf '%-34s wall %6.3f s  cpu %6.3f s  exit %3d  %s\n' "$name" "$real" \
        "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(cat "$dir/status")" "$(head -c 100 "$dir/err" | tr '\n' ' ')"
}
export SWIFT_BACKTRACE=enable=no
run "inline tables 30k deep" "$bin" run --scenario "$dir/nest-inline-30k.toml" --duration 1s
run "arrays 50k deep" "$bin" run --scenario "$dir/nest-array-50k.toml" --duration 1s
for n in 5000 10000 20000; do
    run "$n actions (run, 1s)" "$bin" run --scenario "$dir/actions-$n.toml" --duration 2s
done
run "20000 actions, error on line 7" "$bin" run --scenario "$dir/actions-20000-error-line-7.toml"
run "theme with 20000 roles (themes)" env XDG_CONFIG_HOME="$dir/themes" "$bin" themes
run "10 MB key" "$bin" run --scenario "$dir/key-10mb.toml"
printf 'stderr bytes of the 10 MB key case: %s\n' "$(wc -c < "$dir/err")"
echo "files in $dir"
