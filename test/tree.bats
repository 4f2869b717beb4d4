#!/usr/bin/env bats
# A request's processes end with it. Whatever its command leaves behind (a
# background child, a double-forked setsid() daemon, a process that
# ignores TERM, one that forks when it is told to end or hops from pid to
# pid) is gone when send returns, at --timeout, and once a stopping
# listener has exited; two requests running at once never end each
# other's. Checked from /proc, with real processes.
#
# The listener's command is $TDIR/cmd: it reads the datagram, a body's
# name B, and runs $TDIR/body.B under env(1) with PRT_TREE=$MK-B, so that
# every process of the request carries the tag in its environment from
# its first instant (a fork not yet exec'd too). The processes a test
# looks for by name have an argv[0] that starts with the tag as well.

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
	helpers_setup
	MK="prtree-$$-$BATS_TEST_NUMBER-$RANDOM"
	cp "$BATS_TEST_DIRNAME/tree.py" "$TDIR/tree.py"
	chmod 755 "$TDIR/tree.py"
	cat >"$TDIR/cmd" <<-EOF
	#!/bin/bash
	body=\$(cat)
	case \$body in
	''|*[!a-z0-9]*) echo "cmd: no body '\$body'" >&2; exit 64 ;;
	esac
	exec /usr/bin/env PRT_TREE=$MK-\$body /bin/bash $TDIR/body.\$body
	EOF
	chmod 755 "$TDIR/cmd"
}

# Whatever a test left running (all of it, on a listener that does not end
# a request's processes) goes, even a hopper: stopped and killed until
# three looks in a row find nothing.
teardown() {
	kill_tree
	helpers_teardown
	kill_tree
}

kill_tree() {
	local i pids quiet=0
	for i in $(seq 1 250); do
		pids=$(tree_pids "$MK")
		if [ -z "$pids" ]; then
			quiet=$((quiet + 1))
			[ "$quiet" -ge 3 ] && return 0
		else
			quiet=0
			# shellcheck disable=SC2086
			kill -STOP $pids 2>/dev/null
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.02
	done
	return 0
}

# tree_pids TAG: the live processes of TAG (or TAG-...), a pid a line:
# PRT_TREE in their environment, or the start of their argv[0]. Zombies,
# whose environment and arguments are gone, are not counted.
tree_pids() {
	{
		grep -lzE -- "^PRT_TREE=$1(-|\$)" /proc/[0-9]*/environ \
		    2>/dev/null | cut -d/ -f3
		pgrep -f -- "^$1(-| |\$)"
	} | sort -un
}

# assert_gone TAG: no process of TAG is alive; else it fails, showing how
# many are and the first 20 (a hopper may be gone again by then).
assert_gone() {
	local pids
	pids=$(tree_pids "$1")
	[ -z "$pids" ] && return 0
	echo "processes of $1 left behind: $(echo "$pids" | wc -l)" >&2
	ps -o pid,ppid,pgid,sid,user,stat,args \
	    -p "$(echo "$pids" | head -n 20 | paste -sd,)" >&2 || true
	return 1
}

# running NAME...: a live process has each NAME as its argv[0].
running() {
	local n
	for n in "$@"; do
		if ! pgrep -f -- "^$n( |\$)" >/dev/null; then
			echo "no $n running" >&2
			return 1
		fi
	done
}

# wait_running NAME: wait (at most 20 s) until running NAME.
wait_running() {
	local i
	for i in $(seq 1 400); do
		running "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	running "$1"
}

# body B: $TDIR/body.B, the bash script on stdin, which a request whose
# datagram is B runs. It finds $TDIR set, and two functions:
#   ready NAME   wait (at most 10 s) until a process runs as NAME
#   note LINE    wait (at most 10 s) until $TDIR/note holds LINE
body() {
	{
		printf '#!/bin/bash\nTDIR=%s\n' "$TDIR"
		cat <<-'EOF'
		ready() {
			local i
			for i in $(seq 1 200); do
				pgrep -f "^$1( |\$)" >/dev/null && return 0
				sleep 0.05
			done
			echo "ready: no $1" >&2
			exit 1
		}
		note() {
			local i
			for i in $(seq 1 200); do
				grep -qx "$1" "$TDIR/note" 2>/dev/null && return 0
				sleep 0.05
			done
			echo "note: no $1" >&2
			exit 1
		}
		EOF
		cat
	} >"$TDIR/body.$1"
	chmod 755 "$TDIR/body.$1"
}

