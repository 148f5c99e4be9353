#!/usr/bin/env bash
# sip_sweep.sh - voipguard scan against Kamailio OPTIONS responders, side by side with
# SIPVicious svmap -t 0 when it is installed. Layouts follow ../shared/bench/sip_sweep_anchor.sh:
#   dense : Kamailio on udp:0.0.0.0:5060, so every 127/8 address answers (from 127.0.0.1)
#   sparse: 16 listeners 127.0.{0..15}.10:5060; every other address is closed
#   silent: no responder at all, outgoing ICMP unreachable dropped (every address is a dead host)
#
# SAFETY: the script re-executes itself inside a fresh network namespace (unshare --net) whose
# only interface is a private loopback, and refuses to run if any other interface is visible.
# Every process it starts is stopped by PID.
#
# Usage (root): bench/sip_sweep.sh [RANGE] [RATE]
#   RANGE default 127.0.0.0/20 (quick); pass 127.0.0.0/16 for the issue's figures.
#   RATE  voipguard --rate, default 200000 packets/s.
# Env: VOIPGUARD=path to the binary (default target/release/voipguard; build it with
#      cargo build --release -p voipguard), VENV=virtualenv with PyPI sipvicious
#      (default /tmp/sipvicious-venv; skipped when absent), OUTDIR (default /tmp/voipguard-sweep-<ts>),
#      LAYOUTS (default "dense sparse silent"), SVMAP_SKIP=1 to run voipguard alone.
# Needs: kamailio, nftables (apt), GNU time (/usr/bin/time, apt "time"), python3.

set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
RANGE=${1:-127.0.0.0/20}
RATE=${2:-200000}
VOIPGUARD=${VOIPGUARD:-$HERE/../target/release/voipguard}
VENV=${VENV:-/tmp/sipvicious-venv}
OUTDIR=${OUTDIR:-/tmp/voipguard-sweep-$(date +%Y%m%d-%H%M%S)}
LAYOUTS=${LAYOUTS:-dense sparse silent}

if [ "${BENCH_IN_NETNS:-}" != 1 ]; then
    [ -x "$VOIPGUARD" ] || { echo "missing $VOIPGUARD: cargo build --release -p voipguard" >&2; exit 4; }
    mkdir -p "$OUTDIR"
    exec unshare --net env BENCH_IN_NETNS=1 VOIPGUARD="$VOIPGUARD" VENV="$VENV" OUTDIR="$OUTDIR" LAYOUTS="$LAYOUTS" SVMAP_SKIP="${SVMAP_SKIP:-}" \
        bash "$0" "$RANGE" "$RATE"
fi

ip link set lo up
if ip -o link show | awk -F': ' '{print $2}' | grep -vq '^lo$'; then
    echo "refusing: a non-loopback interface is visible in the namespace" >&2
    exit 3
fi
# Bigger socket buffers absorb answer bursts (only inside this namespace where the sysctl is
# per-namespace; harmless if refused).
sysctl -qw net.core.rmem_max=16777216 net.core.wmem_max=16777216 2>/dev/null

SVMAP="$VENV/bin/sipvicious_svmap"
RES="$OUTDIR/results.tsv"
KAM_PID=""
CUR_PID=""

cleanup() {
    for p in $CUR_PID $KAM_PID; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    CUR_PID=""; KAM_PID=""
    nft delete table inet vgbench 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_kam_cfg() {  # $1=file $2=children, rest=listen specs
    local file=$1 children=$2; shift 2
    {
        printf '#!KAMAILIO\ndebug=0\nlog_stderror=yes\nchildren=%s\ndisable_tcp=yes\n' "$children"
        printf 'auto_aliases=no\nserver_signature=yes\n'
        for l in "$@"; do echo "listen=$l"; done
        cat <<'EOF'
loadmodule "sl.so"
loadmodule "textops.so"
request_route {
    if (method=="OPTIONS") {
        append_to_reply("Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n");
        sl_send_reply("200", "OK");
        exit;
    }
    if (method=="ACK") { exit; }
    sl_send_reply("501", "Not Implemented");
    exit;
}
EOF
    } > "$file"
}

# The scanner under test doubles as the readiness probe: one address, short timer.
wait_answering() {  # $1=address
    for _ in $(seq 1 50); do
        "$VOIPGUARD" scan --scope 127.0.0.0/8 "$1" --timeout-ms 100 --retries 0 | grep -q . && return 0
    done
    echo "kamailio did not answer on $1" >&2; exit 5
}

start_responder() {  # $1=layout
    LAYOUT=$1
    local cfg="$OUTDIR/kamailio-$LAYOUT.cfg"
    case $LAYOUT in
        dense)  write_kam_cfg "$cfg" 2 "udp:0.0.0.0:5060"; PING=127.0.3.7 ;;
        sparse)
            local l=() x
            for x in $(seq 0 15); do l+=("udp:127.0.$x.10:5060"); done
            write_kam_cfg "$cfg" 1 "${l[@]}"; PING=127.0.15.10 ;;
        silent)
            nft add table inet vgbench
            nft add chain inet vgbench out '{ type filter hook output priority 0; policy accept; }'
            nft add rule inet vgbench out icmp type destination-unreachable drop
            return ;;
    esac
    kamailio -f "$cfg" -DD -E -m 128 -M 8 -Y "$OUTDIR" > "$OUTDIR/kamailio-$LAYOUT.log" 2>&1 &
    KAM_PID=$!
    wait_answering "$PING"
}

