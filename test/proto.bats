#!/usr/bin/env bats
# The hello extension: counted acknowledgements for clients that ask, plain
# ones for clients that do not, and a send that copes with either listener.

load helpers

# fake_listener PATH SCRIPT: a Python listener on PATH whose per-connection
# behaviour is SCRIPT (with conn, a connected socket); waits until it listens.
fake_listener() {
	local path=$1 script=$2
	python3 -c '
import socket, sys
path, script = sys.argv[1], sys.argv[2]
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind(path)
l.listen(8)
conn, _ = l.accept()
exec(script)
conn.close()
' "$path" "$script" 2>"$TDIR/fake.err" &
	LPIDS+=($!)
	wait_listening "$path" $!
}

@test "hello: an empty first datagram is answered hA and the connection's id, records are acknowledged in counts" {
	start_listener "$NAME"
	run python3 -c '
import re, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
s.send(b"")
for i in range(200):
    s.send(b"r%d" % i)
s.shutdown(socket.SHUT_WR)
replies = list(iter(lambda: s.recv(65536), b""))
assert replies[0] == b"hA", replies[:3]
assert re.fullmatch(rb"i[0-9a-f]{12}-[0-9]+", replies[1]), replies[:3]
counts = [int(r[1:]) for r in replies[2:] if r[:1] == b"A"]
assert len(counts) == len(replies) - 2, replies
print(sum(counts), "acknowledged in", "one" if len(counts) == 1 else "several", "replies")
' "${NAME#@}"
	assert_success
	assert_output --regexp '^200 acknowledged in (one|several) replies$'
	run wc -l <"$TDIR/out"
	assert_output 200
	run grep -c 'empty request' "$TDIR/err"
	assert_output 0
}

@test "hello: a refusal between counted acknowledgements keeps request order" {
	start_listener "$NAME" --max-size 10
	run python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
for m in (b"", b"a", b"b", b"x" * 20, b"c"):
    s.send(m)
s.shutdown(socket.SHUT_WR)
replies = list(iter(lambda: s.recv(65536), b""))
# Expand counts back into one terminal reply per request.
seq = []
for r in replies[2:]:
    seq += ["a"] * int(r[1:]) if r[:1] == b"A" else [r[:3].decode()]
print(replies[0].decode(), replies[1][:1].decode(), " ".join(seq))
' "${NAME#@}"
	assert_success
	assert_output "hA i a a r65 a"
}

@test "without a hello every record gets its own a, as in protocol version 1" {
	start_listener "$NAME"
	run python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
for i in range(50):
    s.send(b"r%d" % i)
s.shutdown(socket.SHUT_WR)
print(set(iter(lambda: s.recv(65536), b"")), end="")
' "${NAME#@}"
	assert_success
	assert_output "{b'a'}"
}

@test "send --lines says hello: nothing is refused or logged as an empty request" {
	start_listener "$NAME"
	printf 'one\ntwo\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	assert_printed "${REC}size=3 data=one\$" "${REC}size=3 data=two\$"
	run grep -c 'hello\|empty request' "$TDIR/err"
	assert_output 0
}

@test "send --lines works with a listener that refuses the hello as an empty request" {
	# As version 1 listeners do: the empty hello is refused, then one a each.
	fake_listener "$TDIR/old.sock" '
assert conn.recv(65536) == b""
conn.send(b"r65 empty request")
for want in (b"one", b"two", b"three"):
    assert conn.recv(65536) == want
    conn.send(b"a")
'
	printf 'one\ntwo\nthree\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$TDIR/old.sock" <"$TDIR/in"
	assert_success
	assert_equal "$stderr" ""
}

@test "send: a count larger than the requests outstanding is a protocol error (70)" {
	# send awaits the hello's answer before its first record.
	fake_listener "$TDIR/bad.sock" '
conn.recv(65536)
conn.send(b"hA")
conn.recv(65536)
conn.send(b"A5")
'
	run --separate-stderr "$PEERRELAY" send --lines "$TDIR/bad.sock" <<<"one"
	assert_equal "$status" 70
	assert_equal "$stderr" "peerrelay: protocol error: a reply to no request"
}

@test "send: a malformed count (A0, A, Ax) is a protocol error (70)" {
	for bad in A0 A Ax A1234567890; do
		fake_listener "$TDIR/$bad.sock" "
conn.recv(65536)
conn.send(b'hA')
conn.recv(65536)
conn.send(b'$bad')
"
		run --separate-stderr "$PEERRELAY" send --lines "$TDIR/$bad.sock" <<<"one"
		assert_equal "$status" 70
		assert_equal "$stderr" "peerrelay: protocol error: malformed reply of type 'A' (${#bad} bytes)"
	done
}

@test "send --lines: an r77 after the hello's answer refuses that record alone (a handed-on connection)" {
	fake_listener "$TDIR/h.sock" '
assert conn.recv(65536) == b""
conn.send(b"hA")
assert conn.recv(65536) == b"one"
conn.send(b"A1")
assert conn.recv(65536) == b"two"
conn.send(b"r77 connection handed on to another process")
assert conn.recv(65536) == b"three"
conn.send(b"A1")
'
	printf 'one\ntwo\nthree\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines --timeout 10 "$TDIR/h.sock" <"$TDIR/in"
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: record 2 refused: connection handed on to another process"
}

@test "send --lines: a hello refused 77 on a connection left open ends send at once (77)" {
	fake_listener "$TDIR/h.sock" '
assert conn.recv(65536) == b""
conn.send(b"r77 connection handed on to another process")
conn.recv(65536)
'
	run --separate-stderr "$PEERRELAY" send --lines --timeout 10 "$TDIR/h.sock" <<<"one"
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: refused: connection handed on to another process"
}
