"""The Python client against the real listener ($PEERRELAY, else ../peerrelay).

Callers refused as another user really run as nobody (65534), through
setpriv, with the package from $PEERRELAY_PYTHONPATH (a copy others can
read; test/run.sh makes one), else this tree's python/; with
PEERRELAY_PYTHON=installed, the installed module throughout.
"""
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
# PEERRELAY_PYTHON=installed: the module as installed (python3-peerrelay's
# autopkgtest), else this tree's.
INSTALLED = os.environ.get("PEERRELAY_PYTHON") == "installed"
if not INSTALLED:
    sys.path.insert(0, PYDIR)

import peerrelay  # noqa: E402
from peerrelay import (CommandFailed, PeerrelayError,  # noqa: E402
                       StreamInterrupted)

PEERRELAY = os.environ.get("PEERRELAY",
                           os.path.join(os.path.dirname(PYDIR), "peerrelay"))
PYPATH = "" if INSTALLED else os.environ.get("PEERRELAY_PYTHONPATH", PYDIR)
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
IS_ROOT = os.geteuid() == 0
COUNTER = [0]


def wait_for(pred, what, seconds=10.0):
    """Poll pred until true (a readiness check, bounded)."""
    end = time.monotonic() + seconds
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("waited too long for " + what)
        time.sleep(0.01)


