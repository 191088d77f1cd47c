"""An open-loop load generator: requests leave on a fixed schedule, whatever the server
does, and each one's latency counts from when it was *scheduled* to leave.

A closed-loop tool (wrk) sends a connection's next request only when the last one is
answered, so a slow server is sent less and its queueing never shows in the latencies
("coordinated omission"). Here request i is due at start + i / rate. When it is due it
goes out on an idle keep-alive connection, or on a new one when all are busy (up to
`max_connections`; past that it waits, and the wait counts), and its latency runs from
its due time to the last byte of the answer.

Raw HTTP/1.1 over asyncio protocols: a request is written whole, the answer is read by
Content-Length (or chunks), and the connection goes back to the pool unless the server
closed it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass
class Result:
    rate: float
    scheduled: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # from the due time
    send_lag_ms: list[float] = field(default_factory=list)  # sent minus due
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    connections_opened: int = 0
    seconds: float = 0.0

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        data = sorted(self.latencies_ms if values is None else values)
        if not data:
            return 0.0
        index = min(len(data) - 1, max(0, round(p / 100 * len(data) + 0.5) - 1))
        return data[index]

    def summary(self) -> dict:
        ok = sum(n for status, n in self.statuses.items() if 200 <= status < 400)
        return {
            "rate": round(self.rate, 1),
            "scheduled": self.scheduled,
            "answered": len(self.latencies_ms),
            "ok": ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
            "achieved_rps": round(ok / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50), 1),
            "p90_ms": round(self.percentile(90), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies_ms, default=0.0), 1),
            "send_lag_p99_ms": round(self.percentile(99, self.send_lag_ms), 1),
            "connections": self.connections_opened,
        }


def _encode(request: Request, host: str) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


class _Answer:
    """One HTTP/1.1 response at a time, read out of the bytes a connection receives: its
    status and whether the connection may be used again, once it is whole (by
    Content-Length, by chunks, or by the server closing)."""

    __slots__ = ("buffer", "status", "keep", "length", "chunked", "until_close")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._reset()

    def _reset(self) -> None:
        self.status: int | None = None
        self.keep = True
        self.length: int | None = None
        self.chunked = False
        self.until_close = False

    def feed(self, data: bytes) -> tuple[int, bool] | None:
        """Take `data`; (status, keep) once a response is whole, else None."""
        self.buffer += data
        buffer = self.buffer
        if self.status is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return None
            lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            del buffer[: end + 4]
            self.status = status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip().lower()
            self.keep = headers.get("connection") != "close" and lines[0].startswith("HTTP/1.1")
            if "content-length" in headers:
                self.length = int(headers["content-length"])
            elif headers.get("transfer-encoding") == "chunked":
                self.chunked = True
            elif status in (204, 304) or 100 <= status < 200:
                self.length = 0
            else:
                self.until_close, self.keep = True, False
        if self.length is not None:
            if len(buffer) < self.length:
                return None
            del buffer[: self.length]
            return self._whole()
        while self.chunked:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return None
            size = int(bytes(buffer[:line_end]).split(b";")[0], 16)
            if len(buffer) < line_end + size + 4:
                return None
            del buffer[: line_end + size + 4]
            if size == 0:
                return self._whole()
        return None

    def closed(self) -> tuple[int, bool] | None:
        """The response the server's closing ends, if it was read to the close."""
        if self.until_close and self.status is not None:
            return self._whole()
        return None

    def _whole(self) -> tuple[int, bool]:
        answer = (self.status, self.keep)
        self._reset()
        return answer


class _Connection(asyncio.Protocol):
    """One keep-alive connection: a request written whole, its answer read as it comes
    (no task and no stream per request: the generator shares the CPUs it measures)."""

    def __init__(self, run: _Run):
        self.run = run
        self.transport: asyncio.Transport | None = None
        self.answer = _Answer()
        self.index: int | None = None  # the request in flight
        self.sent_at = 0.0

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, index: int) -> None:
        self.index = index
        self.sent_at = now = self.run.loop.time()
        self.run.result.send_lag_ms.append((now - self.run.due(index)) * 1000)
        self.transport.write(self.run.encoded[index])

    def data_received(self, data: bytes) -> None:
        if self.index is None:
            return
        whole = self.answer.feed(data)
        if whole is not None:
            self.run.answered(self, *whole)

    def eof_received(self) -> bool:
        whole = self.answer.closed()
        if whole is not None and self.index is not None:
            self.run.answered(self, *whole)
        return False

    def connection_lost(self, exc) -> None:
        self.run.lost(self)


