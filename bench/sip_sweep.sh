#!/usr/bin/env bash
# sip_sweep.sh - voipguard scan against Kamailio OPTIONS responders, side by side with
# SIPVicious svmap -t 0 and nmap's sip-methods script when they are installed. Layouts follow
# ../shared/bench/sip_sweep_anchor.sh:
#   dense : Kamailio on udp:0.0.0.0:5060, so every 127/8 address answers (from 127.0.0.1)
#   sparse: 16 listeners 127.0.{0..15}.10:5060; every other address is closed
#   silent: no responder at all, outgoing ICMP unreachable dropped (every address is a dead host)
#   answer: tools/sip_answer.c (a C OPTIONS responder, recvmmsg/sendmmsg) on 0.0.0.0:5060 instead
#           of Kamailio: what the scanner costs when the responder is never the bottleneck
#
# Every tool meets the same responder. Kamailio gets maxbuffer=4 MiB (its UDP receive buffer;
# the default 256 KiB overflows under a burst of 50,000 requests/s); 4 MiB is net.core.rmem_max
# here, which a network namespace cannot raise. voipguard probes port 5060 only (--accounts 0),
# as svmap and nmap do.
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
#      LAYOUTS (default "dense sparse silent answer"), RUNS (voipguard runs per layout, default 3;
#      the median row follows them), SVMAP_SKIP=1 / NMAP_SKIP=1 to leave a peer out,
#      NMAP_RANGE (default 127.0.0.0/22, sparse) and NMAP_SILENT_RANGE (default 127.0.0.0/26):
#      nmap runs the sip-methods script host by host (about 800 addresses/s, 2-3/s on silent
#      ones), so it sweeps a smaller range; its addr/s is over its own range.
# Needs: kamailio, nftables, time (GNU /usr/bin/time), gcc, python3 (apt); nmap (apt) and svmap
#        (PyPI sipvicious) for the side-by-side rows.

set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
RANGE=${1:-127.0.0.0/20}
RATE=${2:-200000}
VOIPGUARD=${VOIPGUARD:-$HERE/../target/release/voipguard}
VENV=${VENV:-/tmp/sipvicious-venv}
OUTDIR=${OUTDIR:-/tmp/voipguard-sweep-$(date +%Y%m%d-%H%M%S)}
LAYOUTS=${LAYOUTS:-dense sparse silent answer}
RUNS=${RUNS:-3}
NMAP_RANGE=${NMAP_RANGE:-127.0.0.0/22}
NMAP_SILENT_RANGE=${NMAP_SILENT_RANGE:-127.0.0.0/26}

if [ "${BENCH_IN_NETNS:-}" != 1 ]; then
    [ -x "$VOIPGUARD" ] || { echo "missing $VOIPGUARD: cargo build --release -p voipguard" >&2; exit 4; }
    mkdir -p "$OUTDIR"
    gcc -O2 -o "$OUTDIR/sip_answer" "$HERE/tools/sip_answer.c" || { echo "gcc failed" >&2; exit 4; }
    exec unshare --net env BENCH_IN_NETNS=1 VOIPGUARD="$VOIPGUARD" VENV="$VENV" OUTDIR="$OUTDIR" \
        LAYOUTS="$LAYOUTS" RUNS="$RUNS" SVMAP_SKIP="${SVMAP_SKIP:-}" NMAP_SKIP="${NMAP_SKIP:-}" \
        NMAP_RANGE="$NMAP_RANGE" NMAP_SILENT_RANGE="$NMAP_SILENT_RANGE" bash "$0" "$RANGE" "$RATE"
fi

ip link set lo up
if ip -o link show | awk -F': ' '{print $2}' | grep -vq '^lo$'; then
    echo "refusing: a non-loopback interface is visible in the namespace" >&2
    exit 3
