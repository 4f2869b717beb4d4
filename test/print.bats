#!/usr/bin/env bats
# Print mode and the send side: record formats (text, json, raw), how input
# is split into records, input limits, --once, --expect-user/--expect-group
# and clients that are not peerrelay.

load helpers

# unvis(3) for what strnvisx(VIS_CSTYLE|VIS_OCTAL|VIS_WHITE) produces.
UNVIS_PY='
def unvis(s):
    out = bytearray()
    c = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11,
         "s": 32, "E": 27, "\\": 92}
    i = 0
    while i < len(s):
        ch = s[i]
        if ch != "\\":
            out.append(ord(ch))
            i += 1
            continue
        i += 1
        if s[i] in "01234567":
            j = i
            while j < len(s) and j < i + 3 and s[j] in "01234567":
                j += 1
            out.append(int(s[i:j], 8))
            i = j
        else:
            out.append(c[s[i]])
            i += 1
    return bytes(out)
'

# Assert the listener printed exactly the lines given (none when no argument).


@test "text: a simple payload is one exact line" {
	start_listener "$NAME" --allow-user www-data
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" hello
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed '^pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data groups= cgroup=[^ ]* unit=[^ ]* size=5 data=hello$'
	# pid= is the sender's pid: a positive number.
	local pid
	pid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$TDIR/out")
	[ "$pid" -gt 0 ]
}

@test "text: control bytes, newline, NUL and invalid UTF-8 are escaped on one line" {
	start_listener "$NAME"
	printf 'a b\n\t\0\001\377' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=8 data=a\\\\sb\\\\n\\\\t\\\\0\\\\001\\\\377\$"
	run sed 's/.* data=//' "$TDIR/out"
	assert_output 'a\sb\n\t\0\001\377'
}

@test "text: every byte value stays on one printable line and unvis decodes it back" {
	start_listener "$NAME"
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) + b"\x0012\\ \\n\xff\xfe\x00\r\n")' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run python3 -c "$UNVIS_PY"'
import re, sys
raw = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
assert raw.endswith(b"\n") and raw.count(b"\n") == 1, "not one line"
line = raw[:-1]
assert all(0x20 <= b < 0x7f for b in line), "non-printable byte in the record"
text = line.decode("ascii")
m = re.match(r"pid=\d+ uid=0 gid=0 user=root group=root groups=[\d,]* cgroup=\S* unit=\S* size=(\d+) data=(.*)$", text)
assert m, text
assert int(m.group(1)) == len(want), m.group(1)
assert unvis(m.group(2)) == want, "unvis does not give the payload back"
print("ok")
' "$TDIR/out" "$TDIR/in"
	assert_success
	assert_output "ok"
}

@test "json: each record is one line with every field" {
	start_listener "$NAME" --format json --allow-user www-data
	run --separate-stderr "${WWW[@]}" "$PEERRELAY" send "$NAME" hello
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"" and len(lines) == 2, lines
r = json.loads(lines[0])
assert list(r) == ["pid", "uid", "gid", "user", "group", "groups", "cgroup", "unit", "size", "encoding", "data"], list(r)
assert isinstance(r["pid"], int) and r["pid"] > 0
assert (r["uid"], r["gid"], r["user"], r["group"], r["groups"]) == (33, 33, "www-data", "www-data", [])
assert (r["size"], r["encoding"], r["data"]) == (5, "utf-8", "hello")
print("ok")
' "$TDIR/out"
	assert_success
	assert_output "ok"
}

@test "json: valid UTF-8 with é and control characters round-trips as utf-8" {
	start_listener "$NAME" --format json
	printf 'caf\303\251 \001\177\n\t"q\\ \342\202\254' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
assert raw.count(b"\n") == 1 and raw.endswith(b"\n"), raw
assert all(b >= 0x20 for b in raw[:-1]), "raw control byte in the JSON line"
r = json.loads(raw)
assert r["encoding"] == "utf-8", r["encoding"]
assert r["size"] == len(want), r["size"]
assert r["data"].encode("utf-8") == want, r["data"]
print("ok")
' "$TDIR/out" "$TDIR/in"
	assert_success
	assert_output "ok"
}

