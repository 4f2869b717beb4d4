#!/usr/bin/env bats
# Fitting the Linux toolbox: systemd socket activation, --syslog, --run-as,
# the process title, --check, install/uninstall, bash completion, the
# contrib units and the examples.

load helpers

REPO=$BATS_TEST_DIRNAME/..
# Testing an installed peerrelay (debian/tests/suite): the installed
# examples, units and completion; otherwise the source tree's.
if [ -n "${PEERRELAY_INSTALLED:-}" ]; then
	EX=/usr/lib/peerrelay/examples
	UNITS=$EX/systemd
	COMPLETION=/usr/share/bash-completion/completions/peerrelay
else
	# test/run.sh's copies, which other users can reach; else the tree's.
	EX=${PEERRELAY_EXAMPLES:-$REPO/examples}
	UNITS=$REPO/contrib/systemd
	COMPLETION=$REPO/completion/peerrelay.bash
fi

# helpers.bash's teardown, then whatever a test created outside $TDIR.
eval "helpers_$(declare -f teardown)"
teardown() {
	helpers_teardown
	if [ -n "${MKUSER:-}" ]; then
		userdel "$MKUSER" 2>/dev/null || true
	fi
}

# mkscript NAME BODY: a /bin/sh script $TDIR/NAME (mode 755) running BODY.
mkscript() {
	printf '#!/bin/sh\n%s\n' "$2" >"$TDIR/$1"
	chmod 755 "$TDIR/$1"
}

# Wait (bounded) until COMMAND... succeeds.
wait_until() {
	local i
	for i in $(seq 1 400); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "never true: $*" >&2
	return 1
}

# activate PATH [OPTION...] [-- COMMAND...]: `peerrelay listen` with no
# ADDRESS, started by systemd-socket-activate --seqpacket on PATH (mode 0666:
# every test user may connect), output in $TDIR/out and $TDIR/err. Sets
# LPID, which becomes peerrelay's pid once the first client connects.
activate() {
	local path=$1
	shift
	(exec systemd-socket-activate --seqpacket -l "$path" \
	    ${SSA_OPTS[@]+"${SSA_OPTS[@]}"} "$PEERRELAY" listen "$@") \
	    >"$TDIR/out" 2>"$TDIR/err" 3>&- &
	LPID=$!
	LPIDS+=("$LPID")
	wait_listening "$path" "$LPID" || return 1
	# systemd-socket-activate ignores the umask; peerrelay is not started
	# before the first connection, so this is no race.
	chmod 0666 "$path"
	# That first connection, made by root, says nothing: its socket did
	# not pass credentials when it connected (systemd-socket-activate has
	# no PassCredentials=), and one sent as it is accepted would be
	# refused. The tests' own connections come once peerrelay has set it.
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])' "$path" || return 1
	wait_for_line "$TDIR/err" '^peerrelay: listening on ' || return 1
}

# with_fd3 KIND PATH COMMAND...: run COMMAND (same pid, so LISTEN_PID is
# right) with LISTEN_FDS=1 and fd 3 one of: seqpacket (a listening
# SOCK_SEQPACKET socket bound to PATH), seqpacket-idle (bound, not
# listening), stream (listening SOCK_STREAM), inet (listening TCP), pipe.
with_fd3() {
	python3 -c '
import os, socket, sys
kind, path, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if kind == "pipe":
    fd = os.pipe()[0]
elif kind == "inet":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen()
    fd = s.fileno()
else:
    t = socket.SOCK_STREAM if kind == "stream" else socket.SOCK_SEQPACKET
    s = socket.socket(socket.AF_UNIX, t)
    s.bind(path)
    # As PassCredentials=yes in a .socket unit.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    if kind != "seqpacket-idle":
        s.listen()
    fd = s.fileno()
if fd == 3:
    os.set_inheritable(3, True)
else:
    os.dup2(fd, 3)
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execv(argv[0], argv)
' "$@"
}

# The variable names in env(1) output ($output), sorted, space-separated.
env_names() {
	printf '%s\n' "$output" | cut -d= -f1 | sort | tr '\n' ' '
}

# silent_client ADDRESS: connects, then says nothing, in the background;
# returns once it is connected. Its pid in $SILENT.
silent_client() {
	python3 -c '
import socket, sys, time
a = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + a[1:] if a.startswith("@") else a)
print("connected", flush=True)
time.sleep(30)
' "$1" >"$TDIR/silent" 2>&1 3>&- &
	SILENT=$!
	LPIDS+=("$SILENT")
	wait_for_line "$TDIR/silent" '^connected$'
}

title_is() {
	[ "$(ps -o args= -p "$1")" = "$2" ]
}

# start_syslog: a syslog receiver (a Unix datagram socket at $TDIR/log)
# writing each message as one line of $TDIR/syslog; and in AS, a prefix
# that runs a command in a private mount namespace whose /dev/log is it.
start_syslog() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\n").replace(b"\n", b"\\n") + b"\n")
' "$TDIR/log" "$TDIR/syslog" 3>&- &
	LPIDS+=("$!")
	wait_until test -S "$TDIR/log"
	: >>"$TDIR/syslog"
	AS=(unshare -m sh -c 'mkdir -p "$0/odev" && mount --rbind /dev "$0/odev" &&
	    mount -t tmpfs tmpfs /dev && touch /dev/null &&
	    mount --bind "$0/odev/null" /dev/null && ln -s "$0/log" /dev/log &&
	    exec "$@"' "$TDIR")
}

# The credentials script: ids, then everything that must not change.
creds_script() {
	mkscript creds 'id -u; id -g; id -G
echo "cwd=$(pwd -P) umask=$(umask)"
[ "$(ps -o pgid= -p $$ | tr -d " ")" = "$$" ] && echo "own process group"
grep -E "^(SigBlk|SigIgn|NoNewPrivs):" /proc/self/status
ls /proc/self/fd | tr "\n" " "; echo
env | grep -v "^UNIXREMOTEPID=" | sort
echo "stdin=$(cat)"'
}

@test "socket activation: systemd-socket-activate's socket serves www-data, refuses nobody (77), is never unlinked" {
	activate "$TDIR/s" --allow-user www-data -- /bin/cat
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" hello
	assert_success
	assert_output "hello"
	assert_equal "$stderr" ""
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$TDIR/s" hello
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 65534)"
	# systemd-socket-activate has no PassCredentials=: the listener says
	# what that means.
	run grep -c '^peerrelay: note: socket activation: fd 3 was not set to pass credentials (PassCredentials=yes in the .socket unit): a client that connected before this start may be refused once$' "$TDIR/err"
	assert_output 1
	# activate's own connection, root's, denied here, is not these.
	run sh -c 'grep -E "^peerrelay: (listening|allow|deny|run) " "$1" | grep -v " uid=0 "' sh "$TDIR/err"
	assert_line --index 0 "peerrelay: listening on systemd socket fd 3 ($TDIR/s) (/usr/bin/cat)"
	assert_line --index 1 --regexp '^peerrelay: allow conn=[^ ]* pid=[0-9]+ uid=33 '
	assert_line --index 2 --regexp '^peerrelay: run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 .* status=exit 0 '
	assert_line --index 3 --regexp '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=65534 '
	# Same pid: systemd-socket-activate became peerrelay, title and all.
	run ps -o args= -p "$LPID"
	assert_output "peerrelay: listen $TDIR/s (0 active)"
	stop_listener
	assert_equal "$LSTATUS" 0
	# The socket file is systemd's, not ours to remove.
	[ -S "$TDIR/s" ]
}