class Listener:
    """A `peerrelay listen` in the background; stdout, stderr in files."""

    def __init__(self, tdir, addr, opts=(), command=()):
        self.addr = addr
        self.out = os.path.join(tdir, "out")
        self.err = os.path.join(tdir, "err")
        argv = [PEERRELAY, "listen", *opts, addr]
        if command:
            argv += ["--", *command]
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.proc = subprocess.Popen(argv, stdout=o, stderr=e)
        wait_for(lambda: "listening on" in self.log() or
                 self.proc.poll() is not None, "the listener")
        if self.proc.poll() is not None:
            raise AssertionError("listener did not start: " + self.log())

    def log(self):
        with open(self.err, errors="replace") as f:
            return f.read()

    def output(self):
        with open(self.out, "rb") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Base(unittest.TestCase):
    def setUp(self):
        self.tdir = tempfile.mkdtemp(prefix="prpy.", dir="/tmp")
        os.chmod(self.tdir, 0o755)
        COUNTER[0] += 1
        self.name = "@prpy-%d-%d" % (os.getpid(), COUNTER[0])
        self.listeners = []

    def tearDown(self):
        for lst in self.listeners:
            lst.stop()
        shutil.rmtree(self.tdir, ignore_errors=True)

    def listen(self, *command, opts=(), addr=None):
        lst = Listener(self.tdir, addr or self.name, opts, command)
        self.listeners.append(lst)
        return lst

    def path(self, name):
        return os.path.join(self.tdir, name)

    def script(self, name, body, mode=0o755):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(body)
        os.chmod(p, mode)
        return p

    def as_nobody(self, code):
        """Run code in python3 as nobody; the JSON it prints last."""
        p = subprocess.run(NOBODY + [sys.executable, "-c", code],
                           env={"PYTHONPATH": PYPATH, "PATH": "/usr/bin:/bin"},
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return json.loads(p.stdout.decode().splitlines()[-1])


NOBODY_REQUEST = """
import json, peerrelay
try:
    r = peerrelay.request(%r, b"data", insecure=True)
    print(json.dumps({"status": r.status, "ok": True}))
except peerrelay.PeerrelayError as e:
    print(json.dumps({"status": e.status, "reason": e.reason}))
"""


class Replies(Base):
    def test_the_module_under_test_is_the_one_meant(self):
        where = os.path.dirname(os.path.abspath(peerrelay.__file__))
        want = "/usr/lib/python3/dist-packages/peerrelay" if INSTALLED \
            else os.path.join(PYDIR, "peerrelay")
        self.assertEqual(where, want)

    def test_exit_status_output_and_request_id(self):
        self.listen("/bin/sh", "-c", 'cat; printf "%s" "$PEERRELAY_REQUEST_ID"'
                    ' >&2; exit 3')
        r = peerrelay.request(self.name, b"hi\n", insecure=True)
        self.assertEqual((r.status, r.stdout), (3, b"hi\n"))
        self.assertRegex(r.request_id, r"^[0-9a-f]{12}-[0-9]+\.1$")
        self.assertEqual(r.stderr.decode(), r.request_id)
        self.assertIsInstance(r, tuple)

    def test_binary_payload_with_nul_and_0xff_round_trips(self):
        self.listen("/bin/cat")
        data = bytes(range(256)) * 200 + b"\0\xff\0"
        r = peerrelay.request(self.name, data, insecure=True)
        self.assertEqual((r.status, r.stdout), (0, data))
        rs = peerrelay.stream(self.name, [b"\0", b"\xff\0\xff", b"a\nb"],
                              insecure=True)
        self.assertEqual([x.stdout for x in rs], [b"\0", b"\xff\0\xff",
                                                  b"a\nb"])

    def test_a_request_larger_than_the_default_socket_buffer(self):
        self.listen("/usr/bin/wc", "-c", opts=["--max-size", "3000000"])
        r = peerrelay.request(self.name, b"\xff" * 2500000, insecure=True)
        self.assertEqual((r.status, r.stdout.strip()), (0, b"2500000"))
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x" * (4 * 1024 * 1024 + 1),
                              insecure=True)
        self.assertEqual(cm.exception.status, 65)
        self.assertIn("nothing sent", cm.exception.reason)

    def test_signal_is_128_plus_n_and_check_raises_command_failed(self):
        self.listen("/bin/sh", "-c", "cat >/dev/null; kill -TERM $$")
        r = peerrelay.request(self.name, b"x", insecure=True)
        self.assertEqual(r.status, 128 + signal.SIGTERM)
        with self.assertRaises(CommandFailed) as cm:
            peerrelay.request(self.name, b"x", insecure=True, check=True)
        self.assertEqual(cm.exception.status, 143)
        self.assertEqual(cm.exception.result.status, 143)
        self.assertIsInstance(cm.exception, PeerrelayError)
        self.assertEqual(str(cm.exception), "killed by signal 15 (status 143)")
        again = pickle.loads(pickle.dumps(cm.exception))
        self.assertEqual((type(again), again.status, again.result),
                         (CommandFailed, 143, cm.exception.result))

    def test_listener_timeout_is_75(self):
        self.listen("/bin/sleep", "30", opts=["--timeout", "1"])
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x", insecure=True)
        self.assertEqual(cm.exception.status, 75)
        self.assertIn("--timeout", cm.exception.reason)
        self.assertNotIsInstance(cm.exception, CommandFailed)

    def test_print_mode_acknowledges_one_and_counts_many(self):
        lst = self.listen(opts=["--format", "raw"])
        r = peerrelay.request(self.name, b"one", insecure=True)
        self.assertEqual(r.status, 0)
        self.assertIsNotNone(r.request_id)
        recs = [b"r%d" % i for i in range(2000)]
        rs = peerrelay.stream(self.name, recs, insecure=True)
        self.assertEqual(len(rs), 2000)
        self.assertTrue(all(x.status == 0 for x in rs))
        self.assertEqual(rs[-1].request_id.rsplit(".", 1)[1], "2000")
        wait_for(lambda: lst.output().count(b"r1999") == 1, "records")
        for rec in (b"one", b"r0", b"r1999"):
            self.assertIn(rec, lst.output())

    def test_refused_too_large_is_65_and_empty_is_65(self):
        self.listen("/bin/cat", opts=["--max-size", "16"])
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x" * 100, insecure=True)
        self.assertEqual(cm.exception.status, 65)
        self.assertIn("refused", cm.exception.reason)
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"", insecure=True)
        self.assertEqual(cm.exception.status, 65)
        rs = peerrelay.stream(self.name, [b"ok", b"y" * 100, b"ok2"],
                              insecure=True)
        self.assertEqual([x.status for x in rs], [0, 65, 0])
        self.assertIn(b"refused", rs[1].stderr)
        self.assertEqual(rs[2].stdout, b"ok2")

    def test_refused_caller_nobody_is_77(self):
        lst = self.listen("/bin/cat")
        got = self.as_nobody(NOBODY_REQUEST % self.name)
        self.assertEqual(got["status"], 77, got)
        self.assertIn("not allowed", got["reason"])
        wait_for(lambda: "uid=65534" in lst.log() or "65534" in lst.log(),
                 "the denial's log line")

    def test_allowed_caller_nobody_runs(self):
        self.listen("/bin/cat", opts=["--allow-user", "nobody"])
        got = self.as_nobody(NOBODY_REQUEST % self.name)
        self.assertEqual(got, {"status": 0, "ok": True})

    def test_nothing_listening_is_69_plain_server_is_69(self):
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.path("none.sock"), b"x")
        self.assertEqual(cm.exception.status, 69)
        # A plain SEQPACKET server takes the hello for the end of stream.
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        srv.bind(self.path("plain.sock"))
        srv.listen(1)

        def serve():
            c, _ = srv.accept()
            while c.recv(100):
                pass
            c.close()
        t = threading.Thread(target=serve)
        t.start()
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.path("plain.sock"), b"x", timeout=10)
        t.join()
        srv.close()
        self.assertEqual(cm.exception.status, 69)
        self.assertIn("before answering", cm.exception.reason)


