# The lab's runs, sourced by lab/run.sh (which provides sipp_start, sipp_wait, sipp_stop,
# phone_register, bg, log, die, $WORK, $KAM_IP).
#
# Address plan (all on the loopback of the lab's namespace):
#   127.0.0.10       Kamailio (registrar + proxy), port 5060 UDP and TCP
#   127.0.0.11..20   callers (SIPp UAC, port 5060)
#   127.0.0.21..29   callees (SIPp UAS on port 5060; their REGISTER is sent from port 5070)
#   127.0.0.31..39   registration-only phones and other senders
#   127.0.0.65       sipsak
#   127.0.0.66       attacker (SIPVicious svmap, svwar, svcrack)

# The legitimate mix used by the basic and tcp runs (and, once, by the attack run).
# legit_mix TRANSPORT
legit_mix() {
  local tr=$1 t=""
  [ "$tr" = tcp ] && t=";transport=tcp"

  # --- callees: start listening, then register (Expires 3600: still bound when the run ends)
  sipp_start uas-answer      uas-answer      "$tr" 127.0.0.21 5060 -key user 1001 -key peer 1020 -m 1 -timeout 60s
  sipp_start uas-busy        uas-busy        "$tr" 127.0.0.22 5060 -key user 1002 -key peer 1022 -m 1 -timeout 60s
  sipp_start uas-ring-cancel uas-ring        "$tr" 127.0.0.23 5060 -key user 1003 -key peer 1024 -m 1 -timeout 60s
  sipp_start uas-slow        uas-slow-answer "$tr" 127.0.0.24 5060 -key user 1004 -key peer 1026 -m 1 -timeout 60s
  sipp_start uas-message     uas-message     "$tr" 127.0.0.25 5060 -key user 1005 -key peer 1028 -d 2500 -m 1 -timeout 60s
  sipp_start uas-subscribe   uas-subscribe   "$tr" 127.0.0.26 5060 -key user 1006 -key peer 1029 -m 1 -timeout 60s
  sipp_start uas-answer-bye  uas-answer-bye  "$tr" 127.0.0.27 5060 -key user 1007 -key peer 1021 -d 2000 -m 1 -timeout 60s
  sipp_start uas-ring-noans  uas-ring        "$tr" 127.0.0.28 5060 -key user 1008 -key peer 1025 -m 1 -timeout 60s
  sipp_start uas-silent      uas-silent      "$tr" 127.0.0.29 5060 -key user 1039 -key peer 1031 -m 1 -timeout 120s
  sleep 0.5
  phone_register reg-1001 1001 127.0.0.21 "$tr" 5060 3600
  phone_register reg-1002 1002 127.0.0.22 "$tr" 5060 3600
  phone_register reg-1003 1003 127.0.0.23 "$tr" 5060 3600
  phone_register reg-1004 1004 127.0.0.24 "$tr" 5060 3600
  phone_register reg-1005 1005 127.0.0.25 "$tr" 5060 3600
  phone_register reg-1006 1006 127.0.0.26 "$tr" 5060 3600
  phone_register reg-1007 1007 127.0.0.27 "$tr" 5060 3600
  phone_register reg-1008 1008 127.0.0.28 "$tr" 5060 3600
  phone_register reg-1039 1039 127.0.0.29 "$tr" 5060 3600
  sipp_wait reg-1001 reg-1002 reg-1003 reg-1004 reg-1005 reg-1006 reg-1007 reg-1008 reg-1039
  log "callees registered"

  # --- registrations: expires early (left to expire), refreshed then removed, removed with Contact: *,
  #     wrong password
  sipp_start reg-expire   register           "$tr" 127.0.0.33 5060 -key user 1012 \
    -key contact "sip:1012@127.0.0.33:5060$t" -key expires 5 -au 1012 -ap pw1012 -m 1 -timeout 20s -timeout_error
  sipp_start reg-refresh  register-refresh   "$tr" 127.0.0.31 5060 -key user 1010 \
    -key contact "sip:1010@127.0.0.31:5060$t" -key expires 10 -au 1010 -ap pw1010 -d 5000 -m 1 -timeout 60s -timeout_error
  sipp_start reg-star     register-star      "$tr" 127.0.0.32 5060 -key user 1011 \
    -key contact "sip:1011@127.0.0.32:5060$t" -key expires 60 -au 1011 -ap pw1011 -d 2000 -m 1 -timeout 30s -timeout_error
  sipp_start reg-wrongpw  register-wrongpass "$tr" 127.0.0.34 5060 -key user 1013 \
    -key contact "sip:1013@127.0.0.34:5060$t" -key expires 60 -au 1013 -ap wrong-password -m 1 -timeout 20s -timeout_error
  sleep 0.5

  # --- calls of every outcome, staggered a little so the capture reads in order
  sipp_start call-answered uac-call            "$tr" 127.0.0.11 5060 -key user 1020 -key peer 1001 -au 1020 -ap pw1020 -d 3000 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-callee-bye uac-call-callee-bye "$tr" 127.0.0.12 5060 -key user 1021 -key peer 1007 -au 1021 -ap pw1021 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-busy     uac-call-486        "$tr" 127.0.0.13 5060 -key user 1022 -key peer 1002 -au 1022 -ap pw1022 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-unknown  uac-call-404        "$tr" 127.0.0.14 5060 -key user 1023 -key peer 1099 -au 1023 -ap pw1023 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-cancel   uac-call-cancel     "$tr" 127.0.0.15 5060 -key user 1024 -key peer 1003 -au 1024 -ap pw1024 -d 1500 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-noanswer uac-call-408        "$tr" 127.0.0.16 5060 -key user 1025 -key peer 1008 -au 1025 -ap pw1025 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-slow     uac-call            "$tr" 127.0.0.17 5060 -key user 1026 -key peer 1004 -au 1026 -ap pw1026 -d 1000 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start call-wrongpw  uac-call-wrongpass  "$tr" 127.0.0.18 5060 -key user 1030 -key peer 1001 -au 1030 -ap wrong-password -m 1 -timeout 30s -timeout_error
  sleep 0.3

  # --- out-of-dialog requests
  sipp_start options       uac-options         "$tr" 127.0.0.19 5060 -key user 1027 -m 3 -r 1 -rp 1000 -timeout 30s -timeout_error
  sipp_start message-ok    uac-message-ok      "$tr" 127.0.0.35 5060 -key user 1028 -key peer 1005 -au 1028 -ap pw1028 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start message-404   uac-message-404     "$tr" 127.0.0.36 5060 -key user 1028 -key peer 1098 -au 1028 -ap pw1028 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start subscribe-ok  uac-subscribe-ok    "$tr" 127.0.0.37 5060 -key user 1029 -key peer 1006 -au 1029 -ap pw1029 -m 1 -timeout 30s -timeout_error
  sleep 0.3
  sipp_start subscribe-404 uac-subscribe-404   "$tr" 127.0.0.38 5060 -key user 1029 -key peer 1097 -au 1029 -ap pw1029 -m 1 -timeout 30s -timeout_error

  sipp_wait call-answered call-callee-bye call-busy call-unknown call-cancel call-noanswer call-slow call-wrongpw \
    options message-ok message-404 subscribe-ok subscribe-404 reg-expire reg-star reg-wrongpw
  sipp_wait uas-answer uas-busy uas-ring-cancel uas-slow uas-message uas-subscribe uas-answer-bye uas-ring-noans
  log "calls and requests done"
  sipp_wait reg-refresh
  log "refreshed registration removed"
}

