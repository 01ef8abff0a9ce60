#!/usr/bin/env bash
# sipsentry real-traffic lab: real SIP software makes the traffic, its own logs state the truth.
#
#   bash lab/run.sh <basic|tcp|attack|load> [outdir]      (default outdir: lab/out)
#
# Writes <outdir>/<name>.pcap and <outdir>/<name>.truth.json, plus <outdir>/<name>.work/ with every
# log the truth was derived from (Kamailio sipdump + log, SIPp traces, attack tool output).
# Needs root (network namespace), kamailio, sipp, tcpdump, tshark, node; the attack run also
# sipsak and sipvicious. See lab/README.md.
#
# Network rule: every packet stays inside a network namespace created here, on its own loopback
# (addresses 127.0.0.x). Nothing is ever sent anywhere else.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$LAB_DIR")
NAME=${1:-}
case "$NAME" in
  basic|tcp|attack|load) ;;
  *) echo "usage: bash lab/run.sh <basic|tcp|attack|load> [outdir]" >&2; exit 2 ;;
esac
OUT=${2:-$LAB_DIR/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/$NAME.work
rm -rf "$WORK"
mkdir -p "$WORK"
SCN=$LAB_DIR/scenarios
MANIFEST=$WORK/manifest.jsonl
: > "$MANIFEST"
KAM_IP=127.0.0.10
START_EPOCH=$(date +%s.%N)

log() { printf '[lab %s %6.1fs] %s\n' "$NAME" "$(awk -v a="$(date +%s.%N)" -v b="$START_EPOCH" 'BEGIN { print a - b }')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in kamailio sipp tcpdump tshark node ip timeout; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done
if [ "$NAME" = attack ] || [ "$NAME" = load ]; then
  for tool in sipsak svmap svwar svcrack; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
fi
[ "$(id -u)" = 0 ] || die "the lab needs root (network namespace, tcpdump)"

# ---------------------------------------------------------------- processes and clean-up
PIDS=()        # every process started here, torn down by PID on exit
NS=""
NSX=()         # command prefix that runs a program inside the namespace
cleanup() {
  local rc=$?
  set +e
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null
  done
  sleep 0.3
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    kill -9 "${PIDS[i]}" 2>/dev/null
    wait "${PIDS[i]}" 2>/dev/null
  done
  if [ -n "$NS" ]; then ip netns del "$NS" 2>/dev/null; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NS=sipsentry-lab-$$
ip netns add "$NS" 2>/dev/null || { NS=""; die "cannot create a network namespace (ip netns add): the lab needs one"; }
NSX=(ip netns exec "$NS")
"${NSX[@]}" ip link set lo up
# Programs that do not bind an address of their own (svwar, svcrack ignore -b) speak from the
# attacker's address: make 127.0.0.66 the namespace's preferred source on its loopback.
"${NSX[@]}" ip route replace local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.66
log "network namespace $NS (its own loopback only)"

# bg LABEL CMD... : start a process (inside the namespace), remember its PID in BG_PID
bg() {
  local label=$1; shift
  "${NSX[@]}" "$@" > "$WORK/$label.out" 2>&1 < /dev/null &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

# ---------------------------------------------------------------- kamailio and tcpdump
start_kamailio() {
  local hep=()
  # LAB_HEP=IP:PORT: Kamailio also mirrors every message it receives and sends there as HEP3 (siptrace).
  [ -n "${LAB_HEP:-}" ] && hep=(-A WITH_HEP -A "HEP_URI=\"sip:$LAB_HEP\"")
  bg kamailio kamailio -f "$LAB_DIR/kamailio/kamailio.cfg" -DD -E -Y "$WORK" -P "$WORK/kamailio.pid" \
    -A "LAB_DIR=\"$WORK\"" "${hep[@]}" -m 256 -M 16
  KAM_PID=$BG_PID
  for _ in $(seq 1 50); do
    grep -q 'LAB users 1000..1039 loaded' "$WORK/kamailio.out" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.5
  kill -0 "$KAM_PID" 2>/dev/null || die "kamailio did not start: $(tail -5 "$WORK/kamailio.out")"
  log "kamailio up on $KAM_IP:5060 udp+tcp (pid $KAM_PID)"
}

start_tcpdump() {
  local filter='(udp or tcp) and net 127.0.0.0/24'
  bg tcpdump tcpdump -i lo -U -n -s 0 -B 65536 -w "$WORK/capture.pcap" "$filter"
  TCPDUMP_PID=$BG_PID
  for _ in $(seq 1 50); do
    grep -q 'listening on' "$WORK/tcpdump.out" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.3
  kill -0 "$TCPDUMP_PID" 2>/dev/null || die "tcpdump did not start: $(cat "$WORK/tcpdump.out")"
  log "tcpdump recording (pid $TCPDUMP_PID)"
}

# ---------------------------------------------------------------- SIPp instances
# sipp_start ID SCENARIO TRANSPORT IP PORT [sipp args...]
#   Starts one SIPp instance bound to IP:PORT; UAC scenarios (uac-*, register*) target the proxy.
#   The manifest records the exact command line; the truth builder reads its parameters from it.
declare -A SIPP_PID
sipp_start() {
  local id=$1 scn=$2 tr=$3 ip=$4 port=$5; shift 5
  local args=(-sf "$SCN/$scn.xml" -i "$ip" -p "$port" -bind_local -nostdin -nd)
  # full message traces, except in the load run (the proxy's records hold every message anyway)
  [ "$NAME" != load ] && args+=(-trace_msg -message_file "$WORK/$id.msg.log")
  args+=(-trace_shortmsg -shortmessage_file "$WORK/$id.short.log"
    -trace_err -error_file "$WORK/$id.err.log"
    -trace_stat -stf "$WORK/$id.stat.csv"
    -trace_screen -screen_file "$WORK/$id.screen.log")
  [ "$tr" = tcp ] && args+=(-t t1)
  case "$scn" in uas-*) ;; *) args=("$KAM_IP:5060" "${args[@]}") ;; esac
  args+=("$@")
  node -e 'const [id,scn,tr,ip,port,...args]=process.argv.slice(1);
    console.log(JSON.stringify({id,scenario:scn,transport:tr,ip,port:Number(port),args,
      started:Date.now()/1000}))' "$id" "$scn" "$tr" "$ip" "$port" "$@" >> "$MANIFEST"
  bg "$id" sipp "${args[@]}"
  SIPP_PID[$id]=$BG_PID
}

# sipp_wait ID... : wait for instances to end; each must end with exit code 0 (all calls successful)
sipp_wait() {
  local id rc
  for id in "$@"; do
    rc=0
    wait "${SIPP_PID[$id]}" || rc=$?
    echo "$rc" > "$WORK/$id.rc"
    [ "$rc" = 0 ] || die "SIPp instance $id ended with code $rc: $(tail -3 "$WORK/$id.err.log" 2>/dev/null) $(tail -3 "$WORK/$id.out")"
  done
}

# sipp_stop ID... : end instances that are meant to be cut off (pending calls), without letting them send
sipp_stop() {
  local id
  for id in "$@"; do
    kill -9 "${SIPP_PID[$id]}" 2>/dev/null || true
    wait "${SIPP_PID[$id]}" 2>/dev/null || true
    echo "killed" > "$WORK/$id.rc"
  done
}

# phone_register ID USER IP TRANSPORT CONTACT_PORT EXPIRES : a callee's registration, sent from IP:5070
# for the contact IP:CONTACT_PORT where that callee's SIPp listens
phone_register() {
  local id=$1 user=$2 ip=$3 tr=$4 cport=$5 expires=$6
  local contact="sip:$user@$ip:$cport"
  [ "$tr" = tcp ] && contact="$contact;transport=tcp"
  sipp_start "$id" register "$tr" "$ip" 5070 -key user "$user" -key contact "$contact" \
    -key expires "$expires" -au "$user" -ap "pw$user" -m 1 -timeout 20s -timeout_error
}

# ---------------------------------------------------------------- runs
source "$LAB_DIR/runs.sh"

# LAB_PROBES=FILE: one command per line, each started inside the namespace before the traffic
# (e.g. a live sipsentry) and stopped with SIGTERM after it; each must then exit with code 0.
PROBE_PIDS=()
start_probes() {
  [ -n "${LAB_PROBES:-}" ] || return 0
  local i=0 line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    i=$((i + 1))
    bg "probe$i" bash -c "exec $line"
    PROBE_PIDS+=("$BG_PID")
  done < "$LAB_PROBES"
  sleep "${LAB_PROBE_WARMUP:-2}"
  for pid in "${PROBE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || die "probe did not start: $(tail -5 "$WORK"/probe*.out)"; done
  log "${#PROBE_PIDS[@]} probe(s) running"
}
stop_probes() {
  local i=0 pid rc
  [ ${#PROBE_PIDS[@]} -gt 0 ] || return 0
  # LAB_PROBE_LINGER=S: let live probes run on after the traffic so timer-decided outcomes (expiry) fall due.
  sleep "${LAB_PROBE_LINGER:-0}"
  for pid in "${PROBE_PIDS[@]}"; do
    i=$((i + 1))
    kill -TERM "$pid" 2>/dev/null || true
    rc=0
    wait "$pid" || rc=$?
    echo "$rc" > "$WORK/probe$i.rc"
    [ "$rc" = 0 ] || die "probe $i ended with code $rc: $(tail -5 "$WORK/probe$i.out")"
  done
}

start_kamailio
start_tcpdump
start_probes
log "run $NAME starts"
"run_$NAME"
log "run $NAME traffic done; stopping"

# quiesce: every SIPp instance has ended or was cut off; let the proxy's dump writer catch up
sleep 1.5
kill "$KAM_PID"; wait "$KAM_PID" 2>/dev/null || true
sleep 0.5
stop_probes
kill "$TCPDUMP_PID"; wait "$TCPDUMP_PID" 2>/dev/null || true
END_EPOCH=$(date +%s.%N)
echo "{\"started\":$START_EPOCH,\"ended\":$END_EPOCH}" > "$WORK/times.json"
log "capture closed"

# ---------------------------------------------------------------- truth
TRUTH_JS=$ROOT/dist/lab/src/truth.js
if [ ! -f "$TRUTH_JS" ] || [ -n "$(find "$ROOT/lab/src" -name '*.ts' -newer "$TRUTH_JS" 2>/dev/null)" ]; then
  log "building lab/src"
  cat > "$WORK/tsconfig.json" <<EOF
{"extends": "$ROOT/tsconfig.json",
 "compilerOptions": {"rootDir": "$ROOT", "outDir": "$ROOT/dist", "typeRoots": ["$ROOT/node_modules/@types"]},
 "include": ["$ROOT/lab/src"]}
EOF
  (cd "$ROOT" && node node_modules/typescript/bin/tsc -p "$WORK/tsconfig.json") || die "lab/src does not build"
fi
cp "$WORK/capture.pcap" "$OUT/$NAME.pcap"
node "$TRUTH_JS" "$NAME" "$WORK" "$OUT/$NAME.pcap" "$OUT/$NAME.truth.json" || die "truth builder failed"
log "wrote $OUT/$NAME.pcap and $OUT/$NAME.truth.json"
