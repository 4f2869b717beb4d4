#!/usr/bin/env bats
# The command and the listener's login session: a listener started from a
# login shell has a controlling terminal, and a command it runs (as root or
# with --run-as) must not be able to reach it: no /dev/tty to type into with
# TIOCSTI, no way to become the terminal's foreground job. It has a session
# keyring too (pam_keyinit), whose keys a --run-as command must not possess.

load helpers

# start_listener_pty ADDRESS [OPTION...] [-- COMMAND...]: as start_listener,
# but the listener runs as a login shell would, on a new pseudo-terminal:
# a session leader whose controlling terminal is the pty, which is also its
# stdin, stdout and stderr (forkpty: setsid, TIOCSCTTY). What it writes
# there lands in $TDIR/err. Sets LPID to the listener's pid.
start_listener_pty() {
	local addr=$1
	listener_argv "$@"
	rm -f "$TDIR/lpid"
	/usr/bin/python3 -c '
import os, pty, sys
pid, master = pty.fork()
if pid == 0:
    os.execv(sys.argv[3], sys.argv[3:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % pid)
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        try:
            b = os.read(master, 4096)
        except OSError:
            break	# EIO: the listener is gone, the pty hung up
        if not b:
            break
        out.write(b)
os.waitpid(pid, 0)
' "$TDIR/lpid" "$TDIR/err" "${LARGV[@]}" </dev/null >/dev/null 2>&1 3>&- &
	LPIDS+=("$!")
	wait_for_line "$TDIR/lpid" '^[0-9]+$' || return 1
	LPID=$(cat "$TDIR/lpid")
	# Killed before its pty's reader, in teardown.
	LPIDS=("$LPID" "${LPIDS[@]}")
	if ! wait_listening "$addr" "$LPID"; then
		echo "listener on $addr did not start:" >&2
		cat "$TDIR/err" >&2
		return 1
	fi
}

# proc_ids PID: "pgrp session tty_nr" of PID, fields 5 to 7 of
# /proc/PID/stat, counted past the command name (which may hold spaces).
proc_ids() {
	sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f3-5
}

# The terminal script: what /dev/tty gives, then the command's uid, pid,
# process group, session and controlling terminal (0: none).
tty_script() {
	printf '%s\n' '#!/usr/bin/python3
import errno, os
try:
    os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    print("/dev/tty: opened")
except OSError as e:
    print("/dev/tty: " + errno.errorcode[e.errno])
st = open("/proc/self/stat").read()
f = st[st.rindex(")") + 2:].split()
print(os.getuid(), os.getpid(), f[2], f[3], f[4])' >"$TDIR/tty"
	chmod 755 "$TDIR/tty"
}

# The listener really holds the pty as its controlling terminal and leads
# its session; else the tests below would pass for nothing.
assert_listener_on_tty() {
	local pgrp session tty_nr
	read -r pgrp session tty_nr < <(proc_ids "$LPID")
	assert_equal "$session" "$LPID"
	assert_equal "$pgrp" "$LPID"
	[ "$tty_nr" -ne 0 ] || fail "the listener has no controlling terminal"
	# The pty's device, as the kernel numbers it: major 136 and up.
	[ $((tty_nr >> 8 & 0xfff)) -ge 136 ] ||
	    fail "the listener's terminal is not a pty (tty_nr $tty_nr)"
}

# The command's line from the terminal script ($output): uid UID, and a
# session of its own with no controlling terminal.
assert_command_detached() {
	local uid=$1 cuid pid pgrp session tty_nr
	assert_line --index 0 "/dev/tty: ENXIO"
	read -r cuid pid pgrp session tty_nr <<<"${lines[1]}"
	assert_equal "$cuid" "$uid"
	assert_equal "$tty_nr" 0
	assert_equal "$session" "$pid"
	# The session leader's process group, which --timeout signals whole.
	assert_equal "$pgrp" "$pid"
	[ "$session" != "$LPID" ] || fail "the command is in the listener's session"
}

# serve_detached UID [OPTION...]: a listener on a pty (with OPTIONS) runs
# the terminal script as UID, detached, for two requests in a row: nothing
# is left over from the first.
serve_detached() {
	local uid=$1 m
	shift
	tty_script
	start_listener_pty "$NAME" "$@" -- "$TDIR/tty"
	assert_listener_on_tty
	for m in x y; do
		run --separate-stderr "$PEERRELAY" send "$NAME" "$m"
		assert_success
		assert_equal "$stderr" ""
		assert_command_detached "$uid"
	done
}

@test "tty: the command runs in a session of its own with no controlling terminal, though the listener has one" {
	serve_detached 0
}

@test "tty: --run-as nobody: the command runs in a session of its own with no controlling terminal, though the listener has one" {
	serve_detached 65534 --run-as nobody
}

# start_listener_keyring ADDRESS [OPTION...] [-- COMMAND...]: as
# start_listener, but in a session keyring of its own, as an admin's shell
# has from pam_keyinit, holding a user key "secret" (hunter2) that only a
# possessor may view, read and search: no other process, root included,
# reaches it but through that keyring. $TDIR/key gets the key's id, then
# what the listener's session reads of it and that keyring's id.
start_listener_keyring() {
	local AS=(keyctl session "prt-$$-$BATS_TEST_NUMBER-$RANDOM" sh -c '
k=$(keyctl add user secret hunter2 @s) &&
    keyctl setperm "$k" 0x0b000000 &&
    { echo "$k"; keyctl print "$k"; keyctl id @s; } >"$0/key" &&
    exec "$@"' "$TDIR")
	start_listener "$@"
}

# The keyring script, given a key id as its request: the command's uid, its
# session keyring (id, then type;uid;gid;perm;description), what a search
# of it finds, what reading the key by id gives, and whether /proc/keys,
# which lists the keys the reader may view, lists "secret".
keyring_script() {
	printf '%s\n' '#!/bin/sh
key=$(cat)
id -u
echo "session keyring: $(keyctl id @s) $(keyctl rdescribe @s)"
if k=$(keyctl search @s user secret 2>&1); then
	echo "search: $(keyctl print "$k" 2>&1)"
else
	echo "search: $k"
fi
echo "print: $(keyctl print "$key" 2>&1)"
if grep -q " secret: " /proc/keys; then
	echo "/proc/keys: secret"
else
	echo "/proc/keys: no secret"
fi' >"$TDIR/keyring"
	chmod 755 "$TDIR/keyring"
}

# The listener's session really holds the key, which nothing outside that
# session may read, root included; else the tests below would pass for
# nothing. Sets KEY and RING, the ids of the key and of that keyring.
assert_listener_keyring() {
	run cat "$TDIR/key"
	assert_success
	assert_equal "${#lines[@]}" 3
	KEY=${lines[0]}
	assert_line --index 1 "hunter2"
	RING=${lines[2]}
	run keyctl print "$KEY"
	assert_failure
	assert_output "keyctl_read_alloc: Permission denied"
}

@test "keyring: --run-as nobody: the command has a session keyring of its own, not the listener's and its keys" {
	keyring_script
	start_listener_keyring "$NAME" --run-as nobody -- "$TDIR/keyring"
	assert_listener_keyring
	run --separate-stderr "$PEERRELAY" send "$NAME" "$KEY"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "65534"
	assert_line --index 2 "search: keyctl_search: Required key not available"
	assert_line --index 3 "print: keyctl_read_alloc: Permission denied"
	assert_line --index 4 "/proc/keys: no secret"
	assert_equal "${#lines[@]}" 5
	# A new anonymous keyring, which the user owns.
	assert_line --index 1 --regexp "^session keyring: [0-9]+ keyring;65534;65534;[0-9a-f]{8};_ses\$"
	refute_line --index 1 --partial "session keyring: $RING "
	# Each command its own: nothing is left over from the first.
	local first=${lines[1]}
	run --separate-stderr "$PEERRELAY" send "$NAME" "$KEY"
	assert_success
	assert_line --index 1 --regexp "^session keyring: [0-9]+ keyring;65534;65534;"
	refute_line --index 1 "$first"
	assert_line --index 2 "search: keyctl_search: Required key not available"
}

@test "keyring: without --run-as the command, as the listener's own uid, shares its session keyring" {
	keyring_script
	start_listener_keyring "$NAME" -- "$TDIR/keyring"
	assert_listener_keyring
	run --separate-stderr "$PEERRELAY" send "$NAME" "$KEY"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "0"
	assert_line --index 1 --regexp "^session keyring: $RING keyring;0;0;[0-9a-f]{8};prt-"
	assert_line --index 2 "search: hunter2"
	assert_line --index 3 "print: hunter2"
	assert_line --index 4 "/proc/keys: secret"
	assert_equal "${#lines[@]}" 5
}

# seccomp_keyctl ERRNO COMMAND...: run COMMAND under a seccomp filter that
# fails keyctl(2) with ERRNO (a number), as a container's profile may (EPERM)
# or as a kernel without keyrings does (ENOSYS), in place of this shell.
# Fails on an architecture whose keyctl number it does not know.
seccomp_keyctl() {
	exec /usr/bin/python3 -c '
import ctypes, os, platform, sys
nr = {"x86_64": 250, "aarch64": 219, "riscv64": 219, "ppc64le": 271,
    "s390x": 280, "i686": 288, "armv7l": 311}.get(platform.machine())
if nr is None:
    sys.exit("no keyctl number for " + platform.machine())
class Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Insn))]
# A = nr; A == keyctl ? ERRNO(errno) : ALLOW
code = (Insn * 4)(Insn(0x20, 0, 0, 0), Insn(0x15, 0, 1, nr),
    Insn(0x06, 0, 0, 0x00050000 | int(sys.argv[1])),
    Insn(0x06, 0, 0, 0x7fff0000))
