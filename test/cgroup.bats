#!/usr/bin/env bats
# The peer's systemd unit and cgroup (--require-unit, --require-cgroup),
# read at accept through its pidfd, with real cgroups made in this
# machine's cgroup v2 hierarchy (found in /proc/self/mountinfo) and real
# processes moved into them. test/cgroup-fallback.bats is a link to this
# file: run under that name, every test takes the path of kernels without
# PIDFD_GET_INFO (Debian 13's 6.12), forced by PEERRELAY_TEST_PIDFD=noinfo.

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

case ${BATS_TEST_FILENAME##*/} in
*fallback*)
	export PEERRELAY_TEST_PIDFD=noinfo
	CONFIRM='confirmed by the pidfd naming a living process (no PIDFD_GET_INFO)'
	;;
*)
	unset PEERRELAY_TEST_PIDFD
	CONFIRM="confirmed by the pidfd's cgroup id (PIDFD_GET_INFO)"
	;;
esac

# Each test gets a slice of its own at the top of the hierarchy: $S, made
# under $CGM (the mount point); peers' paths are /$S/...
setup() {
	helpers_setup
	CGM=$(cgroup2_mount)
	S=
	[ -n "$CGM" ] || skip "no cgroup v2 hierarchy is mounted here"
	[ "$(id -u)" = 0 ] || skip "making cgroups and moving processes needs root"
	awk -v m="$CGM" '$5 == m && $4 != "/" { exit 1 }' /proc/self/mountinfo ||
	    skip "the cgroup v2 mount at $CGM is not the hierarchy's root"
	cgroups_read || skip "this kernel has no SO_PEERPIDFD (Linux 6.5)"
	S="prt$$n${BATS_TEST_NUMBER}.slice"
	mkdir "$CGM/$S" 2>/dev/null ||
	    skip "$CGM is not writable here: cgroups cannot be made"
}

# Every process left in the test's cgroups is killed, then they go.
teardown() {
	local d i
	if [ -n "$S" ] && [ -d "$CGM/$S" ]; then
		# NUL-separated: a test's cgroup may have a space in its name.
		while IFS= read -r -d '' d; do
			for i in $(seq 1 100); do
				[ -s "$d/cgroup.procs" ] || break
				echo 1 >"$d/cgroup.kill" 2>/dev/null ||
				    xargs -r kill -KILL <"$d/cgroup.procs"
				sleep 0.02
			done
			rmdir "$d" || true
		done < <(find "$CGM/$S" -depth -type d -print0)
	fi
	helpers_teardown
}

# mkcg PATH...: cgroups /$S/PATH, parents too.
mkcg() {
	local p
	for p in "$@"; do
		mkdir -p "$CGM/$S/$p"
	done
}

# in_cg PATH COMMAND...: COMMAND run in cgroup /$S/PATH (moved there by root
# before it drops any privilege), so every process it starts is there too.
in_cg() {
	local p=$1
	shift
	sh -c 'echo $$ >"$1" || exit 125; shift; exec "$@"' sh \
	    "$CGM/$S/$p/cgroup.procs" "$@"
}

@test "--require-unit: a peer in the unit is served; the command sees UNIXREMOTECGROUP and UNIXREMOTEUNIT; the allow line carries them" {
	mkcg php-fpm@shop.service
	start_listener "$NAME" --allow-user www-data \
	    --require-unit php-fpm@shop.service -- /usr/bin/env
	run --separate-stderr in_cg php-fpm@shop.service "${WWW[@]}" \
	    "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_line "UNIXREMOTEUSER=www-data"
	assert_line "UNIXREMOTECGROUP=/$S/php-fpm@shop.service"
	assert_line "UNIXREMOTEUNIT=php-fpm@shop.service"
	wait_for_line "$TDIR/err" "^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data cgroup=/$S/php-fpm@shop.service unit=php-fpm@shop.service\$"
}

