"""Reading .pdf and .docx files within budgets, because the file may be hostile.

Both formats compress: a 75 KB PDF can ask for 20 pages that each draw one 70 MB stream,
and a 2 MB .docx can unpack to 2 GB of XML. Parsers inflate first and fail later, after
minutes and gigabytes. So sizes are checked before anything is parsed and while it is
inflated: for a .docx, the zip's declared member sizes and then the bytes each member
actually inflates to, against one budget, before python-docx opens it; for a PDF, a page
cap, budgets on the inflated page content, per page and in all (a stream drawn by 20 pages
counts 20 times, since its text is extracted 20 times), and a time budget. Each refusal is
one line that names the limit. Used by ingest (`ingest.loaders`) and by proposal review
(`bot.files`).
"""

from __future__ import annotations

import time
import zipfile
import zlib
from pathlib import Path

from ingest.blocks import LoadError

# pypdf extracts text from about half a megabyte of page content a second on a busy
# machine, and a page cannot be interrupted: the page budget bounds the time one page can
# take (a page of text is 2-50 KB), the time budget is checked between pages.
MAX_PDF_PAGES = 500
MAX_PAGE_CONTENT_BYTES = 1024 * 1024  # inflated content of one page
MAX_PDF_CONTENT_BYTES = 16 * 1024 * 1024  # inflated page content, all pages together
MAX_PDF_SECONDS = 5.0
MAX_DOCX_BYTES = 32 * 1024 * 1024  # every member of the zip, inflated
MAX_ZIP_MEMBERS = 2000
_CHUNK = 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def docx_text(path: Path, max_bytes: int = MAX_DOCX_BYTES) -> str:
    """The text of a .docx, paragraphs and table cells in order, line breaks and tabs kept."""
    import docx
    from docx.table import Table

    check_zip(path, max_bytes)
    try:
        document = docx.Document(str(path))
        lines: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    lines.append("\t".join(cell.text for cell in row.cells))
            else:
                lines.append(item.text)
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LoadError("not a readable .docx file") from exc
    except Exception as exc:  # python-docx and lxml raise many kinds on a broken package
        raise LoadError(f"not a readable .docx file ({type(exc).__name__})") from exc
    return "\n".join(lines)


def check_zip(path: Path, max_bytes: int) -> None:
    """Refuse a zip whose members unpack to more than `max_bytes`, by their declared sizes
    and then by the bytes they actually inflate to (a header can lie)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise LoadError(f"the file holds {len(members):,} parts; the limit is "
                                f"{MAX_ZIP_MEMBERS:,}")
            declared = sum(member.file_size for member in members)
            if declared > max_bytes:
                raise LoadError(f"the file unpacks to {_megabytes(declared)}; the limit is "
                                f"{_megabytes(max_bytes)}")
            actual = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        actual += len(chunk)
                        if actual > max_bytes:
                            raise LoadError(f"the file unpacks to over {_megabytes(max_bytes)}"
                                            f", the limit")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise LoadError(f"not a readable .docx file ({exc})") from exc


def pdf_pages(path: Path, max_chars: int | None = None) -> tuple[list[str], str]:
    """The text of each page, and the title in the PDF's metadata, within the budgets.

    `max_chars` stops early once that much text is out (review refuses more anyway)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    started = time.monotonic()
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError("the PDF is encrypted")
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise LoadError(f"the PDF has {count:,} pages; the limit is {MAX_PDF_PAGES:,}")
        budget = MAX_PDF_CONTENT_BYTES
        pages: list[str] = []
        for number, page in enumerate(reader.pages, start=1):
            size = _content_size(page, min(budget, MAX_PAGE_CONTENT_BYTES))
            if size > MAX_PAGE_CONTENT_BYTES:
                raise LoadError(f"page {number} of the PDF unpacks to over "
                                f"{_megabytes(MAX_PAGE_CONTENT_BYTES)}, the limit for one page")
            budget -= size
            if budget < 0:
                raise LoadError(f"the PDF's pages unpack to over "
                                f"{_megabytes(MAX_PDF_CONTENT_BYTES)} by page {number}, the "
                                "limit for a whole PDF")
            pages.append(page.extract_text() or "")
            if time.monotonic() - started > MAX_PDF_SECONDS:
                raise LoadError(f"reading the PDF took over {MAX_PDF_SECONDS:g} seconds (at "
                                f"page {number} of {count}), the limit")
            if max_chars is not None and sum(map(len, pages)) > max_chars:
                break
        title = (reader.metadata.title if reader.metadata else None) or ""
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError, RecursionError, zlib.error) as exc:
        raise LoadError(f"not a readable PDF ({type(exc).__name__})") from exc
    return pages, str(title)


def _content_size(page, budget: int) -> int:
    """Bytes the page's content streams (and the form XObjects it draws) inflate to, counted
    only up to `budget` + 1, so a huge stream is never inflated whole."""
    from pypdf.generic import ArrayObject

    total = 0
    seen: set[int] = set()
    pending = [page.get("/Contents")]
    resources = [page.get("/Resources")]
    while pending or resources:
        if resources:
            found = resources.pop()
            found = found.get_object() if found is not None else None
            xobjects = found.get("/XObject") if found is not None else None
            for ref in (xobjects.get_object().values() if xobjects is not None else ()):
                xobject = ref.get_object()
                if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
                    seen.add(id(xobject))
                    pending.append(xobject)
                    resources.append(xobject.get("/Resources"))
            continue
        item = pending.pop()
        item = item.get_object() if item is not None else None
        if item is None:
            continue
        if isinstance(item, ArrayObject):
            pending.extend(item)
            continue
        total += _stream_size(item, budget - total + 1)
        if total > budget:
            break
    return total


def _stream_size(stream, limit: int) -> int:
    """The inflated size of one stream, up to `limit`: Flate streams are inflated piecewise
    and abandoned at the limit; other filters are decoded by pypdf (which caps each)."""
    raw = getattr(stream, "_data", b"") or b""
    filters = stream.get("/Filter")
    if filters is None:
        return len(raw)
    names = [str(f) for f in (filters if isinstance(filters, list) else [filters])]
    if names == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        size, data = 0, raw
        try:
            while data and size <= limit:
                out = inflater.decompress(data, _CHUNK)
                size += len(out)
                data = inflater.unconsumed_tail
                if not out:
                    break
            return size
        except zlib.error:
            pass  # a damaged stream: pypdf's own recovery decides what it holds
    return len(stream.get_data())