stop_responder() {
    [ -n "$KAM_PID" ] && kill "$KAM_PID" 2>/dev/null && wait "$KAM_PID" 2>/dev/null
    KAM_PID=""
    nft delete table inet vgbench 2>/dev/null
}

naddr() { python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).num_addresses)" "$1"; }
expected() {  # hosts that should answer in $RANGE for the current layout
    python3 - "$RANGE" "$LAYOUT" <<'EOF'
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1]); layout = sys.argv[2]
if layout == "dense": print(net.num_addresses)
elif layout == "sparse": print(sum(ipaddress.ip_address(f"127.0.{x}.10") in net for x in range(16)))
else: print(0)
EOF
}
now() { date +%s.%N; }

printf 'tool\tlayout\trange\taddresses\twall_s\tfound\texpected\taddr_per_s\tpeak_rss_MB\tcpu_s\tnote\n' > "$RES"

run_voipguard() {
    local tag="voipguard-$LAYOUT" n exp t0 t1
    n=$(naddr "$RANGE"); exp=$(expected)
    t0=$(now)
    VOIPGUARD_LOG=info NO_COLOR=1 /usr/bin/time -f '%U %S %M' -o "$OUTDIR/$tag.rss" \
        "$VOIPGUARD" scan --scope 127.0.0.0/8 "$RANGE" --rate "$RATE" --format jsonl --sip-only -v \
        > "$OUTDIR/$tag.out" 2> "$OUTDIR/$tag.err" &
    CUR_PID=$!; wait "$CUR_PID"; local rc=$?; CUR_PID=""
    t1=$(now)
    local wall found rate rss cpu summary
    wall=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    found=$(python3 -c "import json,sys; print(len({json.loads(l)['target'] for l in open(sys.argv[1])}))" "$OUTDIR/$tag.out")
    rate=$(python3 -c "print(f'{$n/max($t1-$t0,0.01):.0f}')")
    rss=$(python3 -c "print(f'{int(open(\"$OUTDIR/$tag.rss\").read().split()[-1])/1024:.1f}')")
    cpu=$(python3 -c "u,s,_=open(\"$OUTDIR/$tag.rss\").read().split()[-3:]; print(f'{float(u)+float(s):.2f}')")
    summary=$(sed 's/\x1b\[[0-9;]*m//g' "$OUTDIR/$tag.err" | grep -o 'answered=[0-9]* silent=[0-9]* transmissions=[0-9]*' | tail -1)
    printf 'voipguard\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$LAYOUT" "$RANGE" "$n" "$wall" "$found" "$exp" \
        "$rate" "$rss" "$cpu" "rc=$rc rate=$RATE $summary" >> "$RES"
    echo "voipguard $LAYOUT $RANGE wall=${wall}s found=$found/$exp ~$rate addr/s rss=${rss}MB cpu=${cpu}s $summary"
}

run_svmap() {
    [ -x "$SVMAP" ] || { echo "svmap     (skipped: no $SVMAP)"; return; }
    [ "${SVMAP_SKIP:-}" = 1 ] && return
    local tag="svmap-$LAYOUT" n exp t0 t1
    n=$(naddr "$RANGE"); exp=$(expected)
    t0=$(now)
    /usr/bin/time -f '%U %S %M' -o "$OUTDIR/$tag.rss" \
        timeout 600 "$SVMAP" -x 127.0.0.1 -P 5070 -v -t 0 "$RANGE" > "$OUTDIR/$tag.out" 2> "$OUTDIR/$tag.err" &
    CUR_PID=$!; wait "$CUR_PID"; local rc=$?; CUR_PID=""
    t1=$(now)
    local wall found rate rss cpu
    wall=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    found=$(grep -P '\t->\t' "$OUTDIR/$tag.err" | cut -f1 | sort -u | wc -l)
    # svmap idles 3 s after its last probe; its rate excludes that, as in the anchor script.
    rate=$(python3 -c "print(f'{$n/max($t1-$t0-3,0.01):.0f}')")
    rss=$(python3 -c "print(f'{int(open(\"$OUTDIR/$tag.rss\").read().split()[-1])/1024:.1f}')")
    cpu=$(python3 -c "u,s,_=open(\"$OUTDIR/$tag.rss\").read().split()[-3:]; print(f'{float(u)+float(s):.2f}')")
    printf 'svmap\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$LAYOUT" "$RANGE" "$n" "$wall" "$found" "$exp" \
        "$rate" "$rss" "$cpu" "rc=$rc -t 0 (rate excl. 3 s drain)" >> "$RES"
    echo "svmap     $LAYOUT $RANGE wall=${wall}s found=$found/$exp ~$rate addr/s (excl. 3 s drain) rss=${rss}MB cpu=${cpu}s"
}

{
    echo "date: $(date -Is)"
    echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
    echo "voipguard: $("$VOIPGUARD" --version)"
    echo "kamailio: $(kamailio -v | head -1)"
    [ -x "$SVMAP" ] && echo "sipvicious: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sipvicious"))')"
} | tee "$OUTDIR/env.txt"

for layout in $LAYOUTS; do
    start_responder "$layout"
    run_voipguard
    run_svmap
    stop_responder
done

echo
column -t -s $'\t' "$RES"
echo "results: $RES"
