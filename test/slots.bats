#!/usr/bin/env bats
# Connection slots: no one uid holds them all (--max-conns-per-uid, the
# `r75 busy` refusal and send's retries), and a listener briefly out of
# descriptors at accept(2) takes connections again by itself.
# `make check-stress` holds the descriptor fault longer and asserts the
# stall figures' bounds.
# bats file_tags=stress

load helpers

# How long the descriptor limit stays lowered: long enough under
# check-stress for the retry delay to reach its 1 s ceiling.
EMFILE_HOLD=${STRESS_BOUNDS:+3}
EMFILE_HOLD=${EMFILE_HOLD:-1}

@test "slots: one uid holding 64 connections does not shut out another allowed uid" {
	start_listener "$NAME" --allow-user root --allow-user www-data \
	    --idle-timeout 0
	hold_conns "$NAME" 64
	# Busy lines are rate-limited per uid: the first few are logged.
	wait_for_count "$TDIR/err" '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=0 ' 16
	wait_for_count "$TDIR/err" '^peerrelay: busy conn=[^ ]* pid=[0-9]+ uid=0 ' 1
	local t0 ms full more
	t0=$(ms_now)
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send --timeout 5 "$NAME" second-uid
	ms=$(($(ms_now) - t0))
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=10 data=second-uid$'
	# Accepted in order, so all 64 were taken before it: 16 served, and
	# 48 turned away, each a busy line or counted in the summary at exit.
	kill "$HPID"
	stop_listener
	assert_equal "$LSTATUS" 0
	full=$(grep -Ec '^peerrelay: busy conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root conns=16$' "$TDIR/err")
	more=$(sed -n 's/^peerrelay: uid 0: \([0-9]*\) more busy refusals in [0-9]* s$/\1/p' "$TDIR/err")
	assert_equal "$((full + ${more:-0}))" 48
	stall_figure "a second uid's request while uid 0 holds 64 connections" "$ms" 1000
}

@test "slots: the 17th connection of a uid is told r75 busy at once and closed" {
	start_listener "$NAME" --idle-timeout 0
	hold_conns "$NAME" 16
	wait_for_count "$TDIR/err" '^peerrelay: allow ' 16
	run python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(3)
s.connect("\0" + sys.argv[1])
try:
    # Discarded unread, if the refusal has not closed the connection yet.
    s.send(b"never run")
except BrokenPipeError:
    pass
try:
    print(s.recv(65536))
    print(s.recv(65536))
except socket.timeout:
    print("no reply within 3 s")
' "${NAME#@}"
	assert_success
	assert_output "$(printf "%s\n%s" "b'r75 busy: uid 0 holds 16 connections'" "b''")"
	assert_printed
	run grep -E '^peerrelay: busy ' "$TDIR/err"
	assert_output --regexp '^peerrelay: busy conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root conns=16$'
}

@test "slots: send retries a busy listener until its deadline (5 s, or --timeout), then exits 75" {
	start_listener "$NAME" --idle-timeout 0
	hold_conns "$NAME" 16
	wait_for_count "$TDIR/err" '^peerrelay: allow ' 16
	local t0 ms
	t0=$(ms_now)
	run --separate-stderr "$PEERRELAY" send "$NAME" whole
	ms=$(($(ms_now) - t0))
	assert_equal "$status" 75
	assert_output ""
	assert_equal "$stderr" "peerrelay: $NAME: busy: uid 0 holds 16 connections (still busy after 5 s)"
	[ "$ms" -ge 4900 ]
	stall_figure "send's give-up past its 5 s deadline" $((ms - 5000)) 1000
	# --lines: the hello alone was sent and refused, each time.
	t0=$(ms_now)
	run --separate-stderr "$PEERRELAY" send --lines --timeout 2 "$NAME" <<<"$(printf 'one\ntwo')"
	ms=$(($(ms_now) - t0))
	assert_equal "$status" 75
	assert_equal "$stderr" "peerrelay: $NAME: busy: uid 0 holds 16 connections (still busy after 2 s)"
	[ "$ms" -ge 1900 ]
	stall_figure "send --timeout 2's give-up past its deadline" $((ms - 2000)) 1000
	assert_printed
	run grep -c 'empty request\|refused' "$TDIR/err"
	assert_output 0
}

