"""The shape every loader produces: a document as an ordered list of blocks.

A block is a paragraph or a list item with the heading path it sits under, so the chunker
can follow the document's structure and a citation can name its section or paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # ingest.manifest uses clean_text from here
    from ingest.manifest import DocumentInfo


@dataclass(frozen=True)
class Block:
    text: str
    section: tuple[str, ...] = ()
    paragraph: str | None = None  # numbered paragraph label ("33"), for PDF-style documents
    is_item: bool = False  # a list item; the paragraph before it is its lead-in


@dataclass
class LoadedDocument:
    info: DocumentInfo
    blocks: list[Block]
    links: dict[str, str] = field(default_factory=dict)  # link text -> absolute URL
    abbreviations: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class LoadError(Exception):
    """A file that cannot be turned into text; the reason is shown to the maintainer."""


_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
# Characters that change how a terminal or Slack shows the text around them rather than
# being shown: C0 and C1 controls (ESC starts terminal escapes; CR rewrites a line), DEL,
# and the bidirectional overrides and isolates (RLO shows "exe.txt" as "txt.exe").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      r"\u2066-\u2069]")


def clean_text(text: str) -> str:
    """One line of readable text: no control characters, single spaces."""
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def printable(text: str) -> str:
    """Text safe to show a person: control characters gone; newlines and tabs kept."""
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def normalise_key(text: str) -> str:
    """Letters and digits only, lower case: for matching headers against a title."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def table_row(header: list[str], cells: list[str]) -> str:
    """A table row as a sentence a reader can follow on its own: "Chief data officer — shared
    skills: Innovation in digital and data; Capability building for digital and data teams".
    The first cell names the row; every other cell is labelled by its column's header."""
    cells = [c.strip() for c in cells]
    parts = []
    for name, cell in zip(header[1:], cells[1:], strict=False):
        if cell:
            parts.append(f"{name.strip().lower()}: {cell}" if name.strip() else cell)
    return f"{cells[0]} — {'; '.join(parts)}" if parts else cells[0]
