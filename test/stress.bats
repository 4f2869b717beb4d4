#!/usr/bin/env bats
# Load and faults: many senders, floods of silent clients, clients and
# commands that die at awkward moments, signals to the listener, descriptors
# passed by a client, and memory over many requests. `make check` runs these
# at a size that fits CI; `make check-stress` runs them alone at full size
# (STRESS_FLOOD, STRESS_EXEC_REQUESTS).
# bats file_tags=stress

load helpers

FLOOD=${STRESS_FLOOD:-64}
EXEC_REQUESTS=${STRESS_EXEC_REQUESTS:-1000}

# Open descriptors and live children of the listener.
fd_count() { ls "/proc/$LPID/fd" | wc -l; }
child_count() { pgrep -P "$LPID" | wc -l; }

# Wait (bounded) until the listener has no child left.
wait_no_children() {
	local i
	for i in $(seq 1 400); do
		[ "$(child_count)" -eq 0 ] && return 0
		sleep 0.05
	done
	echo "children left: $(pgrep -a -P "$LPID")" >&3
	return 1
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$LPID/status"; }

@test "50 concurrent senders x 100 requests, half root, half nobody: each runs exactly once" {
	cat >"$TDIR/log1" </dev/null
	printf '#!/bin/sh\nread x\necho "$x" >>%s/log1\n' "$TDIR" >"$TDIR/rec"
	chmod 755 "$TDIR/rec"
	chmod 666 "$TDIR/log1"
	start_listener "$NAME" -q --allow-any -- "$TDIR/rec"
	local i pids=() st failed=0
	# 25 senders a uid, 16 slots a uid: the rest are told busy and retry,
	# within a deadline (--timeout) that a slow build still meets.
	for i in $(seq 1 50); do
		if [ $((i % 2)) -eq 0 ]; then
			seq -f "s$i-%g" 1 100 | "${NOBODY[@]}" "$PEERRELAY" send --timeout 120 \
			    --lines "$NAME" >"$TDIR/o$i" 2>&1 &
		else
			seq -f "s$i-%g" 1 100 | "$PEERRELAY" send --timeout 120 --lines "$NAME" \
			    >"$TDIR/o$i" 2>&1 &
		fi
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		st=0
		wait "${pids[$i]}" || st=$?
		if [ "$st" -ne 0 ]; then
			failed=$((failed + 1))
			echo "sender $((i + 1)) exited $st: $(cat "$TDIR/o$((i + 1))")" >&3
		fi
	done
	assert_equal "$failed" 0
	run sh -c "wc -l <'$TDIR/log1'"
	assert_output 5000
	run sh -c "sort -u '$TDIR/log1' | wc -l"
	assert_output 5000
	run grep -c '^s2-100$' "$TDIR/log1"
	assert_output 1
	echo "# 5000 requests from 50 senders (25 as nobody) ran exactly once" >&3
}

@test "a flood of silent connections (--max-conns 8 --idle-timeout 1) does not stop a real request" {
	start_listener "$NAME" --allow-any --max-conns 8 --idle-timeout 1
	hold_conns "$NAME" "$FLOOD"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send --timeout 200 "$NAME" real-request
	assert_success
	assert_output ""
	run grep -c ' data=real-request$' "$TDIR/out"
	assert_output 1
	run grep -c '^peerrelay: idle ' "$TDIR/err"
	[ "$output" -ge 8 ]
	echo "# $FLOOD silent connections; $output dropped as idle before the real request ran" >&3
}

@test "clients killed after connect, after the datagram and while output streams: no fd or child leaks" {
	printf '#!/bin/sh\nread x\ncase "$x" in\nstream) head -c 50000000 /dev/zero;;\n*) echo "$x";;\nesac\n' >"$TDIR/cmd"
	chmod 755 "$TDIR/cmd"
	start_listener "$NAME" -- "$TDIR/cmd"
	run "$PEERRELAY" send "$NAME" warm-up
	assert_success
	assert_output warm-up
	wait_no_children
	local fds
	fds=$(fd_count)
	# After connect, silent; after the datagram; while 50 MB stream back.
	for mode in connect datagram stream; do
		python3 -c '
import os, signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
if sys.argv[2] == "datagram":
    s.send(b"hello")
if sys.argv[2] == "stream":
    s.send(b"stream")
    n = 0
    while n < 1000000:
        n += len(s.recv(65536))
os.kill(os.getpid(), signal.SIGKILL)
' "${NAME#@}" "$mode" || true
	done
	wait_no_children
	run "$PEERRELAY" send "$NAME" still-here
	assert_success
	assert_output still-here
	wait_no_children
	assert_equal "$(fd_count)" "$fds"
	run grep -c '^peerrelay: run .*status=exit 0' "$TDIR/err"
	assert_output 4
}

@test "commands killed by SIGKILL, exiting unread, closing stdout early: right status, listener healthy" {
	printf '#!/bin/sh\ncase "$1" in\nkill) kill -KILL $$;;\nunread) exit 0;;\nclose) exec >&-; echo closed-stdout >&2; exit 4;;\nesac\n' >"$TDIR/cmd"
	chmod 755 "$TDIR/cmd"
	start_listener "$NAME" --max-size 2M -- "$TDIR/cmd" kill
	run --separate-stderr "$PEERRELAY" send "$NAME" x
	assert_equal "$status" 137
	assert_equal "$(norm_ids "$stderr")" "peerrelay: killed by signal 9 (request C.1)"
	stop_listener

	start_listener "$NAME" --max-size 2M -- "$TDIR/cmd" unread
	head -c 1048576 /dev/urandom >"$TDIR/big"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/big"
	assert_success
	assert_output ""
	stop_listener

	start_listener "$NAME" -- "$TDIR/cmd" close
	local fds
	fds=$(fd_count)
	run --separate-stderr "$PEERRELAY" send "$NAME" x
	assert_equal "$status" 4
	assert_output ""
	assert_equal "$stderr" "closed-stdout"
	run --separate-stderr "$PEERRELAY" send "$NAME" again
	assert_equal "$status" 4
	wait_no_children
	assert_equal "$(fd_count)" "$fds"
}

@test "SIGTERM with 10 requests in flight: all finish and are answered, socket file gone, exit 0" {
	printf '#!/bin/sh\ntouch %s/started.$$\nwhile [ ! -e %s/go ]; do sleep 0.02; done\ncat\n' \
	    "$TDIR" "$TDIR" >"$TDIR/cmd"
	chmod 755 "$TDIR/cmd"
	start_listener "$TDIR/s" -- "$TDIR/cmd"
	local i pids=() st
	for i in $(seq 1 10); do
		"$PEERRELAY" send "$TDIR/s" "request-$i" >"$TDIR/o$i" 2>&1 &
		pids+=($!)
	done
	for i in $(seq 1 400); do
		[ "$(ls "$TDIR" | grep -c '^started\.')" -eq 10 ] && break
		sleep 0.05
	done
	run sh -c "ls '$TDIR' | grep -c '^started\.'"
	assert_output 10
	kill -TERM "$LPID"
	# The socket file goes at once: no new connection is taken.
	for i in $(seq 1 400); do
		[ -e "$TDIR/s" ] || break
		sleep 0.02
	done
	[ ! -e "$TDIR/s" ]
	run "$PEERRELAY" send "$TDIR/s" late
	assert_equal "$status" 69
	touch "$TDIR/go"
	for i in $(seq 1 10); do
		st=0
		wait "${pids[$((i - 1))]}" || st=$?
		assert_equal "$st" 0
		assert_equal "$(cat "$TDIR/o$i")" "request-$i"
	done
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
	assert_equal "$LSTATUS" 0
	run grep -c '^peerrelay: run .*status=exit 0' "$TDIR/err"
	assert_output 10
}

@test "SIGHUP and SIGPIPE do not kill the listener" {
	start_listener "$NAME"
	kill -HUP "$LPID"
	kill -PIPE "$LPID"
	wait_for_line "$TDIR/err" 'SIGHUP ignored'
	run "$PEERRELAY" send "$NAME" after-signals
	assert_success
	kill -0 "$LPID"
	run grep -c ' data=after-signals$' "$TDIR/out"
	assert_output 1
}

@test "descriptors passed with SCM_RIGHTS never reach the listener or the command" {
	echo secret >"$TDIR/secret"
	# sh -c without a pipe: dash holds a script on fd 10, a pipeline's pipe
	# on fds 3 and 4 while it starts the other side.
	start_listener "$NAME" -- /bin/sh -c 'ls /proc/$$/fd'
	run "$PEERRELAY" send "$NAME" warm-up
	assert_success
	assert_output "$(printf '0\n1\n2')"
	wait_no_children
	local fds
	fds=$(fd_count)
	run python3 -c '
import array, errno, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
fd = os.open(sys.argv[2], os.O_RDONLY)
try:
    s.sendmsg([b"with-fd"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd] * 3))])