@test "json: invalid UTF-8 with NUL bytes is base64 of the exact bytes" {
	start_listener "$NAME" --format json
	printf 'a\0b\377\376\0\303(' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run python3 -c '
import base64, json, sys
raw = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
assert raw.count(b"\n") == 1, raw
r = json.loads(raw)
assert r["encoding"] == "base64", r["encoding"]
assert r["size"] == len(want), r["size"]
assert base64.b64decode(r["data"], validate=True) == want, r["data"]
print("ok")
' "$TDIR/out" "$TDIR/in"
	assert_success
	assert_output "ok"
}

@test "json: one line per record, in order; an unnamed uid has user null" {
	start_listener "$NAME" --format json --allow-any
	printf 'one\ntwo\nthree\n' >"$TDIR/in"
	run --separate-stderr setpriv --reuid=1234 --regid=1234 --clear-groups "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", lines
recs = [json.loads(l) for l in lines[:-1]]
assert [r["data"] for r in recs] == ["one", "two", "three"], recs
for r in recs:
    assert (r["uid"], r["gid"], r["user"], r["group"]) == (1234, 1234, None, None), r
print(len(recs))
' "$TDIR/out"
	assert_success
	assert_output "3"
}

@test "raw: the payload bytes alone, NUL bytes included" {
	start_listener "$NAME" --format raw
	printf 'a\0b\377\376\0\nxyz' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run cmp "$TDIR/in" "$TDIR/out"
	assert_success
	assert_output ""
}

@test "--lines: each line is a record, in order; a last line without newline counts" {
	start_listener "$NAME"
	printf 'one\ntwo words\nthree' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=3 data=one\$" \
	    "${REC}size=9 data=two\\\\swords\$" \
	    "${REC}size=5 data=three\$"
}

@test "--lines: empty lines are skipped with one warning counting them, exit 0" {
	start_listener "$NAME"
	printf '\na\n\nb\n\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send -l "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" "peerrelay: skipped 3 empty records"
	assert_printed "${REC}size=1 data=a\$" "${REC}size=1 data=b\$"
}

@test "--null: NUL-separated records, empty ones skipped with one warning" {
	start_listener "$NAME"
	printf 'n1\0line\nwith newline\0\0n3' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --null "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" "peerrelay: skipped 1 empty record"
	assert_printed "${REC}size=2 data=n1\$" \
	    "${REC}size=17 data=line\\\\nwith\\\\snewline\$" \
	    "${REC}size=2 data=n3\$"
}

@test "empty input: 65, nothing sent, nothing printed or logged" {
	start_listener "$NAME" -v
	run --separate-stderr "$PEERRELAY" send "$NAME" </dev/null
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$stderr" "peerrelay: empty input, nothing sent"
	run --separate-stderr "$PEERRELAY" send "$NAME" ""
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$stderr" "peerrelay: empty input, nothing sent"
	# A later request is the only one the listener saw.
	run "$PEERRELAY" send "$NAME" marker
	assert_success
	assert_output ""
	assert_printed "${REC}size=6 data=marker\$"
	run grep -c -e '^peerrelay: allow ' -e '^peerrelay: record ' "$TDIR/err"
	assert_output 2
}

@test "input larger than the socket can carry: 65 naming it, nothing printed" {
	start_listener "$NAME" --max-size 4M
	head -c 17M /dev/zero >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$stderr" "peerrelay: input of 17825792 bytes is larger than the socket can carry (4194304 bytes), nothing sent"
	run "$PEERRELAY" send "$NAME" marker
	assert_success
	assert_printed "${REC}size=6 data=marker\$"
}

@test "an input just over the 4 MiB a datagram can carry: 65, the documented message" {
	start_listener "$NAME" --max-size 4M
	head -c 6M /dev/zero >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$stderr" "peerrelay: input of 6291456 bytes is larger than the socket can carry (4194304 bytes), nothing sent"
	run "$PEERRELAY" send "$NAME" marker
	assert_success
	assert_printed "${REC}size=6 data=marker\$"
}