prog = Prog(4, code)
libc = ctypes.CDLL(None, use_errno=True)
# PR_SET_SECCOMP, SECCOMP_MODE_FILTER; root needs no no_new_privs.
if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:
    sys.exit("prctl: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[2], sys.argv[2:])
' "$@"
}

# ran_script: $TDIR/ran prints the command's uid and its session keyring's
# id (or why keyctl could not say).
ran_script() {
	printf '#!/bin/sh\nid -u\nkeyctl id @s 2>&1\nexit 0\n' >"$TDIR/ran"
	chmod 755 "$TDIR/ran"
}

@test "keyring: --run-as: keyctl refused (a seccomp filter, EPERM) fails the request (70, step logged): no command with the listener's keyring" {
	ran_script
	local AS=(seccomp_keyctl 1)
	start_listener "$NAME" --run-as nobody -- "$TDIR/ran"
	run --separate-stderr "$PEERRELAY" send "$NAME" x
	assert_equal "$status" 70
	assert_output ""
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): cannot run the command"
	run grep -c -- "--run-as: keyctl: Operation not permitted" "$TDIR/err"
	assert_output "1"
	# The filter holds, and refuses keyctl to a command without --run-as.
	start_listener "$NAME-2" -- "$TDIR/ran"
	run --separate-stderr "$PEERRELAY" send "$NAME-2" x
	assert_success
	assert_line --index 0 "0"
	assert_line --index 1 --partial "Operation not permitted"
}

@test "keyring: --run-as: keyctl missing (ENOSYS, as in a kernel without keyrings) still runs the command" {
	ran_script
	local AS=(seccomp_keyctl 38)
	start_listener "$NAME" --run-as nobody -- "$TDIR/ran"
	run --separate-stderr "$PEERRELAY" send "$NAME" x
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "65534"
	assert_line --index 1 --partial "Function not implemented"
	run cat "$TDIR/err"
	refute_output --partial "keyctl"
}