# leaving_body B [LINE]: body B leaves a sleep in a session of its own
# (B-setsid, its stdio on /dev/null) and one in the background (B-bg),
# waits until both run, says "started", then runs LINE.
leaving_body() {
	body "$1" <<-EOF
	setsid -f bash -c 'exec -a "\$0" sleep 300' "\$PRT_TREE-setsid" \\
	    </dev/null >/dev/null 2>&1
	(exec -a "\$PRT_TREE-bg" sleep 300) &
	ready "\$PRT_TREE-setsid"
	ready "\$PRT_TREE-bg"
	echo started
	${2:-}
	EOF
}

# request B: send B to the listener at $NAME (within 60 s), as `run
# --separate-stderr`; SEND_MS, the milliseconds it took.
request() {
	local t0
	t0=$(ms_now)
	run --separate-stderr timeout 60 "$PEERRELAY" send "$NAME" "$1"
	SEND_MS=$(($(ms_now) - t0))
}

# send_running B: send B in the background (its pid in SPID), its output
# in $TDIR/o, and wait until its command (B-cmd) runs.
send_running() {
	timeout 60 "$PEERRELAY" send "$NAME" "$1" >"$TDIR/o" 2>"$TDIR/e" &
	SPID=$!
	LPIDS+=("$SPID")
	wait_running "$MK-$1-cmd"
}

# ended_by_stop: the stopped listener exited 0, nothing of the request is
# left, and send, told its command died of TERM, exited 143.
ended_by_stop() {
	local st=0
	listener_exits
	assert_gone "$MK"
	wait "$SPID" || st=$?
	assert_equal "$st" 143
	assert_equal "$(cat "$TDIR/o")" started
}

# request_clean B OUTPUT: request B; it succeeds with OUTPUT, and nothing
# of the test's requests is left when send returns.
request_clean() {
	request "$1"
	assert_success
	assert_output "$2"
	assert_gone "$MK"
}

# listener_exits: wait (at most 30 s) until the listener has exited, then
# reap it: it exited 0.
listener_exits() {
	local i st
	for i in $(seq 1 600); do
		st=$(awk '{ print $3 }' "/proc/$LPID/stat" 2>/dev/null) || break
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.05
	done
	if [ -n "$st" ] && [ "$st" != Z ]; then
		echo "the listener still runs 30 s after it was stopped" >&2
		return 1
	fi
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
	assert_equal "$LSTATUS" 0
}

@test "a command that backgrounds a sleep and exits 0: send exits 0 with its output, the sleep is gone when send returns" {
	body a <<-'EOF'
	(exec -a "$PRT_TREE-bg" sleep 300) &
	ready "$PRT_TREE-bg"
	echo started
	EOF
	start_listener "$NAME" -- "$TDIR/cmd"
	request a
	assert_success
	assert_output started
	assert_equal "$stderr" ""
	assert_gone "$MK"
	# Logged; the line's form is the listener's.
	wait_for_line "$TDIR/err" leftover
}

@test "double fork and setsid(), stdio on /dev/null (setsid -f; a Python daemon): gone when send returns" {
	body a <<-'EOF'
	setsid -f bash -c 'exec -a "$0" sleep 300' "$PRT_TREE-setsid" \
	    </dev/null >/dev/null 2>&1
	/usr/bin/python3 "$TDIR/tree.py" daemon "$PRT_TREE-daemon"
	ready "$PRT_TREE-setsid"
	ready "$PRT_TREE-daemon"
	for n in setsid daemon; do
		p=$(pgrep -f "^$PRT_TREE-$n( |\$)")
		[ $(ps -o sid= -p "$p") -ne $(ps -o sid= -p $$) ] &&
		    [ $(ps -o ppid= -p "$p") -ne $$ ] &&
		    echo "$n: another session, not the command's child"
	done
	EOF
	start_listener "$NAME" -- "$TDIR/cmd"
	request_clean a "setsid: another session, not the command's child
daemon: another session, not the command's child"
}

