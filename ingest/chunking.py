"""Cut documents into chunks that follow their structure: one section or numbered paragraph each.

A chunk never mixes two sections, so its citation can name exactly one ("People",
"paragraph 33"). A section longer than the model reads (256 word pieces) is split between
blocks, and a list split in two repeats its lead-in so each half still makes sense.
Ids hash the document id and the exact text embedded: unchanged text keeps its id across
runs, which is what makes re-ingest incremental.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from itertools import groupby

from ingest.blocks import Block, LoadedDocument
from ingest.records import ChunkMeta
from ingest.sentences import ITEM_MARK, is_fragment, split_sentences, text_units

MAX_CHARS = 900  # about 200 word pieces: inside the model's 256-piece window
SECTION_SEPARATOR = " › "
__all__ = ["ITEM_MARK", "Chunk", "chunk_document", "section_label", "sentence_records"]


@dataclass(frozen=True)
class Chunk:
    """A record to index: a chunk of a document, or one sentence of a chunk."""

    id: str
    text: str  # what is stored and quoted: paragraphs, and list items starting with "• "
    embed_text: str  # what is embedded: the text under its document title and section
    meta: ChunkMeta

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    @property
    def metadata(self) -> dict:
        return self.meta.to_store()

    @property
    def slot(self) -> str:
        """Where the chunk sits in its document, to tell an edited chunk from a new one."""
        meta = self.meta
        return f"{meta.doc_id}|{meta.section}|{meta.paragraph or None}|{meta.part}"


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
            embed_text = "\n".join(filter(None, (info.embedded_title, label, text)))
            digest = hashlib.sha256(f"{info.id}\x1f{embed_text}".encode()).hexdigest()[:24]
            chunk_id = f"{info.id}:{digest}"
            while chunk_id in seen:  # the same words twice in one section
                chunk_id += "+"
            seen.add(chunk_id)
            links = {label_: url for label_, url in doc.links.items() if label_ in text}
            meta = ChunkMeta(
                doc_id=info.id, file=info.file, title=info.title, url=info.url,
                section=SECTION_SEPARATOR.join(section), paragraph=paragraph or "",
                part=part, status=info.status, kind=info.kind,
                date=info.date, date_label=info.date_label,
                status_note=info.status_note, superseded_by=info.superseded_by or "",
                publisher=info.publisher, sources=tuple(info.sources), links=links)
            chunks.append(Chunk(chunk_id, text, embed_text, meta))
    return chunks


def sentence_records(chunk: Chunk) -> list[Chunk]:
    """One record per sentence or list item of a chunk, embedded with its context.

    A question usually meets one sentence of a section ("new hosting contracts may last no
    more than 2 years"), and a chunk's vector is an average of everything it says; a vector
    per sentence lets the best sentence be found, and quoted, directly. The embedded text
    carries the title and section (and a list item its lead-in), so an item such as "no
    more than two years" still says what it is about.

    Tried and dropped (session 5, tuning sets, 631 questions): embedding the sentence
    without the document title answered 566 correctly and without title or section 561,
    against 569 with both. Alone a sentence is nearer a short question (cosine 0.75, not
    0.25, for "are auto extensions ever allowed?" and its red line), but so are sentences
    of other documents, and questions to decline then clear the relevance bar.
    """
    meta = chunk.meta
    label = section_label([meta.section] if meta.section else [], meta.paragraph or None)
    out: list[Chunk] = []
    units = text_units(chunk.text)
    seen: set[str] = set()
    for unit in units:
        text = chunk.text[unit.start:unit.end].strip()
        if len(text.split()) < 3 or (unit.list_id is not None and not unit.is_item) or (
                not unit.is_item and is_fragment(text)):
            continue  # a fragment, or a list's lead-in ("the following areas:"), says
            # nothing alone; each item is embedded with its lead-in instead
        lead = next((chunk.text[u.start:u.end] for u in units
                     if u.list_id == unit.list_id and not u.is_item), "") if unit.is_item else ""
        title = chunk.embed_text.partition("\n")[0]  # the document's embedded title
        embed_text = "\n".join(filter(None, (title, label, lead, text)))
        # Keyed by what is embedded, like chunks: an edit elsewhere in the section leaves
        # this sentence's id, and so its stored vector, as it was.
        digest = hashlib.sha256(f"{meta.doc_id}\x1f{embed_text}".encode()).hexdigest()[:24]
        sentence_id = f"{meta.doc_id}:s{digest}"
        if sentence_id in seen:
            continue  # the same words twice in one chunk: one record
        seen.add(sentence_id)
        out.append(Chunk(sentence_id, chunk.text[unit.start:unit.end], embed_text,
                         meta.sentence(chunk.id, unit.start, unit.end)))
    return out


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
