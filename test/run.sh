#!/bin/sh
# Run the bats suite (or the files in $TESTS) against $PEERRELAY, and with
# the whole suite the C unit tests (test/unit) and the Python client's
# tests (python/tests, also when $TESTS names that directory), and end with one line
# "N passed, N failed, N skipped". A test that never reported (bats
# died) counts as failed.
cd "$(dirname "$0")/.." || exit 1
PEERRELAY=${PEERRELAY:-$PWD/peerrelay}
if [ ! -f "$PEERRELAY" ] || [ ! -x "$PEERRELAY" ]; then
	echo "run.sh: $PEERRELAY: no executable to test" >&2
	exit 1
fi
# Other users (nobody, www-data) run the binary, the examples and the
# protocol client test/actclient.py, and the
# checkout may be where they cannot enter (a clone in root's 0700 home):
# they run copies, in a directory of ours that everyone may enter and no
# one else may write (nor, /tmp being sticky, rename or remove).
copies=$(mktemp -d /tmp/prbin.XXXXXX) || exit 1
trap 'rm -rf "$copies"; exit 130' HUP INT TERM
if ! cp -- "$PEERRELAY" test/actclient.py "$copies/" ||
    ! cp -R examples "$copies/" ||
    ! mkdir "$copies/python" || ! cp -R python/peerrelay "$copies/python/" ||
    ! chmod -R u=rwX,go=rX "$copies" ||
    ! cmp -s -- "$PEERRELAY" "$copies/${PEERRELAY##*/}"; then
	echo "run.sh: cannot copy $PEERRELAY and examples/ to $copies" >&2
	rm -rf "$copies"
	exit 1
fi
PEERRELAY=$copies/${PEERRELAY##*/}
PEERRELAY_EXAMPLES=$copies/examples
PEERRELAY_ACTCLIENT=$copies/actclient.py
PEERRELAY_PYTHONPATH=$copies/python
export PEERRELAY PEERRELAY_EXAMPLES PEERRELAY_ACTCLIENT PEERRELAY_PYTHONPATH
files=${TESTS:-test/*.bats}
python=
[ -z "$TESTS$BATS_FLAGS" ] && python=1
case " $files " in
*" python/tests "*)
	python=1
	files=$(printf ' %s ' "$files" | sed 's| python/tests | |g')
	;;
esac
out=$(mktemp)
: >"$out"
# shellcheck disable=SC2086
[ -n "$(echo $files)" ] && bats --tap $BATS_FLAGS $files | tee "$out"
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out" | head -n 1)
skipped=$(grep -c '^ok .* # skip' "$out")
passed=$(($(grep -c '^ok ' "$out") - skipped))
failed=$(grep -c '^not ok ' "$out")
lost=$((${planned:-0} - passed - failed - skipped))
[ "$lost" -gt 0 ] && failed=$((failed + lost))
# tap NAME COMMAND...: run a program that prints TAP, and count it with
# the suite: a program that died before its plan counts as one failure
# more.
tap() {
	echo "# $1"
	shift
	"$@" >"$out" 2>&1
	st=$?
	cat "$out"
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	skip=$(grep -c '^ok .* # skip' "$out")
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + bad))
	if ! grep -q "^1\.\.$((ok + bad))\$" "$out" ||
	    { [ "$st" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
		echo "not ok - $1 exited $st before its plan"
		failed=$((failed + 1))
	fi
}
# The C unit tests (make unit) with the whole suite.
if [ -z "$TESTS$BATS_FLAGS" ]; then
	for t in test/unit/unit_*; do
		case $t in *.[ch]) continue ;; esac
		[ -x "$t" ] && tap "$t" "$t"
	done
fi
# The Python client's tests; -B: no __pycache__ left in the tree.
[ -n "$python" ] && tap python/tests python3 -B python/tests/tap.py
rm -rf "$out" "$copies"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
