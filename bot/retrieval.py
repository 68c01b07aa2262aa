"""Finding the passages that bear on a question: a retriever over the Chroma store.

`GuidanceRetriever.as_langchain()` gives it as a LangChain `BaseRetriever`, so later work can
compose it (re-ranking, a generative chain) without touching the answerer; the adapter is
built on first use (see `as_langchain` for why). Candidates come from Chroma's dense search over
chunks, from BM25 over the same chunks, and from Chroma's dense search over single
sentences; a chunk is ranked by the better of its own score and its best sentence's score,
each being cosine similarity plus how much of the question's (rarity-weighted) wording the
text contains. The best sentence travels with its passage, so the answer can lead with it.
The active index is looked up on each call, so a finished ingest is picked up without
a restart.

Chunks and sentences are searched in collections of their own (see ingest/store.py), with no
metadata filter: at the 100x corpus of bench/scale.py the filtered searches took 47 ms
(chunks) and 173 ms (sentences), the unfiltered ones 1.3 and 7.5 ms, and a whole search went
from 237 to 17 ms (bench/collection_queries.py, medians). An index of the older
one-collection layout still answers, with the filters, until the next ingest rebuilds it.
"""

from __future__ import annotations

import ctypes
import json
import logging
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bot.lexical import LexicalIndex, searchable, term_set
from ingest.embedding import TextEmbedder
from ingest.onnx_encoder import release_mapped_pages
from ingest.records import CHUNK, SENTENCE, ChunkMeta
from ingest.store import StoreUnavailable

log = logging.getLogger(__name__)
DENSE_CANDIDATES = 20
SENTENCE_CANDIDATES = 30
LEXICAL_CANDIDATES = 10
LEXICAL_WEIGHT = 0.3  # how much full word coverage adds to a cosine similarity
SENTENCE_INFO = 4096  # sentences whose chunk, span and words a snapshot keeps at most
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
PAGE = 100  # chunks per read from Chroma; see `_load` for why not more
PAGE_BYTES = 4096  # the memory page (madvise takes page-aligned addresses)


@dataclass(frozen=True)
class SentenceHit:
    """The sentence (or list item) of a chunk that best matches the question."""

    start: int
    end: int
    score: float  # cosine similarity of the sentence, embedded with its heading
    coverage: float
    relevance: float


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: `score` is cosine similarity, `coverage` the share of the question's
    weighted terms it contains, `relevance` the better of the chunk's and its best sentence's
    combined score (what ranking uses)."""

    chunk_id: str
    text: str
    meta: ChunkMeta
    score: float
    coverage: float = 0.0
    relevance: float = 0.0
    sources: tuple[str, ...] = ()  # the stored chunk texts `text` was assembled from
    lead: SentenceHit | None = None

    @property
    def place(self) -> tuple[str, str, str]:
        return self.meta.place

    @property
    def lead_text(self) -> str:
        return self.text[self.lead.start:self.lead.end] if self.lead else ""


def release_freed_memory() -> None:
    """Hand the heap pages freed since the last call back to the operating system.

    Chroma's `get` builds its results on several threads, each with its own glibc malloc
    arena, and glibc keeps what they free: loading the 10x corpus of bench/scale.py left the
    process 95 MB larger, 31 MB after `malloc_trim`, which takes a few milliseconds. A no-op
    where the C library is not glibc.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Let the threads of this process share `arenas` glibc malloc arenas (glibc only).

    Chroma answers each query on its own threads, and glibc gives each thread an arena of
    its own that keeps what it frees: over the 61 golden questions at the 100x corpus of
    bench/scale.py the answering process grew from 434 to 490 MB, with two arenas from 426
    to 456 MB. Call before Chroma starts its threads.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass


def level_filter(paired: bool, level: str) -> dict | None:
    """Chroma's `where` for one level of records: none in the paired layout, where each level
    has its collection; in the one-collection layout, a filter on the `level` metadata."""
    return None if paired else {"level": level}


