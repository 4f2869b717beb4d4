"""A client for peerrelay listeners, in the standard library alone.

peerrelay runs one fixed command for callers the kernel vouches for: a
listener (``peerrelay listen``) checks each caller's credentials and runs
its command once per request, the request on the command's standard input.
This package speaks the wire protocol exactly as ``peerrelay send`` does
(see PROTOCOL in peerrelay(1)), without starting a process per request::

    import peerrelay

    r = peerrelay.request("/run/peerrelay/admin.sock", b"",
                          action="restart-web", args=["nginx"],
                          expect_user="root", check=True)
    print(r.status, r.stdout, r.request_id)

    results = peerrelay.stream("@events", [b"one", b"two"],
                               expect_user="root")

Failures of peerrelay itself raise PeerrelayError, whose .status is the
status ``send`` exits with (65, 69, 70, 75, 77) and .reason says why; a
command's non-zero exit is a Result, and raises CommandFailed (a subclass
of PeerrelayError carrying the Result) only with check=True. Usage errors
(an empty address, an action or argument out of bounds, an abstract name
without expect_user or expect_group and without insecure=True) raise
ValueError, where ``send`` exits 64.

An abstract address (``@name``) can be bound by anyone first: pass
expect_user and/or expect_group, checked against the listener's
credentials (SO_PEERCRED, SO_PEERGROUPS) before anything is sent, or
insecure=True to accept that risk. A filesystem path is guarded by its
directory; expect_* may be given for it too.

Each call opens one connection and closes it before it returns: nothing is
shared between calls, threads or processes (so nothing is shared across
os.fork()). A listener that answers "r75 busy" (the caller's uid holds its
--max-conns-per-uid connections) is tried again, as ``send`` does, after a
pause of 10 ms doubling to 500 ms, until the timeout (5 seconds without
one). timeout (seconds) bounds the whole call: connecting, the retries,
sending and every reply; when it passes, PeerrelayError(75) is raised.

asyncio: the calls block. From a coroutine, run one in a thread
(``await asyncio.to_thread(peerrelay.request, address, data, ...)``), or
speak the protocol on the event loop itself: a non-blocking
``socket.socket(AF_UNIX, SOCK_SEQPACKET)``, ``await loop.sock_connect(s,
"\\0name")`` (check ``s.getsockopt(SOL_SOCKET, SO_PEERCRED, 12)`` first),
``await loop.sock_sendall(s, b"")`` for the hello, ``await
loop.sock_recv(s, 65537)`` for each reply (each recv is one datagram: the
'h' answer, the 'i' id, then 'o'/'e' output and one terminal reply per
request), ``await loop.sock_sendall(s, request)``, ``s.shutdown(SHUT_WR)``.
"""
from __future__ import annotations

import random
import socket
import time
from typing import Iterable, List, Optional, Sequence, Union

from . import _proto as P
from ._conn import Busy, Conn, resolve_group, resolve_user
from ._errors import CommandFailed, PeerrelayError, Result, StreamInterrupted
from ._stream import run_stream

__all__ = ["request", "stream", "Result", "PeerrelayError", "CommandFailed",
           "StreamInterrupted"]
__version__ = "0.1.0"

#: A busy listener is tried again for this long when no timeout is given, ...
BUSY_SECONDS = 5.0
#: ...after a pause of 10 ms, doubling up to 500 ms, with a little jitter.
BACKOFF_FIRST = 0.010
BACKOFF_MAX = 0.500

User = Union[str, int]


def _check_args(address: str, action: Optional[str], args: Sequence[str],
                expect_user: Optional[User], expect_group: Optional[User],
                insecure: bool):
    """The checks send makes before connecting: (uid, gid, header)."""
    if isinstance(args, (str, bytes)):
        raise TypeError("args: a sequence of strings, not one string")
    if (isinstance(address, str) and address.startswith("@") and
            expect_user is None and expect_group is None and not insecure):
        raise ValueError("address %s is an abstract name, which anyone may "
                         "bind first: give expect_user or expect_group, or "
                         "insecure=True" % address)
    uid = None if expect_user is None else resolve_user(expect_user)
    gid = None if expect_group is None else resolve_group(expect_group)
    hdr = b"" if action is None else P.header(action, list(args))
    if action is None and args:
        raise ValueError("args without an action")
    return uid, gid, hdr


