#!/usr/bin/env bats
# listen --rules FILE and SIGHUP: FILE read again as at start-up; the new
# rules swapped in whole, or on any error the old ones kept. Each request is
# judged against the rules in force when it is taken, on connections old
# and new. Callers are real users: root, www-data (33) and nobody (65534).

load helpers


# $TDIR/argv.py prints its argv (after argv[0]) NUL-separated: root's, in
# root's 0755 $TDIR, a safe command. $TDIR/www: a directory www-data
# writes (a held client's files).
make_commands() {
	cat >"$TDIR/argv.py" <<-PY
	#!/usr/bin/python3
	import os, sys
	sys.stdout.buffer.write(b"\\0".join(os.fsencode(a) for a in sys.argv[1:]))
	PY
	chmod 755 "$TDIR/argv.py"
	mkdir -m 700 "$TDIR/www"
	chown 33:33 "$TDIR/www"
}

# rules LINE...: the rules file $TDIR/rules, one line each, replaced by a
# rename (a reload never reads it half-written).
rules() {
	printf '%s\n' "$@" >"$TDIR/rules.new"
	chmod 644 "$TDIR/rules.new"
	mv -f "$TDIR/rules.new" "$TDIR/rules"
}

# reload N: SIGHUP the listener and wait for the N-th reload line (either
# "reloaded" or "refused").
reload() {
	kill -HUP "$LPID"
	wait_for_count "$TDIR/err" "reloaded $TDIR/rules: |reload: $TDIR/rules: refused" "$1"
}

# held DIR REQUEST...: a www-data client that stays connected (its pid in
# HOLD):
# says hello, sends the first request and writes its replies to
# DIR/replies.1, then waits for DIR/go before each later request N, whose
# replies go to DIR/replies.N (the file appears once they are all in).
# Each request is an actclient.py datagram.
held() {
	local dir=$1
	shift
	"${WWW[@]}" /usr/bin/python3 -c '
import ast, os, socket, sys, time
d, addr, reqs = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + addr[1:])
s.send(b"")
assert s.recv(100) == b"hARL"
assert s.recv(100)[:1] == b"i"
for i, r in enumerate(reqs, 1):
    if i > 1:
        go = "%s/go.%d" % (d, i)
        while not os.path.exists(go):
            time.sleep(0.02)
    s.send(ast.literal_eval("b\x27" + r + "\x27"))
    out = []
    while True:
        m = s.recv(65536)
        out.append(m.decode("ascii", "backslashreplace").replace("\0", "\\0"))
        if m[:1] in (b"x", b"r", b"k", b"t") or not m:
            break
    tmp = "%s/.replies.%d" % (d, i)
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.rename(tmp, "%s/replies.%d" % (d, i))
s.close()
' "$dir" "$NAME" "$@" &
	HOLD=$!
	LPIDS+=("$HOLD")
}

setup_file() {
	[ "$(id -u)" = 0 ] || skip "reload tests run callers as other users: needs root"
}

@test "a good file: a new action works on new and held connections; a removed one is refused after" {
	make_commands
	rules "permit web user www-data $TDIR/argv.py web" \
	    "permit old user www-data $TDIR/argv.py old"
	start_listener "$NAME" --rules "$TDIR/rules"
	# www-data connects and is served before the reload, then holds on.
	held "$TDIR/www" 'web\0\0' 'new\0y\0\0' 'old\0\0' 'web\0\0'
	wait_for_file "$TDIR/www/replies.1"
	assert_equal "$(cat "$TDIR/www/replies.1")" "oweb
x0"
	rules "permit web user www-data $TDIR/argv.py web" \
	    "permit new user www-data $TDIR/argv.py new {[a-z]*}"
	reload 1
	grep -q "reloaded $TDIR/rules: 2 actions" "$TDIR/err"
	# A new connection: the new action runs, the removed one is refused.
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'new\0x\0\0' 'old\0\0' 'web\0\0'
	assert_success
	assert_output "hello=hARL
i<conn>
onew\\x00x
x0
r77 not allowed: old
oweb
x0"
	# The connection held since before the reload: the same.
	local i
	for i in 2 3 4; do
		touch "$TDIR/www/go.$i"
		wait_for_file "$TDIR/www/replies.$i"
	done
	assert_equal "$(cat "$TDIR/www/replies.2")" "onew\\0y
x0"
	assert_equal "$(cat "$TDIR/www/replies.3")" "r77 not allowed: old"
	assert_equal "$(cat "$TDIR/www/replies.4")" "oweb
x0"
	wait "$HOLD"
	wait_for_line "$TDIR/err" "deny conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* action=old reason=no such action"
	# The log says what was loaded, once.
	[ "$(grep -c 'reload' "$TDIR/err")" = 1 ]
	stop_listener
	assert_equal "$LSTATUS" 0
}

