#!/usr/bin/env bats
# What `send` reports is what happened: no record is reported done that was
# not, its --timeout bounds every wait but the one for input, and nothing
# a broken listener says reaches the terminal unfiltered.

load helpers

# ctl STEP... -- SEND-OPTION...: run `peerrelay send SEND-OPTION...` under
# test/sendctl.py; its status in $status, stdout and stderr in $out, $err.
ctl() {
	local steps=()
	while [ "$1" != "--" ]; do
		steps+=("$1")
		shift
	done
	shift
	run python3 "$BATS_TEST_DIRNAME/sendctl.py" "$TDIR" "${steps[@]}" \
	    -- "$PEERRELAY" send "$@"
	out=$(cat "$TDIR/s.out")
	err=$(cat "$TDIR/s.err")
}

# fake PYTHON: a listener on $NAME that accepts one connection (conn) and
# runs PYTHON; waits until it listens.
fake() {
	python3 -c '
import socket, sys, time
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind("\0" + sys.argv[1])
l.listen(8)
conn, _ = l.accept()
exec(sys.argv[2])
conn.close()
' "${NAME#@}" "$1" 2>"$TDIR/fake.err" 3>&- &
	LPIDS+=("$!")
	wait_listening "$NAME" "$!"
}

# exec_listener: an exec-mode listener whose command echoes its request;
# the request "fail" exits 3, and "4" writes the command's pid to $TDIR/r4
# and then waits.
exec_listener() {
	cat >"$TDIR/cmd" <<-EOF
	#!/bin/sh
	r=\$(cat)
	case \$r in
	fail)	exit 3 ;;
	4)	echo \$\$ >"$TDIR/r4.tmp"; mv "$TDIR/r4.tmp" "$TDIR/r4"
		exec sleep 60 ;;
	esac
	echo "ran \$r"
	EOF
	chmod 755 "$TDIR/cmd"
	start_listener "$NAME" "$@" -- "$TDIR/cmd"
}

teardown_r4() {
	# Its supervisor ends it when the listener dies; it may be gone.
	[ -s "$TDIR/r4" ] && kill -KILL "$(cat "$TDIR/r4")" 2>/dev/null || true
	return 0
}

@test "--lines, exec mode: a listener killed mid-stream is 69 naming the records answered and unanswered" {
	exec_listener
	ctl write:'1\n2\n3\n' lines:"$TDIR/s.out":3 write:'4\n' file:"$TDIR/r4" \
	    write:'5\n' kill:KILL:"$LPID" -- --lines "$NAME"
	teardown_r4
	assert_output "status=69"
	assert_equal "$out" "$(printf 'ran 1\nran 2\nran 3')"
	assert_equal "$err" "peerrelay: the listener closed the connection: records 1-3 answered, 4-5 unanswered; input not read past record 5"
}

@test "--null, print mode: a listener stopped by SIGTERM mid-stream is 69, input not read on" {
	start_listener "$NAME"
	ctl write:'a\0b\0c\0' lines:"$TDIR/out":3 idle:"$LPID" kill:TERM:"$LPID" \
	    gone:"$LPID" put:'d\0e\0' -- --null --expect-user root "$NAME"
	assert_output "status=69"
	assert_equal "$out" ""
	assert_equal "$err" "peerrelay: the listener closed the connection: records 1-3 answered; input not read past record 3"
	assert_printed "${REC}size=1 data=a\$" "${REC}size=1 data=b\$" \
	    "${REC}size=1 data=c\$"
}

@test "--lines, print mode: records sent but not acknowledged when the listener dies are unanswered" {
	start_listener "$NAME"
	# A stopped listener takes datagrams into its queue, answers none.
	ctl write:'1\n2\n3\n' lines:"$TDIR/out":3 idle:"$LPID" kill:STOP:"$LPID" \
	    write:'4\n5\n' kill:KILL:"$LPID" -- --lines "$NAME"
	assert_output "status=69"
	assert_equal "$err" "peerrelay: the listener closed the connection: records 1-3 answered, 4-5 unanswered; input not read past record 5"
}

@test "69 wins over a failed remote command; empty records keep their numbers" {
	exec_listener
	ctl write:'1\n\nfail\n3\n' lines:"$TDIR/s.out":2 write:'4\n' \
	    file:"$TDIR/r4" kill:KILL:"$LPID" -- --lines "$NAME"
	teardown_r4
	assert_output "status=69"
	assert_line --index 0 "status=69"
	# Record 3 is the second request: the empty record 2 never went.
	assert_equal "$(norm_ids "$err")" "$(printf '%s\n' \
	    'peerrelay: record 3: exit status 3 (request C.2)' \
	    'peerrelay: skipped 1 empty record' \
	    'peerrelay: the listener closed the connection: records 1-4 answered, 5 unanswered; input not read past record 5')"
}

