# The cases of run.sh: check [VAR=VALUE...] TOOL "COMMAND" [--args "TOOL ARGS"] REGEX...
# Available: $HTTPS_PORT $HTTP_PORT (the servers), $CA (their certificate), $TARGET (the test
# target), $PY, $HERE, $CGTEST and $DOCKER_ID (cgroups made for containertop); in patterns,
# $S for spaces and $N for a number.

# --- API calls and payloads --------------------------------------------------------------------
# curl (OpenSSL: SSL_write/SSL_read): the request's and the answers' plaintext; lines longer than
# the 64 bytes shown end in "..." (never cut silently).
check tlssnoop.bt "curl -s --cacert $CA https://localhost:$HTTPS_PORT/ok https://localhost:$HTTPS_PORT/missing" \
  "curl$S/$S+W$S$N GET /ok HTTP/1.1\\\\x0d\\\\x0aHost: localhost:$HTTPS_PORT\\\\x0d\\\\x0a.*\\.\\.\\.\$" \
  "curl$S/$S+R$S$N HTTP/1.1 200 OK\\\\x0d\\\\x0a" \
  "curl$S/$S+R$S+3 ok\\\\x0a\$" \
  "curl$S/$S+R$S$N HTTP/1.1 404 Not Found"
# BPFTRACE_STRLEN shows more of each.
check BPFTRACE_STRLEN=200 tlssnoop.bt "curl -s --cacert $CA https://localhost:$HTTPS_PORT/ok" \
  "W$S$N GET /ok HTTP/1.1\\\\x0d\\\\x0aHost: localhost:$HTTPS_PORT\\\\x0d\\\\x0aUser-Agent: curl/[^ ]*\\\\x0d\\\\x0aAccept: \\*/\\*\\\\x0d\\\\x0a\\\\x0d\\\\x0a\$"
# wget (GnuTLS: gnutls_record_send/recv) and python3 (OpenSSL's _ex forms).
check tlssnoop.bt "wget -q -O /dev/null --ca-certificate=$CA https://localhost:$HTTPS_PORT/ok" \
  "wget$S/$S+W$S$N GET /ok HTTP/1.1" "wget$S/$S+R$S$N HTTP/1.1 200 OK"
check tlssnoop.bt "$PY $HERE/clients.py https https://localhost:$HTTPS_PORT/big $CA" \
  "python3$S/$S+W$S$N GET /big HTTP/1.1" "python3$S/$S+R$S$N HTTP/1.1 200 OK" "R$S+4096 x{64}\\.\\.\\.\$"

check apicalls.bt "curl -s --cacert $CA https://localhost:$HTTPS_PORT/ok https://localhost:$HTTPS_PORT/missing https://localhost:$HTTPS_PORT/error https://localhost:$HTTPS_PORT/slow" \
  "curl${S}localhost:$HTTPS_PORT${S}GET$S/ok${S}200$S$N\\.[0-9]{3}${S}3\$" \
  "curl${S}localhost:$HTTPS_PORT${S}GET$S/missing${S}404$S$N\\.[0-9]{3}${S}8\$" \
  "curl${S}localhost:$HTTPS_PORT${S}GET$S/error${S}500$S$N\\.[0-9]{3}${S}6\$" \
  "curl${S}localhost:$HTTPS_PORT${S}GET$S/slow${S}200$S([3-9][0-9]{2}|[0-9]{4,})\\.[0-9]{3}${S}5\$" \
  "^localhost:$HTTPS_PORT${S}4${S}50%\$" \
  "^@latency_us\\[localhost:$HTTPS_PORT\\]:"
check apicalls.bt "wget -q -O /dev/null --ca-certificate=$CA https://localhost:$HTTPS_PORT/ok" \
  "wget${S}localhost:$HTTPS_PORT${S}GET$S/ok${S}200$S$N\\.[0-9]{3}${S}3\$"
check apicalls.bt "$PY $HERE/clients.py https https://localhost:$HTTPS_PORT/big $CA" \
  "python3${S}localhost:$HTTPS_PORT${S}GET$S/big${S}200$S$N\\.[0-9]{3}${S}4096\$"
# Plain TCP: the send/recv system calls.
check apicalls.bt "$PY $HERE/clients.py post $HTTP_PORT /submit" \
  "python3${S}127.0.0.1:$HTTP_PORT${S}POST$S/submit${S}201$S$N\\.[0-9]{3}${S}6\$"
check apicalls.bt "curl -s http://127.0.0.1:$HTTP_PORT/missing" \
  "curl${S}127.0.0.1:$HTTP_PORT${S}GET$S/missing${S}404$S$N\\.[0-9]{3}${S}8\$" "^127.0.0.1:$HTTP_PORT${S}1${S}100%\$"

