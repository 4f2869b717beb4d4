#!/usr/bin/env bats
# send's ACTION form, `peerrelay send ADDRESS -- ACTION [ARG...]`, against
# a fake listener that records the exact bytes of every datagram: the
# header on the wire, the hello and what its answer must grant, the usage
# errors that connect nowhere, a terminal's stdin left unread, the
# statuses passed through.

load helpers

# fake_rules HELLOS REPLIES: a listener on $NAME serving connections one
# after another. Connection N's hello (an empty first datagram) is answered
# with the Nth of HELLOS (|-separated, the last one repeating; "none": the
# hello taken as a request; "silent": never answered; "close": the
# connection closed unanswered; an answer beginning r75 closes it too). The Kth request on a connection gets the Kth of REPLIES
# (|-separated, the last repeating), each one or more datagrams separated
# by "^". Datagram I of connection N is written to $W/cN.I, byte for
# byte, before it is answered; $W/cN.end appears at the connection's end
# of stream, and $W/conns gets a line per connection accepted.
fake_rules() {
	W=$TDIR/w
	mkdir -p "$W"
	python3 -c '
import os, select, socket, sys
addr, hellos, replies, w = sys.argv[1], sys.argv[2].split("|"), \
    sys.argv[3].split("|"), sys.argv[4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\0" + addr)
s.listen(8)

def put(name, data):
    with open(os.path.join(w, name + ".tmp"), "wb") as f:
        f.write(data)
    os.rename(os.path.join(w, name + ".tmp"), os.path.join(w, name))

# recv gave b"": the end of stream, unless data follows (an empty datagram).
def ended(c):
    p = select.poll()
    p.register(c, select.POLLRDHUP)
    ev = p.poll(0)
    if not ev or not ev[0][1] & (select.POLLRDHUP | select.POLLHUP):
        return False
    try:
        return len(c.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT |
            socket.MSG_TRUNC)) == 0
    except BlockingIOError:
        return True

n = 0
while True:
    c, _ = s.accept()
    n += 1
    with open(os.path.join(w, "conns"), "a") as f:
        f.write("%d\n" % n)
    hello = hellos[min(n, len(hellos)) - 1]
    i = k = 0
    while True:
        # A client gone with a reply unread resets the connection: its end.
        try:
            d = c.recv(8 << 20)
            if d == b"" and ended(c):
                break
        except ConnectionResetError:
            break
        put("c%d.%d" % (n, i), d)
        i += 1
        if i == 1 and d == b"" and hello != "none":
            if hello == "close":
                break
            if hello != "silent":
                c.send(hello.encode())
            if hello.startswith("r75"):
                break
            continue
        # Gone (--no-wait): the rest is still read, to its end.
        for r in replies[min(k, len(replies) - 1)].split("^"):
            try:
                c.send(r.encode())
            except OSError:
                pass
        k += 1
    put("c%d.end" % n, b"end\n")
    c.close()
' "${NAME#@}" "$1" "$2" "$W" 3>&- &
	LPIDS+=("$!")
	wait_listening "$NAME" "$!"
}

# datagrams N: once connection N has ended, the names of the datagrams it
# received, in order, on one line.
datagrams() {
	wait_for_file "$W/c$1.end" || return 1
	local i=0 names=()
	while [ -e "$W/c$1.$i" ]; do
		names+=("c$1.$i")
		i=$((i + 1))
	done
	echo "${names[*]}"
}

# wire FILE FORMAT [ARG...]: datagram FILE holds exactly the bytes
# printf FORMAT ARG... gives.
wire() {
	local f=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" >"$TDIR/expected"
	if ! cmp -s "$TDIR/expected" "$W/$f"; then
		echo "$f: expected" >&2
		od -c "$TDIR/expected" >&2
		echo "got" >&2
		od -c "$W/$f" >&2
		return 1
	fi
}

# no_connection: nothing connected to the fake before now. A probe
# connects; it must be the first connection the fake has seen.
no_connection() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
s.close()' "${NAME#@}"
	wait_for_file "$W/c1.end" || return 1
	assert_equal "$(cat "$W/conns")" "1"
	assert_equal "$(datagrams 1)" ""
}

