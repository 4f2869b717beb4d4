"""Many requests on one connection, as ``peerrelay send --lines`` sends them.

Records go as the socket takes them while replies are read, so neither
side waits on the other; each terminal reply answers the oldest record
unanswered (an 'A' reply several at once), and what each record came to is
kept in order.
"""
from __future__ import annotations

import errno
import select
import socket
import time
from typing import List

from . import _proto as P
from ._conn import Conn, remaining
from ._errors import PeerrelayError, Result, StreamInterrupted

#: Requests in flight at most: sending waits for replies beyond it.
MAX_INFLIGHT = 65536


def _span(first: int, last: int) -> str:
    return "record %d" % first if first == last else \
        "records %d-%d" % (first, last)


def what_became(results: List[Result], sent: int, total: int) -> str:
    """'records 1-3 answered, 4-5 unanswered', as send says it."""
    a = len(results)
    parts = []
    if a > 0:
        parts.append(_span(1, a) + " answered")
    if total > a:
        span = _span(a + 1, total)
        # "records 1-3 answered, 4-5 unanswered", as send says it.
        parts.append((span.split(" ", 1)[1] if a > 0 else span) +
                     " unanswered")
    text = ", ".join(parts)
    if sent < total:
        text += "; %d of %d sent" % (sent, total)
    return text


class _Run:
    """One stream's state: what is sent, what is answered."""

    def __init__(self, conn: Conn, dgrams: List[bytes]) -> None:
        self.conn = conn
        self.dgrams = dgrams
        self.sent = 0
        self.shut = False
        self.results: List[Result] = []
        self.out: List[bytes] = []
        self.err: List[bytes] = []

    def cut(self, status: int, why: str) -> StreamInterrupted:
        return StreamInterrupted(status, "%s: %s: %s" % (
            self.conn.address, why, what_became(self.results, self.sent,
                                                len(self.dgrams))),
            self.results, self.sent)

    def answer(self, status: int, note: bytes = b"") -> None:
        n = len(self.results) + 1
        self.results.append(Result(status, b"".join(self.out),
                                   b"".join(self.err) + note,
                                   P.request_id(self.conn.conn_id, n)))
        self.out, self.err = [], []

    def send_some(self) -> None:
        """Send as far as the socket takes, then the end of the stream."""
        sock = self.conn.sock
        while (not self.shut and self.sent < len(self.dgrams) and
               self.sent - len(self.results) < MAX_INFLIGHT):
            try:
                sock.send(self.dgrams[self.sent])
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.EMSGSIZE, errno.ENOBUFS, errno.ENOMEM):
                    raise PeerrelayError(P.EX_DATAERR, "record %d: %s" % (
                        self.sent + 1, e.strerror)) from None
                # The listener closed: what it answered is still to read.
                self.shut = True
                return
            self.sent += 1
        if not self.shut and self.sent == len(self.dgrams):
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self.shut = True

    def take(self, r: P.Reply) -> None:
        """Act on one reply."""
        if r.type == "o":
            self.out.append(r.data)
            return
        if r.type == "e":
            self.err.append(r.data)
            return
        if not r.terminal:
            return
        if r.count > self.sent - len(self.results):
            raise PeerrelayError(P.EX_SOFTWARE, "protocol error: a reply "
                                 "to no request")
        if r.type == "r" and r.status == P.EX_UNAVAILABLE:
            # Stopping: this record and every later one did not run.
            raise self.cut(P.EX_UNAVAILABLE, "the listener is stopping")
        if r.type == "A":
            for _ in range(r.count):
                self.answer(0)
        elif r.type == "t":
            self.answer(P.EX_TEMPFAIL, b"peerrelay: timed out (the "
                        b"listener's --timeout)\n")
        elif r.type == "r":
            self.answer(r.status, b"peerrelay: refused: " +
                        P.reason_text(r.data).encode() + b"\n")
        else:
            self.answer(r.status)

    def read_some(self) -> bool:
        """Take every reply waiting; False once the listener has closed."""
        while len(self.results) < len(self.dgrams):
            try:
                buf = self.conn.sock.recv(P.MAX_REPLY + 1)
            except (BlockingIOError, InterruptedError):
                return True
            except ConnectionResetError:
                continue
            if not buf:
                return False
            self.take(self.conn.decode(buf))
        return True

    def run(self) -> List[Result]:
        self.conn.sock.setblocking(False)
        poller = select.poll()
        fd = self.conn.sock.fileno()
        while True:
            self.send_some()
            if len(self.results) == len(self.dgrams):
                return self.results
            want = select.POLLIN
            if not self.shut and self.sent < len(self.dgrams):
                want |= select.POLLOUT
            poller.register(fd, want)
            left = remaining(self.conn.deadline)
            if left is not None and left <= 0:
                raise self.cut(P.EX_TEMPFAIL, "timed out")
            try:
                ready = poller.poll(None if left is None else
                                    max(int(left * 1000), 1))
            except InterruptedError:
                continue
            if not ready and left is not None and \
                    time.monotonic() >= self.conn.deadline:
                raise self.cut(P.EX_TEMPFAIL, "timed out")
            if ready and ready[0][1] & (select.POLLIN | select.POLLHUP |
                                        select.POLLERR):
                if not self.read_some():
                    raise self.cut(P.EX_UNAVAILABLE, "the listener closed "
                                   "the connection")


def run_stream(conn: Conn, dgrams: List[bytes]) -> List[Result]:
    """Send every datagram on conn (hello answered); a Result for each."""
    return _Run(conn, dgrams).run()
