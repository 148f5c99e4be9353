#!/usr/bin/env bash
# Guard replay speed: `voipguard guard --replay --format json` against `fail2ban-regex` with
# Debian's asterisk filter, on the same 1,000,000-line logs in the same run (20% and 100% attack
# lines, from ../shared/bench/gen_asterisk_log.py), plus a log of 1,000,000 distinct attacking
# addresses all inside one ban window for peak memory. Medians of RUNS runs for voipguard; one
# run of fail2ban-regex (it takes 25-40 s per log). Peak RSS from /usr/bin/time -v.
#
# The machine is shared, so wall and CPU times move with the load (printed before and after);
# `--callgrind` instead counts instructions per line (load-independent) on the first 100,000
# lines of the 100% attack log, report writing included, and stops there.
#
# Needs: apt-get install -y fail2ban time (and valgrind for --callgrind)
# usage: bench/guard_replay.sh [RUNS]      (default 5)
#        bench/guard_replay.sh --callgrind
set -euo pipefail
cd "$(dirname "$0")/.."
callgrind=false
if [ "${1:-}" = --callgrind ]; then callgrind=true; shift; fi
runs=${1:-5}
work=${GUARD_BENCH_DIR:-/tmp/voipguard-bench-guard}
samples=../shared/corpus/logs/fail2ban_tests_files_logs_asterisk.log
filter=/etc/fail2ban/filter.d/asterisk.conf
if $callgrind; then
    command -v valgrind > /dev/null || { echo "valgrind missing: apt-get install -y valgrind" >&2; exit 1; }
else
    command -v fail2ban-regex > /dev/null || { echo "fail2ban-regex missing: apt-get install -y fail2ban" >&2; exit 1; }
fi
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install -y time" >&2; exit 1; }
cargo build --release --quiet -p voipguard
bin=$PWD/target/release/voipguard

mkdir -p "$work"
[ -s "$work/mixed.log" ] || python3 ../shared/bench/gen_asterisk_log.py "$samples" "$work/mixed.log" 1000000 0.2 > /dev/null
[ -s "$work/attack.log" ] || python3 ../shared/bench/gen_asterisk_log.py "$samples" "$work/attack.log" 1000000 1.0 > /dev/null
# One chan_sip failure per address, 1,000,000 addresses, all within the same minute.
[ -s "$work/distinct.log" ] || python3 - "$work/distinct.log" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    for i in range(1_000_000):
        a = 0x0b000000 + i * 7  # distinct addresses from 11.0.0.0 up
        ip = '%d.%d.%d.%d' % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)
        f.write("[2024-03-01 00:00:%02d] NOTICE[1638] chan_sip.c: Registration from '<sip:%d@example.com>' "
                "failed for '%s:5060' - Wrong password\n" % (i * 60 // 1_000_000, 100 + i % 900, ip))
PY

if $callgrind; then
    head -n 100000 "$work/attack.log" > "$work/attack100k.log"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
        "$bin" guard --replay "$work/attack100k.log" --format json 2> "$work/callgrind.txt" > /dev/null
    refs=$(awk '/Collected :/ {print $NF}' "$work/callgrind.txt")
    echo "attack log, first 100000 lines: $refs instructions, $((refs / 100000)) per line (profile: $work/callgrind.out)"
    exit 0
fi

# measure COMMAND... → "seconds user_seconds max_rss_kb"
measure() {
    /usr/bin/time -v "$@" 2> "$work/time.txt" > /dev/null
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s}
                /User time/ {user = $2} /Maximum resident/ {rss = $2}
                END {printf "%.3f %.3f %d\n", wall, user, rss}' "$work/time.txt"
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-10s %10s %10s %12s %12s %10s\n' log tool wall_s user_s lines/s lines/s_cpu rss_MB
for log in mixed attack distinct; do
    lines=$(wc -l < "$work/$log.log")
    : > "$work/runs.txt"
    for _ in $(seq "$runs"); do measure "$bin" guard --replay "$work/$log.log" --format json >> "$work/runs.txt"; done
    wall=$(cut -d' ' -f1 "$work/runs.txt" | median)
    user=$(cut -d' ' -f2 "$work/runs.txt" | median)
    rss=$(cut -d' ' -f3 "$work/runs.txt" | median)
    printf '%-9s %-10s %10s %10s %12.0f %12.0f %10.1f\n' "$log" voipguard "$wall" "$user" \
        "$(echo "$lines / $wall" | bc -l)" "$(echo "$lines / $user" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
    matched=$("$bin" guard --replay "$work/$log.log" --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["failures"], r["unparsed"], len(r["sources"]), r["bans"])')
    echo "          voipguard failures/unparsed/sources/bans: $matched"
    [ "$log" = distinct ] && continue
    read -r f2b_wall f2b_user f2b_rss < <(measure fail2ban-regex "$work/$log.log" "$filter")
    printf '%-9s %-10s %10s %10s %12.0f %12.0f %10.1f\n' "$log" fail2ban "$f2b_wall" "$f2b_user" \
        "$(echo "$lines / $f2b_wall" | bc -l)" "$(echo "$lines / $f2b_user" | bc -l)" "$(echo "$f2b_rss / 1024" | bc -l)"
    printf '%-9s ratio (fail2ban wall / voipguard wall): %.1f\n' "$log" "$(echo "$f2b_wall / $wall" | bc -l)"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