# on_pty INPUT SEND-ARG...: run `peerrelay send SEND-ARG...` with a new
# pseudo-terminal as its stdin, INPUT (escapes decoded) typed there first;
# its stdout and stderr in $TDIR/s.out, $TDIR/s.err. Prints its status
# ("hung" when it ran for 20 s), then the bytes left unread on the
# terminal (Python's repr).
on_pty() {
	python3 -c '
import codecs, os, subprocess, sys
m, s = os.openpty()
os.write(m, codecs.escape_decode(sys.argv[1])[0])
with open(sys.argv[2] + "/s.out", "wb") as o, \
    open(sys.argv[2] + "/s.err", "wb") as e:
    p = subprocess.Popen(sys.argv[3:], stdin=s, stdout=o, stderr=e)
    try:
        rc = p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = "hung"
os.set_blocking(s, False)
try:
    left = os.read(s, 4096)
except BlockingIOError:
    left = b""
print("status=%s left=%r" % (rc, left))
' "$1" "$TDIR" "$PEERRELAY" send "${@:2}"
}

@test "an action's request on the wire: the hello, then ACTION and each ARG byte for byte (spaces, shell metacharacters, a newline, a leading -), then stdin" {
	fake_rules 'hAR' 'x0'
	printf '\001\002bin \377\376\177 end' >"$TDIR/payload"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- deploy-site \
	    'two words' '$(touch /tmp/x); `id` | & > ; *' $'line one\nline two' \
	    -rf --force <"$TDIR/payload"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.0 ''
	wire c1.1 'deploy-site\0two words\0$(touch /tmp/x); `id` | & > ; *\0line one\nline two\0-rf\0--force\0\0\001\002bin \377\376\177 end'
}

@test "an action without arguments, stdin empty (not a terminal): one request with an empty payload" {
	fake_rules 'hAR' 'x0'
	run --separate-stderr "$PEERRELAY" send "$NAME" -- reload </dev/null
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.1 'reload\0\0'
}

@test "stdin a terminal: the payload is empty and the terminal is not read" {
	fake_rules 'hAR' 'x0'
	run on_pty 'typed ahead\n' "$NAME" -- reload now
	assert_success
	assert_output "status=0 left=b'typed ahead\\n'"
	assert_equal "$(cat "$TDIR/s.err")" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.1 'reload\0now\0\0'
}

@test "--lines from a terminal: the lines typed are the requests' payloads, to the end of input (^D)" {
	fake_rules 'hAR' 'x0'
	run on_pty 'a\nb c\n\004' --lines "$NAME" -- log
	assert_success
	assert_output "status=0 left=b''"
	assert_equal "$(datagrams 1)" "c1.0 c1.1 c1.2"
	wire c1.1 'log\0\0a'
	wire c1.2 'log\0\0b c'
}

@test "--lines: one request per record, each with the same header; empty lines skipped with the usual warning" {
	fake_rules 'hAR' 'x0'
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" -- rotate 'a b' \
	    < <(printf 'one\ntwo words\n\n-three')
	assert_success
	assert_equal "$stderr" "peerrelay: skipped 1 empty record"
	assert_equal "$(datagrams 1)" "c1.0 c1.1 c1.2 c1.3"
	wire c1.0 ''
	wire c1.1 'rotate\0a b\0\0one'
	wire c1.2 'rotate\0a b\0\0two words'
	wire c1.3 'rotate\0a b\0\0-three'
}

@test "--null: one request per record, a newline inside a record kept" {
	fake_rules 'hAR' 'x0'
	run --separate-stderr "$PEERRELAY" send --null "$NAME" -- put \
	    < <(printf 'x\ny\0z\0')
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1 c1.2"
	wire c1.1 'put\0\0x\ny'
	wire c1.2 'put\0\0z'
}

@test "--no-wait with an action: the hello's answer is awaited, then the request is handed over" {
	fake_rules 'hAR' 'x3'
	run --separate-stderr "$PEERRELAY" send --no-wait "$NAME" -- kick me \
	    <<<"data"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.0 ''
	wire c1.1 'kick\0me\0\0data\n'
}

@test "a listener that answers the hello without R: 69, and it received nothing but the hello (whole, --lines, --no-wait)" {
	fake_rules 'hA' 'x0'
	local n=0 mode
	for mode in "" --lines --no-wait; do
		n=$((n + 1))
		run --separate-stderr "$PEERRELAY" send $mode "$NAME" -- act arg \
		    <<<"payload"
		assert_failure 69
		assert_output ""
		assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
		assert_equal "$(datagrams $n)" "c$n.0"
		wire "c$n.0" ''
	done
}