@test "socket activation: LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES never reach the command, even with --keep-env" {
	SSA_OPTS=(--fdname=cfg -E PRT_MARK=kept)
	activate "$TDIR/s" --keep-env LISTEN_PID --keep-env LISTEN_FDS \
	    --keep-env LISTEN_FDNAMES --keep-env PRT_MARK -- /usr/bin/env
	run "$PEERRELAY" send "$TDIR/s" x
	assert_success
	# PRT_MARK came the same way: --keep-env does pass what is there.
	assert_line "PRT_MARK=kept"
	# The socket systemd bound, as getsockname(2) gives it.
	assert_line "UNIXLOCALPATH=$TDIR/s"
	refute_output --partial "LISTEN_"
	assert_equal "$(env_names)" "$(sorted_names PATH PEERRELAY_CONN_ID PEERRELAY_REQUEST_ID PROTO PRT_MARK UNIXLOCALGID UNIXLOCALPATH UNIXLOCALPID UNIXLOCALUID UNIXREMOTEEGID UNIXREMOTEEUID UNIXREMOTEGROUP UNIXREMOTEPID UNIXREMOTEUSER $(cgroup_env_names))"
}

@test "socket activation: any parent's listening SEQPACKET socket on fd 3 (here Python's, passing credentials) works the same, with no note, and is left in place" {
	with_fd3 seqpacket "$TDIR/p" "$PEERRELAY" listen --once -- /bin/cat \
	    >"$TDIR/out" 2>"$TDIR/err" 3>&- &
	LPID=$!
	LPIDS+=("$LPID")
	wait_listening "$TDIR/p" "$LPID"
	run "$PEERRELAY" send "$TDIR/p" via-fd3
	assert_success
	assert_output "via-fd3"
	wait "$LPID"
	run cat "$TDIR/err"
	# Its socket passes credentials (as with PassCredentials=yes): no note.
	assert_line --index 0 "peerrelay: listening on systemd socket fd 3 ($TDIR/p) (/usr/bin/cat)"
	refute_output --partial "note: socket activation"
	[ -S "$TDIR/p" ]
}

@test "bad activation environment without ADDRESS: exit 64 naming the values" {
	run --separate-stderr "$PEERRELAY" listen
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: listen: missing ADDRESS, and no socket passed by systemd: LISTEN_PID and LISTEN_FDS are not set (see peerrelay help listen)"
	run --separate-stderr env LISTEN_PID=1 LISTEN_FDS=1 "$PEERRELAY" listen
	assert_equal "$status" 64
	[[ "$stderr" =~ ^"peerrelay: listen: missing ADDRESS, and no socket passed by systemd: LISTEN_PID=1 is not this process ("[0-9]+")" ]]
	run --separate-stderr sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$0" listen' "$PEERRELAY"
	assert_equal "$status" 64
	[[ "$stderr" == *"no socket passed by systemd: LISTEN_FDS=2: exactly one socket expected"* ]]
	run --separate-stderr sh -c 'LISTEN_PID=$$ LISTEN_FDS=one exec "$0" listen' "$PEERRELAY"
	assert_equal "$status" 64
	[[ "$stderr" == *"no socket passed by systemd: LISTEN_FDS=one: invalid"* ]]
	run --separate-stderr env LISTEN_FDS=1 "$PEERRELAY" listen -- /bin/cat
	assert_equal "$status" 64
	[[ "$stderr" == *"no socket passed by systemd: LISTEN_FDS is set but not LISTEN_PID"* ]]
	run --separate-stderr sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" listen --mode 0600' "$PEERRELAY"
	assert_equal "$status" 64
	[[ "$stderr" == *"--mode and --owner do not apply to a socket passed by systemd"* ]]
}

@test "fd 3 not an AF_UNIX SOCK_SEQPACKET listening socket: exit 69 saying what it is" {
	run --separate-stderr with_fd3 pipe - "$PEERRELAY" listen
	assert_equal "$status" 69
	assert_equal "$stderr" "peerrelay: socket activation: fd 3 is not a socket"
	run --separate-stderr with_fd3 stream "$TDIR/st" "$PEERRELAY" listen
	assert_equal "$status" 69
	assert_equal "$stderr" "peerrelay: socket activation: fd 3 is a SOCK_STREAM socket, not SOCK_SEQPACKET (ListenSequentialPacket= in the .socket unit)"
	run --separate-stderr with_fd3 seqpacket-idle "$TDIR/si" "$PEERRELAY" listen
	assert_equal "$status" 69
	assert_equal "$stderr" "peerrelay: socket activation: fd 3 is not a listening socket (Accept=yes in the .socket unit?)"
	run --separate-stderr with_fd3 inet - "$PEERRELAY" listen
	assert_equal "$status" 69
	assert_equal "$stderr" "peerrelay: socket activation: fd 3 is not an AF_UNIX socket"
	# A socket passed by systemd-socket-activate as a stream socket, too.
	(exec systemd-socket-activate -l "$TDIR/ss" "$PEERRELAY" listen) \
	    >"$TDIR/out" 2>"$TDIR/err" 3>&- &
	LPID=$!
	LPIDS+=("$LPID")
	wait_until test -S "$TDIR/ss"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
' "$TDIR/ss"
	local st=0
	wait "$LPID" || st=$?
	assert_equal "$st" 69
	run grep '^peerrelay:' "$TDIR/err"
	assert_output "peerrelay: socket activation: fd 3 is a SOCK_STREAM socket, not SOCK_SEQPACKET (ListenSequentialPacket= in the .socket unit)"
}

@test "--syslog: denials at authpriv.notice, runs at daemon.info, errors at daemon.err; nothing on stderr" {
	start_syslog
	mkscript ok 'cat >/dev/null'
	start_listener "$NAME" --syslog --allow-user www-data -- "$TDIR/ok"
	run "${WWW[@]}" "$PEERRELAY" send "$NAME" hello
	assert_success
	rm "$TDIR/ok"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" hello
	assert_equal "$status" 70
	run "${NOBODY[@]}" "$PEERRELAY" send "$NAME" hello
	assert_equal "$status" 77
	wait_for_line "$TDIR/syslog" ' deny '
	stop_listener
	assert_equal "$LSTATUS" 0
	local h="[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} peerrelay\\[$LPID\\]:"
	run cat "$TDIR/syslog"
	assert_line --index 0 --regexp "^<28>$h warning: abstract socket $NAME: anyone"
	assert_line --index 1 --regexp "^<30>$h listening on $NAME \\($TDIR/ok\\)\$"
	assert_line --index 2 --regexp "^<30>$h allow conn=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data( cgroup=[^ ]+( unit=[^ ]+)?)?\$"
	assert_line --index 3 --regexp "^<30>$h start conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data size=5\$"
	assert_line --index 4 --regexp "^<30>$h run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data status=exit 0 duration="
	assert_line --index 5 --regexp "^<30>$h allow conn=[^ ]* pid=[0-9]+ uid=33 "
	assert_line --index 6 --regexp "^<30>$h start conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 "
	assert_line --index 7 --regexp "^<27>$h error conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data reason=cannot run $TDIR/ok: No such file or directory\$"
	assert_line --index 8 --regexp "^<85>$h deny conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup failed=users\$"
	assert_line --index 9 --regexp "^<30>$h Terminated: stopping: 0 connection"
	# The same lines, not also on stderr.
	run cat "$TDIR/err"
	assert_output ""
}

