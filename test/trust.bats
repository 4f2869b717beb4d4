#!/usr/bin/env bats
# The files root trusts: COMMAND, and every directory and link on its way,
# must be owned by root or the listener's user and writable by no one else
# (a sticky directory excepted), or a start and --check both refuse (64).

load helpers

# mkcmd PATH OWNER MODE: a /bin/sh script printing "ran", owned by OWNER.
mkcmd() {
	printf '#!/bin/sh\necho ran\n' >"$1"
	chown "$2" "$1"
	chmod "$3" "$1"
}

# mkdirs PATH OWNER MODE: a directory owned by OWNER with MODE.
mkdirs() {
	mkdir "$1"
	chown "$2" "$1"
	chmod "$3" "$1"
}

# Nothing listens on ADDRESS (/proc/net/unix).
not_listening() {
	! awk -v a="$1" '$NF == a { f = 1 } END { exit !f }' /proc/net/unix
}

# start_refused ADDRESS [OPTION...] [-- COMMAND...]: a start (as $AS) exits
# 64 without ever listening; its stderr in $TDIR/err.
start_refused() {
	local addr=$1 st=0
	listener_argv "$@"
	${AS[@]+"${AS[@]}"} "${LARGV[@]}" >"$TDIR/out" 2>"$TDIR/err" &
	LPID=$!
	LPIDS+=("$LPID")
	if wait_listening "$addr" "$LPID"; then
		echo "listener on $addr started:" >&2
		cat "$TDIR/err" >&2
		return 1
	fi
	wait "$LPID" || st=$?
	if [ "$st" -ne 64 ]; then
		echo "listener on $addr exited $st, not 64:" >&2
		cat "$TDIR/err" >&2
		return 1
	fi
}

# refused COMMAND REASON: a start and --check (as $AS) both exit 64 saying
# "COMMAND: unsafe command: REASON", and nothing listens on $NAME.
refused() {
	local cmd=$1 reason=$2
	start_refused "$NAME" -- "$cmd"
	run cat "$TDIR/err"
	assert_output "peerrelay: $cmd: unsafe command: $reason"
	run --separate-stderr ${AS[@]+"${AS[@]}"} "$PEERRELAY" listen --check \
	    "$NAME" -- "$cmd"
	assert_failure 64
	assert_output ""
	assert_equal "$stderr" "peerrelay: $cmd: unsafe command: $reason"
	not_listening "$NAME"
}

# serves COMMAND: a listener (as $AS) starts with it and runs it for a
# request from its own user.
serves() {
	start_listener "$NAME" -- "$1"
	run --separate-stderr ${AS[@]+"${AS[@]}"} "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output "ran"
}

@test "trust: a command owned by www-data is refused at start and by --check (64)" {
	mkdirs "$TDIR/bin" root 755
	mkcmd "$TDIR/bin/apply" www-data 755
	refused "$TDIR/bin/apply" "$TDIR/bin/apply is owned by www-data (uid 33)"
}

@test "trust: a root-owned command in a directory owned by www-data is refused, naming the directory" {
	mkdirs "$TDIR/www" www-data 755
	mkdir "$TDIR/www/bin"
	mkcmd "$TDIR/www/bin/apply.sh" root 755
	refused "$TDIR/www/bin/apply.sh" "$TDIR/www is owned by www-data (uid 33)"
}

@test "trust: a group-writable and a world-writable command are refused" {
	mkdirs "$TDIR/bin" root 755
	mkcmd "$TDIR/bin/gw" root 775
	mkcmd "$TDIR/bin/ow" root 757
	refused "$TDIR/bin/gw" "$TDIR/bin/gw is writable by its group"
	refused "$TDIR/bin/ow" "$TDIR/bin/ow is writable by others"
}

@test "trust: a group-writable directory above the command is refused" {
	mkdirs "$TDIR/gdir" root:www-data 775
	mkcmd "$TDIR/gdir/apply" root 755
	refused "$TDIR/gdir/apply" "$TDIR/gdir is writable by its group"
}

@test "trust: a command behind a link in a directory of www-data is refused, though the link points to a safe file" {
	mkdirs "$TDIR/bin" root 755
	mkcmd "$TDIR/bin/real" root 755
	mkdirs "$TDIR/www" www-data 755
	ln -s "$TDIR/bin/real" "$TDIR/www/apply"
	refused "$TDIR/www/apply" "$TDIR/www is owned by www-data (uid 33)"
}

@test "trust: a link in a safe directory to a command in a directory of www-data is refused" {
	mkdirs "$TDIR/www" www-data 755
	mkcmd "$TDIR/www/real" root 755
	ln -s "$TDIR/www/real" "$TDIR/apply"
	refused "$TDIR/apply" "$TDIR/www is owned by www-data (uid 33)"
}

@test "trust: a command found through PATH in a directory of www-data is refused" {
	mkdirs "$TDIR/www" www-data 755
	mkcmd "$TDIR/www/prt-apply" root 755
	run --separate-stderr env PATH="$TDIR/www:/usr/bin:/bin" "$PEERRELAY" \
	    listen --check "$NAME" -- prt-apply
	assert_failure 64
	assert_output ""
	assert_equal "$stderr" "peerrelay: $TDIR/www/prt-apply: unsafe command: $TDIR/www is owned by www-data (uid 33)"
}

@test "trust: a command in a sticky directory owned by www-data is refused" {
	mkdirs "$TDIR/st" www-data 1777
	mkcmd "$TDIR/st/apply" root 755
	refused "$TDIR/st/apply" "$TDIR/st is owned by www-data (uid 33)"
}

@test "trust: a root-owned 0755 command in a root-owned 0755 directory starts and runs" {
	mkdirs "$TDIR/bin" root 755
	mkcmd "$TDIR/bin/apply" root 755
	run "$PEERRELAY" listen --check "$NAME" -- "$TDIR/bin/apply"
	assert_success
	assert_line "command: $TDIR/bin/apply"
	serves "$TDIR/bin/apply"
}

@test "trust: a command under a sticky 1777 directory whose next component is root-owned starts and runs" {
	mkdirs "$TDIR/st" root 1777
	mkdirs "$TDIR/st/bin" root 755
	mkcmd "$TDIR/st/bin/apply" root 755
	serves "$TDIR/st/bin/apply"
}

@test "trust: under a sticky directory, a next component owned by www-data is refused" {
	mkdirs "$TDIR/st" root 1777
	mkdirs "$TDIR/st/bin" www-data 755
	mkcmd "$TDIR/st/bin/apply" root 755
	refused "$TDIR/st/bin/apply" "$TDIR/st/bin is owned by www-data (uid 33)"
}

@test "trust: a listener run as nobody with a command owned by nobody starts and runs" {
	mkcmd "$TDIR/apply" nobody 755
	AS=("${NOBODY[@]}")
	serves "$TDIR/apply"
}

@test "trust: a listener run as nobody refuses a command owned by www-data" {
	mkcmd "$TDIR/apply" www-data 755
	AS=("${NOBODY[@]}")
	refused "$TDIR/apply" "$TDIR/apply is owned by www-data (uid 33)"
}

@test "trust: a command that is not a regular file is refused" {
	mkfifo "$TDIR/fifo"
	chmod 755 "$TDIR/fifo"
	run --separate-stderr "$PEERRELAY" listen --check "$NAME" -- "$TDIR/fifo"
	assert_failure 64
	assert_output ""
}
