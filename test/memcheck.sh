#!/bin/sh
# test/e2e.sh with every peerrelay process under valgrind's memcheck: any
# error, or any block definitely lost, fails the run. Prints valgrind's
# summary of each process.
cd "$(dirname "$0")/.." || exit 1
logs=$(mktemp -d /tmp/prvg.XXXXXX) || exit 1
chmod 1777 "$logs"	# the denied sender runs as nobody
E2E_WRAP="valgrind --error-exitcode=99 --child-silent-after-fork=yes --leak-check=full \
--show-leak-kinds=definite --errors-for-leak-kinds=definite \
--log-file=$logs/vg.%p" sh test/e2e.sh
status=$?
n=0
for f in "$logs"/vg.*; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | cut -c 1-60)
	summary=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f")
	lost=$(sed -n 's/^==[0-9]*== *definitely lost: //p' "$f")
	inuse=$(sed -n 's/^==[0-9]*== *in use at exit: //p' "$f")
	echo "memcheck: $cmd: ${summary:-?} errors, in use at exit: ${inuse:-?}, definitely lost: ${lost:-0 bytes in 0 blocks}"
	if [ "$summary" != 0 ]; then
		cat "$f"
		status=1
	fi
done
# Every peerrelay process test/e2e.sh starts: 10 as root, 7 otherwise.
want=7
[ "$(id -u)" -eq 0 ] && want=10
[ "$n" -eq "$want" ] || { echo "memcheck: $n processes ran under valgrind, not $want" >&2; status=1; }
rm -rf "$logs"
echo "memcheck: $n processes, $([ "$status" -eq 0 ] && echo clean || echo FAILED)"
exit "$status"