class Actions(Base):
    def rules(self, *lines):
        p = self.script("rules", "".join(line + "\n" for line in lines),
                        0o644)
        return self.listen(opts=["--rules", p])

    def test_action_with_arguments_and_payload(self):
        cmd = self.script("cmd.sh", '#!/bin/sh\nprintf "%s|" "$@"\ncat\n')
        self.rules("permit greet user root %s hello {[a-z]+}" % cmd,
                   "permit default user root %s plain" % cmd)
        r = peerrelay.request(self.name, b"\0pay\xff", action="greet",
                              args=["world"], insecure=True)
        self.assertEqual((r.status, r.stdout), (0, b"hello|world|\0pay\xff"))
        r = peerrelay.request(self.name, action="greet", args=["abc"],
                              insecure=True)
        self.assertEqual(r.stdout, b"hello|abc|")
        r = peerrelay.request(self.name, b"data", insecure=True)
        self.assertEqual(r.stdout, b"plain|data")
        rs = peerrelay.stream(self.name, [b"1", b"", b"3"], action="greet",
                              args=["x"], insecure=True)
        self.assertEqual([x.stdout for x in rs], [b"hello|x|1", b"hello|x|",
                                                  b"hello|x|3"])

    def test_argument_refused_by_slot_65_unknown_action_77(self):
        cmd = self.script("cmd.sh", "#!/bin/sh\necho ran\n")
        self.rules("permit greet user root %s {[a-z]+}" % cmd)
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, action="greet", args=["A1"],
                              insecure=True)
        self.assertEqual(cm.exception.status, 65)
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, action="nosuch", insecure=True)
        self.assertEqual(cm.exception.status, 77)
        self.assertIn("not allowed: nosuch", cm.exception.reason)
        with self.assertRaises(ValueError):
            peerrelay.request(self.name, action="greet", args=[""],
                              insecure=True)

    def test_action_to_a_listener_without_rules_is_69(self):
        self.listen("/bin/cat")
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x", action="greet", insecure=True)
        self.assertEqual(cm.exception.status, 69)
        self.assertIn("does not take actions", cm.exception.reason)


class Expect(Base):
    def test_abstract_name_needs_expect_or_insecure(self):
        self.listen("/bin/cat")
        with self.assertRaises(ValueError):
            peerrelay.request(self.name, b"x")
        with self.assertRaises(ValueError):
            peerrelay.stream(self.name, [b"x"])
        r = peerrelay.request(self.name, b"x", expect_user="root",
                              expect_group=0)
        self.assertEqual(r.stdout, b"x")
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x", expect_group="nogroup")
        self.assertEqual(cm.exception.status, 77)

    def test_squatter_refused_by_expect_user_gets_nothing(self):
        code = """
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\\0" + sys.argv[1][1:])
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
n = 0
while True:
    m = c.recv(65536)
    if not m:
        break
    n += 1
print("datagrams", n, flush=True)
"""
        sq = subprocess.Popen(NOBODY + [sys.executable, "-c", code,
                                        self.name], stdout=subprocess.PIPE)
        self.assertEqual(sq.stdout.readline(), b"ready\n")
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"secret", expect_user="root")
        self.assertEqual(cm.exception.status, 77)
        self.assertIn("uid 65534", cm.exception.reason)
        self.assertEqual(sq.stdout.readline(), b"datagrams 0\n")
        sq.wait()


