#!/bin/sh
# A short end-to-end run: a listener running a command and one printing
# records, senders in each framing, a failing command, a denied peer (as
# root), and both listeners stopped by SIGTERM. $PEERRELAY is the binary
# (default ./peerrelay); $E2E_WRAP, if set, prefixes every peerrelay process
# (make memcheck: valgrind). Any difference is one line on stderr, exit 1.
set -u
P=${PEERRELAY:-./peerrelay}
W=${E2E_WRAP:-}
dir=$(mktemp -d /tmp/pre2e.XXXXXX) || exit 1
chmod 755 "$dir"
me=$(id -un)
x=@peerrelay-e2e-x-$$
p=@peerrelay-e2e-p-$$
status=0

expect() {
	[ "$2" = "$3" ] || { echo "e2e: $1: got '$2', want '$3'" >&2; status=1; }
}

# Until ADDRESS is listed in /proc/net/unix (10 s: valgrind starts slowly).
listening() {
	i=0
	while ! grep -Eq " ($1|/proc/self/fd/[0-9]+/${1##*/})\$" /proc/net/unix; do
		i=$((i + 1))
		[ "$i" -le 200 ] || { echo "e2e: $1 never listened" >&2; return 1; }
		sleep 0.05
	done
}

# shellcheck disable=SC2086
$W "$P" listen --allow-user "$me" "$x" -- /bin/sh -c '
read -r line
case $line in fail) echo "no: $line" >&2; exit 3 ;; esac
printf "%s\n" "$line" | tr a-z A-Z' 2>"$dir/x.err" &
xpid=$!
# shellcheck disable=SC2086
$W "$P" listen --allow-user "$me" "$p" >"$dir/p.out" 2>"$dir/p.err" &
ppid=$!
listening "$x" && listening "$p" || { kill "$xpid" "$ppid"; exit 1; }

# shellcheck disable=SC2086
out=$(printf hello | $W "$P" send "$x"); rc=$?
expect "whole" "$rc:$out" "0:HELLO"
# shellcheck disable=SC2086
out=$(printf 'a\nb\nc\n' | $W "$P" send --lines "$x"); rc=$?
expect "--lines" "$rc:$out" "$(printf '0:A\nB\nC')"
# shellcheck disable=SC2086
out=$(printf 'x\0y\0' | $W "$P" send --null "$x"); rc=$?
expect "--null" "$rc:$out" "$(printf '0:X\nY')"
# shellcheck disable=SC2086
out=$(printf fail | $W "$P" send "$x" 2>&1); rc=$?
expect "failing command" "$rc:$out" "3:no: fail"
if [ "$(id -u)" -eq 0 ]; then
	# nobody (and $W as nobody) may not enter the checkout: a copy here.
	cp "$P" "$dir/peerrelay" && chmod 755 "$dir/peerrelay"
	# shellcheck disable=SC2086
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $W "$dir/peerrelay" send "$x" x 2>&1); rc=$?
	expect "denied peer" "$rc:$out" "77:peerrelay: refused: not allowed (uid 65534)"
	r=@peerrelay-e2e-r-$$
	# shellcheck disable=SC2086
	$W "$P" listen --run-as nobody "$r" -- /usr/bin/id -u 2>"$dir/r.err" &
	rpid=$!
	if listening "$r"; then
		# shellcheck disable=SC2086
		out=$(printf x | $W "$P" send "$r"); rc=$?
		expect "--run-as nobody" "$rc:$out" "0:65534"
	else
		status=1
	fi
	kill -TERM "$rpid"
	wait "$rpid"; rc=$?
	expect "--run-as listener after SIGTERM" "$rc" 0
fi
# shellcheck disable=SC2086
out=$(printf 'one\ntwo\n' | $W "$P" send --lines "$p"); rc=$?
expect "print mode" "$rc:$out" "0:"

kill -TERM "$xpid" "$ppid"
wait "$xpid"; rc=$?
expect "exec listener after SIGTERM" "$rc" 0
wait "$ppid"; rc=$?
expect "print listener after SIGTERM" "$rc" 0
expect "printed records" \
    "$(sed -n 's/^pid=[0-9]* uid=\([0-9]*\) .* \(size=.*\)$/\1 \2/p' "$dir/p.out")" \
    "$(printf '%s size=3 data=%s\n' "$(id -u)" one "$(id -u)" two)"
[ "$status" -eq 0 ] || cat "$dir"/*.err >&2
rm -rf "$dir"
exit "$status"
