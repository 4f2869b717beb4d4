#!/usr/bin/env bats
# listen --log-format json: every line the listener writes after its
# options is one JSON object with event and time, and conn_id, req_id
# where there is a connection, a request; a request's events join by them.

load helpers

# Every line of FILE one JSON object with an event and a time: the events,
# in order, one a line (fails, naming the line, on anything else).
json_events() {
	python3 - "$1" <<-'PY'
	import json, re, sys
	for n, line in enumerate(open(sys.argv[1], "rb"), 1):
	    try:
	        o = json.loads(line)
	    except ValueError as e:
	        sys.exit("line %d is not JSON (%s): %r" % (n, e, line))
	    if not isinstance(o, dict) or not isinstance(o.get("event"), str):
	        sys.exit("line %d: no event: %r" % (n, line))
	    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",
	                        o.get("time", "")):
	        sys.exit("line %d: no time: %r" % (n, line))
	    print(o["event"])
	PY
}

@test "json: a request's allow, start and run join by its ids; their fields; the id the command, the log and send see is one" {
	cat >"$TDIR/cmd" <<-EOF
	#!/bin/sh
	cat >"$TDIR/stdin"
	printf '%s' "\$PEERRELAY_REQUEST_ID" >"$TDIR/req"
	sleep 300 &
	echo out
	exit 3
	EOF
	chmod 755 "$TDIR/cmd"
	start_listener "$NAME" --log-format json -- "$TDIR/cmd"
	run --separate-stderr "$PEERRELAY" send --lines "$NAME" <<<"a payload"
	assert_equal "$status" 3
	assert_output out
	req=$(cat "$TDIR/req")
	[[ $req =~ ^[0-9a-f]{12}-[1-9][0-9]*\.1$ ]]
	assert_equal "$stderr" "peerrelay: record 1: exit status 3 (request $req)"
	wait_for_line "$TDIR/err" '"event":"run"'
	sha=$(sha256sum <"$TDIR/stdin")
	run python3 - "$TDIR/err" "$req" "${sha%% *}" <<-'PY'
	import json, sys
	log, req, sha = sys.argv[1:]
	conn = req.rsplit(".", 1)[0]
	ev = [json.loads(l) for l in open(log)]
	def one(event, **kv):
	    m = [o for o in ev if o["event"] == event and
	         all(o.get(k) == v for k, v in kv.items())]
	    assert len(m) == 1, (event, kv, m)
	    return m[0]
	a = one("allow", conn_id=conn)
	s = one("start", conn_id=conn, req_id=req)
	r = one("run", conn_id=conn, req_id=req)
	assert "req_id" not in a, a
	for o in a, s, r:
	    assert o["uid"] == 0 and o["gid"] == 0 and o["user"] == "root", o
	    assert o["pid"] == a["pid"] and isinstance(o["pid"], int), o
	assert a["group"] == "root", a
	assert s["size"] == 9, s
	assert r["status"] == "exit 3", r
	assert isinstance(r["duration"], float) and r["duration"] >= 0, r
	assert isinstance(r["cpu"], float) and r["cpu"] >= 0, r
	assert r["leftovers"] == 1, r
	assert r["in"] == 9 and r["out"] == 4 and r["sha256"] == sha, r
	assert a["time"] <= s["time"] <= r["time"], (a, s, r)
	print("joined")
	PY
	assert_success
	assert_output joined
}

@test "json: every line from start to exit is an object: warning, listening, allow, deny (its condition), refused, start, run, stopping, shutdown" {
	start_listener "$NAME" --log-format json -- cat
	run "$PEERRELAY" send "$NAME" hello
	assert_success
	assert_output hello
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$PEERRELAY" send "$NAME" nope
	assert_failure 77
	# An empty request between two that run (a first empty one is a hello).
	run "${ACT[@]}" "$NAME" y '' x
	assert_success
	assert_output "$(printf 'oy\nx0\nr65 empty request\nox\nx0')"
	wait_for_count "$TDIR/err" '"event":"run"' 3
	stop_listener
	assert_equal "$LSTATUS" 0
	run json_events "$TDIR/err"
	assert_success
	assert_equal "${lines[0]}" warning
	assert_equal "${lines[1]}" listening
	assert_equal "${lines[${#lines[@]} - 1]}" shutdown
	for e in allow deny refused start run stopping; do
		assert_line "$e"
	done
	run python3 - "$TDIR/err" <<-'PY'
	import json, sys
	ev = [json.loads(l) for l in open(sys.argv[1])]
	d = [o for o in ev if o["event"] == "deny"]
	assert len(d) == 1 and d[0]["uid"] == 65534 and d[0]["failed"] == "users", d
	assert d[0]["conn_id"], d
	r = [o for o in ev if o["event"] == "refused"]
	assert len(r) == 1 and r[0]["reason"] == "empty request" and r[0]["req_id"], r
	w = [o for o in ev if o["event"] == "warning"]
	assert w[0]["message"].startswith("warning: abstract socket "), w
	print("fields")
	PY
	assert_success
	assert_output fields
}

@test "json: a start that fails is told in JSON too; a bad --log-format is 64" {
	printf 'permit x user nobody-such /bin/true\n' >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
	run --separate-stderr "$PEERRELAY" listen --log-format json --rules \
	    "$TDIR/rules" "$NAME"
	assert_failure 64
	printf '%s\n' "$stderr" >"$TDIR/start"
	run json_events "$TDIR/start"
	assert_success
	assert_line error
	grep -q '"message":".*rules: line 1: ' "$TDIR/start"
	run --separate-stderr "$PEERRELAY" listen --log-format yaml "$NAME" -- cat
	assert_failure 64
	assert_equal "$stderr" "peerrelay: --log-format yaml: not text or json"
}

@test "json: an action name of any bytes is escaped as text escapes it, and decodes back" {
	printf 'permit ok user root /bin/true\n' >"$TDIR/rules"
	chmod 644 "$TDIR/rules"
	start_listener "$NAME" --log-format json --rules "$TDIR/rules"
	odd=$'a"b\\c\td\x01\xff\xc3\xa9'
	run --separate-stderr "$PEERRELAY" send "$NAME" -- "$odd" </dev/null
	assert_failure 77
	wait_for_line "$TDIR/err" '"event":"deny"'
	run json_events "$TDIR/err"
	assert_success
	run python3 - "$TDIR/err" <<-'PY'
	import codecs, json, sys
	d = [json.loads(l) for l in open(sys.argv[1], "rb")]
	d = [o for o in d if o["event"] == "deny"]
	assert len(d) == 1 and d[0]["reason"] == "no such action", d
	# vis(3), C style and octal: what unicode_escape reads, byte for byte.
	raw = codecs.decode(d[0]["action"], "unicode_escape").encode("latin-1")
	assert raw == b'a"b\\c\td\x01\xff\xc3\xa9', raw
	assert d[0]["action"].isascii(), d
	print("decoded")
	PY
	assert_success
	assert_output decoded
}
