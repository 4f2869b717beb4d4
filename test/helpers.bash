# Shared set-up for the bats suite. Every test gets a short private directory
# ($TDIR, short enough for sun_path) and a unique abstract name ($NAME).
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

PEERRELAY=${PEERRELAY:-$BATS_TEST_DIRNAME/../peerrelay}
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
WWW=(setpriv --reuid=33 --regid=33 --clear-groups)
# test/actclient.py, which other users run: test/run.sh's copy, which they
# can reach wherever the checkout lives; else the tree's.
ACT=(/usr/bin/python3 "${PEERRELAY_ACTCLIENT:-$BATS_TEST_DIRNAME/actclient.py}")

setup() {
	TDIR=$(mktemp -d /tmp/prt.XXXXXX)
	# Other users (nobody, www-data) must reach sockets and scripts here.
	chmod 755 "$TDIR"
	NAME="@prt-$$-${BATS_TEST_NUMBER}-$RANDOM"
	LPIDS=()
}

teardown() {
	local p
	for p in "${LPIDS[@]}"; do
		# Reaped here, so bash does not report them as "Killed".
		{ kill -KILL "$p" && wait "$p"; } 2>/dev/null || true
	done
	rm -rf "$TDIR"
}

# Is ADDRESS a listening socket in /proc/net/unix? A path the listener binds
# through its directory's descriptor shows as /proc/self/fd/N/NAME: that
# one counts only when the socket is one of PID's.
unix_listening() {
	local addr=$1 pid=${2:-} inodes=""
	if [ -n "$pid" ]; then
		inodes=$(ls -l "/proc/$pid/fd" 2>/dev/null |
		    sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	fi
	awk -v a="$addr" -v b="${addr##*/}" -v ino=" $inodes" '
	$4 == "00010000" && $5 == "0005" {
		n = $NF
		if (n == a) { f = 1; exit }
		if (substr(a, 1, 1) != "@" &&
		    sub(/^\/proc\/self\/fd\/[0-9]+\//, "", n) && n == b &&
		    index(ino, " " $7 " ")) { f = 1; exit }
	}
	END { exit !f }' /proc/net/unix
}

# Wait until ADDRESS is a listening socket of PID (or PID has died): a
# readiness check, not a sleep.
wait_listening() {
	local addr=$1 pid=$2 i
	for i in $(seq 1 400); do
		unix_listening "$addr" "$pid" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# listener_argv ADDRESS [OPTION...] [-- COMMAND...]: LARGV is the argv of
# `peerrelay listen OPTION... ADDRESS [-- COMMAND...]`.
listener_argv() {
	local addr=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	LARGV=("$PEERRELAY" listen "${opts[@]}" "$addr" "$@")
}

# start_listener ADDRESS [OPTION...] [-- COMMAND...]
# Runs `peerrelay listen OPTION... ADDRESS [-- COMMAND...]` in the background
# (as $AS, an array command prefix, when set), stdout in $TDIR/out, stderr in
# $TDIR/err, and waits until it listens. Sets LPID.
start_listener() {
	local addr=$1
	listener_argv "$@"
	${AS[@]+"${AS[@]}"} "${LARGV[@]}" >"$TDIR/out" 2>"$TDIR/err" &
	LPID=$!
	LPIDS+=("$LPID")
	if ! wait_listening "$addr" "$LPID"; then
		echo "listener on $addr did not start:" >&2
		cat "$TDIR/err" >&2
		return 1
	fi
}

# Stop the listener with SIGTERM and wait for it; its status in $LSTATUS.
stop_listener() {
	kill -TERM "$LPID"
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
}

# Wait (bounded) until FILE contains a line matching the regex.
wait_for_line() {
	local file=$1 re=$2 i
	for i in $(seq 1 400); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no line matching '$re' in $file:" >&2
	cat "$file" >&2
	return 1
}

# The listener's stdout holds exactly one line per regex given, in order
# (nothing at all without arguments).
assert_printed() {
	run cat "$TDIR/out"
	assert_success
	if [ $# -eq 0 ]; then
		assert_output ""
		return
	fi
	assert_equal "${#lines[@]}" "$#"
	local i=0 re
	for re in "$@"; do
		assert_line --index "$i" --regexp "$re"
		i=$((i + 1))
	done
}

# The start of a text record from a root peer.
REC='^pid=[0-9]+ uid=0 gid=0 user=root group=root groups=[0-9,]* cgroup=[^ ]* unit=[^ ]* '

# A stall test's figure: WHAT took MS milliseconds. Always reported on fd 3;
# only `make check-stress` (STRESS_BOUNDS=1) also fails when it is over
# LIMIT_MS, a generous bound (at least five times what is expected), since
# wall-clock bounds do not belong in the everyday suite.
stall_figure() {
	local what=$1 ms=$2 limit=$3
	echo "# $what: ${ms} ms (bound ${limit} ms$([ -n "$STRESS_BOUNDS" ] || echo ', not asserted'))" >&3
	if [ -n "$STRESS_BOUNDS" ] && [ "$ms" -gt "$limit" ]; then
		echo "$what took ${ms} ms, over the bound of ${limit} ms" >&2
		return 1
	fi
}

# stall_figures WHAT MEDIAN_LIMIT MAX_LIMIT MS...: the median (unless
# MEDIAN_LIMIT is -) and the largest of several timings, as stall_figure.
stall_figures() {
	local what=$1 lmed=$2 lmax=$3 sorted
	shift 3
	sorted=($(printf '%s\n' "$@" | sort -n))
	if [ "$lmed" != - ]; then
		stall_figure "$what: median" "${sorted[$((${#sorted[@]} / 2))]}" "$lmed" || return 1
	fi
	stall_figure "$what: max" "${sorted[$((${#sorted[@]} - 1))]}" "$lmax"
}

# Milliseconds of the wall clock.
ms_now() {
	local t=$EPOCHREALTIME
	echo $(( ${t/./} / 1000 ))
}

# Wait (bounded) until FILE exists and is not empty.
wait_for_file() {
	local i
	for i in $(seq 1 400); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "$1 never appeared" >&2
	return 1
}

# Wait (bounded) until FILE has at least N lines matching the regex.
wait_for_count() {
	local file=$1 re=$2 n=$3 i
	for i in $(seq 1 400); do
		[ "$(grep -Ec -- "$re" "$file" 2>/dev/null)" -ge "$n" ] && return 0
		sleep 0.05
	done
	echo "fewer than $n lines matching '$re' in $file:" >&2
	cat "$file" >&2
	return 1
}

# hold_conns ADDRESS N: a process (its pid in HPID, killed at teardown)
# holding N silent connections to the abstract ADDRESS. Returns once every
# connect(2) has returned (accepted, or waiting in the backlog).
hold_conns() {
	local ready=$TDIR/held.$RANDOM
	python3 -c '
import socket, sys, time
socks = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect("\0" + sys.argv[1])
    socks.append(s)
open(sys.argv[3], "w").write("ready\n")
time.sleep(600)
' "${1#@}" "$2" "$ready" 3>&- &
	HPID=$!
	LPIDS+=("$HPID")
	wait_for_file "$ready"
}

# The cgroup v2 hierarchy's mount point, from /proc/self/mountinfo as the
# listener finds it (empty: none is mounted).
cgroup2_mount() {
	awk '{ for (i = 7; i < NF && $i != "-"; i++) ;
	    if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

# This shell's cgroup v2 path, as /proc/PID/cgroup's 0:: line shows it.
own_cgroup() {
	sed -n 's/^0:://p' "/proc/$BASHPID/cgroup"
}

# The unit cgroup path $1 names, as the listener (and systemd) name it: the
# first component after the leading *.slice ones; nothing when it is none.
cgroup_unit_of() {
	local rest=${1#/} c
	while c=${rest%%/*}; [[ $c == ?*.slice ]]; do
		[[ $rest == */* ]] && rest=${rest#*/} || rest=
	done
	c=${c#_}
	if [[ $c =~ ^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\@-]+)?\.(service|socket|target|device|mount|automount|swap|timer|path|scope)$ ]]; then
		echo "$c"
	fi
}

# Should the listener read peers' cgroups here: is a cgroup v2 hierarchy
# mounted, and has the kernel SO_PEERPIDFD (77; Linux 6.5)? Asked of the
# machine, not of the binary under test.
cgroups_read() {
	[ -n "$(cgroup2_mount)" ] && python3 -c '
import socket
a, b = socket.socketpair()
a.getsockopt(socket.SOL_SOCKET, 77)' 2>/dev/null
}

# The variables the listener adds for a peer in this shell's cgroup.
cgroup_env_names() {
	cgroups_read || return 0
	printf 'UNIXREMOTECGROUP '
	if [ -n "$(cgroup_unit_of "$(own_cgroup)")" ]; then
		printf 'UNIXREMOTEUNIT '
	fi
}

# NAME...: one line, sorted as env_names sorts them.
sorted_names() {
	printf '%s\n' "$@" | sort | tr '\n' ' '
}

# The "cgroups:" line --check prints on this machine, checked for its form.
cgroups_line() {
	"$PEERRELAY" listen --check "@prt-probe-$$" 2>/dev/null | grep -E \
	    '^cgroups: (v2 at /[^;]+; read at accept, confirmed by .+|not read \(.+\))$'
}

# $TDIR/argv.py, a rule's command for tests: prints its argv (after
# argv[0]) NUL-separated and appends its first argument to $TDIR/ran.
# Root's, in root's 0755 $TDIR: a trusted command.
argv_command() {
	cat >"$TDIR/argv.py" <<-PY
	#!/usr/bin/python3
	import os, sys
	sys.stdout.buffer.write(b"\\0".join(os.fsencode(a) for a in sys.argv[1:]))
	with open("$TDIR/ran", "a") as f:
	    f.write(" ".join(sys.argv[1:2]) + "\\n")
	PY
	chmod 755 "$TDIR/argv.py"
}

# TEXT with each request id in send's messages shown as C.N, its
# connection's part (a prefix drawn per start) as C: "(request C.2)".
norm_ids() {
	sed -E 's/([( ])request [0-9a-f]{12}-[1-9][0-9]*\.([1-9][0-9]*)\)/\1request C.\2)/g' <<<"$1"
}
