"""An open-loop load generator: requests leave on a fixed schedule, whatever the server
does, and each one's latency counts from when it was *scheduled* to leave.

A closed-loop tool (wrk) sends a connection's next request only when the last one is
answered, so a slow server is sent less and its queueing never shows in the latencies
("coordinated omission"). Here request i is due at start + i / rate. When it is due it
goes out on an idle keep-alive connection, or on a new one when all are busy (up to
`max_connections`; past that it waits, and the wait counts), and its latency runs from
its due time to the last byte of the answer.

Raw HTTP/1.1 over asyncio streams: a request is written whole, the answer is read by
Content-Length (or chunks), and the connection goes back to the pool unless the server
closed it.
"""

from __future__ import annotations

import asyncio
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


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; (status, whether the connection may be used again)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip().lower()
    keep = headers.get("connection") != "close" and lines[0].startswith("HTTP/1.1")
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif status not in (204, 304) and not 100 <= status < 200:
        await reader.read()  # delimited by the server closing
        keep = False
    return status, keep


class _Pool:
    def __init__(self, host: str, port: int, max_connections: int):
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open = 0
        self.opened = 0
        self.max_connections = max_connections
        self.freed = asyncio.Condition()

    async def take(self):
        async with self.freed:
            while not self.idle and self.open >= self.max_connections:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.open += 1
        try:
            connection = await asyncio.open_connection(self.host, self.port)
        except OSError:
            await self.give(None)
            raise
        self.opened += 1
        return connection

    async def give(self, connection) -> None:
        async with self.freed:
            if connection is None:
                self.open -= 1
            else:
                self.idle.append(connection)
            self.freed.notify()

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()


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
    pool = _Pool(host, port, max_connections)
    result = Result(rate=rate, scheduled=len(requests))
    loop = asyncio.get_running_loop()
    # Encoded before the clock starts: the generator shares the server's CPUs, so what
    # it spends while the requests run is taken from the server under test.
    encoded = [_encode(request, host_header) for request in requests]
    start = loop.time() + 0.05

    async def one(index: int, request: bytes) -> None:
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        connection = None
        try:
            connection = await pool.take()
            reader, writer = connection
            result.send_lag_ms.append((loop.time() - due) * 1000)
            writer.write(request)
            await writer.drain()
            async with asyncio.timeout(timeout):  # no task of its own, as wait_for makes
                status, keep = await _read_answer(reader)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            if connection is not None:
                connection[1].close()
                await pool.give(None)
            return
        result.latencies_ms.append((loop.time() - due) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if keep:
            await pool.give(connection)
        else:
            connection[1].close()
            await pool.give(None)

    began = time.monotonic()
    try:
        await asyncio.gather(*(one(i, request) for i, request in enumerate(encoded)))
    finally:
        result.seconds = time.monotonic() - began
        result.connections_opened = pool.opened
        pool.close()
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
    runs on the machine it measures, and uvloop spends about a quarter less CPU a
    request than asyncio's own loop (docs/benchmarks.md); asyncio's otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