@test "leftovers that ignore TERM (one waiting for a child that ignores it too): killed a grace later, before send returns" {
	body a <<-'EOF'
	(trap '' TERM; exec -a "$PRT_TREE-deaf" sleep 300) &
	setsid -f bash -c 'exec -a "$0" /usr/bin/python3 "$1" deaf "$0"' \
	    "$PRT_TREE-deafparent" "$TDIR/tree.py" </dev/null >/dev/null 2>&1
	ready "$PRT_TREE-deaf"
	# The parent ignores TERM before it starts the child.
	ready "$PRT_TREE-deafparent-kid"
	# SigIgn holds 1 << (SIGTERM - 1), 0x4000: 4 in the fourth hex digit
	# from the right.
	grep -q '^SigIgn:.*[4567cdef]...$' \
	    "/proc/$(pgrep -f "^$PRT_TREE-deaf( |\$)")/status" &&
	    echo "TERM ignored"
	EOF
	start_listener "$NAME" -- "$TDIR/cmd"
	request_clean a "TERM ignored"
	# TERM did not end them: the end waited for the grace, then KILL.
	echo "# send took $SEND_MS ms" >&3
	[ "$SEND_MS" -ge 1500 ]
	[ "$SEND_MS" -lt 10000 ]
}

@test "a leftover that starts two more processes on each TERM it gets: all gone when send returns" {
	body a <<-'EOF'
	setsid -f bash -c 'exec -a "$0" /usr/bin/python3 "$1" spawner "$0" "$2"' \
	    "$PRT_TREE-spawner" "$TDIR/tree.py" "$TDIR/note" \
	    </dev/null >/dev/null 2>&1
	note ready
	echo started
	EOF
	start_listener "$NAME" -- "$TDIR/cmd"
	request_clean a started
	# It was told to end, and forked on it.
	run cat "$TDIR/note"
	assert_line --index 0 ready
	assert_line --index 1 TERM
}

@test "a leftover that ignores TERM and forks every 10 ms, its parent exiting (a new pid each time): gone when send returns" {
	body a <<-'EOF'
	setsid -f bash -c 'exec -a "$0" /usr/bin/python3 "$1" hopper "$0" "$2"' \
	    "$PRT_TREE-hopper" "$TDIR/tree.py" "$TDIR/note" \
	    </dev/null >/dev/null 2>&1
	note ready
	# Python may take a while to start on a loaded machine: find it first.
	for i in $(seq 1 1000); do
		p=$(pgrep -f "^$PRT_TREE-hopper( |\$)") && break
		sleep 0.01
	done
	for i in $(seq 1 500); do
		[ "$(pgrep -f "^$PRT_TREE-hopper( |\$)")" != "$p" ] && break
		sleep 0.01
	done
	[ "$(pgrep -f "^$PRT_TREE-hopper( |\$)")" != "$p" ] && echo hopping
	EOF
	start_listener "$NAME" -- "$TDIR/cmd"
	request_clean a hopping
}

@test "--timeout 1: a sleeping command with a child in another session and one in the background: send exits 75, nothing left" {
	leaving_body a 'exec -a "$PRT_TREE-cmd" sleep 300'
	start_listener "$NAME" --timeout 1 -- "$TDIR/cmd"
	request a
	assert_equal "$status" 75
	assert_output started
	[[ $stderr == *"timed out"* ]]
	assert_gone "$MK"
}

@test "stopping with --stop-timeout 1: once the listener has exited, nothing of a running request is left" {
	leaving_body a 'exec -a "$PRT_TREE-cmd" sleep 300'
	start_listener "$NAME" --stop-timeout 1 -- "$TDIR/cmd"
	send_running a
	kill -TERM "$LPID"
	ended_by_stop
}

