# peerrelay: a plain Makefile. `make`, `make check`, `make demo`, `make install`.
PREFIX ?=	/usr/local
BINDIR ?=	$(PREFIX)/bin
MANDIR ?=	$(PREFIX)/share/man
COMPDIR ?=	$(PREFIX)/share/bash-completion/completions
PKGLIBDIR ?=	$(PREFIX)/lib/peerrelay
EXAMPLESDIR ?=	$(PKGLIBDIR)/examples
DESTDIR ?=

CC ?=		cc
CFLAGS ?=	-O2 -g
WARNINGS =	-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2
BSD_CFLAGS !=	pkg-config --cflags libbsd-overlay 2>/dev/null || echo -DLIBBSD_OVERLAY -isystem /usr/include/bsd
BSD_LIBS !=	pkg-config --libs libbsd-overlay libmd 2>/dev/null || echo -lbsd -lmd
# Hardened by default, as dpkg-buildflags' hardening=+all: PIE, stack
# protector, stack clash protection, CET, fortified libc calls, full RELRO.
# They come before the packager's CPPFLAGS, CFLAGS and LDFLAGS, so a flag
# given there wins; a _FORTIFY_SOURCE given there (or -O0, which cannot
# fortify) replaces ours, and a flag this compiler lacks is left out.
HARDEN_CC !=	for f in -fPIE -fstack-protector-strong -fstack-clash-protection \
		    -fcf-protection; do $(CC) -Werror $$f -x c -c -o /dev/null \
		    /dev/null 2>/dev/null && printf '%s ' $$f; done; true
HARDEN_CPP =	$(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS))$(findstring -O0,$(CFLAGS)),,-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)
HARDEN_LD =	-pie -Wl,-z,relro -Wl,-z,now
ALL_CFLAGS =	$(WARNINGS) $(BSD_CFLAGS) $(HARDEN_CPP) $(CPPFLAGS) \
		$(HARDEN_CC) $(CFLAGS)

SRCS =		cmd/main.c cmd/listen.c cmd/send.c \
		src/action.c src/activate.c src/addr.c src/admit.c \
		src/cgroup.c src/cgroup_name.c src/client.c \
		src/client_header.c src/client_open.c src/config.c \
		src/config_print.c src/config_rules.c src/conn.c \
		src/conn_exec.c src/connid.c src/denials.c src/descend.c \
		src/dgram.c src/hello.c src/ids.c src/input.c src/job.c \
		src/list.c src/log.c src/logfield.c src/logjson.c src/logq.c \
		src/mmsg.c src/num.c src/outq.c \
		src/pattern.c src/peer.c src/peer_examine.c src/policy.c \
		src/privdrop.c src/proto.c src/record.c src/regcost.c \
		src/replies.c src/request.c src/retry.c src/rule.c \
		src/rule_opts.c src/rules.c src/rules_file.c src/safepath.c \
		src/serial.c src/serve.c src/server.c src/sockdiag.c \
		src/spawn.c src/spawn_as.c src/supclone.c src/supervise.c \
		src/supfast.c src/title.c
