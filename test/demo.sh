#!/bin/sh
# make demo: a listener on an abstract name, then a sender that is allowed
# and one that is refused, with what each side printed.
cd "$(dirname "$0")/.." || exit 1
bin=./peerrelay
name="@peerrelay-demo-$$"
log=$(mktemp)
out=$(mktemp)
trap 'kill $pid 2>/dev/null; rm -f "$log" "$out"' EXIT

ready() {
	i=0
	while ! grep -Eq " ($1|/proc/self/fd/[0-9]+/${1##*/})\$" /proc/net/unix; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "listener did not start:"; cat "$log"; exit 1; }
		sleep 0.05
	done
}

me=$(id -un)
echo "== peerrelay listen $name   (as $me; default policy: only uid $(id -u) may send)"
echo "   (anyone may bind an abstract name first: every send says --expect-user)"
$bin listen "$name" >"$out" 2>"$log" &
pid=$!
ready "$name"

echo "== printf 'hello from $me' | peerrelay send --expect-user $me $name"
printf 'hello from %s' "$me" | $bin send --expect-user "$me" "$name"
echo "   exit status $?"

if [ "$(id -u)" -eq 0 ]; then
	echo "== the same, as nobody: setpriv --reuid=65534 --regid=65534 --clear-groups peerrelay send --expect-user $me $name"
	# setpriv executes $bin before root's capabilities go, so this runs
	# even from a checkout nobody may not enter (a clone in /root).
	printf 'hello from nobody' |
	    setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $bin send --expect-user "$me" "$name"
	echo "   exit status $? (77: refused)"
else
	echo "== (run as root to see another user refused)"
fi
kill -TERM $pid
wait $pid
echo "== what the listener printed (stdout: one record per allowed datagram)"
sed 's/^/   /' "$out"
echo "== what the listener logged (stderr)"
sed 's/^/   /' "$log"

echo
echo "== exec mode: peerrelay listen $name -- /bin/sh -c 'echo \"hello \$UNIXREMOTEUSER (uid \$UNIXREMOTEEUID), you sent: \$(cat)\"'"
$bin listen -q "$name" -- /bin/sh -c \
    'echo "hello $UNIXREMOTEUSER (uid $UNIXREMOTEEUID), you sent: $(cat)"' \
    2>"$log" &
pid=$!
ready "$name"
echo "== peerrelay send --expect-user $me $name 'an update'"
$bin send --expect-user "$me" "$name" 'an update'
echo "   exit status $?"
kill -TERM $pid
wait $pid
