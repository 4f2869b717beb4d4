#!/usr/bin/env bats
# listen --rules FILE: several actions on one socket, each with its callers
# and an argv template whose slots take the caller's arguments. The
# protocol is spoken byte for byte by test/actclient.py (send's own side is
# in send-actions.bats); callers are real users: root, www-data (33) and
# nobody (65534).

load helpers

# $TDIR/argv.py (argv_command) and $TDIR/stdin.py, which copies its
# standard input to $TDIR/stdin: trusted commands.
make_commands() {
	argv_command
	cat >"$TDIR/stdin.py" <<-PY
	#!/usr/bin/python3
	import sys
	with open("$TDIR/stdin", "wb") as f:
	    f.write(sys.stdin.buffer.read())
	PY
	chmod 755 "$TDIR/stdin.py"
}

# rules LINE...: the rules file $TDIR/rules, one line each.
rules() {
	printf '%s\n' "$@" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
}

setup_file() {
	[ "$(id -u)" = 0 ] || skip "rules tests run callers as other users: needs root"
}

@test "--check prints the rules back in canonical form, which parses to the same" {
	make_commands
	rules '# restart and config' '' \
	    "permit   restart-web  group adm   user  www-data    $TDIR/argv.py restart {nginx|php8.2-fpm}   # trailing" \
	    "	permit apply user 33 $TDIR/argv.py" \
	    "permit rotate group adm $TDIR/argv.py -{-[a-z]} {[0-9]{4}-[0-9]{2}-[0-9]{2}}"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_success
	assert_line "mode: rules"
	assert_line "rules: $TDIR/rules (3 actions)"
	assert_line "allow: the callers the rules name"
	grep '^permit ' <<<"$output" >"$TDIR/canon"
	diff - "$TDIR/canon" <<-EOF
	permit restart-web user www-data group adm $TDIR/argv.py restart {nginx|php8.2-fpm}
	permit apply user 33 $TDIR/argv.py
	permit rotate group adm $TDIR/argv.py -{-[a-z]} {[0-9]{4}-[0-9]{2}-[0-9]{2}}
	EOF
	cp "$TDIR/canon" "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_success
	grep '^permit ' <<<"$output" | diff "$TDIR/canon" -
}

@test "--check reports every error with its line number and exits 64; a start binds nothing" {
	make_commands
	rules "permit ok user root $TDIR/argv.py" \
	    "permit Bad user root $TDIR/argv.py" \
	    "permit ok user root $TDIR/argv.py" \
	    "permit br user root $TDIR/argv.py {(a)\\1}" \
	    "permit pa user root $TDIR/argv.py {a)|(b}" \
	    "permit nouser unit x.service $TDIR/argv.py" \
	    "permit ghost user no-such-user-prt $TDIR/argv.py" \
	    "allow x user root $TDIR/argv.py" \
	    "permit rel user root bin/true" \
	    "permit default user root $TDIR/argv.py {x}"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_failure 64
	assert_output ""
	local e=$stderr
	grep -qF "rules: line 2: Bad: not an action name" <<<"$e"
	grep -qF "rules: line 3: action ok is already the rule of line 1" <<<"$e"
	grep -qF "rules: line 4: {(a)\\\\1}: a back-reference" <<<"$e"
	grep -qF "rules: line 5: {a)|(b}: parentheses that do not pair up" <<<"$e"
	grep -qF "rules: line 6: no user or group may call it" <<<"$e"
	grep -qF "rules: line 7: no-such-user-prt: no such user" <<<"$e"
	grep -qF 'rules: line 8: a rule begins with "permit"' <<<"$e"
	grep -qF "rules: line 9: bin/true: no command" <<<"$e"
	grep -qF "rules: line 10: the default rule has no slots" <<<"$e"
	grep -q "rules: errors above; no rules loaded" <<<"$e"
	[ "$(grep -c 'rules: line ' <<<"$e")" = 9 ]
	# A start refuses the same way, before it binds.
	run --separate-stderr "$PEERRELAY" listen --rules "$TDIR/rules" "$NAME"
	assert_failure 64
	! unix_listening "$NAME"
}