class VectorFile:
    """The chunk vectors of a snapshot, written page by page to an unlinked scratch file and
    read back mapped: `matrix()`.

    A search reads a few rows (the cosine of each chunk that word search or a sentence
    found), and `release` unmaps them afterwards, so the vectors are resident only while
    they are read; the rest of the time they are the page cache's, which the kernel can
    drop and read back. Held in memory they were 16.6 MB of the answering process at the
    100x corpus of bench/scale.py (10,832 chunks of 384 float32), and building them there
    took twice that for a moment (the pages, then one array made of them). The values
    are the same float32 bytes either way, so every cosine is too (`bench/warm_answer.py
    --exact --dump`: the same answers byte for byte). Where no scratch file can be made,
    the vectors are held in memory as before. Peak RSS (`bench/scale.py --memory`, three
    processes each): at 30x 316-322 MB held, 311-314 MB mapped; at the bundled corpus
    259-262 MB either way.
    """

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []
        try:
            self._file = tempfile.TemporaryFile(prefix="spendbot-vectors-")
        except OSError:
            self._file = None
        self._rows = 0
        self._width = 0

    def add(self, block: np.ndarray) -> None:
        if self._file is not None:
            try:
                block.tofile(self._file)
            except OSError:  # the scratch disk is full: hold what was written in memory
                self._file.seek(0)
                written = np.fromfile(self._file, dtype=np.float32,
                                      count=self._rows * block.shape[1])
                self._blocks.append(written.reshape(self._rows, block.shape[1]))
                self._file.close()
                self._file = None
        if self._file is None:
            self._blocks.append(block)
        self._rows, self._width = self._rows + len(block), block.shape[1]

    def matrix(self) -> np.ndarray:
        if self._file is None or not self._rows:
            if self._file is not None:
                self._file.close()
            return (np.concatenate(self._blocks) if self._blocks
                    else np.zeros((0, 0), dtype=np.float32))
        with self._file:
            self._file.flush()
            return np.memmap(self._file, dtype=np.float32, mode="r",
                             shape=(self._rows, self._width))

    @staticmethod
    def release(matrix: np.ndarray) -> None:
        """Unmap the pages of a mapped `matrix` that reading it faulted in (a no-op for one
        held in memory). Its file's pages stay in the page cache: the next read faults them
        back in from there, and a search on another thread meanwhile reads the same bytes."""
        if isinstance(matrix, np.memmap) and matrix.size:
            start = matrix.ctypes.data - matrix.ctypes.data % PAGE_BYTES
            release_mapped_pages([(start, matrix.ctypes.data + matrix.nbytes - start)])


class NoIndexError(RuntimeError):
    """No ingest has completed yet in this store."""


