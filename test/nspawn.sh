# A real systemd as PID 1, for test/check-systemd.sh, which sources this
# file and defines say MESSAGE and die MESSAGE (say it, exit 1).
#
# The tree: a minimal Debian (debootstrap --variant=minbase plus
# $PACKAGES), from the mirror and suite this machine's apt already uses,
# kept in $PEERRELAY_NSPAWN_CACHE (default /var/cache/peerrelay/check-systemd)
# under a hash of its inputs (packages, suite, mirror, keyring,
# architecture): reused while they stay the same, built anew (and the old
# trees removed) when they change. The container: that tree booted with
# systemd-nspawn on a tmpfs overlay (--volatile=overlay), so no run changes
# the tree, and entered with nsenter(1). Every wait is bounded; the
# container is powered off, or killed, on every exit of the caller, and
# one left running by a run killed outright (SIGKILL) is killed by the
# next run.
#
#   nspawn_setup            check root, tools, the cache; make $run, traps
#   nspawn_tree             the cached tree, built if need be: $tree
#   nspawn_boot DIR         boot $tree with DIR at /mnt/peerrelay (read
#                           only); 0 once systemd is running or degraded
#                           ($state), within $BOOT_TIMEOUT seconds
#   inside COMMAND...       run COMMAND as root in the container
#   nspawn_stop             power off (or kill) the container
#   nspawn_left             what is left of it: processes, mounts
CACHE=${PEERRELAY_NSPAWN_CACHE:-/var/cache/peerrelay/check-systemd}
# Bounds, in seconds: the tree's build, the boot, one command inside.
BUILD_TIMEOUT=${CHECK_SYSTEMD_BUILD_TIMEOUT:-1200}
BOOT_TIMEOUT=${CHECK_SYSTEMD_BOOT_TIMEOUT:-120}
STEP_TIMEOUT=60
# minbase has dpkg, util-linux (setpriv) and coreutils; these come on top
# (python3 for python3-peerrelay).
PACKAGES=systemd,systemd-sysv,dbus,libbsd0,passwd,procps,python3
# Bump when the way the tree is built changes: old trees are then rebuilt.
FORMAT=1

run=
tree=
nspawn=
pid1=
pidns=
state=
builder=
building=

# Indented, so details stand apart from the lines that report.
indent() {
	sed 's/^/    /'
}

# inside COMMAND...: run COMMAND as root in the container, in a clean
# environment, bounded by $STEP_TIMEOUT seconds; inside_within SECONDS
# COMMAND...: bounded by SECONDS. (timeout(1) signals nsenter's whole
# process group, the command in the container included.)
inside() {
	inside_within "$STEP_TIMEOUT" "$@"
}

inside_within() {
	local t=$1
	shift
	timeout -k 5 "$t" nsenter -t "$pid1" -a \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	    SYSTEMD_COLORS=0 SYSTEMD_PAGER= "$@" </dev/null 8>&- 9>&-
}

# mounts_under DIR: the mount points at or below DIR, deepest first.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' \
	    /proc/self/mountinfo | sort -r
}

# remove_tree DIR: unmount what is mounted below DIR (debootstrap mounts
# proc and sys in its target; a killed run may leave them), then remove
# it, never crossing into another file system.
remove_tree() {
	local m
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" ||
		    say "cannot unmount $m" >&2
	done
	if [ -n "$(mounts_under "$1")" ]; then
		say "$1: still mounted on, not removed" >&2
		return 1
	fi
	rm -rf --one-file-system -- "$1"
}

# alive PID: PID is a process that has not ended (a zombie has).
alive() {
	[ -n "$1" ] && [ -e "/proc/$1" ] &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# wait_gone PID TENTHS: wait at most TENTHS tenths of a second for PID to end.
wait_gone() {
	local i=0
	while alive "$1" && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! alive "$1"
}

# starttime PID: when PID started, in clock ticks since boot (stat(5)'s
# field 22), which tells it from a later process given the same pid.
starttime() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 20
}

# Power the container off and wait for it (60 seconds); if it is not
# booted far enough for systemctl, or stuck, terminate systemd-nspawn,
# which asks its systemd to halt (SIGRTMIN+3); last, kill nspawn and the
# container's PID 1, which ends every process of the container.
nspawn_stop() {
	[ -n "$nspawn" ] || return 0
	if alive "$nspawn" && [ -n "$pid1" ] &&
	    inside_within 10 systemctl poweroff >/dev/null 2>&1; then
		wait_gone "$nspawn" 600 ||
		    say "the container did not power off within 60s" >&2
	fi
	if alive "$nspawn"; then
		kill -TERM "$nspawn" 2>/dev/null
		wait_gone "$nspawn" 200
	fi
	if alive "$nspawn" || alive "$pid1"; then
		say "systemd-nspawn did not stop: killing it and the container" >&2
		[ -z "$pid1" ] || kill -KILL "$pid1" 2>/dev/null
		kill -KILL "$nspawn" 2>/dev/null
		wait_gone "$pid1" 100
	fi
	wait "$nspawn" 2>/dev/null
	nspawn=
	alive "$pid1" || rm -f -- "$CACHE/.container"
}