@test "--run-as nobody changes uid, gid and groups of the command and nothing else; the listener stays root" {
	creds_script
	cd "$TDIR"
	start_listener "$NAME" --run-as nobody -- "$TDIR/creds"
	local as_nobody=$LPID
	start_listener "$NAME-2" -- "$TDIR/creds"
	run --separate-stderr "$PEERRELAY" send "$NAME" "same input"
	assert_success
	assert_equal "$stderr" ""
	local nobody=$output
	run --separate-stderr "$PEERRELAY" send "$NAME-2" "same input"
	assert_success
	local root=$output
	assert_equal "$(head -n 3 <<<"$nobody" | tr '\n' ' ')" "65534 65534 65534 "
	assert_equal "$(head -n 3 <<<"$root" | tr '\n' ' ')" "0 0 0 "
	# Everything after the ids is identical, and is what it should be;
	# but for signals 32 and 33, which glibc's posix_spawn leaves ignored
	# and --run-as (vfork, then execve) leaves at their default like all;
	# and the ids, the pids and the addresses, which are two listeners'.
	local other='^(SigIgn:|PEERRELAY_|UNIXLOCALP(ATH|ID)=)'
	assert_equal "$(tail -n +4 <<<"$nobody" | grep -Ev "$other")" \
	    "$(tail -n +4 <<<"$root" | grep -Ev "$other")"
	run tail -n +4 <<<"$nobody"
	assert_line --index 0 "cwd=$TDIR umask=$(umask)"
	assert_line --index 1 "own process group"
	assert_line "SigBlk:	0000000000000000"
	assert_line "SigIgn:	0000000000000000"
	assert_line "NoNewPrivs:	0"
	assert_line "0 1 2 3 "
	assert_line "stdin=same input"
	assert_line "PROTO=UNIX"
	# UNIXLOCAL* are the listener's, which holds the connection: root.
	assert_line "UNIXLOCALUID=0"
	assert_line "UNIXLOCALGID=0"
	assert_line "UNIXLOCALPID=$as_nobody"
	# The listener itself is still root, with the groups it started with.
	run grep -E '^(Uid|Gid|Groups):' "/proc/$as_nobody/status"
	assert_line --index 0 "$(printf 'Uid:\t0\t0\t0\t0')"
	assert_line --index 1 "$(printf 'Gid:\t0\t0\t0\t0')"
	assert_line --index 2 "$(grep '^Groups:' /proc/$$/status)"
}

@test "--run-as USER:GROUP and numeric ids: nobody:nogroup, nobody:www-data, 4000123:nogroup" {
	mkscript ids 'id -u; id -g; id -G'
	start_listener "$NAME" --run-as nobody:nogroup -- "$TDIR/ids"
	run "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output "$(printf '65534\n65534\n65534')"
	start_listener "$NAME-2" --run-as nobody:www-data -- "$TDIR/ids"
	run "$PEERRELAY" send "$NAME-2" x
	assert_success
	assert_output "$(printf '65534\n33\n33')"
	start_listener "$NAME-3" --run-as 4000123:65534 -- "$TDIR/ids"
	run "$PEERRELAY" send "$NAME-3" x
	assert_success
	assert_output "$(printf '4000123\n65534\n65534')"
}

@test "--run-as a user with supplementary groups gets exactly them (initgroups)" {
	MKUSER=prtu$$
	userdel "$MKUSER" 2>/dev/null || true
	useradd --system --no-create-home --no-user-group --gid nogroup \
	    --groups adm,www-data --shell /usr/sbin/nologin "$MKUSER"
	local uid
	uid=$(id -u "$MKUSER")
	mkscript ids 'id -u; id -g; id -G | tr " " "\n" | sort -n | tr "\n" " "'
	run "$PEERRELAY" listen --check --run-as "$MKUSER" "$NAME" -- "$TDIR/ids"
	assert_success
	assert_line "run-as: $MKUSER (uid $uid), group nogroup (gid 65534), groups 65534,4,33"
	start_listener "$NAME" --run-as "$MKUSER" -- "$TDIR/ids"
	run "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output "$(printf '%s\n65534\n4 33 65534 ' "$uid")"
}

@test "--run-as: the command holds no capability and cannot become root again" {
	mkscript caps 'grep -E "^Cap(Prm|Eff|Amb):" /proc/self/status
setpriv --reuid=0 id -u 2>&1 || echo "setuid refused"'
	start_listener "$NAME" --run-as www-data -- "$TDIR/caps"
	run "$PEERRELAY" send "$NAME" x
	assert_success
	assert_line --index 0 "CapPrm:	0000000000000000"
	assert_line --index 1 "CapEff:	0000000000000000"
	assert_line --index 2 "CapAmb:	0000000000000000"
	assert_line "setuid refused"
	refute_line "0"
}

@test "--run-as: a command the user may not run fails that request (70, step logged); the next one runs" {
	mkscript secret 'echo ran'
	chmod 700 "$TDIR/secret"
	start_listener "$NAME" --run-as nobody -- "$TDIR/secret"
	run --separate-stderr "$PEERRELAY" send "$NAME" x
	assert_equal "$status" 70
	assert_output ""
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): cannot run the command"
	run grep -c -- "--run-as: execve: Permission denied" "$TDIR/err"
	assert_output "1"
	# The child was reaped there, not left behind; the listener goes on.
	run pgrep -P "$LPID"
	assert_failure
	chmod 755 "$TDIR/secret"
	run "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output "ran"
}

@test "--run-as: refused at start-up without CAP_SETUID (77), without a command or for an unknown user (64)" {
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" listen --run-as www-data "$NAME" -- /bin/true
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: --run-as www-data: needs root (CAP_SETUID)"
	# Root without the capability is refused too: it is capabilities that count.
	run --separate-stderr setpriv --bounding-set=-setuid "$PEERRELAY" listen --run-as www-data "$NAME" -- /bin/true
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: --run-as www-data: needs root (CAP_SETUID)"
	run --separate-stderr "$PEERRELAY" listen --run-as www-data "$NAME"
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: --run-as needs a COMMAND"
	run --separate-stderr "$PEERRELAY" listen --run-as no-such-user-xyz "$NAME" -- /bin/true
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: --run-as no-such-user-xyz: no such user"
	run --separate-stderr "$PEERRELAY" listen --run-as nobody:no-such-group-xyz "$NAME" -- /bin/true
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: --run-as nobody:no-such-group-xyz: no such group"
	run --separate-stderr "$PEERRELAY" listen --run-as 4000123 "$NAME" -- /bin/true
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: --run-as 4000123: uid has no passwd entry: give USER:GROUP"
	run --separate-stderr "$PEERRELAY" listen --run-as 99999999999 "$NAME" -- /bin/true
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: --run-as 99999999999: too large"
}

# hold_request ADDRESS: send a request whose command prints its pid and
# waits; the pid in CPID, send's in SPID (its output in $TDIR/sent).
hold_request() {
	"$PEERRELAY" send "$1" secret-request >"$TDIR/sent" 2>&1 &
	SPID=$!
	LPIDS+=("$SPID")
	wait_for_line "$TDIR/sent" '^[0-9]+$'
	CPID=$(head -n 1 "$TDIR/sent")
}