except OSError as e:
    # Linux 6.16+: the listener turned SO_PASSRIGHTS off.
    print("sendmsg refused:", errno.errorcode[e.errno])
    sys.exit(0)
s.shutdown(socket.SHUT_WR)
r = b"".join(iter(lambda: s.recv(65536), b""))
print("reply:", r.decode())
' "${NAME#@}" "$TDIR/secret"
	assert_success
	# Either the kernel refused the descriptors at the sender, or the
	# listener closed them on arrival and refused the request.
	assert_output --regexp '^(sendmsg refused: EPERM|reply: r65 file descriptors are not accepted)$'
	run "$PEERRELAY" send "$NAME" after
	assert_success
	assert_output "$(printf '0\n1\n2')"
	wait_no_children
	assert_equal "$(fd_count)" "$fds"
	run grep -c '^peerrelay: run ' "$TDIR/err"
	assert_output 2
}

@test "print mode: RSS after 10,000 requests is within 10% of RSS after 100" {
	[ -z "${PEERRELAY_SANITIZED:-}" ] || skip "ASan's quarantine keeps freed memory by design"
	start_listener "$NAME" --format json
	local i rss100 rss10k
	seq 1 100 | "$PEERRELAY" send --lines "$NAME"
	rss100=$(rss_kib)
	for i in $(seq 1 99); do
		seq 1 100 | "$PEERRELAY" send --lines "$NAME"
	done
	rss10k=$(rss_kib)
	run sh -c "wc -l <'$TDIR/out'"
	assert_output 10000
	echo "# print mode RSS: ${rss100} KiB after 100 requests, ${rss10k} KiB after 10000" >&3
	[ "$rss10k" -le $((rss100 * 110 / 100)) ]
}

@test "exec mode: RSS does not grow with the number of requests" {
	[ -z "${PEERRELAY_SANITIZED:-}" ] || skip "ASan's quarantine keeps freed memory by design"
	start_listener "$NAME" -- /bin/true
	local rss100 rssn
	seq 1 100 | "$PEERRELAY" send --lines "$NAME"
	rss100=$(rss_kib)
	seq 1 "$EXEC_REQUESTS" | "$PEERRELAY" send --lines "$NAME"
	rssn=$(rss_kib)
	run grep -c '^peerrelay: run .*status=exit 0' "$TDIR/err"
	assert_output $((EXEC_REQUESTS + 100))
	echo "# exec mode RSS: ${rss100} KiB after 100 requests, ${rssn} KiB after $((EXEC_REQUESTS + 100))" >&3
	[ "$rssn" -le $((rss100 * 110 / 100)) ]
}
