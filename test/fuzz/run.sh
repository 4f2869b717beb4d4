#!/bin/sh
# Run each fuzz target for SECONDS from its seed corpus (new inputs go to a
# scratch directory, not the repository) and report executions per target.
cd "$(dirname "$0")" || exit 1
seconds=$1
shift
status=0
for t in "$@"; do
	scratch=$(mktemp -d)
	log=$scratch/log
	if ./fuzz_"$t" -max_total_time="$seconds" -print_final_stats=1 \
	    "$scratch" corpus/"$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz $t: ok, $runs executions in ${seconds}s"
	else
		echo "fuzz $t: FAILED"
		tail -n 40 "$log"
		status=1
	fi
	rm -rf "$scratch"
done
exit $status