@test "a listener that predates the hello (r65 empty request): 69, and it received nothing but the hello (whole, --null, --no-wait)" {
	fake_rules 'r65 empty request' 'x0'
	local n=0 mode
	for mode in "" --null --no-wait; do
		n=$((n + 1))
		run --separate-stderr "$PEERRELAY" send $mode "$NAME" -- act \
		    < <(printf 'payload\0')
		assert_failure 69
		assert_output ""
		assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
		assert_equal "$(datagrams $n)" "c$n.0"
	done
}

@test "--list on the wire: the hello, then ?list NUL NUL alone, stdin never read (a terminal's typed-ahead stays); the o replies printed" {
	fake_rules 'hARL' $'oa {x}\nb\n^oc -{-[a-z]}\n^x0'
	run on_pty 'typed ahead\n' --list "$NAME"
	assert_success
	assert_output "status=0 left=b'typed ahead\\n'"
	assert_equal "$(cat "$TDIR/s.out")" 'a {x}
b
c -{-[a-z]}'
	assert_equal "$(cat "$TDIR/s.err")" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.0 ''
	wire c1.1 '?list\0\0'
}

@test "--list to a rules listener granting R but not L: 69, does not list actions; granting neither, or predating the hello: does not take actions; only the hello sent" {
	fake_rules 'hAR|hA|r65 empty request' 'x0'
	run --separate-stderr "$PEERRELAY" send --list "$NAME"
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: $NAME: listener does not list actions"
	assert_equal "$(datagrams 1)" "c1.0"
	local n
	for n in 2 3; do
		run --separate-stderr "$PEERRELAY" send --list "$NAME"
		assert_failure 69
		assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
		assert_equal "$(datagrams $n)" "c$n.0"
	done
}

@test "a listener denying the connection at the hello: 77 as before, nothing but the hello sent" {
	fake_rules 'r77 not allowed (uid 0)' 'x0'
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act <<<"payload"
	assert_failure 77
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 0)"
	assert_equal "$(datagrams 1)" "c1.0"
}

@test "statuses pass through: the command's, a refusal of the action (77) or of an argument (65), each reported" {
	fake_rules 'hAR' 'oout^eerr^x3'
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act </dev/null
	assert_failure 3
	assert_output "out"
	assert_equal "$stderr" "err"
	fake_stop_and "r77 not allowed: act"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act </dev/null
	assert_failure 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: refused: not allowed: act"
	fake_stop_and "r65 argument 1 refused by its slot"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act ';rm' </dev/null
	assert_failure 65
	assert_equal "$stderr" "peerrelay: refused: argument 1 refused by its slot"
}

# fake_stop_and REPLIES: the fake listener again, with new REPLIES.
fake_stop_and() {
	kill -KILL "${LPIDS[-1]}"
	wait "${LPIDS[-1]}" 2>/dev/null || true
	rm -rf "$W"
	fake_rules 'hAR' "$1"
}

@test "--lines: a refusal or failure per request is reported per record, the rest go on, the first failure's status" {
	fake_rules 'hAR' 'x0|r77 not allowed: act|x0|x5|r65 act takes 0 arguments, not 1'
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" -- act \
	    < <(printf '1\n2\n3\n4\n5\n')
	assert_failure 77
	assert_output ""
	assert_equal "$stderr" "$(printf '%s\n' \
	    'peerrelay: record 2 refused: not allowed: act' \
	    'peerrelay: record 4: exit status 5' \
	    'peerrelay: record 5 refused: act takes 0 arguments, not 1')"
	assert_equal "$(datagrams 1)" "c1.0 c1.1 c1.2 c1.3 c1.4 c1.5"
}

@test "without an action, a listener granting R gets --lines records as the action default, no arguments" {
	fake_rules 'hAR' 'x0'
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" < <(printf 'a\nb\n')
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1 c1.2"
	wire c1.1 'default\0\0a'
	wire c1.2 'default\0\0b'
}

