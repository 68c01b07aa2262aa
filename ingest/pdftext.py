"""Text extracted from a PDF: strip page furniture, rejoin wrapped lines, find numbered paragraphs.

Government strategy papers are cited by paragraph number ("paragraph 21"), so each numbered
paragraph becomes its own unit with its sub-items, under the heading it appears beneath.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.blocks import Block, clean_text, normalise_key

PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$",
                         re.I)
PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
SUB_ITEM = re.compile(r"^\((\d{1,2}|[a-z])\)\s+(\S.*)$")
BULLET = re.compile(r"^[•·▪‣◦●]\s*(.+)$")
PAGE_BREAK = "\f"  # kept between pages: a heading may open a page with no blank line above


def remove_page_furniture(pages: list[str], title: str) -> list[str]:
    """Drop page numbers, running headers/footers and the title repeated as a header.

    A line counts as furniture when it is a bare page number, when it repeats the document
    title (in any case), or when the same short line sits at the top or bottom of several pages.
    """
    title_key = normalise_key(title)
    edges: Counter[str] = Counter()
    for page in pages:
        lines = [clean_text(line) for line in page.splitlines() if clean_text(line)]
        for line in {*lines[:2], *lines[-2:]}:
            edges[line] += 1
    repeated = {line for line, count in edges.items()
                if len(pages) > 1 and count >= max(2, len(pages) // 2) and len(line) <= 80}

    def is_furniture(line: str) -> bool:
        key = normalise_key(line)
        return bool(PAGE_NUMBER.match(line) or line in repeated
                    or (key and title_key and key == title_key))

    out: list[str] = []
    for number, page in enumerate(pages):
        if number:
            out.append(PAGE_BREAK)
        for line in page.splitlines():
            cleaned = clean_text(line)
            if not (cleaned and is_furniture(cleaned)):  # furniture goes without a trace
                out.append(cleaned)
    return out


def _heading_like(line: str) -> bool:
    words = line.split()
    return (0 < len(words) <= 8 and len(line) <= 60 and line[0].isupper()
            and not re.search(r"[.:;,!?”\"’]$", line)
            and not PARAGRAPH.match(line) and not SUB_ITEM.match(line)
            and not BULLET.match(line))


def parse_pdf_text(lines: list[str]) -> tuple[list[Block], str | None]:
    """Blocks from cleaned lines; also the first heading, a fallback title."""
    blocks: list[Block] = []
    section: tuple[str, ...] = ()
    paragraph: str | None = None
    last_number = 0
    current: list[str] = []
    current_is_item = False
    first_heading: str | None = None

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(Block(_join(current), section, paragraph, current_is_item))
            current = []

    for index, line in enumerate(lines):
        if line == PAGE_BREAK:
            continue  # a paragraph may run on across the page
        if not line:
            flush()
            current_is_item = False
            continue
        before_blank = index == 0 or lines[index - 1] in ("", PAGE_BREAK)
        after = _next_line(lines, index)
        numbered = PARAGRAPH.match(line)
        if numbered and last_number < int(numbered.group(1)) <= last_number + 3:
            flush()
            last_number = int(numbered.group(1))
            paragraph, current_is_item = str(last_number), False
            current = [numbered.group(2)]
            continue
        after_numbered = PARAGRAPH.match(after)
        opens_paragraph = bool(after_numbered) and int(after_numbered.group(1)) > last_number
        if _heading_like(line) and (opens_paragraph or (before_blank and not after)):
            flush()
            section, paragraph = (line,), None
            first_heading = first_heading or line
            continue
        if item := (SUB_ITEM.match(line) or BULLET.match(line)):
            flush()
            current, current_is_item = [line if SUB_ITEM.match(line) else item.group(1)], True
            continue
        current.append(line)
    flush()
    return blocks, first_heading


def _next_line(lines: list[str], index: int) -> str:
    for rest in range(index + 1, min(index + 3, len(lines))):
        if lines[rest] != PAGE_BREAK:
            return lines[rest]
    return ""


def _join(lines: list[str]) -> str:
    """Rejoin wrapped lines; a line-end hyphen before a lower-case word is a split word."""
    text = lines[0]
    for line in lines[1:]:
        if text.endswith("-") and line[:1].islower() and not text.endswith(" -"):
            text += line
        else:
            text += " " + line
    return text
