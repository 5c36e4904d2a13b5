"""A fault-injecting TCP proxy on 127.0.0.1: relays bytes to a real server and cuts the connection on demand.

Arm it with ``cut(request_at=N)`` or ``cut(response_at=N)``: counting from the moment it is armed, the
proxy forwards exactly N bytes in that direction (client -> server or server -> client), then closes both
sockets of that connection. The fault fires once; later traffic passes untouched. ``on_request_sent``
fires when a whole HTTP request (headers + Content-Length body) has been forwarded to the server, so a
test can kill the server while it works on the batch. ``stalled.set()`` makes the network hang: bytes are
held back (not dropped) until it is cleared.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

REQUEST = "request"
RESPONSE = "response"


class FaultProxy:
    """Relays 127.0.0.1:<port> to 127.0.0.1:<upstream_port>, cutting connections where told."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._fault: tuple[str, int] | None = None
        self._counted = {REQUEST: 0, RESPONSE: 0}
        self.cuts = 0
        self.connections = 0
        self.on_request_sent: Callable[[], None] | None = None
        self._pending_request = bytearray()
        self._closed = False
        self.stalled = threading.Event()  # set: hold every byte back (a network that hangs, not one that drops)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    # ---- control --------------------------------------------------------------------------
    def cut(self, *, request_at: int | None = None, response_at: int | None = None) -> None:
        """Arm one cut after ``request_at`` bytes sent to the server or ``response_at`` bytes sent back."""
        if (request_at is None) == (response_at is None):
            raise ValueError("give exactly one of request_at, response_at")
        with self._lock:
            self._fault = (REQUEST, request_at) if request_at is not None else (RESPONSE, response_at or 0)
            self._counted = {REQUEST: 0, RESPONSE: 0}

    def reset_counts(self) -> None:
        """Start counting bytes in both directions from zero (to measure one exchange)."""
        with self._lock:
            self._counted = {REQUEST: 0, RESPONSE: 0}

    def counted(self, direction: str) -> int:
        """Bytes relayed in ``direction`` since the last reset or arming."""
        with self._lock:
            return self._counted[direction]

    @property
    def armed(self) -> bool:
        with self._lock:
            return self._fault is not None

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    # ---- relaying -------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()  # the server is down: the client sees a dropped connection and retries
                continue
            pair = (client, upstream)
            threading.Thread(target=self._pump, args=(client, upstream, REQUEST, pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, RESPONSE, pair), daemon=True).start()

    def _allowance(self, direction: str, size: int) -> tuple[int, bool]:
        """How many of ``size`` bytes may pass in ``direction``, and whether to cut after them."""
        with self._lock:
            seen = self._counted[direction]
            if self._fault is None or self._fault[0] != direction or self._fault[1] - seen > size:
                self._counted[direction] += size
                return size, False
            room = max(self._fault[1] - seen, 0)
            self._counted[direction] += room
            self._fault = None
            self.cuts += 1
            return room, True

    def _watch_request(self, chunk: bytes) -> None:
        """Fire on_request_sent when a whole request (by Content-Length) has gone to the server."""
        if self.on_request_sent is None:
            return
        buf = self._pending_request
        buf.extend(chunk)
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in bytes(buf[:end]).split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(buf) < total:
                return
            del buf[:total]
            callback = self.on_request_sent
            if callback is not None:
                callback()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str,
              pair: tuple[socket.socket, socket.socket]) -> None:
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                while self.stalled.is_set() and not self._closed:
                    time.sleep(0.02)
                allowed, cut_now = self._allowance(direction, len(chunk))
                if allowed:
                    dst.sendall(chunk[:allowed])
                    if direction == REQUEST:
                        self._watch_request(chunk[:allowed])
                if cut_now:
                    break
        except OSError:
            pass
        finally:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()
