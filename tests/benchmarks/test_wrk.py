"""wrk.lua replays a requests file as written: each line's method, path and headers,
the threads together walking the file in order from where the last run stopped."""

from __future__ import annotations

import shutil

import pytest

from benchmarks import pages, server
from tests.benchmarks.test_openloop import SlowServer

pytestmark = pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")


def test_wrk_sends_each_lines_path_and_headers(tmp_path):
    lines = [
        pages.request_line(
            "GET",
            f"/pledges/{n}/?q=ward",
            [("Cookie", f"sessionid=member-{n}"), ("X-Radicals-Page-Cache", "off")],
        )
        for n in range(40)
    ]
    requests_file = tmp_path / "requests.tsv"
    requests_file.write_text("\n".join(lines) + "\n")

    with SlowServer(delay=0.05) as site:
        result = server.wrk(
            base=site.base,
            requests_file=requests_file,
            seconds=1,
            connections=2,
            threads=2,
            offset=10,
        )

    assert result["requests"] > 5
    sent = [int(path.split("/")[2]) for _at, _method, path in site.arrivals]
    # Two threads from line 10 take lines in turn: every line once, none before the
    # offset, and no gap but the first line or two wrk may draw before it connects.
    assert len(set(sent)) == len(sent)
    assert min(sent) >= 10 and max(sent) <= 10 + len(sent) + 2
    for number, headers in zip(sent, site.headers_seen, strict=True):
        assert headers["Cookie"] == f"sessionid=member-{number}"
        assert headers["X-Radicals-Page-Cache"] == "off"
