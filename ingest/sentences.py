"""Sentence boundaries as character spans, so a quoted sentence is an exact slice of its chunk.

Used to keep long paragraphs inside the model's window at ingest, and by the answerer to
pick the sentences it quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ITEM_MARK = "• "  # how a list item starts in a chunk's text

# Words whose full stop does not end a sentence in this corpus's style of English.
_ABBREVIATIONS = {"eg", "e.g", "ie", "i.e", "etc", "no", "para", "paras", "mr", "mrs", "ms",
                  "dr", "rt", "hon", "st", "vs", "cf", "approx", "fig", "vol"}
_END = re.compile(r"[.!?](?:[”’\")\]]+)?(?=\s+|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; `text[start:end]` is the sentence verbatim."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _END.finditer(text):
        end = match.end()
        word = re.search(r"([\w.]+)[.!?][”’\")\]]*$", text[start:end])
        if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        following = text[end:end + 3].lstrip()
        if following and not (following[0].isupper() or following[0].isdigit()
                              or following[0] in "“‘\"(•"):
            continue  # "(eg. tax and benefits)": a full stop that is not a sentence end
        if end > start:
            spans.append((start, end))
        start = _skip_space(text, end)
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


@dataclass(frozen=True)
class Unit:
    """A sentence or list item of a chunk, as a span of the chunk's text."""

    start: int
    end: int
    list_id: int | None = None  # the list an item or lead-in belongs to
    is_item: bool = False


def is_fragment(text: str) -> bool:
    """A short line with no sentence ending: a heading kept in the text ("Skills for chief
    technology officer"), which says nothing alone and is never quoted as an answer."""
    words = text.split()
    return len(words) < 8 and not text.rstrip().endswith((".", "!", "?", ":", "”", '"', ")"))


def text_units(text: str) -> list[Unit]:
    """Split a chunk into sentences and list items, remembering which items share a list."""
    out: list[Unit] = []
    offset, list_id, lists = 0, None, 0
    for line in text.split("\n"):
        if line.startswith(ITEM_MARK):
            if list_id is None:
                lists += 1
                list_id = lists
                if out and not out[-1].is_item and out[-1].end == offset - 1:
                    out[-1] = Unit(out[-1].start, out[-1].end, list_id)  # the list's lead-in
            out.append(Unit(offset + len(ITEM_MARK), offset + len(line), list_id, True))
        else:
            list_id = None
            out += [Unit(offset + s, offset + e) for s, e in sentence_spans(line)]
        offset += len(line) + 1
    return out