@test "--require-unit php-fpm@shop.service: peers under user@33.service and under other.service, in sub-cgroups of that name, are refused (77), logged failed=unit" {
	mkcg php-fpm@shop.service user@33.service/php-fpm@shop.service \
	    other.service/php-fpm@shop.service
	start_listener "$NAME" --allow-any --require-unit php-fpm@shop.service \
	    -- /bin/cat
	local p
	for p in user@33.service other.service; do
		run --separate-stderr in_cg "$p/php-fpm@shop.service" \
		    "$PEERRELAY" send "$NAME" x
		assert_failure 77
		assert_output ""
		assert_equal "$stderr" "peerrelay: refused: not allowed (uid 0)"
		wait_for_line "$TDIR/err" "^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root group=root cgroup=/$S/$p/php-fpm@shop.service unit=$p failed=unit\$"
	done
	# The unit itself, and the listener still serves after the denials.
	run --separate-stderr in_cg php-fpm@shop.service "$PEERRELAY" send "$NAME" ok
	assert_success
	assert_output "ok"
	run grep -c '^peerrelay: allow ' "$TDIR/err"
	assert_output 1
}

@test "--require-cgroup: the path and below it are served, by whole components; repeated, any one will do" {
	mkcg php php-fpm.service/pool other.service
	start_listener "$NAME" --allow-any --require-cgroup "/$S/php" -- /bin/cat
	run in_cg php "$PEERRELAY" send "$NAME" php
	assert_success
	assert_output "php"
	# /S/php is not a prefix of /S/php-fpm.service: whole components.
	run in_cg php-fpm.service/pool "$PEERRELAY" send "$NAME" no
	assert_failure 77
	wait_for_line "$TDIR/err" "deny .* cgroup=/$S/php-fpm.service/pool unit=php-fpm.service failed=cgroup\$"
	stop_listener
	start_listener "$NAME" --allow-any --require-cgroup "/$S/php" \
	    --require-cgroup "/$S/php-fpm.service" -- /bin/cat
	run in_cg php-fpm.service/pool "$PEERRELAY" send "$NAME" pool
	assert_success
	assert_output "pool"
	run in_cg php "$PEERRELAY" send "$NAME" php
	assert_success
	assert_output "php"
	run in_cg other.service "$PEERRELAY" send "$NAME" other
	assert_failure 77
	# Nor does the root of the hierarchy, where this test runs itself.
	run "$PEERRELAY" send "$NAME" root
	assert_failure 77
	wait_for_line "$TDIR/err" "deny .* cgroup=/$S/other.service unit=other.service failed=cgroup\$"
}

@test "--require-unit and --require-cgroup together: both must be met" {
	mkcg in.slice/a.service in.slice/b.service out.slice/a.service
	start_listener "$NAME" --allow-any --require-unit a.service \
	    --require-cgroup "/$S/in.slice" -- /bin/cat
	run in_cg in.slice/a.service "$PEERRELAY" send "$NAME" both
	assert_success
	assert_output "both"
	run in_cg in.slice/b.service "$PEERRELAY" send "$NAME" x
	assert_failure 77
	run in_cg out.slice/a.service "$PEERRELAY" send "$NAME" x
	assert_failure 77
	wait_for_line "$TDIR/err" "deny .* cgroup=/$S/in.slice/b.service unit=b.service failed=unit\$"
	wait_for_line "$TDIR/err" "deny .* cgroup=/$S/out.slice/a.service unit=a.service failed=cgroup\$"
}

@test "the user rule is still the gate: --require-unit narrows --allow-user, never widens it" {
	mkcg a.service b.service
	start_listener "$NAME" --allow-user www-data --require-unit a.service \
	    -- /usr/bin/id -u
	run in_cg a.service "${WWW[@]}" "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output "0"
	# Root and nobody in the unit: not www-data.
	run in_cg a.service "$PEERRELAY" send "$NAME" x
	assert_failure 77
	run in_cg a.service "${NOBODY[@]}" "$PEERRELAY" send "$NAME" x
	assert_failure 77
	# www-data in another unit.
	run in_cg b.service "${WWW[@]}" "$PEERRELAY" send "$NAME" x
	assert_failure 77
	wait_for_line "$TDIR/err" '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root group=root failed=users$'
	wait_for_line "$TDIR/err" '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=65534 .* failed=users$'
	wait_for_line "$TDIR/err" "^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=33 .* cgroup=/$S/b.service unit=b.service failed=unit\$"
}

