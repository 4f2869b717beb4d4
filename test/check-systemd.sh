#!/bin/sh
# make check-systemd: the contrib units under a real systemd as PID 1.
#
# usage: check-systemd.sh PACKAGE.deb
#
# Boots a minimal Debian with systemd-nspawn (test/nspawn.sh: the tree is
# cached in $PEERRELAY_NSPAWN_CACHE, default /var/cache/peerrelay/check-systemd),
# installs the .deb in it, enables the checkout's contrib/systemd units as
# README.md says, and checks them from the host as root (nsenter): the
# socket's file, who is served and who refused, the journal's facilities,
# activation again after a stop, RemoveOnStop=, that ExecStartPre= checks
# ExecStart='s policy; it reports systemd-analyze security. The Python
# client (python3-peerrelay, installed beside the package) is served as
# www-data and refused as nobody past the mode.
#
# The peer's unit (--require-unit), under that systemd: a listener run as
# a transient service (pr-cg-listen.service) allows www-data in
# pr-cg-allowed.service only; a request sent from that unit by
# `systemd-run --wait --pipe -p User=www-data` is served, and its command
# sees UNIXREMOTEUNIT and UNIXREMOTECGROUP (/system.slice/...); one from
# pr-cg-other.service is refused (77, logged `deny ... failed=unit`); and
# root in the allowed unit is refused by the user rule (failed=users): the
# unit narrows the rule, never widens it.
#
# The rules units (peerrelay-rules.*): an action served as root, one added
# by `systemctl reload`, a reload with a bad file failing in ExecReload='s
# --check (the line named) and a SIGHUP with it refused at daemon.err,
# the old rules serving on; a per-rule run-as under the unit's capability
# bounding set; a process an action's command leaves behind (setsid -f)
# gone when send returns.
#
# Ends with "check-systemd: N passed, N failed"; exits 1 if any step
# failed. Needs root, debootstrap and systemd-container.
set -u
LC_ALL=C
export LC_ALL
cd "$(dirname "$0")/.." || exit 1

SOCKET=peerrelay-config-update.socket
SERVICE=peerrelay-config-update.service
SOCK=/run/peerrelay/config-update.sock
SITE=/etc/peerrelay/site.conf

passed=0
failed=0
failures=
n=0
started=$(date +%s)

say() {
	echo "check-systemd: $*"
}

die() {
	say "$*" >&2
	failed=$((failed + 1))
	say "$passed passed, $failed failed (stopped: $*)"
	exit 1
}

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
	failures="$failures
    $n - $*"
}

. test/nspawn.sh

