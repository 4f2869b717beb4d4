#!/usr/bin/env bats
# A rule's options (peerrelay.rules(5) Options): timeout, setenv and
# keepenv, max-size, run-as and serial, each seen by a real command run
# for a real caller through `peerrelay send ADDRESS -- ACTION`.

load helpers

# rules LINE...: the rules file $TDIR/rules, one line each.
rules() {
	printf '%s\n' "$@" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
}

# mkcmd NAME BODY: a trusted /bin/sh command $TDIR/NAME.
mkcmd() {
	printf '#!/bin/sh\n%s\n' "$2" >"$TDIR/$1"
	chmod 755 "$TDIR/$1"
}

setup_file() {
	[ "$(id -u)" = 0 ] || skip "rule options run commands as other users: needs root"
}

@test "options among the clauses print back canonically after them, and parse the same" {
	mkcmd c 'exit 0'
	rules "permit rotate timeout 030 group adm setenv LC_ALL=C serial user root keepenv HOME max-size 2048 $TDIR/c {[a-z]+}" \
	    "permit big user root max-size 65536 run-as www-data setenv A= $TDIR/c" \
	    "permit odd user root max-size 1000 timeout 0 $TDIR/c"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_success
	grep '^permit ' <<<"$output" >"$TDIR/canon"
	diff - "$TDIR/canon" <<-EOF
	permit rotate user root group adm timeout 30 max-size 2K setenv LC_ALL=C keepenv HOME serial $TDIR/c {[a-z]+}
	permit big user root max-size 64K run-as www-data setenv A= $TDIR/c
	permit odd user root timeout 0 max-size 1000 $TDIR/c
	EOF
	cp "$TDIR/canon" "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_success
	grep '^permit ' <<<"$output" | diff "$TDIR/canon" -
}

@test "a bad option is refused at load with its line: 64" {
	mkcmd c 'exit 0'
	rules "permit a user root $TDIR/c" \
	    "permit b user root timeout 86401 $TDIR/c" \
	    "permit c user root setenv UNIXREMOTEUSER=root $TDIR/c" \
	    "permit d user root keepenv PATH $TDIR/c" \
	    "permit e user root setenv 1A=x $TDIR/c" \
	    "permit f user root setenv A=1 keepenv A $TDIR/c" \
	    "permit g user root serial serial $TDIR/c" \
	    "permit h user root timeout" \
	    "permit i user root setenv NOVALUE $TDIR/c" \
	    "permit k user root run-as no-such-user-prt $TDIR/c" \
	    "permit l user root keepenv UNIXLOCALPATH $TDIR/c"
	run --separate-stderr "$PEERRELAY" listen --check --max-size 4K --rules "$TDIR/rules" "$NAME"
	assert_failure 64
	assert_output ""
	local e=$stderr
	grep -qF "rules: line 2: 86401: timeout: not a number of seconds (0 to 86400)" <<<"$e"
	grep -qF "rules: line 3: UNIXREMOTEUSER=root: set by peerrelay itself" <<<"$e"
	grep -qF "rules: line 4: PATH: set by peerrelay itself" <<<"$e"
	grep -qF "rules: line 5: 1A=x: not a variable name" <<<"$e"
	grep -qF "rules: line 6: A: a variable set twice" <<<"$e"
	grep -qF "rules: line 7: serial: an option given twice" <<<"$e"
	grep -qF "rules: line 8: timeout: an option without its value" <<<"$e"
	grep -qF "rules: line 9: NOVALUE: setenv takes NAME=VALUE" <<<"$e"
	grep -qF "rules: line 10: no-such-user-prt: no such user" <<<"$e"
	grep -qF "rules: line 11: UNIXLOCALPATH: set by peerrelay itself" <<<"$e"
	run grep -c "rules: line" <<<"$e"
	assert_output 10
	# A file that parses: its rules checked against the listener's options.
	rules "permit a user root $TDIR/c" "permit j user root max-size 8K $TDIR/c"
	run --separate-stderr "$PEERRELAY" listen --check --max-size 4K --rules "$TDIR/rules" "$NAME"
	assert_failure 64
	assert_output ""
	grep -qF "rules: line 2: max-size 8192: larger than the listener's --max-size 4096" <<<"$stderr"
	run --separate-stderr "$PEERRELAY" listen --check --max-size 8K --rules "$TDIR/rules" "$NAME"
	assert_success
}

@test "timeout ends the rule's command (send: 75, timed out); the listener's --timeout for the others" {
	local m=$$$RANDOM
	mkcmd slow "echo started; exec sleep 1000.$m"
	rules "permit quick user root timeout 1 $TDIR/slow" \
	    "permit never user root timeout 0 $TDIR/slow"
	start_listener "$NAME" --timeout 30 --stop-timeout 1 --rules "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- quick </dev/null
	assert_equal "$status" 75
	assert_output "started"
	[[ "$stderr" == *"timed out"* ]]
	wait_for_line "$TDIR/err" '^peerrelay: run .* status=timeout duration=1\.'
	# timeout 0 overrides --timeout: still running when send gives up.
	run --separate-stderr "$PEERRELAY" send --timeout 2 "$NAME" -- never </dev/null
	assert_equal "$status" 75
	assert_output "started"
	run pgrep -f "^sleep 1000\.$m\$"
	assert_success
	# A stop ends it after --stop-timeout.
	stop_listener
	assert_equal "$LSTATUS" 0
	run pgrep -f "^sleep 1000\.$m\$"
	assert_failure
}

