"""Hostile files, made by the tests: small on disk, huge when inflated.

Deflate has a trick that makes these cheap to build: after a full flush the compressor
forgets its history, so compressing the same megabyte again gives the same bytes. A 2 GB
member is 2,048 copies of one ~1 KB block, written in a second; only its CRC needs the
2 GB to be walked (in C, about a second). The zip is written by hand because `zipfile`
cannot take data that is already compressed.
"""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MB = 1024 * 1024
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def repeated(head: bytes, unit: bytes, copies: int, tail: bytes) -> tuple[list[bytes], int, int]:
    """Raw deflate pieces for head + unit * copies + tail, with its CRC-32 and size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(tail, crc)
    return [first, *[block] * copies, last], crc, len(head) + len(unit) * copies + len(tail)


def write_zip(path: Path, members: Iterable[tuple[str, bytes | tuple[list[bytes], int, int]]],
              declared: dict[str, int] | None = None) -> Path:
    """A zip of (name, data) members; data already deflated is (pieces, crc, size).
    `declared` lies about a member's inflated size in its headers."""
    entries, offset = [], 0
    with path.open("wb") as out:
        for name, data in members:
            if isinstance(data, bytes):
                pieces, crc, size = [zlib.compress(data, 9)[2:-4]], zlib.crc32(data), len(data)
            else:
                pieces, crc, size = data
            size = (declared or {}).get(name, size)
            compressed = sum(map(len, pieces))
            encoded = name.encode()
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, compressed,
                                 size, len(encoded), 0)
            out.write(header + encoded)
            for piece in pieces:
                out.write(piece)
            entries.append((encoded, crc, compressed, size, offset))
            offset += len(header) + len(encoded) + compressed
        directory = b"".join(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, compressed,
                        size, len(encoded), 0, 0, 0, 0, 0, at) + encoded
            for encoded, crc, compressed, size, at in entries)
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                              len(directory), offset, 0))
    return path


def docx_of_spaces(path: Path, gigabytes: float = 2) -> Path:
    """A .docx of about 2 MB whose document.xml is 2 GB of spaces."""
    body = repeated(f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>'.encode(),
                    b" " * MB, int(gigabytes * 1024),
                    b"</w:t></w:r></w:p></w:body></w:document>")
    return write_zip(path, [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                            ("word/document.xml", body)])


def docx_of_paragraphs(path: Path, megabytes: int = 400) -> Path:
    """A .docx of about 1 MB holding 400 MB of one-word paragraphs."""
    paragraph = b"<w:p><w:r><w:t>spend</w:t></w:r></w:p>"
    body = repeated(f'<?xml version="1.0"?><w:document {W}><w:body>'.encode(),
                    paragraph * (MB // len(paragraph)), megabytes,
                    b"</w:body></w:document>")
    return write_zip(path, [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                            ("word/document.xml", body)])


def docx_that_understates(path: Path) -> Path:
    """A .docx whose headers say document.xml is 1 KB; it inflates to 1 GB."""
    body = repeated(f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>'.encode(),
                    b"a" * MB, 1024, b"</w:t></w:r></w:p></w:body></w:document>")
    return write_zip(path, [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                            ("word/document.xml", body)],
                     declared={"word/document.xml": 1024})


def docx_billion_laughs(path: Path) -> Path:
    """Entities that expand to gigabytes if a parser resolves them."""
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [{entities}]><w:document {W}><w:body><w:p><w:r>'
           "<w:t>We propose &j;</w:t></w:r></w:p></w:body></w:document>").encode()
    return write_zip(path, [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                            ("word/document.xml", xml)])


TEXT_LINE = b"BT /F1 12 Tf 72 700 Td (We propose a new hosting contract.) Tj ET\n"
COMMENT_LINE = b"%" + b" " * 1022 + b"\n"  # nothing to draw: quick to parse, slow to store


def pdf_sharing_one_stream(path: Path, pages: int = 20, megabytes: float = 70,
                           line: bytes = TEXT_LINE) -> Path:
    """A PDF of about 250 KB whose pages all draw one 70 MB content stream."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    stream = DecodedStreamObject()
    stream.set_data(line * int(megabytes * MB // len(line)))
    writer = PdfWriter()
    contents = writer._add_object(stream.flate_encode(level=9))
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = contents
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font})})
    with path.open("wb") as out:
        writer.write(out)
    return path


MEASURE = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
reader, path = sys.argv[1], Path(sys.argv[2])
try:
    if reader == "review":  # as `spendbot review` does before it loads the index
        from bot.review import check_proposal, read_proposal
        outcome = "read %d characters" % len(check_proposal(read_proposal(str(path))))
    else:
        from ingest.loaders import load_document
        from ingest.manifest import Manifest
        doc = load_document(path, Manifest().info_for(path))
        outcome = "read %d blocks" % len(doc.blocks)
except Exception as exc:
    outcome = str(exc)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec,
# so a child of a large pytest process would report the parent's size.
status = Path("/proc/self/status").read_text()
peak_kb = int(next(line.split()[1] for line in status.splitlines()
                   if line.startswith("VmHWM:")))
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  "peak_mb": peak_kb / 1024}))
"""


def measure(reader: str, path: Path) -> dict:
    """Read `path` in a child process capped at 2 GB of address space (so a regression fails
    the test instead of the machine): its outcome, seconds and peak resident megabytes."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    result = subprocess.run([sys.executable, "-c", MEASURE, reader, str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, preexec_fn=cap)
    if result.returncode != 0 or "Traceback" in result.stderr:
        raise AssertionError(f"the reader failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)