@test "print mode: text and json records carry the cgroup and unit, escaped; a path that is not UTF-8 is given in base64" {
	local odd=$'we ird\xff'
	mkcg a.service "$odd"
	start_listener "$NAME" --allow-any
	run in_cg a.service "$PEERRELAY" send "$NAME" hi
	assert_success
	run in_cg "$odd" "$PEERRELAY" send "$NAME" odd
	assert_success
	assert_printed "${REC%cgroup=*}cgroup=/$S/a.service unit=a.service size=2 data=hi\$" \
	    "${REC%cgroup=*}cgroup=/$S/we\\\\sird\\\\377 unit= size=3 data=odd\$"
	# The allow line escapes it alike: no raw space or byte 0xff.
	wait_for_line "$TDIR/err" "^peerrelay: allow .* cgroup=/$S/we\\\\sird\\\\377\$"
	run grep -c $'\xff' "$TDIR/err"
	assert_output 0
	stop_listener
	start_listener "$NAME" --allow-any --format json
	in_cg a.service "$PEERRELAY" send "$NAME" hi
	in_cg "$odd" "$PEERRELAY" send "$NAME" odd
	run python3 -c '
import base64, json, sys
recs = [json.loads(l) for l in open(sys.argv[1], "rb")]
s = sys.argv[2]
assert len(recs) == 2, recs
assert (recs[0]["cgroup"], recs[0]["unit"]) == ("/%s/a.service" % s, "a.service"), recs[0]
assert "cgroup_base64" not in recs[0], recs[0]
assert (recs[1]["cgroup"], recs[1]["unit"]) == (None, None), recs[1]
want = b"/" + s.encode() + b"/we ird\xff"
assert base64.b64decode(recs[1]["cgroup_base64"]) == want, recs[1]
print("ok")
' "$TDIR/out" "$S"
	assert_success
	assert_output "ok"
}

@test "a peer that moves to another cgroup after it was accepted keeps the identity read at accept" {
	mkcg a.service b.service
	mkfifo "$TDIR/go"
	start_listener "$NAME" --allow-any --require-unit a.service
	in_cg a.service python3 -c '
import os, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + addr[1:])
open(sys.argv[2]).read()
with open(sys.argv[3], "w") as f:
    f.write(str(os.getpid()))
line = [l for l in open("/proc/self/cgroup") if l.startswith("0::")][0]
print(line.strip(), flush=True)
s.send(b"after-move")
' "$NAME" "$TDIR/go" "$CGM/$S/b.service/cgroup.procs" >"$TDIR/client" &
	local cpid=$!
	wait_for_line "$TDIR/err" "^peerrelay: allow .* unit=a.service\$"
	echo go >"$TDIR/go"
	wait "$cpid"
	run cat "$TDIR/client"
	assert_output "0::/$S/b.service"
	wait_for_line "$TDIR/out" 'data=after-move$'
	assert_printed "${REC%cgroup=*}cgroup=/$S/a.service unit=a.service size=10 data=after-move\$"
	run grep -c '^peerrelay: deny ' "$TDIR/err"
	assert_output 0
}

@test "a peer that exited before it was accepted fails every --require-* check, logged as such; nothing is printed" {
	mkcg a.service
	start_listener "$NAME" --allow-any --require-unit a.service
	# Stopped, the listener accepts nothing until the client is gone.
	kill -STOP "$LPID"
	run in_cg a.service "$PEERRELAY" send --no-wait "$NAME" gone
	assert_success
	kill -CONT "$LPID"
	wait_for_line "$TDIR/err" "^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root group=root failed=unit reason=it exited before its cgroup was read \\(a caller must wait for its answer\\)\$"
	assert_printed
	# A caller that waits for its answer is served.
	run in_cg a.service "$PEERRELAY" send "$NAME" waits
	assert_success
	wait_for_line "$TDIR/out" 'data=waits$'
}

@test "a listener in a child pid namespace sees a peer outside it as pid 0: every --require-* check fails; without one, it is served" {
	local AS=(unshare --pid --fork --kill-child)
	start_listener "$NAME" --allow-any --require-cgroup /
	run "$PEERRELAY" send "$NAME" x
	assert_failure 77
	wait_for_line "$TDIR/err" "^peerrelay: deny conn=[^ ]* pid=0 uid=0 gid=0 user=root group=root failed=cgroup reason=pid 0: it is outside the listener's pid namespace\$"
	# unshare --fork ignores TERM while it waits: stop the listener itself.
	kill -TERM "$(pgrep -P "$LPID")"
	wait "$LPID" || true
	start_listener "$NAME" --allow-any
	run "$PEERRELAY" send "$NAME" y
	assert_success
	wait_for_line "$TDIR/out" 'data=y$'
	assert_printed '^pid=0 uid=0 gid=0 user=root group=root groups=[0-9,]* cgroup= unit= size=1 data=y$'
}