@test "without an action, send says hello whenever it waits: whole input and --lines; R not granted, records go plain" {
	fake_rules 'hA|hA|r65 empty request' 'x0'
	run --separate-stderr "$PEERRELAY" send "$NAME" plain
	assert_success
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.0 ''
	wire c1.1 'plain'
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" < <(printf 'a\nb\n')
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 2)" "c2.0 c2.1 c2.2"
	wire c2.0 ''
	wire c2.1 'a'
	wire c2.2 'b'
	run --separate-stderr "$PEERRELAY" send --null "$NAME" < <(printf 'a\0')
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 3)" "c3.0 c3.1"
	wire c3.1 'a'
}

@test "--no-wait without an action says no hello: every record goes plain, as to any SEQPACKET server" {
	fake_rules 'none' 'x0'
	run --separate-stderr "$PEERRELAY" send --no-wait --lines "$NAME" \
	    < <(printf 'a\nb\n')
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	wire c1.0 'a'
	wire c1.1 'b'
}

@test "a listener that closes at the hello, unanswered: 69, as a listener closing before any answer" {
	fake_rules 'close' 'x0'
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act </dev/null
	assert_failure 69
	assert_equal "$stderr" "peerrelay: the listener closed the connection without answering the hello (a plain SOCK_SEQPACKET server reads it as the end of the stream): record 1 unanswered"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" -- act </dev/null
	assert_failure 69
	# Whether the close is seen while the answer is awaited is timing: either.
	[[ $stderr =~ ^"peerrelay: the listener closed the connection"( "without answering the hello (a plain SOCK_SEQPACKET server reads it as the end of the stream)")?" before any record was sent"$ ]]
	assert_equal "$(datagrams 1)" "c1.0"
	assert_equal "$(datagrams 2)" "c2.0"
}

@test "a busy listener (r75 at the hello) is tried again with the action; the busy connection got only the hello" {
	fake_rules 'r75 busy: uid 0 holds 1 connections|r75 busy: uid 0 holds 1 connections|hAR' 'x0'
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act arg <<<"p"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0"
	assert_equal "$(datagrams 2)" "c2.0"
	assert_equal "$(datagrams 3)" "c3.0 c3.1"
	wire c3.1 'act\0arg\0\0p\n'
}

@test "--timeout bounds the wait for the hello's answer: 75, nothing but the hello sent" {
	fake_rules 'silent' 'x0'
	run --separate-stderr "$PEERRELAY" send --timeout 1 "$NAME" -- act </dev/null
	assert_failure 75
	assert_equal "$stderr" "peerrelay: timed out after 1s waiting for the listener to answer: record 1 unanswered"
	assert_equal "$(datagrams 1)" "c1.0"
}

@test "usage errors exit 64 before connecting, naming the value" {
	fake_rules 'hAR' 'x0'
	local long65 arg4097 many=()
	long65=$(printf 'a%.0s' $(seq 65))
	arg4097=$(printf 'b%.0s' $(seq 4097))
	mapfile -t many < <(seq 65)
	run --separate-stderr "$PEERRELAY" send "$NAME" --
	assert_failure 64
	assert_equal "$stderr" "peerrelay: send: '--' without an ACTION (see peerrelay help send)"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- ''
	assert_failure 64
	assert_equal "$stderr" "peerrelay: send: empty ACTION"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- "$long65"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: action '${long65:0:64}...': 65 bytes, more than 64"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act one ''
	assert_failure 64
	assert_equal "$stderr" "peerrelay: action act: argument 2 is empty"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act "$arg4097"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: action act: argument 1 ('${arg4097:0:32}...'): 4097 bytes, more than 4096"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act "${many[@]}"
	assert_failure 64
	assert_equal "$stderr" "peerrelay: action act: 65 arguments, more than 64"
	run --separate-stderr "$PEERRELAY" send "$NAME" message -- act
	assert_failure 64
	assert_equal "$stderr" "peerrelay: send: unexpected '--' after MESSAGE"
	no_connection
}

@test "the bounds are inclusive: a 64-byte action, 64 arguments, a 4096-byte argument" {
	fake_rules 'hAR' 'x0'
	local long64 arg4096 many=()
	long64=$(printf 'a%.0s' $(seq 64))
	arg4096=$(printf 'b%.0s' $(seq 4096))
	mapfile -t many < <(seq 63)
	run --separate-stderr "$PEERRELAY" send "$NAME" -- "$long64" "$arg4096" \
	    "${many[@]}" </dev/null
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	{ printf '%s\0' "$long64" "$arg4096" "${many[@]}"; printf '\0'; } \
	    >"$TDIR/expected"
	cmp "$TDIR/expected" "$W/c1.1"
}