@test "a bad file (syntax, permissions, a missing command): the old rules stay, the log names the line" {
	make_commands
	rules "permit web user www-data $TDIR/argv.py web"
	# -q: the refusal is an error, shown even so; a success line is not.
	start_listener "$NAME" -q --rules "$TDIR/rules"
	local n=0
	# A syntax error on line 2, every error named; nothing else changes.
	rules "permit web user www-data $TDIR/argv.py web" \
	    "permit Bad user www-data $TDIR/argv.py" \
	    "permit new user www-data $TDIR/argv.py new"
	reload $((n += 1))
	grep -qF "reload: $TDIR/rules: line 2: Bad: not an action name" "$TDIR/err"
	grep -qF "reload: $TDIR/rules: refused; the old rules stay in force (1 actions)" "$TDIR/err"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'web\0\0' 'new\0\0'
	assert_output "hello=hARL
i<conn>
oweb
x0
r77 not allowed: new"
	# Writable by others: the safe-path check, as at start-up.
	rules "permit new user www-data $TDIR/argv.py new"
	chmod 646 "$TDIR/rules"
	reload $((n += 1))
	grep -qF "reload: $TDIR/rules: unsafe rules file: $TDIR/rules is writable by others" "$TDIR/err"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'web\0\0' 'new\0\0'
	assert_output "hello=hARL
i<conn>
oweb
x0
r77 not allowed: new"
	# A missing command on line 3, an unsafe one on line 2.
	mkdir -m 777 "$TDIR/open"
	cp "$TDIR/argv.py" "$TDIR/open/cmd"
	rules "permit new user www-data $TDIR/argv.py new" \
	    "permit open user www-data $TDIR/open/cmd" \
	    "permit gone user www-data $TDIR/missing"
	reload $((n += 1))
	grep -qF "reload: $TDIR/rules: line 2: $TDIR/open/cmd: unsafe command: $TDIR/open is writable by others" "$TDIR/err"
	grep -qF "reload: $TDIR/rules: line 3: $TDIR/missing: cannot check the command: " "$TDIR/err"
	run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'web\0\0' 'new\0\0'
	assert_output "hello=hARL
i<conn>
oweb
x0
r77 not allowed: new"
	# Gone altogether.
	rm "$TDIR/rules"
	reload $((n += 1))
	grep -qF "reload: $TDIR/rules: cannot read the rules file: " "$TDIR/err"
	[ "$(grep -c "reload: $TDIR/rules: refused; the old rules stay in force (1 actions)" "$TDIR/err")" = 4 ]
	# The listener serves on, and a good file is taken after all this.
	rules "permit new user www-data $TDIR/argv.py new"
	kill -HUP "$LPID"
	local i
	for i in $(seq 1 100); do
		run "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'new\0\0'
		[[ $output == *onew* ]] && break
		sleep 0.05
	done
	assert_output "hello=hARL
i<conn>
onew
x0"
	# -q: no success line, and no error but the ones above.
	! grep -q "reloaded" "$TDIR/err"
	[ "$(grep -c 'reload: ' "$TDIR/err")" = 9 ]
	stop_listener
	assert_equal "$LSTATUS" 0
}