@test "setenv and keepenv: the command sees them, a variable the listener lacks is not passed" {
	mkcmd env 'env | grep -E "^(LC_ALL|GREETING|EMPTY|KEPT|MISSING_PRT|PROTO|PATH)=" | sort'
	rules "permit env user root setenv LC_ALL=C setenv GREETING=a=b,c keepenv KEPT setenv EMPTY= keepenv MISSING_PRT $TDIR/env" \
	    "permit bare user root $TDIR/env"
	KEPT='kept value' start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- env </dev/null
	assert_success
	assert_output "EMPTY=
GREETING=a=b,c
KEPT=kept value
LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PROTO=UNIX"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- bare </dev/null
	assert_success
	assert_output "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PROTO=UNIX"
}

@test "max-size: a request above the rule's bound, header counted, is refused 65 naming it; nothing runs" {
	argv_command
	rules "permit small user root max-size 100 $TDIR/argv.py {.*}" \
	    "permit large user root $TDIR/argv.py {.*}"
	start_listener "$NAME" --rules "$TDIR/rules"
	# Header "small\0a\0\0" (9 bytes) and 91 bytes of payload: 100, taken.
	head -c 91 /dev/zero >"$TDIR/91"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- small a <"$TDIR/91"
	assert_success
	head -c 92 /dev/zero >"$TDIR/92"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- small a <"$TDIR/92"
	assert_failure 65
	assert_output ""
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): too large (101 bytes, max-size 100 of small)"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- large a <"$TDIR/92"
	assert_success
	run cat "$TDIR/ran"
	assert_output "a
a"
	wait_for_line "$TDIR/err" '^peerrelay: refused .*action=small reason=too large \(101 bytes, max-size 100\)'
}

@test "max-size: a caller the rule does not admit learns nothing of it, the same r77 as an unknown action" {
	argv_command
	rules "permit small user 33 max-size 10 $TDIR/argv.py" "permit any user root $TDIR/argv.py"
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- small <<<"a much longer payload than ten bytes"
	assert_failure 77
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): not allowed: small"
}

@test "run-as: the command runs as the user with its groups, the listener stays root" {
	mkcmd ids 'echo "$(id -u) $(id -g) $(id -G)"'
	rules "permit as-www user root run-as www-data $TDIR/ids" \
	    "permit as-nobody user root run-as 65534:www-data $TDIR/ids" \
	    "permit as-root user root $TDIR/ids"
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- as-www </dev/null
	assert_success
	assert_output "33 33 $(id -G www-data)"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- as-nobody </dev/null
	assert_success
	assert_output "65534 33 33"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- as-root </dev/null
	assert_success
	assert_output "0 0 $(id -G)"
	run awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$LPID/status"
	assert_output "0 0 0 0"
}

@test "run-as without the privilege to change identity: refused at load, 77, with its line" {
	mkcmd ids 'id -u'
	chmod 755 "$TDIR"
	rules "permit ok user 33 $TDIR/ids" "permit as user 33 run-as nobody $TDIR/ids"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_failure 77
	grep -qF "rules: line 2: run-as nobody: needs root (CAP_SETUID)" <<<"$stderr"
}

