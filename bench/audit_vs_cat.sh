#!/usr/bin/env bash
# Audit throughput against `cat` (the read limit) on the same generated fleet, in the same run.
#
# usage: bench/audit_vs_cat.sh [COUNT] [RUNS]     (defaults: 100000 files, 3 runs each)
# env:   FLEET_DIR (default /tmp/voipguard-bench-fleet; generated once and reused)
#
# Prints files/s and MB/s for both, the median ratio, and voipguard's peak memory (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
runs=${2:-3}
fleet=${FLEET_DIR:-/tmp/voipguard-bench-fleet}

if [ ! -f "$fleet/.complete-$count" ]; then
    rm -rf "$fleet"
    python3 bench/gen_phone_fleet.py "$fleet" "$count"
    touch "$fleet/.complete-$count"
fi
cargo build --release --quiet
bin=target/release/voipguard
bytes=$(find "$fleet" -type f -name '[!.]*' -printf '%s\n' | awk '{s += $1} END {print s}')
files=$(find "$fleet" -type f -name '[!.]*' | wc -l)

# Warm the page cache so both tools read from memory.
find "$fleet" -type f -print0 | xargs -0 cat > /dev/null

time_of() { # prints wall seconds of "$@"
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
cat_all() { find "$fleet" -type f -print0 | xargs -0 cat; }
audit_all() { "$bin" audit "$fleet" --format json --fail-on never; }

cat_times=(); audit_times=()
for _ in $(seq "$runs"); do
    cat_times+=("$(time_of cat_all)")
    audit_times+=("$(time_of audit_all)")
done
cat_median=$(printf '%s\n' "${cat_times[@]}" | median)
audit_median=$(printf '%s\n' "${audit_times[@]}" | median)
read -r peak_kb cpu_user cpu_system < <(/usr/bin/time -f '%M %U %S' "$bin" audit "$fleet" --format json --fail-on never 2>&1 > /dev/null | tail -1)

report() { # name seconds
    printf '%-10s %8.2f s  %9.0f files/s  %8.1f MB/s\n' "$1" "$2" "$(echo "$files / $2" | bc -l)" "$(echo "$bytes / $2 / 1000000" | bc -l)"
}
echo "fleet: $files files, $(echo "$bytes / 1000000" | bc) MB, $runs runs each, medians:"
report cat "$cat_median"
report voipguard "$audit_median"
printf 'voipguard / cat throughput: %.3f (target >= 0.25)\n' "$(echo "$cat_median / $audit_median" | bc -l)"
printf 'voipguard peak memory: %.1f MB (target < 100)\n' "$(echo "$peak_kb / 1024" | bc -l)"
# CPU time moves less than wall time on a shared machine: it tells whether a change helped.
printf 'voipguard CPU time (one run): %.2f s user + %.2f s system\n' "$cpu_user" "$cpu_system"
