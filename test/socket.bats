#!/usr/bin/env bats
# Filesystem sockets (mode, owner, stale and live sockets, other files),
# signals, and connection slots (silent clients, --max-conns, idle timeout).

load helpers

# Assert the listener printed exactly the lines given (none when no argument).


# silent_client ADDRESS: a Python client that connects and then says nothing
# (kept in the background, killed by teardown). Returns once it is connected.
silent_client() {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
print("connected", flush=True)
time.sleep(30)
' "${1#@}" >"$TDIR/silent" 2>&1 3>&- &
	LPIDS+=("$!")
	wait_for_line "$TDIR/silent" '^connected$'
}

@test "--mode 0660 sets the socket file's permissions" {
	start_listener "$TDIR/s" --mode 0660
	run stat -c %A "$TDIR/s"
	assert_success
	assert_output "srw-rw----"
	run "$PEERRELAY" send "$TDIR/s" hello
	assert_success
	assert_output ""
	assert_printed "${REC}size=5 data=hello\$"
}

@test "--owner www-data:www-data sets the socket file's owner and group" {
	start_listener "$TDIR/s" --owner www-data:www-data --mode 0600 --allow-any
	run stat -c %U:%G "$TDIR/s"
	assert_success
	assert_output "www-data:www-data"
	run stat -c %A "$TDIR/s"
	assert_output "srw-------"
	# The file permissions now let www-data in and keep nobody out.
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" hello
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$TDIR/s" hello
	assert_equal "$status" 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: connect $TDIR/s: Permission denied"
	assert_printed '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=5 data=hello$'
}

@test "without --mode the socket file's mode follows the umask" {
	umask 027
	start_listener "$TDIR/s"
	umask 022
	run stat -c %A "$TDIR/s"
	assert_success
	assert_output "srwxr-x---"
}

@test "--mode and --owner with an abstract address: 64" {
	run "$PEERRELAY" listen --mode 0660 "$NAME"
	assert_equal "$status" 64
	assert_output "peerrelay: --mode and --owner need a filesystem socket, not $NAME"
	run "$PEERRELAY" listen --owner www-data "$NAME"
	assert_equal "$status" 64
	assert_output "peerrelay: --mode and --owner need a filesystem socket, not $NAME"
}

@test "a stale socket file is replaced and the new listener serves" {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
' "$TDIR/s"
	run stat -c %F "$TDIR/s"
	assert_output "socket"
	start_listener "$TDIR/s"
	run --separate-stderr "$PEERRELAY" send "$TDIR/s" fresh
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=5 data=fresh\$"
}

@test "a live listener's socket is left alone: 69, the first still serves" {
	start_listener "$TDIR/s"
	local first=$LPID
	run --separate-stderr "$PEERRELAY" listen "$TDIR/s"
	assert_equal "$status" 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: $TDIR/s: address in use by a running listener"
	run stat -c %F "$TDIR/s"
	assert_output "socket"
	run --separate-stderr "$PEERRELAY" send "$TDIR/s" still
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	kill -0 "$first"
	assert_printed "${REC}size=5 data=still\$"
}

@test "a regular file at the path is left alone: 69, content unchanged; --check refuses it alike" {
	local check
	printf 'precious\n' >"$TDIR/s"
	for check in "" --check; do
		run --separate-stderr "$PEERRELAY" listen $check "$TDIR/s"
		assert_equal "$status" 69
		assert_output ""
		assert_equal "$stderr" "peerrelay: $TDIR/s: exists and is not a socket"
		run cat "$TDIR/s"
		assert_success
		assert_output "precious"
	done
}

@test "SIGTERM removes the socket file and exits 0" {
	start_listener "$TDIR/s"
	run "$PEERRELAY" send "$TDIR/s" before
	assert_success
	stop_listener
	assert_equal "$LSTATUS" 0
	[ ! -e "$TDIR/s" ]
	assert_printed "${REC}size=6 data=before\$"
	run "$PEERRELAY" send "$TDIR/s" after
	assert_equal "$status" 69
	assert_output "peerrelay: connect $TDIR/s: No such file or directory"
}

@test "SIGINT removes the socket file and exits 0" {
	start_listener "$TDIR/s"
	kill -INT "$LPID"
	local st=0
	wait "$LPID" || st=$?
	assert_equal "$st" 0
	[ ! -e "$TDIR/s" ]
	run "$PEERRELAY" send "$TDIR/s" after
	assert_equal "$status" 69
	assert_output "peerrelay: connect $TDIR/s: No such file or directory"
}

@test "SIGHUP does not stop the listener" {
	start_listener "$TDIR/s"
	kill -HUP "$LPID"
	wait_for_line "$TDIR/err" 'SIGHUP'
	run --separate-stderr "$PEERRELAY" send "$TDIR/s" afterhup
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	kill -0 "$LPID"
	[ -S "$TDIR/s" ]
	assert_printed "${REC}size=8 data=afterhup\$"
}

@test "a silent client does not block a second client (default --max-conns)" {
	start_listener "$NAME"
	silent_client "$NAME"
	wait_for_line "$TDIR/err" '^peerrelay: allow '
	run --separate-stderr "$PEERRELAY" send "$NAME" second
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=6 data=second\$"
}

@test "--max-conns 1 --idle-timeout 1: the silent client is dropped, the next is served" {
	start_listener "$NAME" --max-conns 1 --idle-timeout 1
	silent_client "$NAME"
	wait_for_line "$TDIR/err" '^peerrelay: allow '
	run --separate-stderr "$PEERRELAY" send "$NAME" second
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=6 data=second\$"
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: idle conn=[^ ]* pid=[0-9]+ uid=0 '
}

@test "--max-conns 1: a second client waits in the backlog, served after the first" {
	start_listener "$NAME" --max-conns 1
	mkfifo "$TDIR/go"
	# The first client sends, then waits for a word on the fifo before its
	# last datagram and close.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
s.send(b"first")
open(sys.argv[2]).readline()
s.send(b"first-end")
s.close()
' "${NAME#@}" "$TDIR/go" 3>&- &
	local py=$!
	LPIDS+=("$py")
	wait_for_line "$TDIR/out" 'data=first$'
	"$PEERRELAY" send "$NAME" second >"$TDIR/sout" 2>"$TDIR/serr" 3>&- &
	local sp=$!
	LPIDS+=("$sp")
	# Wait (bounded) until the second connection sits in the backlog.
	local i q=
	for i in $(seq 1 400); do
		q=$(ss -xlnH | awk -v a="$NAME" '$5 == a { print $3 }')
		[ "$q" = 1 ] && break
		sleep 0.05
	done
	assert_equal "$q" 1
	kill -0 "$sp"
	assert_printed "${REC}size=5 data=first\$"
	echo go >"$TDIR/go"
	local st=0
	wait "$sp" || st=$?
	assert_equal "$st" 0
	wait "$py"
	run cat "$TDIR/sout" "$TDIR/serr"
	assert_output ""
	assert_printed "${REC}size=5 data=first\$" \
	    "${REC}size=9 data=first-end\$" \
	    "${REC}size=6 data=second\$"
}