fi
# Bigger socket buffers absorb answer bursts. Where the kernel keeps rmem_max per namespace and
# lets it be raised this applies inside this namespace only; elsewhere it is refused (harmless)
# and the host's value holds.
sysctl -qw net.core.rmem_max=16777216 net.core.wmem_max=16777216 2>/dev/null
echo "net.core.rmem_max in the namespace: $(cat /proc/sys/net/core/rmem_max)"

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
        printf 'maxbuffer=4194304\n'
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
        "$VOIPGUARD" scan --scope 127.0.0.0/8 "$1" --timeout-ms 100 --retries 0 --sip-only \
            --accounts 0 --format jsonl | grep -q . && return 0
    done
    echo "the $LAYOUT responder did not answer on $1" >&2; exit 5
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
        answer)
            "$OUTDIR/sip_answer" 5060 3600 2> "$OUTDIR/sip_answer.log" &
            KAM_PID=$!
            wait_answering 127.0.3.7
            return ;;
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
expected() {  # $1=range -> hosts that should answer in it for the current layout
    python3 - "$1" "$LAYOUT" <<'EOF'
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1]); layout = sys.argv[2]
if layout in ("dense", "answer"): print(net.num_addresses)
elif layout == "sparse": print(sum(ipaddress.ip_address(f"127.0.{x}.10") in net for x in range(16)))
else: print(0)
EOF
}
now() { date +%s.%N; }

printf 'tool\tlayout\trange\taddresses\twall_s\tfound\texpected\taddr_per_s\tpeak_rss_MB\tcpu_s\tcpu_us_per_addr\tnote\n' > "$RES"

# One row: $1 tool, $2 range, $3 wall, $4 found, $5 rate, $6 GNU time file ("user sys maxrss"),
# $7 note. CPU is user + system time of the tool's process: what it costs whatever the load.
row() {
    local tool=$1 range=$2 wall=$3 found=$4 rate=$5 timefile=$6 note=$7 n exp rss cpu per
    n=$(naddr "$range"); exp=$(expected "$range")
    read -r rss cpu per < <(python3 - "$timefile" "$n" <<'EOF'
import sys
u, s, m = open(sys.argv[1]).read().split()[-3:]
cpu = float(u) + float(s)
print(f"{int(m)/1024:.1f} {cpu:.2f} {cpu*1e6/int(sys.argv[2]):.1f}")
EOF
)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$LAYOUT" "$range" "$n" "$wall" \
        "$found" "$exp" "$rate" "$rss" "$cpu" "$per" "$note" >> "$RES"
    printf '%-9s %-6s %s wall=%ss found=%s/%s ~%s addr/s rss=%sMB cpu=%ss (%s us/addr) %s\n' "$tool" \
        "$LAYOUT" "$range" "$wall" "$found" "$exp" "$rate" "$rss" "$cpu" "$per" "$note"
}

run_voipguard() {  # $1=run number
    local tag="voipguard-$LAYOUT-$1" n t0 t1
    n=$(naddr "$RANGE")
    t0=$(now)
    VOIPGUARD_LOG=info NO_COLOR=1 /usr/bin/time -f '%U %S %M' -o "$OUTDIR/$tag.time" \
        "$VOIPGUARD" scan --scope 127.0.0.0/8 "$RANGE" --rate "$RATE" --format jsonl --sip-only \
        --accounts 0 -v > "$OUTDIR/$tag.out" 2> "$OUTDIR/$tag.err" &
    CUR_PID=$!; wait "$CUR_PID"; local rc=$?; CUR_PID=""
    t1=$(now)
    local wall found rate summary
    wall=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    # Host lines only: `scanner_probe` lines report the scanner-like OPTIONS sent afterwards.
    found=$(python3 -c "import json,sys; print(len({json.loads(l).get('target') for l in open(sys.argv[1])} - {None}))" "$OUTDIR/$tag.out")
    rate=$(python3 -c "print(f'{$n/max($t1-$t0,0.01):.0f}')")
    summary=$(sed 's/\x1b\[[0-9;]*m//g' "$OUTDIR/$tag.err" | grep -o 'answered=[0-9]* silent=[0-9]* transmissions=[0-9]*' | tail -1)
    row voipguard "$RANGE" "$wall" "$found" "$rate" "$OUTDIR/$tag.time" "run=$1 rc=$rc rate=$RATE $summary"
}