@test "--run-as nobody: another nobody process reads the request and kills the command; a user of its own is out of its reach" {
	mkscript hold 'echo $$; exec sleep 60'
	start_listener "$NAME" --run-as nobody -- "$TDIR/hold"
	hold_request "$NAME"
	# A nobody process, say a client the listener denied: same uid.
	run "${NOBODY[@]}" cat "/proc/$CPID/fd/0"
	assert_success
	assert_output "secret-request"
	run "${NOBODY[@]}" kill "$CPID"
	assert_success
	local st=0
	wait "$SPID" || st=$?
	assert_equal "$st" 143
	assert_equal "$(norm_ids "$(tail -n 1 "$TDIR/sent")")" "peerrelay: killed by signal 15 (request C.1)"
	# A dedicated system user, as the man page recommends.
	MKUSER=prtc$$
	userdel "$MKUSER" 2>/dev/null || true
	useradd --system --user-group --no-create-home \
	    --shell /usr/sbin/nologin "$MKUSER"
	start_listener "$NAME-2" --run-as "$MKUSER" -- "$TDIR/hold"
	hold_request "$NAME-2"
	run ps -o user= -p "$CPID"
	assert_output "$MKUSER"
	run "${NOBODY[@]}" cat "/proc/$CPID/fd/0"
	assert_failure
	assert_output --partial "Permission denied"
	run "${NOBODY[@]}" kill "$CPID"
	assert_failure
	assert_output --partial "Operation not permitted"
	kill "$CPID"
	st=0
	wait "$SPID" || st=$?
	assert_equal "$st" 143
}

@test "process title: 'peerrelay: listen ADDRESS (N active)' follows the connections" {
	start_listener "$NAME"
	wait_until title_is "$LPID" "peerrelay: listen $NAME (0 active)"
	silent_client "$NAME"
	wait_until title_is "$LPID" "peerrelay: listen $NAME (1 active)"
	local first=$SILENT
	silent_client "$NAME"
	wait_until title_is "$LPID" "peerrelay: listen $NAME (2 active)"
	kill "$first"
	wait_until title_is "$LPID" "peerrelay: listen $NAME (1 active)"
	run cat "/proc/$LPID/cmdline"
	assert_output "peerrelay: listen $NAME (1 active)"
}

