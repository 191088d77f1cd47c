"""The open-loop generator sends on its schedule even when the server is slow, and
measures each latency from when the request was due, not from when it got out."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks import openloop


class SlowServer:
    """A tiny keep-alive HTTP server that takes `delay` seconds over every answer and
    notes when each request arrived."""

    def __init__(self, delay: float):
        arrivals = self.arrivals = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                arrivals.append((time.monotonic(), self.command, self.path))
                self.server.headers_seen.append(dict(self.headers))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                time.sleep(delay)
                body = b"signed"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.headers_seen = self.headers_seen = []
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _requests(count: int):
    return [
        openloop.Request("POST", f"/pledges/{n}/sign/", (("X-CSRFToken", "t"),))
        for n in range(count)
    ]


def test_it_sends_on_schedule_though_each_answer_takes_longer_than_the_gap():
    # 20 requests due 25 ms apart; the server takes 300 ms over each. A closed loop on
    # one connection would need 6 s to send them all; the open loop sends them in 0.5 s.
    with SlowServer(delay=0.3) as server:
        result = openloop.run(server.base, _requests(20), rate=40)

    assert result.summary()["ok"] == 20
    arrived = sorted(at for at, _method, _path in server.arrivals)
    # Margins wide enough for a machine busy with other tests; a closed loop is 6 s.
    assert arrived[-1] - arrived[0] == pytest.approx(19 / 40, abs=0.3)
    assert max(result.send_lag_ms) < 250
    assert {path for _at, _method, path in server.arrivals} == {
        f"/pledges/{n}/sign/" for n in range(20)
    }
    # Every answer took the server's 300 ms, counted from when it was due.
    assert min(result.latencies_ms) >= 290
    assert result.connections_opened > 1


def test_a_request_that_waits_for_a_connection_counts_its_wait():
    # One connection only: each request waits for the one before. Request 10 is due at
    # 90 ms but answered at about 1 s; its latency is that whole second, not the 100 ms
    # the server spent on it (the coordinated omission a closed loop makes).
    with SlowServer(delay=0.1) as server:
        result = openloop.run(server.base, _requests(10), rate=100, max_connections=1)

    assert result.connections_opened == 1
    assert max(result.latencies_ms) >= 800
    assert result.percentile(50) >= 400
    assert result.summary()["p99_ms"] >= 800


def test_a_server_that_is_not_there_counts_as_errors_not_latencies():
    with SlowServer(delay=0) as server:
        base = server.base
    result = openloop.run(base, _requests(3), rate=100)

    assert result.errors == 3
    assert result.latencies_ms == []


def test_it_refuses_a_rate_that_is_not_positive():
    with pytest.raises(ValueError, match="arrival rate"):
        openloop.run("http://127.0.0.1:9", _requests(1), rate=0)


def test_the_generator_runs_on_uvloop_where_it_is_installed():
    uvloop = pytest.importorskip("uvloop")
    loop = openloop._new_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_an_answer_is_whole_by_its_length_however_its_bytes_arrive():
    answer = openloop._Answer()
    assert answer.feed(b"HTTP/1.1 200 OK\r\nContent-Len") is None
    assert answer.feed(b"gth: 5\r\n\r\nsig") is None
    assert answer.feed(b"ned") == (200, True)
    assert answer.feed(
        b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    ) == (
        403,
        False,
    )


def test_a_chunked_answer_is_whole_at_its_last_chunk():
    answer = openloop._Answer()
    assert answer.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsig") is None
    assert answer.feed(b"ne\r\n3;x=1\r\nned\r\n") is None
    assert answer.feed(b"0\r\n\r\n") == (200, True)


def test_an_answer_without_a_length_is_whole_when_the_server_closes():
    answer = openloop._Answer()
    assert answer.closed() is None
    assert answer.feed(b"HTTP/1.0 200 OK\r\n\r\nsigned") is None
    assert answer.closed() == (200, False)
    assert openloop._Answer().feed(b"HTTP/1.1 204 No Content\r\n\r\n") == (204, True)


def test_an_answer_that_never_comes_is_an_error_after_the_timeout():
    with SlowServer(delay=1.5) as server:
        result = openloop.run(server.base, _requests(2), rate=100, timeout=0.5)

    assert result.errors == 2
    assert result.latencies_ms == []
