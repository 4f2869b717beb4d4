#!/bin/sh
# make distcheck: unpack DIST.tar.gz in a new directory; there it must build
# warning-free, pass make check, install every file under DESTDIR and
# uninstall them all, build with a packager's flags, and make clean must
# leave the files it was unpacked with, no more and no fewer.
set -u
dist=$1
top=$(pwd)
# Left 0700, as a home directory may be: other users cannot enter the tree,
# and make check must pass all the same.
dir=$(mktemp -d /tmp/prdist.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "distcheck: $*" >&2
	exit 1
}
tar -xzf "$top/$dist.tar.gz" -C "$dir" || fail "cannot unpack $dist.tar.gz"
src=$dir/$dist
(cd "$src" && find . | LC_ALL=C sort) >"$dir/unpacked"
make -s -C "$src" CFLAGS="-O2 -g -Werror" >"$dir/build.log" 2>&1 ||
    { cat "$dir/build.log"; fail "the build failed or warned"; }
[ -s "$dir/build.log" ] && { cat "$dir/build.log"; fail "the build warned"; }
make -s -C "$src" check || fail "make check failed"
make -s -C "$src" install DESTDIR="$dir/root" PREFIX=/usr ||
    fail "make install failed"
[ -x "$dir/root/usr/bin/peerrelay" ] || fail "make install put no binary"
make -s -C "$src" uninstall DESTDIR="$dir/root" PREFIX=/usr ||
    fail "make uninstall failed"
left=$(find "$dir/root" -type f)
[ -n "$left" ] && fail "make uninstall left: $left"
make -s -C "$src" clean || fail "make clean failed"
# A packager's flags: dpkg-buildflags' -D_FORTIFY_SOURCE=2 takes the place
# of ours, warning-free; LDFLAGS come after ours, so -z norelro wins.
make -s -C "$src" CPPFLAGS="-Wdate-time -D_FORTIFY_SOURCE=2" \
    CFLAGS="-g -O2 -Werror" >"$dir/build.log" 2>&1 ||
    { cat "$dir/build.log"; fail "the build with a packager's flags failed"; }
readelf -d "$src/peerrelay" | grep -q 'FLAGS.*BIND_NOW' ||
    fail "the build with a packager's flags lost BIND_NOW"
make -s -C "$src" clean
make -s -C "$src" LDFLAGS="-Wl,-z,norelro" >/dev/null 2>&1 ||
    fail "the build with LDFLAGS=-Wl,-z,norelro failed"
readelf -lW "$src/peerrelay" | grep -q GNU_RELRO &&
    fail "a packager's LDFLAGS=-Wl,-z,norelro did not win"
make -s -C "$src" clean
(cd "$src" && find . | LC_ALL=C sort) >"$dir/cleaned"
diff -u "$dir/unpacked" "$dir/cleaned" || fail "make clean left the tree changed"
echo "distcheck: $dist.tar.gz builds, passes make check, installs, uninstalls, takes a packager's flags and cleans"
