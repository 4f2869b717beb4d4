#!/bin/sh
# make bench: peerrelay side by side with a C floor and the tools people use
# instead, interleaved in one run, reported as medians and ratios in
# bench/RESULTS.md. Nothing here passes or fails on time.
#
# Sizes can be lowered for a quick look: BENCH_RT_ROUNDS, BENCH_STREAM_LINES,
# BENCH_STREAM_ROUNDS, BENCH_EXEC_LINES, BENCH_EXEC_ROUNDS, BENCH_UNIT_ROUNDS
# (steps 5 and 6), BENCH_PY_ROUNDS (step 7; bench/pyclient.py runs it alone).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
PR=$top/peerrelay
# The same listener without the per-datagram credential check (make bench).
NOCRED=$top/bench/peerrelay-nocredcheck
FLOOR=$top/bench/floor
TIMEIT=$top/bench/timeit
OUT=${BENCH_RESULTS:-$top/bench/RESULTS.md}
RT_ROUNDS=${BENCH_RT_ROUNDS:-300}
STREAM_LINES=${BENCH_STREAM_LINES:-100000}
STREAM_ROUNDS=${BENCH_STREAM_ROUNDS:-11}
EXEC_LINES=${BENCH_EXEC_LINES:-2000}
EXEC_ROUNDS=${BENCH_EXEC_ROUNDS:-7}
# Step 5 looks for tens of µs in rounds of 2 ms that vary by a tenth: many
# rounds, so that the median difference is known to about 10 µs.
UNIT_ROUNDS=${BENCH_UNIT_ROUNDS:-2000}
PY_ROUNDS=${BENCH_PY_ROUNDS:-300}
CAT=/bin/cat
TRUE=/bin/true

# A short directory: sun_path holds 108 bytes.
say() { printf '%s\n' "$*" >&2; }