@test "without SO_PEERPIDFD (forced), --require-unit and --require-cgroup refuse to start (69) naming the kernel requirement; a plain listener serves without cgroup variables" {
	local o
	for o in "--require-unit a.service" "--require-cgroup /$S"; do
		# shellcheck disable=SC2086
		run --separate-stderr env PEERRELAY_TEST_PIDFD=none \
		    "$PEERRELAY" listen $o "$NAME"
		assert_failure 69
		assert_output ""
		assert_equal "$stderr" "peerrelay: ${o% *}: needs SO_PEERPIDFD (Linux 6.5 or later) to read a peer's cgroup race-free, and this kernel lacks it"
	done
	local AS=(env PEERRELAY_TEST_PIDFD=none)
	mkcg a.service
	start_listener "$NAME" -- /usr/bin/env
	run in_cg a.service "$PEERRELAY" send "$NAME" x
	assert_success
	assert_line "UNIXREMOTEUSER=root"
	refute_output --partial UNIXREMOTECGROUP
	refute_output --partial UNIXREMOTEUNIT
	wait_for_line "$TDIR/err" '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root group=root$'
}

@test "--check prints the conditions and how cgroups are read, notes a cgroup that does not exist yet, and refuses malformed UNIT and PATH (64)" {
	run --separate-stderr "$PEERRELAY" listen --check --require-unit a.service \
	    --require-unit php-fpm@shop.service --require-cgroup "/$S/later" "$NAME"
	assert_success
	assert_line "require-unit: a.service"
	assert_line "require-unit: php-fpm@shop.service"
	assert_line "require-cgroup: /$S/later"
	assert_line "cgroups: v2 at $CGM; read at accept, $CONFIRM"
	assert_equal "$stderr" "peerrelay: note: --require-cgroup /$S/later: no such cgroup now (peers below it are allowed once it exists)"
	local u p
	for u in php-fpm@.service system.slice php-fpm 'a b.service' @x.service ''; do
		run --separate-stderr "$PEERRELAY" listen --check --require-unit "$u" "$NAME"
		assert_failure 64
		assert_output ""
		assert_regex "$stderr" "^peerrelay: --require-unit $u: .+"
	done
	for p in system.slice /../x /a//b /a/ /a/./b /a/../b ''; do
		run --separate-stderr "$PEERRELAY" listen --check --require-cgroup "$p" "$NAME"
		assert_failure 64
		assert_output ""
		assert_regex "$stderr" "^peerrelay: --require-cgroup $p: .+"
	done
}

@test "with no cgroup v2 hierarchy mounted, --require-* refuse to start (69); a plain listener says cgroups are not read" {
	run --separate-stderr unshare --mount sh -c 'umount -l "$1" && shift &&
	    exec "$@"' sh "$CGM" "$PEERRELAY" listen --check --require-unit a.service "$NAME"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: --require-unit: no cgroup v2 hierarchy is mounted (no cgroup2 in /proc/self/mountinfo)"
	run --separate-stderr unshare --mount sh -c 'umount -l "$1" && shift &&
	    exec "$@"' sh "$CGM" "$PEERRELAY" listen --check "$NAME"
	assert_success
	assert_line "cgroups: not read (no cgroup v2 hierarchy is mounted)"
}

@test "nothing about a cgroup is cached: a unit's cgroup removed and made again (a new id) still admits its peers" {
	mkcg a.service
	start_listener "$NAME" --allow-any --require-cgroup "/$S/a.service" -- /bin/cat
	local before after
	before=$(stat -c %i "$CGM/$S/a.service")
	run in_cg a.service "$PEERRELAY" send "$NAME" one
	assert_success
	assert_output "one"
	rmdir "$CGM/$S/a.service"
	mkcg a.service
	after=$(stat -c %i "$CGM/$S/a.service")
	[ "$before" != "$after" ]
	run in_cg a.service "$PEERRELAY" send "$NAME" two
	assert_success
	assert_output "two"
}

