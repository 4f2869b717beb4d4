#!/usr/bin/env bats
# A connection handed on borrows no identity: every request must come from
# the process that connected (or one with its real, effective or saved
# ids), by the credentials the kernel puts on each datagram. Real users,
# real processes: an allowed root process connects and hands the socket
# (SCM_RIGHTS) to a nobody process, drops to nobody itself, or forks.

load helpers

# client MODE ADDRESS [READY [gone]]: a root Python client of the abstract
# ADDRESS, printing "WHO: REPLY" for each request it makes.
#   handover  connects, passes the socket to a nobody child, which sends
#             from-nobody; then sends from-root itself
#   drop      connects, becomes nobody, sends from-dropped
#   r33       becomes real uid 33 (effective 0), connects, sends from-r33
#   fork      connects, forks: the child (root too) sends from-child; then
#             sends from-root itself
#   early-handover, early-own: as handover (the nobody child sending
#             early-nobody) and a plain send of early-own, for a listener
#             that is not accepting: READY is written once the request is
#             sent; with "gone", the connecting process exits at once
#             (after handing the socket over) and READY.reaped is written
#             once it is reaped, before the listener accepts
CLIENT='
import array, os, socket, sys

mode, name = sys.argv[1], sys.argv[2]
ready = sys.argv[3] if len(sys.argv) > 3 else None
gone = len(sys.argv) > 4 and sys.argv[4] == "gone"

def nobody():
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)

def send(s, data):
    s.send(data)
    if ready:
        open(ready, "w").write("sent\n")

def answer(s):
    # Replies up to the terminal one: a, x, k, t or r.
    out = []
    while True:
        m = s.recv(65536)
        if not m:
            return "|".join(out) + "|EOF"
        out.append(m.decode())
        if m[:1] in b"axktr":
            return "|".join(out)

def say(who, s):
    print(who + ": " + answer(s), flush=True)

def hand_to_nobody(s, data):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        a.close()
        s.close()
        nobody()
        _, anc, _, _ = b.recvmsg(16, socket.CMSG_SPACE(4))
        t = socket.socket(fileno=array.array("i", anc[0][2][:4])[0])
        send(t, data)
        say("nobody", t)
        os._exit(0)
    b.close()
    a.sendmsg([b"fd"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
        array.array("i", [s.fileno()]))])
    return pid

# Gone: the connecting process is a child, reaped before READY.reaped.
if gone:
    pid = os.fork()
    if pid != 0:
        os.waitpid(pid, 0)
        open(ready + ".reaped", "w").write("reaped\n")
        sys.exit(0)
if mode == "r33":
    os.setreuid(33, 0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + name)
if mode == "handover":
    os.waitpid(hand_to_nobody(s, b"from-nobody"), 0)
    s.send(b"from-root")
    say("root", s)
elif mode == "drop":
    nobody()
    s.send(b"from-dropped")
    say("dropped", s)
elif mode == "r33":
    s.send(b"from-r33")
    say("r33", s)
elif mode == "fork":
    pid = os.fork()
    if pid == 0:
        s.send(b"from-child")
        say("child", s)
        os._exit(0)
    os.waitpid(pid, 0)
    s.send(b"from-root")
    say("root", s)
elif mode == "early-handover":
    pid = hand_to_nobody(s, b"early-nobody")
    if gone:
        os._exit(0)
    os.waitpid(pid, 0)
elif mode == "early-own":
    send(s, b"early-own")
    if gone:
        os._exit(0)
    say("own", s)
'

# stopped PID: wait until PID is stopped (state T).
stopped() {
	local i
	for i in $(seq 1 400); do
		[ "$(awk '{ print $3 }' "/proc/$1/stat")" = T ] && return 0
		sleep 0.05
	done
	return 1
}

# The log line of a request refused as sent on a handed-on connection.
HANDON='^peerrelay: handed-on conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root sender_pid=[0-9]+ sender_uid=65534 sender_gid=65534 uids=0,0,0 gids=0,0,0 ids=(pidfd|proc|peercred) reason=connection handed on to another process$'

@test "exec mode: a socket handed to a nobody process is refused (77), nothing runs; the connector is still served" {
	start_listener "$NAME" -- /bin/sh -c "cat >>$TDIR/ran; echo >>$TDIR/ran"
	run python3 -c "$CLIENT" handover "${NAME#@}"
	assert_success
	assert_line --index 0 "nobody: r77 connection handed on to another process"
	assert_line --index 1 "root: x0"
	run cat "$TDIR/ran"
	assert_output from-root
	wait_for_line "$TDIR/err" '^peerrelay: handed-on '
	run grep -Ec "$HANDON" "$TDIR/err"
	assert_output 1
	run grep -c '^peerrelay: start ' "$TDIR/err"
	assert_output 1
}