@test "a 4 MiB request, the largest, is delivered whole (root and nobody)" {
	start_listener "$NAME" --max-size 4M --allow-any --format raw
	head -c 4194304 /dev/urandom >"$TDIR/in"
	run "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	run "${NOBODY[@]}" "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	wait_for_line "$TDIR/err" 'allow .*uid=65534'
	stop_listener
	cat "$TDIR/in" "$TDIR/in" | cmp - "$TDIR/out"
}

# The kernel's default net.core.wmem_max, 212992, caps a sender without
# CAP_NET_ADMIN at 2 * 212992 - 32 bytes a datagram. This machine's is
# higher, and a test can lower it neither for the machine (other tests run)
# nor in a network namespace of its own (read-only there): test/wmem_clamp.c
# clamps the sender's SO_SNDBUF requests the way the kernel would.
@test "a non-root sender capped by net.core.wmem_max is told so; root and a record over send's own 1 MiB buffer are not" {
	cc -shared -fPIC -o "$TDIR/wmem.so" "$BATS_TEST_DIRNAME/wmem_clamp.c" \
	    -ldl 2>/dev/null || skip "no C compiler for test/wmem_clamp.c"
	# ASan (make check-asan) must come first among preloads, unless told.
	local -a stock=(env LD_PRELOAD="$TDIR/wmem.so" PRT_WMEM_MAX=212992
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	local nobody='^pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup groups= cgroup=[^ ]* unit=[^ ]* '
	start_listener "$NAME" --max-size 4M --allow-any
	head -c 425952 /dev/zero | tr '\0' x >"$TDIR/fits"
	head -c 500000 /dev/zero | tr '\0' x >"$TDIR/big"
	run --separate-stderr "${NOBODY[@]}" "${stock[@]}" "$PEERRELAY" send "$NAME" <"$TDIR/fits"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr "${NOBODY[@]}" "${stock[@]}" "$PEERRELAY" send "$NAME" <"$TDIR/big"
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$stderr" "peerrelay: input of 500000 bytes is larger than the socket can carry (425952 bytes, limited by net.core.wmem_max), nothing sent"
	{ cat "$TDIR/big"; echo; echo small; } >"$TDIR/lines"
	run --separate-stderr "${NOBODY[@]}" "${stock[@]}" "$PEERRELAY" send --lines "$NAME" <"$TDIR/lines"
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$stderr" "peerrelay: record 1: larger than the socket can carry (425952 bytes, limited by net.core.wmem_max), not sent"
	# A record that ends in the read that crosses the limit is refused by
	# the kernel instead (EMSGSIZE): the sysctl is named all the same.
	{ head -c 430000 /dev/zero | tr '\0' x; echo; } >"$TDIR/edge"
	run --separate-stderr "${NOBODY[@]}" "${stock[@]}" "$PEERRELAY" send --lines "$NAME" <"$TDIR/edge"
	assert_equal "$status" 65
	assert_regex "$stderr" '^peerrelay: record 1: .*net\.core\.wmem_max.*, not sent$'
	# Root takes the buffer it needs (SO_SNDBUFFORCE), whatever the sysctl.
	run --separate-stderr "${stock[@]}" "$PEERRELAY" send "$NAME" <"$TDIR/big"
	assert_success
	assert_equal "$stderr" ""
	# --lines asks for 1 MiB of send buffer, and root gets it: a larger
	# record is refused, and the sysctl, which did not set that limit, is
	# not named.
	{ head -c 1200000 /dev/zero | tr '\0' x; echo; } >"$TDIR/huge"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/huge"
	assert_equal "$status" 65
	assert_equal "$stderr" "peerrelay: record 1: larger than the socket can carry (1048578 bytes), not sent"
	assert_printed "${nobody}size=425952 data=x+\$" "${nobody}size=5 data=small\$" \
	    "${REC}size=500000 data=x+\$"
}

@test "--max-size above 4M is refused at start-up" {
	run "$PEERRELAY" listen --max-size 5M "$NAME"
	assert_equal "$status" 64
	assert_output "peerrelay: --max-size 5M: too large (1 to 4194304)"
}

@test "--lines: input with only empty lines is refused (65) after the warning" {
	start_listener "$NAME"
	printf '\n\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_equal "$status" 65
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "peerrelay: skipped 2 empty records"
	assert_regex "$stderr" 'nothing sent'
	assert_printed
}

@test "--lines: an oversized record is refused (65), the others are printed" {
	start_listener "$NAME" --max-size 100
	{ echo ok1; head -c 200 /dev/zero | tr '\0' x; echo; echo ok2; } >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_equal "$status" 65
	assert_output ""
	assert_equal "$(norm_ids "$stderr")" 'peerrelay: record 2 refused (request C.2): too large (200 bytes, --max-size 100)'
	assert_printed "${REC}size=3 data=ok1\$" "${REC}size=3 data=ok2\$"
}

@test "--max-size 100: a 200-byte request is refused (65), the listener keeps serving" {
	start_listener "$NAME" --max-size 100
	head -c 200 /dev/zero | tr '\0' x >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" <"$TDIR/in"
	assert_equal "$status" 65
	assert_output ""
	assert_regex "$stderr" 'too large'
	assert_regex "$stderr" '200 bytes'
	run --separate-stderr "$PEERRELAY" send "$NAME" small
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=5 data=small\$"
	run cat "$TDIR/err"
	assert_line --regexp '^peerrelay: refused conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=0 .*too large \(200 bytes, --max-size 100\)$'
}

@test "MESSAGE is sent instead of standard input" {
	start_listener "$NAME"
	printf 'from stdin' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send "$NAME" 'the message' <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=11 data=the\\\\smessage\$"
}

@test "--once: the listener exits 0 after one allowed connection, records printed" {
	start_listener "$NAME" --once
	# A denied connection is not the one served.
	run "${NOBODY[@]}" "$PEERRELAY" send "$NAME" denied
	assert_equal "$status" 77
	assert_output --partial "not allowed"
	kill -0 "$LPID"
	printf 'r1\nr2\n' >"$TDIR/in"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <"$TDIR/in"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	local st=0
	wait "$LPID" || st=$?
	assert_equal "$st" 0
	assert_printed "${REC}size=2 data=r1\$" "${REC}size=2 data=r2\$"
	run "$PEERRELAY" send "$NAME" late
	assert_equal "$status" 69
	assert_output "peerrelay: connect $NAME: Connection refused"
}

@test "--expect-user root (or 0) accepts a root listener" {
	start_listener "$NAME"
	run --separate-stderr "$PEERRELAY" send --expect-user root "$NAME" e1
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "$PEERRELAY" send --expect-user 0 "$NAME" e2
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_printed "${REC}size=2 data=e1\$" "${REC}size=2 data=e2\$"
}

@test "--expect-user www-data against a root listener: 77, nothing delivered" {
	start_listener "$NAME"
	run --separate-stderr "$PEERRELAY" send --expect-user www-data "$NAME" secret
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: listener on $NAME runs as uid 0 (root), expected www-data; nothing sent"
	run "$PEERRELAY" send "$NAME" marker
	assert_success
	assert_printed "${REC}size=6 data=marker\$"
}

@test "a squatter running as nobody is detected by --expect-user root" {
	AS=("${NOBODY[@]}")
	start_listener "$NAME" --allow-any
	run --separate-stderr "$PEERRELAY" send --expect-user root "$NAME" password
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: listener on $NAME runs as uid 65534 (nobody), expected root; nothing sent"
	# The squatter got nothing: a later request is the only record.
	run "$PEERRELAY" send "$NAME" marker
	assert_success
	assert_printed "${REC}size=6 data=marker\$"
}

@test "--expect-group root accepts a root listener; www-data, which it is not in, is refused (77)" {
	start_listener "$NAME"
	run --separate-stderr "$PEERRELAY" send --expect-group root "$NAME" g1
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "$PEERRELAY" send --expect-group www-data "$NAME" g2
	assert_equal "$status" 77
	assert_output ""
	assert_regex "$stderr" "^peerrelay: listener on $NAME runs as uid 0 \\(root\\), not in group www-data; nothing sent\$"
	assert_printed "${REC}size=2 data=g1\$"
}

@test "--expect-group matches a supplementary group of the listener, as --allow-group does; without it, 77" {
	# www-data (33) is only a supplementary group of this listener.
	AS=(setpriv --reuid=65534 --regid=65534 --groups=33)
	start_listener "$NAME" --allow-any
	run --separate-stderr "$PEERRELAY" send --expect-group www-data "$NAME" supp
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "$PEERRELAY" send --expect-group 33 "$NAME" s33
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr "$PEERRELAY" send --expect-group 65534 "$NAME" prim
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	# With --expect-user as well, both must pass.
	run --separate-stderr "$PEERRELAY" send --expect-user nobody --expect-group www-data "$NAME" both
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr "$PEERRELAY" send --expect-user root --expect-group www-data "$NAME" no1
	assert_equal "$status" 77
	assert_equal "$stderr" "peerrelay: listener on $NAME runs as uid 65534 (nobody), expected root; nothing sent"
	run --separate-stderr "$PEERRELAY" send --expect-group root "$NAME" no2
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: listener on $NAME runs as uid 65534 (nobody), not in group root; nothing sent"
	assert_printed "${REC}size=4 data=supp\$" "${REC}size=3 data=s33\$" \
	    "${REC}size=4 data=prim\$" "${REC}size=4 data=both\$"
	stop_listener
	# The same listener without the supplementary group: refused.
	AS=("${NOBODY[@]}")
	start_listener "$NAME-2" --allow-any
	run --separate-stderr "$PEERRELAY" send --expect-group www-data "$NAME-2" no3
	assert_equal "$status" 77
	assert_output ""
	assert_equal "$stderr" "peerrelay: listener on $NAME-2 runs as uid 65534 (nobody), not in group www-data; nothing sent"
	assert_printed
}

@test "a raw Python client that never reads gets its datagram printed" {
	start_listener "$NAME"
	run python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
s.send(b"from python")
s.close()
' "${NAME#@}"
	assert_success
	assert_output ""
	wait_for_line "$TDIR/out" 'data=from\\spython$'
	assert_printed "${REC}size=11 data=from\\\\spython\$"
	# The vanished client cost the listener nothing.
	run "$PEERRELAY" send "$NAME" next
	assert_success
	assert_output ""
	assert_printed "${REC}size=11 data=from\\\\spython\$" "${REC}size=4 data=next\$"
}

@test "send --timeout against a listener that never answers: 75" {
	# A listener that accepts and never replies.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\0" + sys.argv[1])
s.listen(4)
c, _ = s.accept()
time.sleep(30)
' "${NAME#@}" 3>&- &
	LPIDS+=("$!")
	wait_listening "$NAME" "$!"
	run --separate-stderr "$PEERRELAY" send --timeout 1 "$NAME" hello
	assert_equal "$status" 75
	assert_output ""
	assert_regex "$stderr" '^peerrelay: timed out'
}

@test "a stdout that cannot be written stops the listener: 70, socket file removed, why on stderr" {
	"$PEERRELAY" listen "$TDIR/s" >/dev/full 2>"$TDIR/err" &
	LPID=$!
	LPIDS+=("$LPID")
	wait_listening "$TDIR/s" "$LPID"
	run --separate-stderr "$PEERRELAY" send "$TDIR/s" hello
	assert_equal "$status" 69
	assert_output ""
	assert_equal "$stderr" "peerrelay: the listener closed the connection: record 1 unanswered"
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
	assert_equal "$LSTATUS" 70
	[ ! -e "$TDIR/s" ]
	run cat "$TDIR/err"
	assert_line "peerrelay: stopping: stdout: No space left on device"
}
