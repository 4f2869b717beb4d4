#!/usr/bin/env bats
# Connection and request ids: PREFIX-N for a connection (PREFIX random per
# start), CONN.N for its Nth request; the same string in the command's
# environment, the listener's log, the 'i' reply and send's messages.

load helpers

# An id as the listener gives it: 12 hex digits of this start, a counter.
CONN_RE='[0-9a-f]{12}-[1-9][0-9]*'

# $TDIR/ids: a command that appends "CONN REQUEST" to $TDIR/ids.log and
# exits with the status its request names ("exit N"), else 0.
ids_command() {
	cat >"$TDIR/ids" <<-EOS
	#!/usr/bin/python3
	import os, sys
	with open("$TDIR/ids.log", "a") as f:
	    f.write("%s %s\n" % (os.environ.get("PEERRELAY_CONN_ID", "-"),
	        os.environ.get("PEERRELAY_REQUEST_ID", "-")))
	data = sys.stdin.read()
	sys.exit(int(data[5:]) if data.startswith("exit ") else 0)
	EOS
	chmod 755 "$TDIR/ids"
}

@test "one request's id is the same in the command's environment, the start and run lines and send's message" {
	ids_command
	start_listener "$NAME" -- "$TDIR/ids"
	printf 'fine\nexit 3\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_equal "$status" 3
	assert_output ""
	run cat "$TDIR/ids.log"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp "^($CONN_RE) \\1\\.1\$"
	assert_line --index 1 --regexp "^($CONN_RE) \\1\\.2\$"
	conn=${lines[1]% *}
	req=${lines[1]#* }
	assert_equal "$req" "$conn.2"
	# send names it in its message, the one a user would quote.
	assert_equal "$stderr" "peerrelay: record 2: exit status 3 (request $req)"
	wait_for_count "$TDIR/err" '^peerrelay: run ' 2
	grep -Eq "^peerrelay: allow conn=$conn pid=[0-9]+ uid=0 " "$TDIR/err"
	grep -Eq "^peerrelay: start conn=$conn req=$conn\\.1 pid=[0-9]+ uid=0 gid=0 user=root size=4\$" "$TDIR/err"
	grep -Eq "^peerrelay: start conn=$conn req=$req pid=[0-9]+ uid=0 gid=0 user=root size=6\$" "$TDIR/err"
	grep -Eq "^peerrelay: run conn=$conn req=$req pid=[0-9]+ uid=0 gid=0 user=root status=exit 3 duration=" "$TDIR/err"
	grep -Eq "^peerrelay: run conn=$conn req=$conn\\.1 pid=[0-9]+ .* status=exit 0 duration=" "$TDIR/err"
}

@test "connections get different ids; a connection's requests count .1 .2 .3" {
	ids_command
	start_listener "$NAME" -- "$TDIR/ids"
	printf 'a\nb\nc\n' >"$TDIR/in"
	run "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	run "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	run cat "$TDIR/ids.log"
	assert_equal "${#lines[@]}" 6
	c1=${lines[0]% *}
	c2=${lines[3]% *}
	[[ $c1 =~ ^$CONN_RE$ ]]
	[[ $c2 =~ ^$CONN_RE$ ]]
	assert_not_equal "$c1" "$c2"
	# One start: one prefix, the counter moved on.
	assert_equal "${c1%-*}" "${c2%-*}"
	assert_equal "$(cat "$TDIR/ids.log")" "$c1 $c1.1
$c1 $c1.2
$c1 $c1.3
$c2 $c2.1
$c2 $c2.2
$c2 $c2.3"
}

@test "two starts of the listener draw different prefixes" {
	ids_command
	start_listener "$NAME" -- "$TDIR/ids"
	run "$PEERRELAY" send "$NAME" one
	assert_success
	stop_listener
	assert_equal "$LSTATUS" 0
	start_listener "$NAME" -- "$TDIR/ids"
	run "$PEERRELAY" send "$NAME" two
	assert_success
	run cut -d' ' -f1 "$TDIR/ids.log"
	assert_equal "${#lines[@]}" 2
	[[ ${lines[0]} =~ ^$CONN_RE$ ]]
	[[ ${lines[1]} =~ ^$CONN_RE$ ]]
	assert_not_equal "${lines[0]%-*}" "${lines[1]%-*}"
}

@test "the 'i' reply: once, right after the hello's answer, the connection's id; none without a hello" {
	ids_command
	start_listener "$NAME" -- "$TDIR/ids"
	run "${ACT[@]}" "$NAME" --show-ids --hello 'one' 'exit 4'
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 "hello=hA"
	assert_line --index 1 --regexp "^i$CONN_RE\$"
	assert_line --index 2 "x0"
	assert_line --index 3 "x4"
	conn=${lines[1]#i}
	assert_equal "$(cat "$TDIR/ids.log")" "$conn $conn.1
$conn $conn.2"
	# No hello (the classic raw client): no 'i', and its requests still
	# carry ids to the command and the log, counted from the first.
	rm "$TDIR/ids.log"
	run "${ACT[@]}" "$NAME" --show-ids 'one' 'two'
	assert_success
	assert_output "x0
x0"
	run cat "$TDIR/ids.log"
	assert_line --index 0 --regexp "^($CONN_RE) \\1\\.1\$"
	assert_line --index 1 --regexp "^($CONN_RE) \\1\\.2\$"
	conn2=${lines[0]% *}
	assert_not_equal "$conn" "$conn2"
	wait_for_count "$TDIR/err" "^peerrelay: run conn=$conn2 req=$conn2\\.[12] " 2
	grep -Eq "^peerrelay: start conn=$conn2 req=$conn2\\.2 pid=" "$TDIR/err"
}

@test "refusals name the request: its log line and send's message carry the same id" {
	ids_command
	start_listener "$NAME" --max-size 8 -- "$TDIR/ids"
	printf 'a\nmuch too long\nb\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_equal "$status" 65
	assert_output ""
	run cat "$TDIR/ids.log"
	assert_equal "${#lines[@]}" 2
	conn=${lines[0]% *}
	# The refused request counts: the third record is request 3.
	assert_line --index 1 "$conn $conn.3"
	assert_equal "$stderr" "peerrelay: record 2 refused (request $conn.2): too large (13 bytes, --max-size 8)"
	wait_for_line "$TDIR/err" "^peerrelay: refused conn=$conn req=$conn\\.2 pid=[0-9]+ uid=0 gid=0 user=root reason=too large \\(13 bytes, --max-size 8\\)\$"
}

@test "print mode: record lines (-v) carry the request's id" {
	start_listener "$NAME" -v
	printf 'a\nb\n' >"$TDIR/in"
	run "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	wait_for_count "$TDIR/err" "^peerrelay: record conn=$CONN_RE req=$CONN_RE\\.[12] pid=[0-9]+ uid=0 .* size=1\$" 2
	conn=$(sed -En "s/^peerrelay: allow conn=($CONN_RE) .*/\\1/p" "$TDIR/err")
	grep -Eq "^peerrelay: hello conn=$conn pid=[0-9]+ .* granted=A\$" "$TDIR/err"
	grep -Eq "^peerrelay: record conn=$conn req=$conn\\.2 pid=" "$TDIR/err"
}

@test "a denied connection's line carries its id too" {
	start_listener "$NAME" -- /bin/true
	run "${NOBODY[@]}" "$PEERRELAY" send "$NAME" x
	assert_failure 77
	wait_for_line "$TDIR/err" "^peerrelay: deny conn=$CONN_RE pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup failed=users\$"
}

@test "rules mode: the id reaches a rule's command; deny and refused lines carry the request's" {
	[ "$(id -u)" = 0 ] || skip "runs callers as www-data: needs root"
	ids_command
	printf '%s\n' "permit web user www-data $TDIR/ids" \
	    "permit admin user root $TDIR/ids" \
	    "permit one user www-data $TDIR/ids {[a-z]+}" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --show-ids --hello 'web\0\0' 'admin\0\0' 'one\0X\0\0' 'web\0\0exit 5'
	assert_success
	assert_line --index 0 "hello=hARL"
	assert_line --index 1 --regexp "^i$CONN_RE\$"
	conn=${lines[1]#i}
	assert_equal "$(cat "$TDIR/ids.log")" "$conn $conn.1
$conn $conn.4"
	wait_for_line "$TDIR/err" "^peerrelay: run conn=$conn req=$conn\\.4 pid=[0-9]+ uid=33 .* status=exit 5 "
	grep -Eq "^peerrelay: deny conn=$conn req=$conn\\.2 pid=[0-9]+ uid=33 gid=33 user=www-data action=admin reason=not permitted failed=users\$" "$TDIR/err"
	grep -Eq "^peerrelay: refused conn=$conn req=$conn\\.3 pid=[0-9]+ uid=33 .* action=one reason=argument 1 refused by its slot\$" "$TDIR/err"
	grep -Eq "^peerrelay: start conn=$conn req=$conn\\.1 pid=[0-9]+ uid=33 gid=33 user=www-data action=web size=0\$" "$TDIR/err"
	# send: a single action request says hello, so it too names the id.
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- admin
	assert_failure 77
	[[ $stderr =~ ^peerrelay:\ refused\ \(request\ ($CONN_RE)\.1\):\ not\ allowed:\ admin$ ]]
	conn=${BASH_REMATCH[1]}
	wait_for_line "$TDIR/err" "^peerrelay: deny conn=$conn req=$conn\\.1 pid=[0-9]+ uid=33 .* action=admin reason=not permitted failed=users\$"
}

@test "send and a listener that sends no 'i': messages as before" {
	python3 -c '
import socket, sys
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind(sys.argv[1])
l.listen(8)
conn, _ = l.accept()
assert conn.recv(65536) == b""
conn.send(b"hA")
assert conn.recv(65536) == b"one"
conn.send(b"x3")
assert conn.recv(65536) == b"two"
conn.send(b"t")
conn.close()
' "$TDIR/old.sock" 2>"$TDIR/fake.err" &
	LPIDS+=($!)
	wait_listening "$TDIR/old.sock" $!
	printf 'one\ntwo\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$TDIR/old.sock" <"$TDIR/in"
	assert_equal "$status" 3
	assert_equal "$stderr" "peerrelay: record 1: exit status 3
peerrelay: record 2: timed out"
}