class Stream(Base):
    def test_listener_dies_mid_stream_answered_records_are_those_run(self):
        log = self.path("ran")
        cmd = self.script("cmd.sh", '#!/bin/sh\nr=$(cat)\n'
                          'printf "%%s\\n" "$r" >>%s\n'
                          'if [ "$r" = die ]; then kill -KILL "$(cat %s)";'
                          ' fi\nprintf "%%s" "$r"\n' % (log, self.path("pid")))
        lst = self.listen(cmd)
        with open(self.path("pid"), "w") as f:
            f.write(str(lst.proc.pid))
        recs = [b"r%d" % i for i in range(1, 6)] + [b"die"] + \
            [b"s%d" % i for i in range(1, 20)]
        with self.assertRaises(StreamInterrupted) as cm:
            peerrelay.stream(self.name, recs, insecure=True, timeout=30)
        e = cm.exception
        self.assertEqual(e.status, 69)
        again = pickle.loads(pickle.dumps(e))
        self.assertEqual((again.results, again.sent), (e.results, e.sent))
        with open(log, "rb") as f:
            ran = f.read().split(b"\n")[:-1]
        # The commands received records 1 to 6, and nothing after "die".
        self.assertEqual(ran, recs[:6])
        # Answered: a prefix of those that ran, "die" not among them (its
        # listener was killed before it could answer); each with its
        # command's own output.
        n = len(e.results)
        self.assertLessEqual(n, 5)
        self.assertEqual([x.stdout for x in e.results], ran[:n])
        self.assertTrue(all(x.status == 0 for x in e.results))
        self.assertIn("%s answered, %d-25 unanswered" % (
            "record 1" if n == 1 else "records 1-%d" % n, n + 1)
            if n > 0 else "records 1-25 unanswered", e.reason)
        self.assertGreaterEqual(e.sent, 6)

    def test_no_records_and_empty_records_send_nothing(self):
        lst = self.listen(opts=["--format", "raw"])
        for recs in ([], [b"a", b""]):
            with self.assertRaises(PeerrelayError) as cm:
                peerrelay.stream(self.name, recs, insecure=True)
            self.assertEqual(cm.exception.status, 65)
        self.assertEqual(lst.output(), b"")