@test "serial: 20 concurrent callers run one at a time and none is lost; other actions do not wait" {
	# Each run takes the lock without waiting (failing if it is held),
	# appends its argument, and holds the lock a moment.
	mkcmd locked "exec 9>>\"$TDIR/lock\"
flock -n 9 || { echo \"held: \$1\" >>\"$TDIR/clash\"; exit 3; }
echo \"\$1\" >>\"$TDIR/log\"
sleep 0.05"
	mkcmd quick 'echo quick'
	rules "permit one user root user 33 serial $TDIR/locked {[0-9]+}" \
	    "permit other user root $TDIR/quick"
	start_listener "$NAME" --rules "$TDIR/rules"
	local i pids=()
	for i in $(seq 1 20); do
		if [ $((i % 2)) = 0 ]; then
			"${WWW[@]}" "$PEERRELAY" send "$NAME" -- one "$i" </dev/null >"$TDIR/out.$i" 2>&1 &
		else
			"$PEERRELAY" send "$NAME" -- one "$i" </dev/null >"$TDIR/out.$i" 2>&1 &
		fi
		pids+=($!)
	done
	# While they queue, another action runs at once.
	run --separate-stderr "$PEERRELAY" send "$NAME" -- other </dev/null
	assert_success
	assert_output quick
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { cat "$TDIR/out.$((i + 1))"; false; }
	done
	[ ! -e "$TDIR/clash" ] || { cat "$TDIR/clash"; false; }
	run sort -n "$TDIR/log"
	assert_output "$(seq 1 20)"
}

@test "serial: one connection's requests keep their order; a waiting connection is not dropped as idle" {
	mkcmd slow 'sleep 2; echo "$1"'
	mkcmd fast 'echo "$1"'
	rules "permit s user root serial $TDIR/slow {[a-z]+}"
	start_listener "$NAME" --idle-timeout 1 --rules "$TDIR/rules"
	"$PEERRELAY" send "$NAME" -- s first </dev/null >"$TDIR/first" 2>&1 &
	local p=$!
	wait_for_line "$TDIR/err" 'action=s'
	# Waits about 2 s for its turn, longer than --idle-timeout.
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" -- s second <<<"a
b"
	assert_success
	assert_output "second
second"
	wait "$p"
	run cat "$TDIR/first"
	assert_output first
	run grep -c "idle" "$TDIR/err"
	assert_output 0
}

@test "serial: waiting connections go in the order they came (-v logs each wait)" {
	mkcmd run 'echo "$1" >>"'"$TDIR"'/order"; [ "$1" != a ] || sleep 1'
	rules "permit s user root user 33 serial $TDIR/run {[a-z]}"
	start_listener "$NAME" -v --rules "$TDIR/rules"
	"$PEERRELAY" send "$NAME" -- s a </dev/null &
	local pids=($!) w
	wait_for_line "$TDIR/err" 'start .*action=s'
	# b, c, d (c as www-data) each queued before the next is sent.
	for w in b c d; do
		if [ "$w" = c ]; then
			"${WWW[@]}" "$PEERRELAY" send "$NAME" -- s "$w" </dev/null &
		else
			"$PEERRELAY" send "$NAME" -- s "$w" </dev/null &
		fi
		pids+=($!)
		wait_for_count "$TDIR/err" 'wait .*action=s reason=serial' $((${#pids[@]} - 1))
	done
	for w in "${pids[@]}"; do
		wait "$w"
	done
	run cat "$TDIR/order"
	assert_output "a
b
c
d"
}

@test "serial: on SIGTERM the running request finishes and a waiting one is refused (send: 69, the listener is stopping)" {
	mkcmd slow 'sleep 1; echo "$1"'
	rules "permit s user root serial $TDIR/slow {[a-z]+}"
	start_listener "$NAME" -v --rules "$TDIR/rules"
	"$PEERRELAY" send "$NAME" -- s first </dev/null >"$TDIR/first" 2>&1 &
	local p1=$! p2 s1=0 s2=0
	wait_for_line "$TDIR/err" 'start .*action=s'
	"$PEERRELAY" send "$NAME" -- s second </dev/null >"$TDIR/second" 2>&1 &
	p2=$!
	# About the request waiting, not yet taken: its connection's first.
	wait_for_line "$TDIR/err" '^peerrelay: wait conn=([^ ]+) req=\1\.1 pid=[0-9]+ .*action=s reason=serial$'
	stop_listener
	assert_equal "$LSTATUS" 0
	wait "$p1" || s1=$?
	wait "$p2" || s2=$?
	assert_equal "$s1" 0
	run cat "$TDIR/first"
	assert_output first
	assert_equal "$s2" 69
	run cat "$TDIR/second"
	assert_output "peerrelay: the listener is stopping: record 1 unanswered"
}

@test "serial: a reload that drops the option lets waiting requests run at once" {
	mkcmd slow '[ "$1" != first ] || sleep 3; echo "$1"'
	rules "permit s user root serial $TDIR/slow {[a-z]+}"
	start_listener "$NAME" -v --rules "$TDIR/rules"
	"$PEERRELAY" send "$NAME" -- s first </dev/null >"$TDIR/first" 2>&1 &
	local p1=$!
	wait_for_line "$TDIR/err" 'start .*action=s'
	"$PEERRELAY" send "$NAME" -- s second </dev/null >"$TDIR/second" 2>&1 &
	local p2=$!
	wait_for_line "$TDIR/err" 'wait .*action=s reason=serial'
	rules "permit s user root $TDIR/slow {[a-z]+}"
	kill -HUP "$LPID"
	wait "$p2"
	run cat "$TDIR/second"
	assert_output second
	# The first still runs: the second did not wait for it.
	kill -0 "$p1"
	wait "$p1"
	run cat "$TDIR/first"
	assert_output first
}

@test "run-as: --check refuses a rule whose user cannot execute its command (77)" {
	mkdir -m 700 "$TDIR/priv"
	mkcmd priv/c 'exit 0'
	mkcmd c 'exit 0'
	rules "permit ok user root run-as www-data $TDIR/c" "permit no user root run-as www-data $TDIR/priv/c"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_failure 77
	assert_output ""
	grep -qF "rules: line 2: run-as www-data: cannot execute $TDIR/priv/c: Permission denied" <<<"$stderr"
	run grep -c "rules: line" <<<"$stderr"
	assert_output 1
}