@test "--check: a good configuration prints the effective policy, binds nothing, exits 0" {
	run --separate-stderr "$PEERRELAY" listen --check --allow-user www-data \
	    --allow-group adm --run-as nobody --mode 0660 --owner root:www-data \
	    --max-size 4K --timeout 30 --keep-env LANG "$TDIR/s" -- /bin/cat -n
	assert_success
	assert_equal "$stderr" ""
	assert_output "address: $TDIR/s (filesystem path)
socket mode: 0660
socket owner: root:www-data (uid 0, gid 33)
allow: user www-data (uid 33)
allow: group adm (gid 4)
$(cgroups_line)
mode: exec
command: $(realpath /bin/cat) -n
run-as: nobody (uid 65534), group nogroup (gid 65534), groups 65534
keep-env: LANG
max-size: 4096
max-conns: 64
max-conns-per-uid: 16
timeout: 30
idle-timeout: 60
stop-timeout: 30
once: no
log: stderr"
	[ ! -e "$TDIR/s" ]
	# --syslog: --check connects to /dev/log as a start would.
	start_syslog
	run --separate-stderr "${AS[@]}" "$PEERRELAY" listen --check --format json --syslog --once "$NAME"
	assert_success
	assert_output "address: $NAME (abstract)
allow: user root (uid 0, the listener's own)
$(cgroups_line)
mode: print (format json)
max-size: 65536
max-conns: 64
max-conns-per-uid: 16
timeout: 0
idle-timeout: 60
stop-timeout: 30
once: yes
log: syslog (daemon; denials authpriv)"
	# Nothing bound it: the name is free for a real listener.
	start_listener "$NAME"
}

@test "--check under socket activation checks fd 3 and names it" {
	run --separate-stderr with_fd3 seqpacket "$TDIR/p" "$PEERRELAY" listen --check --allow-any
	assert_success
	assert_line --index 0 "address: systemd socket fd 3 ($TDIR/p) (passed by systemd)"
	assert_line --index 1 "allow: any peer"
	run --separate-stderr with_fd3 pipe - "$PEERRELAY" listen --check --allow-any
	assert_equal "$status" 69
	assert_equal "$stderr" "peerrelay: socket activation: fd 3 is not a socket"
	run --separate-stderr "$PEERRELAY" listen --check --allow-any
	assert_equal "$status" 64
	[[ "$stderr" == *"LISTEN_PID and LISTEN_FDS are not set"* ]]
}

@test "--check names the fault in a bad configuration" {
	run --separate-stderr "$PEERRELAY" listen --check --allow-user no-such-user-xyz "$NAME"
	assert_equal "$status" 64
	assert_output ""
	assert_equal "$stderr" "peerrelay: --allow-user no-such-user-xyz: no such user"
	run --separate-stderr "$PEERRELAY" listen --check --allow-group no-such-group-xyz "$NAME"
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: --allow-group no-such-group-xyz: no such group"
	printf '#!/bin/sh\n' >"$TDIR/notexec"
	chmod 644 "$TDIR/notexec"
	run --separate-stderr "$PEERRELAY" listen --check "$NAME" -- "$TDIR/notexec"
	assert_equal "$status" 64
	assert_output ""
	assert_equal "$stderr" "peerrelay: $TDIR/notexec: not found or not executable"
	local long
	long=$TDIR/$(printf 'x%.0s' $(seq 1 110))
	run --separate-stderr "$PEERRELAY" listen --check "$long"
	assert_equal "$status" 64
	assert_equal "$stderr" "peerrelay: address '$long': too long"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" listen --check --run-as www-data "$NAME" -- /bin/true
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: --run-as www-data: needs root (CAP_SETUID)"
}

@test "--check: an address held by a live listener is only noted, exit 0" {
	start_listener "$TDIR/s"
	run --separate-stderr "$PEERRELAY" listen --check "$TDIR/s"
	assert_success
	assert_line --index 0 "address: $TDIR/s (filesystem path)"
	assert_equal "$stderr" "peerrelay: note: $TDIR/s: in use by a running listener (a start now would exit 69)"
	kill -0 "$LPID"
}

@test "--check finds a live listener without connecting to it: nothing in its log (a unit's ExecStartPre= left a denial at every start)" {
	local a mode
	for a in "$TDIR/s" "$NAME"; do
		mode=()
		[ "$a" = "$NAME" ] || mode=(--mode 0666)
		start_listener "$a" --allow-user www-data "${mode[@]}"
		run --separate-stderr "$PEERRELAY" listen --check "$a"
		assert_success
		assert_equal "$stderr" "peerrelay: note: $a: in use by a running listener (a start now would exit 69)"
		# Served after anything --check could have queued before it.
		run "${WWW[@]}" "$PEERRELAY" send "$a" after
		assert_success
		wait_for_line "$TDIR/out" 'data=after$'
		run grep -c -e '^peerrelay: deny ' -e '^peerrelay: allow ' "$TDIR/err"
		assert_output 1
		stop_listener
	done
}

@test "--check refuses a --run-as user who cannot execute COMMAND: 77 (a start serves, each request failing: see above)" {
	mkdir -m 700 "$TDIR/own"
	printf '#!/bin/sh\necho ran\n' >"$TDIR/own/cmd"
	chmod 755 "$TDIR/own/cmd"
	run --separate-stderr "$PEERRELAY" listen --check --run-as nobody "$NAME" -- "$TDIR/own/cmd"
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: --run-as nobody: cannot execute $TDIR/own/cmd: Permission denied"
	chmod 711 "$TDIR/own"
	run --separate-stderr "$PEERRELAY" listen --check --run-as nobody "$NAME" -- "$TDIR/own/cmd"
	assert_success
	assert_equal "$stderr" ""
}

# A root tree with peerrelay's files in it: make install from the source
# tree, or a copy of the installed files.
stage_root() {
	if [ -n "${PEERRELAY_INSTALLED:-}" ]; then
		mkdir -p "$TDIR/root/usr/bin" "$TDIR/root/usr/lib" \
		    "$TDIR/root/usr/share/man/man1" "$TDIR/root/usr/share/man/man5"
		cp "$PEERRELAY" "$TDIR/root/usr/bin/peerrelay"
		cp -R /usr/lib/peerrelay "$TDIR/root/usr/lib/"
		cp /usr/share/man/man1/peerrelay.1* "$TDIR/root/usr/share/man/man1/"
		cp /usr/share/man/man5/peerrelay.rules.5* \
		    "$TDIR/root/usr/share/man/man5/"
	else
		make -s -C "$REPO" peerrelay >/dev/null
		make -s -C "$REPO" install DESTDIR="$TDIR/root" PREFIX=/usr
	fi
}

@test "make install DESTDIR=... PREFIX=/usr puts every file; make uninstall leaves nothing behind" {
	[ -z "${PEERRELAY_INSTALLED:-}" ] ||
	    skip "the source tree's install target (debian/tests/installed checks the package's files)"
	# make check-asan builds only peerrelay-asan: install needs ./peerrelay.
	make -s -C "$REPO" peerrelay >/dev/null
	run make -s -C "$REPO" install DESTDIR="$TDIR/root" PREFIX=/usr
	assert_success
	run bash -c "cd '$TDIR/root' && find . -type f -printf '%m %P\n' | LC_ALL=C sort -k 2"
	assert_output "755 usr/bin/peerrelay
755 usr/lib/peerrelay/examples/config-updater
755 usr/lib/peerrelay/examples/cron-send
644 usr/lib/peerrelay/examples/crontab
644 usr/lib/peerrelay/examples/peerrelay.rules
644 usr/lib/peerrelay/examples/php/call.php
644 usr/lib/peerrelay/examples/php/index.php
644 usr/lib/peerrelay/examples/php/peerrelay_exec.php
644 usr/lib/peerrelay/examples/php/peerrelay_socket.php
644 usr/lib/peerrelay/examples/sudoers
644 usr/lib/peerrelay/examples/systemd/peerrelay-config-update.service
644 usr/lib/peerrelay/examples/systemd/peerrelay-config-update.socket
644 usr/lib/peerrelay/examples/systemd/peerrelay-rules.service
644 usr/lib/peerrelay/examples/systemd/peerrelay-rules.socket
644 usr/share/bash-completion/completions/peerrelay
644 usr/share/man/man1/peerrelay.1
644 usr/share/man/man5/peerrelay.rules.5"
	cmp "$REPO/completion/peerrelay.bash" "$TDIR/root/usr/share/bash-completion/completions/peerrelay"
	run "$TDIR/root/usr/bin/peerrelay" --version
	assert_success
	assert_output --regexp '^peerrelay [0-9]+\.[0-9]+\.[0-9]+$'
	run make -s -C "$REPO" uninstall DESTDIR="$TDIR/root" PREFIX=/usr
	assert_success
	run find "$TDIR/root" -type f
	assert_output ""
	[ ! -e "$TDIR/root/usr/lib/peerrelay" ]
}

@test "bash completion: subcommands, options of each, users, formats, and the command after --" {
	local c=$COMPLETION
	# complete WORD...: COMPREPLY for the last word, one per line.
	complete_words() {
		bash -c 'source "$1"; shift
complete -p peerrelay >/dev/null || exit 9
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _peerrelay
printf "%s\n" "${COMPREPLY[@]}" | sort' complete "$c" "$@"
	}
	run complete_words peerrelay ""
	assert_success
	assert_output "$(printf -- '--help\n--version\nhelp\nlisten\nsend')"
	run complete_words peerrelay listen --al
	assert_output "$(printf -- '--allow-any\n--allow-group\n--allow-user')"
	run complete_words peerrelay listen --r
	assert_output "$(printf -- '--require-cgroup\n--require-unit\n--rules\n--run-as')"
	run complete_words peerrelay listen --rules /usr/bin/en
	assert_output "$(compgen -f -- /usr/bin/en | sort)"
	run complete_words peerrelay listen --s
	assert_output "$(printf -- '--stop-timeout\n--syslog')"
	# Every long option --help lists completes (besides the -- that ends
	# listen's options), and nothing else.
	local sub
	for sub in listen send; do
		assert_equal "$(complete_words peerrelay "$sub" -- | grep -vx -- --)" \
		    "$("$PEERRELAY" "$sub" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)"
	done
	run complete_words peerrelay listen --ch
	assert_output -- "--check"
	run complete_words peerrelay send --ex
	assert_output "$(printf -- '--expect-group\n--expect-user')"
	run complete_words peerrelay send --al
	assert_output ""
	run complete_words peerrelay listen --run-as www-d
	assert_output "www-data"
	run complete_words peerrelay listen --allow-group noGr
	assert_output ""
	run complete_words peerrelay listen --allow-group nogr
	assert_output "nogroup"
	run complete_words peerrelay listen --format j
	assert_output "json"
	run complete_words peerrelay help l
	assert_output "listen"
	run complete_words peerrelay listen @x -- /usr/bin/peerrelay-no-such /usr/bin/en
	assert_output "$(compgen -f -- /usr/bin/en | sort)"
	run complete_words peerrelay listen @x -- trueXYZ
	assert_output ""
	run complete_words peerrelay listen @x -- tru
	assert_line "true"
}

@test "contrib/systemd units pass systemd-analyze verify, and their command lines pass --check" {
	stage_root
	mkdir -p "$TDIR/root/etc/systemd/system" "$TDIR/root/usr/lib/systemd"
	cp "$UNITS"/* "$TDIR/root/etc/systemd/system/"
	# The targets the units depend on (sockets.target, sysinit.target...).
	cp -a /usr/lib/systemd/system "$TDIR/root/usr/lib/systemd/"
	# Documentation=man:peerrelay(1) must resolve: to the page installed.
	run --separate-stderr env MANPATH="$TDIR/root/usr/share/man" \
	    systemd-analyze verify --root="$TDIR/root" \
	    /etc/systemd/system/peerrelay-config-update.socket \
	    /etc/systemd/system/peerrelay-config-update.service \
	    /etc/systemd/system/peerrelay-rules.socket \
	    /etc/systemd/system/peerrelay-rules.service
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	# verify does look: without the binary, the service fails it.
	rm "$TDIR/root/usr/bin/peerrelay"
	run --separate-stderr env MANPATH="$TDIR/root/usr/share/man" \
	    systemd-analyze verify --root="$TDIR/root" \
	    /etc/systemd/system/peerrelay-config-update.service \
	    /etc/systemd/system/peerrelay-rules.service
	assert_failure
	[[ "$stderr" == *"/usr/bin/peerrelay"* ]]
	# ExecStartPre= and ExecStart= are command lines peerrelay accepts:
	# run them with --check, paths moved into the temporary root. Both
	# take the options and the command from the unit's Environment=, so
	# the policy ExecStartPre= checks is the one ExecStart= runs.
	local unit=$UNITS/peerrelay-config-update.service key line word var
	local -a args words
	local -A env=() checked=()
	# Continuation lines joined as systemd joins them: the backslash
	# becomes a space.
	local joined
	joined=$(awk '/\\$/ { sub(/\\$/, " "); printf "%s", $0; next } { print }' "$unit")
	while IFS= read -r line; do
		line=${line#Environment=\"}
		line=${line%\"}
		env[${line%%=*}]=${line#*=}
	done < <(grep '^Environment="' <<<"$joined")
	[ -n "${env[PEERRELAY_OPTS]}" ]
	[ -n "${env[PEERRELAY_COMMAND]}" ]
	start_syslog
	for key in ExecStartPre ExecStart; do
		line=$(grep "^$key=" <<<"$joined")
		line=${line#"$key="}
		args=()
		read -ra words <<<"$line"
		# systemd's $NAME: the variable's value split at whitespace.
		for word in "${words[@]}"; do
			if [[ $word =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
				var=${BASH_REMATCH[1]}
				[ -n "${env[$var]+set}" ] || fail "$key: \$$var is not set by Environment="
				read -ra words <<<"${env[$var]}"
				args+=("${words[@]}")
			else
				args+=("$word")
			fi
		done
		args=("${args[@]//\/usr\/lib\/peerrelay/$TDIR/root/usr/lib/peerrelay}")
		# The socket's directory, as the socket unit makes it.
		args=("${args[@]//\/run\/peerrelay/$TDIR/root/run/peerrelay}")
		mkdir -p -m 755 "$TDIR/root/run/peerrelay"
		[ "${args[0]}" = /usr/bin/peerrelay ]
		args[0]=$PEERRELAY
		[ "${args[2]}" = --check ] || args=("${args[0]}" listen --check "${args[@]:2}")
		# Under AS: the units say --syslog, and --check connects to /dev/log.
		run --separate-stderr with_fd3 seqpacket "$TDIR/s-$key" \
		    "$(command -v unshare)" "${AS[@]:1}" "${args[@]}"
		assert_success
		assert_equal "$stderr" ""
		assert_line "allow: group www-data (gid 33)"
		assert_line "command: $TDIR/root/usr/lib/peerrelay/examples/config-updater -k maintenance,motd,max_upload_mb /etc/peerrelay/site.conf"
		assert_line "max-size: 4096"
		assert_line "timeout: 30"
		assert_line "log: syslog (daemon; denials authpriv)"
		# All but the socket: ExecStartPre= names its path (and would
		# bind it with --mode and --owner); ExecStart= takes systemd's.
		checked[$key]=$(grep -v -e '^address: ' -e '^socket ' <<<"$output")
	done
	assert_equal "${checked[ExecStartPre]}" "${checked[ExecStart]}"
}

# unit_command UNIT KEY [N]: UARGS, the N-th (from 1) KEY= line of UNIT as
# systemd runs it: continuation lines joined, each unbraced $NAME its
# Environment= value split at whitespace (others, as $MAINPID, left as
# they are); /etc/peerrelay, /run/peerrelay and /usr/lib/peerrelay moved
# into $TDIR/root, /usr/bin/peerrelay the binary under test.
unit_command() {
	local unit=$1 key=$2 n=${3:-1} joined line word
	local -a words more
	local -A env=()
	joined=$(awk '/\\$/ { sub(/\\$/, " "); printf "%s", $0; next } { print }' "$unit")
	while IFS= read -r line; do
		line=${line#Environment=\"}
		line=${line%\"}
		env[${line%%=*}]=${line#*=}
	done < <(grep '^Environment="' <<<"$joined")
	line=$(grep "^$key=" <<<"$joined" | sed -n "${n}p")
	[ -n "$line" ] || return 1
	UARGS=()
	read -ra words <<<"${line#"$key="}"
	for word in "${words[@]}"; do
		if [[ $word =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]] &&
		    [ -n "${env[${BASH_REMATCH[1]}]+set}" ]; then
			read -ra more <<<"${env[${BASH_REMATCH[1]}]}"
			UARGS+=("${more[@]}")
		else
			UARGS+=("$word")
		fi
	done
	UARGS=("${UARGS[@]//\/etc\/peerrelay/$TDIR/root/etc/peerrelay}")
	UARGS=("${UARGS[@]//\/run\/peerrelay/$TDIR/root/run/peerrelay}")
	UARGS=("${UARGS[@]//\/usr\/lib\/peerrelay/$TDIR/root/usr/lib/peerrelay}")
	[ "${UARGS[0]}" != /usr/bin/peerrelay ] || UARGS[0]=$PEERRELAY
}

@test "contrib/systemd rules unit: its lines pass --check; ExecReload= reloads the listener, and fails on a bad file" {
	stage_root
	local unit=$UNITS/peerrelay-rules.service dir=$TDIR/root/etc/peerrelay
	local sock=$TDIR/root/run/peerrelay/admin.sock
	mkdir -p -m 755 "$dir" "$TDIR/root/run/peerrelay"
	# The installed example, as the administrator would start from it.
	install -m 644 "$TDIR/root/usr/lib/peerrelay/examples/peerrelay.rules" "$dir/rules"
	start_syslog
	# ExecStartPre= and both ExecReload= lines check the same options.
	unit_command "$unit" ExecStartPre
	local pre=("${UARGS[@]}")
	unit_command "$unit" ExecReload 1
	assert_equal "${UARGS[*]}" "${pre[*]}"
	[ "${pre[2]}" = --check ]
	run --separate-stderr "${AS[@]}" "${pre[@]}"
	assert_success
	assert_equal "$stderr" ""
	assert_line "rules: $dir/rules (4 actions)"
	assert_line "log: syslog (daemon; denials authpriv)"
	# ExecStart=, on the socket systemd would pass.
	unit_command "$unit" ExecStart
	with_fd3 seqpacket "$sock" "$(command -v unshare)" "${AS[@]:1}" "${UARGS[@]}" 3>&- &
	LPIDS+=("$!")
	wait_for_line "$TDIR/syslog" "listening on systemd socket fd 3 .*rules $dir/rules: 4 actions"
	# $MAINPID: the listener's, as its log line says.
	local main
	# (Its name: peerrelay, or peerrelay-asan under check-asan.)
	main=$(sed -n 's/.*peerrelay[a-z-]*\[\([0-9]*\)\]: listening on .*/\1/p' "$TDIR/syslog" | tail -n 1)
	LPIDS+=("$main")
	[[ $(cat "/proc/$main/comm") == peerrelay* ]]
	# A good file: ExecReload='s check passes, then its SIGHUP.
	printf 'permit hello user root /bin/echo hello\n' >"$dir/rules.new"
	chmod 644 "$dir/rules.new"
	mv "$dir/rules.new" "$dir/rules"
	run --separate-stderr "${AS[@]}" "${pre[@]}"
	assert_success
	[[ $stderr == *"note: $sock: in use by a running listener"* ]]
	unit_command "$unit" ExecReload 2
	assert_equal "${UARGS[*]}" '/bin/kill -HUP $MAINPID'
	/bin/kill -HUP "$main"
	wait_for_line "$TDIR/syslog" "reloaded $dir/rules: 1 actions"
	run "$PEERRELAY" send "$sock" -- hello </dev/null
	assert_success
	assert_output "hello"
	# A bad file: ExecReload='s check fails, naming the line, and systemd
	# sends no signal; were one sent, the listener would refuse it too.
	printf 'permit hello user root /bin/echo hello\npermit Bye user root /bin/true\n' >"$dir/rules"
	run --separate-stderr "${AS[@]}" "${pre[@]}"
	assert_failure 64
	[[ $stderr == *"$dir/rules: line 2: Bye: not an action name"* ]]
	/bin/kill -HUP "$main"
	wait_for_line "$TDIR/syslog" "reload: $dir/rules: refused; the old rules stay in force \(1 actions\)"
	grep -q "reload: $dir/rules: line 2: Bye: not an action name" "$TDIR/syslog"
	run "$PEERRELAY" send "$sock" -- hello </dev/null
	assert_success
	assert_output "hello"
	kill -TERM "$main"
	wait_for_line "$TDIR/syslog" "exiting|stopping"
}

@test "other users run the binary and the examples under test by their own rights, wherever the checkout lives" {
	# setpriv looks up the program it executes with root's capabilities
	# (they go at execve): env, running as the user alone, looks it up
	# again, as a script's interpreter or a wrapper would.
	run --separate-stderr "${NOBODY[@]}" env "$PEERRELAY" --version
	assert_success
	assert_output --regexp '^peerrelay [0-9]'
	run --separate-stderr "${WWW[@]}" env "$EX/cron-send"
	assert_equal "$status" 64
	assert_equal "$stderr" "usage: cron-send KEY=VALUE..."
	run --separate-stderr "${WWW[@]}" env "$EX/config-updater"
	assert_equal "$status" 64
	assert_equal "$stderr" "config-updater: usage: config-updater [-k KEY,...] [-m MAXBYTES] [-w SECONDS] TARGET"
	# And they cannot change them, nor what is beside them.
	local f
	for f in "$PEERRELAY" "${PEERRELAY%/*}" "$EX" "$EX/config-updater"; do
		run "${NOBODY[@]}" env test -w "$f"
		assert_failure
		run "${WWW[@]}" env test -w "$f"
		assert_failure
	done
}

@test "examples/config-updater through a listener: a valid request replaces the file atomically; an invalid one changes nothing" {
	printf 'motd=hello\nmaintenance=off\n' >"$TDIR/site.conf"
	chmod 640 "$TDIR/site.conf"
	start_listener "$TDIR/s" --mode 0666 --allow-user www-data -- \
	    "$EX/config-updater" -k maintenance,motd,max_upload_mb "$TDIR/site.conf"
	local before after
	before=$(stat -c %i "$TDIR/site.conf")
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" "$(printf 'maintenance=on\nmax_upload_mb=64')"
	assert_success
	assert_output "updated $TDIR/site.conf: 2 key(s)"
	assert_equal "$stderr" ""
	run cat "$TDIR/site.conf"
	assert_output "$(printf 'motd=hello\nmaintenance=on\nmax_upload_mb=64')"
	# A new inode under the old name: rename(2), never a rewrite in place.
	after=$(stat -c %i "$TDIR/site.conf")
	[ "$before" != "$after" ]
	run stat -c '%a %U' "$TDIR/site.conf"
	assert_output "640 root"
	cp "$TDIR/site.conf" "$TDIR/expected"
	# Each bad request: its status, its reason, and the file untouched.
	local req
	for req in 'evil=1' 'motd=a"b' "$(printf 'motd=\033[2J')" \
	    "$(printf 'motd=a\nmotd=b')" 'motd' 'motd=a=b' "$(printf 'motd=x\n\nmaintenance=on')"; do
		run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" "$req"
		assert_equal "$status" 65
		assert_output ""
		[[ "$stderr" == "config-updater: "* ]]
		cmp "$TDIR/expected" "$TDIR/site.conf"
		assert_equal "$(stat -c %i "$TDIR/site.conf")" "$after"
	done
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" evil=1
	assert_equal "$stderr" "config-updater: line 1: key 'evil' is not allowed"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" "$(head -c 5000 /dev/zero | tr '\0' a)"
	assert_equal "$status" 65
	assert_equal "$stderr" "config-updater: request larger than 4096 bytes"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$TDIR/s" motd=x
	assert_equal "$status" 77
	cmp "$TDIR/expected" "$TDIR/site.conf"
	# No temporary file was left behind; the lock file stays, root's alone.
	run bash -c "ls -A '$TDIR' | grep '^\\.site\\.conf\\.'"
	assert_output ".site.conf.lock"
	run stat -c '%a %U %s' "$TDIR/.site.conf.lock"
	assert_output "600 root 0"
}

@test "examples/config-updater: concurrent requests on different connections all land; none is lost" {
	# Different connections run in parallel, so updaters race on TARGET:
	# each read-modify-rename must see the one before it. Several keys set
	# at once, one connection each, round after round, make a lost update
	# likely when nothing serializes them.
	local keys=(k1 k2 k3 k4 k5 k6) rounds=15 r k p st lost=() pids=()
	printf 'motd=kept\n' >"$TDIR/site.conf"
	start_listener "$TDIR/s" --mode 0666 --allow-user www-data -- \
	    "$EX/config-updater" -k "motd,$(IFS=,; echo "${keys[*]}")" \
	    "$TDIR/site.conf"
	for r in $(seq 1 "$rounds"); do
		pids=()
		for k in "${keys[@]}"; do
			"${WWW[@]}" "$PEERRELAY" send "$TDIR/s" "$k=$r" \
			    >"$TDIR/out.$k" 2>"$TDIR/err.$k" &
			pids+=($!)
		done
		for p in "${pids[@]}"; do
			st=0
			wait "$p" || st=$?
			[ "$st" -eq 0 ] || lost+=("round $r: a sender exited $st")
		done
		for k in "${keys[@]}"; do
			[ "$(cat "$TDIR/out.$k")" = "updated $TDIR/site.conf: 1 key(s)" ] ||
			    lost+=("round $r: $k told '$(cat "$TDIR/out.$k" "$TDIR/err.$k")'")
			grep -qx "$k=$r" "$TDIR/site.conf" ||
			    lost+=("round $r: $k=$r lost")
		done
		grep -qx 'motd=kept' "$TDIR/site.conf" ||
		    lost+=("round $r: motd=kept lost")
	done
	printf '%s\n' ${lost[@]+"${lost[@]}"} >&2
	assert_equal "${#lost[@]}" 0
	# Every key of the last round, the untouched one, and nothing else.
	run sort "$TDIR/site.conf"
	assert_output "$(printf '%s\n' motd=kept "${keys[@]/%/=$rounds}" | sort)"
}

@test "examples/config-updater: a request that cannot take the lock within -w fails (75) and changes nothing; others cannot hold it" {
	printf 'motd=hello\n' >"$TDIR/site.conf"
	start_listener "$TDIR/s" --mode 0666 --allow-user www-data -- \
	    "$EX/config-updater" -k motd,maintenance -w 1 "$TDIR/site.conf"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" maintenance=on
	assert_success
	assert_output "updated $TDIR/site.conf: 1 key(s)"
	# The lock file is 0600: nobody and www-data cannot even open it.
	run stat -c '%a %U' "$TDIR/.site.conf.lock"
	assert_output "600 root"
	run --separate-stderr "${NOBODY[@]}" flock -n "$TDIR/.site.conf.lock" true
	assert_equal "$status" 66
	[[ "$stderr" == *"Permission denied"* ]]
	run --separate-stderr "${WWW[@]}" flock -n "$TDIR/.site.conf.lock" true
	assert_equal "$status" 66
	# Held here (as another update would), it makes the request wait 1 s,
	# then fail with 75; nothing changes.
	cp "$TDIR/site.conf" "$TDIR/expected"
	local fd
	exec {fd}>>"$TDIR/.site.conf.lock"
	flock -n "$fd"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" motd=bye
	assert_equal "$status" 75
	assert_output ""
	assert_equal "$stderr" "config-updater: $TDIR/site.conf: another update held $TDIR/.site.conf.lock for 1s; nothing changed"
	cmp "$TDIR/expected" "$TDIR/site.conf"
	exec {fd}>&-
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$TDIR/s" motd=bye
	assert_success
	assert_output "updated $TDIR/site.conf: 1 key(s)"
	run cat "$TDIR/site.conf"
	assert_output "$(printf 'maintenance=on\nmotd=bye')"
	run bash -c "ls -A '$TDIR' | grep '^\\.site\\.conf\\.'"
	assert_output ".site.conf.lock"
}

@test "examples/config-updater: refuses (64) a TARGET directory others may write, and a bad -w" {
	local d
	for d in o+w g+w; do
		mkdir -m 0755 "$TDIR/$d"
		chmod "$d" "$TDIR/$d"
		run --separate-stderr "$EX/config-updater" "$TDIR/$d/site.conf" <<<motd=x
		assert_equal "$status" 64
		assert_output ""
		[[ "$stderr" == "config-updater: $TDIR/$d: writable by others than root (owner uid 0, mode 7"[0-7][0-7]")" ]]
		run ls -A "$TDIR/$d"
		assert_output ""
	done
	# Owned by another user: that user could create the lock file.
	mkdir -m 0755 "$TDIR/www"
	chown www-data "$TDIR/www"
	run --separate-stderr "$EX/config-updater" "$TDIR/www/site.conf" <<<motd=x
	assert_equal "$status" 64
	assert_equal "$stderr" "config-updater: $TDIR/www: writable by others than root (owner uid 33, mode 755)"
	for d in '' x 1.5 -1 3601 99999; do
		run --separate-stderr "$EX/config-updater" -w "$d" "$TDIR/site.conf" <<<motd=x
		assert_equal "$status" 64
		assert_equal "$stderr" "config-updater: -w $d: not a number of seconds, 0 to 3600"
	done
	[ ! -e "$TDIR/site.conf" ]
}

@test "examples/cron-send: www-data's cron job sets a key through the root listener; failures are reported" {
	printf 'maintenance=off\n' >"$TDIR/site.conf"
	start_listener "$TDIR/s" --mode 0666 --allow-user www-data -- \
	    "$EX/config-updater" -k maintenance "$TDIR/site.conf"
	run --separate-stderr "${WWW[@]}" env PEERRELAY="$PEERRELAY" \
	    PEERRELAY_ADDR="$TDIR/s" "$EX/cron-send" maintenance=on
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run cat "$TDIR/site.conf"
	assert_output "maintenance=on"
	run --separate-stderr "${NOBODY[@]}" env PEERRELAY="$PEERRELAY" \
	    PEERRELAY_ADDR="$TDIR/s" "$EX/cron-send" maintenance=off
	assert_equal "$status" 77
	assert_equal "$stderr" "cron-send: status 77: peerrelay: refused: not allowed (uid 65534)"
	run --separate-stderr "${WWW[@]}" env PEERRELAY="$PEERRELAY" \
	    PEERRELAY_ADDR="$TDIR/s" PEERRELAY_EXPECT_USER=www-data \
	    "$EX/cron-send" maintenance=off
	assert_equal "$status" 77
	[[ "$stderr" == "cron-send: status 77: "*"expected www-data"* ]]
	run cat "$TDIR/site.conf"
	assert_output "maintenance=on"
	run --separate-stderr "$EX/cron-send"
	assert_equal "$status" 64
}

# The lines of what users read, continued lines (\ or mdoc's \e at the end)
# joined, each prefixed with its file's name: README.md, SECURITY.md, the
# man pages, the demo, the examples and the units.
doc_lines() {
	local f
	for f in "$REPO/README.md" "$REPO/SECURITY.md" "$REPO/man/peerrelay.1" \
	    "$REPO/man/peerrelay.rules.5" \
	    "$REPO/test/demo.sh" "$EX/cron-send" "$EX/crontab" \
	    "$EX/config-updater" "$UNITS"/*; do
		sed -E -e ':a' -e '/\\(e)?$/{N;s/[[:space:]]*\\(e)?\n[[:space:]]*/ /;ba}' "$f" |
		    sed "s|^|${f##*/}: |"
	done
}

