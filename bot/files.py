"""Proposal files: the text of a .txt, .md, .docx or .pdf a user hands to `spendbot review`.

A proposal file comes from someone else, so it is read within limits (`ingest.limits`): a
.docx is measured as a zip before python-docx opens it, a PDF has page, size and time
budgets, a text file a size cap. Each refusal is one line naming the limit. Control
characters are removed from the text, because parts of it are shown back on a terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ingest.blocks import LoadError, printable
from ingest.limits import docx_text, pdf_pages

# A proposal is at most 40,000 characters (bot.review.MAX_PROPOSAL_CHARS); four bytes each
# in UTF-8 at the very most, so a text file larger than this is refused unread.
MAX_TEXT_BYTES = 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md", ".markdown", "")


def read_proposal(path: str) -> str:
    """The text of a proposal file (.txt, .md, .docx, .pdf), or of standard input for "-"."""
    from bot.review import MAX_PROPOSAL_CHARS, ProposalError

    if path == "-":
        return printable(_text(sys.stdin.buffer.read(MAX_TEXT_BYTES + 1), "standard input"))
    file = Path(path)
    name = printable(file.name)
    suffix = file.suffix.lower()
    try:
        if suffix == ".docx":
            return printable(docx_text(file))
        if suffix == ".pdf":
            # Enough text to know the proposal is too long, and no more.
            pages, _ = pdf_pages(file, max_chars=MAX_PROPOSAL_CHARS * 2)
            return printable("\n".join(pages))
        if suffix in TEXT_SUFFIXES:
            if file.stat().st_size > MAX_TEXT_BYTES:
                raise LoadError(f"the file is {file.stat().st_size:,} bytes; the limit is "
                                f"{MAX_TEXT_BYTES:,}")
            return printable(_text(file.read_bytes(), name))
    except LoadError as exc:
        raise ProposalError(f"Cannot read {name}: {exc}.") from exc
    except OSError as exc:
        raise ProposalError(f"Cannot read {name}: {exc.strerror or type(exc).__name__}.") \
            from exc
    raise ProposalError(f"Cannot review {printable(file.suffix)} files: use .txt, .md, .docx "
                        "or .pdf.")


def _text(data: bytes, name: str) -> str:
    if len(data) > MAX_TEXT_BYTES:
        raise _error(f"Cannot read {name}: it is over {MAX_TEXT_BYTES:,} bytes, the limit.")
    if b"\x00" in data[:4096]:
        raise _error(f"{name} looks like a binary file, not text.")
    return data.decode("utf-8-sig", errors="replace")


def _error(message: str) -> Exception:
    from bot.review import ProposalError

    return ProposalError(message)