D=$(mktemp -d /tmp/prb.XXXXXX)
chmod 755 "$D"
PIDS=
# Step 5's cgroups: the one this shell came from, and the two it made.
CG_BACK='' CG_SLICE='' CG_UNIT=''
cg_undo() {
	[ -z "$CG_BACK" ] || printf '%s\n' $$ >"$CG_BACK/cgroup.procs" || :
	CG_BACK=
	for c in "$CG_UNIT" "$CG_SLICE"; do
		[ -n "$c" ] || continue
		# A send still exiting keeps its cgroup busy for a moment.
		i=0
		while [ -d "$c" ] && ! rmdir "$c" 2>/dev/null && [ $i -lt 40 ]; do
			i=$((i + 1))
			sleep 0.05
		done
		[ ! -d "$c" ] || say "bench: could not remove $c"
	done
	CG_UNIT='' CG_SLICE=''
}
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	cg_undo
	rm -rf "$D"
}
# A signal ends the run (through the EXIT trap): carrying on after cleanup
# would time servers that are gone.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# Wait until PATH is a listening socket (flags 00010000 in /proc/net/unix);
# peerrelay binds through its directory's descriptor: /proc/self/fd/N/NAME.
listening() {
	i=0
	while ! awk -v p="$1" -v b="${1##*/}" '$4 == "00010000" {
		n = $8
		if (n == p || (sub(/^\/proc\/self\/fd\/[0-9]+\//, "", n) && n == b))
			f = 1
	} END { exit !f }' /proc/net/unix; do
		i=$((i + 1))
		[ $i -lt 400 ] || { say "bench: $1 never listened"; exit 1; }
		sleep 0.05
	done
}

# start NAME SOCKET CMD...: run a server in the background, wait for it.
start() {
	name=$1 sock=$2
	shift 2
	"$@" >/dev/null 2>"$D/$name.err" &
	PIDS="$PIDS $!"
	eval "pid_$name=$!"
	listening "$sock"
}

kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

have() { command -v "$1" >/dev/null 2>&1; }

# carries SPEC [LOG]: every contender of SPEC (name TAB command) must
# carry the message there and back; else exit, showing LOG's listener.
carries() {
	while IFS='	' read -r name cmd; do
		# shellcheck disable=SC2086
		got=$($cmd <"$D/msg")
		[ "$got" = hello ] && continue
		say "bench: $name returned '$got'"
		[ -z "${2:-}" ] || cat "$2" >&2
		exit 1
	done <"$1"
}

# Can sudo run as nobody without a password here?
SUDO=
if have sudo && sudo -n -u nobody "$TRUE" 2>/dev/null; then
	SUDO=$(command -v sudo)
fi
HAVE_S6=
have s6-ipcserver && have s6-sudo && HAVE_S6=1
HAVE_SOCAT=
have socat && HAVE_SOCAT=1

# --- 1. round trip ---------------------------------------------------------
say "bench: round trip ($RT_ROUNDS rounds)"
printf hello >"$D/msg"
start pr "$D/pr.sock" "$PR" listen -q "$D/pr.sock" -- "$CAT"
start floor "$D/fl.sock" "$FLOOR" serve "$D/fl.sock" -- "$CAT"
{
	printf 'peerrelay\t%s send %s hello\n' "$PR" "$D/pr.sock"
	printf 'floor\t%s send %s hello\n' "$FLOOR" "$D/fl.sock"
} >"$D/rt.spec"
if [ -n "$HAVE_S6" ]; then
	mkdir -p "$D/rules/uid/$(id -u)"
	: >"$D/rules/uid/$(id -u)/allow"
	start s6 "$D/s6.sock" s6-ipcserver "$D/s6.sock" \
	    s6-ipcserver-access -v0 -i "$D/rules" s6-sudod "$CAT"
	printf 's6-sudo\t%s %s\n' "$(command -v s6-sudo)" "$D/s6.sock" \
	    >>"$D/rt.spec"
fi
if [ -n "$HAVE_SOCAT" ]; then
	start socat "$D/so.sock" socat \
	    "UNIX-LISTEN:$D/so.sock,type=5,fork" "EXEC:$CAT"
	printf 'socat\t%s - UNIX-CONNECT:%s,type=5\n' "$(command -v socat)" \
	    "$D/so.sock" >>"$D/rt.spec"
fi
[ -z "$SUDO" ] ||
	printf 'sudo\t%s -n -u nobody %s\n' "$SUDO" "$CAT" >>"$D/rt.spec"

# Every contender must really carry the message there and back.
carries "$D/rt.spec"
"$TIMEIT" -n "$RT_ROUNDS" -w 20 -i "$D/msg" "$D/rt.spec" >"$D/rt.out"

# --- 2. streaming ----------------------------------------------------------
say "bench: streaming $STREAM_LINES lines ($STREAM_ROUNDS rounds)"
# 64-byte lines: 63 characters and the newline.
awk -v n="$STREAM_LINES" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "%010d abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\n", i
}' >"$D/lines"
start prs "$D/prs.sock" "$PR" listen -q "$D/prs.sock"
start prn "$D/prn.sock" "$NOCRED" listen -q "$D/prn.sock"
start floors "$D/fls.sock" "$FLOOR" serve "$D/fls.sock"
{
	printf 'peerrelay\t%s send --lines %s\n' "$PR" "$D/prs.sock"
	printf 'no cred check\t%s send --lines %s\n' "$PR" "$D/prn.sock"
	printf 'floor\t%s stream %s\n' "$FLOOR" "$D/fls.sock"
} >"$D/st.spec"
if [ -n "$HAVE_SOCAT" ]; then
	start socats "$D/sos.sock" socat -u -b 64 \
	    "UNIX-LISTEN:$D/sos.sock,type=5,fork" OPEN:/dev/null,wronly
	printf 'socat -b 64\t%s -u -b 64 STDIN UNIX-CONNECT:%s,type=5\n' \
	    "$(command -v socat)" "$D/sos.sock" >>"$D/st.spec"
fi
# The print listener must have written every line it acknowledged, with
# the credential check and without.
for l in "$PR" "$NOCRED"; do
	"$l" listen -q --once "$D/chk.sock" >"$D/chk.out" 2>/dev/null &
	chk=$!
	listening "$D/chk.sock"
	"$PR" send --lines "$D/chk.sock" <"$D/lines"
	wait "$chk"
	[ "$(wc -l <"$D/chk.out")" -eq "$STREAM_LINES" ] ||
		{ say "bench: print mode lost lines ($l)"; exit 1; }
done
"$TIMEIT" -n "$STREAM_ROUNDS" -w 1 -i "$D/lines" "$D/st.spec" >"$D/st.out"

# --- 3. exec rate ----------------------------------------------------------
say "bench: exec rate, $EXEC_LINES commands ($EXEC_ROUNDS rounds)"
awk -v n="$EXEC_LINES" 'BEGIN { for (i = 0; i < n; i++) print "run", i }' \
    >"$D/execs"
start pre "$D/pre.sock" "$PR" listen -q "$D/pre.sock" -- "$TRUE"
start floore "$D/fle.sock" "$FLOOR" serve -e "$D/fle.sock" -- "$TRUE"
{
	printf 'peerrelay\t%s send --lines %s\n' "$PR" "$D/pre.sock"
	printf 'floor\t%s lines %s\n' "$FLOOR" "$D/fle.sock"
} >"$D/ex.spec"
"$TIMEIT" -n "$EXEC_ROUNDS" -w 1 -i "$D/execs" "$D/ex.spec" >"$D/ex.out"

# --- 4. memory -------------------------------------------------------------
say "bench: listener memory"
# One uid holds all 64 connections: no per-uid cap below --max-conns.
start idle "$D/idle.sock" "$PR" listen -q --max-conns-per-uid 64 \
    "$D/idle.sock" -- "$CAT"
# shellcheck disable=SC2154
idle_pid=$pid_idle
rss_idle=$(kb "$idle_pid" VmRSS)
hwm_idle=$(kb "$idle_pid" VmHWM)
hold() {	# hold N: N connections open, each served once
	mkfifo "$D/hold.in.$1"
	"$FLOOR" hold "$D/idle.sock" "$1" hello <"$D/hold.in.$1" >"$D/hold.out.$1" &
	hp=$!
	exec 9>"$D/hold.in.$1"
	i=0
	until grep -q ready "$D/hold.out.$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 400 ] || { say "bench: hold $1 never ready"; exit 1; }
		sleep 0.05
	done
	eval "rss_$1=\$(kb $idle_pid VmRSS)"
	exec 9>&-
	wait "$hp"
}
hold 1
hold 64
hwm_64=$(kb "$idle_pid" VmHWM)
# shellcheck disable=SC2154
per_conn=$(( (rss_64 - rss_1) * 1024 / 63 ))
ctx=
floor_idle=$(kb "$pid_floor" VmRSS)
[ -z "$HAVE_S6" ] || ctx="$ctx, s6-ipcserverd $(kb "$pid_s6" VmRSS) KiB"
[ -z "$HAVE_SOCAT" ] || ctx="$ctx, socat $(kb "$pid_socat" VmRSS) KiB"

# --- 5. --require-unit ------------------------------------------------------
# The round trip of step 1 against a listener that checks the client's unit
# and one that does not, the client in a cgroup that names that unit:
# MOUNT/peerrelay-bench.slice/peerrelay-bench.service on the cgroup v2
# mount. This shell moves in before timeit starts, so every send inherits
# it, and back out after; the listeners stay where they were.
UNIT=peerrelay-bench.service
CG_SKIP=
# The cgroup v2 path of process $1 (its "0::" line).
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
cg_mount=$(awk '{
	for (i = 7; i < NF && $i != "-"; i++)
		;
	if ($(i + 1) == "cgroup2") {
		print $5
		exit
	}
}' /proc/self/mountinfo)
cg_self=$(cg_of $$)
if [ "$(id -u)" -ne 0 ]; then
	CG_SKIP="not root, so the client cannot be moved into a cgroup"
elif [ -z "$cg_mount" ]; then
	CG_SKIP="no cgroup v2 hierarchy in /proc/self/mountinfo"
elif case $cg_mount$cg_self in *\\*) ;; *) false ;; esac; then
	CG_SKIP="the cgroup v2 mount point or this shell's cgroup has escaped characters"