@dataclass
class IndexSnapshot:
    """One collection as the answering process holds it: chunk texts, their typed metadata
    and vectors, and the word index. The Slack app, the reviewer and the CLI read this, never
    the retriever's private state."""

    name: str
    collection: Any  # the Chroma chunk collection, for dense search
    lexical: LexicalIndex
    ids: list[str]
    texts: list[str]
    metas: list[ChunkMeta]
    vectors: np.ndarray
    info: dict
    places: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    # The sentence collection; None for an index of the one-collection layout, where the
    # sentences are in `collection` and every query filters by level.
    sentences: Any = None
    # Sentence id -> (its chunk's index, its span in the chunk, its words with its
    # heading's), or None when its chunk is not in this index: read from the store the
    # first time a search finds the sentence. At most SENTENCE_INFO entries (about 1 KB
    # each), the oldest forgotten first: the bundled corpus has about 400 sentences, the
    # 100x corpus of bench/scale.py 37,914.
    sentence_info: dict[str, tuple[int, int, int, frozenset[str]] | None] = field(
        default_factory=dict)
    _remembering: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def derive(self, key: str, make: Callable[[], Any]) -> Any:
        """`make()`, made once for this snapshot and kept with it (two threads asking at
        once may both make it: it depends on the snapshot alone)."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def remember_sentence(self, sentence_id: str, meta: ChunkMeta, text: str) -> None:
        i = self.lexical.by_id.get(meta.chunk_id)
        known = None if i is None else (
            i, meta.start, meta.end, frozenset(term_set(text) | term_set(meta.section)))
        with self._remembering:  # the Slack app answers on several threads
            while len(self.sentence_info) >= SENTENCE_INFO:
                del self.sentence_info[next(iter(self.sentence_info))]
            self.sentence_info[sentence_id] = known

    def level_filter(self, level: str) -> dict | None:
        """The `where` a query needs for one level: none when the levels are paired."""
        return level_filter(self.sentences is not None, level)

    @property
    def documents(self) -> list[dict]:
        """What the index holds, per document (title, url, status, date...)."""
        return json.loads(self.info.get("documents") or "[]")

    @property
    def ingested_at(self) -> str:
        return str(self.info.get("ingested_at", "unknown"))

    def find(self, doc_id: str, clause: str) -> tuple[str, str, ChunkMeta] | None:
        """The stored chunk (id, text, meta) of `doc_id` that holds `clause` verbatim."""
        for chunk_id, text, meta in zip(self.ids, self.texts, self.metas, strict=True):
            if meta.doc_id == doc_id and clause in text:
                return chunk_id, text, meta
        return None

    def whole_section(self, passage: Passage) -> Passage:
        """The passage widened to every stored part of its section or numbered paragraph.

        Chunks are sized for the embedding model; quoting from the whole section means a
        list split across two chunks is still quoted whole. Lines a later part repeats (a
        list's lead-in) appear once. The lead sentence keeps pointing at the same words.
        """
        members = self.places.get(passage.place, [])
        if len(members) < 2:
            return replace(passage, sources=(passage.text,))
        lines: list[str] = []
        for i in members:
            lines += [line for line in self.texts[i].split("\n") if line not in lines]
        text = "\n".join(lines)
        lead = passage.lead
        if lead is not None:
            at = text.find(passage.text[lead.start:lead.end])
            lead = replace(lead, start=at, end=at + lead.end - lead.start) if at >= 0 else None
        return replace(passage, text=text, lead=lead,
                       sources=tuple(self.texts[i] for i in members))


class GuidanceRetriever:
    """The passages of the active index for a question (`passages`), and the index itself
    (`snapshot`). `mode` "dense" ranks by Chroma similarity alone, for comparison in
    `spendbot eval`."""

    def __init__(self, store: Any, embeddings: TextEmbedder, k: int = 8,
                 mode: str = "hybrid") -> None:
        self.store = store  # ingest.store.Store
        self.embeddings = embeddings
        self.k = k
        self.mode = mode
        self._loaded: IndexSnapshot | None = None

    def as_langchain(self) -> Any:
        """This retriever as a LangChain `BaseRetriever` (`invoke(question)` gives Documents
        with each passage's metadata and scores), built on first use.

        The answerer never calls LangChain's interface, and importing it is not free:
        `langchain_core.retrievers` brings LangSmith's tracing with it. A cold `spendbot ask`
        took 2.90 s with this class a `BaseRetriever` itself, 2.37 s without (median of 5,
        one after the other, on a VM with 25% steal time; bench/cold_ask.py)."""
        from bot.langchain_retriever import LangChainRetriever

        return LangChainRetriever(guidance=self)

    def snapshot(self) -> IndexSnapshot:
        """The active collection as held in memory; reloaded when an ingest switches it.

        If the store cannot be reached, the copy already held keeps answering (dense search
        falls back to the vectors in memory) until it comes back.
        """
        try:
            name = self.store.active_name()
            if not name:
                raise NoIndexError("the guidance has not been ingested yet")
            if self._loaded is None or self._loaded.name != name:
                self._loaded = self._load(name)
        except NoIndexError:
            raise
        except Exception as exc:
            if self._loaded is None:
                raise StoreUnavailable() from exc
            log.warning("vector store unreachable (%s); answering from the index in memory",
                        exc.__class__.__name__)
        return self._loaded

    def _load(self, name: str) -> IndexSnapshot:
        collection = self.store.get_collection(name)
        sentences = self.store.sentence_collection(collection)  # None: the one-collection layout
        # Read PAGE chunks at a time: Chroma holds 40-60 KB a record while it answers a
        # read (30x corpus of bench/scale.py: 61 MB for a moment for the first 1,000, 41-43 MB
        # for each later 1,000; 17 then 2-4 MB for each 100), and the whole read took as long
        # (1.2-1.4 s at 30x for either). The loaded process peaked at 281 MB with 1,000 a
        # read, 262 MB with 100, before any question; the peak after the golden questions
        # was within the noise (311-322 MB either way).
        ids, texts, metas, vectors = [], [], [], VectorFile()
        offset = 0
        while True:
            got = collection.get(include=["documents", "metadatas", "embeddings"],
                                 where=level_filter(sentences is not None, CHUNK),
                                 limit=PAGE, offset=offset)
            if not got["ids"]:
                break
            ids += got["ids"]
            texts += got["documents"]
            metas += [ChunkMeta.from_store(m) for m in got["metadatas"]]
            # float32 page by page: Chroma returns float64, twice the size, for the whole store
            vectors.add(np.asarray(got["embeddings"], dtype=np.float32).reshape(
                len(got["ids"]), -1))
            offset += len(got["ids"])
            del got
            release_freed_memory()
        info = dict(collection.metadata or {})
        glossary = json.loads(info.get("glossary") or "{}")
        words = [searchable(t, m) for t, m in zip(texts, metas, strict=True)]
        matrix = vectors.matrix()
        places: dict[tuple[str, str, str], list[int]] = {}
        for i, meta in enumerate(metas):
            places.setdefault(meta.place, []).append(i)
        for members in places.values():
            members.sort(key=lambda i: metas[i].part)
        lexical = LexicalIndex(ids, words, glossary)
        del words
        snapshot = IndexSnapshot(name, collection, lexical, ids, texts, metas, matrix, info,
                                 places, sentences)
        release_freed_memory()
        return snapshot

    def passages(self, query: str, expanded: str | None = None,
                 snapshot: IndexSnapshot | None = None) -> list[Passage]:
        """The best passages for `query`, best first. `expanded` is the query with the
        guidance's own words for chat words added (for word matching; dense search embeds the
        question as asked, which is what the model was trained to compare). `snapshot` is
        the index to search, by default the active one: an answer passes the one it read the
        question with, so all its searches use one index and the pointer is read once per
        answer, not once per search (a two-sided question searches three times)."""
        loaded = snapshot or self.snapshot()
        vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        similarity = self._dense(loaded, vector)
        if self.mode == "dense":
            ranked = sorted(similarity.items(), key=lambda pair: -pair[1])[: self.k]
            return [self._passage(loaded, i, s, 0.0, s) for i, s in ranked]
        query_terms = loaded.lexical.query_terms(expanded or query)
        for chunk_id, _ in loaded.lexical.bm25(query_terms, k=LEXICAL_CANDIDATES):
            i = loaded.lexical.by_id[chunk_id]
            similarity.setdefault(i, float(loaded.vectors[i] @ vector))
        leads = self._sentences(loaded, vector, query_terms)
        ranked = []
        for i, cosine in similarity.items():
            coverage = loaded.lexical.chunk_coverage(query_terms, loaded.ids[i])
            relevance = cosine + LEXICAL_WEIGHT * coverage
            lead = leads.get(i)
            ranked.append(self._passage(loaded, i, cosine, coverage,
                                        max(relevance, lead.relevance if lead else 0.0), lead))
        for i, lead in leads.items():  # a chunk found only through one of its sentences
            if i not in similarity:
                cosine = float(loaded.vectors[i] @ vector)
                coverage = loaded.lexical.chunk_coverage(query_terms, loaded.ids[i])
                ranked.append(self._passage(loaded, i, cosine, coverage, lead.relevance, lead))
        ranked.sort(key=lambda p: -p.relevance)
        VectorFile.release(loaded.vectors)
        return ranked[: self.k]

    @staticmethod
    def _passage(loaded: IndexSnapshot, i: int, score: float, coverage: float,
                 relevance: float, lead: SentenceHit | None = None) -> Passage:
        return Passage(loaded.ids[i], loaded.texts[i], loaded.metas[i], round(score, 4),
                       round(coverage, 4), round(relevance, 4), lead=lead)

    def _dense(self, loaded: IndexSnapshot, vector: np.ndarray) -> dict[int, float]:
        """Chunk index -> cosine similarity for the nearest chunks."""
        k = min(DENSE_CANDIDATES, max(1, len(loaded.texts)))
        try:
            hits = loaded.collection.query(query_embeddings=[vector.tolist()], n_results=k,
                                           where=loaded.level_filter(CHUNK), include=["distances"])
            return {loaded.lexical.by_id[id_]: 1.0 - float(distance)  # cosine distance
                    for id_, distance in zip(hits["ids"][0], hits["distances"][0], strict=True)
                    if id_ in loaded.lexical.by_id}
        except Exception as exc:
            log.warning("dense search failed (%s); searching the vectors in memory",
                        exc.__class__.__name__)
        sims = loaded.vectors @ vector
        VectorFile.release(loaded.vectors)
        return {int(i): float(sims[i]) for i in np.argsort(-sims)[:k]}

    def _sentences(self, loaded: IndexSnapshot, vector: np.ndarray,
                   query_terms) -> dict[int, SentenceHit]:
        """Chunk index -> its best sentence among the nearest sentences of the whole index.

        The search asks Chroma for distances only; what else a hit needs (its chunk, span
        and words) is read once per sentence and kept with the snapshot (`sentence_info`).
        Asking the search for metadata and documents too took 6.2 ms a search at the bundled
        corpus, not 1.1 (Chroma reads 30 metadata records from SQLite), and parsing those
        records and stemming 30 sentences another 3 ms or so, each time.
        """
        paired = loaded.sentences is not None
        source = loaded.sentences if paired else loaded.collection
        try:
            hits = source.query(query_embeddings=[vector.tolist()],
                                n_results=SENTENCE_CANDIDATES,
                                where=loaded.level_filter(SENTENCE), include=["distances"])
            ids, distances = hits["ids"][0], hits["distances"][0]
            info = loaded.sentence_info
            missing = [id_ for id_ in ids if id_ not in info]
            if missing:
                got = source.get(ids=missing, include=["metadatas", "documents"])
                for id_, raw, text in zip(got["ids"], got["metadatas"], got["documents"],
                                          strict=True):
                    loaded.remember_sentence(id_, ChunkMeta.from_store(raw), text)
        except Exception as exc:  # without them, chunks alone still answer
            log.warning("sentence search failed (%s)", exc.__class__.__name__)
            return {}
        best: dict[int, SentenceHit] = {}
        for id_, distance in zip(ids, distances, strict=True):
            known = info.get(id_)
            if known is None:  # its chunk is not in this index (or it could not be read)
                continue
            i, start, end, words = known
            cosine = 1.0 - float(distance)
            coverage = loaded.lexical.coverage(query_terms, words)
            hit = SentenceHit(start, end, round(cosine, 4), round(coverage, 4),
                              round(cosine + LEXICAL_WEIGHT * coverage, 4))
            if i not in best or hit.relevance > best[i].relevance:
                best[i] = hit
        return best

    def whole_section(self, passage: Passage) -> Passage:
        return self.snapshot().whole_section(passage)
