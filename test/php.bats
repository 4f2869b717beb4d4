#!/usr/bin/env bats
# examples/php: a PHP application as www-data calling a rules action, by
# `peerrelay send` through proc_open with an argv array (exec) and by
# speaking the protocol with ext/sockets (socket), against a real rules
# listener run by root.

load helpers

setup_file() {
	[ "$(id -u)" = 0 ] || skip "the PHP caller runs as www-data: needs root"
	command -v php >/dev/null || skip "php not installed (Debian package php-cli)"
	php -r 'exit(function_exists("socket_create") ? 0 : 1);' ||
	    skip "php has no ext/sockets"
}

# The examples as run.sh copied them (www-data can read them), else the tree's.
PHPDIR=${PEERRELAY_EXAMPLES:-$BATS_TEST_DIRNAME/../examples}/php

# helpers.bash's set-up, then the commands, the rules and their listener.
setup() {
	TDIR=$(mktemp -d /tmp/prt.XXXXXX)
	chmod 755 "$TDIR"
	NAME="@prt-$$-${BATS_TEST_NUMBER}-$RANDOM"
	LPIDS=()
	# echo: its argv, NUL-separated, on stdout; its stdin to $TDIR/stdin.
	cat >"$TDIR/echo" <<-PY
	#!/usr/bin/python3
	import os, sys
	with open("$TDIR/stdin", "wb") as f:
	    f.write(sys.stdin.buffer.read())
	sys.stdout.buffer.write(b"\\0".join(os.fsencode(a) for a in sys.argv[1:]))
	sys.stderr.write("to stderr\\n")
	PY
	printf '#!/bin/sh\necho partial\necho "it failed" >&2\nexit 3\n' >"$TDIR/fail"
	chmod 755 "$TDIR/echo" "$TDIR/fail"
	printf '%s\n' "permit echo user www-data $TDIR/echo {.*}" \
	    "permit fail user www-data $TDIR/fail" \
	    "permit root-only user root $TDIR/echo" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
	start_listener "$TDIR/s" --mode 0666 --rules "$TDIR/rules"
}

# php_call exec|socket ACTION [ARG...]: examples/php/call.php as www-data.
php_call() {
	local how=$1
	shift
	run --separate-stderr "${WWW[@]}" env PEERRELAY="$PEERRELAY" \
	    php "$PHPDIR/call.php" "$how" "$TDIR/s" "$@"
}

@test "php: the examples parse" {
	local f
	for f in "$PHPDIR"/*.php; do
		run php -l "$f"
		assert_success
		assert_output --partial "No syntax errors detected"
	done
	[ -f "$PHPDIR/index.php" ]
}

@test "php: an action runs, its stdout, stderr and status 0 back, both ways" {
	local how
	for how in exec socket; do
		php_call "$how" echo one <<<"payload"
		assert_success
		assert_output "one"
		[[ $stderr == "to stderr" ]]
		assert_equal "$(cat "$TDIR/stdin")" "payload"
	done
	# Both were www-data, as the rule demands.
	[ "$(grep -Ec 'start conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .*action=echo' "$TDIR/err")" = 2 ]
}

@test "php: a remote non-zero exit is the caller's status, output kept, both ways" {
	local how
	for how in exec socket; do
		php_call "$how" fail </dev/null
		assert_failure 3
		assert_output "partial"
		[[ $stderr == "it failed"* ]]
	done
}

@test "php: a refused action is 77 with the listener's reason; it does not run, both ways" {
	local how
	for how in exec socket; do
		php_call "$how" root-only </dev/null
		assert_failure 77
		assert_output ""
		[[ $stderr == *"refused"*"not allowed: root-only"* ]]
		php_call "$how" nosuch x </dev/null
		assert_failure 77
		[[ $stderr == *"not allowed: nosuch"* ]]
	done
	[ ! -e "$TDIR/stdin" ]
}

@test "php: an argument with shell metacharacters arrives as one argv element, runs nothing" {
	local arg how
	arg="; touch $TDIR/pwned \$(touch $TDIR/pwned) \`touch $TDIR/pwned\` 'q\" | & > $TDIR/pwned *"
	for how in exec socket; do
		php_call "$how" echo "$arg" </dev/null
		assert_success
		# One element: no NUL in the output, the whole argument.
		assert_equal "$output" "$arg"
		[ ! -e "$TDIR/pwned" ]
	done
}

@test "php: a binary payload (every byte value, NULs among them) arrives byte for byte" {
	local how
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64 + b"\0\0")' >"$TDIR/bin"
	for how in exec socket; do
		rm -f "$TDIR/stdin"
		php_call "$how" echo bin <"$TDIR/bin"
		assert_success
		cmp "$TDIR/bin" "$TDIR/stdin"
	done
}

@test "php: a listener that never answers: 75 after the timeout, both ways" {
	# Accepts, then neither reads nor answers.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
s.listen(4)
open(sys.argv[2], "w").write("ready\n")
conns = []
while True:
    conns.append(s.accept()[0])
' "$TDIR/mute" "$TDIR/ready" 3>&- &
	LPIDS+=("$!")
	wait_for_file "$TDIR/ready"
	chmod 666 "$TDIR/mute"
	local how
	for how in exec socket; do
		run --separate-stderr "${WWW[@]}" env PEERRELAY="$PEERRELAY" \
		    PEERRELAY_TIMEOUT=1 php "$PHPDIR/call.php" "$how" \
		    "$TDIR/mute" echo x </dev/null
		assert_failure 75
		assert_output ""
		[[ $stderr == *"timed out"* ]]
	done
}

@test "php: the socket example refuses an abstract name (it cannot check who listens)" {
	run --separate-stderr php -r 'require $argv[1];
try { peerrelay_socket("@x", "echo"); } catch (InvalidArgumentException $e) {
	echo $e->getMessage(), "\n"; exit(9); }' "$PHPDIR/peerrelay_socket.php"
	assert_failure 9
	assert_output "@x: a socket file, not an abstract name, which anyone may squat"
}