@test "slots: a slot freed while send retries: the request runs, once" {
	printf '#!/bin/sh\ncat >>%s/ran\necho >>%s/ran\n' "$TDIR" "$TDIR" >"$TDIR/rec"
	chmod 755 "$TDIR/rec"
	start_listener "$NAME" --idle-timeout 0 -- "$TDIR/rec"
	hold_conns "$NAME" 15
	hold_conns "$NAME" 1
	wait_for_count "$TDIR/err" '^peerrelay: allow ' 16
	"$PEERRELAY" send "$NAME" whole-request >"$TDIR/sout" 2>"$TDIR/serr" 3>&- &
	local sp=$! st=0
	LPIDS+=("$sp")
	wait_for_count "$TDIR/err" '^peerrelay: busy ' 1
	kill "$HPID"
	wait "$sp" || st=$?
	assert_equal "$st" 0
	run cat "$TDIR/sout" "$TDIR/serr"
	assert_output ""
	# --lines: refused at the hello, then every record runs once.
	hold_conns "$NAME" 1
	wait_for_count "$TDIR/err" '^peerrelay: allow ' 18
	local busy
	busy=$(grep -c '^peerrelay: busy ' "$TDIR/err")
	printf 'line-1\nline-2\n' >"$TDIR/in"
	"$PEERRELAY" send --lines "$NAME" <"$TDIR/in" >"$TDIR/sout" 2>"$TDIR/serr" 3>&- &
	sp=$!
	LPIDS+=("$sp")
	wait_for_count "$TDIR/err" '^peerrelay: busy ' $((busy + 1))
	kill "$HPID"
	st=0
	wait "$sp" || st=$?
	assert_equal "$st" 0
	run cat "$TDIR/sout" "$TDIR/serr"
	assert_output ""
	run cat "$TDIR/ran"
	assert_output "$(printf 'whole-request\nline-1\nline-2')"
}

@test "slots: --max-conns-per-uid takes 1 to 1024, and --check shows it" {
	local v
	for v in 0 1025 abc; do
		run "$PEERRELAY" listen --max-conns-per-uid "$v" "$NAME"
		assert_equal "$status" 64
		case $v in
		0) assert_output "peerrelay: --max-conns-per-uid 0: too small (1 to 1024)" ;;
		1025) assert_output "peerrelay: --max-conns-per-uid 1025: too large (1 to 1024)" ;;
		*) assert_output "peerrelay: --max-conns-per-uid abc: invalid (1 to 1024)" ;;
		esac
	done
	run "$PEERRELAY" listen --check "$NAME"
	assert_success
	assert_line "max-conns-per-uid: 16"
	run "$PEERRELAY" listen --check --max-conns-per-uid 3 "$NAME"
	assert_success
	assert_line "max-conns-per-uid: 3"
	run "$PEERRELAY" listen --help
	assert_output --partial "--max-conns-per-uid N"
}

@test "accept: out of descriptors with no connection open, the listener accepts again by itself" {
	start_listener "$NAME"
	local soft sp st=0 t0 ms
	soft=$(prlimit --pid "$LPID" --nofile --output SOFT --noheadings | tr -d ' ')
	prlimit --pid "$LPID" --nofile=3:
	"$PEERRELAY" send --timeout $((EMFILE_HOLD + 5)) "$NAME" after-emfile \
	    >"$TDIR/sout" 2>"$TDIR/serr" 3>&- &
	sp=$!
	LPIDS+=("$sp")
	wait_for_line "$TDIR/err" '^peerrelay: accept: Too many open files'
	# Not synchronisation: the fault lasts a while, as a real one would.
	sleep "$EMFILE_HOLD"
	t0=$(ms_now)
	prlimit --pid "$LPID" --nofile="$soft":
	wait "$sp" || st=$?
	ms=$(($(ms_now) - t0))
	assert_equal "$st" 0
	run cat "$TDIR/sout" "$TDIR/serr"
	assert_output ""
	assert_printed "${REC}size=12 data=after-emfile\$"
	# One line when it starts, one when it is over: not one per retry.
	run grep -c '^peerrelay: accept: ' "$TDIR/err"
	assert_output 2
	run grep '^peerrelay: accept: ' "$TDIR/err"
	assert_line --index 1 --regexp '^peerrelay: accept: accepting again after [0-9]+ ms$'
	stall_figure "from the descriptor limit restored to the request served" "$ms" 5000
}