elif [ ! -w "$cg_mount$cg_self/cgroup.procs" ]; then
	CG_SKIP="this shell's cgroup ($cg_mount$cg_self) cannot be written"
elif ! cg_err=$("$PR" listen --check --require-unit "$UNIT" "$D/cu.sock" \
    -- "$CAT" 2>&1 >/dev/null); then
	CG_SKIP="listen --require-unit does not start here: $cg_err"
fi
if [ -z "$CG_SKIP" ]; then
	say "bench: --require-unit ($UNIT_ROUNDS rounds)"
	start cu "$D/cu.sock" "$PR" listen -q --require-unit "$UNIT" \
	    "$D/cu.sock" -- "$CAT"
	start cw "$D/cw.sock" "$PR" listen -q "$D/cw.sock" -- "$CAT"
	start cn "$D/cn.sock" env PEERRELAY_TEST_PIDFD=none \
	    "$PR" listen -q "$D/cn.sock" -- "$CAT"
	{
		printf -- '--require-unit\t%s send %s hello\n' "$PR" "$D/cu.sock"
		printf 'without\t%s send %s hello\n' "$PR" "$D/cw.sock"
		printf 'no cgroup read\t%s send %s hello\n' "$PR" "$D/cn.sock"
	} >"$D/cg.spec"
	CG_SLICE=$cg_mount/peerrelay-bench.slice
	if ! mkdir -p "$CG_SLICE/$UNIT" 2>/dev/null; then
		CG_SKIP="no cgroup can be made under $cg_mount"
		CG_SLICE=
	else
		CG_UNIT=$CG_SLICE/$UNIT
		CG_BACK=$cg_mount$cg_self
		printf '%s\n' $$ >"$CG_UNIT/cgroup.procs" ||
			CG_SKIP="no process can be moved into $CG_UNIT"
	fi
	# A cgroup namespace or a mounted subtree shows other paths.
	cg_in=$(cg_of $$)
	[ -n "$CG_SKIP" ] || [ "$cg_in" = /peerrelay-bench.slice/$UNIT ] ||
		CG_SKIP="the client's cgroup shows as '$cg_in', which names no unit"
