"""Benchmark: Chroma query latency, chunks and sentences, on the paired and one-collection layouts.

An index used to keep chunks and sentences in one collection told apart by a `level`
metadata field, so every search carried a `where` filter; now each level has a collection of
its own (ingest/store.py). This times, over the golden questions, the two searches the
retriever makes (20 chunks, 30 sentences) as Chroma answers them, and the whole
`GuidanceRetriever.passages` call, on each store given. The retriever reads either layout,
so the same code times both. Prints figures; asserts nothing.

Run: `python bench/collection_queries.py STORE [STORE...]`, e.g. a store ingested before and
after the split (`bench/scale.py --keep` leaves 100x stores to compare).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.evaluate import load_cases  # noqa: E402
from bot.retrieval import DENSE_CANDIDATES, SENTENCE_CANDIDATES, GuidanceRetriever  # noqa: E402
from ingest.embedding import MiniLMEmbeddings  # noqa: E402
from ingest.records import CHUNK, SENTENCE  # noqa: E402
from ingest.store import StoreLocation, open_store  # noqa: E402


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def summary(ms: list[float]) -> str:
    ordered = sorted(ms)
    return (f"median {statistics.median(ordered):6.1f} ms, "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.1f} ms")


def measure(path: Path, questions: list[str], embedder: MiniLMEmbeddings) -> None:
    target = open_store(StoreLocation(path))
    chunks = target.active_collection()
    sentences = target.sentence_collection(chunks)
    layout = "pair" if sentences is not None else "one collection"
    chunk_where = None if sentences is not None else {"level": CHUNK}
    sentence_where = None if sentences is not None else {"level": SENTENCE}
    sentences = sentences if sentences is not None else chunks
    vectors = [embedder.embed_query(q) for q in questions]
    retriever = GuidanceRetriever(store=target, embeddings=embedder)
    retriever.passages(questions[0])  # load the index and warm Chroma's caches
    for vector in vectors[:5]:
        chunks.query(query_embeddings=[vector], n_results=DENSE_CANDIDATES, where=chunk_where)
        sentences.query(query_embeddings=[vector], n_results=SENTENCE_CANDIDATES,
                        where=sentence_where)
    dense = [timed(lambda v=v: chunks.query(query_embeddings=[v], n_results=DENSE_CANDIDATES,
                                             where=chunk_where, include=["distances"]))
             for v in vectors]
    sentence = [timed(lambda v=v: sentences.query(
        query_embeddings=[v], n_results=SENTENCE_CANDIDATES, where=sentence_where,
        include=["distances", "metadatas", "documents"])) for v in vectors]
    whole = [timed(lambda q=q: retriever.passages(q)) for q in questions]
    print(f"{path} ({layout}: {chunks.count()} records in the chunk collection)")
    print(f"  chunk search     {summary(dense)}")
    print(f"  sentence search  {summary(sentence)}")
    print(f"  passages()       {summary(whole)}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stores", nargs="+", type=Path)
    args = parser.parse_args()
    embedder = MiniLMEmbeddings()
    questions = [c.question for c in load_cases(REPO / "knowledge" / "eval" / "golden.yaml")]
    for store in args.stores:
        measure(store, questions, embedder)
