#!/bin/sh
# make distcheck: unpack DIST.tar.gz in a new directory; there it must build
# warning-free, pass make check, install every file under DESTDIR and
# uninstall them all, and make clean must leave the files it was unpacked
# with, no more and no fewer.
set -u
dist=$1
top=$(pwd)
dir=$(mktemp -d /tmp/prdist.XXXXXX) || exit 1
# Tests run scripts from the tree as nobody and www-data.
chmod 755 "$dir"
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
(cd "$src" && find . | LC_ALL=C sort) >"$dir/cleaned"
diff -u "$dir/unpacked" "$dir/cleaned" || fail "make clean left the tree changed"
echo "distcheck: $dist.tar.gz builds, passes make check, installs, uninstalls and cleans"