@test "a peer moved between two cgroups while it connects, 300 times: every record printed was admitted in the required unit, and every connection is accounted for" {
	mkcg a.service b.service
	start_listener "$NAME" --allow-any --require-unit a.service
	mkfifo "$TDIR/go"
	in_cg a.service python3 -c '
import os, socket, sys, time
addr = "\0" + sys.argv[1][1:]
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % os.getpid())
open(sys.argv[3]).read()
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(addr)
    try:
        s.send(b"r%d" % i)
        s.recv(64)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused and closed before it sent
    s.close()
    time.sleep(0.001)
' "$NAME" "$TDIR/pypid" "$TDIR/go" &
	local cpid=$! n=0 py
	wait_for_file "$TDIR/pypid"
	py=$(cat "$TDIR/pypid")
	echo go >"$TDIR/go"
	# Back and forth, a millisecond or two in each, until the client is done.
	while kill -0 "$cpid" 2>/dev/null; do
		echo "$py" >"$CGM/$S/b.service/cgroup.procs" 2>/dev/null || true
		sleep 0.001
		echo "$py" >"$CGM/$S/a.service/cgroup.procs" 2>/dev/null || true
		sleep 0.001
		n=$((n + 1))
	done
	wait "$cpid"
	stop_listener
	assert_equal "$LSTATUS" 0
	local printed denied summed
	printed=$(grep -c 'data=r[0-9]*$' "$TDIR/out")
	run grep -vc "^pid=[0-9]* uid=0 gid=0 user=root group=root groups=[0-9,]* cgroup=/$S/a.service unit=a.service size=[0-9]* data=r[0-9]*\$" "$TDIR/out"
	assert_output 0
	denied=$(grep -c '^peerrelay: deny .* failed=unit' "$TDIR/err" || true)
	summed=$(sed -n 's/^peerrelay: uid 0: \([0-9]*\) more denials in .*/\1/p' "$TDIR/err" |
	    awk '{ s += $1 } END { print s + 0 }')
	echo "# $printed served, $denied + $summed denied, $n moves" >&3
	assert_equal "$((printed + denied + summed))" 300
	[ "$printed" -gt 0 ]
	# A denied peer was never one whose path said a.service.
	run grep -c "^peerrelay: deny .* unit=a.service failed" "$TDIR/err"
	assert_output 0
}

@test "rules: unit and cgroup clauses narrow a rule's users, rule by rule and at connect" {
	mkcg php-fpm@shop.service php other.service
	printf '%s\n' \
	    "permit web user www-data unit php-fpm@shop.service /usr/bin/printf web" \
	    "permit cg user www-data cgroup /$S/php /usr/bin/printf cg" \
	    "permit any user www-data /usr/bin/printf any" >"$TDIR/rules"
	start_listener "$NAME" --rules "$TDIR/rules"
	run in_cg php-fpm@shop.service "${WWW[@]}" "${ACT[@]}" "$NAME" --hello \
	    'web\0\0' 'cg\0\0' 'any\0\0'
	assert_output "hello=hARL
i<conn>
oweb
x0
r77 not allowed: cg
oany
x0"
	run in_cg php "${WWW[@]}" "${ACT[@]}" "$NAME" --hello 'web\0\0' 'cg\0\0'
	assert_output "hello=hARL
i<conn>
r77 not allowed: web
ocg
x0"
	wait_for_line "$TDIR/err" "deny .* uid=33 .* action=web reason=not permitted failed=unit"
	grep -Eq "deny .* uid=33 .* action=cg reason=not permitted failed=cgroup" "$TDIR/err"
	stop_listener
	# Only the unit's rule: outside the unit, turned away at connect.
	printf '%s\n' "permit web user www-data unit php-fpm@shop.service /usr/bin/printf web" >"$TDIR/rules"
	start_listener "$NAME" --rules "$TDIR/rules"
	run in_cg other.service "${WWW[@]}" "${ACT[@]}" "$NAME" 'web\0\0'
	assert_output "r77 not allowed (uid 33)"
	wait_for_line "$TDIR/err" "deny conn=[^ ]* pid=[0-9]+ uid=33 .* cgroup=/$S/other.service unit=other.service failed=unit"
}
