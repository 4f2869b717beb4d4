#!/usr/bin/env bats
# ucspi-unix's names: one script printing its UNIX* variables, run by
# Debian's unixserver and by `peerrelay listen`, side by side.

load helpers

setup_file() {
	[ "$(id -u)" = 0 ] || skip "the listeners run as nobody: needs root"
	command -v unixserver >/dev/null ||
	    skip "unixserver not installed (Debian package ucspi-unix)"
}

# $TDIR/vars: its own pid, its ids, then PROTO and the UNIX* variables.
vars_script() {
	cat >"$TDIR/vars" <<-'SH'
	#!/bin/sh
	echo "self=$$ uid=$(id -u) gid=$(id -g)"
	env | grep -E '^(PROTO|UNIX[A-Z]*)=' | sort
	SH
	chmod 755 "$TDIR/vars"
}

# Is the relative PATH a listening stream socket (unixserver's)?
stream_listening() {
	awk -v a="$1" '$4 == "00010000" && $5 == "0001" && $NF == a { f = 1 }
	    END { exit !f }' /proc/net/unix
}

# VALUE NAME: NAME's value in $1, the script's output.
var() {
	sed -n "s/^$2=//p" <<<"$1"
}

@test "the same script under unixserver and peerrelay listen: the UNIX* names alike, the local end's meaning documented" {
	vars_script
	# Both listeners run as nobody, in a directory of nobody's.
	mkdir -m 755 "$TDIR/d"
	chown 65534:65534 "$TDIR/d"
	cd "$TDIR/d"
	unixserver -u 65534 -g 65534 u "$TDIR/vars" 2>"$TDIR/us.err" &
	LPIDS+=("$!")
	local i
	for i in $(seq 1 400); do
		stream_listening u && break
		sleep 0.05
	done
	stream_listening u
	local AS=("${NOBODY[@]}")
	start_listener p --allow-user root -- "$TDIR/vars"
	run unixclient u sh -c 'exec cat <&6'
	assert_success
	local us=$output
	run --separate-stderr "$PEERRELAY" send p x
	assert_success
	local pr=$output
	# Every name unixserver sets, peerrelay sets too.
	local n
	for n in $(grep -o '^[A-Z]*=' <<<"$us" | tr -d =); do
		grep -q "^$n=" <<<"$pr" || { echo "peerrelay lacks $n" >&2; false; }
	done
	[ "$(grep -c '^UNIX' <<<"$us")" = 7 ]
	# The same values for the same things: the path as bound (here
	# relative, as given), the ids of the local end (nobody), PROTO.
	assert_equal "$(var "$us" PROTO)" UNIX
	assert_equal "$(var "$pr" PROTO)" UNIX
	assert_equal "$(var "$us" UNIXLOCALPATH)" u
	assert_equal "$(var "$pr" UNIXLOCALPATH)" p
	assert_equal "$(var "$us" UNIXLOCALUID)" 65534
	assert_equal "$(var "$pr" UNIXLOCALUID)" 65534
	assert_equal "$(var "$us" UNIXLOCALGID)" 65534
	assert_equal "$(var "$pr" UNIXLOCALGID)" 65534
	assert_equal "$(var "$us" UNIXREMOTEEUID)" 0
	assert_equal "$(var "$pr" UNIXREMOTEEUID)" 0
	assert_equal "$(var "$us" UNIXREMOTEEGID)" 0
	assert_equal "$(var "$pr" UNIXREMOTEEGID)" 0
	# The pid of the local end, the process holding the connection:
	# unixserver's child, which became the script; peerrelay's listener,
	# which holds the connection while the script runs.
	assert_equal "$(var "$us" UNIXLOCALPID)" "$(sed -n 's/^self=\([0-9]*\) .*/\1/p' <<<"$us")"
	assert_equal "$(var "$pr" UNIXLOCALPID)" "$LPID"
	[ "$(var "$pr" UNIXLOCALPID)" != "$(sed -n 's/^self=\([0-9]*\) .*/\1/p' <<<"$pr")" ]
}

@test "UNIXLOCALPATH: an absolute path as given; an abstract name as @name" {
	vars_script
	start_listener "$TDIR/s" -- "$TDIR/vars"
	run --separate-stderr "$PEERRELAY" send "$TDIR/s" x
	assert_success
	assert_line "UNIXLOCALPATH=$TDIR/s"
	assert_line "UNIXLOCALPID=$LPID"
	assert_line "UNIXLOCALUID=0"
	assert_line "UNIXLOCALGID=0"
	start_listener "$NAME" -- "$TDIR/vars"
	run --separate-stderr "$PEERRELAY" send "$NAME" x
	assert_success
	assert_line "UNIXLOCALPATH=$NAME"
	assert_line "UNIXLOCALPID=$LPID"
}

@test "--keep-env and a rule's setenv cannot replace UNIXLOCAL*" {
	vars_script
	run --separate-stderr env UNIXLOCALPATH=/x "$PEERRELAY" listen \
	    --keep-env UNIXLOCALPATH "$NAME" -- "$TDIR/vars"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: --keep-env UNIXLOCALPATH: set by peerrelay itself"
	printf 'permit v user root setenv UNIXLOCALPID=1 %s\n' "$TDIR/vars" >"$TDIR/rules"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$TDIR/rules" "$NAME"
	assert_failure 64
	[[ $stderr == *"rules: line 1: UNIXLOCALPID=1: set by peerrelay itself"* ]]
}
