#!/usr/bin/env bats
# send --list ADDRESS: the actions this caller may call, a line each with
# the slots it fills, and nothing of others'. Callers are real users:
# root, www-data (33) and nobody (65534); the list request is also spoken
# byte for byte by test/actclient.py. send's side against fake listeners
# (the bytes it sends, a listener granting R but not L) is in
# send-actions.bats.

load helpers


# rules LINE...: the rules file $TDIR/rules, one line each.
rules() {
	printf '%s\n' "$@" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
}

# The same file for every test: www-data's actions, root's, one both share.
shared_rules() {
	rules '# one file, three callers' \
	    'permit restart-web group adm user www-data /bin/echo restart {nginx|php8\.2-fpm}' \
	    'permit apply user 33 /bin/cat' \
	    'permit rotate user root /bin/echo --date -{-[a-z]} {[0-9]{4}-[0-9]{2}-[0-9]{2}}' \
	    'permit both user root user www-data /bin/echo {[a-z]+} {x y}' \
	    'permit php user www-data unit php-fpm.service /bin/true' \
	    'permit default user root /bin/cat'
}

setup_file() {
	[ "$(id -u)" = 0 ] || skip "list tests run callers as other users: needs root"
}

@test "--list as root and as www-data against one rules file: each sees exactly its own actions, with their slots" {
	shared_rules
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" send --list "$NAME"
	assert_success
	assert_equal "$stderr" ""
	assert_output 'rotate -{-[a-z]} {[0-9]{4}-[0-9]{2}-[0-9]{2}}
both {[a-z]+} {x y}
default'
	# No fixed word, no command: only what the caller supplies.
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send --list "$NAME"
	assert_success
	assert_equal "$stderr" ""
	# php's unit clause is unmet from a shell: not listed.
	assert_output 'restart-web {nginx|php8\.2-fpm}
apply
both {[a-z]+} {x y}'
	wait_for_line "$TDIR/err" "list conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data actions=3$"
	grep -Eq "list conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root actions=3$" "$TDIR/err"
	# What is listed can be called.
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- restart-web php8.2-fpm </dev/null
	assert_success
	assert_output "restart php8.2-fpm"
}

@test "a member of a rule's group by a supplementary group sees that rule" {
	shared_rules
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --groups=4 \
	    "$PEERRELAY" send --list "$NAME"
	assert_success
	assert_output 'restart-web {nginx|php8\.2-fpm}'
}

@test "a user in no rule is turned away at connect: r77, exit 77, nothing listed" {
	shared_rules
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send --list "$NAME"
	assert_failure 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 65534)"
	wait_for_line "$TDIR/err" "deny conn=[^ ]* pid=[0-9]+ uid=65534 .* failed=users"
	run grep -c "list pid" "$TDIR/err"
	assert_output 0
}

@test "a listener without rules takes no list request: 69, nothing sent" {
	start_listener "$NAME" -- /bin/cat
	run --separate-stderr "$PEERRELAY" send --list "$NAME"
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
	start_listener "$NAME-p"
	run --separate-stderr "$PEERRELAY" send --list "$NAME-p"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: $NAME-p: listener does not take actions"
	# Nothing ran, nothing was printed: only the hellos were seen.
	stop_listener
	assert_equal "$(cat "$TDIR/out")" ""
}

@test "the list request on the wire: hARL, then ?list NUL NUL answered with o lines and x0; with an argument or a payload r65; the connection goes on" {
	shared_rules
	start_listener "$NAME" --rules "$TDIR/rules" -v
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello '?list\0\0' '?list\0a\0\0' \
	    '?list\0\0x' 'both\0ab\0x y\0\0' '?list\0\0'
	assert_success
	assert_output 'hello=hARL
i<conn>
orestart-web {nginx|php8\\.2-fpm}\napply\nboth {[a-z]+} {x y}\n
x0
r65 bad request: ?list takes no arguments and no payload
r65 bad request: ?list takes no arguments and no payload
oab x y\n
x0
orestart-web {nginx|php8\\.2-fpm}\napply\nboth {[a-z]+} {x y}\n
x0'
	wait_for_line "$TDIR/err" "hello conn=[^ ]* pid=[0-9]+ uid=33 .* granted=ARL"
	grep -Eq "refused conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* reason=bad request: \?list with arguments or a payload" "$TDIR/err"
	[ "$(grep -c "list conn=[^ ]* req=[^ ]* pid=[0-9]* uid=33 .* actions=3$" "$TDIR/err")" = 2 ]
}

@test "without a hello, ?list is no list request: a plain datagram, the default rule's payload" {
	rules 'permit default user root /bin/cat' 'permit x user root /bin/true'
	start_listener "$NAME" --rules "$TDIR/rules"
	run "${ACT[@]}" "$NAME" '?list\0\0'
	assert_success
	assert_output 'o?list\x00\x00
x0'
}

@test "the most rules a file holds, with long slots: every line, whole, in several o replies" {
	local i lines=() cls
	cls=$(printf 'a%.0s' $(seq 1 250))
	for i in $(seq -w 1 256); do
		lines+=("permit act$i user root /bin/echo {[$cls$i]}")
	done
	rules "${lines[@]}"
	start_listener "$NAME" --rules "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" send --list "$NAME"
	assert_success
	assert_equal "${#lines[@]}" 256
	printf '%s\n' "${lines[@]}" | sed 's|^permit \([^ ]*\) user root /bin/echo|\1|' |
	    diff - <(printf '%s\n' "$output")
	# On the wire: more than one 'o', each of whole lines, under 64 KiB.
	"${ACT[@]}" "$NAME" --hello '?list\0\0' >"$TDIR/wire"
	[ "$(grep -c '^o' "$TDIR/wire")" -ge 2 ]
	[ -z "$(grep '^o' "$TDIR/wire" | grep -v '\\n$')" ]
	[ "$(tail -n 1 "$TDIR/wire")" = x0 ]
	wait_for_line "$TDIR/err" "list conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 .* actions=256$"
}

@test "--list with an ACTION, a MESSAGE, -l, -0 or -n: usage error 64, nothing connected to" {
	run --separate-stderr "$PEERRELAY" send --list "$NAME" -- act
	assert_failure 64
	assert_equal "$stderr" "peerrelay: send: --list takes no ACTION (see peerrelay help send)"
	run --separate-stderr "$PEERRELAY" send --list "$NAME" message
	assert_failure 64
	assert_equal "$stderr" "peerrelay: send: --list takes no MESSAGE (see peerrelay help send)"
	run --separate-stderr "$PEERRELAY" send --list -l "$NAME"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: --list and --lines exclude each other"
	run --separate-stderr "$PEERRELAY" send -0 --list "$NAME"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: --list and --null exclude each other"
	run --separate-stderr "$PEERRELAY" send --list --no-wait "$NAME"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: --list and --no-wait exclude each other"
}
