"""Cut documents into chunks that follow their structure: one section or numbered paragraph each.

A chunk never mixes two sections, so its citation can name exactly one ("People",
"paragraph 33"). A section longer than the model reads (256 word pieces) is split between
blocks, and a list split in two repeats its lead-in so each half still makes sense.
Ids hash the document id and the exact text embedded: unchanged text keeps its id across
runs, which is what makes re-ingest incremental.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from itertools import groupby

from ingest.blocks import Block, LoadedDocument
from ingest.sentences import split_sentences

MAX_CHARS = 900  # about 200 word pieces: inside the model's 256-piece window
ITEM_MARK = "• "
SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    text: str  # what is stored and quoted: paragraphs, and list items starting with "• "
    embed_text: str  # what is embedded: the text under its document title and section
    section: tuple[str, ...]
    paragraph: str | None
    part: int
    metadata: dict

    @property
    def slot(self) -> str:
        """Where the chunk sits in its document, to tell an edited chunk from a new one."""
        return f"{self.doc_id}|{SECTION_SEPARATOR.join(self.section)}|{self.paragraph}|{self.part}"


def section_label(section: tuple[str, ...] | list[str], paragraph: str | None) -> str:
    """How a citation names a place in a document: "People" or "Strategy, paragraph 21"."""
    label = SECTION_SEPARATOR.join(section)
    if paragraph:
        label = f"{label}, paragraph {paragraph}" if label else f"paragraph {paragraph}"
    return label


def chunk_document(doc: LoadedDocument) -> list[Chunk]:
    info = doc.info
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for (section, paragraph), blocks in groupby(doc.blocks, key=lambda b: (b.section,
                                                                              b.paragraph)):
        for part, texts in enumerate(_pack(list(blocks))):
            text = "\n".join(texts)
            label = section_label(section, paragraph)
            embed_text = "\n".join(filter(None, (info.title, label, text)))
            digest = hashlib.sha256(f"{info.id}\x1f{embed_text}".encode()).hexdigest()[:24]
            chunk_id = f"{info.id}:{digest}"
            while chunk_id in seen:  # the same words twice in one section
                chunk_id += "+"
            seen.add(chunk_id)
            links = {label_: url for label_, url in doc.links.items() if label_ in text}
            metadata = {
                "doc_id": info.id, "file": info.file, "title": info.title, "url": info.url,
                "section": SECTION_SEPARATOR.join(section), "paragraph": paragraph or "",
                "part": part, "status": info.status, "kind": info.kind,
                "date": info.date, "date_label": info.date_label,
                "status_note": info.status_note, "superseded_by": info.superseded_by,
                "publisher": info.publisher, "sources": json.dumps(list(info.sources)),
                "links": json.dumps(links, ensure_ascii=False),
            }
            chunks.append(Chunk(chunk_id, info.id, text, embed_text, section, paragraph, part,
                                metadata))
    return chunks


def _pack(blocks: list[Block]) -> list[list[str]]:
    """Group one section's blocks into chunk-sized runs, carrying a list's lead-in over."""
    runs: list[list[str]] = [[]]
    size = 0
    lead_in: str | None = None
    for block in _fit(blocks):
        line = ITEM_MARK + block.text if block.is_item else block.text
        if not block.is_item:
            lead_in = block.text if block.text.rstrip().endswith(":") else None
        if runs[-1] and size + len(line) > MAX_CHARS:
            runs.append([])
            size = 0
            if block.is_item and lead_in:
                runs[-1].append(lead_in)
                size = len(lead_in)
        runs[-1].append(line)
        size += len(line) + 1
    return [run for run in runs if run]


def _fit(blocks: list[Block]) -> list[Block]:
    """Split any single paragraph too long for one chunk into runs of whole sentences."""
    out: list[Block] = []
    for block in blocks:
        if len(block.text) <= MAX_CHARS:
            out.append(block)
            continue
        piece = ""
        for sentence in split_sentences(block.text):
            if piece and len(piece) + len(sentence) + 1 > MAX_CHARS:
                out.append(replace(block, text=piece))
                piece = ""
            piece = f"{piece} {sentence}" if piece else sentence
        if piece:
            out.append(replace(block, text=piece))
    return out
