#!/usr/bin/env bats
# Logging never stalls the listener: a slow or stuck stderr, a flood of
# denials, a slow or restarting log daemon. Denials are rate-limited per
# uid and counted; an allowed request is never run unrecorded. `make check`
# runs these small; `make check-stress` at full size, with bounds.
# bats file_tags=stress

load helpers

if [ -n "$STRESS_BOUNDS" ]; then
	ALLOWED=20	# allowed requests measured during the flood
	FLOODERS=8
else
	ALLOWED=5
	FLOODERS=8
fi

# log_reader FIFO OUT MODE: open FIFO (the listener's stderr), shrink its
# buffer to one page, and copy it to OUT: "slow" at about 20 lines a
# second (80 bytes each 50 ms), "stuck" reading nothing until $TDIR/go
# exists, then everything.
log_reader() {
	exec /usr/bin/python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.fcntl(fd, 1031, 4096)	# F_SETPIPE_SZ
out = open(sys.argv[2], "wb", buffering=0)
go = os.path.join(os.path.dirname(sys.argv[1]), "go")
while sys.argv[3] == "stuck" and not os.path.exists(go):
    time.sleep(0.05)
while True:
    b = os.read(fd, 80 if sys.argv[3] == "slow" else 65536)
    if not b:
        break
    out.write(b)
    if sys.argv[3] == "slow":
        time.sleep(0.05)
' "$@"
}

# start_piped ADDRESS MODE [OPTION...] [-- COMMAND...]: start_listener with
# stderr a FIFO read by log_reader MODE into $TDIR/err.
start_piped() {
	local addr=$1 mode=$2
	shift 2
	mkfifo "$TDIR/fifo"
	log_reader "$TDIR/fifo" "$TDIR/err" "$mode" &
	LPIDS+=($!)
	listener_argv "$addr" "$@"
	"${LARGV[@]}" >"$TDIR/out" 2>"$TDIR/fifo" &
	LPID=$!
	LPIDS+=("$LPID")
	wait_listening "$addr" "$LPID"
}

# flood N COUNT: N processes as nobody, each making COUNT denied
# connections (0: until killed); each writes how many refusals it read to
# $TDIR/flood.I when done.
flood() {
	local i
	for i in $(seq 1 "$1"); do
		# Theirs to write, as nobody.
		: >"$TDIR/flood.$i"
		chmod 666 "$TDIR/flood.$i"
		"${NOBODY[@]}" /usr/bin/python3 -c '
import signal, socket, sys
n, want = 0, int(sys.argv[2])
def done(*a):
    open(sys.argv[3], "w").write("%d\n" % n)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
while want == 0 or n < want:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect("\0" + sys.argv[1])
        if s.recv(256).startswith(b"r77"):
            n += 1
    except OSError:
        pass
    s.close()
done()
' "${NAME#@}" "$2" "$TDIR/flood.$i" &
		FPIDS+=($!)
		LPIDS+=($!)
	done
}

# Allowed requests (root) during a denied flood, as the log is read slowly:
# 20 of them are served within one send's deadline (10 s for all the
# replies: a listener that waits on its log takes seconds for some of
# them); then each alone,
# their median and max latency are the figures.
allowed_during_flood() {
	local i t0 t1 ms=() st
	FPIDS=()
	start_piped "$NAME" slow "$@" -- /bin/cat
	flood "$FLOODERS" 0
	# The flood is on: denials are reaching the log.
	wait_for_line "$TDIR/err" 'deny conn=[^ ]* pid=.* uid=65534'
	run --separate-stderr "$PEERRELAY" send --timeout 10 --lines "$NAME" \
	    < <(seq 1 20)
	[ "$status" -eq 0 ] || echo "send: $stderr" >&3
	assert_success
	# cat echoes each record, which --lines sends without its newline.
	assert_output "$(seq 1 20 | tr -d '\n')"
	for i in $(seq 1 "$ALLOWED"); do
		t0=$(date +%s%N)
		st=0
		"$PEERRELAY" send --timeout 10 "$NAME" "req$i" >"$TDIR/o" 2>&1 || st=$?
		t1=$(date +%s%N)
		if [ "$st" -ne 0 ]; then
			echo "request $i: exit $st after $(((t1 - t0) / 1000000)) ms: $(cat "$TDIR/o")" >&3
			return 1
		fi
		assert_equal "$(cat "$TDIR/o")" "req$i"
		ms+=($(((t1 - t0) / 1000000)))
	done
	kill -TERM "${FPIDS[@]}"
	wait "${FPIDS[@]}" || true
	stall_figures "allowed request during a denied flood, slow log reader${1:+ ($1)}" \
	    1000 2500 "${ms[@]}"
}