class _Run:
    """Requests dispatched when due: on an idle connection, on a new one while fewer
    than `max_connections` are open, or else queued for the next connection freed (the
    wait counts in their latency)."""

    def __init__(self, loop, host, port, encoded, *, rate, max_connections, timeout, result):
        self.loop, self.host, self.port = loop, host, port
        self.encoded, self.rate, self.timeout = encoded, rate, timeout
        self.max_connections, self.result = max_connections, result
        self.start = loop.time() + 0.05
        self.idle: list[_Connection] = []
        self.busy: set[_Connection] = set()
        self.waiting: collections.deque[int] = collections.deque()
        self.open = 0
        self.opened = 0
        self.remaining = len(encoded)
        self.finished = loop.create_future()
        if not encoded:
            self.finished.set_result(None)

    def due(self, index: int) -> float:
        return self.start + index / self.rate

    async def schedule(self) -> None:
        loop = self.loop
        for index in range(len(self.encoded)):
            delay = self.due(index) - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.dispatch(index)

    def dispatch(self, index: int) -> None:
        if self.idle:
            self._send(self.idle.pop(), index)
        elif self.open < self.max_connections:
            self.open += 1
            self.loop.create_task(self._connect(index))
        else:
            self.waiting.append(index)

    async def _connect(self, index: int) -> None:
        try:
            _transport, connection = await self.loop.create_connection(
                lambda: _Connection(self), self.host, self.port
            )
        except OSError:
            self.open -= 1
            self._failed()
            if self.waiting and self.open < self.max_connections:
                self.dispatch(self.waiting.popleft())
            return
        self.opened += 1
        self._send(connection, index)

    def _send(self, connection: _Connection, index: int) -> None:
        self.busy.add(connection)
        connection.send(index)

    def answered(self, connection: _Connection, status: int, keep: bool) -> None:
        result = self.result
        result.latencies_ms.append((self.loop.time() - self.due(connection.index)) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        connection.index = None
        self.busy.discard(connection)
        self._one_done()
        if not keep:
            connection.transport.close()  # `lost` follows, and dispatches what waits
        elif self.waiting:
            self._send(connection, self.waiting.popleft())
        else:
            self.idle.append(connection)

    def lost(self, connection: _Connection) -> None:
        self.open -= 1
        self.busy.discard(connection)
        if connection in self.idle:
            self.idle.remove(connection)
        if connection.index is not None:
            connection.index = None
            self._failed()
        if self.waiting and self.open < self.max_connections:
            self.dispatch(self.waiting.popleft())

    def _failed(self) -> None:
        self.result.errors += 1
        self._one_done()

    def _one_done(self) -> None:
        self.remaining -= 1
        if self.remaining == 0 and not self.finished.done():
            self.finished.set_result(None)

    def watch(self) -> None:
        """Every half second: abort a connection whose answer is overdue (its request
        counts as an error)."""
        if self.finished.done():
            return
        late = self.loop.time() - self.timeout
        for connection in [c for c in self.busy if c.sent_at < late]:
            connection.transport.abort()
        self.loop.call_later(0.5, self.watch)

    def close(self) -> None:
        for connection in [*self.idle, *self.busy]:
            connection.transport.close()


async def _run(
    base: str,
    requests: list[Request],
    *,
    rate: float,
    max_connections: int,
    timeout: float,
) -> Result:
    address = urlsplit(base)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    host_header = f"{host}:{port}"
    result = Result(rate=rate, scheduled=len(requests))
    loop = asyncio.get_running_loop()
    # Encoded before the clock starts: the generator shares the server's CPUs, so what
    # it spends while the requests run is taken from the server under test.
    encoded = [_encode(request, host_header) for request in requests]
    run = _Run(
        loop,
        host,
        port,
        encoded,
        rate=rate,
        max_connections=max_connections,
        timeout=timeout,
        result=result,
    )
    began = time.monotonic()
    run.watch()
    try:
        await run.schedule()
        await run.finished
    finally:
        result.seconds = time.monotonic() - began
        result.connections_opened = run.opened
        run.close()
    return result


def run(
    base: str,
    requests: list[Request],
    *,
    rate: float,
    max_connections: int = 512,
    timeout: float = 30.0,
) -> Result:
    """Send `requests` to `base` at `rate` a second, open loop; the latencies."""
    if rate <= 0:
        raise ValueError("The arrival rate must be positive.")
    with contextlib.closing(_new_loop()) as loop:
        return loop.run_until_complete(
            _run(base, requests, rate=rate, max_connections=max_connections, timeout=timeout)
        )


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (the dev extra has it): the generator
    runs on the machine it measures, and uvloop spent about a quarter less CPU a
    request than asyncio's own loop (docs/benchmarks.md); asyncio's otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
