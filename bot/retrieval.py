"""Finding the passages that bear on a question: a LangChain retriever over the Chroma store.

Being a LangChain `BaseRetriever` lets later work compose it (re-ranking, a generative
chain) without touching the answerer. Candidates come from Chroma's dense search and from
BM25 over the same chunks, and are ranked by dense similarity plus how much of the
question's (rarity-weighted) wording the chunk contains. The active collection is looked up
on each call, so a finished ingest is picked up without a restart.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from langchain_chroma import Chroma
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from bot.lexical import LexicalIndex, searchable
from ingest.store import StoreUnavailable

log = logging.getLogger(__name__)
DENSE_CANDIDATES = 20
LEXICAL_CANDIDATES = 10
LEXICAL_WEIGHT = 0.3  # how much full word coverage adds to a cosine similarity


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: `score` is cosine similarity, `coverage` the share of the question's
    weighted terms it contains, `relevance` the two combined (what ranking uses)."""

    chunk_id: str
    text: str
    metadata: dict
    score: float
    coverage: float = 0.0
    relevance: float = 0.0
    sources: tuple[str, ...] = ()  # the stored chunk texts `text` was assembled from

    @property
    def place(self) -> tuple[str, str, str]:
        """The document, section and paragraph the passage comes from."""
        meta = self.metadata
        return meta.get("doc_id", ""), meta.get("section", ""), meta.get("paragraph", "")

    @classmethod
    def from_document(cls, doc: Document) -> Passage:
        meta = dict(doc.metadata)
        return cls(doc.id or "", doc.page_content, meta, float(meta.pop("score", 0.0)),
                   float(meta.pop("coverage", 0.0)), float(meta.pop("relevance", 0.0)))


class NoIndexError(RuntimeError):
    """No ingest has completed yet in this store."""


@dataclass
class _Loaded:
    """One collection as the retriever holds it: the Chroma handle and its word index."""

    name: str
    chroma: Chroma
    lexical: LexicalIndex
    texts: list[str]
    metadatas: list[dict]
    vectors: np.ndarray
    info: dict
    places: dict[tuple[str, str, str], list[int]]  # every part of one section, in order


class GuidanceRetriever(BaseRetriever):
    store: Any  # ingest.store.Store
    embeddings: Embeddings
    k: int = 8
    mode: str = "hybrid"  # "dense": Chroma similarity alone, for comparison in `spendbot eval`

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _loaded: _Loaded | None = PrivateAttr(default=None)

    def collection(self) -> _Loaded:
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

    def _load(self, name: str) -> _Loaded:
        collection = self.store.get_collection(name)
        ids, texts, metas, vectors = [], [], [], []
        offset = 0
        while True:
            got = collection.get(include=["documents", "metadatas", "embeddings"],
                                 limit=2000, offset=offset)
            if not got["ids"]:
                break
            ids += got["ids"]
            texts += got["documents"]
            metas += got["metadatas"]
            vectors += list(got["embeddings"])
            offset += len(got["ids"])
        info = dict(collection.metadata or {})
        glossary = json.loads(info.get("glossary") or "{}")
        words = [searchable(t, m) for t, m in zip(texts, metas, strict=True)]
        chroma = Chroma(client=self.store.client, collection_name=name,
                        embedding_function=self.embeddings, create_collection_if_not_exists=False)
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        places: dict[tuple[str, str, str], list[int]] = {}
        for i, meta in enumerate(metas):
            key = (meta.get("doc_id", ""), meta.get("section", ""), meta.get("paragraph", ""))
            places.setdefault(key, []).append(i)
        for members in places.values():
            members.sort(key=lambda i: metas[i].get("part", 0))
        return _Loaded(name, chroma, LexicalIndex(ids, words, glossary), texts, metas,
                       matrix, info, places)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        loaded = self.collection()
        vector = self.embeddings.embed_query(query)
        candidates: dict[str, tuple[Document, float]] = {}
        for doc, similarity in self._dense(loaded, vector):
            candidates[doc.id] = (doc, similarity)
        if self.mode == "dense":
            return [Document(page_content=doc.page_content, id=doc.id, metadata={
                **doc.metadata, "score": round(s, 4), "relevance": round(s, 4)})
                for doc, s in sorted(candidates.values(), key=lambda pair: -pair[1])][: self.k]
        query_terms = loaded.lexical.query_terms(query)
        query_vector = np.asarray(vector, dtype=np.float32)
        for chunk_id, _ in loaded.lexical.bm25(query_terms, k=LEXICAL_CANDIDATES):
            if chunk_id not in candidates:
                i = loaded.lexical.by_id[chunk_id]
                similarity = float(loaded.vectors[i] @ query_vector)
                candidates[chunk_id] = (Document(page_content=loaded.texts[i], id=chunk_id,
                                                 metadata=loaded.metadatas[i]), similarity)
        ranked = []
        for chunk_id, (doc, similarity) in candidates.items():
            coverage = loaded.lexical.chunk_coverage(query_terms, chunk_id)
            relevance = similarity + LEXICAL_WEIGHT * coverage
            ranked.append(Document(page_content=doc.page_content, id=chunk_id, metadata={
                **doc.metadata, "score": round(similarity, 4), "coverage": round(coverage, 4),
                "relevance": round(relevance, 4)}))
        ranked.sort(key=lambda d: -d.metadata["relevance"])
        return ranked[: self.k]

    def _dense(self, loaded: _Loaded, vector: list[float]) -> list[tuple[Document, float]]:
        k = min(DENSE_CANDIDATES, max(1, len(loaded.texts)))
        try:
            hits = loaded.chroma.similarity_search_by_vector_with_relevance_scores(vector, k=k)
            return [(doc, 1.0 - float(distance)) for doc, distance in hits]  # cosine distance
        except Exception as exc:
            log.warning("dense search failed (%s); searching the vectors in memory",
                        exc.__class__.__name__)
        sims = loaded.vectors @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-sims)[:k]
        return [(Document(page_content=loaded.texts[i], id=loaded.lexical.ids[i],
                          metadata=loaded.metadatas[i]), float(sims[i])) for i in top]

    def passages(self, query: str) -> list[Passage]:
        return [Passage.from_document(doc) for doc in self.invoke(query)]

    def whole_section(self, passage: Passage) -> Passage:
        """The passage widened to every stored part of its section or numbered paragraph.

        Chunks are sized for the embedding model; quoting from the whole section means a
        list split across two chunks is still quoted whole. Lines a later part repeats (a
        list's lead-in) appear once.
        """
        loaded = self.collection()
        members = loaded.places.get(passage.place, [])
        if len(members) < 2:
            return replace(passage, sources=(passage.text,))
        lines: list[str] = []
        for i in members:
            lines += [line for line in loaded.texts[i].split("\n") if line not in lines]
        return replace(passage, text="\n".join(lines),
                       sources=tuple(loaded.texts[i] for i in members))