@test "an unsafe or unreadable rules file is refused (64), naming why" {
	make_commands
	rules "permit ok user root $TDIR/argv.py"
	local f=$TDIR/rules
	# Writable by its group, then by others.
	chmod 664 "$f"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$f" "$NAME"
	assert_failure 64
	[[ $stderr == *"$f: unsafe rules file: $f is writable by its group"* ]]
	chmod 646 "$f"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$f" "$NAME"
	assert_failure 64
	[[ $stderr == *"unsafe rules file: $f is writable by others"* ]]
	# Owned by someone else.
	chmod 644 "$f"
	chown 65534 "$f"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$f" "$NAME"
	assert_failure 64
	[[ $stderr == *"unsafe rules file: $f is owned by nobody (uid 65534)"* ]]
	chown 0 "$f"
	# In a directory others can write (not sticky), and through a link there.
	mkdir -m 777 "$TDIR/open"
	cp "$f" "$TDIR/open/rules"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/open/rules" "$NAME"
	assert_failure 64
	[[ $stderr == *"unsafe rules file: $TDIR/open is writable by others"* ]]
	ln -s "$f" "$TDIR/open/link"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/open/link" "$NAME"
	assert_failure 64
	[[ $stderr == *"unsafe rules file: $TDIR/open is writable by others"* ]]
	# Not a regular file: a directory, a FIFO (never opened to block).
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR" "$NAME"
	assert_failure 64
	[[ $stderr == *"$TDIR: unsafe rules file: not a regular file"* ]]
	mkfifo -m 600 "$TDIR/fifo"
	run --separate-stderr timeout 10 "$PEERRELAY" listen --check --rules "$TDIR/fifo" "$NAME"
	assert_failure 64
	[[ $stderr == *"unsafe rules file: not a regular file"* ]]
	# Too large, and missing.
	head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$TDIR/big"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/big" "$NAME"
	assert_failure 64
	[[ $stderr == *"$TDIR/big: cannot read the rules file: larger than 1048576 bytes"* ]]
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/none" "$NAME"
	assert_failure 64
	[[ $stderr == *"$TDIR/none: cannot read the rules file: "*"No such file or directory"* ]]
	# A sticky directory (as /tmp) is fine for a file root owns.
	run --separate-stderr "$PEERRELAY" listen --check --rules "$f" "$NAME"
	assert_success
}

@test "a rule's command must be safe and executable: refused with its line" {
	make_commands
	mkdir -m 777 "$TDIR/open"
	cp "$TDIR/argv.py" "$TDIR/open/cmd"
	cp "$TDIR/argv.py" "$TDIR/noexec"
	chmod 644 "$TDIR/noexec"
	rules "permit a user root $TDIR/argv.py" \
	    "permit b user root $TDIR/open/cmd" \
	    "permit c user root $TDIR/noexec" \
	    "permit d user root $TDIR/missing"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_failure 64
	[[ $stderr == *"rules: line 2: $TDIR/open/cmd: unsafe command: $TDIR/open is writable by others"* ]]
	[[ $stderr == *"rules: line 3: $TDIR/noexec: cannot execute: Permission denied"* ]] ||
	    [[ $stderr == *"rules: line 3: $TDIR/noexec: cannot execute"* ]]
	[[ $stderr == *"rules: line 4: $TDIR/missing: cannot check the command: "* ]]
	[ "$(grep -c 'rules: line ' <<<"$stderr")" = 3 ]
}

@test "--rules with COMMAND, -u, -g, --allow-any, --run-as, --require-*, --keep-env: usage error 64" {
	make_commands
	rules "permit a user root $TDIR/argv.py"
	local o
	for o in "-u root" "-g root" "--allow-any" "--run-as www-data" \
	    "--require-unit x.service" "--require-cgroup /x" "-e HOME"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$PEERRELAY" listen --rules "$TDIR/rules" $o "$NAME"
		assert_failure 64
		[[ $stderr == *"--rules: "*" does not apply (each rule names its callers and its command)"* ]]
	done
	run --separate-stderr "$PEERRELAY" listen --rules "$TDIR/rules" "$NAME" -- /bin/cat
	assert_failure 64
	[[ $stderr == *"--rules: a COMMAND does not apply"* ]]
	! unix_listening "$NAME"
}