@test "stopping with two SIGTERMs: once the listener has exited, nothing of a running request is left" {
	leaving_body a 'exec -a "$PRT_TREE-cmd" sleep 300'
	start_listener "$NAME" -- "$TDIR/cmd"
	send_running a
	kill -TERM "$LPID"
	wait_for_line "$TDIR/err" '^peerrelay: Terminated: '
	running "$MK-a-cmd" "$MK-a-setsid" "$MK-a-bg"
	kill -TERM "$LPID"
	ended_by_stop
}

@test "two requests at once, each with leftovers: the first's end takes only its own, the second's go at its end" {
	leaving_body a
	leaving_body b 'exec -a "$PRT_TREE-cmd" cat "$TDIR/go"'
	mkfifo "$TDIR/go"
	start_listener "$NAME" -- "$TDIR/cmd"
	timeout 60 "$PEERRELAY" send "$NAME" b >"$TDIR/o" 2>"$TDIR/e" &
	local spid=$! st=0
	LPIDS+=("$spid")
	wait_running "$MK-b-cmd"
	request a
	assert_success
	assert_output started
	assert_gone "$MK-a"
	running "$MK-b-cmd" "$MK-b-setsid" "$MK-b-bg"
	# The second command reads "go" and ends.
	timeout 10 sh -c 'echo go >"$1"' sh "$TDIR/go"
	wait "$spid" || st=$?
	assert_equal "$st" 0
	assert_equal "$(cat "$TDIR/o")" "started
go"
	assert_gone "$MK"
}

@test "--run-as nobody: the command's leftovers, nobody's, are gone when send returns" {
	[ "$(id -u)" = 0 ] || skip "--run-as needs root"
	leaving_body a 'stat -c %u "/proc/$(pgrep -f "^$PRT_TREE-setsid( |\$)")" "/proc/$(pgrep -f "^$PRT_TREE-bg( |\$)")"'
	start_listener "$NAME" --run-as nobody -- "$TDIR/cmd"
	request_clean a "started
65534
65534"
}

@test "a rule's run-as www-data: the action's leftovers, www-data's, are gone when send returns" {
	[ "$(id -u)" = 0 ] || skip "run-as needs root"
	leaving_body a 'stat -c %u "/proc/$(pgrep -f "^$PRT_TREE-setsid( |\$)")" "/proc/$(pgrep -f "^$PRT_TREE-bg( |\$)")"'
	printf 'permit leave user root run-as www-data %s\n' "$TDIR/cmd" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr timeout 60 "$PEERRELAY" send "$NAME" -- leave <<<a
	assert_success
	assert_output "started
33
33"
	assert_gone "$MK"
}

@test "200 requests on two connections at once, each command leaving two processes and exiting at once: none left" {
	body loop <<-'EOF'
	(exec -a "$PRT_TREE-bg" sleep 300) &
	setsid -f bash -c 'exec -a "$0" sleep 300' "$PRT_TREE-setsid" \
	    </dev/null >/dev/null 2>&1
	EOF
	start_listener "$NAME" -q -- "$TDIR/cmd"
	local i pids=() st
	for i in 1 2; do
		yes loop | head -n 100 |
		    timeout 150 "$PEERRELAY" send --lines "$NAME" \
		    >"$TDIR/o$i" 2>"$TDIR/e$i" &
		pids+=($!)
		LPIDS+=($!)
	done
	for i in 1 2; do
		st=0
		wait "${pids[$((i - 1))]}" || st=$?
		assert_equal "$st" 0
		assert_equal "$(cat "$TDIR/o$i" "$TDIR/e$i")" ""
	done
	assert_gone "$MK"
}