# Every `send` shown to users, one line each (not comments, nor cron-send's
# "peerrelay send to" message).
send_examples() {
	doc_lines | grep -E '(peerrelay|\$bin|"\$peerrelay") send ' |
	    grep -Ev '^[^:]*: [[:space:]]*# |send to '
}

@test "examples/peerrelay.rules: --check loads it and prints each rule back canonically" {
	[ -x /usr/bin/systemctl ] && [ -x /usr/bin/journalctl ] ||
	    skip "the example's commands (systemd) are not installed"
	run --separate-stderr "$PEERRELAY" listen --check --rules "$EX/peerrelay.rules" "$TDIR/admin.sock"
	assert_success
	assert_line "mode: rules"
	assert_line --regexp "^rules: .*peerrelay.rules \\(4 actions\\)\$"
	diff <(grep '^permit ' "$EX/peerrelay.rules") <(grep '^permit ' <<<"$output")
}

@test "docs: the README's rules are examples/peerrelay.rules', and examples/sudoers names each of them" {
	# The README shows the file as a real site writes it (group deploy);
	# the example names group sudo so that it loads on any Debian.
	diff <(grep '^permit ' "$EX/peerrelay.rules" | sed 's/group sudo/group deploy/' | sort) \
	    <(sed -n 's/^    \(permit .*\)/\1/p' "$REPO/README.md" |
	    sed 's/group sudo/group deploy/' | sort -u)
	diff <(grep '^permit ' "$EX/peerrelay.rules" | sed 's/group sudo/group deploy/' | sort) \
	    <(sed -n 's/^#   \(permit .*\)/\1/p' "$EX/sudoers" | sort)
	# Four sudoers rules, one per action; each action's send line given.
	[ "$(grep -c '^[%a-z].*NOPASSWD' "$EX/sudoers")" = 4 ]
	local a
	for a in $(grep '^permit ' "$EX/peerrelay.rules" | cut -d' ' -f2); do
		grep -q "^#   peerrelay send .* -- $a" "$EX/sudoers"
	done
}