@test "whole input: a listener that dies while the command runs is 69, record 1 unanswered" {
	exec_listener
	ctl put:4 close file:"$TDIR/r4" kill:KILL:"$LPID" -- "$NAME"
	teardown_r4
	assert_output "status=69"
	assert_equal "$err" "peerrelay: the listener closed the connection: record 1 unanswered"
}

@test "a listener that closes before the first record is 69, not 'no records'" {
	fake 'pass'
	ctl -- --lines "$NAME"
	assert_output "status=69"
	assert_equal "$err" "peerrelay: the listener closed the connection before any record was sent"
}

@test "a listener restarted while send --lines waits for its first line: 69" {
	start_listener "$NAME"
	ctl accepted:"$NAME" kill:TERM:"$LPID" gone:"$LPID" -- --lines "$NAME"
	assert_output "status=69"
	assert_equal "$err" "peerrelay: the listener closed the connection before any record was sent"
}

@test "--timeout bounds a write to a standard output nobody reads: 75" {
	start_listener "$NAME" -- /bin/sh -c 'head -c 4000000 /dev/zero'
	ctl noread close -- --timeout 1 "$NAME" x
	assert_output "status=75"
	assert_equal "$err" "peerrelay: timed out after 1s writing to standard output: record 1 unanswered"
}

@test "--timeout does not count waiting for input; it bounds the wait for replies after the last record" {
	start_listener "$NAME"
	ctl write:'1\n' lines:"$TDIR/out":1 sleep:2.5 write:'2\n' \
	    lines:"$TDIR/out":2 close -- --lines --timeout 1 "$NAME"
	assert_output "status=0"
	assert_equal "$err" ""
	# After the last record, a listener that stops answering: 75.
	kill -STOP "$LPID"
	ctl write:'3\n' close -- --lines --timeout 1 "$NAME"
	kill -CONT "$LPID"
	assert_output "status=75"
	# --lines awaits the hello's answer before its first record.
	assert_equal "$err" "peerrelay: timed out after 1s waiting for the listener to answer: record 1 unanswered; input not read past record 1"
}

@test "--timeout bounds a flood of replies that never ends: 75" {
	fake '
# A type this version ignores: nothing is written, nothing ends.
chunk = b"z" + b"x" * 60000
t = time.time()
try:
    while time.time() - t < 30:
        conn.send(chunk)
except OSError:
    pass'
	ctl close -- --timeout 1 "$NAME" x
	assert_output "status=75"
	assert_equal "$err" "peerrelay: timed out after 1s waiting for replies: record 1 unanswered"
}

@test "--timeout bounds connect(2) to a listener whose backlog is full: 75" {
	python3 -c '
import socket, sys, time
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind("\0" + sys.argv[1])
l.listen(0)
held = []
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.setblocking(False)
    try:
        s.connect("\0" + sys.argv[1])
    except BlockingIOError:
        break
    held.append(s)
open(sys.argv[2], "w").close()
time.sleep(30)
' "${NAME#@}" "$TDIR/full" 3>&- &
	LPIDS+=("$!")
	for i in $(seq 1 400); do
		[ -e "$TDIR/full" ] && break
		sleep 0.05
	done
	ctl -- --timeout 1 "$NAME" x
	assert_output "status=75"
	assert_equal "$err" "peerrelay: connect $NAME: timed out after 1s"
}

@test "k255, k0 and k65 from a broken listener are protocol errors (70), not signals" {
	for k in k255 k0 k65 k-1 k9x; do
		fake "conn.recv(100); conn.send(b'hA'); conn.recv(100); conn.send(b'$k')"
		ctl close -- "$NAME" x
		assert_output "status=70"
		assert_equal "$err" "peerrelay: protocol error: malformed reply of type 'k' (${#k} bytes)"
	done
	fake "conn.recv(100); conn.send(b'hA'); conn.recv(100); conn.send(b'k64')"
	ctl close -- "$NAME" x
	assert_output "status=192"
	assert_equal "$err" "peerrelay: killed by signal 64"
}

@test "a refusal's reason reaches stderr through strvis: no escape sequence, no newline" {
	fake 'conn.recv(100); conn.send(b"r77 \x1b]0;owned\x07\x1b[2J\nline2\x00\xff")'
	ctl close -- "$NAME" x
	assert_output "status=77"
	assert_equal "$err" 'peerrelay: refused: \033]0;owned\a\033[2J\nline2\0\377'
	run grep -c $'\e' "$TDIR/s.err"
	assert_output 0
}

@test "a refusal's reason is cut at 256 bytes" {
	fake 'conn.recv(100); conn.send(b"r77 " + b"y" * 5000)'
	ctl close -- "$NAME" x
	assert_output "status=77"
	assert_equal "$err" "peerrelay: refused: $(printf 'y%.0s' $(seq 256))..."
}