@test "print mode: a socket handed to a nobody process is refused (77), nothing printed; the connector is still served" {
	start_listener "$NAME"
	run python3 -c "$CLIENT" handover "${NAME#@}"
	assert_success
	assert_line --index 0 "nobody: r77 connection handed on to another process"
	assert_line --index 1 "root: a"
	wait_for_line "$TDIR/out" 'data=from-root'
	assert_printed "${REC}size=9 data=from-root$"
	run grep -Ec "$HANDON" "$TDIR/err"
	assert_output 1
}

@test "a connector that becomes nobody after connecting borrows nothing (exec and print mode)" {
	start_listener "$NAME" -- /bin/sh -c "cat >>$TDIR/ran"
	run python3 -c "$CLIENT" drop "${NAME#@}"
	assert_success
	assert_output "dropped: r77 connection handed on to another process"
	[ ! -e "$TDIR/ran" ]
	wait_for_line "$TDIR/err" '^peerrelay: handed-on '
	run grep -Ec "$HANDON" "$TDIR/err"
	assert_output 1
	stop_listener
	start_listener "$NAME"
	run python3 -c "$CLIENT" drop "${NAME#@}"
	assert_success
	assert_output "dropped: r77 connection handed on to another process"
	wait_for_line "$TDIR/err" '^peerrelay: handed-on '
	assert_printed
}

@test "a client with real uid 33 and effective uid 0 is served on its own connection" {
	start_listener "$NAME" -- /bin/sh -c 'cat >/dev/null; printf "euid=%s" "$UNIXREMOTEEUID"'
	run python3 -c "$CLIENT" r33 "${NAME#@}"
	assert_success
	assert_output "r33: oeuid=0|x0"
	stop_listener
	start_listener "$NAME"
	run python3 -c "$CLIENT" r33 "${NAME#@}"
	assert_success
	assert_output "r33: a"
	wait_for_line "$TDIR/out" 'data=from-r33'
	assert_printed "${REC}size=8 data=from-r33$"
	run grep -c 'handed-on' "$TDIR/err"
	assert_output 0
}

@test "a fork of the connector, with its ids, is served" {
	start_listener "$NAME" -- /bin/sh -c "cat >>$TDIR/ran; echo >>$TDIR/ran"
	run python3 -c "$CLIENT" fork "${NAME#@}"
	assert_success
	assert_line --index 0 "child: x0"
	assert_line --index 1 "root: x0"
	run cat "$TDIR/ran"
	assert_output "$(printf 'from-child\nfrom-root')"
	run grep -c 'handed-on' "$TDIR/err"
	assert_output 0
}

@test "sent before the listener accepts, on a handed-on socket: refused (connector alive, and gone)" {
	start_listener "$NAME" -- /bin/sh -c "cat >>$TDIR/ran"
	# The nobody process says there that it sent.
	install -d -m 0777 "$TDIR/w"
	local how
	for how in alive gone; do
		kill -STOP "$LPID"
		stopped "$LPID"
		python3 -c "$CLIENT" early-handover "${NAME#@}" "$TDIR/w/sent-$how" "$how" \
		    >"$TDIR/c-$how" 2>&1 &
		LPIDS+=($!)
		wait_for_file "$TDIR/w/sent-$how"
		[ "$how" = alive ] || wait_for_file "$TDIR/w/sent-$how.reaped"
		kill -CONT "$LPID"
		wait_for_line "$TDIR/c-$how" '^nobody: '
		run cat "$TDIR/c-$how"
		assert_output "nobody: r77 connection handed on to another process"
	done
	[ ! -e "$TDIR/ran" ]
	run grep -Ec "$HANDON" "$TDIR/err"
	assert_output 2
	run grep -Ec ' ids=peercred ' "$TDIR/err"
	assert_output 1
}

@test "sent before the listener accepts, by the connector itself: served (connector alive, and gone)" {
	# One file a run: the two run at once.
	start_listener "$NAME" -- /bin/sh -c 'cat >"$0/ran.$$"; echo >>"$0/ran.$$"' "$TDIR"
	kill -STOP "$LPID"
	stopped "$LPID"
	python3 -c "$CLIENT" early-own "${NAME#@}" "$TDIR/sent-alive" >"$TDIR/c-alive" 2>&1 &
	LPIDS+=($!)
	wait_for_file "$TDIR/sent-alive"
	run python3 -c "$CLIENT" early-own "${NAME#@}" "$TDIR/sent-gone" gone
	assert_success
	kill -CONT "$LPID"
	wait_for_line "$TDIR/c-alive" '^own: '
	run cat "$TDIR/c-alive"
	assert_output "own: x0"
	wait_for_count "$TDIR/err" '^peerrelay: run .* status=exit 0' 2
	run sh -c "cat '$TDIR'/ran.*"
	assert_output "$(printf 'early-own\nearly-own')"
	run grep -c 'handed-on' "$TDIR/err"
	assert_output 0
}