@test "docs: every send to an abstract @name (or an address in a variable) says --expect-user or --expect-group" {
	run send_examples
	assert_success
	# The README's and the man page's journal and cron examples, the demo's.
	assert_line --regexp '^README.md: .*send --lines --expect-user root @events$'
	assert_line --regexp '^peerrelay.1: .*send --lines --expect-user root @events$'
	assert_line --regexp '^demo.sh: .*\$bin send --expect-user "\$me" "\$name" .an update.$'
	assert_line --regexp '^cron-send: .*send --expect-user '
	local line n=0
	for line in "${lines[@]}"; do
		[[ "$line" =~ @|\$name|\$addr ]] || continue
		n=$((n + 1))
		[[ "$line" == *--expect-user* || "$line" == *--expect-group* ]] ||
		    fail "no --expect-user or --expect-group: $line"
	done
	[ "$n" -ge 10 ]
}

@test "docs: no example runs the command as nobody, or shows it done" {
	run doc_lines
	assert_success
	# The examples that do use --run-as, with a user of their own.
	assert_line --regexp '^README.md: .*peerrelay listen .*--run-as peerrelay-report '
	assert_line --regexp '^peerrelay.1: .*peerrelay listen .*--run-as peerrelay-report '
	assert_line --regexp '^peerrelay.1: run-as: peerrelay-report '
	local line
	for line in "${lines[@]}"; do
		[[ "$line" =~ (peerrelay|ExecStart=.*)\ listen\ .*--run-as[\ =](nobody|65534) ]] &&
		    fail "runs the command as nobody: $line"
		[[ "$line" =~ run-as:\ nobody ]] && fail "shows --run-as nobody: $line"
	done
	true
}
