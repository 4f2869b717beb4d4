#!/usr/bin/env bats
# The access policy, checked with real second users (setpriv): who may
# connect, what is printed for them, and what is logged when they may not.

load helpers

# A peer that is nobody by uid, primary group www-data, no other groups.
NOBODY_GWWW=(setpriv --reuid=65534 --regid=33 --clear-groups)
# A peer that is nobody, primary group nogroup, supplementary group www-data.
NOBODY_SWWW=(setpriv --reuid=65534 --regid=65534 --groups=33)

# Assert the listener printed exactly the lines given (none when no argument).

@test "--allow-user www-data: www-data is allowed and recorded as uid 33" {
	start_listener "$NAME" --allow-user www-data
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" hello
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=5 data=hello$'
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data'
	refute_line --partial 'deny'
}

@test "--allow-user www-data: nobody is refused (77), nothing printed, denial logged" {
	start_listener "$NAME" --allow-user www-data
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" secret
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 65534)"
	wait_for_line "$TDIR/err" '^peerrelay: deny '
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody'
	refute_line --partial 'allow conn='
	assert_printed
}

@test "a denied peer with several records gets 77 and none is printed" {
	start_listener "$NAME" --allow-user www-data
	printf 'one\ntwo\nthree\n' >"$TDIR/in"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_equal "$status" 77
	assert_output ""
	assert_regex "$stderr" 'refused: not allowed'
	wait_for_line "$TDIR/err" '^peerrelay: deny .*uid=65534'
	assert_printed
}

@test "--allow-group www-data: a peer whose primary group is www-data is allowed" {
	start_listener "$NAME" --allow-group www-data
	run --separate-stderr "${NOBODY_GWWW[@]}" "$PEERRELAY" send "$NAME" primary
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed '^pid=[0-9]+ uid=65534 gid=33 user=nobody group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=7 data=primary$'
}

@test "--allow-group www-data: a peer with www-data as a supplementary group is allowed" {
	start_listener "$NAME" --allow-group www-data
	run --separate-stderr "${NOBODY_SWWW[@]}" "$PEERRELAY" send "$NAME" supp
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	# The record's groups= field is the peer's supplementary list.
	assert_printed '^pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup groups=33 cgroup=[^ ]* unit=[^ ]* size=4 data=supp$'
}

@test "--allow-group www-data: nobody without groups is denied and logged" {
	start_listener "$NAME" --allow-group www-data
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" nogroups
	assert_equal "$status" 77
	assert_output ""
	assert_regex "$stderr" 'refused: not allowed'
	wait_for_line "$TDIR/err" '^peerrelay: deny '
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody'
	assert_printed
}

@test "numeric uid and gid specs, including ids without names" {
	start_listener "$NAME" --allow-user 33 --allow-group 65534 --allow-group 4321
	# uid 33 by number.
	run "${WWW[@]}" "$PEERRELAY" send "$NAME" uid33
	assert_success
	assert_output ""
	# An unnamed uid whose primary gid is 65534.
	run setpriv --reuid=1234 --regid=65534 --clear-groups "$PEERRELAY" send "$NAME" gid65534
	assert_success
	assert_output ""
	# An unnamed uid with the unnamed supplementary group 4321.
	run setpriv --reuid=1234 --regid=1234 --groups=4321 "$PEERRELAY" send "$NAME" gid4321
	assert_success
	assert_output ""
	# Neither the uid nor any group matches.
	run --separate-stderr setpriv --reuid=1234 --regid=1234 --clear-groups "$PEERRELAY" send "$NAME" other
	assert_equal "$status" 77
	assert_output ""
	assert_regex "$stderr" 'refused: not allowed'
	# An allow option replaces the own-uid default: root is not let in.
	run --separate-stderr "$PEERRELAY" send "$NAME" root
	assert_equal "$status" 77
	assert_output ""
	assert_regex "$stderr" 'refused: not allowed'
	assert_printed \
	    '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=5 data=uid33$' \
	    '^pid=[0-9]+ uid=1234 gid=65534 user= group=nogroup groups= cgroup=[^ ]* unit=[^ ]* size=8 data=gid65534$' \
	    '^pid=[0-9]+ uid=1234 gid=1234 user= group= groups=4321 cgroup=[^ ]* unit=[^ ]* size=7 data=gid4321$'
	wait_for_line "$TDIR/err" '^peerrelay: deny .*uid=0 '
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=1234 gid=1234 '
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root'
}