OBJS =		$(SRCS:.c=.o)
HDRS =		$(wildcard cmd/*.h src/*.h)

# Debian packages the build, the tests and the demo need.
PACKAGES =	gcc make pkg-config libbsd-dev libmd-dev bats bats-support bats-assert \
		mandoc socat python3 util-linux systemd passwd procps \
		keyutils python3-setuptools python3-venv php-cli ucspi-unix

all: peerrelay

peerrelay: $(OBJS)
	$(CC) $(HARDEN_CC) $(CFLAGS) $(HARDEN_LD) $(LDFLAGS) -o $@ $(OBJS) \
	    $(BSD_LIBS)

%.o: %.c $(HDRS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@sh test/deps.sh $(PACKAGES)

# C unit tests (test/unit/unit_*.c) for what bats cannot reach: each
# prints TAP lines that test/run.sh counts with the suite's.
UNIT_TESTS =	$(patsubst %.c,%,$(wildcard test/unit/unit_*.c))
LIB_OBJS =	$(filter src/%,$(OBJS))

test/unit/unit_%: test/unit/unit_%.c test/unit/unit.h $(LIB_OBJS) $(HDRS)
	$(CC) $(ALL_CFLAGS) $(HARDEN_LD) $(LDFLAGS) -o $@ $< $(LIB_OBJS) \
	    $(BSD_LIBS)

unit: $(UNIT_TESTS)

check: deps
	@$(MAKE) -s peerrelay unit
	@sh test/run.sh

demo: deps
	@$(MAKE) -s peerrelay
	@sh test/demo.sh

# The load and fault tests alone (bats tag "stress"), at full size, with
# the stall tests' wall-clock bounds (STRESS_BOUNDS) asserted.
check-stress: deps
	@$(MAKE) -s peerrelay unit
	@STRESS_FLOOD=500 STRESS_EXEC_REQUESTS=10000 STRESS_BOUNDS=1 \
	    BATS_FLAGS="--filter-tags stress" sh test/run.sh

# The same suite against an ASan+UBSan build; any report fails the run.
SAN_FLAGS =	-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all

peerrelay-asan: $(SRCS) $(HDRS)
	$(CC) $(WARNINGS) $(BSD_CFLAGS) $(SAN_FLAGS) -o $@ $(SRCS) $(BSD_LIBS)

check-asan: deps
	@$(MAKE) -s peerrelay-asan unit
	@sh test/asan.sh

# libFuzzer targets for every parser of outside input; FUZZ_SECONDS each.
FUZZ_SECONDS ?=	60
FUZZ_TARGETS =	addr options reply record input replies status cgroup rules \
		request logjson
FUZZ_SRCS =	src/addr.c src/cgroup.c src/cgroup_name.c src/ids.c src/num.c \
		src/peer.c src/peer_examine.c src/pattern.c src/privdrop.c \
		src/proto.c src/record.c src/regcost.c src/request.c src/rule.c \
		src/rule_opts.c src/rules.c src/safepath.c src/sockdiag.c
# Targets that take more of src/: send's input framing and reply handling
# (fuzz_replies stubs out log_line, so it takes no log.c).
FUZZ_MORE_input = src/input.c
FUZZ_MORE_request = src/action.c src/connid.c src/denials.c src/list.c src/log.c \
		src/logfield.c src/logjson.c src/logq.c
FUZZ_MORE_logjson = src/connid.c src/denials.c src/log.c src/logfield.c \
		src/logjson.c src/logq.c
FUZZ_MORE_replies = src/client.c src/client_header.c src/hello.c src/input.c \
		src/mmsg.c src/replies.c

test/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/json_check.h $(FUZZ_SRCS) \
    $(FUZZ_MORE_input) $(FUZZ_MORE_request) $(FUZZ_MORE_replies) \
    $(FUZZ_MORE_logjson) $(HDRS)
	clang -std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Wextra \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    $(BSD_CFLAGS) -o $@ $< $(FUZZ_SRCS) $(FUZZ_MORE_$*) $(BSD_LIBS)

fuzz: deps-fuzz $(FUZZ_TARGETS:%=test/fuzz/fuzz_%)
	@sh test/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

deps-fuzz:
	@sh test/deps.sh clang libclang-rt-14-dev

# Side by side with a C floor, s6-sudo, socat and sudo: bench/RESULTS.md.
BENCH_PACKAGES = socat s6 hyperfine sudo python3

bench/floor: bench/floor.c
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -o $@ bench/floor.c

bench/timeit: bench/timeit.c
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra $(BSD_CFLAGS) -o $@ \
	    bench/timeit.c $(BSD_LIBS)

# The same listener without the per-datagram credential check (SO_PASSCRED
# off, SCM_CREDENTIALS not judged): only bench/run.sh uses it, to show what
# the check costs. Never installed.
bench/peerrelay-nocredcheck: $(SRCS) $(HDRS)
	$(CC) $(ALL_CFLAGS) -DPEERRELAY_NO_CRED_CHECK $(HARDEN_LD) $(LDFLAGS) \
	    -o $@ $(SRCS) $(BSD_LIBS)

bench: peerrelay bench/floor bench/timeit bench/peerrelay-nocredcheck
	@sh test/deps.sh $(BENCH_PACKAGES)
	@sh bench/run.sh

# Static analysis of cmd/ and src/: gcc -fanalyzer, clang's scan-build and
# cppcheck. Any finding fails; a suppression has its reason above it.
LINT_PACKAGES =	gcc clang-tools-14 cppcheck mandoc
# -O0: at -O2 gcc can optimise a bug away before its analyzer sees it.
LINT_CFLAGS =	$(WARNINGS) $(BSD_CFLAGS) -O0 -Werror
CPPCHECK_FLAGS = --enable=warning,style,performance,portability \
		--library=posix --std=c11 -D_GNU_SOURCE -D__linux__ -Isrc -Icmd \
		--inline-suppr --error-exitcode=1 --quiet \
		--template='{file}:{line}: {severity}: {message} [{id}]'
# KNF (STYLE.md): a function's variables are declared at its top.
CPPCHECK_FLAGS += --suppress=variableScope
# One thread: each getpw*/getgr* result is used before the next lookup.
CPPCHECK_FLAGS += --suppress=getpwuidCalled --suppress=getpwnamCalled \
		--suppress=getgrgidCalled --suppress=getgrnamCalled
# One thread, and each directory stream its own: readdir_r is deprecated.
CPPCHECK_FLAGS += --suppress=readdirCalled

lint: deps-lint lint-man lint-gcc lint-scan lint-cppcheck

deps-lint:
	@sh test/deps.sh $(LINT_PACKAGES)

lint-man:
	mandoc -Tlint -W warning man/peerrelay.1 man/peerrelay.rules.5

lint-gcc:
	@for f in $(SRCS); do \
	    gcc $(LINT_CFLAGS) -fanalyzer -c -o /dev/null $$f || exit 1; \
	done; echo "gcc -fanalyzer: $(words $(SRCS)) files, no findings"

lint-scan:
	@d=$$(mktemp -d) && scan-build-14 --status-bugs -o $$d sh -c \
	    'for f in $(SRCS); do $$CC $(LINT_CFLAGS) -c -o /dev/null $$f || \
	    exit 1; done' >$$d/log 2>&1; s=$$?; \
	[ $$s -eq 0 ] || cat $$d/log; rm -rf $$d; [ $$s -eq 0 ] && \
	echo "scan-build: $(words $(SRCS)) files, no bugs found"

lint-cppcheck:
	@cppcheck $(CPPCHECK_FLAGS) cmd src && \
	echo "cppcheck: cmd/ and src/, no findings"

# The built binary has what the hardened build promises, by checksec.
checksec: peerrelay
	@sh test/deps.sh checksec
	@line=$$(checksec --format=csv --file=./peerrelay) && echo "$$line" && \
	echo "$$line" | awk -F, '$$1 == "Full RELRO" && \
	    $$2 == "Canary found" && $$3 == "NX enabled" && \
	    $$4 == "PIE enabled" && $$8 == "Yes" { ok = 1 } END { exit !ok }' || \
	{ echo "checksec: ./peerrelay is not fully hardened" >&2; exit 1; }

# test/e2e.sh with every peerrelay process under valgrind's memcheck.
memcheck: peerrelay
	@sh test/deps.sh valgrind
	@sh test/memcheck.sh

# The release tarball: what git holds at HEAD, less debian/ and .ci/
# (.gitattributes), as peerrelay-VERSION/.
VERSION !=	sed -n 's/^\#define PEERRELAY_VERSION[^"]*"\(.*\)"$$/\1/p' cmd/cmd.h
DIST =		peerrelay-$(VERSION)

dist:
	@git diff --quiet HEAD 2>/dev/null || \
	    echo "dist: uncommitted changes are not in $(DIST).tar.gz" >&2
	git archive --format=tar --prefix=$(DIST)/ HEAD | gzip -n -9 \
	    >$(DIST).tar.gz

# The tarball, unpacked in a new directory, builds warning-free, passes
# make check, installs and uninstalls, and make clean leaves what it had.
distcheck: dist
	@sh test/distcheck.sh $(DIST)

# The Debian package, built from the tarball as its .orig.tar.gz plus
# debian/, in deb-build/; lintian must report no error and no warning.
DEB_PACKAGES =	dpkg-dev debhelper lintian libbsd-dev libmd-dev pkgconf dh-python
DEB_VERSION !=	sed -n '1s/^peerrelay (\([^)-]*\).*/\1/p' debian/changelog 2>/dev/null

deb: dist
	@sh test/deps.sh $(DEB_PACKAGES)
	@[ "$(DEB_VERSION)" = "$(VERSION)" ] || { echo "deb: debian/changelog \
	    says $(DEB_VERSION), cmd/cmd.h says $(VERSION)" >&2; exit 1; }
	rm -rf deb-build && mkdir deb-build
	cp $(DIST).tar.gz deb-build/peerrelay_$(VERSION).orig.tar.gz
	tar -xzf $(DIST).tar.gz -C deb-build
	cp -R debian deb-build/$(DIST)/
	cd deb-build/$(DIST) && dpkg-buildpackage -us -uc -b
	@for d in deb-build/*.deb; do echo "$$d:"; dpkg-deb -c $$d; done
	lintian --fail-on error,warning --display-info --pedantic \
	    --display-experimental deb-build/*.changes
	@echo "lintian: no error, no warning; overridden, each with its reason:"
	@lintian --show-overrides --fail-on none deb-build/*.changes | \
	    sed -n '/^[NO]:/p'

# The package's own tests (debian/tests) against the installed package, on
# this machine (autopkgtest's null runner: it installs the package).
autopkgtest: deb
	@sh test/deps.sh autopkgtest
	autopkgtest deb-build/*.deb deb-build/$(DIST) -- null

# The contrib units under a real systemd: a minimal Debian tree (cached in
# $$PEERRELAY_NSPAWN_CACHE, default /var/cache/peerrelay/check-systemd),
# booted with systemd-nspawn, the .deb installed in it; test/check-systemd.sh.
CHECK_SYSTEMD_PACKAGES = debootstrap systemd-container

check-systemd: deb
	@sh test/deps.sh $(CHECK_SYSTEMD_PACKAGES)
	@sh test/check-systemd.sh deb-build/peerrelay_$(DEB_VERSION)-*_$$(dpkg \
	    --print-architecture).deb

EXAMPLES_BIN =	config-updater cron-send
EXAMPLES_DOC =	crontab peerrelay.rules sudoers
EXAMPLES_PHP =	call.php index.php peerrelay_exec.php peerrelay_socket.php
UNITS =		peerrelay-config-update.socket peerrelay-config-update.service \
		peerrelay-rules.socket peerrelay-rules.service

install: peerrelay
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPDIR) \
	    $(DESTDIR)$(EXAMPLESDIR)/systemd $(DESTDIR)$(EXAMPLESDIR)/php
	install -m 0755 peerrelay $(DESTDIR)$(BINDIR)/peerrelay
	install -m 0644 man/peerrelay.1 $(DESTDIR)$(MANDIR)/man1/peerrelay.1
	install -m 0644 man/peerrelay.rules.5 \
	    $(DESTDIR)$(MANDIR)/man5/peerrelay.rules.5
	install -m 0644 completion/peerrelay.bash $(DESTDIR)$(COMPDIR)/peerrelay
	install -m 0755 $(EXAMPLES_BIN:%=examples/%) $(DESTDIR)$(EXAMPLESDIR)
	install -m 0644 $(EXAMPLES_DOC:%=examples/%) $(DESTDIR)$(EXAMPLESDIR)
	install -m 0644 $(EXAMPLES_PHP:%=examples/php/%) \
	    $(DESTDIR)$(EXAMPLESDIR)/php
	install -m 0644 $(UNITS:%=contrib/systemd/%) \
	    $(DESTDIR)$(EXAMPLESDIR)/systemd

# Everything install put, and the directories that are peerrelay's alone.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/peerrelay $(DESTDIR)$(MANDIR)/man1/peerrelay.1 \
	    $(DESTDIR)$(MANDIR)/man5/peerrelay.rules.5 \
	    $(DESTDIR)$(COMPDIR)/peerrelay \
	    $(EXAMPLES_BIN:%=$(DESTDIR)$(EXAMPLESDIR)/%) \
	    $(EXAMPLES_DOC:%=$(DESTDIR)$(EXAMPLESDIR)/%) \
	    $(EXAMPLES_PHP:%=$(DESTDIR)$(EXAMPLESDIR)/php/%) \
	    $(UNITS:%=$(DESTDIR)$(EXAMPLESDIR)/systemd/%)
	-rmdir $(DESTDIR)$(EXAMPLESDIR)/systemd $(DESTDIR)$(EXAMPLESDIR)/php \
	    $(DESTDIR)$(EXAMPLESDIR) \
	    $(DESTDIR)$(PKGLIBDIR) 2>/dev/null

clean:
	rm -f peerrelay peerrelay-asan bench/floor bench/timeit \
	    bench/peerrelay-nocredcheck $(OBJS) $(FUZZ_TARGETS:%=test/fuzz/fuzz_%) \
	    $(UNIT_TESTS)
	rm -rf deb-build $(DIST).tar.gz python/build python/peerrelay.egg-info \
	    python/peerrelay/__pycache__ python/tests/__pycache__

.PHONY: all bench deps deps-fuzz deps-lint unit check check-asan check-stress fuzz demo \
	checksec lint lint-man lint-gcc lint-scan lint-cppcheck memcheck dist distcheck deb \
	autopkgtest check-systemd install uninstall clean
