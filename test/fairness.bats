#!/usr/bin/env bats
# Fairness by bytes, not only by count: allowed clients flooding the
# listener with large records (and reading no replies) cannot make a small
# request wait behind more than a few MiB of theirs. `make check-stress`
# runs it with eight flooders and asserts the latency bound (STRESS_BOUNDS).
# bats file_tags=stress

load helpers

FLOODERS=4
[ -n "$STRESS_BOUNDS" ] && FLOODERS=8

# Reads the listener's stdout (text records), notes for each record the
# monotonic time it was read and the peer's pid: "NS PID".
reader() {
	cat >"$TDIR/reader.py" <<'EOF'
import sys, time
src = open(sys.argv[1], "rb", buffering=1 << 20)
out = open(sys.argv[2], "w")
for line in src:
    pid = line[:24].split(b" ", 1)[0].split(b"=", 1)[1].decode()
    out.write("%d %s\n" % (time.monotonic_ns(), pid))
    out.flush()
EOF
	mkfifo "$TDIR/out"
	python3 "$TDIR/reader.py" "$TDIR/out" "$TDIR/rec" &
	LPIDS+=($!)
}

# Sends records of SIZE bytes as fast as the socket takes them, reads no
# reply, with a send buffer that holds several.
flooder() {
	cat >"$TDIR/flood.py" <<'EOF'
import socket, sys
size = int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
# SO_SNDBUFFORCE (root): room for about four records in flight.
s.setsockopt(socket.SOL_SOCKET, 32, 2 * size + 65536)
s.connect(sys.argv[1])
data = b"a" * size
while True:
    s.send(data)
EOF
}

# One small request; prints "T0 T1 PID": monotonic ns before it was sent
# and when its acknowledgement came.
small() {
	cat >"$TDIR/small.py" <<'EOF'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
t0 = time.monotonic_ns()
s.send(b"small")
r = s.recv(100)
t1 = time.monotonic_ns()
if r != b"a":
    sys.exit("reply %r" % r)
print(t0, t1, os.getpid())
EOF
}

# Wait (bounded) until PID has N records on stdout.
wait_records() {
	local j
	for j in $(seq 1 400); do
		[ "$(grep -c " $1\$" "$TDIR/rec")" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "pid $1: fewer than $2 records" >&2
	return 1
}

# flood_test SIZE: FLOODERS clients send SIZE-byte records; a small
# request's latency (figure, bound BOUND_MS) and how many flooder records
# went to stdout between its sending and its record (at most MAXREC).
flood_test() {
	local size=$1 bound=$2 maxrec=$3 i t0 t1 spid n
	reader
	flooder
	small
	start_listener "$TDIR/s" --max-size 4194304
	# Unloaded first, for comparison.
	read -r t0 t1 spid < <(python3 "$TDIR/small.py" "$TDIR/s")
	[ -n "$spid" ]
	echo "# unloaded: $(( (t1 - t0) / 1000 )) us" >&3
	for i in $(seq 1 "$FLOODERS"); do
		python3 "$TDIR/flood.py" "$TDIR/s" "$size" &
		LPIDS+=($!)
		FPIDS+=($!)
	done
	# The flood is under way: every flooder has had two records written.
	for i in "${FPIDS[@]}"; do
		wait_records "$i" 2
	done
	run python3 "$TDIR/small.py" "$TDIR/s"
	assert_success
	read -r t0 t1 spid <<<"$output"
	wait_for_line "$TDIR/rec" " $spid\$"
	kill "${FPIDS[@]}"
	# Flooder records read after the small request was sent, before its own.
	n=$(awk -v t0="$t0" -v p="$spid" '$2 == p { exit } $1 > t0 { n++ } END { print n + 0 }' "$TDIR/rec")
	echo "# flooder records between: $n ($FLOODERS flooders, $size bytes each)" >&3
	stall_figure "small request during a flood of $FLOODERS x $size-byte records" \
	    $(( (t1 - t0) / 1000000 )) "$bound"
	if [ "$n" -gt "$maxrec" ]; then
		echo "$n flooder records ($((n * size / 1048576)) MiB) went before the small request (at most $maxrec)" >&2
		return 1
	fi
}

@test "a small request is answered before flooders of 4 MiB records get more than a few MiB further" {
	FPIDS=()
	# A turn is one record (a datagram is taken whole): the round under
	# way and the one that accepts the small client (and reads it at
	# once) go first; a third round's worth is slack for records in the
	# pipe and the moment the request is taken to be sent.
	flood_test 4194304 2000 $((3 * FLOODERS + 2))
}

@test "a small request is answered before flooders of 64 KiB records get more than a few MiB further" {
	FPIDS=()
	# A turn is 1 MiB, 16 records: two rounds and slack, as above.
	flood_test 65536 500 $((3 * 16 * FLOODERS + 32))
}
