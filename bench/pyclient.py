#!/usr/bin/env python3
"""bench/run.sh step 7: a round trip from Python, the package against send.

usage: pyclient.py PEERRELAY SOCKET ROUNDS [WARMUP]

In one interpreter, each round makes one request to the listener on SOCKET
(``listen SOCKET -- cat``) both ways, in alternating order: with the
package (peerrelay.request) and by running ``PEERRELAY send SOCKET hello``
with subprocess.run, as a Python application without the package would.
Each must carry "hello" there and back. Prints a line per contender, as
bench/timeit does: name, median ms, min ms, max ms, rounds (tab-separated),
then "ratio" and the median of the per-round ratios package / subprocess.
SOCKET "-": start such a listener in a directory of its own, for a look at
this step alone.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
import peerrelay  # noqa: E402


def own_listener(pr):
    d = tempfile.mkdtemp(prefix="prbpy.", dir="/tmp")
    sock = os.path.join(d, "s")
    err = os.path.join(d, "err")
    with open(err, "wb") as e:
        p = subprocess.Popen([pr, "listen", sock, "--", "/bin/cat"],
                             stdout=subprocess.DEVNULL, stderr=e)
    # Its "listening on" line says it is ready.
    while True:
        with open(err, "rb") as e:
            if b"listening on" in e.read():
                return d, sock, p
        if p.poll() is not None:
            sys.exit("pyclient: the listener did not start")
        time.sleep(0.01)


def main():
    pr, sock, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    d = proc = None
    if sock == "-":
        d, sock, proc = own_listener(pr)

    def package():
        r = peerrelay.request(sock, b"hello")
        return r.stdout

    def subproc():
        return subprocess.run([pr, "send", sock, "hello"],
                              capture_output=True, check=True).stdout

    ways = [("python, package", package), ("python, subprocess send", subproc)]
    times = {name: [] for name, _ in ways}
    ratios = []
    try:
        for i in range(warmup + rounds):
            took = {}
            order = ways if i % 2 == 0 else ways[::-1]
            for name, fn in order:
                t0 = time.perf_counter()
                got = fn()
                took[name] = time.perf_counter() - t0
                if got != b"hello":
                    sys.exit("pyclient: %s returned %r" % (name, got))
            if i >= warmup:
                for name in took:
                    times[name].append(took[name] * 1000)
                ratios.append(took[ways[0][0]] / took[ways[1][0]])
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
            shutil.rmtree(d, ignore_errors=True)
    for name, _ in ways:
        t = times[name]
        print("%s\t%.3f\t%.3f\t%.3f\t%d" % (name, statistics.median(t),
                                            min(t), max(t), len(t)))
    print("ratio\t%.2f" % statistics.median(ratios))


main()