@test "a caller removed while its connection stays open: its next request is refused r77; others are served" {
	make_commands
	rules "permit web user www-data user root $TDIR/argv.py web" \
	    "permit admin user root $TDIR/argv.py admin"
	start_listener "$NAME" --rules "$TDIR/rules"
	held "$TDIR/www" 'web\0\0' 'web\0\0' 'admin\0\0'
	wait_for_file "$TDIR/www/replies.1"
	assert_equal "$(cat "$TDIR/www/replies.1")" "oweb
x0"
	# www-data is in no rule now.
	rules "permit web user root $TDIR/argv.py web" \
	    "permit admin user root $TDIR/argv.py admin"
	reload 1
	touch "$TDIR/www/go.2" "$TDIR/www/go.3"
	wait_for_file "$TDIR/www/replies.3"
	assert_equal "$(cat "$TDIR/www/replies.2")" "r77 not allowed: web"
	assert_equal "$(cat "$TDIR/www/replies.3")" "r77 not allowed: admin"
	wait "$HOLD"
	wait_for_line "$TDIR/err" "deny conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* action=web reason=not permitted failed=users"
	# A new connection of its own is turned away at connect.
	run "${WWW[@]}" "${ACT[@]}" "$NAME" 'web\0\0'
	assert_output "r77 not allowed (uid 33)"
	# Root, named still, is served as before.
	run "${ACT[@]}" "$NAME" --hello 'web\0\0' 'admin\0\0'
	assert_output "hello=hARL
i<conn>
oweb
x0
oadmin
x0"
	stop_listener
	assert_equal "$LSTATUS" 0
}

@test "SIGHUP outside rules mode is ignored, as before" {
	start_listener "$NAME" -- /bin/cat
	kill -HUP "$LPID"
	wait_for_line "$TDIR/err" "SIGHUP ignored"
	run "$PEERRELAY" send "$NAME" hello
	assert_success
	assert_output "hello"
	! grep -q reload "$TDIR/err"
	stop_listener
	assert_equal "$LSTATUS" 0
}

@test "200 SIGHUPs in a row while a client sends requests in a loop: none lost or misjudged, no crash" {
	# echo: a request is quick, so many are judged between reloads.
	rules "permit keep user root /bin/echo keep" \
	    "permit a user root /bin/echo a"
	start_listener "$NAME" --rules "$TDIR/rules"
	# Requests one after another, each on the held connection or a new one
	# by turns: keep (in every file) must run, never (in none) must be
	# refused; until $TDIR/stop, then counts of what came back.
	/usr/bin/python3 -c '
import os, socket, sys
addr, d = sys.argv[1], sys.argv[2]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect("\0" + addr[1:])
    s.send(b"")
    assert s.recv(100) == b"hARL"
    assert s.recv(100)[:1] == b"i"
    return s
def ask(s, req):
    s.send(req)
    out = []
    while True:
        m = s.recv(1000)
        out.append(m)
        if m[:1] != b"o":
            return out
held = conn()
n = ok = refused = bad = 0
while not os.path.exists(d + "/stop") or n < 200:
    s = held if n % 2 == 0 else conn()
    if ask(s, b"keep\0\0") == [b"okeep\n", b"x0"]:
        ok += 1
    else:
        bad += 1
    if ask(s, b"never\0\0") == [b"r77 not allowed: never"]:
        refused += 1
    else:
        bad += 1
    if s is not held:
        s.close()
    n += 1
    if n == 20:
        open(d + "/going", "w").write("yes\n")
print(n, ok, refused, bad, file=open(d + "/counts", "w"))
' "$NAME" "$TDIR" &
	local cpid=$! i
	LPIDS+=("$cpid")
	wait_for_file "$TDIR/going"
	for i in $(seq 1 200); do
		if [ $((i % 2)) = 0 ]; then
			rules "permit keep user root /bin/echo keep" \
			    "permit a user root /bin/echo a"
		else
			rules "permit b group root /bin/echo b" \
			    "permit keep user root /bin/echo keep"
		fi
		kill -HUP "$LPID"
	done
	touch "$TDIR/stop"
	wait "$cpid"
	read -r n ok refused bad <"$TDIR/counts"
	echo "# $n rounds, $(grep -c "reloaded $TDIR/rules" "$TDIR/err") reloads for 200 SIGHUPs" >&3
	[ "$n" -ge 200 ]
	[ "$ok" = "$n" ]
	[ "$refused" = "$n" ]
	[ "$bad" = 0 ]
	kill -0 "$LPID"
	! grep -q "refused; the old rules" "$TDIR/err"
	grep -q "reloaded $TDIR/rules: 2 actions" "$TDIR/err"
	[ "$(grep -c "start conn=[^ ]* req=[^ ]* pid=.* action=keep" "$TDIR/err")" = "$n" ]
	stop_listener
	assert_equal "$LSTATUS" 0
}