@test "default policy, root listener: root is allowed, nobody is denied (77)" {
	start_listener "$NAME"
	run --separate-stderr "$PEERRELAY" send "$NAME" fromroot
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" fromnobody
	assert_equal "$status" 77
	assert_output ""
	assert_regex "$stderr" 'refused: not allowed'
	wait_for_line "$TDIR/err" '^peerrelay: deny '
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root'
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody'
	assert_printed '^pid=[0-9]+ uid=0 gid=0 user=root group=root groups=[0-9,]* cgroup=[^ ]* unit=[^ ]* size=8 data=fromroot$'
}

@test "default policy, listener run as nobody: nobody is allowed, root is denied (77)" {
	AS=("${NOBODY[@]}")
	start_listener "$NAME"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" fromnobody
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "$PEERRELAY" send "$NAME" fromroot
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 0)"
	wait_for_line "$TDIR/err" '^peerrelay: deny '
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody'
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root'
	assert_printed '^pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup groups= cgroup=[^ ]* unit=[^ ]* size=10 data=fromnobody$'
}

@test "--allow-any lets nobody in" {
	start_listener "$NAME" --allow-any
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" anyone
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run "${WWW[@]}" "$PEERRELAY" send "$NAME" anyone2
	assert_success
	assert_output ""
	assert_printed \
	    '^pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup groups= cgroup=[^ ]* unit=[^ ]* size=6 data=anyone$' \
	    '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=7 data=anyone2$'
	run cat "$TDIR/err"
	refute_line --partial 'deny'
}

@test "the listener keeps serving after denials" {
	start_listener "$NAME" --allow-user www-data
	run "${NOBODY[@]}" "$PEERRELAY" send "$NAME" d1
	assert_equal "$status" 77
	assert_output --partial "not allowed"
	run "$PEERRELAY" send "$NAME" d2
	assert_equal "$status" 77
	assert_output --partial "not allowed"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" after
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	kill -0 "$LPID"
	assert_printed '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=5 data=after$'
	run grep -c '^peerrelay: deny ' "$TDIR/err"
	assert_success
	assert_output 2
}

# Root's user namespace with root alone mapped (unshare --map-root-user, run
# as root): every other outside uid and gid is unmapped there.
@test "in a user namespace every unmapped peer is the overflow uid: --allow-user nobody admits www-data, --allow-group nogroup too" {
	unshare --user --map-root-user true 2>/dev/null ||
	    skip "cannot create a user namespace here"
	[ "$(cat /proc/sys/kernel/overflowuid)" = 65534 ] ||
	    skip "overflowuid is not 65534 here"
	AS=(unshare --user --map-root-user)
	start_listener "$NAME" --allow-user nobody
	run --separate-stderr setpriv --reuid=33 --regid=33 --groups=4 \
	    "$PEERRELAY" send "$NAME" from-www-data
	assert_success
	assert_equal "$stderr" ""
	# Root is mapped (0 is 0 there): seen as itself, and denied.
	run --separate-stderr "$PEERRELAY" send "$NAME" from-root
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 0)"
	assert_printed '^pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup groups=65534 cgroup=[^ ]* unit=[^ ]* size=13 data=from-www-data$'
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody '
	assert_line --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root '
	stop_listener
	# Every outside group that is not mapped is nogroup there.
	start_listener "$NAME-2" --allow-group nogroup
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME-2" grp
	assert_success
	assert_equal "$stderr" ""
	assert_printed '^pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup groups= cgroup=[^ ]* unit=[^ ]* size=3 data=grp$'
}

@test "in a user namespace a client's --expect-user sees an unmapped listener as nobody" {
	unshare --user true 2>/dev/null ||
	    skip "cannot create a user namespace here"
	# A root listener outside; the sender in a namespace that maps no one.
	start_listener "$NAME"
	run --separate-stderr unshare --user "$PEERRELAY" send --expect-user root "$NAME" no
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: listener on $NAME runs as uid 65534 (nobody), expected root; nothing sent"
	run --separate-stderr unshare --user "$PEERRELAY" send --expect-user nobody "$NAME" yes
	assert_success
	assert_equal "$stderr" ""
	# The listener, outside, sees the sender as the root it is there.
	assert_printed "${REC}size=3 data=yes\$"
}