@test "the header counts toward the datagram: 4 MiB less the header goes, one byte more is 65 before connecting" {
	fake_rules 'hAR' 'x0'
	# "act\0\0" is 5 bytes.
	head -c $((4194304 - 5 + 1)) /dev/zero | tr '\0' p >"$TDIR/big"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act <"$TDIR/big"
	assert_failure 65
	assert_equal "$stderr" "peerrelay: input of 4194300 bytes is larger than the socket can carry (4194304 bytes, less 5 for the request's header), nothing sent"
	no_connection
	truncate -s -1 "$TDIR/big"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- act <"$TDIR/big"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %s "$W/c2.1")" 4194304
	assert_equal "$(head -c 6 "$W/c2.1" | od -An -c | tr -s ' ')" " a c t \0 \0 p"
}

@test "--lines: the header counts toward each record's room (root's 1 MiB buffer: 1048578 bytes), also \"default\"'s, set by the hello's answer" {
	fake_rules 'hAR' 'x0'
	# "act\0\0" is 5 bytes: 1048573 fit, 1048574 do not.
	{ head -c 1048574 /dev/zero | tr '\0' x; echo
	  head -c 1048573 /dev/zero | tr '\0' y; echo; } >"$TDIR/lines"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" -- act <"$TDIR/lines"
	assert_failure 65
	assert_equal "$stderr" "peerrelay: record 1: larger than the socket can carry (1048578 bytes, less 5 for the request's header), not sent"
	assert_equal "$(datagrams 1)" "c1.0 c1.1"
	assert_equal "$(stat -c %s "$W/c1.1")" 1048578
	# Without an ACTION the record is taken before the answer; "default\0\0"
	# (9 bytes) leaves it too large once R is granted.
	{ head -c 1048578 /dev/zero | tr '\0' x; echo
	  head -c 1048569 /dev/zero | tr '\0' y; echo; } >"$TDIR/lines"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/lines"
	assert_failure 65
	assert_equal "$stderr" "peerrelay: record 1: larger than the socket can carry (1048578 bytes, less 9 for the request's header), not sent"
	assert_equal "$(datagrams 2)" "c2.0 c2.1"
	assert_equal "$(stat -c %s "$W/c2.1")" 1048578
	assert_equal "$(head -c 10 "$W/c2.1" | od -An -c | tr -s ' ')" " d e f a u l t \0 \0 y"
}

@test "send --help shows the ACTION form" {
	run "$PEERRELAY" send --help
	assert_success
	assert_line "       peerrelay send [OPTIONS] ADDRESS -- ACTION [ARG...]"
}

@test "bash completion: send offers -- among its options, and nothing for the ACTION and ARGs after it" {
	complete_words() {
		bash -c 'source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _peerrelay
printf "%s\n" "${COMPREPLY[@]}" | sort' complete \
		    "$BATS_TEST_DIRNAME/../completion/peerrelay.bash" "$@"
	}
	run complete_words peerrelay send --n
	assert_output "$(printf -- '--no-wait\n--null')"
	run complete_words peerrelay send @x -
	assert_line -- "--"
	cd "$TDIR"
	touch deploy-file
	run complete_words peerrelay send @x -- de
	assert_output ""
	run complete_words peerrelay send @x -- deploy de
	assert_output ""
	run complete_words peerrelay send de
	assert_output "deploy-file"
}

# Against a real listener (listen --rules, and older modes), with real
# users: root, www-data (33), nobody (65534).

# $TDIR/argv.py (argv_command), and $TDIR/append.py, which appends its
# stdin, then "|", to $TDIR/appended: trusted commands.
real_commands() {
	argv_command
	cat >"$TDIR/append.py" <<-PY
	#!/usr/bin/python3
	import sys
	with open("$TDIR/appended", "ab") as f:
	    f.write(sys.stdin.buffer.read() + b"|")
	PY
	chmod 755 "$TDIR/append.py"
}

# real_rules LINE...: the rules file $TDIR/rules, one line each, and a
# listener on $NAME serving it.
real_rules() {
	printf '%s\n' "$@" >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
	start_listener "$NAME" --rules "$TDIR/rules"
}

