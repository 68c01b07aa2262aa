"""The one definition of what the index stores beside each text: `ChunkMeta`.

Chroma keeps metadata as flat scalars, so lists and maps travel as JSON; everything else
in the bot reads typed fields from `ChunkMeta.from_store`, never a dict by string key.
Two levels: `chunk` records (a section or numbered paragraph, what is quoted) and `sentence`
records (one sentence or list item of a chunk, embedded on its own so a question can meet the
one sentence that answers it), each level in a collection of its own (ingest/store.py says
why); `level` still names it, and tells them apart in an index of the older one-collection
layout. A sentence record names its chunk and its span there, so its text is always an exact
slice of the chunk's.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field, fields, replace

CHUNK = "chunk"
SENTENCE = "sentence"


@dataclass(frozen=True, slots=True)
class ChunkMeta:
    """What the index stores beside a text. Slots, and strings interned as they are read
    (`from_store`), because the answering process holds one per chunk: read from the 10x
    store of bench/scale.py, 927 bytes a chunk with an instance dict and a copy of each
    string per chunk, 298 bytes with neither (tracemalloc), so about 6.8 MB less at 100x."""

    doc_id: str
    title: str
    file: str = ""
    url: str = ""
    section: str = ""
    paragraph: str = ""
    part: int = 0
    status: str = "current"
    kind: str = "guidance"
    date: str = ""
    date_label: str = ""
    status_note: str = ""
    superseded_by: str = ""
    publisher: str = ""
    sources: tuple[str, ...] = ()  # a summary's source pages
    links: dict[str, str] = field(default_factory=dict)  # link text -> URL, within the text
    level: str = CHUNK
    chunk_id: str = ""  # for a sentence: the chunk it is a slice of
    start: int = 0  # for a sentence: its span in the chunk's text
    end: int = 0

    @property
    def place(self) -> tuple[str, str, str]:
        """The document, section and paragraph: parts of one section share a place."""
        return self.doc_id, self.section, self.paragraph

    @property
    def is_summary(self) -> bool:
        return self.kind == "summary"

    def to_store(self) -> dict:
        data = asdict(self)
        data["sources"] = json.dumps(list(self.sources))
        data["links"] = json.dumps(self.links, ensure_ascii=False)
        return data

    @classmethod
    def from_store(cls, data: dict) -> ChunkMeta:
        known = {f.name for f in fields(cls)}
        # Interned: a document's title, URL, publisher... are the same in each of its chunks
        values = {k: sys.intern(v) if isinstance(v, str) else v
                  for k, v in data.items() if k in known and v is not None}
        values["sources"] = tuple(_json(data.get("sources"), []))
        values["links"] = dict(_json(data.get("links"), {}))
        return cls(**values)

    def sentence(self, chunk_id: str, start: int, end: int) -> ChunkMeta:
        return replace(self, level=SENTENCE, chunk_id=chunk_id, start=start, end=end)


def _json(raw, default):
    if isinstance(raw, list | dict):
        return raw
    try:
        return json.loads(raw) if raw else default
    except (TypeError, ValueError):
        return default
