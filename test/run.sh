#!/bin/sh
# Run the bats suite (or the files in $TESTS) against $PEERRELAY and end with
# one line "N passed, N failed, N skipped". A test that never reported (bats
# died) counts as failed.
cd "$(dirname "$0")/.." || exit 1
PEERRELAY=${PEERRELAY:-$PWD/peerrelay}
export PEERRELAY
files=${TESTS:-test/*.bats}
out=$(mktemp)
# shellcheck disable=SC2086
bats --tap $BATS_FLAGS $files | tee "$out"
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out" | head -n 1)
skipped=$(grep -c '^ok .* # skip' "$out")
passed=$(($(grep -c '^ok ' "$out") - skipped))
failed=$(grep -c '^not ok ' "$out")
lost=$((${planned:-0} - passed - failed - skipped))
[ "$lost" -gt 0 ] && failed=$((failed + lost))
rm -f "$out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