@test "a real rules listener: www-data's arguments are the command's argv byte for byte, its stdin the command's stdin" {
	[ "$(id -u)" = 0 ] || skip "callers run as other users: needs root"
	real_commands
	real_rules "permit show user www-data $TDIR/argv.py fixed {.+} {.+} {.+} -{.+}" \
	    "permit feed user www-data $TDIR/append.py"
	"${WWW[@]}" "$PEERRELAY" send --expect-user root "$NAME" -- show \
	    'two words' '$(id); `id` | & > /tmp/p *' $'line one\nline two' -rf \
	    </dev/null >"$TDIR/got" 2>"$TDIR/got.err"
	printf 'fixed\0two words\0$(id); `id` | & > /tmp/p *\0line one\nline two\0-rf' \
	    >"$TDIR/expected"
	cmp "$TDIR/expected" "$TDIR/got"
	[ ! -s "$TDIR/got.err" ]
	[ ! -e /tmp/p ]
	printf 'bin\0ary\377\n' | "${WWW[@]}" "$PEERRELAY" send "$NAME" -- feed
	printf 'bin\0ary\377\n|' >"$TDIR/expected"
	cmp "$TDIR/expected" "$TDIR/appended"
}

@test "a real rules listener: each refusal's status and message, nothing run" {
	[ "$(id -u)" = 0 ] || skip "callers run as other users: needs root"
	real_commands
	real_rules "permit show user www-data $TDIR/argv.py {[a-z]+}" \
	    "permit admin user root $TDIR/argv.py admin"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- nosuch </dev/null
	assert_failure 77
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): not allowed: nosuch"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- admin </dev/null
	assert_failure 77
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): not allowed: admin"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- show a b </dev/null
	assert_failure 65
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): show takes 1 argument, not 2"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- show -x </dev/null
	assert_failure 65
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): argument 1 refused by its slot"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" -- show $'ok\nrm' </dev/null
	assert_failure 65
	assert_equal "$(norm_ids "$stderr")" "peerrelay: refused (request C.1): argument 1 refused by its slot"
	run --separate-stderr "${NOBODY[@]}" "$PEERRELAY" send "$NAME" -- show ok </dev/null
	assert_failure 77
	assert_equal "$stderr" "peerrelay: refused: not allowed (uid 65534)"
	[ ! -e "$TDIR/ran" ]
	# --lines: each record refused on its own, the first failure's status.
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send --lines "$NAME" -- show -x \
	    < <(printf 'a\nb\n')
	assert_failure 65
	assert_equal "$(norm_ids "$stderr")" "$(printf '%s\n' \
	    'peerrelay: record 1 refused (request C.1): argument 1 refused by its slot' \
	    'peerrelay: record 2 refused (request C.2): argument 1 refused by its slot')"
	[ ! -e "$TDIR/ran" ]
}

@test "a real rules listener: --lines sends one request per line to the action; without an action, to the default rule" {
	[ "$(id -u)" = 0 ] || skip "callers run as other users: needs root"
	real_commands
	real_rules "permit log user www-data $TDIR/append.py" \
	    "permit default user www-data $TDIR/append.py"
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send --lines "$NAME" -- log \
	    < <(printf 'one\ntwo\n')
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send --lines "$NAME" \
	    < <(printf 'three\nfour\n')
	assert_success
	# --no-wait says no hello: a plain request, which the default rule serves.
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send --no-wait --null "$NAME" \
	    < <(printf 'five\0')
	assert_success
	wait_for_count "$TDIR/err" "run conn=[^ ]* req=[^ ]* pid=" 5
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" six
	assert_success
	assert_equal "$(grep -c "start .*action=default" "$TDIR/err")" 4
	assert_equal "$(cat "$TDIR/appended")" "one|two|three|four|five|six|"
}

@test "a listener without rules (exec and print mode): 69, the command never run, nothing printed" {
	[ "$(id -u)" = 0 ] || skip "the command must be root's to be trusted"
	real_commands
	start_listener "$NAME" -- "$TDIR/argv.py"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- show x <<<"payload"
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
	run --separate-stderr "$PEERRELAY" send --lines --no-wait "$NAME" -- show x \
	    <<<"payload"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
	stop_listener
	[ ! -e "$TDIR/ran" ]
	start_listener "$NAME"
	run --separate-stderr "$PEERRELAY" send "$NAME" -- show x <<<"payload"
	assert_failure 69
	assert_equal "$stderr" "peerrelay: $NAME: listener does not take actions"
	stop_listener
	assert_printed
}
