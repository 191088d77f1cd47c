"""The tests' PDF reader (tests/learning/pdf_reading.py) takes a stream's data by its
/Length, as a PDF reader does: compressed data ending in a carriage return once read as
nothing, and a certificate's text came back empty about one run in a few hundred."""

import itertools
import zlib

import pytest

from tests.learning.pdf_reading import _stream


def _compressed_ending_in(last: int) -> tuple[bytes, bytes]:
    for n in itertools.count():
        payload = f"BT /F1 12 Tf (certificate {n}) Tj ET".encode()
        compressed = zlib.compress(payload)
        if compressed[-1] == last:
            return payload, compressed
    raise AssertionError("unreachable")


@pytest.mark.parametrize("last", [0x0D, 0x0A, 0x41])
def test_a_stream_is_read_to_its_length(last):
    payload, compressed = _compressed_ending_in(last)
    body = (
        b"<</Filter /FlateDecode /Length %d>>\nstream\n" % len(compressed)
        + compressed
        + b"\nendstream"
    )
    assert _stream(body) == payload


def test_a_stream_without_a_direct_length_is_read_to_its_end():
    body = b"<</Length 7 0 R>>\nstream\nBT (x) Tj ET\nendstream"
    assert _stream(body) == b"BT (x) Tj ET"
