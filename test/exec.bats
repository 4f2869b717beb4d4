#!/usr/bin/env bats
# Exec mode: `listen ADDRESS -- COMMAND ARGS`, one run of COMMAND per datagram,
# its output and status relayed to send.

load helpers

# mkscript NAME BODY: a /bin/sh script $TDIR/NAME (mode 755) running BODY.
mkscript() {
	printf '#!/bin/sh\n%s\n' "$2" >"$TDIR/$1"
	chmod 755 "$TDIR/$1"
}

# py_send_close ADDRESS DATA: the classic raw client: connect, send one
# datagram, close at once without reading any reply.
py_send_close() {
	python3 -c '
import socket, sys
a = sys.argv[1]
if a.startswith("@"):
    a = "\0" + a[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(a)
s.send(sys.argv[2].encode())
s.close()
' "$1" "$2"
}

# The variable names in env(1) output ($output), sorted, space-separated.
env_names() {
	printf '%s\n' "$output" | cut -d= -f1 | sort | tr '\n' ' '
}

@test "seed: www-data rewrites a root-owned config through a root listener; nobody is refused" {
	mkscript apply 'set -e
tmp="$1.tmp.$$"
cat >"$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$1"'
	printf 'old=1\n' >"$TDIR/config"
	chmod 644 "$TDIR/config"
	printf 'listen 8080\nserver_name example.org\n' >"$TDIR/new"
	printf 'evil=1\n' >"$TDIR/evil"
	start_listener "$NAME" --allow-user www-data -- "$TDIR/apply" "$TDIR/config"

	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" <"$TDIR/new"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	cmp "$TDIR/new" "$TDIR/config"
	run stat -c '%U %a' "$TDIR/config"
	assert_output "root 644"

	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" <"$TDIR/evil"
	assert_equal "$status" 77
	assert_output ""
	[[ "$stderr" == *"refused"* ]]
	cmp "$TDIR/new" "$TDIR/config"
	wait_for_line "$TDIR/err" '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=65534 '
	run grep -c '^peerrelay: run ' "$TDIR/err"
	assert_output 1
}

@test "exit statuses 0, 3 and 255 pass through send" {
	mkscript status 'v=$(cat)
echo "out $v"
echo "err $v" >&2
exit "$v"'
	start_listener "$NAME" -- "$TDIR/status"
	local s
	for s in 0 3 255; do
		run --separate-stderr "$PEERRELAY" send "$NAME" "$s"
		assert_equal "$status" "$s"
		assert_output "out $s"
		assert_equal "$stderr" "err $s"
	done
}

@test "a command killed by SIGKILL gives 137, by SIGTERM 143, with a message" {
	start_listener "$NAME" -- /bin/sh -c 'echo before; kill -"$(cat)" $$; echo after'
	run --separate-stderr "$PEERRELAY" send "$NAME" KILL
	assert_equal "$status" 137
	assert_output "before"
	assert_equal "$(norm_ids "$stderr")" "peerrelay: killed by signal 9 (request C.1)"
	run --separate-stderr "$PEERRELAY" send "$NAME" TERM
	assert_equal "$status" 143
	assert_output "before"
	assert_equal "$(norm_ids "$stderr")" "peerrelay: killed by signal 15 (request C.1)"
	wait_for_line "$TDIR/err" '^peerrelay: run .* status=signal 15 '
	run grep -E '^peerrelay: run .* status=signal 9 duration=' "$TDIR/err"
	assert_success
}

@test "--timeout: the command's whole process group goes, send exits 75" {
	local m=$$$RANDOM i
	# The leader and a foreground sleep die of TERM; a background sleep
	# that ignores TERM must go with the group's KILL.
	mkscript slow "(trap '' TERM; exec sleep 1001.$m) &
echo started
sleep 1000.$m"
	start_listener "$NAME" --timeout 1 -- "$TDIR/slow"
	run --separate-stderr "$PEERRELAY" send "$NAME" go
	assert_equal "$status" 75
	assert_output "started"
	[[ "$stderr" == *"timed out"* ]]
	# SIGKILL is delivered asynchronously: allow the kernel a moment.
	for i in $(seq 1 20); do
		pgrep -f "sleep 100[01]\.$m" >/dev/null || break
		sleep 0.05
	done
	run pgrep -fa "sleep 100[01]\.$m"
	assert_equal "$status" 1
	assert_output ""
	wait_for_line "$TDIR/err" '^peerrelay: run .* status=timeout duration='
}

@test "stdout and stderr arrive separately and each in order" {
	start_listener "$NAME" -- /bin/sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2'
	run sh -c '"$1" send "$2" go >"$3" 2>"$4"' sh "$PEERRELAY" "$NAME" "$TDIR/so" "$TDIR/se"
	assert_success
	assert_output ""
	run cat "$TDIR/so"
	assert_output $'out1\nout2'
	run cat "$TDIR/se"
	assert_output $'err1\nerr2'
}

@test "1 MiB of output arrives byte-exact" {
	head -c 1048576 /dev/urandom >"$TDIR/big"
	start_listener "$NAME" -- /bin/cat "$TDIR/big"
	run sh -c '"$1" send "$2" go >"$3"' sh "$PEERRELAY" "$NAME" "$TDIR/recv"
	assert_success
	assert_output ""
	run cmp "$TDIR/big" "$TDIR/recv"
	assert_success
	assert_output ""
}

@test "a command that writes 1 MiB before reading a 1 MiB request does not deadlock" {
	head -c 1048576 /dev/urandom >"$TDIR/payload"
	head -c 1048576 /dev/zero >"$TDIR/zeros"
	mkscript both 'head -c 1048576 /dev/zero
cat >"$1"'
	start_listener "$NAME" --max-size 2M -- "$TDIR/both" "$TDIR/got"
	run timeout 10 sh -c '"$1" send "$2" <"$3" >"$4"' sh "$PEERRELAY" "$NAME" \
	    "$TDIR/payload" "$TDIR/recv"
	assert_success
	assert_output ""
	run cmp "$TDIR/payload" "$TDIR/got"
	assert_success
	run cmp "$TDIR/zeros" "$TDIR/recv"
	assert_success
	assert_output ""
}

@test "output streams as it is produced, not at the end" {
	mkscript stream 'echo first
i=0
while [ ! -e "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
echo second'
	start_listener "$NAME" -- "$TDIR/stream" "$TDIR/flag"
	"$PEERRELAY" send "$NAME" go >"$TDIR/so" 2>"$TDIR/se" &
	local spid=$! st=0
	wait_for_line "$TDIR/so" '^first$'
	run cat "$TDIR/so"
	assert_output "first"
	touch "$TDIR/flag"
	wait "$spid" || st=$?
	assert_equal "$st" 0
	run cat "$TDIR/so"
	assert_output $'first\nsecond'
	run cat "$TDIR/se"
	assert_output ""
}

@test "the command's environment holds exactly the documented variables" {
	local AS=(env SECRET_MARKER=xyz MY_VAR=1)
	start_listener "$NAME" -- /usr/bin/env
	run --separate-stderr sh -c 'echo $$ >"$1"; exec "$2" send "$3" go' sh \
	    "$TDIR/pid" "$PEERRELAY" "$NAME"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(env_names)" "$(sorted_names PATH PEERRELAY_CONN_ID PEERRELAY_REQUEST_ID PROTO UNIXLOCALGID UNIXLOCALPATH UNIXLOCALPID UNIXLOCALUID UNIXREMOTEEGID UNIXREMOTEEUID UNIXREMOTEGROUP UNIXREMOTEPID UNIXREMOTEUSER $(cgroup_env_names))"
	assert_line "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	assert_line "PROTO=UNIX"
	assert_line "UNIXREMOTEPID=$(cat "$TDIR/pid")"
	assert_line "UNIXLOCALPATH=$NAME"
	assert_line "UNIXLOCALPID=$LPID"
	assert_line "UNIXLOCALUID=0"
	assert_line "UNIXLOCALGID=0"
	assert_line "UNIXREMOTEEUID=0"
	assert_line "UNIXREMOTEEGID=0"
	assert_line "UNIXREMOTEUSER=root"
	assert_line "UNIXREMOTEGROUP=root"
	if cgroups_read; then
		assert_line "UNIXREMOTECGROUP=$(own_cgroup)"
	fi
	refute_output --partial SECRET_MARKER
	refute_output --partial MY_VAR
}

@test "--keep-env passes the named variable and nothing else" {
	local AS=(env SECRET_MARKER=xyz MY_VAR=1)
	start_listener "$NAME" --keep-env MY_VAR -- /usr/bin/env
	run --separate-stderr "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(env_names)" "$(sorted_names MY_VAR PATH PEERRELAY_CONN_ID PEERRELAY_REQUEST_ID PROTO UNIXLOCALGID UNIXLOCALPATH UNIXLOCALPID UNIXLOCALUID UNIXREMOTEEGID UNIXREMOTEEUID UNIXREMOTEGROUP UNIXREMOTEPID UNIXREMOTEUSER $(cgroup_env_names))"
	assert_line "MY_VAR=1"
	refute_output --partial SECRET_MARKER
}

@test "a www-data sender is named in the environment" {
	start_listener "$NAME" --allow-user www-data -- /usr/bin/env
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_line "UNIXREMOTEEUID=33"
	assert_line "UNIXREMOTEEGID=33"
	assert_line "UNIXREMOTEUSER=www-data"
	assert_line "UNIXREMOTEGROUP=www-data"
}

@test "a sender uid without a passwd name gets no UNIXREMOTEUSER" {
	! getent passwd 4242 && ! getent group 4242
	start_listener "$NAME" --allow-user 4242 -- /usr/bin/env
	run --separate-stderr setpriv --reuid=4242 --regid=4242 --clear-groups \
	    "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(env_names)" "$(sorted_names PATH PEERRELAY_CONN_ID PEERRELAY_REQUEST_ID PROTO UNIXLOCALGID UNIXLOCALPATH UNIXLOCALPID UNIXLOCALUID UNIXREMOTEEGID UNIXREMOTEEUID UNIXREMOTEPID $(cgroup_env_names))"
	assert_line "UNIXREMOTEEUID=4242"
	assert_line "UNIXREMOTEEGID=4242"
	refute_output --partial UNIXREMOTEUSER
	refute_output --partial UNIXREMOTEGROUP
}

@test "the command sees only fds 0-2, stdin a memfd, while another client is connected" {
	start_listener "$NAME" -- /bin/sh -c 'ls /proc/$$/fd; readlink /proc/$$/fd/0'
	# A second client holds a connection open while the request runs.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1][1:])
time.sleep(30)
' "$NAME" &
	LPIDS+=($!)
	wait_for_line "$TDIR/err" '^peerrelay: allow '
	run --separate-stderr "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 "0"
	assert_line --index 1 "1"
	assert_line --index 2 "2"
	assert_line --index 3 --partial "memfd:"
	run grep -c '^peerrelay: allow ' "$TDIR/err"
	assert_output 2
}

@test "--lines with 100 lines runs the command 100 times in order" {
	mkscript each 'v=$(cat)
printf "%s\n" "$v" >>"$1"
printf "r:%s\n" "$v"'
	seq 1 100 >"$TDIR/in"
	start_listener "$NAME" -- "$TDIR/each" "$TDIR/log"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 100
	assert_output "$(seq 1 100 | sed 's/^/r:/')"
	run cmp "$TDIR/in" "$TDIR/log"
	assert_success
	run grep -c '^peerrelay: run ' "$TDIR/err"
	assert_output 100
}

@test "a client that sends and disconnects at once still gets its request run" {
	mkscript mark 'cat >"$1.tmp"
mv "$1.tmp" "$1"'
	start_listener "$NAME" -- "$TDIR/mark" "$TDIR/marker"
	run py_send_close "$NAME" "ran-anyway"
	assert_success
	assert_output ""
	wait_for_file "$TDIR/marker"
	run cat "$TDIR/marker"
	assert_output "ran-anyway"
}

@test "a vanished client does not stop the listener" {
	mkscript talk 'v=$(cat)
i=0
while [ $i -lt 200 ]; do echo "line $i of $v"; echo "err $i" >&2; i=$((i + 1)); done'
	start_listener "$NAME" -- "$TDIR/talk"
	run py_send_close "$NAME" gone
	assert_success
	assert_output ""
	wait_for_line "$TDIR/err" '^peerrelay: run .* status=exit 0 '
	run --separate-stderr "$PEERRELAY" send "$NAME" here
	assert_success
	assert_equal "${#lines[@]}" 200
	assert_line --index 0 "line 0 of here"
	assert_line --index 199 "line 199 of here"
	kill -0 "$LPID"
}

@test "a socat client is served and sees the raw reply datagrams" {
	mkscript side 'cat >"$1"
echo done-marker'
	start_listener "$TDIR/s" -- "$TDIR/side" "$TDIR/effect"
	run timeout 10 sh -c 'printf hello | socat -t 5 - UNIX-CONNECT:"$1",type=5' sh "$TDIR/s"
	assert_success
	assert_output --partial "done-marker"
	assert_output --regexp '^odone-marker'
	assert_output --regexp 'x0$'
	run cat "$TDIR/effect"
	assert_output "hello"
}

@test "listen refuses a COMMAND that does not exist or is not executable" {
	run timeout 5 "$PEERRELAY" listen "$NAME" -- "$TDIR/nope"
	assert_equal "$status" 64
	assert_output "peerrelay: $TDIR/nope: not found or not executable"
	printf '#!/bin/sh\necho hi\n' >"$TDIR/noexec"
	chmod 644 "$TDIR/noexec"
	run timeout 5 "$PEERRELAY" listen "$NAME" -- "$TDIR/noexec" arg
	assert_equal "$status" 64
	assert_output "peerrelay: $TDIR/noexec: not found or not executable"
	run timeout 5 "$PEERRELAY" listen "$NAME" -- no-such-command-xyz
	assert_equal "$status" 64
	assert_output "peerrelay: no-such-command-xyz: not found or not executable"
	run timeout 5 "$PEERRELAY" listen "$NAME" -- "$TDIR"
	assert_equal "$status" 64
	assert_output "peerrelay: $TDIR: not found or not executable"
}

@test "listen ADDRESS -- with no command is a usage error" {
	run timeout 5 "$PEERRELAY" listen "$NAME" --
	assert_equal "$status" 64
	assert_output --partial "missing COMMAND"
}

# start_sig_listener: a listener started with SIGUSR1 blocked and SIGUSR2,
# SIGINT and SIGTERM ignored, whose command prints its SigBlk and SigIgn.
start_sig_listener() {
	local AS=(python3 -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
for s in (signal.SIGUSR2, signal.SIGINT, signal.SIGTERM):
    signal.signal(s, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])
')
	start_listener "$NAME" -- /bin/grep -E '^Sig(Blk|Ign):' /proc/self/status
	# The listener itself did inherit ignored signals.
	run grep -E '^SigIgn:' "/proc/$LPID/status"
	assert_success
	refute_output --regexp '^SigIgn:\s+0+$'
}

@test "the command starts with an empty signal mask and SIGINT/SIGTERM not ignored" {
	start_sig_listener
	run --separate-stderr "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^SigBlk:\s+0{16}$'
	assert_line --index 1 --regexp '^SigIgn:\s+[0-9a-f]{16}$'
	local ign=$((16#${lines[1]##*[[:space:]]}))
	# No classic signal (1-31: HUP, INT, PIPE, TERM, USR2, ...) is ignored.
	assert_equal "$((ign & 0x7fffffff))" 0
}

@test "the command starts with no signal ignored but glibc's reserved 32 and 33" {
	start_sig_listener
	run --separate-stderr "$PEERRELAY" send "$NAME" go
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^SigBlk:\s+0{16}$'
	assert_line --index 1 --regexp '^SigIgn:\s+[0-9a-f]{16}$'
	# posix_spawn(3) in glibc leaves its own two signals (bits 31, 32) ignored.
	local ign=$((16#${lines[1]##*[[:space:]]}))
	assert_equal "$(( ign & ~0x180000000 ))" 0
}

@test "the log has one run line per request with uid, user, status and duration" {
	mkscript status 'exit "$(cat)"'
	printf '0\n3\n5\n' >"$TDIR/in"
	start_listener "$NAME" --allow-user root --allow-user www-data -- "$TDIR/status"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_equal "$status" 3
	assert_output ""
	[[ "$stderr" == *"record 2: exit status 3"* ]]
	[[ "$stderr" == *"record 3: exit status 5"* ]]
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" 7
	assert_equal "$status" 7
	assert_output ""
	wait_for_count "$TDIR/err" '^peerrelay: run ' 4
	run grep '^peerrelay: run ' "$TDIR/err"
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp '^peerrelay: run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 (gid=0 )?user=root status=exit 0 duration=[0-9]+\.[0-9]+s cpu=[0-9]+\.[0-9]+s leftovers=0 in=[0-9]+ out=[0-9]+ sha256=[0-9a-f]{64}$'
	assert_line --index 1 --regexp '^peerrelay: run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 (gid=0 )?user=root status=exit 3 duration=[0-9]+\.[0-9]+s cpu=[0-9]+\.[0-9]+s leftovers=0 in=[0-9]+ out=[0-9]+ sha256=[0-9a-f]{64}$'
	assert_line --index 2 --regexp '^peerrelay: run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 (gid=0 )?user=root status=exit 5 duration=[0-9]+\.[0-9]+s cpu=[0-9]+\.[0-9]+s leftovers=0 in=[0-9]+ out=[0-9]+ sha256=[0-9a-f]{64}$'
	assert_line --index 3 --regexp '^peerrelay: run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 (gid=33 )?user=www-data status=exit 7 duration=[0-9]+\.[0-9]+s cpu=[0-9]+\.[0-9]+s leftovers=0 in=[0-9]+ out=[0-9]+ sha256=[0-9a-f]{64}$'
}
