#!/usr/bin/env python3
"""Speak the protocol to a listener, byte for byte, for tests of rules mode.

usage: actclient.py ADDRESS [--hello] [--show-ids] DATAGRAM...

Connects (ADDRESS: @name or a path); with --hello, sends the hello and
prints its answer as `hello=REPLY`. Each DATAGRAM is a Python bytes
literal body (escapes such as \\0, \\n, \\xff, \\x27 decoded) sent as one
datagram; a send the listener has refused by closing ends the sending.
Every reply is printed on a line of its own, escaped: printable ASCII as
is but the backslash (\\\\), \\n, \\t, anything else \\xHH; a
connection id ('i' reply) as i<conn> unless --show-ids.
"""
import ast
import re
import socket
import sys

# The connection id an 'i' reply carries, shown as "i<conn>" (unless
# --show-ids) so that expected output does not depend on it.
CONN_ID = re.compile(rb"i[0-9a-f]{12}-[1-9][0-9]*")


def esc(b):
    out = []
    for c in b:
        if c == 0x5c:
            out.append("\\\\")
        elif c == 0x0a:
            out.append("\\n")
        elif c == 0x09:
            out.append("\\t")
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def main():
    args = sys.argv[1:]
    addr = args.pop(0)
    hello = "--hello" in args
    show_ids = "--show-ids" in args
    args = [a for a in args if a not in ("--hello", "--show-ids")]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect("\0" + addr[1:] if addr.startswith("@") else addr)
    try:
        if hello:
            s.send(b"")
            print("hello=" + esc(s.recv(65536)))
        for a in args:
            s.send(ast.literal_eval("b'" + a.replace("'", "\\x27") + "'"))
        s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    while True:
        m = s.recv(65536)
        if not m:
            break
        if not show_ids and CONN_ID.fullmatch(m):
            m = b"i<conn>"
        print(esc(m))


main()