check dnslatency.bt "$PY $HERE/clients.py resolve" \
  "python3$S/$S$N\\.[0-9]{3}${S}0${S}localhost\$" "python3$S/$S$N\\.[0-9]{3}$S-2${S}not-a-number\$" \
  "^@latency_us\\[python3\\]:"

# --- network flows through tracepoints ---------------------------------------------------------
check tcpconnect.bt "curl -s http://127.0.0.1:$HTTP_PORT/ok http://127.0.0.1:1/" \
  "curl$S/${S}4${S}127.0.0.1$S$N${S}127.0.0.1$S$HTTP_PORT${S}ok$S$N\$" \
  "curl$S/${S}4${S}127.0.0.1$S$N${S}127.0.0.1${S}1${S}failed$S$N\$"
check tcpaccept.bt "$TARGET tcp 47101" "scry_target$S/${S}4${S}127.0.0.1$S$N${S}127.0.0.1${S}47101\$"
check tcplife.bt "curl -s http://127.0.0.1:$HTTP_PORT/big" \
  "curl$S/${S}127.0.0.1$S$N${S}127.0.0.1$S$HTTP_PORT${S}0${S}4$S$N\$" \
  "python3$S/${S}127.0.0.1$S$HTTP_PORT${S}127.0.0.1$S$N${S}4${S}0$S$N\$"
check tcpretrans.bt "$TARGET retransmit 47102" \
  "/${S}4${S}127.0.0.1$S$N${S}127.0.0.1${S}47102${S}SYN_SENT\$" "^@retransmits\\[127.0.0.1, $N, 127.0.0.1, 47102\\]: [1-9]"
check tcpdrop.bt "curl -s http://127.0.0.1:1/" "127.0.0.1$S$N${S}127.0.0.1${S}1$S-$S$N\$"

# --- containers --------------------------------------------------------------------------------
if [ -n "${SKIP_CONTAINERTOP:-}" ]; then
  echo "SKIP containertop.bt: $SKIP_CONTAINERTOP"
elif [ -n "$CGTEST" ]; then
  check containertop.bt "sh $HERE/in_cgroups.sh $CGTEST $DOCKER_ID $HTTP_PORT" \
    "^${S}docker:0123456789ab$S$N$S[1-9][0-9]*$S([3-9]|[1-9][0-9]+)$S[4-9]$S[1-9]" \
    "^${S}web.service$S$N$S[1-9][0-9]*$S[1-9][0-9]*$S$N$S$N\$"
else
  echo "SKIP containertop.bt: no cgroup v2 hierarchy is mounted"
fi

# --- security ----------------------------------------------------------------------------------
check execsnoop.bt "/bin/sh -c '/bin/true one two; /no/such/program'" \
  "$N${S}sh$S/$S/bin/true one two\$" "$N${S}FAILED -2 /no/such/program\$"
check setuids.bt "$PY $HERE/clients.py setuid" \
  "python3$S/${S}0${S}0 setresuid\\(-1, 65534, -1\\) = 0\$" \
  "python3$S/$S$N$S$N setresuid\\(65534, 65534, 65534\\) = 0\$" \
  "python3$S/${S}65534${S}65534 setuid\\(0\\) = -1\$"
check ptracesnoop.bt "$PY $HERE/clients.py ptrace" \
  "python3$S/${S}ATTACH$S$N${S}0\$" "python3$S/${S}DETACH$S$N${S}0\$" "python3$S/${S}ATTACH$S$N$S-3\$"
if [ -e /sys/kernel/tracing/events/syscalls/sys_enter_finit_module ]; then
  check modsnoop.bt "$PY $HERE/clients.py finit_module" "python3$S/${S}finit_module${S}fd -1$S-9\$"
else
  refuses modsnoop.bt "unknown tracepoint 'syscalls:sys_enter_init_module'"
fi
# Every pair is new without a learning period; within one, nothing ls does is.
check rarecalls.bt "/bin/ls /" "$N${S}ls$S/${S}tracepoint:syscalls:sys_enter_getdents64\$" \
  "^ls${S}tracepoint:syscalls:sys_enter_exit_group${S}1\$"
check rarecalls.bt "/bin/ls /" --args 3600 "!$N${S}ls$S/${S}tracepoint" "^ls${S}tracepoint:syscalls:sys_enter_exit_group${S}1\$"
# (Two curls: one would keep its connection for both requests.)
check newdests.bt "sh -c 'curl -s http://127.0.0.1:$HTTP_PORT/ok; curl -s http://127.0.0.1:$HTTP_PORT/ok'" \
  "curl$S/${S}127.0.0.1$S$HTTP_PORT\$" "^@connects\\[curl, 127.0.0.1, $HTTP_PORT\\]: 2\$"
check newdests.bt "curl -s http://127.0.0.1:$HTTP_PORT/ok" --args 3600 "!curl$S/${S}127.0.0.1" \
  "^@connects\\[curl, 127.0.0.1, $HTTP_PORT\\]: 1\$"
