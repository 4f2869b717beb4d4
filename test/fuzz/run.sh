#!/bin/sh
# Run each fuzz target for SECONDS from its seed corpus (new inputs go to a
# scratch directory, not the repository) and report executions per target.
# An input that runs longer than FUZZ_TIMEOUT seconds (default 25) fails
# the run at once, as a crash does, rather than holding CI until its
# limit; so does one that takes the process past FUZZ_RSS_MB (default
# 2048: fuzz_rules' peak is its patterns at their bounds, some 300 MB at
# once, and what ASan's quarantine holds). A target's dictionary,
# test/fuzz/TARGET.dict, is used when there is one.
cd "$(dirname "$0")" || exit 1
seconds=$1
shift
timeout=${FUZZ_TIMEOUT:-25}
rss=${FUZZ_RSS_MB:-2048}
status=0
for t in "$@"; do
	scratch=$(mktemp -d)
	log=$scratch/log
	dict=
	[ -f "$t.dict" ] && dict=-dict=$t.dict
	if ./fuzz_"$t" -max_total_time="$seconds" -timeout="$timeout" \
	    -rss_limit_mb="$rss" $dict \
	    -print_final_stats=1 "$scratch" corpus/"$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
		echo "fuzz $t: ok, $runs executions in ${seconds}s, peak rss ${peak} MB"
	else
		echo "fuzz $t: FAILED"
		tail -n 40 "$log"
		status=1
	fi
	rm -rf "$scratch"
done
exit $status