@test "a command that kills its own supervisor: send is told 70, the listener sweeps what it left" {
	body a <<-'EOF2'
	(exec -a "$PRT_TREE-bg" sleep 300) &
	ready "$PRT_TREE-bg"
	# Run as the listener's user, it may: its parent is its supervisor.
	kill -KILL $PPID
	sleep 300
	EOF2
	start_listener "$NAME" -- "$TDIR/cmd"
	request a
	assert_equal "$status" 70
	[[ $stderr == *"the command's supervisor was killed"* ]]
	wait_for_line "$TDIR/err" 'status=lost'
	# The listener, a subreaper, took them in, and ends them itself.
	local i
	for i in $(seq 1 100); do
		[ -z "$(tree_pids "$MK")" ] && break
		sleep 0.05
	done
	assert_gone "$MK"
	wait_for_line "$TDIR/err" 'warning: a supervisor was lost: [0-9]+ process'
	# And it serves on.
	body b <<-'EOF2'
	echo fine
	EOF2
	request b
	assert_success
	assert_output fine
}

@test "--timeout counts the command, not the end of what it left: a command that exits in time keeps its status" {
	body a <<-'EOF2'
	(trap '' TERM; exec -a "$PRT_TREE-deaf" sleep 300) &
	ready "$PRT_TREE-deaf"
	echo done
	exit 4
	EOF2
	start_listener "$NAME" --timeout 1 -- "$TDIR/cmd"
	request a
	# The leftover took the 2 s grace and KILL, past the --timeout.
	assert_equal "$status" 4
	assert_output done
	[ "$SEND_MS" -ge 1500 ]
	assert_gone "$MK"
	wait_for_line "$TDIR/err" 'status=exit 4 duration=2\.'
}

@test "TERM reaches every level of the tree at once: a grandchild whose parent dies of it still hears it (10 requests)" {
	# A dies of TERM; B, its child, ends cleanly on TERM, saying so.
	body a <<-'EOF2'
	(
		(trap 'echo "$PRT_TREE" >>"$TDIR/heard"; exit 0' TERM
		 exec -a "$PRT_TREE-b" bash -c 'trap "echo \$0 >>'"$TDIR"'/heard; exit 0" TERM; sleep 300 & wait' "$PRT_TREE") &
		exec -a "$PRT_TREE-a" sleep 300
	) &
	ready "$PRT_TREE-a"
	ready "$PRT_TREE-b"
	EOF2
	start_listener "$NAME" -- "$TDIR/cmd"
	local n
	for n in $(seq 1 10); do
		request a
		assert_success
		assert_gone "$MK"
	done
	# Every B heard its TERM; none needed the KILL a grace later.
	run cat "$TDIR/heard"
	assert_equal "${#lines[@]}" 10
}

@test "a command the supervisor may not end (set-user-ID, its real uid root, under a nobody listener): 70, logged unended" {
	command -v gcc >/dev/null || skip "no gcc"
	cat >"$TDIR/su.c" <<-'EOF2'
	#include <unistd.h>
	int main(void) { if (setresuid(0, 0, 0) != 0) return 9; sleep(30); return 0; }
	EOF2
	gcc -o "$TDIR/su" "$TDIR/su.c"
	chmod 4755 "$TDIR/su"
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	start_listener "$NAME" --allow-any --timeout 1 -- "$TDIR/su"
	AS=()
	run --separate-stderr timeout 60 "$PEERRELAY" send "$NAME" x
	pkill -KILL -xf "$TDIR/su" || true
	assert_equal "$status" 70
	[[ $stderr == *"the command could not be ended"* ]]
	wait_for_line "$TDIR/err" 'status=unended .*unended=1'
}

@test "the supervisor's internal resume mode, run by hand (not a subreaper), ends nothing and exits 64" {
	run --separate-stderr "$PEERRELAY" --supervise 3 1 0 0 1 3>"$TDIR/report"
	assert_equal "$status" 64
	[[ $stderr == *"--supervise is peerrelay's own, not to be run by hand"* ]]
	[ ! -s "$TDIR/report" ]
	run --separate-stderr "$PEERRELAY" --supervise 3 x 0 0 1 3>"$TDIR/report"
	assert_equal "$status" 64
}
