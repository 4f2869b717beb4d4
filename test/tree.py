#!/usr/bin/python3
# Hostile process trees for test/tree.bats, started by a request's command
# under a name (argv[0]) the test looks for:
#   tree.py daemon NAME     double fork, setsid(), stdio on /dev/null, then
#                           `sleep 300` as NAME; returns once the middle
#                           process has exited
#   tree.py deaf NAME       ignores TERM and waits for its child NAME-kid,
#                           a `sleep 300` that ignores TERM too
#   tree.py spawner NAME NOTE  on every TERM, writes "TERM" to NOTE and
#                           starts two more `sleep 300` as NAME-termkid;
#                           lives on
#   tree.py hopper NAME NOTE  ignores TERM; forks every 10 ms, the parent
#                           exiting, so its pid is never the same for long
# The last three are run as `exec -a NAME /usr/bin/python3 tree.py ROLE
# NAME ...`, so that the process itself is NAME; spawner and hopper write
# "ready" to NOTE once TERM is theirs to handle (deaf: once NAME-kid runs).
import os
import signal
import sys
import time


def sleeper(name):
    """A child running `sleep 300` as name; its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            os.execv("/bin/sleep", [name, "300"])
        finally:
            os._exit(127)
    return pid


def daemon(name):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            fd = os.open("/dev/null", os.O_RDWR)
            for i in 0, 1, 2:
                os.dup2(fd, i)
            os.execv("/bin/sleep", [name, "300"])
        os._exit(0)
    os.waitpid(pid, 0)


def deaf(name):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.waitpid(sleeper(name + "-kid"), 0)


def note(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def spawner(name, path):
    def on_term(sig, frame):
        note(path, "TERM")
        sleeper(name + "-termkid")
        sleeper(name + "-termkid")

    signal.signal(signal.SIGTERM, on_term)
    note(path, "ready")
    while True:
        signal.pause()


def hopper(path):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    note(path, "ready")
    while True:
        time.sleep(0.01)
        if os.fork() > 0:
            os._exit(0)


role = sys.argv[1]
if role == "daemon":
    daemon(sys.argv[2])
elif role == "deaf":
    deaf(sys.argv[2])
elif role == "spawner":
    spawner(sys.argv[2], sys.argv[3])
elif role == "hopper":
    hopper(sys.argv[3])
else:
    sys.exit("tree.py: no role " + role)
