#!/usr/bin/env bats
# send against a plain SOCK_SEQPACKET server, written as the seed notes
# write one in Python: accept, SO_PEERCRED, recv until it returns nothing.
# --no-wait says no hello, so it gets every record; a send that waits for
# replies says hello, an empty datagram the server reads as the end.

load helpers

# start_plain ADDRESS: the seed's server on ADDRESS, in the background,
# appending to $TDIR/got a line "conn uid=UID" per connection, "rec HEX"
# per datagram and "end" when recv returned nothing. Returns once it
# listens.
start_plain() {
	cat >"$TDIR/plain.py" <<-'PY'
	import socket, struct, sys
	from socket import AF_UNIX, SOCK_SEQPACKET, SOL_SOCKET, SO_PEERCRED
	path, log, ready = sys.argv[1:]
	if path.startswith("@"):
	    path = "\0" + path[1:]
	sock = socket.socket(AF_UNIX, SOCK_SEQPACKET)
	sock.bind(path)
	sock.listen(10)
	open(ready, "w").write("ready\n")
	while True:
	    conn, adr = sock.accept()
	    pid, uid, gid = struct.unpack("3i",
	        conn.getsockopt(SOL_SOCKET, SO_PEERCRED, 12))
	    with open(log, "a") as f:
	        f.write("conn uid=%d\n" % uid)
	        while True:
	            data = conn.recv(1 << 20)
	            if not data:
	                break
	            f.write("rec %s\n" % data.hex())
	        f.write("end\n")
	    conn.close()
	PY
	: >"$TDIR/got"
	python3 "$TDIR/plain.py" "$1" "$TDIR/got" "$TDIR/ready" 3>&- &
	LPIDS+=("$!")
	wait_for_file "$TDIR/ready"
}

# hexrecs STRING...: the lines $TDIR/got holds for one connection whose
# datagrams are the STRINGs (printf formats, so \0 and \n can be given).
hexrecs() {
	echo "conn uid=0"
	local r
	for r in "$@"; do
		echo "rec $(printf "$r" | od -An -v -tx1 | tr -d ' \n')"
	done
	echo "end"
}

@test "plain server: send --no-wait delivers the whole input as one datagram, byte for byte" {
	start_plain "$NAME"
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 16)' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --no-wait "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	wait_for_line "$TDIR/got" '^end$'
	run cat "$TDIR/got"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "conn uid=0"
	assert_line --index 1 "rec $(od -An -v -tx1 "$TDIR/in" | tr -d ' \n')"
	assert_line --index 2 "end"
}

@test "plain server: send --no-wait --lines and --null deliver every record, byte for byte" {
	start_plain "$TDIR/s"
	run --separate-stderr "$PEERRELAY" send --no-wait --lines "$TDIR/s" \
	    < <(printf 'one\ntwo words\n\tthree\\\xff\n')
	assert_success
	assert_equal "$stderr" ""
	wait_for_count "$TDIR/got" '^end$' 1
	run --separate-stderr "$PEERRELAY" send --no-wait --null "$TDIR/s" \
	    < <(printf 'a\nb\0c\0\xfe\0')
	assert_success
	assert_equal "$stderr" ""
	wait_for_count "$TDIR/got" '^end$' 2
	diff - "$TDIR/got" <<-EOF
	$(hexrecs 'one' 'two words' '\tthree\\\xff')
	$(hexrecs 'a\nb' 'c' '\xfe')
	EOF
}

@test "plain server: a send that waits for replies exits 69 having delivered nothing, and says why" {
	start_plain "$NAME"
	local why='the listener closed the connection without answering the hello (a plain SOCK_SEQPACKET server reads it as the end of the stream'
	run --separate-stderr "$PEERRELAY" send "$NAME" data
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: $why; --no-wait sends none): record 1 unanswered"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" < <(printf 'a\nb\n')
	assert_failure 69
	assert_equal "$stderr" "peerrelay: $why; --no-wait sends none): records 1-2 unanswered; input not read past record 2"
	run --separate-stderr "$PEERRELAY" send --null "$NAME" < <(printf 'a\0')
	assert_failure 69
	[[ $stderr == "peerrelay: $why; --no-wait sends none): "* ]]
	# With an ACTION --no-wait says hello too: no hint to use it.
	run --separate-stderr "$PEERRELAY" send --no-wait "$NAME" -- act </dev/null
	assert_failure 69
	[[ $stderr == "peerrelay: $why): "* ]]
	wait_for_count "$TDIR/got" '^end$' 4
	# Four connections, each only its end: the hello read as the end of
	# the stream, and nothing more.
	run grep -c '^rec ' "$TDIR/got"
	assert_output 0
	[ "$(grep -c '^conn uid=0$' "$TDIR/got")" = 4 ]
}

@test "plain server: the man page and --help say why send needs --no-wait for it" {
	# Rendered unwrapped, so a sentence is on one line; no overstrikes.
	run sh -c 'mandoc -Tascii -O width=1000 "$1" | sed "s/.\x08//g" |
	    tr -s " \t\n" "   "' sh "$BATS_TEST_DIRNAME/../man/peerrelay.1"
	assert_success
	# --no-wait: a plain server receives every record; without it, nothing.
	assert_output --partial "so a plain SOCK_SEQPACKET server, one that accepts and reads until recv(2) returns nothing, receives every record as it stood in the input."
	assert_output --partial "says hello first, an empty datagram, which the server reads as the end of the stream; it answers nothing and closes, and peerrelay send exits 69"
	# PROTOCOL says the same.
	assert_output --partial "which is why a plain server needs --no-wait."
	run "$PEERRELAY" help send
	assert_success
	assert_output --partial "  -n, --no-wait                exit once everything is handed over; with
                               no ACTION, say no hello, as a plain
                               SEQPACKET server needs"
}