fi
if [ -z "$CG_SKIP" ]; then
	carries "$D/cg.spec" "$D/cu.err"
	"$TIMEIT" -n "$UNIT_ROUNDS" -w 20 -i "$D/msg" -r "$D/cg.raw" "$D/cg.spec" \
	    >"$D/cg.out"
	cg_undo
	# Out of that cgroup, the check must refuse (77): it really checked.
	rc=0
	"$PR" send "$D/cu.sock" hello </dev/null >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 77 ] ||
		{ say "bench: --require-unit let a client of $cg_self in ($rc)"; exit 1; }
fi
cg_undo
[ -z "$CG_SKIP" ] || say "bench: --require-unit skipped: $CG_SKIP"

# --- 6. rules ---------------------------------------------------------------
# Step 1's round trip against a listener serving a 20-rule file, the
# request naming the last rule (found after the other 19, its slot matched),
# and against the single-command listener of step 5 ("without"), each
# round running both: what --rules adds to a request.
say "bench: --rules, 20 rules ($UNIT_ROUNDS rounds)"
{
	for i in $(seq 1 19); do
		printf 'permit act%d user root group adm /bin/true {[a-z0-9._-]{1,64}} -{--[a-z]+}\n' "$i"
	done
	printf 'permit act20 user root group adm %s -{-u}\n' "$CAT"
} >"$D/twenty.rules"
chmod 644 "$D/twenty.rules"
start ru "$D/ru.sock" "$PR" listen -q --rules "$D/twenty.rules" "$D/ru.sock"
[ -e "$D/cw.sock" ] ||
	start cw "$D/cw.sock" "$PR" listen -q "$D/cw.sock" -- "$CAT"
{
	printf 'rules\t%s send %s -- act20 -u\n' "$PR" "$D/ru.sock"
	printf 'single command\t%s send %s\n' "$PR" "$D/cw.sock"
	printf 'single, hello\t%s send -l %s\n' "$PR" "$D/cw.sock"
} >"$D/ru.spec"
carries "$D/ru.spec" "$D/ru.err"
"$TIMEIT" -n "$UNIT_ROUNDS" -w 20 -i "$D/msg" -r "$D/ru.raw" "$D/ru.spec" \
    >"$D/ru.out"