# A call that never gets a final answer while the capture runs; cut off at the end of the run.
pending_call() {
  local tr=$1
  sipp_start call-pending uac-call-pending "$tr" 127.0.0.20 5060 -key user 1031 -key peer 1039 -au 1031 -ap pw1031 -m 1 -timeout 120s
  sleep 2
  sipp_stop call-pending uas-silent
}

run_basic() {
  legit_mix udp
  pending_call udp
}

run_tcp() {
  legit_mix tcp
  pending_call tcp
}

# ---------------------------------------------------------------- attack run
ATTACKER=127.0.0.66
SIPSAK_IP=127.0.0.65

# tool_run ID CMD... : run an attack tool to its end (bounded by timeout), record it in the manifest
tool_run() {
  local id=$1; shift
  node -e 'const [id,...args]=process.argv.slice(1);
    console.log(JSON.stringify({id,tool:args[0],args,started:Date.now()/1000}))' "$id" "$@" >> "$MANIFEST"
  bg "$id" timeout -k 5 120 "$@"
  local pid=$BG_PID rc=0
  wait "$pid" || rc=$?
  echo "$rc" > "$WORK/$id.rc"
  log "$id ended (code $rc)"
}

run_attack() {
  # legitimate phones: two callees, one plain registration
  sipp_start uas-answer uas-answer udp 127.0.0.21 5060 -key user 1001 -key peer 1020 -m 1 -timeout 90s
  sipp_start uas-busy   uas-busy   udp 127.0.0.22 5060 -key user 1002 -key peer 1022 -m 1 -timeout 90s
  sleep 0.3
  phone_register reg-1001 1001 127.0.0.21 udp 5060 3600
  phone_register reg-1002 1002 127.0.0.22 udp 5060 3600
  phone_register reg-1003 1003 127.0.0.23 udp 5060 3600
  sipp_wait reg-1001 reg-1002 reg-1003

  # discovery: OPTIONS sweep of 127.0.0.2-127.0.0.10 (only the proxy answers)
  tool_run svmap svmap -b "$ATTACKER" -x "$ATTACKER" -P 5060 -p 5060 -t 0.05 127.0.0.2-127.0.0.10

  # a legitimate call while the attacks go on
  sipp_start call-answered uac-call udp 127.0.0.11 5060 -key user 1020 -key peer 1001 -au 1020 -ap pw1020 -d 4000 -m 1 -timeout 30s -timeout_error

  # extension enumeration 1000-1050 with REGISTER (existing users are challenged, others get 404)
  tool_run svwar svwar -b "$ATTACKER" -x "$ATTACKER" -P 5061 -t 0.02 -e 1000-1050 --maximumtime 5 "$KAM_IP"

  # sipsak: OPTIONS ping and a registration with a password
  tool_run sipsak-options sipsak -k "$SIPSAK_IP" -H "$SIPSAK_IP" -l 5060 -s "sip:$KAM_IP" -vv
  tool_run sipsak-register sipsak -k "$SIPSAK_IP" -H "$SIPSAK_IP" -l 5062 -U -C "sip:1015@$SIPSAK_IP:5062" -x 120 \
    -a pw1015 -s "sip:1015@$KAM_IP" -vv

  # digest cracking of 1030 with a small word list (the last word is the password)
  printf '%s\n' 123456 password 1030 secret pw1000 pw1030 > "$WORK/wordlist.txt"
  tool_run svcrack svcrack -b "$ATTACKER" -x "$ATTACKER" -P 5062 -t 0.05 -u 1030 -d "$WORK/wordlist.txt" "$KAM_IP"

  # more legitimate traffic: busy call, OPTIONS pings
  sipp_start call-busy uac-call-486 udp 127.0.0.13 5060 -key user 1022 -key peer 1002 -au 1022 -ap pw1022 -m 1 -timeout 30s -timeout_error
  sipp_start options   uac-options  udp 127.0.0.19 5060 -key user 1027 -m 2 -r 1 -rp 1000 -timeout 30s -timeout_error
  sipp_wait call-answered call-busy options uas-answer uas-busy
}

