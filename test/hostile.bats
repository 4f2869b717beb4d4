#!/usr/bin/env bats
# Hostile and careless clients and set-ups found in review: each test fails
# without the fix it guards.

load helpers

@test "an empty datagram is refused (65) and the requests after it still run" {
	start_listener "$NAME"
	run python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
for m in (b"one", b"", b"two", b"three"):
    s.send(m)
s.shutdown(socket.SHUT_WR)
print(b"|".join(iter(lambda: s.recv(65536), b"")).decode())
' "${NAME#@}"
	assert_success
	assert_output "a|r65 empty request|a|a"
	run sed 's/.* data=/data=/' "$TDIR/out"
	assert_output "$(printf 'data=one\ndata=two\ndata=three')"
	run grep -c 'refused .*reason=empty request' "$TDIR/err"
	assert_output 1
}

@test "a client that never reads its output cannot hold a slot (--max-conns 1)" {
	start_listener "$NAME" --max-conns 1 --idle-timeout 1 -- /bin/sh -c 'head -c 5000000 /dev/zero'
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
s.send(b"go")
open(sys.argv[2], "w").write("sent\n")
time.sleep(60)
' "${NAME#@}" "$TDIR/hog" &
	LPIDS+=($!)
	wait_for_line "$TDIR/hog" sent
	wait_for_line "$TDIR/err" 'allow '
	run --separate-stderr bash -c '"$1" send --timeout 20 "$2" x | wc -c' _ "$PEERRELAY" "$NAME"
	assert_success
	assert_output 5000000
	run grep -c 'idle .*reason=reads no replies for 1s' "$TDIR/err"
	assert_output 1
}

@test "--keep-env cannot replace the peer's identity, the listener's, the ids, PROTO or PATH" {
	for v in UNIXREMOTEEUID UNIXREMOTEUSER UNIXLOCALPATH UNIXLOCALPID \
	    UNIXLOCALUID UNIXLOCALGID PEERRELAY_REQUEST_ID \
	    PEERRELAY_CONN_ID PEERRELAY_X PROTO PATH; do
		run "$PEERRELAY" listen --keep-env "$v" "$NAME" -- /usr/bin/env
		assert_equal "$status" 64
		assert_output "peerrelay: --keep-env $v: set by peerrelay itself"
	done
}

@test "a relative COMMAND is made absolute at start-up" {
	mkdir "$TDIR/bin"
	printf '#!/bin/sh\necho ran\n' >"$TDIR/bin/tool"
	chmod 755 "$TDIR/bin/tool"
	cd "$TDIR"
	start_listener "$NAME" -- bin/tool
	wait_for_line "$TDIR/err" 'listening on'
	run grep -c "listening on $NAME ($TDIR/bin/tool)" "$TDIR/err"
	assert_output 1
	cd /
	run "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output ran
}

@test "relative PATH elements are not searched for COMMAND" {
	mkdir "$TDIR/rel"
	printf '#!/bin/sh\necho wrong\n' >"$TDIR/rel/only-here-tool"
	chmod 755 "$TDIR/rel/only-here-tool"
	cd "$TDIR"
	run env PATH=rel "$PEERRELAY" listen "$NAME" -- only-here-tool
	assert_equal "$status" 64
	assert_output "peerrelay: only-here-tool: not found or not executable"
}

@test "started with stdio closed, no log line ever reaches a client" {
	"$PEERRELAY" listen "$NAME" <&- >&- 2>&- &
	LPID=$!
	LPIDS+=("$LPID")
	wait_listening "$NAME" "$LPID"
	run "${NOBODY[@]}" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
try:
    s.send(b"hi")
    s.shutdown(socket.SHUT_WR)
except BrokenPipeError:
    pass  # denied and closed before we sent: the refusal is still queued
out = []
while True:
    try:
        m = s.recv(65536)
    except ConnectionResetError:
        continue  # reported once; what was queued follows
    if not m:
        break
    out.append(m)
print(b"|".join(out).decode())
' "${NAME#@}"
	assert_success
	assert_output "r77 not allowed (uid 65534)"
	run "$PEERRELAY" send "$NAME" allowed
	assert_success
	assert_output ""
}

@test "--mode takes effect at bind: the file is never wider than asked" {
	umask 000
	start_listener "$TDIR/s" --mode 0600
	run stat -c %a "$TDIR/s"
	assert_output 600
	run "${NOBODY[@]}" "$PEERRELAY" send "$TDIR/s" x
	assert_equal "$status" 69
	assert_output "peerrelay: connect $TDIR/s: Permission denied"
}