# --- 7. Python ---------------------------------------------------------------
# Step 1's round trip from one Python interpreter: the package
# (python/peerrelay) against subprocess.run of send, interleaved.
say "bench: Python, package against subprocess send ($PY_ROUNDS rounds)"
python3 -B "$top/bench/pyclient.py" "$PR" "$D/pr.sock" "$PY_ROUNDS" >"$D/py.out"

# --- hyperfine, as a second opinion on the round trip ------------------------
HF=
if have hyperfine; then
	say "bench: hyperfine cross-check"
	hyperfine -N -w 20 -r "$RT_ROUNDS" --export-json "$D/hf.json" \
	    -n peerrelay "$PR send $D/pr.sock hello" \
	    -n floor "$FLOOR send $D/fl.sock hello" >/dev/null 2>&1 &&
	HF=$(python3 -c '
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print("%.3f %.3f %.2f" % (r["peerrelay"], r["floor"], r["peerrelay"] / r["floor"]))
' "$D/hf.json") || HF=
fi

# --- report ----------------------------------------------------------------
med() { awk -F'\t' -v n="$2" '$1 == n { print $2 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# The credential check's cost per datagram, in µs, from the streaming medians.
cred_us=$(awk -v a="$(med "$D/st.out" peerrelay)" \
    -v b="$(med "$D/st.out" 'no cred check')" -v n="$STREAM_LINES" \
    'BEGIN { printf "%+.3f", (a - b) * 1000 / n }')
cred_ratio=$(ratio "$(med "$D/st.out" peerrelay)" \
    "$(med "$D/st.out" 'no cred check')")
# rounds_diff RAW A B: contender A's time less B's in each round of timeit's
# RAW file, in µs: "median first-quartile third-quartile low high", the last
# two bounding the median at 95% (the order statistics n/2 -+ 0.98 sqrt(n),
# which assume nothing of the distribution).
rounds_diff() {
	awk -F'\t' -v a="$2" -v b="$3" 'NR == 1 {
		for (i = 1; i <= NF; i++) {
			if ($i == a)
				x = i
			if ($i == b)
				y = i
		}
		next
	}
	{ printf "%.3f\n", ($x - $y) * 1000 }' "$1" | sort -g | awk '
	{ v[NR] = $1 }
	function q(p,  h, l) {
		h = (NR - 1) * p + 1
		l = int(h)
		return v[l] + (h - l) * (v[l + 1] - v[l])
	}
	END {
		k = int(NR / 2 - 0.98 * sqrt(NR))
		if (k < 1)
			k = 1
		printf "%+.1f %+.1f %+.1f %+.1f %+.1f\n", q(0.5), q(0.25),
		    q(0.75), v[k], v[NR - k + 1]
	}'
}
if [ -z "$CG_SKIP" ]; then
	# shellcheck disable=SC2046
	set -- $(rounds_diff "$D/cg.raw" --require-unit without)
	unit_us=$1 unit_q1=$2 unit_q3=$3 unit_lo=$4 unit_hi=$5
	# shellcheck disable=SC2046
	set -- $(rounds_diff "$D/cg.raw" without 'no cgroup read')
	read_us=$1 read_q1=$2 read_q3=$3 read_lo=$4 read_hi=$5
	unit_ratio=$(ratio "$(med "$D/cg.out" --require-unit)" \
	    "$(med "$D/cg.out" without)")
	read_ratio=$(ratio "$(med "$D/cg.out" without)" \
	    "$(med "$D/cg.out" 'no cgroup read')")
fi
# shellcheck disable=SC2046
set -- $(rounds_diff "$D/ru.raw" rules 'single command')
rules_us=$1 rules_q1=$2 rules_q3=$3 rules_lo=$4 rules_hi=$5
# shellcheck disable=SC2046
set -- $(rounds_diff "$D/ru.raw" rules 'single, hello')
judge_us=$1 judge_q1=$2 judge_q3=$3 judge_lo=$4 judge_hi=$5
rules_ratio=$(ratio "$(med "$D/ru.out" rules)" "$(med "$D/ru.out" 'single command')")
# rate_table TIMES COUNT UNIT: medians, COUNT per second, and ratios.
rate_table() {
	echo "| contender | median ms | $3 | peerrelay / it |"
	echo "|---|---:|---:|---:|"
	p=$(med "$1" peerrelay)
	while IFS='	' read -r name m lo hi n; do
		echo "| $name | $m |" \
		    "$(awk -v l="$2" -v m="$m" 'BEGIN { printf "%.0f", l / m * 1000 }') |" \
		    "$(ratio "$p" "$m") |"
	done <"$1"
}

{
	echo "# peerrelay benchmark"
	echo
	echo "Written by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d)."
	echo "Machine: $(uname -srm), $(nproc) cores," \
	    "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)."
	echo "peerrelay $("$PR" --version 2>&1 | awk '{ print $NF }')," \
	    "$(socat -V 2>/dev/null | awk '/socat version/ { print "socat " $3 }')," \
	    "$(dpkg-query -W -f 's6 ${Version}' s6 2>/dev/null || :)," \
	    "$("$SUDO" -V 2>/dev/null | head -1 || :)."
	echo
	echo "Medians of interleaved runs (each round runs every contender once, in"
	echo "rotating order), wall-clock time of the whole client process."
	echo "Ratios are peerrelay / other: below 1 means peerrelay is faster."
	echo "Absolute figures drift between runs on a shared machine; compare"
	echo "ratios within one run."
	echo
	echo "## Against the targets of issue 5 (figures, not a verdict)"
	echo
	echo "| measure | target | this run |"
	echo "|---|---|---:|"
	echo "| round trip, peerrelay / floor | at most 1.25 |" \
	    "$(ratio "$(med "$D/rt.out" peerrelay)" "$(med "$D/rt.out" floor)") |"
	[ -z "$HAVE_S6" ] ||
	echo "| round trip, peerrelay / s6-sudo | at most 0.6 |" \
	    "$(ratio "$(med "$D/rt.out" peerrelay)" "$(med "$D/rt.out" s6-sudo)") |"
	echo "| streaming, peerrelay / floor | at most 2 |" \
	    "$(ratio "$(med "$D/st.out" peerrelay)" "$(med "$D/st.out" floor)") |"
	[ -z "$HAVE_SOCAT" ] ||
	echo "| streaming, socat -b 64 / peerrelay (speed-up) | at least 3 |" \
	    "$(ratio "$(med "$D/st.out" 'socat -b 64')" "$(med "$D/st.out" peerrelay)") |"
	echo "| streaming, credential check on / off (issue 16) | stated |" \
	    "$cred_ratio ($cred_us µs a datagram) |"
	if [ -z "$CG_SKIP" ]; then
		echo "| round trip, --require-unit / without (issue 17) | stated |" \
		    "$unit_ratio ($unit_us µs a request, IQR $unit_q1 to $unit_q3) |"
		echo "| round trip, cgroup read at accept / none (issue 17) | stated |" \
		    "$read_ratio ($read_us µs a request, IQR $read_q1 to $read_q3) |"
	else
		echo "| round trip, --require-unit / without (issue 17) | stated |" \
		    "skipped |"
	fi
	echo "| round trip, 20-rule file / single command (issue 19) | stated |" \
	    "$rules_ratio ($rules_us µs a request, IQR $rules_q1 to $rules_q3) |"
	echo "| exec rate, peerrelay time / floor time | at most 1.3 |" \
	    "$(ratio "$(med "$D/ex.out" peerrelay)" "$(med "$D/ex.out" floor)") |"
	echo "| round trip from Python, package / subprocess send (issue 21) |" \
	    "at most 0.6 | $(med "$D/py.out" ratio) |"
	echo "| listener RSS idle | under 2048 KiB | $rss_idle KiB |"
	echo "| growth per concurrent connection | stated | $per_conn bytes |"
	echo
	echo "## 1. Round trip: one request, its output and status ($RT_ROUNDS rounds)"
	echo
	echo "| contender | median ms | min ms | peerrelay / it |"
	echo "|---|---:|---:|---:|"
	p=$(med "$D/rt.out" peerrelay)
	while IFS='	' read -r name m lo hi n; do
		echo "| $name | $m | $lo | $(ratio "$p" "$m") |"
	done <"$D/rt.out"
	echo
	echo "- peerrelay: \`peerrelay send SOCK hello\` to \`listen SOCK -- cat\`"
	echo "- floor: bench/floor.c, connect + send + read to end; the server"
	echo "  checks SO_PEERCRED and fork+execs cat on the connection (no relaying,"
	echo "  no exit status)"
	echo "- s6-sudo: s6-ipcserver + s6-ipcserver-access (uid rule) + s6-sudod cat"
	echo "- socat: SEQPACKET UNIX-LISTEN,fork with EXEC:cat; client \`socat -\`"
	echo "- sudo: \`sudo -n -u nobody cat\`"
	[ -z "$HF" ] || {
		set -- $HF
		echo
		echo "hyperfine -N, same two commands, not interleaved: peerrelay $1 ms," \
		    "floor $2 ms, ratio $3."
	}
	echo
	echo "## 2. Streaming: $STREAM_LINES lines of 64 bytes ($STREAM_ROUNDS rounds)"
	echo
	rate_table "$D/st.out" "$STREAM_LINES" lines/s
	echo
	echo "- peerrelay: \`send --lines\` into a print-mode listener (text records"
	echo "  to /dev/null), every line acknowledged after its record is written"
	echo "  (send says hello, so acknowledgements come as counts: see PROTOCOL)"
	echo "- no cred check: the same, into bench/peerrelay-nocredcheck, built"
	echo "  with PEERRELAY_NO_CRED_CHECK: no SO_PASSCRED on the connection, no"
	echo "  SCM_CREDENTIALS to take or judge (the pidfd is still read at"
	echo "  accept, for the peer's cgroup: see 5)"
	echo "- floor: one send(2) per line, no acknowledgement; server writes each"
	echo "  datagram to /dev/null; the client waits for the server to close"
	echo "- socat -b 64: \`socat -u -b 64 STDIN UNIX-CONNECT:SOCK,type=5\` into"
	echo "  \`socat -u UNIX-LISTEN:SOCK,type=5,fork OPEN:/dev/null\`"
	echo
	echo "The per-datagram credential check (each request's SCM_CREDENTIALS"
	echo "among the connector's ids) costs $cred_us µs a datagram: peerrelay"
	echo "/ no cred check = $cred_ratio, (median with - median without) /" \
	    "$STREAM_LINES lines."
	echo
	echo "## 3. Exec rate: $EXEC_LINES commands over one connection ($EXEC_ROUNDS rounds)"
	echo
	rate_table "$D/ex.out" "$EXEC_LINES" commands/s
	echo
	echo "- peerrelay: \`send --lines\` into \`listen SOCK -- true\`: each line"
	echo "  is a request, true's stdin a sealed memfd, its output relayed, its"
	echo "  status returned"
	echo "- floor: the server fork+execs true per datagram (stdin /dev/null),"
	echo "  waits, and replies one status byte; the client pipelines"
	echo
	echo "## 4. Listener memory (exec mode, \`-- cat\`)"
	echo
	echo "| state | VmRSS KiB |"
	echo "|---|---:|"
	echo "| idle, just started (peak $hwm_idle KiB) | $rss_idle |"
	echo "| 1 connection held, served once | $rss_1 |"
	echo "| 64 connections held, each served once (peak $hwm_64 KiB) | $rss_64 |"
	echo
	echo "Growth per concurrent connection: about $per_conn bytes" \
	    "((64 held - 1 held) / 63)."
	echo "Idle for comparison: floor server $floor_idle KiB$ctx."
	echo
	echo "## 5. Round trip with --require-unit and without ($UNIT_ROUNDS rounds)"
	echo
	if [ -n "$CG_SKIP" ]; then
		echo "Skipped: $CG_SKIP."
	else
		echo "| contender | median ms | min ms | --require-unit / it |"
		echo "|---|---:|---:|---:|"
		p=$(med "$D/cg.out" --require-unit)
		while IFS='	' read -r name m lo _; do
			echo "| $name | $m | $lo | $(ratio "$p" "$m") |"
		done <"$D/cg.out"
		echo
		echo "Step 1's round trip, \`peerrelay send SOCK hello\` to"
		echo "\`listen SOCK -- cat\`, from a client in the cgroup"
		echo "peerrelay-bench.slice/$UNIT, made for this step on the cgroup v2"
		echo "mount and removed after (the shell that starts the timer moves in,"
		echo "so every send inherits it). All three listeners see that cgroup:"
		echo
		echo "- --require-unit: \`listen --require-unit $UNIT\`"
		echo "- without: the same listener without the option"
		echo "- no cgroup read: the same as without, started with the test-only"
		echo "  switch PEERRELAY_TEST_PIDFD=none, with which the listener reads no"
		echo "  cgroup at all, as before issue 17 (it still takes the peer's ids"
		echo "  through its pidfd)"
		echo
		echo "Every listener reads the peer's cgroup at accept, whatever its"
		echo "options, so \"without\" already pays for the read; the first figure"
		echo "is the check itself. Each is the median of the per-round"
		echo "differences, with their interquartile range (the spread of one"
		echo "round) and a 95% interval for the median itself:"
		echo
		echo "- the check (--require-unit less without): $unit_us µs a request"
		echo "  (IQR $unit_q1 to $unit_q3 µs; median within $unit_lo to"
		echo "  $unit_hi µs); ratio of the medians $unit_ratio"
		echo "- the cgroup read at accept (without less no cgroup read):"
		echo "  $read_us µs a request (IQR $read_q1 to $read_q3 µs; median"
		echo "  within $read_lo to $read_hi µs); ratio of the medians $read_ratio"
	fi
	echo
	echo "## 6. Round trip through a 20-rule file ($UNIT_ROUNDS rounds)"
	echo
	echo "| contender | median ms | min ms | rules / it |"
	echo "|---|---:|---:|---:|"
	p=$(med "$D/ru.out" rules)
	while IFS='	' read -r name m lo _; do
		echo "| $name | $m | $lo | $(ratio "$p" "$m") |"
	done <"$D/ru.out"
	echo
	echo "- rules: \`send SOCK -- act20 -u\` to \`listen --rules FILE\`, FILE"
	echo "  holding 20 rules, the request naming the last (its slot -{-u}),"
	echo "  each of the 19 before it with two slots; cat runs"
	echo "- single command: \`send SOCK\` to \`listen SOCK -- cat\`"
	echo "- single, hello: the same with -l, so that it says hello and awaits"
	echo "  the answer first, as an action request always does"
	echo
	echo "Medians of the per-round differences, with their interquartile range"
	echo "and a 95% interval for the median:"
	echo
	echo "- what a rules request costs over a plain one: $rules_us µs"
	echo "  (IQR $rules_q1 to $rules_q3 µs; median within $rules_lo to"
	echo "  $rules_hi µs); ratio of the medians $rules_ratio"
	echo "- of which judging (header, 20 rules, slot) beyond the hello's round"
	echo "  trip: $judge_us µs (IQR $judge_q1 to $judge_q3 µs; median within"
	echo "  $judge_lo to $judge_hi µs)"
	echo
	echo "## 7. Round trip from Python ($PY_ROUNDS rounds)"
	echo
	echo "| contender | median ms | min ms | package / it |"
	echo "|---|---:|---:|---:|"
	p=$(med "$D/py.out" 'python, package')
	grep -v '^ratio	' "$D/py.out" | while IFS='	' read -r name m lo _; do
		echo "| $name | $m | $lo | $(ratio "$p" "$m") |"
	done
	echo
	echo "bench/pyclient.py: one Python interpreter, each round making step 1's"
	echo "request to \`listen SOCK -- cat\` both ways, in alternating order,"
	echo "timed inside the interpreter (its start is in neither):"
	echo
	echo "- python, package: \`peerrelay.request(SOCK, b\"hello\")\`"
	echo "- python, subprocess send: \`subprocess.run([\"peerrelay\", \"send\","
	echo "  SOCK, \"hello\"], capture_output=True)\`"
	echo
	echo "Median of the per-round ratios package / subprocess:" \
	    "$(med "$D/py.out" ratio)."
} >"$OUT"
cat "$OUT"