@test "logging: a denied flood with a slow stderr reader does not stall an allowed request" {
	allowed_during_flood
}

@test "logging: a denied flood with a slow stderr reader does not stall an allowed request (-q)" {
	allowed_during_flood -q
}

# Denials are counted exactly: each a line, or in a summary, or dropped.
@test "logging: every denial is a line or counted in a summary" {
	local per=$([ -n "$STRESS_BOUNDS" ] && echo 2000 || echo 200) i made=0 lines summed dropped
	FPIDS=()
	start_listener "$NAME" -- /bin/cat
	flood 4 "$per"
	# A second uid, denied a few times: under the limit, every one a line.
	for i in 1 2 3; do
		run "${WWW[@]}" "$PEERRELAY" send "$NAME" x
		assert_failure 77
	done
	wait "${FPIDS[@]}"
	for i in 1 2 3 4; do
		made=$((made + $(cat "$TDIR/flood.$i")))
	done
	assert_equal "$made" $((4 * per))
	stop_listener
	assert_equal "$LSTATUS" 0
	lines=$(grep -c 'deny conn=[^ ]* pid=[0-9]* uid=65534 ' "$TDIR/err")
	summed=$(sed -n 's/^peerrelay: uid 65534: \([0-9]*\) more denials in [0-9]* s$/\1/p' \
	    "$TDIR/err" | awk '{ s += $1 } END { print s + 0 }')
	dropped=$(sed -n 's/^peerrelay: \([0-9]*\) log lines dropped.*/\1/p' "$TDIR/err" |
	    awk '{ s += $1 } END { print s + 0 }')
	echo "# $made denials: $lines lines, $summed in summaries, $dropped dropped" >&3
	assert_equal "$((lines + summed + dropped))" "$made"
	assert_equal "$dropped" 0
	# The rate limit: a few in full per uid and window, the rest counted.
	[ "$lines" -lt $((made / 10)) ]
	run grep -c 'deny conn=[^ ]* pid=[0-9]* uid=33 ' "$TDIR/err"
	assert_output 3
	run grep -E '^peerrelay: uid 65534: [0-9]+ more denials in [0-9]+ s$' "$TDIR/err"
	assert_success
	run grep -c 'uid 33: .* more denials' "$TDIR/err"
	assert_output 0
}

@test "logging: an allowed request is refused (75), not run unrecorded, when the log is stuck" {
	printf '#!/bin/sh\ncat >>%s/ran\necho >>%s/ran\n' "$TDIR" "$TDIR" >"$TDIR/cmd"
	chmod 755 "$TDIR/cmd"
	: >"$TDIR/ran"
	start_piped "$NAME" stuck -- "$TDIR/cmd"
	# One connection, records in order: the first ones run and are
	# logged (start lines queued), then the queue is full and the rest
	# are refused.
	run --separate-stderr "$PEERRELAY" send --timeout 20 --lines "$NAME" \
	    < <(seq 1 3000)
	assert_failure 75
	assert_output ""
	echo "$stderr" | grep -Eq 'refused \(request [0-9a-f]{12}-[0-9]+\.[0-9]+\): log queue full' || {
		echo "send said: $stderr" >&3
		return 1
	}
	local ran refused
	ran=$(grep -c . "$TDIR/ran")
	refused=$(echo "$stderr" | grep -c 'log queue full')
	echo "# $ran requests ran, $refused refused: log queue full" >&3
	[ "$ran" -gt 0 ]
	assert_equal "$((ran + refused))" 3000
	# Each request that ran has its start line; once the log is read the
	# refusals are reported.
	touch "$TDIR/go"
	wait_for_line "$TDIR/err" "^peerrelay: $refused requests refused: log queue full"
	# The count goes out first, the lines queued before it then.
	wait_for_count "$TDIR/err" '^peerrelay: run conn=[^ ]* req=[^ ]* pid=' "$ran"
	run grep -c '^peerrelay: start conn=[^ ]* req=[^ ]* pid=' "$TDIR/err"
	assert_output "$ran"
	run grep -c '^peerrelay: run conn=[^ ]* req=[^ ]* pid=' "$TDIR/err"
	assert_output "$ran"
}