def _connected(address: str, deadline: Optional[float], uid, gid,
               action: Optional[str]) -> Conn:
    """A connection, checked and greeted; busy tried again until late."""
    start = time.monotonic()
    busy_until = deadline if deadline is not None else start + BUSY_SECONDS
    delay = BACKOFF_FIRST
    busy = None
    while True:
        conn = Conn(address, deadline)
        try:
            conn.connect()
            conn.check(uid, gid)
            conn.hello()
        except Busy as b:
            conn.close()
            busy = b.reason
            left = busy_until - time.monotonic()
            if left <= 0:
                raise PeerrelayError(P.EX_TEMPFAIL, "%s: %s (still busy "
                                     "after %g s)" % (address, busy,
                                                      busy_until - start)
                                     ) from None
            # Jitter, so that callers turned away together part.
            time.sleep(min(delay + random.uniform(0, delay / 4), left))
            delay = min(delay * 2, BACKOFF_MAX)
            continue
        except PeerrelayError as e:
            conn.close()
            # The deadline came while trying again: it was still busy.
            if busy is not None and e.status == P.EX_TEMPFAIL:
                raise PeerrelayError(P.EX_TEMPFAIL, "%s: %s (still busy "
                                     "after %g s)" % (address, busy,
                                                      busy_until - start)
                                     ) from None
            raise
        except BaseException:
            conn.close()
            raise
        if action is not None and b"R" not in conn.grants:
            conn.close()
            raise PeerrelayError(P.EX_UNAVAILABLE, "%s: listener does not "
                                 "take actions" % address)
        return conn


def _deadline(timeout: Optional[float]) -> Optional[float]:
    if timeout is None:
        return None
    if timeout <= 0:
        raise ValueError("timeout %r: not positive" % (timeout,))
    return time.monotonic() + timeout


def _bytes(data: Union[bytes, bytearray, memoryview, str]) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)


def request(address: str, data: Union[bytes, str] = b"", *,
            action: Optional[str] = None, args: Sequence[str] = (),
            expect_user: Optional[User] = None,
            expect_group: Optional[User] = None,
            timeout: Optional[float] = None, check: bool = False,
            insecure: bool = False) -> Result:
    """Send one request to the listener at address; return its Result.

    data is the request (the command's standard input), as bytes (a str is
    encoded as UTF-8); with action, the payload behind the action request
    ACTION with args, which may be empty. Without an action, empty data is
    refused (65: an empty datagram cannot travel). expect_user and
    expect_group (names or numbers) are checked against the listener's
    credentials before anything is sent (77 on a mismatch). timeout bounds
    the whole call (75). check=True raises CommandFailed for a non-zero
    status. Raises PeerrelayError for peerrelay's own failures, ValueError
    for usage errors.
    """
    uid, gid, hdr = _check_args(address, action, args, expect_user,
                                expect_group, insecure)
    payload = _bytes(data)
    if not payload and action is None:
        raise PeerrelayError(P.EX_DATAERR, "empty input, nothing sent")
    if len(hdr) + len(payload) > P.MAX_REQUEST:
        raise PeerrelayError(P.EX_DATAERR, "input of %d bytes is larger "
                             "than a request can be (%d bytes), nothing "
                             "sent" % (len(payload), P.MAX_REQUEST -
                                       len(hdr)))
    conn = _connected(address, _deadline(timeout), uid, gid, action)
    try:
        if action is None and b"R" in conn.grants:
            hdr = P.DEFAULT_HEADER
        dgram = hdr + payload
        limit = conn.size(len(dgram))
        if len(dgram) > limit:
            raise PeerrelayError(P.EX_DATAERR, "input of %d bytes is larger"
                                 " than the socket can carry (%d bytes), "
                                 "nothing sent" % (len(dgram), limit))
        result = _one(conn, dgram)
    finally:
        conn.close()
    if check and result.status != 0:
        raise CommandFailed(result)
    return result


