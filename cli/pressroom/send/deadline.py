"""A deadline for one whole step of a network conversation, which a socket timeout cannot give.

A socket timeout bounds each wait for data, so it catches a server that says
nothing. A server that trickles a byte a second never lets one wait run out,
and would hold a send forever. `Deadline.within(seconds)` bounds the step as a
whole: when the time is up, a timer shuts the connection down, the blocked read
returns at once, and `expired` tells the caller why it failed. mailer.py
wraps every SMTP command in one.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class Deadline:
    """Watches one connection; `attach` it as soon as the socket exists, then time each step."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # A second descriptor of the same socket: shutting it down ends the connection
        # even after TLS has taken over (and detached) the original socket object.
        self._socket: socket.socket | None = None
        self._step = 0  # which step the running timer belongs to; 0 while none runs
        self.expired = False

    def attach(self, sock: socket.socket) -> None:
        """Watch `sock` from now on (a new connection replaces the one before)."""
        duplicate = sock.dup()
        with self._lock:
            old, self._socket = self._socket, duplicate
            late = self.expired and self._step != 0
        if old is not None:
            old.close()
        if late:  # time ran out while connecting: end the step now
            _shut(duplicate)

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Run the block with `seconds` in all; after them the connection is shut down."""
        with self._lock:
            self._step += 1
            step = self._step
            self.expired = False
        timer = threading.Timer(seconds, self._expire, args=(step,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            with self._lock:
                self._step = 0 if self._step == step else self._step

    def _expire(self, step: int) -> None:
        with self._lock:
            if self._step != step:  # that step has ended
                return
            self.expired = True
            sock = self._socket
        if sock is not None:
            _shut(sock)

    def close(self) -> None:
        """Stop watching and let go of the duplicate descriptor."""
        with self._lock:
            sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
