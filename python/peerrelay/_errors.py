"""The results and exceptions of the peerrelay client."""
from __future__ import annotations

from typing import List, NamedTuple, Optional


class Result(NamedTuple):
    """What one request came to.

    status: the command's exit status, 128+N when signal N ended it (in
    print mode, 0 once the record was written); stdout, stderr: the bytes
    the command wrote; request_id: the id the listener logged the request
    under and gave the command (PEERRELAY_REQUEST_ID), None from a
    listener that sends none.
    """

    status: int
    stdout: bytes
    stderr: bytes
    request_id: Optional[str]


class PeerrelayError(Exception):
    """peerrelay's own failure, with send's exit status.

    status: 65 bad input (empty, too large, a malformed request), 69
    cannot connect, the listener closed or is stopping, or takes no
    actions, 70 internal or protocol error, 75 timed out (or still busy),
    77 refused (denied by the listener, an action not the caller's, or the
    listener failed expect_user/expect_group). reason: a message for a
    person. result: the output received before the failure, when a
    request had been sent, else None.
    """

    def __init__(self, status: int, reason: str,
                 result: Optional[Result] = None) -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason
        self.result = result

    def __str__(self) -> str:
        return "%s (status %d)" % (self.reason, self.status)

    def __reduce__(self):  # type: ignore[override]
        # Pickled whole (multiprocessing, concurrent.futures).
        return (type(self), (self.status, self.reason, self.result))


class CommandFailed(PeerrelayError):
    """The remote command failed and check=True was given.

    result: its Result; status: its status (128+N for signal N). A
    subclass of PeerrelayError, so one except clause catches every
    failure; catch CommandFailed first to tell the command's own apart.
    """

    def __init__(self, result: Result) -> None:
        sig = result.status - 128 if result.status > 128 else 0
        super().__init__(result.status, "killed by signal %d" % sig if sig
                         else "exit status %d" % result.status, result)

    def __reduce__(self):  # type: ignore[override]
        return (type(self), (self.result,))


class StreamInterrupted(PeerrelayError):
    """A stream cut short: some records were never answered.

    results: the Results of the records answered, records 1 to
    len(results) in order; sent: how many records went to the listener
    (those after len(results) may or may not have run); status 69 when the
    listener closed or is stopping, 75 when the timeout came.
    """

    def __init__(self, status: int, reason: str, results: List[Result],
                 sent: int) -> None:
        super().__init__(status, reason)
        self.results = results
        self.sent = sent

    def __reduce__(self):  # type: ignore[override]
        return (type(self), (self.status, self.reason, self.results,
                             self.sent))
