#!/usr/bin/env bash
# PBX audit speed: one typical set, the largest set (a generated 41,000-line FreePBX/Issabel
# export with 1,700 peers, as the Issabel corpus file), and sets/s over 1,000 copies of the real
# corpus sets, with `cat` of the same files as the read limit, in the same run.
#
# usage: bench/pbx_audit.sh [RUNS]     (default 20 runs per single-set figure, medians reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
work=${PBX_BENCH_DIR:-/tmp/voipguard-bench-pbx}
corpus=../shared/corpus/asterisk
cargo build --release --quiet
bin=$PWD/target/release/voipguard

rm -rf "$work" && mkdir -p "$work/large" "$work/copies"
python3 ../shared/bench/gen_sip_peers.py "$work/large/sip_additional.conf" 1700 > /dev/null
cp examples/asterisk/pbx-insecure/extensions.conf "$work/large/"
copies=$(( (1000 + $(ls "$corpus" | wc -l) - 1) / $(ls "$corpus" | wc -l) ))
for i in $(seq "$copies"); do
    for set in "$corpus"/*/; do cp -r "$set" "$work/copies/$(basename "$set")-$i"; done
done
sets=$(ls "$work/copies" | wc -l)

median_ms() { # command... → median wall milliseconds over $runs runs
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N); "$@" > /dev/null; end=$(date +%s%N)
        echo $(( (end - start) / 1000 ))
    done | sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 1000}'
}
audit() { "$bin" audit "$1" --format json --fail-on never; }

echo "typical set (examples/asterisk/pbx-insecure, $(cat examples/asterisk/pbx-insecure/*.conf | wc -l) lines): $(median_ms audit examples/asterisk/pbx-insecure) ms per audit (process start included)"
echo "largest set ($(wc -l < "$work/large/sip_additional.conf") lines, 1,710 peers): $(median_ms audit "$work/large") ms per audit"
echo "the empty run (process start, catalogue load): $(median_ms "$bin" audit examples/asterisk/pbx-hardened/logger.conf --format json --fail-on never) ms"
find "$work/copies" -type f -print0 | xargs -0 cat > /dev/null
cat_ms=$(runs=3 median_ms sh -c "find '$work/copies' -type f -print0 | xargs -0 cat")
audit_ms=$(runs=3 median_ms audit "$work/copies")
printf '%d sets: voipguard %.0f ms (%.0f sets/s), cat %.0f ms (%.0f sets/s)\n' "$sets" "$audit_ms" \
    "$(echo "$sets / $audit_ms * 1000" | bc -l)" "$cat_ms" "$(echo "$sets / $cat_ms * 1000" | bc -l)"