# ---------------------------------------------------------------- load run
# About 310,000 SIP messages in about four minutes, mostly REGISTER refreshes and OPTIONS:
#   4 x 1000 phones (users 2000..5999, 127.0.0.51..54): register, 12 refreshes 10 s apart, unregister
#   8 OPTIONS pingers (127.0.0.41..48), 20 pings/s each
#   calls 1020 -> 1001 (4/s, hold 2 s) and 1022 -> 1002 busy (1/s)
#   svmap, svwar over 7000-7999 (no such users: 404), svcrack with a 100-word list, sipsak OPTIONS
LOAD_PHONES=${LOAD_PHONES:-1000}      # per phone instance
LOAD_PHONE_RATE=${LOAD_PHONE_RATE:-10} # new phones per second per instance
LOAD_SECONDS=${LOAD_SECONDS:-220}      # how long pingers and callers run
LOAD_REFRESH_MS=${LOAD_REFRESH_MS:-10000} # pause between a phone's refreshes

run_load() {
  local i n ip
  # callees
  sipp_start uas-answer uas-answer udp 127.0.0.21 5060 -key user 1001 -key peer 1020 \
    -m $((LOAD_SECONDS * 4)) -l 100 -timeout $((LOAD_SECONDS + 120))s
  sipp_start uas-busy   uas-busy   udp 127.0.0.22 5060 -key user 1002 -key peer 1022 \
    -m "$LOAD_SECONDS" -l 100 -timeout $((LOAD_SECONDS + 120))s
  sleep 0.3
  phone_register reg-1001 1001 127.0.0.21 udp 5060 3600
  phone_register reg-1002 1002 127.0.0.22 udp 5060 3600
  sipp_wait reg-1001 reg-1002

  # registrar phones
  for i in 0 1 2 3; do
    ip=127.0.0.$((51 + i))
    { echo SEQUENTIAL; for n in $(seq $((2000 + i * 1000)) $((2000 + i * 1000 + LOAD_PHONES - 1))); do echo "$n;[authentication username=$n password=pw$n]"; done; } \
      > "$WORK/phones-$i.csv"
    sipp_start "phones-$i" load-phone udp "$ip" 5060 -inf "$WORK/phones-$i.csv" -key expires 20 -d "$LOAD_REFRESH_MS" \
      -r "$LOAD_PHONE_RATE" -m "$LOAD_PHONES" -l $((LOAD_PHONES + 10)) -timeout $((LOAD_SECONDS + 300))s -timeout_error
  done
  # keep-alive pingers
  for i in 0 1 2 3 4 5 6 7; do
    sipp_start "pinger-$i" uac-options udp 127.0.0.$((41 + i)) 5060 -key user $((1032 + i)) \
      -r 20 -m $((LOAD_SECONDS * 20)) -l 200 -timeout $((LOAD_SECONDS + 120))s -timeout_error
  done
  # calls
  sipp_start calls uac-call udp 127.0.0.11 5060 -key user 1020 -key peer 1001 -au 1020 -ap pw1020 -d 2000 \
    -r 4 -m $((LOAD_SECONDS * 4)) -l 100 -timeout $((LOAD_SECONDS + 120))s -timeout_error
  sipp_start calls-busy uac-call-486 udp 127.0.0.13 5060 -key user 1022 -key peer 1002 -au 1022 -ap pw1022 \
    -r 1 -m "$LOAD_SECONDS" -l 100 -timeout $((LOAD_SECONDS + 120))s -timeout_error

  # attacks in the middle of it
  sleep 20
  tool_run svmap svmap -b "$ATTACKER" -x "$ATTACKER" -P 5060 -p 5060 -t 0.05 127.0.0.2-127.0.0.10
  sleep 10
  tool_run svwar svwar -b "$ATTACKER" -x "$ATTACKER" -P 5061 -t 0.01 -e 7000-7999 --maximumtime 5 "$KAM_IP"
  sleep 10
  { for n in $(seq 1 99); do echo "guess$n"; done; echo pw1030; } > "$WORK/wordlist.txt"
  tool_run svcrack svcrack -b "$ATTACKER" -x "$ATTACKER" -P 5062 -t 0.02 -u 1030 -d "$WORK/wordlist.txt" "$KAM_IP"
  tool_run sipsak-options sipsak -k "$SIPSAK_IP" -H "$SIPSAK_IP" -l 5060 -s "sip:$KAM_IP" -vv

  sipp_wait calls calls-busy pinger-0 pinger-1 pinger-2 pinger-3 pinger-4 pinger-5 pinger-6 pinger-7
  log "pingers and callers done"
  sipp_wait phones-0 phones-1 phones-2 phones-3 uas-answer uas-busy
  log "phones unregistered"
}
