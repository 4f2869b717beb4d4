"""Wire protocol v1 of peerrelay, the client's side (see PROTOCOL in peerrelay(1)).

Replies are datagrams whose first byte is their type; this module decodes
them exactly as ``peerrelay send`` does (src/proto.c), and builds the
requests ``send`` builds.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional, Sequence

# sysexits(3), the statuses of peerrelay's own failures.
EX_DATAERR = 65
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_TEMPFAIL = 75
EX_NOPERM = 77

#: The largest request either side offers (Linux's SEQPACKET datagram bound).
MAX_REQUEST = 4 * 1024 * 1024
#: A reply is never larger than this, type byte included.
MAX_REPLY = 65536
#: A refusal's reason is kept up to this many bytes.
MAX_REASON = 256
#: An action's name, an argument, and how many arguments a request has.
MAX_ACTION = 64
MAX_ARG = 4096
MAX_ARGS = 64
#: The most requests one 'A' reply acknowledges.
MAX_ACKS = 999999999
MAX_SIGNAL = 64

#: The header of a plain record sent to a listener granting R.
DEFAULT_HEADER = b"default\0\0"

_CONN_ID = re.compile(rb"[A-Za-z0-9_-]{1,64}")
_NUMBER = re.compile(rb"[0-9]{1,4}")


class Reply(NamedTuple):
    """One decoded reply: type letter ('' for a type this version ignores)."""

    type: str
    terminal: bool
    status: int
    count: int
    data: bytes


class ProtocolError(ValueError):
    """A reply of a known type that breaks the protocol's rules."""


def _leading(data: bytes, maximum: int) -> "tuple[int, int]":
    m = _NUMBER.match(data)
    if m is None:
        raise ProtocolError("no number")
    end = m.end()
    if end < len(data) and data[end:end + 1].isdigit():
        raise ProtocolError("number too long")
    v = int(m.group())
    if v > maximum:
        raise ProtocolError("number out of range")
    return v, end


def decode(buf: bytes) -> Reply:
    """Classify one reply datagram; raise ProtocolError when malformed."""
    if not buf:
        raise ProtocolError("empty reply")
    if len(buf) > MAX_REPLY:
        raise ProtocolError("reply of %d bytes" % len(buf))
    t, data = chr(buf[0]), buf[1:]
    if t in "oehi":
        if t == "i" and _CONN_ID.fullmatch(data) is None:
            raise ProtocolError("malformed connection id")
        return Reply(t, False, 0, 0, data)
    if t == "x":
        v, used = _leading(data, 255)
        if used != len(data):
            raise ProtocolError("malformed exit status")
        return Reply(t, True, v, 1, b"")
    if t == "k":
        v, used = _leading(data, MAX_SIGNAL)
        if v < 1 or used != len(data):
            raise ProtocolError("malformed signal")
        return Reply(t, True, 128 + v, 1, b"")
    if t == "t":
        return Reply(t, True, EX_TEMPFAIL, 1, b"")
    if t == "a":
        return Reply(t, True, 0, 1, b"")
    if t == "A":
        if (not 1 <= len(data) <= 9 or not data.isdigit() or
                data[:1] == b"0"):
            raise ProtocolError("malformed count")
        return Reply(t, True, 0, int(data), b"")
    if t == "r":
        v, used = _leading(data, 255)
        if v < 1:
            raise ProtocolError("malformed refusal")
        reason = data[used:]
        if reason[:1] == b" ":
            reason = reason[1:]
        return Reply(t, True, v, 1, reason)
    return Reply("", False, 0, 0, b"")


def reason_text(data: bytes) -> str:
    """A refusal's reason as text: its first MAX_REASON bytes, made safe."""
    cut = data[:MAX_REASON]
    text = "".join(chr(c) if 0x20 <= c < 0x7f and c != 0x5c else
                   "\\x%02x" % c for c in cut)
    return text + ("..." if len(data) > MAX_REASON else "")


def header(action: str, args: Sequence[str]) -> bytes:
    """An action request's header, ACTION NUL ARG NUL ... NUL NUL.

    Raises ValueError for what ``send`` refuses as a usage error: an empty
    action or argument, one over its bound, a NUL inside, too many.
    """
    a = action.encode() if isinstance(action, str) else bytes(action)
    if not a or len(a) > MAX_ACTION or b"\0" in a:
        raise ValueError("action %r: 1 to %d bytes, no NUL" %
                         (action, MAX_ACTION))
    if len(args) > MAX_ARGS:
        raise ValueError("action %s: %d arguments, more than %d" %
                         (action, len(args), MAX_ARGS))
    out = [a]
    for i, arg in enumerate(args, 1):
        b = arg.encode() if isinstance(arg, str) else bytes(arg)
        if not b or len(b) > MAX_ARG or b"\0" in b:
            raise ValueError("action %s: argument %d: 1 to %d bytes, "
                             "no NUL" % (action, i, MAX_ARG))
        out.append(b)
    return b"\0".join(out) + b"\0\0"


def request_id(conn_id: Optional[str], ordinal: int) -> Optional[str]:
    """A request's id: the connection's, '.', its ordinal; None without one."""
    return None if conn_id is None else "%s.%d" % (conn_id, ordinal)
