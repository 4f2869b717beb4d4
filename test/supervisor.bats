#!/usr/bin/env bats
# The supervisor itself, where it can go wrong: cloned into the listener's
# memory (x86-64), it starts the command with raw system calls, and when
# something is left it executes the binary again to become the whole
# supervisor. Its failures, and what a command can do to it, with real
# processes.

load helpers

# $TDIR/noclose ERRNO PROGRAM...: PROGRAM under a seccomp filter that
# makes close_range(2) fail with ERRNO (EPERM, or ENOSYS as before Linux
# 5.9), as a sandbox older than the call does.
noclose() {
	command -v gcc >/dev/null || skip "no gcc"
	cat >"$TDIR/noclose.c" <<-'EOF'
	#include <linux/filter.h>
	#include <linux/seccomp.h>
	#include <sys/prctl.h>
	#include <sys/syscall.h>
	#include <errno.h>
	#include <stddef.h>
	#include <stdio.h>
	#include <string.h>
	#include <unistd.h>
	int
	main(int argc, char **argv)
	{
		int e = strcmp(argv[1], "EPERM") == 0 ? EPERM : ENOSYS;
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | e),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog p = { sizeof(f) / sizeof(f[0]), f };

		(void)argc;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p) == -1) {
			perror("seccomp");
			return 1;
		}
		execv(argv[2], argv + 2);
		perror("execv");
		return 127;
	}
	EOF
	gcc -o "$TDIR/noclose" "$TDIR/noclose.c"
}

@test "close_range refused by a seccomp filter (EPERM, ENOSYS): served all the same; the command holds 0, 1, 2, its supervisor those and the report pipe" {
	noclose
	cat >"$TDIR/fds" <<-'EOF'
	#!/usr/bin/python3
	import os
	print("command", sorted(int(f) for f in os.listdir("/proc/self/fd")))
	print("supervisor", len(os.listdir("/proc/%d/fd" % os.getppid())))
	EOF
	chmod 755 "$TDIR/fds"
	local e
	for e in EPERM ENOSYS; do
		AS=("$TDIR/noclose" "$e")
		start_listener "$NAME" -- "$TDIR/fds"
		AS=()
		# Two connections open, so the listener has descriptors to leak.
		"$PEERRELAY" send "$NAME" hold >/dev/null &
		local hold=$!
		run --separate-stderr "$PEERRELAY" send "$NAME" x
		assert_success
		# The listing's own descriptor is the one past 2.
		assert_line "command [0, 1, 2, 3]"
		assert_line "supervisor 4"
		wait "$hold"
		stop_listener
	done
}

@test "a supervisor its command stops goes on at once: the request ends; under --timeout 1 it still times out" {
	start_listener "$NAME" -- /bin/sh -c 'kill -STOP $PPID; echo stopped-it'
	run --separate-stderr timeout 20 "$PEERRELAY" send "$NAME" x
	assert_success
	assert_output "stopped-it"
	stop_listener
	start_listener "$NAME" --timeout 1 -- /bin/sh -c 'kill -STOP $PPID; sleep 30'
	run --separate-stderr timeout 20 "$PEERRELAY" send "$NAME" x
	assert_equal "$status" 75
	[[ $stderr == *"timed out"* ]]
	wait_for_line "$TDIR/err" 'status=timeout '
}

@test "a supervisor that cannot become the whole one (its binary no longer executable): r70, why logged, what it left ended; later ones forked and whole" {
	cp "$PEERRELAY" "$TDIR/prx"
	chmod 755 "$TDIR/prx"
	# What it leaves shows in ps as $TDIR/left 300.
	ln -s /bin/sleep "$TDIR/left"
	cat >"$TDIR/cmd" <<-EOF
	#!/bin/sh
	read -r what
	[ "\$what" = leave ] && setsid -f $TDIR/left 300 </dev/null >/dev/null 2>&1
	echo "\$what"
	EOF
	chmod 755 "$TDIR/cmd"
	PEERRELAY=$TDIR/prx start_listener "$NAME" -- "$TDIR/cmd"
	run --separate-stderr "$PEERRELAY" send "$NAME" first
	assert_success
	assert_output first
	# Not executable now, not even for root.
	chmod 644 "$TDIR/prx"
	run --separate-stderr "$PEERRELAY" send "$NAME" leave
	assert_equal "$status" 70
	[[ $stderr == *"the command's supervisor failed"* ]]
	wait_for_line "$TDIR/err" '^peerrelay: supervisor: resume: execve: Permission denied$'
	wait_for_line "$TDIR/err" 'status=lost .*leftovers=unknown'
	# The listener ended what it left.
	local i
	for i in $(seq 1 100); do
		pgrep -f "$TDIR/left 300" >/dev/null || break
		sleep 0.05
	done
	run pgrep -f "$TDIR/left 300"
	assert_failure
	# From then on forked: the next request's leftover is ended by its own.
	run --separate-stderr "$PEERRELAY" send "$NAME" leave
	assert_success
	assert_output leave
	run pgrep -f "$TDIR/left 300"
	assert_failure
	wait_for_line "$TDIR/err" 'status=exit 0 .*leftovers=1 '
}

@test "a supervisor killed while its command's execve is held: that child (in the listener's memory) is killed, and its stack not freed before it is reaped; it never runs; the listener is not held" {
	command -v strace >/dev/null || skip "no strace"
	cat >"$TDIR/cmd" <<-EOF
	#!/bin/sh
	touch $TDIR/ran
	echo ran
	EOF
	chmod 755 "$TDIR/cmd"
	start_listener "$NAME" -- "$TDIR/cmd"
	# The first execve after the attach, the command's, held 30 seconds:
	# the listener gives up on the start after 5 and kills the supervisor.
	strace -q -f -o "$TDIR/strace" -p "$LPID" -e trace=execve,munmap,kill \
	    -e inject=execve:delay_enter=30000000:when=1 &
	local spid=$! i
	for i in $(seq 1 100); do
		grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$LPID/status" && break
		sleep 0.05
	done
	run --separate-stderr timeout 20 "$PEERRELAY" send "$NAME" x
	assert_equal "$status" 70
	[[ $stderr == *"cannot run the command"* ]]
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	# The held child: its pid and the order of its end and the munmap of
	# the supervisor's stack (64 KiB and a guard page) in the trace.
	local child
	child=$(sed -n 's/^\([0-9]*\) *execve(.*<unfinished \.\.\.>$/\1/p' "$TDIR/strace" | head -n 1)
	[ -n "$child" ]
	run awk -v c="$child" '
	    $1 == c && /\+\+\+ killed by SIGKILL/ { if (!gone) gone = NR }
	    /munmap\(0x[0-9a-f]+, 69632\)/ { if (!freed) freed = NR }
	    END { print (!freed || (gone && gone < freed)) ? "in order" : "gone " gone " freed " freed }' "$TDIR/strace"
	assert_output "in order"
	[ ! -e "$TDIR/ran" ]
	run grep -c SIGSEGV "$TDIR/strace"
	assert_output 0
	# Served on, the command whole.
	run --separate-stderr "$PEERRELAY" send "$NAME" y
	assert_success
	assert_output ran
}
