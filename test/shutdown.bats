#!/usr/bin/env bats
# Stopping the listener: after SIGTERM it takes no new request, refuses
# those received but not started (r69, which send counts as unanswered),
# lets running commands finish and exits 0, even while a client streams;
# a second SIGTERM or the end of --stop-timeout ends the commands still
# running with their process groups. `make check-stress` runs these with
# more clients and asserts the figures' bounds (STRESS_BOUNDS).
# bats file_tags=stress

load helpers

STREAMERS=2
[ -n "$STRESS_BOUNDS" ] && STREAMERS=8

# Wait (at most 20 s) until PID has exited; 1 when it is still running.
wait_gone() {
	local pid=$1 i st
	for i in $(seq 1 1000); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 0
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.02
	done
	return 1
}

# term_listener WHAT: SIGTERM to the listener, which must then exit 0
# within 20 s (WHAT says when); the time it took in TERM_MS.
term_listener() {
	local t0 t1
	t0=$(ms_now)
	kill -TERM "$LPID"
	if ! wait_gone "$LPID"; then
		echo "the listener still runs 20 s after $1" >&2
		return 1
	fi
	t1=$(ms_now)
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
	assert_equal "$LSTATUS" 0
	TERM_MS=$((t1 - t0))
}

# A command that starts a child in its process group, notes both pids,
# and sleeps: it ends only when signalled.
long_command() {
	cat >"$TDIR/long" <<EOF
#!/bin/sh
sleep 1000 &
echo \$! >$TDIR/child
echo \$\$ >$TDIR/cmdpid
sleep 1000
EOF
	chmod 755 "$TDIR/long"
}

alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

@test "exec mode: SIGTERM under streaming clients ends: exit 0, socket gone, send 69, every answered record ran" {
	printf '#!/bin/sh\nread x\necho "$x" >>%s/ran\n' "$TDIR" >"$TDIR/cmd"
	chmod 755 "$TDIR/cmd"
	start_listener "$TDIR/s" -q -- "$TDIR/cmd"
	local i pids=() st
	for i in $(seq 1 "$STREAMERS"); do
		seq -f "c$i-%g" 1 100000000 |
		    "$PEERRELAY" send --lines "$TDIR/s" >"$TDIR/o$i" 2>"$TDIR/e$i" &
		pids+=($!)
		LPIDS+=($!)
	done
	# Every client has had requests run.
	for i in $(seq 1 "$STREAMERS"); do
		wait_for_line "$TDIR/ran" "^c$i-20\$"
	done
	term_listener SIGTERM
	[ ! -e "$TDIR/s" ]
	stall_figure "SIGTERM to exit, $STREAMERS streaming clients (exec)" \
	    "$TERM_MS" 2500
	for i in $(seq 1 "$STREAMERS"); do
		st=0
		wait "${pids[$((i - 1))]}" || st=$?
		assert_equal "$st" 69
		run cat "$TDIR/e$i"
		assert_output --regexp '^peerrelay: the listener is stopping: records 1-[0-9]+ answered(, [0-9]+(-[0-9]+)? unanswered)?; input not read past record [0-9]+$'
		local n
		n=$(sed -n 's/.*records 1-\([0-9]*\) answered.*/\1/p' "$TDIR/e$i")
		# Exactly the records counted answered ran, each once.
		assert_equal "$(grep "^c$i-" "$TDIR/ran")" "$(seq -f "c$i-%g" 1 "$n")"
	done
}

@test "a running command is waited for after SIGTERM; a second SIGTERM ends it and its child (143), exit 0" {
	long_command
	start_listener "$TDIR/s" -- "$TDIR/long"
	"$PEERRELAY" send "$TDIR/s" req >"$TDIR/o" 2>"$TDIR/e" &
	local spid=$! st
	LPIDS+=($spid)
	wait_for_file "$TDIR/cmdpid"
	wait_for_file "$TDIR/child"
	kill -TERM "$LPID"
	wait_for_line "$TDIR/err" '^peerrelay: Terminated: '
	[ ! -e "$TDIR/s" ]
	run "$PEERRELAY" send "$TDIR/s" late
	assert_equal "$status" 69
	# A while later the command still runs, and so does the listener.
	sleep 1
	alive "$LPID"
	alive "$(cat "$TDIR/cmdpid")"
	alive "$(cat "$TDIR/child")"
	term_listener "a second SIGTERM"
	stall_figure "second SIGTERM to exit, a command running" "$TERM_MS" 2500
	st=0
	wait "$spid" || st=$?
	assert_equal "$st" 143
	assert_equal "$(norm_ids "$(cat "$TDIR/e")")" "peerrelay: killed by signal 15 (request C.1)"
	! alive "$(cat "$TDIR/cmdpid")"
	! alive "$(cat "$TDIR/child")"
	grep -q '^peerrelay: run .* status=signal 15 ' "$TDIR/err"
}

@test "--stop-timeout 1: a running command and its child are ended a second after SIGTERM; bad values are 64" {
	long_command
	start_listener "$TDIR/s" --stop-timeout 1 -- "$TDIR/long"
	"$PEERRELAY" send "$TDIR/s" req >"$TDIR/o" 2>"$TDIR/e" &
	local spid=$! st
	LPIDS+=($spid)
	wait_for_file "$TDIR/cmdpid"
	wait_for_file "$TDIR/child"
	term_listener "SIGTERM with --stop-timeout 1"
	# It waited for the command as long as it was told, not longer.
	[ "$TERM_MS" -ge 1000 ]
	stall_figure "SIGTERM to exit, --stop-timeout 1, a command running" \
	    "$TERM_MS" 5500
	st=0
	wait "$spid" || st=$?
	assert_equal "$st" 143
	! alive "$(cat "$TDIR/cmdpid")"
	! alive "$(cat "$TDIR/child")"
	run "$PEERRELAY" listen --check --stop-timeout 7 "$TDIR/s2" -- /bin/true
	assert_success
	assert_line 'stop-timeout: 7'
	for bad in -1 x 86401 ''; do
		run --separate-stderr "$PEERRELAY" listen --stop-timeout "$bad" "$TDIR/s3"
		assert_equal "$status" 64
		assert_equal "$stderr" "peerrelay: --stop-timeout $bad: $(case $bad in
		    86401) echo 'too large (0 to 86400)' ;;
		    *) echo 'invalid (0 to 86400)' ;; esac)"
	done
}

@test "print mode: records received but not taken at SIGTERM are refused (r69, unanswered), exit 0" {
	start_listener "$NAME"
	run python3 "$BATS_TEST_DIRNAME/sendctl.py" "$TDIR" write:'1\n2\n3\n' \
	    lines:"$TDIR/out":3 idle:"$LPID" kill:STOP:"$LPID" write:'4\n5\n' \
	    idle:send kill:TERM:"$LPID" kill:CONT:"$LPID" gone:"$LPID" \
	    -- "$PEERRELAY" send --lines "$NAME"
	assert_output "status=69"
	assert_equal "$(cat "$TDIR/s.err")" "peerrelay: the listener is stopping: records 1-3 answered, 4-5 unanswered; input not read past record 5"
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
	assert_equal "$LSTATUS" 0
	assert_printed "${REC}size=1 data=1\$" "${REC}size=1 data=2\$" \
	    "${REC}size=1 data=3\$"
	grep -q 'refused .*reason=listener stopping count=2' "$TDIR/err"
}