# The median of this layout's voipguard runs, column by column.
median_voipguard() {
    python3 - "$RES" "$LAYOUT" <<'EOF' | tee -a "$RES"
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
runs = [r for r in rows if r[0] == "voipguard" and r[1] == sys.argv[2] and r[11].startswith("run=")]
if runs:
    med = lambda i: statistics.median(float(r[i]) for r in runs)
    first = runs[0]
    print("\t".join(["voipguard", first[1], first[2], first[3], f"{med(4):.2f}", f"{med(5):.0f}",
                     first[6], f"{med(7):.0f}", f"{med(8):.1f}", f"{med(9):.2f}", f"{med(10):.1f}",
                     f"median of {len(runs)} runs"]))
EOF
}

run_svmap() {
    [ -x "$SVMAP" ] || { echo "svmap     (skipped: no $SVMAP)"; return; }
    [ "${SVMAP_SKIP:-}" = 1 ] && return
    local tag="svmap-$LAYOUT" n t0 t1
    n=$(naddr "$RANGE")
    t0=$(now)
    /usr/bin/time -f '%U %S %M' -o "$OUTDIR/$tag.time" \
        timeout 600 "$SVMAP" -x 127.0.0.1 -P 5070 -v -t 0 "$RANGE" > "$OUTDIR/$tag.out" 2> "$OUTDIR/$tag.err" &
    CUR_PID=$!; wait "$CUR_PID"; local rc=$?; CUR_PID=""
    t1=$(now)
    local wall found rate
    wall=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    found=$(grep -P '\t->\t' "$OUTDIR/$tag.err" | cut -f1 | sort -u | wc -l)
    # svmap idles 3 s after its last probe; its rate excludes that, as in the anchor script.
    rate=$(python3 -c "print(f'{$n/max($t1-$t0-3,0.01):.0f}')")
    row svmap "$RANGE" "$wall" "$found" "$rate" "$OUTDIR/$tag.time" "rc=$rc -t 0 (rate excl. 3 s drain)"
}

# nmap -sU -p5060 with the sip-methods script, as the anchor script runs it: a host counts as
# found when the script reported on it. Like the anchor, only on sparse and silent: on dense and
# answer every reply comes from 127.0.0.1 (the responder is wildcard-bound), which nmap does not
# match to the address it probed, so it reports open|filtered and waits out every host.
run_nmap() {
    command -v nmap > /dev/null || { echo "nmap      (skipped: apt-get install nmap)"; return; }
    [ "${NMAP_SKIP:-}" = 1 ] && return
    case $LAYOUT in dense|answer) echo "nmap      (not run on $LAYOUT: replies come from 127.0.0.1)"; return ;; esac
    local range=$NMAP_RANGE
    [ "$LAYOUT" = silent ] && range=$NMAP_SILENT_RANGE
    local tag="nmap-$LAYOUT" n t0 t1
    n=$(naddr "$range")
    t0=$(now)
    /usr/bin/time -f '%U %S %M' -o "$OUTDIR/$tag.time" \
        timeout 600 nmap -n -Pn -sU -p5060 --script sip-methods -oX "$OUTDIR/$tag.xml" "$range" \
        > "$OUTDIR/$tag.out" 2>&1 &
    CUR_PID=$!; wait "$CUR_PID"; local rc=$?; CUR_PID=""
    t1=$(now)
    local wall found rate
    wall=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    found=$(grep -c 'id="sip-methods"' "$OUTDIR/$tag.xml")
    rate=$(python3 -c "print(f'{$n/max($t1-$t0,0.01):.0f}')")
    row nmap "$range" "$wall" "$found" "$rate" "$OUTDIR/$tag.time" "rc=$rc -sU -p5060 --script sip-methods"
}

{
    echo "date: $(date -Is)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
    echo "voipguard: $("$VOIPGUARD" --version)"
    echo "kamailio: $(kamailio -v | head -1)"
    [ -x "$SVMAP" ] && echo "sipvicious: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sipvicious"))')"
    command -v nmap > /dev/null && echo "nmap: $(nmap --version | head -1)"
} | tee "$OUTDIR/env.txt"

for layout in $LAYOUTS; do
    start_responder "$layout"
    for run in $(seq 1 "$RUNS"); do run_voipguard "$run"; done
    median_voipguard
    run_svmap
    run_nmap
    stop_responder
done

echo
column -t -s $'\t' "$RES"
echo "results: $RES"