# nspawn_left: the processes left in the container's pid namespace and
# the mounts left below the tree, if any, on one line.
nspawn_left() {
	local p left=
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$pidns" ] &&
		    left="$left ${p#/proc/}"
	done
	[ -z "$left" ] || printf 'processes:%s ' "$left"
	[ -z "$(mounts_under "$tree")" ] ||
	    printf 'mounts: %s' "$(mounts_under "$tree" | tr '\n' ' ')"
}

# Stop a tree's build: debootstrap runs under timeout(1), which leads a
# process group of its own; then unmount and remove what it left.
stop_build() {
	if [ -n "$builder" ]; then
		kill -TERM -- "-$builder" 2>/dev/null
		wait_gone "$builder" 300 || kill -KILL -- "-$builder" 2>/dev/null
		wait "$builder" 2>/dev/null
		builder=
	fi
	[ -z "$building" ] || remove_tree "$building"
	building=
}

nspawn_cleanup() {
	nspawn_stop
	stop_build
	[ -z "$run" ] || rm -rf -- "$run"
}

nspawn_setup() {
	local t
	# Fd 8: stderr as it is here, since the trap of a signal may run
	# inside a redirection of 2 (a step's stderr into a file).
	exec 8>&2
	trap nspawn_cleanup EXIT
	trap 'say "interrupted" >&8; exit 130' HUP INT TERM
	[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, systemd-nspawn)"
	for t in debootstrap systemd-nspawn nsenter flock; do
		command -v "$t" >/dev/null ||
		    die "$t: not installed (packages debootstrap, systemd-container)"
	done
	case $CACHE in
	/*) ;;
	*) die "PEERRELAY_NSPAWN_CACHE=$CACHE: not an absolute path" ;;
	esac
	case $CACHE in
	*[!A-Za-z0-9/._-]*)
		die "PEERRELAY_NSPAWN_CACHE=$CACHE: only [A-Za-z0-9/._-], please" ;;
	esac
	run=$(mktemp -d /tmp/peerrelay-nspawn.XXXXXX) || die "mktemp failed"
}

# The mirror and suite apt already uses: the first "deb" source whose
# suite is a release (no "-updates", "-security", "/updates"), in the order
# apt reads sources.list and sources.list.d/ (*.list, one-line; *.sources,
# deb822), with its Signed-By keyring when that is a file.
apt_source() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*; do
		[ -f "$f" ] || continue
		case $f in
		*.list)
			awk '
			$1 == "deb" {
				i = 2; kr = "-"
				if ($i ~ /^\[/) {
					for (; i <= NF; i++) {
						o = $i; sub(/^\[/, "", o)
						if (o ~ /^signed-by=/)
							kr = substr(o, 11)
						if ($i ~ /\]$/) break
					}
					sub(/\]$/, "", kr); i++
				}
				if ($(i + 1) !~ /[-\/]/) {
					print $i, $(i + 1), kr; exit
				}
			}' "$f" ;;
		*.sources)
			awk '
			function flush(  s, u, k) {
				if (!done && types ~ /(^| )deb( |$)/ && \
				    enabled != "no" && uris != "") {
					split(uris, u, " ")
					k = split(suites, s, " ")
					for (i = 1; i <= k; i++)
						if (s[i] !~ /[-\/]/) {
							print u[1], s[i], (kr == "" ? "-" : kr)
							done = 1; break
						}
				}
				types = uris = suites = kr = enabled = ""
			}
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[A-Za-z-]+:/ {
				key = tolower(substr($0, 1, index($0, ":") - 1))
				val = substr($0, index($0, ":") + 1)
				gsub(/^[ \t]+|[ \t]+$/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
				else if (key == "signed-by" && val ~ /^\//) kr = val
			}
			END { flush() }' "$f" ;;
		esac
	done | head -n 1
}

nspawn_tree() {
	local src mirror suite keyring arch inputs key old kr t0 status
	local old_pid old_start old_run
	src=$(apt_source)
	[ -n "$src" ] ||
	    die "no Debian release in /etc/apt/sources.list{,.d/*.list,.d/*.sources}"
	read -r mirror suite keyring <<-EOF
	$src
	EOF
	case $mirror in
	http://*|https://*|file:/*) ;;
	*) die "mirror $mirror (from apt's sources): debootstrap cannot use it" ;;
	esac
	[ "$keyring" = - ] || [ -f "$keyring" ] || keyring=-
	arch=$(dpkg --print-architecture)
	inputs="format: $FORMAT
variant: minbase
packages: $PACKAGES
suite: $suite
mirror: $mirror
keyring: $keyring
arch: $arch"
	key=$(printf '%s\n' "$inputs" | sha256sum | cut -c 1-16)
	tree=$CACHE/$key

	mkdir -p "$CACHE" || die "cannot create $CACHE"
	# One run at a time: a build, or the removal of old trees, never
	# pulls a tree from under another run's container.
	exec 9>"$CACHE/.lock" || die "cannot open $CACHE/.lock"
	if ! flock -n 9; then
		say "waiting for $CACHE/.lock: another run holds it"
		flock -w 1800 9 ||
		    die "$CACHE/.lock: another run held it for 30 minutes"
	fi

	# A run killed outright leaves its container running: the pid and
	# start time it recorded find it, and it is killed.
	if [ -f "$CACHE/.container" ]; then
		read -r old_pid old_start old_run <"$CACHE/.container"
		if [ -n "${old_pid:-}" ] && alive "$old_pid" &&
		    [ "$(starttime "$old_pid")" = "$old_start" ]; then
			say "killing the container a killed run left running (pid $old_pid)"
			kill -KILL "$old_pid"
			wait_gone "$old_pid" 100 || die "pid $old_pid: still running"
		fi
		case ${old_run:-} in
		/tmp/peerrelay-nspawn.*) rm -rf -- "$old_run" ;;
		esac
		rm -f -- "$CACHE/.container"
	fi

	say "$suite from $mirror ($arch), tree $tree"
	if [ -f "$tree/inputs" ] && [ -x "$tree/root/lib/systemd/systemd" ]; then
		say "reusing the cached tree (built $(date -r "$tree/inputs" '+%F %T'))"
		return 0
	fi
	# Trees of other inputs, and builds a killed run left behind.
	for old in "$CACHE"/* "$CACHE"/.build.*; do
		[ -d "$old" ] || continue
		say "removing $old"
		remove_tree "$old" || die "cannot remove $old"
	done
	building=$(mktemp -d "$CACHE/.build.XXXXXX") || die "mktemp failed"
	say "building the tree: debootstrap --variant=minbase" \
	    "--include=$PACKAGES $suite ($building/debootstrap.log)"
	t0=$(date +%s)
	kr=
	[ "$keyring" = - ] || kr=--keyring=$keyring
	# In the background, so that a signal is taken at once (the trap
	# stops the build); and it holds the lock as long as it runs.
	timeout -k 10 "$BUILD_TIMEOUT" debootstrap --variant=minbase \
	    --arch="$arch" --include="$PACKAGES" $kr "$suite" \
	    "$building/root" "$mirror" </dev/null \
	    >"$building/debootstrap.log" 2>&1 8>&- &
	builder=$!
	wait "$builder"
	status=$?
	builder=
	if [ $status -ne 0 ]; then
		tail -n 20 "$building/debootstrap.log" | indent
		die "debootstrap failed (status $status; 124: it took over ${BUILD_TIMEOUT}s)"
	fi
	echo peerrelay-check >"$building/root/etc/hostname"
	printf '%s\n' "$inputs" >"$building/inputs"
	[ -z "$(mounts_under "$building")" ] ||
	    die "debootstrap left mounts in $building"
	mv -T -- "$building" "$tree" || die "cannot rename $building to $tree"
	building=
	say "built in $(($(date +%s) - t0))s"
}

# nspawn_boot DIR: boot the tree, DIR at /mnt/peerrelay (read only); the
# console's output goes to $run/console.log. --register=no and --keep-unit:
# nspawn asks no systemd or D-Bus of the host (these hosts have none).
# --system-call-filter=@keyring: nspawn forbids keyctl(2) by default, and
# under such a filter --run-as (and a rule's run-as) refuses every request
# rather than leave the command the listener's session keyring.
nspawn_boot() {
	local i c
	say "booting $tree/root"
	systemd-nspawn --quiet --directory="$tree/root" --boot --register=no \
	    --keep-unit --volatile=overlay --private-network --console=passive \
	    --system-call-filter=@keyring \
	    --machine="peerrelay-check-$$" --setenv=SYSTEMD_COLORS=0 \
	    --bind-ro="$1:/mnt/peerrelay" \
	    </dev/null >"$run/console.log" 2>&1 8>&- 9>&- &
	nspawn=$!

	# The container's PID 1: the child of systemd-nspawn that is pid 1
	# in its own pid namespace. Recorded, for a run killed before it
	# stops it.
	i=0
	while [ -z "$pid1" ] && [ $i -lt 60 ] && alive "$nspawn"; do
		for c in $(pgrep -P "$nspawn"); do
			grep -q '^NSpid:.*[[:space:]]1$' "/proc/$c/status" \
			    2>/dev/null && pid1=$c
		done
		[ -n "$pid1" ] || sleep 0.5
		i=$((i + 1))
	done
	[ -n "$pid1" ] || return 1
	echo "$pid1 $(starttime "$pid1") $run" >"$CACHE/.container"
	pidns=$(readlink "/proc/$pid1/ns/pid")
	i=0
	while [ $i -lt "$BOOT_TIMEOUT" ] && alive "$pid1"; do
		state=$(inside_within 5 systemctl is-system-running 2>/dev/null)
		case $state in
		running|degraded) return 0 ;;
		esac
		sleep 1
		i=$((i + 1))
	done
	return 1
}
