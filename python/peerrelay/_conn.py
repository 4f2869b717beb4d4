"""One connection to a listener, as ``peerrelay send`` opens it.

Connecting within the timeout, the listener's credentials checked
(SO_PEERCRED, SO_PEERGROUPS) before anything is sent, the send buffer sized
for the largest request, the hello said and its answer read, and each reply
read and decoded within the deadline.
"""
from __future__ import annotations

import errno
import grp
import os
import pwd
import socket
import struct
import time
from typing import Optional, Union

from . import _proto as P
from ._errors import PeerrelayError

#: Linux's SO_PEERGROUPS, which Python's socket module may not name.
SO_PEERGROUPS = getattr(socket, "SO_PEERGROUPS", 59)
#: Linux's SO_SNDBUFFORCE: root may exceed net.core.wmem_max.
SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)
#: Unix datagram sockets refuse a datagram within this of SO_SNDBUF.
SNDBUF_SLACK = 32


class Busy(Exception):
    """The listener answered r75 busy first: nothing ran, try again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sockaddr(address: str) -> Union[str, bytes]:
    """ADDRESS as connect(2) takes it: '@name' is an abstract name."""
    if not isinstance(address, str) or address in ("", "@"):
        raise ValueError("address %r: empty" % (address,))
    raw = os.fsencode(address)
    if raw.startswith(b"@"):
        raw = b"\0" + raw[1:]
    elif b"\0" in raw:
        raise ValueError("address %r: NUL byte in a path" % (address,))
    # sun_path is 108 bytes; a path needs its NUL, an abstract name not.
    if len(raw) > (108 if raw[:1] == b"\0" else 107):
        raise ValueError("address %r: longer than sun_path" % (address,))
    return raw


def resolve_user(user: Union[str, int]) -> int:
    """A user name or uid as a uid; ValueError for an unknown name."""
    if isinstance(user, int):
        return user
    if user.isdigit():
        return int(user)
    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        raise ValueError("expect_user %r: no such user" % (user,)) from None


def resolve_group(group: Union[str, int]) -> int:
    """A group name or gid as a gid; ValueError for an unknown name."""
    if isinstance(group, int):
        return group
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValueError("expect_group %r: no such group" %
                         (group,)) from None


def remaining(deadline: Optional[float]) -> Optional[float]:
    """Seconds left until deadline (monotonic), None for no deadline."""
    if deadline is None:
        return None
    return deadline - time.monotonic()


class Conn:
    """One connection: open, check, hello, replies."""

    def __init__(self, address: str, deadline: Optional[float]) -> None:
        self.address = address
        self.deadline = deadline
        self.grants = b""
        self.conn_id: Optional[str] = None
        self.said_hello = False
        self.sock = socket.socket(socket.AF_UNIX,
                                  socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)

    def close(self) -> None:
        self.sock.close()

    def timed_out(self, what: str) -> PeerrelayError:
        return PeerrelayError(P.EX_TEMPFAIL, "%s: timed out %s" %
                              (self.address, what))

    def connect(self) -> None:
        """Connect; a full backlog waits until the deadline (as send)."""
        left = remaining(self.deadline)
        if left is not None:
            if left <= 0:
                raise self.timed_out("connecting")
            sec = int(left)
            usec = max(int((left - sec) * 1e6), 1 if sec == 0 else 0)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                                 struct.pack("ll", sec, usec))
        try:
            self.sock.connect(sockaddr(self.address))
        except (BlockingIOError, InterruptedError):
            raise self.timed_out("connecting") from None
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EINPROGRESS):
                raise self.timed_out("connecting") from None
            raise PeerrelayError(P.EX_UNAVAILABLE, "connect %s: %s" %
                                 (self.address, e.strerror)) from None
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                             struct.pack("ll", 0, 0))

    def check(self, uid: Optional[int], gid: Optional[int]) -> None:
        """The listener's own credentials, before anything is sent (77)."""
        if uid is None and gid is None:
            return
        size = struct.calcsize("3i")
        _, luid, lgid = struct.unpack("3i", self.sock.getsockopt(
            socket.SOL_SOCKET, socket.SO_PEERCRED, size))
        luid &= 0xffffffff
        lgid &= 0xffffffff
        if uid is not None and luid != uid:
            raise PeerrelayError(P.EX_NOPERM, "listener on %s runs as uid "
                                 "%d, expected %d; nothing sent" %
                                 (self.address, luid, uid))
        if gid is not None and lgid != gid and gid not in self.groups():
            raise PeerrelayError(P.EX_NOPERM, "listener on %s runs as uid "
                                 "%d, not in group %d; nothing sent" %
                                 (self.address, luid, gid))

    def groups(self) -> "list[int]":
        """The listener's supplementary groups (SO_PEERGROUPS)."""
        try:
            raw = self.sock.getsockopt(socket.SOL_SOCKET, SO_PEERGROUPS,
                                       1024)
        except OSError as e:
            raise PeerrelayError(P.EX_SOFTWARE, "listener credentials: %s"
                                 % e.strerror) from None
        n = len(raw) // 4
        return list(struct.unpack("%dI" % n, raw[:n * 4]))

    def size(self, want: int) -> int:
        """Ask for a send buffer taking want bytes; the largest it takes."""
        sol = socket.SOL_SOCKET
        cur = self.sock.getsockopt(sol, socket.SO_SNDBUF)
        if cur < want + SNDBUF_SLACK:
            v = (want + SNDBUF_SLACK) // 2 + 1
            try:
                self.sock.setsockopt(sol, SO_SNDBUFFORCE, v)
            except OSError:
                self.sock.setsockopt(sol, socket.SO_SNDBUF, v)
            cur = self.sock.getsockopt(sol, socket.SO_SNDBUF)
        return min(max(cur - SNDBUF_SLACK, 0), P.MAX_REQUEST)

    def recv(self, what: str) -> Optional[P.Reply]:
        """The next reply, None at the end of the stream; 75 when late."""
        while True:
            left = remaining(self.deadline)
            if left is not None and left <= 0:
                raise self.timed_out(what)
            self.sock.settimeout(left)
            try:
                buf = self.sock.recv(P.MAX_REPLY + 1)
            except socket.timeout:
                raise self.timed_out(what) from None
            except ConnectionResetError:
                # A reset is reported once; queued replies follow.
                continue
            except InterruptedError:
                continue
            if not buf:
                return None
            return self.decode(buf)

    def decode(self, buf: bytes) -> P.Reply:
        """A reply decoded; a protocol error is 70, as in send."""
        try:
            r = P.decode(buf)
        except P.ProtocolError as e:
            raise PeerrelayError(P.EX_SOFTWARE, "protocol error: %s (reply "
                                 "of type %r, %d bytes)" %
                                 (e, chr(buf[0]) if buf else "", len(buf))
                                 ) from None
        if r.type == "i":
            if not self.said_hello or self.conn_id is not None:
                raise PeerrelayError(P.EX_SOFTWARE, "protocol error: an "
                                     "unexpected connection id")
            self.conn_id = r.data.decode("ascii")
        return r

    def hello(self) -> None:
        """Say hello and read its answer: what is granted, or why not.

        Raises Busy for r75 busy, PeerrelayError for a denial (77), a
        stopping listener (69), a listener that closes (69: a plain
        SEQPACKET server takes the hello for the end of the stream).
        """
        self.sendall(b"", "saying hello")
        self.said_hello = True
        while True:
            r = self.recv("waiting for the listener to answer")
            if r is None:
                raise PeerrelayError(P.EX_UNAVAILABLE, "%s: the listener "
                                     "closed the connection before "
                                     "answering (not a peerrelay "
                                     "listener?)" % self.address)
            if r.type == "h":
                self.grants = r.data
                return
            if r.type == "i":
                raise PeerrelayError(P.EX_SOFTWARE, "protocol error: a "
                                     "connection id before the hello's "
                                     "answer")
            if r.type == "r" and r.status == P.EX_TEMPFAIL:
                raise Busy(P.reason_text(r.data))
            if r.type == "r" and r.status == P.EX_DATAERR:
                # A listener that knows no hello: it grants nothing.
                return
            if r.type == "r":
                raise PeerrelayError(r.status, "refused: " +
                                     P.reason_text(r.data))
            if r.terminal:
                raise PeerrelayError(P.EX_SOFTWARE, "protocol error: a "
                                     "reply to no request")

    def sendall(self, datagram: bytes, what: str) -> bool:
        """Send one datagram whole; False when the listener has closed."""
        left = remaining(self.deadline)
        if left is not None and left <= 0:
            raise self.timed_out(what)
        self.sock.settimeout(left)
        try:
            self.sock.send(datagram)
        except socket.timeout:
            raise self.timed_out(what) from None
        except (BrokenPipeError, ConnectionResetError):
            return False
        except OSError as e:
            if e.errno in (errno.EMSGSIZE, errno.ENOBUFS, errno.ENOMEM):
                raise PeerrelayError(P.EX_DATAERR, "request of %d bytes: %s,"
                                     " nothing sent" % (len(datagram),
                                                        e.strerror)) from None
            raise PeerrelayError(P.EX_UNAVAILABLE, "send: %s" %
                                 e.strerror) from None
        return True