nspawn_setup
[ $# -eq 1 ] || die "usage: check-systemd.sh PACKAGE.deb"
deb=$1
[ -f "$deb" ] || die "$deb: no such package (make deb builds it)"
nspawn_tree

# python3-peerrelay, built beside it by make deb.
pydeb=$(ls "$(dirname "$deb")"/python3-peerrelay_*_all.deb 2>/dev/null |
    tail -n 1)
[ -n "$pydeb" ] || die "no python3-peerrelay .deb beside $deb (make deb builds it)"

# What the container sees, read-only, at /mnt/peerrelay: the packages and
# the checkout's units (which may hold changes not yet in the package).
mkdir "$run/in" "$run/in/units" &&
    cp -- "$deb" "$run/in/peerrelay.deb" &&
    cp -- "$pydeb" "$run/in/python3-peerrelay.deb" &&
    cp -- contrib/systemd/$SOCKET contrib/systemd/$SERVICE \
    contrib/systemd/peerrelay-rules.socket \
    contrib/systemd/peerrelay-rules.service "$run/in/units/" ||
    die "cannot copy the package and the units to $run/in"
chmod -R go+rX "$run"

if nspawn_boot "$run/in"; then
	ok "boot: $(inside systemctl --version | head -n 1) is PID 1, system $state"
else
	not_ok "boot: no running system within ${BOOT_TIMEOUT}s (state '${state:-none}')"
	tail -n 30 "$run/console.log" | indent
	say "failed:$failures"
	say "$passed passed, $failed failed; the other steps need a booted system"
	exit 1
fi

[ "$state" = running ] ||
    inside systemctl --failed --no-legend --plain | indent

# The package, as dpkg installs it.
out=$(inside sh -c 'dpkg -i /mnt/peerrelay/peerrelay.deb &&
    want="peerrelay $(dpkg-query -W -f="\${source:Upstream-Version}" peerrelay)" &&
    got=$(peerrelay --version) && echo "$got" &&
    [ "$got" = "$want" ]' 2>&1)
if [ $? -eq 0 ]; then
	ok "dpkg -i the .deb: $(echo "$out" | tail -n 1)"
else
	not_ok "dpkg -i the .deb"
	echo "$out" | indent
fi
inside cmp -s /mnt/peerrelay/units/$SERVICE \
    /usr/lib/peerrelay/examples/systemd/$SERVICE &&
    inside cmp -s /mnt/peerrelay/units/$SOCKET \
    /usr/lib/peerrelay/examples/systemd/$SOCKET ||
    say "note: contrib/systemd differs from the package's copy (uncommitted?): testing contrib/systemd's"

# The checkout's units, as README.md says to install them.
out=$(inside sh -c "install -d -m 0755 /etc/peerrelay &&
    cp /mnt/peerrelay/units/* /etc/systemd/system/ &&
    systemctl daemon-reload &&
    systemctl enable --now $SOCKET &&
    systemctl is-enabled $SOCKET && systemctl is-active $SOCKET" 2>&1)
if [ $? -eq 0 ]; then
	ok "systemctl enable --now $SOCKET: enabled, active"
else
	not_ok "systemctl enable --now $SOCKET"
	echo "$out" | indent
fi

got=$(inside stat -c '%A %U:%G' $SOCK 2>&1)
if [ "$got" = "srw-rw---- root:www-data" ]; then
	ok "$SOCK is $got"
else
	not_ok "$SOCK is '$got', not 'srw-rw---- root:www-data'"
fi

got=$(inside systemctl is-active $SERVICE)
if [ "$got" = inactive ]; then
	ok "$SERVICE waits for the first connection (inactive)"
else
	not_ok "$SERVICE is $got before any connection, not inactive"
fi

# show_io: a request's stdout and stderr, those not empty.
show_io() {
	{
		[ -z "$out" ] || printf 'stdout: %s\n' "$out"
		[ -z "$err" ] || printf 'stderr: %s\n' "$err"
	} | indent
}

# Peers, as setpriv(1) command lines.
WWW="setpriv --reuid=www-data --regid=www-data --init-groups"
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
# nobody, with CAP_DAC_OVERRIDE: past the socket file's mode 0660, to
# peerrelay's own check of the peer's credentials (the gate).
NOBODY_DAC="$NOBODY --inh-caps=+dac_override --ambient-caps=+dac_override"
SEND="peerrelay send --expect-user root --timeout 20 $SOCK"

# request WHO MESSAGE: send MESSAGE as WHO (a setpriv command line);
# status in $status, stdout in $out, stderr in $err.
request() {
	inside $1 $SEND "$2" >"$run/out" 2>"$run/err"
	status=$?
	out=$(cat "$run/out")
	err=$(cat "$run/err")
}

request "$WWW" maintenance=on
if [ $status -eq 0 ] && [ "$out" = "updated $SITE: 1 key(s)" ] &&
    [ "$(inside cat $SITE)" = maintenance=on ]; then
	ok "www-data is served: '$out', $SITE holds maintenance=on"
else
	not_ok "www-data is not served: status $status"
	show_io
fi

got=$(inside systemctl is-active $SERVICE)
if [ "$got" = active ]; then
	ok "the first connection started $SERVICE (active)"
else
	not_ok "after the first connection $SERVICE is $got, not active"
fi

request "$NOBODY" maintenance=off
if [ $status -eq 69 ] && [ "$err" = "peerrelay: connect $SOCK: Permission denied" ]; then
	ok "nobody cannot connect: the socket's mode (69, '$err')"
else
	not_ok "nobody, by the socket's mode: status $status, not 69"
	show_io
fi

request "$NOBODY_DAC" maintenance=off
if [ $status -eq 77 ] && [ "$err" = "peerrelay: refused: not allowed (uid 65534)" ] &&
    [ "$(inside cat $SITE)" = maintenance=on ]; then
	ok "nobody past the mode (CAP_DAC_OVERRIDE) is refused by peerrelay (77, '$err')"
else
	not_ok "nobody past the mode: status $status, not 77"
	show_io
fi

# journal MATCH...: the journal's lines matching (journalctl(1)'s
# FIELD=VALUE and +), as text, once journald has written what it holds.
journal() {
	inside journalctl --sync >/dev/null 2>&1
	inside journalctl --no-pager -o cat "$@"
}

# journal_has PATTERN MATCH...: a line matching the extended regex
# PATTERN shows up within 10 seconds (journald reads the units' output
# streams and /dev/log on its own time).
journal_has() {
	local pat=$1 i=0
	shift
	while [ $i -lt 20 ]; do
		journal "$@" | grep -Eq -- "$pat" && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

# The service's lines: its processes' syslog(3) lines and output.
UNIT_SYSLOG="_SYSTEMD_UNIT=$SERVICE _TRANSPORT=syslog"
UNIT_STDOUT="_SYSTEMD_UNIT=$SERVICE _TRANSPORT=stdout"

# authpriv is facility 10, daemon 3; notice is priority 5, info 6.
if journal_has '^deny conn=[^ ]* pid=[0-9]+ uid=65534 gid=65534 user=nobody group=nogroup failed=users$' \
    $UNIT_SYSLOG SYSLOG_FACILITY=10 PRIORITY=5; then
	ok "journal: the denial at authpriv.notice: $(journal $UNIT_SYSLOG SYSLOG_FACILITY=10 PRIORITY=5 | grep '^deny' | tail -n 1)"
else
	not_ok "journal: no denial of uid 65534 at authpriv.notice"
	journal $UNIT_SYSLOG | indent
fi
# ExecStartPre='s --check finds the running listener without connecting:
# before, the listener judged its probe and logged root denied at every start.
if journal $UNIT_SYSLOG | grep -Eq '^deny conn=[^ ]* pid=[0-9]+ uid=0 '; then
	not_ok "journal: root denied: ExecStartPre='s --check connected to the listener"
	journal $UNIT_SYSLOG | indent
else
	ok "journal: no denial of root (ExecStartPre='s --check left nothing in the log)"
fi
# PassCredentials=yes: the connection that started the service passed its
# credentials from its first datagram, and the listener has no note on it.
if journal _SYSTEMD_UNIT=$SERVICE | grep -q 'fd 3 was not set to pass credentials'; then
	not_ok "journal: the socket unit's socket did not pass credentials (PassCredentials=yes)"
	journal _SYSTEMD_UNIT=$SERVICE | indent
else
	ok "journal: the socket passes credentials from the start (PassCredentials=yes; no note)"
fi
if journal_has '^run conn=[^ ]* req=[^ ]* pid=[0-9]+ uid=33 gid=33 user=www-data status=exit 0 ' \
    $UNIT_SYSLOG SYSLOG_FACILITY=3 PRIORITY=6; then
	ok "journal: the run at daemon.info: $(journal $UNIT_SYSLOG SYSLOG_FACILITY=3 PRIORITY=6 | grep '^run' | tail -n 1)"
else
	not_ok "journal: no run of www-data at daemon.info"
	journal $UNIT_SYSLOG | indent
fi

# ExecStartPre='s --check printed the policy: the one ExecStart= runs.
journal_has '^log: ' $UNIT_STDOUT
pre=$(journal $UNIT_STDOUT)
missing=
for line in "allow: group www-data (gid 33)" \
    "command: /usr/lib/peerrelay/examples/config-updater -k maintenance,motd,max_upload_mb $SITE" \
    "max-size: 4096" "timeout: 30" "log: syslog (daemon; denials authpriv)"; do
	echo "$pre" | grep -qxF -- "$line" || missing="$missing
$line"
done
if [ -z "$missing" ]; then
	ok "ExecStartPre= --check checked ExecStart='s policy (--max-size 4K, --timeout 30, --syslog)"
else
	not_ok "ExecStartPre= --check did not check ExecStart='s policy"
	echo "missing:$missing" | indent
	echo "its output:" | indent
	echo "$pre" | indent | indent
fi

# Stopped, the service is started again by the next connection; the
# socket, and its file, stay.
out=$(inside sh -c "systemctl stop $SERVICE 2>/dev/null;
    systemctl is-active $SERVICE; systemctl is-active $SOCKET;
    test -S $SOCK && echo socket" 2>&1)
if [ "$out" = "$(printf 'inactive\nactive\nsocket')" ]; then
	request "$WWW" motd=again
	got=$(inside systemctl is-active $SERVICE)
	if [ $status -eq 0 ] && [ "$out" = "updated $SITE: 1 key(s)" ] &&
	    [ "$got" = active ]; then
		ok "systemctl stop $SERVICE; the next request starts it again through the socket"
	else
		not_ok "after systemctl stop $SERVICE: the request's status $status, the service $got"
		show_io
	fi
else
	not_ok "systemctl stop $SERVICE: the service, socket and file:"
	echo "$out" | indent
fi

# Stopping the socket stops the service that requires it, and removes
# the socket file (RemoveOnStop=yes).
out=$(inside sh -c "systemctl stop $SOCKET;
    systemctl is-active $SOCKET $SERVICE; test -e $SOCK && echo present" 2>&1)
if [ "$out" = "$(printf 'inactive\ninactive')" ]; then
	ok "systemctl stop $SOCKET: both stopped, $SOCK removed"
else
	not_ok "systemctl stop $SOCKET: not both inactive, or $SOCK still there:"
	echo "$out" | indent
fi

# A wrong policy in the one definition stops the start in ExecStartPre=
# (systemd's "Control process exited"), before ExecStart= runs.
dropin=/run/systemd/system/$SERVICE.d
id=$(inside sh -c "mkdir -p $dropin &&
    printf '[Service]\nEnvironment=\"PEERRELAY_OPTS=--allow-group no-such-group-pr\"\n' \
        >$dropin/wrong.conf &&
    systemctl daemon-reload && systemctl start $SOCKET &&
    ! systemctl start $SERVICE 2>/dev/null &&
    systemctl show -p InvocationID --value $SERVICE" 2>&1)
case $id in
*[!0-9a-f]*|'')
	not_ok "a wrong PEERRELAY_OPTS: the start did not fail"
	[ -z "$id" ] || echo "$id" | indent ;;
*)
	# The unit's processes, and systemd's lines about this start.
	if journal_has '^peerrelay: --allow-group no-such-group-pr: no such group$' \
	    _SYSTEMD_INVOCATION_ID="$id" + INVOCATION_ID="$id" &&
	    journal_has 'Control process exited, code=exited, status=64' \
	    _SYSTEMD_INVOCATION_ID="$id" + INVOCATION_ID="$id" &&
	    ! journal _SYSTEMD_INVOCATION_ID="$id" | grep -q 'listening on'; then
		ok "a wrong PEERRELAY_OPTS stops the start in ExecStartPre= (status 64)"
	else
		not_ok "a wrong PEERRELAY_OPTS did not stop the start in ExecStartPre="
		journal _SYSTEMD_INVOCATION_ID="$id" + INVOCATION_ID="$id" | indent
	fi ;;
esac
inside sh -c "rm -rf $dropin; systemctl daemon-reload;
    systemctl reset-failed $SERVICE" >/dev/null 2>&1

# Back to normal after that: served again.
request "$WWW" maintenance=off
if [ $status -eq 0 ] && [ "$out" = "updated $SITE: 1 key(s)" ]; then
	ok "the definition restored, www-data is served again"
else
	not_ok "the definition restored, www-data is not served: status $status"
	show_io
fi

# The Python client (python3-peerrelay, as dpkg installs it) against the
# shipped socket unit: www-data served, nobody past the mode refused (77).
PYREQ='import sys, peerrelay
try:
    r = peerrelay.request(sys.argv[1], sys.argv[2].encode(),
                          expect_user="root", timeout=20)
    print(r.status, r.request_id, r.stdout.decode().strip())
except peerrelay.PeerrelayError as e:
    print("error", e.status, e.reason)'
out=$(inside dpkg -i /mnt/peerrelay/python3-peerrelay.deb 2>&1)
if [ $? -eq 0 ]; then
	ok "dpkg -i python3-peerrelay: $(inside python3 -c 'import peerrelay; print(peerrelay.__file__)')"
else
	not_ok "dpkg -i python3-peerrelay"
	echo "$out" | indent
fi
out=$(inside $WWW python3 -c "$PYREQ" $SOCK motd=python 2>&1)
if echo "$out" | grep -Eqx "0 [0-9a-f]+-[0-9]+\.1 updated $SITE: 1 key\(s\)" &&
    inside grep -qx motd=python $SITE; then
	ok "python3 as www-data: peerrelay.request served ('$out')"
else
	not_ok "python3 as www-data: peerrelay.request not served"
	echo "$out" | indent
fi
out=$(inside $NOBODY_DAC python3 -c "$PYREQ" $SOCK motd=nobody 2>&1)
if [ "$out" = "error 77 refused: not allowed (uid 65534)" ] &&
    ! inside grep -q motd=nobody $SITE; then
	ok "python3 as nobody past the mode: PeerrelayError 77 ('$out')"
else
	not_ok "python3 as nobody past the mode: '$out', not PeerrelayError 77"
fi

# The peer's unit (--require-unit): a listener as a transient service
# allows www-data only in pr-cg-allowed.service; requests come from
# transient services that systemd-run starts (--pipe: their stdin, stdout
# and stderr are systemd-run's; --wait: its status is theirs). Mode 0666:
# past the socket file, peerrelay's own check is the gate tested here.
CG_SOCK=/run/pr-cg.sock
CG_LISTEN=pr-cg-listen.service
CG_ALLOWED=pr-cg-allowed.service
CG_OTHER=pr-cg-other.service
CG_OPTS="-u www-data --require-unit $CG_ALLOWED --mode 0666 $CG_SOCK
    -- /usr/bin/env"
# The listener's lines (its stderr), and how they name www-data.
CG_LOG="_SYSTEMD_UNIT=$CG_LISTEN"
CG_WWW="conn=[0-9a-f]+-[0-9]+ pid=[0-9]+ uid=33 gid=33 user=www-data group=www-data"

# unit_request UNIT [SYSTEMD-RUN OPTION...]: send a line from a transient
# service UNIT (collected when it ends, failed or not, so the name can be
# used again); status in $status, stdout in $out, stderr in $err.
unit_request() {
	local unit=$1
	shift
	inside sh -c 'echo "from $0" | exec "$@"' "$unit" \
	    systemd-run --quiet --wait --pipe --collect --unit="$unit" "$@" \
	    peerrelay send --expect-user root --timeout 20 $CG_SOCK \
	    >"$run/out" 2>"$run/err"
	status=$?
	out=$(cat "$run/out")
	err=$(cat "$run/err")
}

# has_line LINE: $out has LINE, whole.
has_line() {
	echo "$out" | grep -qxF -- "$1"
}

# What the listener finds of cgroups (--check's line), for the messages.
cgcheck=$(inside peerrelay listen --check $CG_OPTS 2>&1 | grep '^cgroups: ')
cgcheck=${cgcheck:-no cgroups: line from --check}
out=$(inside systemd-run --quiet --unit=$CG_LISTEN peerrelay listen $CG_OPTS 2>&1)
if [ $? -eq 0 ] &&
    journal_has "^peerrelay: listening on $CG_SOCK " $CG_LOG; then
	ok "a listener in $CG_LISTEN for www-data in $CG_ALLOWED only ($cgcheck)"
else
	not_ok "no listener in $CG_LISTEN ($cgcheck)"
	[ -z "$out" ] || echo "$out" | indent
	inside systemctl status --no-pager $CG_LISTEN 2>&1 | indent
fi

unit_request $CG_ALLOWED -p User=www-data
if [ $status -eq 0 ] && has_line UNIXREMOTEUSER=www-data &&
    has_line "UNIXREMOTEUNIT=$CG_ALLOWED" &&
    has_line "UNIXREMOTECGROUP=/system.slice/$CG_ALLOWED" &&
    journal_has "^peerrelay: allow $CG_WWW cgroup=/system.slice/$CG_ALLOWED unit=$CG_ALLOWED\$" \
    $CG_LOG; then
	ok "www-data in $CG_ALLOWED is served: UNIXREMOTEUNIT=$CG_ALLOWED," \
	    "UNIXREMOTECGROUP=/system.slice/$CG_ALLOWED"
else
	not_ok "www-data in $CG_ALLOWED is not served, or not so: status $status ($cgcheck)"
	show_io
	journal $CG_LOG | indent
fi

unit_request $CG_OTHER -p User=www-data
if [ $status -eq 77 ] &&
    [ "$err" = "peerrelay: refused: not allowed (uid 33)" ] &&
    journal_has "^peerrelay: deny $CG_WWW cgroup=/system.slice/$CG_OTHER unit=$CG_OTHER failed=unit\$" \
    $CG_LOG; then
	ok "www-data in $CG_OTHER is refused (77):" \
	    "$(journal $CG_LOG | grep "unit=$CG_OTHER failed=" | tail -n 1)"
else
	not_ok "www-data in $CG_OTHER is not refused for its unit: status $status ($cgcheck)"
	show_io
	journal $CG_LOG | indent
fi

# The unit narrows the user rule, never widens it: root in the allowed
# unit is still not www-data.
unit_request $CG_ALLOWED
if [ $status -eq 77 ] &&
    [ "$err" = "peerrelay: refused: not allowed (uid 0)" ] &&
    journal_has '^peerrelay: deny conn=[^ ]* pid=[0-9]+ uid=0 gid=0 user=root group=root failed=users$' \
    $CG_LOG; then
	ok "root in $CG_ALLOWED is refused (77):" \
	    "$(journal $CG_LOG | grep 'uid=0 .*failed=' | tail -n 1)"
else
	not_ok "root in $CG_ALLOWED is not refused by the user rule: status $status"
	show_io
	journal $CG_LOG | indent
fi
inside systemctl stop $CG_LISTEN >/dev/null 2>&1

# The rules unit pair: a root listener for /etc/peerrelay/rules, started
# by its socket. systemctl reload runs ExecReload='s --check before the
# SIGHUP: a wrong file fails the reload, and the rules in force stay (the
# listener refuses it as well, were it signalled anyway).
RSOCKET=peerrelay-rules.socket
RSERVICE=peerrelay-rules.service
RSOCK=/run/peerrelay/admin.sock
RULES=/etc/peerrelay/rules
RLOG="_SYSTEMD_UNIT=$RSERVICE _TRANSPORT=syslog"

# rules_file LINE...: $RULES, one rule a line, renamed into place.
rules_file() {
	inside sh -c 'f=$0; printf "%s\n" "$@" >"$f.new" &&
	    chmod 644 "$f.new" && mv "$f.new" "$f"' "$RULES" "$@"
}

# rules_request WHO ACTION [ARG...]: as request, an action of the rules
# listener, with no payload.
rules_request() {
	local who=$1
	shift
	inside $who peerrelay send --expect-user root --timeout 20 $RSOCK \
	    -- "$@" >"$run/out" 2>"$run/err"
	status=$?
	out=$(cat "$run/out")
	err=$(cat "$run/err")
}

rules_file "permit whoami user www-data /usr/bin/id -un"
out=$(inside sh -c "systemctl enable --now $RSOCKET &&
    systemctl is-active $RSOCKET" 2>&1)
rules_request "$WWW" whoami
if [ $status -eq 0 ] && [ "$out" = root ]; then
	ok "$RSERVICE: www-data's action runs as root ('$out')"
else
	not_ok "$RSERVICE: www-data's action: status $status"
	show_io
fi

rules_file "permit whoami user www-data /usr/bin/id -un" \
    "permit day user www-data /bin/echo {[0-9]{4}-[0-9]{2}-[0-9]{2}}"
out=$(inside systemctl reload $RSERVICE 2>&1)
if [ $? -eq 0 ] && journal_has "^reloaded $RULES: 2 actions\$" $RLOG; then
	rules_request "$WWW" day 2026-11-30
	if [ $status -eq 0 ] && [ "$out" = 2026-11-30 ]; then
		ok "systemctl reload $RSERVICE: a new action runs ('$out')"
	else
		not_ok "after systemctl reload $RSERVICE: the new action's status $status"
		show_io
	fi
else
	not_ok "systemctl reload $RSERVICE with a good file"
	echo "$out" | indent
	journal _SYSTEMD_UNIT=$RSERVICE | indent
fi

rules_file "permit whoami user www-data /usr/bin/id -un" \
    "permit Bad user www-data /bin/true"
out=$(inside systemctl reload $RSERVICE 2>&1)
if [ $? -ne 0 ] &&
    journal_has "$RULES: line 2: Bad: not an action name" _SYSTEMD_UNIT=$RSERVICE &&
    [ "$(inside systemctl is-active $RSERVICE)" = active ]; then
	rules_request "$WWW" day 2026-11-30
	if [ $status -eq 0 ] && [ "$out" = 2026-11-30 ]; then
		ok "systemctl reload $RSERVICE with a bad file fails, naming the line; the old rules serve on"
	else
		not_ok "after a failed reload: the old action's status $status"
		show_io
	fi
else
	not_ok "systemctl reload $RSERVICE with a bad file did not fail so"
	echo "$out" | indent
	journal _SYSTEMD_UNIT=$RSERVICE | indent
fi

# Signalled anyway: the listener's own refusal, at daemon.err (3).
inside systemctl kill -s HUP --kill-whom=main $RSERVICE >/dev/null 2>&1
if journal_has "^reload: $RULES: refused; the old rules stay in force \\(2 actions\\)\$" \
    $RLOG SYSLOG_FACILITY=3 PRIORITY=3 &&
    journal $RLOG | grep -q "^reload: $RULES: line 2: Bad: not an action name"; then
	rules_request "$WWW" day 2026-11-30
	if [ $status -eq 0 ] && [ "$out" = 2026-11-30 ]; then
		ok "SIGHUP with a bad file: refused at daemon.err, the line named; the old rules serve on"
	else
		not_ok "after a refused SIGHUP: the old action's status $status"
		show_io
	fi
else
	not_ok "SIGHUP with a bad file: no refusal at daemon.err"
	journal $RLOG | indent
fi
# A per-rule run-as under the unit's capability bounding set.
rules_file "permit whoami user www-data /usr/bin/id -un" \
    "permit day user www-data /bin/echo {[0-9]{4}-[0-9]{2}-[0-9]{2}}" \
    "permit as-www user www-data run-as www-data /usr/bin/id -un"
out=$(inside systemctl reload $RSERVICE 2>&1)
bnd=$(inside sh -c 'sed -n "s/^CapBnd:\t//p" /proc/$(systemctl show -P MainPID '"$RSERVICE"')/status')
rules_request "$WWW" as-www
if [ $status -eq 0 ] && [ "$out" = www-data ] && [ "$bnd" = 00000000000000e0 ]; then
	ok "$RSERVICE: a run-as rule runs as www-data under the bounding set CAP_KILL CAP_SETGID CAP_SETUID ($bnd)"
else
	not_ok "$RSERVICE: run-as rule: status $status, out '$out', CapBnd '$bnd'"
	show_io
	journal _SYSTEMD_UNIT=$RSERVICE | indent
fi
# A request's processes end with it: an action whose command leaves a
# sleep behind in a session of its own (its pipes still open); when send
# returns, none of it is left (its fork before exec has the same argv).
rules_file "permit whoami user www-data /usr/bin/id -un" \
    "permit day user www-data /bin/echo {[0-9]{4}-[0-9]{2}-[0-9]{2}}" \
    "permit as-www user www-data run-as www-data /usr/bin/id -un" \
    "permit leave user www-data /usr/bin/setsid -f /usr/bin/sleep 2917.25"
out=$(inside systemctl reload $RSERVICE 2>&1)
if [ $? -eq 0 ] && journal_has "^reloaded $RULES: 4 actions\$" $RLOG; then
	rules_request "$WWW" leave
	left=$(inside pgrep -fa '2917\.25')
	if [ $status -eq 0 ] && [ -z "$left" ]; then
		ok "$RSERVICE: the sleep an action's command left behind (setsid -f) is gone when send returns"
	else
		not_ok "$RSERVICE: an action's leftover: status $status, still running:"
		echo "$left" | indent
		show_io
		journal _SYSTEMD_UNIT=$RSERVICE | indent
		# shellcheck disable=SC2046
		inside kill -KILL $(echo "$left" | cut -d' ' -f1) >/dev/null 2>&1
	fi
else
	not_ok "systemctl reload $RSERVICE with the leave action"
	echo "$out" | indent
	journal _SYSTEMD_UNIT=$RSERVICE | indent
fi
inside sh -c "systemctl disable --now $RSOCKET $RSERVICE" >/dev/null 2>&1

# Reported, not judged: the next issues change the unit's sandbox.
out=$(inside systemd-analyze security --no-pager $SERVICE 2>&1)
level=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: //p')
if [ -n "$level" ]; then
	echo "$out" | sed 's/[[:space:]]*$//' | indent
	ok "systemd-analyze security $SERVICE: exposure $level"
else
	not_ok "systemd-analyze security $SERVICE"
	echo "$out" | indent
fi

if [ $failed -gt 0 ]; then
	echo "the journal of the units:"
	inside journalctl --no-pager -o short-precise -u $SOCKET -u $SERVICE \
	    -u $CG_LISTEN -u $RSOCKET -u $RSERVICE | indent
fi

# Power off; nothing of the container may be left: no process in its pid
# namespace, no mount of its tree.
nspawn_stop
left=$(nspawn_left)
if [ -z "$left" ]; then
	ok "powered off: no process and no mount of the container left"
else
	not_ok "after power-off: $left"
fi

[ $failed -eq 0 ] || say "failed:$failures"
say "$passed passed, $failed failed ($(($(date +%s) - started))s)"
[ $failed -eq 0 ]