def _one(conn: Conn, dgram: bytes) -> Result:
    """Send one request, read its replies: its Result, or why not."""
    conn.sendall(dgram, "waiting for the listener to take the request")
    try:
        conn.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    out: List[bytes] = []
    err: List[bytes] = []

    def result(status: int) -> Result:
        return Result(status, b"".join(out), b"".join(err),
                      P.request_id(conn.conn_id, 1))

    while True:
        try:
            r = conn.recv("waiting for replies")
        except PeerrelayError as e:
            e.result = result(e.status)
            raise
        if r is None:
            raise PeerrelayError(P.EX_UNAVAILABLE, "%s: the listener closed "
                                 "the connection: record 1 unanswered" %
                                 conn.address, result(P.EX_UNAVAILABLE))
        if r.type == "o":
            out.append(r.data)
        elif r.type == "e":
            err.append(r.data)
        elif not r.terminal:
            continue
        elif r.count != 1:
            raise PeerrelayError(P.EX_SOFTWARE, "protocol error: a reply "
                                 "to no request")
        elif r.type == "t":
            raise PeerrelayError(P.EX_TEMPFAIL, "timed out (the listener's "
                                 "--timeout)", result(P.EX_TEMPFAIL))
        elif r.type == "r":
            reason = P.reason_text(r.data)
            if r.status == P.EX_UNAVAILABLE:
                reason = "the listener is stopping: " + reason
            else:
                reason = "refused: " + reason
            raise PeerrelayError(r.status, reason, result(r.status))
        else:
            return result(r.status)


def stream(address: str, records: Iterable[Union[bytes, str]], *,
           action: Optional[str] = None, args: Sequence[str] = (),
           expect_user: Optional[User] = None,
           expect_group: Optional[User] = None,
           timeout: Optional[float] = None, check: bool = False,
           insecure: bool = False) -> List[Result]:
    """Send each record as a request of its own on one connection.

    Like ``send --lines``: the hello is said, replies are read while
    records go (a print-mode listener acknowledges them in counts), and a
    record's failure does not stop the rest. Returns a Result per record,
    in order. A record refused alone (65, 70, 77) or ended by the
    listener's --timeout (75) has that status, and a line saying why at
    the end of its stderr. Records are all taken before connecting: an
    empty one (without an action) or one too large is refused (65) with
    nothing sent. When the listener closes or stops before every record
    is answered, or timeout passes, StreamInterrupted says which records
    were answered (its .results) and how many were sent. check=True
    raises CommandFailed for the first record with a non-zero status,
    once all are answered.
    """
    uid, gid, hdr = _check_args(address, action, args, expect_user,
                                expect_group, insecure)
    recs = [_bytes(r) for r in records]
    if not recs:
        raise PeerrelayError(P.EX_DATAERR, "no records, nothing sent")
    for i, rec in enumerate(recs, 1):
        if not rec and action is None:
            raise PeerrelayError(P.EX_DATAERR, "record %d is empty, nothing "
                                 "sent" % i)
        if len(hdr) + len(rec) > P.MAX_REQUEST:
            raise PeerrelayError(P.EX_DATAERR, "record %d: %d bytes, larger "
                                 "than a request can be, nothing sent" %
                                 (i, len(rec)))
    conn = _connected(address, _deadline(timeout), uid, gid, action)
    try:
        if action is None and b"R" in conn.grants:
            hdr = P.DEFAULT_HEADER
        biggest = max(len(r) for r in recs) + len(hdr)
        limit = conn.size(max(biggest, 1024 * 1024))
        if biggest > limit:
            raise PeerrelayError(P.EX_DATAERR, "a record of %d bytes is "
                                 "larger than the socket can carry (%d "
                                 "bytes), nothing sent" % (biggest, limit))
        results = run_stream(conn, [hdr + r for r in recs])
    finally:
        conn.close()
    if check:
        for r in results:
            if r.status != 0:
                raise CommandFailed(r)
    return results
