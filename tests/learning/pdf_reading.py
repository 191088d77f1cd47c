"""Reading the text a PDF shows, for tests of the certificates (no PDF library needed).

fpdf2 draws text in an embedded TrueType font as two-byte glyph codes; each font's
ToUnicode map turns them back into letters, as a PDF reader's copy and paste does."""

import re
import zlib


def _objects(data: bytes) -> dict[int, bytes]:
    return {
        int(number): body
        for number, body in re.findall(rb"(\d+) 0 obj\s*(.*?)\s*endobj", data, re.S)
    }


def _stream(body: bytes) -> bytes:
    """A stream object's data, decompressed: exactly /Length bytes after `stream`, as a
    PDF reader takes them (compressed data may itself end in a carriage return, which
    reading up to the end-of-line before `endstream` would cut off)."""
    start = re.search(rb"stream\r?\n", body)
    length = re.search(rb"/Length\s+(\d+)(?=\s*/|\s*>>)", body[: start.start()])
    if length:
        raw = body[start.end() : start.end() + int(length.group(1))]
    else:
        raw = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S).group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes, its backslash escapes undone."""
    out, i = bytearray(), 0
    while i < len(literal):
        ch = literal[i]
        if ch == 0x5C:  # backslash
            i += 1
            nxt = literal[i : i + 1]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", literal[i:]).group(0)
                out.append(int(digits, 8))
                i += len(digits)
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
        else:
            out.append(ch)
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text a PDF shows, read as a PDF reader reads it: each font's glyph codes turned
    into letters through the font's ToUnicode map."""
    objects = _objects(data)
    to_unicode: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        resources = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
        if not resources:
            continue
        for name, ref in re.findall(rb"/(F\d+)\s+(\d+) 0 R", resources.group(1)):
            font = objects[int(ref)]
            cmap_ref = re.search(rb"/ToUnicode\s+(\d+) 0 R", font)
            if cmap_ref is None:
                continue
            cmap = _stream(objects[int(cmap_ref.group(1))]).decode("latin-1")
            mapping = {}
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
            for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
                for start, end, text in re.findall(
                    r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
                ):
                    first = ord(bytes.fromhex(text).decode("utf-16-be"))
                    for offset in range(int(end, 16) - int(start, 16) + 1):
                        mapping[int(start, 16) + offset] = chr(first + offset)
            to_unicode[name] = mapping
    lines = []
    for body in objects.values():
        if b"stream" not in body or b"/Length" not in body:
            continue
        try:
            content = _stream(body)
        except zlib.error:
            continue
        if b" Tj" not in content:
            continue
        font = None
        for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if match.group(1):
                font = match.group(1)
                continue
            codes = _unescape(match.group(2))
            glyphs = [int.from_bytes(codes[i : i + 2], "big") for i in range(0, len(codes), 2)]
            lines.append("".join(to_unicode[font].get(glyph, "\ufffd") for glyph in glyphs))
    return "\n".join(lines)
