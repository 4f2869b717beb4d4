#!/usr/bin/env python3
"""Drive one `peerrelay send` step by step, for tests of what it reports.

usage: sendctl.py DIR STEP... -- SEND-ARGV...

Starts SEND-ARGV with a pipe as its standard input and DIR/s.out, DIR/s.err
as its standard output and error (or, with the step `noread`, a pipe for
standard output that nobody reads), runs the steps in order, then waits
(at most 20 s) for it to exit and prints `status=N` (or `status=hung`, when
it had to be killed). Its standard input is never closed unless a step
says so: send must not need that to stop.

Steps:
  noread          (first) standard output is a pipe nobody reads
  write:TEXT      write TEXT (backslash escapes decoded) and wait until
                  send has read all of it: readiness, not a sleep
  put:TEXT        write TEXT without waiting
  file:PATH       wait until PATH exists
  lines:PATH:N    wait until PATH has at least N lines
  kill:SIG:PID    send signal SIG (a name such as KILL) to PID; PID may be
                  @FILE, the number written in FILE; after STOP, wait
                  until PID is stopped (a poll it was in is left then,
                  and done again, seeing everything, after CONT)
  gone:PID        wait until PID has exited (or is a zombie)
  accepted:ADDR   wait until a connection to ADDR has been accepted (its
                  server side is in /proc/net/unix, connected)
  idle:PID        wait until PID sleeps in poll(2): it has done all it
                  could, acknowledgements included; idle:send waits for
                  send itself (it has handed over all it read)
  sleep:SECONDS   let time pass (for tests of what time must not count)
  close           close send's standard input
"""
import array
import fcntl
import os
import signal
import subprocess
import sys
import termios
import time

BOUND = 20.0


def until(what, ok):
    end = time.monotonic() + BOUND
    while not ok():
        if time.monotonic() > end:
            sys.exit("sendctl: gave up waiting for " + what)
        time.sleep(0.01)


def unread(fd):
    n = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, n)
    return n[0]


def pid_of(arg):
    if arg.startswith("@"):
        until(arg[1:], lambda: os.path.exists(arg[1:]) and
              open(arg[1:]).read().strip() != "")
        return int(open(arg[1:]).read())
    return int(arg)


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        # Gone between the open and the read: ESRCH.
        return True


def shows(name, addr):
    """Is name, from /proc/net/unix, addr? A path the listener binds through
    its directory's descriptor shows as /proc/self/fd/N/NAME."""
    if name == addr:
        return True
    base = addr.rsplit("/", 1)[-1]
    return (not addr.startswith("@") and name.startswith("/proc/self/fd/")
            and name.split("/")[3].isdigit()
            and name.split("/", 4)[4:] == [base])


def accepted(addr):
    with open("/proc/net/unix") as f:
        for line in f:
            w = line.split()
            if len(w) == 8 and w[5] == "03" and shows(w[7], addr):
                return True
    return False


def stopped(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")


def idle(pid):
    with open("/proc/%d/wchan" % pid) as f:
        return "poll" in f.read()


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def main():
    d = sys.argv[1]
    sep = sys.argv.index("--")
    steps, argv = sys.argv[2:sep], sys.argv[sep + 1:]
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    out = open(os.path.join(d, "s.out"), "wb")
    err = open(os.path.join(d, "s.err"), "wb")
    if steps and steps[0] == "noread":
        steps = steps[1:]
        nr, nw = os.pipe()
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=nw,
                             stderr=err)
        os.close(nw)
    else:
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out,
                             stderr=err)
    w = p.stdin.fileno()
    for step in steps:
        verb, _, arg = step.partition(":")
        if verb in ("write", "put"):
            data = arg.encode().decode("unicode_escape").encode("latin-1")
            try:
                os.write(w, data)
            except BrokenPipeError:
                continue
            if verb == "write":
                until("send to read its input",
                      lambda: p.poll() is not None or unread(w) == 0)
        elif verb == "file":
            until(arg, lambda: os.path.exists(arg))
        elif verb == "lines":
            path, n = arg.rsplit(":", 1)
            until("%s lines in %s" % (n, path),
                  lambda: count_lines(path) >= int(n))
        elif verb == "kill":
            sig, pid = arg.split(":", 1)
            pid = pid_of(pid)
            os.kill(pid, getattr(signal, "SIG" + sig))
            # Stopped for real: it reads nothing more until CONT.
            if sig == "STOP":
                until("pid %d to stop" % pid, lambda: stopped(pid))
        elif verb == "gone":
            pid = pid_of(arg)
            until("pid %d to exit" % pid, lambda: gone(pid))
        elif verb == "accepted":
            until("a connection accepted on " + arg, lambda: accepted(arg))
        elif verb == "idle":
            pid = p.pid if arg == "send" else pid_of(arg)
            until("pid %d to wait in poll" % pid, lambda: idle(pid))
        elif verb == "sleep":
            time.sleep(float(arg))
        elif verb == "close":
            p.stdin.close()
        else:
            sys.exit("sendctl: unknown step " + step)
    try:
        status = p.wait(BOUND)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        status = "hung"
    print("status=%s" % status)


main()
