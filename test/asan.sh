#!/bin/sh
# Run the suite against ./peerrelay-asan. Sanitizer reports go to files (a
# listener killed in teardown would otherwise take its report with it); any
# report fails the run, even when every test passed.
cd "$(dirname "$0")/.." || exit 1
reports=$(mktemp -d /tmp/prasan.XXXXXX)
chmod 1777 "$reports"	# listeners and senders run as other users too
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
PEERRELAY=$PWD/peerrelay-asan PEERRELAY_SANITIZED=1 sh test/run.sh
status=$?
if [ -n "$(ls -A "$reports")" ]; then
	echo "sanitizer reports:"
	cat "$reports"/*
	status=1
fi
rm -rf "$reports"
exit $status