class Busy(Base):
    def hold(self):
        """A connection admitted (its hello answered), held open."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect("\0" + self.name[1:])
        s.send(b"")
        self.assertEqual(s.recv(100)[:1], b"h")
        return s

    def test_busy_is_tried_again_until_the_timeout(self):
        self.listen("/bin/cat", opts=["--max-conns-per-uid", "1"])
        held = self.hold()
        t0 = time.monotonic()
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x", insecure=True, timeout=1)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.assertEqual(cm.exception.status, 75)
        self.assertIn("busy", cm.exception.reason)
        held.close()

    def test_busy_then_free_succeeds(self):
        lst = self.listen("/bin/cat", opts=["--max-conns-per-uid", "1"])
        held = self.hold()
        got = {}

        def call():
            try:
                got["r"] = peerrelay.request(self.name, b"late",
                                             insecure=True, timeout=20)
            except PeerrelayError as e:
                got["e"] = e
        t = threading.Thread(target=call)
        t.start()
        wait_for(lambda: "busy" in lst.log(), "a busy refusal")
        held.close()
        t.join()
        self.assertNotIn("e", got)
        self.assertEqual(got["r"].stdout, b"late")


class Timeout(Base):
    def test_timeout_bounds_the_wait_for_replies(self):
        self.listen("/bin/sleep", "30")
        t0 = time.monotonic()
        with self.assertRaises(PeerrelayError) as cm:
            peerrelay.request(self.name, b"x", insecure=True, timeout=1)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(cm.exception.status, 75)
        self.assertIn("timed out", cm.exception.reason)
        with self.assertRaises(StreamInterrupted) as cm:
            peerrelay.stream(self.name, [b"a", b"b"], insecure=True,
                             timeout=1)
        self.assertEqual(cm.exception.status, 75)
        self.assertEqual(cm.exception.results, [])



class Install(Base):
    @unittest.skipUnless(os.path.exists("/usr/bin/python3"), "no python3")
    def test_pip_installs_into_a_venv_offline(self):
        src = self.path("src")
        shutil.copytree(PYDIR, src, ignore=shutil.ignore_patterns(
            "__pycache__", "build", "*.egg-info", "tests"))
        venv = self.path("v")
        subprocess.run(["/usr/bin/python3", "-m", "venv", venv], check=True,
                       timeout=120)
        p = subprocess.run([venv + "/bin/pip", "install", "--no-index",
                            "--no-build-isolation", src],
                           capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.listen("/bin/cat")
        p = subprocess.run([venv + "/bin/python", "-c",
                            "import peerrelay, sys; sys.stdout.buffer.write("
                            "peerrelay.request(%r, b'via venv', insecure=True)"
                            ".stdout); print(' ' + peerrelay.__file__)" %
                            self.name], capture_output=True, cwd="/",
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        out, where = p.stdout.decode().split(" ", 2)[:2], \
            p.stdout.decode().rsplit(" ", 1)[1]
        self.assertEqual(" ".join(out), "via venv")
        self.assertTrue(where.startswith(venv + "/lib/"), where)
        with open(os.path.join(os.path.dirname(where.strip()),
                               "py.typed")) as f:
            self.assertEqual(f.read(), "")


if __name__ == "__main__":
    unittest.main()


class DecodeFuzz(unittest.TestCase):
    """Any datagram a listener (or a squatter) may send is decoded or
    refused as a protocol error (70), never another exception; what is
    decoded keeps the protocol's bounds."""

    VALID = [b"o", b"ehi", b"hR", b"iab12-3_x", b"x0", b"x255", b"k9",
             b"k64", b"t", b"a", b"A1", b"A999999999", b"r77 not allowed",
             b"r75", b"zfuture"]

    def check(self, buf):
        from peerrelay import _proto as P
        try:
            r = P.decode(buf)
        except P.ProtocolError:
            return
        self.assertIn(r.type, ("", "o", "e", "h", "i", "x", "k", "t", "a",
                               "A", "r"), buf)
        if r.terminal:
            self.assertTrue(0 <= r.status <= 255, buf)
            self.assertTrue(1 <= r.count <= P.MAX_ACKS, buf)
        if r.type == "i":
            r.data.decode("ascii")
        if r.type == "r":
            self.assertGreaterEqual(r.status, 1, buf)
            P.reason_text(r.data)

    def test_random_and_mutated_replies(self):
        import random
        rnd = random.Random(21)
        for buf in self.VALID:
            self.check(buf)
        for _ in range(30000):
            if rnd.random() < 0.5:
                buf = bytearray(rnd.choice(self.VALID))
                for _ in range(rnd.randint(1, 4)):
                    op = rnd.randint(0, 2)
                    pos = rnd.randint(0, len(buf))
                    if op == 0:
                        buf[pos:pos] = bytes([rnd.randint(0, 255)])
                    elif op == 1 and buf:
                        del buf[min(pos, len(buf) - 1)]
                    elif buf:
                        buf[min(pos, len(buf) - 1)] = rnd.choice(
                            b"0123456789 -\x00\xffaA")
            else:
                buf = bytes(rnd.randint(0, 255)
                            for _ in range(rnd.randint(0, 12)))
            self.check(bytes(buf))
        for n in (65536, 65537):
            self.check(b"o" + b"\xff" * (n - 1))