@test "real users: a permitted action runs; a forbidden one reads as unknown; a stranger is not admitted" {
	make_commands
	rules "permit web user www-data $TDIR/argv.py web" \
	    "permit admin user root $TDIR/argv.py admin"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'web\0\0' 'admin\0\0' 'nosuch\0\0' 'web\0\0'
	assert_success
	assert_output "hello=hARL
i<conn>
oweb
x0
r77 not allowed: admin
r77 not allowed: nosuch
oweb
x0"
	# The log tells the two refusals apart; the caller could not.
	wait_for_line "$TDIR/err" "deny conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* action=nosuch reason=no such action"
	grep -Eq "deny conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* action=admin reason=not permitted failed=users" "$TDIR/err"
	grep -Eq "start conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data action=web size=0" "$TDIR/err"
	[ "$(cat "$TDIR/ran")" = "web
web" ]
	# Nobody is in no rule: turned away at connect, as a denied peer is.
	run "${NOBODY[@]}" "${ACT[@]}" "$NAME" 'web\0\0'
	assert_output "r77 not allowed (uid 65534)"
	wait_for_line "$TDIR/err" "deny conn=[^ ]* pid=[0-9]+ uid=65534 .* failed=users"
	# Root may call its own action only.
	run "${ACT[@]}" "$NAME" --hello 'admin\0\0' 'web\0\0'
	assert_output "hello=hARL
i<conn>
oadmin
x0
r77 not allowed: web"
	[ "$(wc -l <"$TDIR/ran")" = 3 ]
}

@test "a group clause permits members by supplementary group" {
	make_commands
	rules "permit logs group adm $TDIR/argv.py logs"
	start_listener "$NAME" --rules "$TDIR/rules"
	run setpriv --reuid=65534 --regid=65534 --groups=4 "${ACT[@]}" "$NAME" --hello 'logs\0\0'
	assert_output "hello=hARL
i<conn>
ologs
x0"
	run "${NOBODY[@]}" "${ACT[@]}" "$NAME" 'logs\0\0'
	assert_output "r77 not allowed (uid 65534)"
}

@test "arguments arrive byte for byte, each one argv element: metacharacters, spaces, a newline" {
	make_commands
	rules "permit echo user www-data $TDIR/argv.py fixed {.+} {.+}"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello \
	    'echo\0$(id) `id`; rm -rf / && x || y | z > /tmp/p < q * ? [a] ~ \\" \x27 #\0two words\nsecond line\t\xff\0\0'
	assert_success
	assert_output "hello=hARL
i<conn>
ofixed\\x00\$(id) \`id\`; rm -rf / && x || y | z > /tmp/p < q * ? [a] ~ \\\\\" ' #\\x00two words\\nsecond line\\t\\xff
x0"
	[ ! -e /tmp/p ]
}

@test "a slot matches the whole argument: a|b refuses ab, [a-z]+ refuses a second line" {
	make_commands
	rules "permit alt user root $TDIR/argv.py {a|b}" \
	    "permit word user root $TDIR/argv.py {[a-z]+}"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${ACT[@]}" "$NAME" --hello 'alt\0ab\0\0' 'alt\0b\0\0' 'word\0ok\nrm\0\0' \
	    'word\0ok\0\0' 'word\0\0' 'word\0a\0b\0\0'
	assert_output "hello=hARL
i<conn>
r65 argument 1 refused by its slot
ob
x0
r65 argument 1 refused by its slot
ook
x0
r65 word takes 1 argument, not 0
r65 word takes 1 argument, not 2"
	[ "$(cat "$TDIR/ran")" = "b
ok" ]
	grep -Eq "refused .* action=word reason=argument 1 refused by its slot" "$TDIR/err"
	grep -Eq "refused .* action=word reason=0 arguments for 1 slots" "$TDIR/err"
}

@test "an argument beginning with - fills only a slot marked for it" {
	make_commands
	rules "permit opt user root $TDIR/argv.py {-?[a-z]+} -{-[a-z]}"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${ACT[@]}" "$NAME" --hello 'opt\0x\0-v\0\0' 'opt\0-x\0-v\0\0' 'opt\0x\0v\0\0'
	assert_output "hello=hARL
i<conn>
ox\\x00-v
x0
r65 argument 1 refused by its slot
r65 argument 2 refused by its slot"
}

@test "the payload follows the header to the command's stdin, byte for byte" {
	make_commands
	rules "permit in user root $TDIR/stdin.py"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${ACT[@]}" "$NAME" --hello 'in\0\0a\0b\nc\xff'
	assert_output "hello=hARL
i<conn>
x0"
	[ "$(od -An -c "$TDIR/stdin" | tr -s ' ')" = " a \\0 b \\n c 377" ]
	run "${ACT[@]}" "$NAME" --hello 'in\0\0'
	assert_output "hello=hARL
i<conn>
x0"
	[ ! -s "$TDIR/stdin" ]
}

@test "a malformed header is refused r65 and runs nothing; the connection goes on" {
	make_commands
	rules "permit a user root $TDIR/argv.py {.+}"
	start_listener "$NAME" --rules "$TDIR/rules"
	local long64 long65 many
	long65=$(printf 'a%.0s' $(seq 65))
	many=$(printf 'x\\0%.0s' $(seq 65))
	run "${ACT[@]}" "$NAME" --hello 'a' '\0\0' "$long65"'\0\0' "a\\0$many\\0" \
	    "a\\0$(head -c 4097 /dev/zero | tr '\0' x)\\0\\0" 'a\0ok\0\0'
	assert_output "hello=hARL
i<conn>
r65 bad request: the header does not end (an empty field)
r65 bad request: no action
r65 bad request: an action name longer than 64 bytes
r65 bad request: more than 64 arguments
r65 bad request: an argument longer than 4096 bytes
ook
x0"
	[ "$(cat "$TDIR/ran")" = "ok" ]
}

@test "the default rule serves a client that never says hello (the seed notes' client)" {
	make_commands
	rules "permit default user www-data $TDIR/stdin.py"
	start_listener "$NAME" --rules "$TDIR/rules"
	# As the seed note's client: connect, send, close; no reply read.
	"${WWW[@]}" /usr/bin/python3 -c '
import sys
from socket import socket, SOCK_SEQPACKET, AF_UNIX
s = socket(AF_UNIX, SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1][1:])
s.send(b"new config\n\0with a NUL")
s.close()' "$NAME"
	wait_for_line "$TDIR/err" "run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* status=exit 0"
	grep -Eq "start conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* action=default size=22" "$TDIR/err"
	printf 'new config\n\0with a NUL' | cmp - "$TDIR/stdin"
}

@test "without a default rule, a plain request is refused as not allowed" {
	make_commands
	rules "permit web user www-data $TDIR/argv.py"
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" 'data'
	assert_output "r77 not allowed: default"
	wait_for_line "$TDIR/err" "deny .* uid=33 .* action=default reason=no such action"
	[ ! -e "$TDIR/ran" ]
}

@test "a unit or cgroup clause where the kernel cannot read cgroups race-free: 69, naming the line" {
	make_commands
	rules "permit a user root $TDIR/argv.py" \
	    "permit b user root unit x.service $TDIR/argv.py" \
	    "permit c user root cgroup /system.slice $TDIR/argv.py"
	PEERRELAY_TEST_PIDFD=none run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_failure 69
	[[ $stderr == *"rules: line 2: unit x.service: needs a cgroup v2 hierarchy and SO_PEERPIDFD (Linux 6.5 or later)"* ]]
	[[ $stderr == *"rules: line 3: cgroup /system.slice: needs a cgroup v2 hierarchy and SO_PEERPIDFD"* ]]
	# Rules without such clauses need neither.
	rules "permit a user root $TDIR/argv.py"
	PEERRELAY_TEST_PIDFD=none run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_success
}

@test "a caller flooding refused requests costs others nothing; each flood request gets its refusal" {
	make_commands
	rules "permit web user www-data $TDIR/argv.py web" \
	    "permit admin user root $TDIR/argv.py admin"
	start_listener "$NAME" --rules "$TDIR/rules"
	# www-data: 3000 requests for an action not its own, replies read only
	# once all are sent (the listener stops reading it while they back up).
	mkdir -m 700 "$TDIR/www"
	chown 33 "$TDIR/www"
	"${WWW[@]}" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1][1:])
s.send(b"")
s.recv(100)
n = 0
for i in range(3000):
    s.send(b"admin\0\0")
    if i == 1500:
        open(sys.argv[2], "w").write("sending\n")
s.shutdown(socket.SHUT_WR)
while True:
    m = s.recv(100)
    if not m:
        break
    n += m == b"r77 not allowed: admin"
print(n, file=open(sys.argv[3], "w"))' "$NAME" "$TDIR/www/flooding" "$TDIR/www/flood" &
	local fpid=$!
	wait_for_file "$TDIR/www/flooding"
	run timeout 10 "${ACT[@]}" "$NAME" --hello 'admin\0\0'
	assert_output "hello=hARL
i<conn>
oadmin
x0"
	wait "$fpid"
	[ "$(cat "$TDIR/www/flood")" = 3000 ]
	[ "$(cat "$TDIR/ran")" = "admin" ]
}

@test "a rule's command gets the environment a COMMAND gets: PATH, PROTO, the caller's UNIXREMOTE*; nothing of the listener's" {
	rules "permit env user www-data /usr/bin/env"
	LEAK=secret start_listener "$NAME" --rules "$TDIR/rules"
	run "${WWW[@]}" "$PEERRELAY" send "$NAME" -- env </dev/null
	assert_success
	assert_line "PROTO=UNIX"
	assert_line --regexp "^PATH=/"
	assert_line "UNIXREMOTEEUID=33"
	assert_line "UNIXREMOTEUSER=www-data"
	refute_line --partial "LEAK"
}