# in_scratch_dev SCRIPT...: run sh -c SCRIPT in a mount namespace of its own
# where /dev is $TDIR/dev (null, zero, urandom from the real one, and
# whatever a test puts there, such as a log socket), leaving the host's
# /dev untouched.
in_scratch_dev() {
	local d
	mkdir -p "$TDIR/dev"
	chmod 755 "$TDIR/dev"
	for d in null zero urandom; do
		: >"$TDIR/dev/$d"
	done
	# exec: started in the background, $! is the listener itself, which
	# teardown can kill (a subshell's death would leave it running).
	exec unshare -m --propagation private sh -c '
for d in null zero urandom; do mount --bind /dev/$d "$0/dev/$d" || exit 1; done
mount --rbind "$0/dev" /dev || exit 1
exec "$@"' "$TDIR" "$@"
}

# A start that does not fail serves on: timeout ends it (124).
@test "logging: --syslog with no reachable /dev/log: a start and --check exit 69" {
	run --separate-stderr in_scratch_dev "$PEERRELAY" listen --syslog --check "$NAME"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: --syslog: /dev/log: No such file or directory"
	run --separate-stderr in_scratch_dev timeout 10 "$PEERRELAY" listen --syslog "$NAME"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: --syslog: /dev/log: No such file or directory"
	# Not a socket: connecting is refused.
	: >"$TDIR/dev/log"
	run --separate-stderr in_scratch_dev timeout 10 "$PEERRELAY" listen --syslog "$NAME"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: --syslog: /dev/log: Connection refused"
}

# log_daemon SOCKET OUT MODE: a syslog daemon on SOCKET (SOCK_DGRAM)
# writing what it receives to OUT, one line each; "slow": 20 a second.
log_daemon() {
	/usr/bin/python3 -c '
import os, socket, sys, time
try:
    os.unlink(sys.argv[1])
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(4096).rstrip(b"\n") + b"\n")
    if sys.argv[3] == "slow":
        time.sleep(0.05)
' "$@" &
	DPID=$!
	LPIDS+=("$DPID")
	local i
	for i in $(seq 1 200); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "logging: --syslog: a slow log daemon does not stall requests; lines lost while it is away are counted" {
	local i t0 t1 ms=() n
	mkdir -p "$TDIR/dev"
	log_daemon "$TDIR/dev/log" "$TDIR/syslog" slow
	FPIDS=()
	in_scratch_dev "$PEERRELAY" listen --syslog "$NAME" -- /bin/cat \
	    >"$TDIR/out" 2>"$TDIR/err" &
	LPID=$!
	LPIDS+=("$LPID")
	wait_listening "$NAME" "$LPID"
	flood "$FLOODERS" 0
	for i in $(seq 1 "$ALLOWED"); do
		t0=$(date +%s%N)
		run "$PEERRELAY" send --timeout 10 "$NAME" "req$i"
		t1=$(date +%s%N)
		assert_success
		assert_output "req$i"
		ms+=($(((t1 - t0) / 1000000)))
	done
	kill -TERM "${FPIDS[@]}"
	wait "${FPIDS[@]}" || true
	stall_figures "allowed request during a denied flood, slow log daemon" \
	    - 2500 "${ms[@]}"
	wait_for_line "$TDIR/syslog" '^<30>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]{8} peerrelay\[[0-9]+\]: run conn=[^ ]* req=[^ ]* pid='
	run grep -E '^<85>... .. ..:..:.. peerrelay\[[0-9]+\]: deny conn=[^ ]* pid=[0-9]+ uid=65534 ' "$TDIR/syslog"
	assert_success
	# The daemon goes away; requests are served meanwhile; it comes back.
	kill -TERM "$DPID"
	wait "$DPID" || true
	rm -f "$TDIR/dev/log"
	for i in 1 2 3; do
		run "$PEERRELAY" send --timeout 10 "$NAME" "away$i"
		assert_success
		assert_output "away$i"
	done
	n=$(wc -l <"$TDIR/syslog")
	log_daemon "$TDIR/dev/log" "$TDIR/syslog" fast
	run "$PEERRELAY" send --timeout 10 "$NAME" back
	assert_success
	wait_for_line "$TDIR/syslog" 'log lines lost while /dev/log was unreachable'
	run sed -n "$((n + 1))p" "$TDIR/syslog"
	assert_output --regexp '^<28>... .. ..:..:.. peerrelay\[[0-9]+\]: [0-9]+ log lines lost while /dev/log was unreachable$'
	# Nothing reached stderr but start-up's own.
	run cat "$TDIR/err"
	assert_output ""
}
