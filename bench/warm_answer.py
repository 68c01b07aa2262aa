"""Benchmark: warm whole-answer latency (`Answerer.ask`) per question set, p50 and p95.

The answerer is built as `spendbot eval` builds it (the extractive one, over the default
store of this work tree's knowledge folder, or `--store S`), warmed on the first three
questions as `spendbot eval` warms it, then every question of every set is asked in the
order `spendbot eval` asks them (pass 1: the figures `spendbot eval` reports), and then
again `--repeats` - 1 times. Per set it prints pass 1's p50/p95 and the median over all
passes of each, and per step (read, retrieve, select...) the mean milliseconds, with the
load average before and after. Percentiles are `spendbot eval`'s (the value at rank
round(0.95 (n - 1)) of the sorted latencies).
`--dump FILE` writes every answer of pass 1 (Answer.to_dict without timings, and the
retrieved passages with their scores) as JSON lines, so two versions of the code can be
checked to give the same answers: `cmp before.jsonl after.jsonl`. Add `--exact` for that:
Chroma's search of the sentence collection is approximate (HNSW), and the graph it searches
differs from process to process, so the same code in two processes does not give the same
top 30 sentences for every question (measured at the bundled corpus: three processes, three
different sets of results over 150 questions; between two runs of this bench, 58 of 561
questions retrieved a passage or lead sentence differently and 4 answers differed). `--exact`
puts an exact search (every sentence vector compared, ties broken by id) in its place, the
same in both runs, so any difference left is the code's. Its timings are not Chroma's.
Prints figures; asserts nothing.

Measured for issue 10 (bundled corpus, 561 questions, pass 1 p95 in ms, two runs of each
version interleaved; "before" is the code before the changes listed below):

    set         before (load 2.1-3.0)   after (load 2.1-2.2)   after* (load 4.9-5.4)
    chat-3          57.7 / 63.4             31.3 / 41.3            34.7
    chat-4          81.8 / 76.4             34.9 / 34.2            36.9
    chat-5          59.1 / 62.3             27.8 / 31.2            36.5
    chat-6          57.2 / 57.4             22.5 / 29.6            35.8
    chat-7          32.3 / 41.8             25.4 / 29.5            39.8
    chat-more       28.0 / 29.6             25.3 / 33.9            40.4
    chat            60.2 / 62.3             29.2 / 32.6            43.0
    golden          25.6 / 24.7             17.3 / 14.7            20.8
    p50, all        21.9 / 22.6             17.1 / 13.9            18.2

What changed (each with the same answers, byte for byte, under `--exact`): the sentence
search asks Chroma for distances only and keeps each sentence's chunk, span and words with
the snapshot (bot/retrieval.py); the sides of a two-sided question are searched on two
threads beside the whole question (bot/answer.py, SIDE_SEARCHES); term_set is cached
(bot/lexical.py); an answer reads the pointer once, with get_collection; what is derived
from the whole corpus is kept with the snapshot (* only the last column has that one; it
saves nothing measurable at the bundled corpus). At load 6-8 from other work on the two
cores, both versions' p95 were 100-300 ms: compare versions interleaved, as above, never
against a figure from another day. `spendbot eval` (one run each): chat sets p95 30-38 ms,
golden 17 ms at load 2.0; before, 30-80 ms (five of the seven chat sets 67-80 ms) and
golden 33 ms at load 1.2-1.3.
Run: `python bench/warm_answer.py [--store S] [--repeats 3] [--dump FILE [--exact]]
[SET.yaml ...]`
(without sets, every set in knowledge/eval/).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import load_sets  # noqa: E402


class ExactSearch:
    """A collection whose `query` compares every vector: nearest first, ties by id, distances
    as Chroma's cosine space reports them (1 - cosine similarity)."""

    def __init__(self, collection) -> None:
        self._collection = collection
        got = collection.get(include=["embeddings"])
        self._ids = np.asarray(got["ids"])
        vectors = np.asarray(got["embeddings"], dtype=np.float64)
        self._vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def query(self, query_embeddings, n_results, where=None, include=()) -> dict:
        vector = np.asarray(query_embeddings[0], dtype=np.float64)
        distances = 1.0 - self._vectors @ (vector / np.linalg.norm(vector))
        order = np.lexsort((self._ids, distances))[:n_results]
        ids = self._ids[order].tolist()
        out = {"ids": [ids], "distances": [distances[order].tolist()]}
        wanted = [field for field in include if field in ("metadatas", "documents")]
        if wanted:
            got = self._collection.get(ids=ids, include=wanted)
            at = {id_: n for n, id_ in enumerate(got["ids"])}
            for field in wanted:
                out[field] = [[got[field][at[id_]] for id_ in ids]]
        return out

    def __getattr__(self, name: str):
        return getattr(self._collection, name)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def record(answer) -> dict:
    data = answer.to_dict()
    del data["timings"]
    data["retrieved"] = [[p.chunk_id, p.score, p.coverage, p.relevance,
                          [p.lead.start, p.lead.end, p.lead.relevance] if p.lead else None]
                         for p in answer.retrieved]
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--store", help="a store holding the index (default: spendbot's own)")
    parser.add_argument("--repeats", type=int, default=3, help="passes over every question")
    parser.add_argument("--dump", type=Path, help="write pass 1's answers here (JSON lines)")
    parser.add_argument("--exact", action="store_true",
                        help="search sentences exactly, not with Chroma's HNSW (see above)")
    args = parser.parse_args()

    settings = Settings.load(store=args.store)
    cases = load_sets(args.sets or [settings.knowledge_dir / "eval"])
    answerer = core.build_answerer(settings, answerer="extractive")
    if args.exact:
        loaded = answerer.retriever.snapshot()
        if loaded.sentences is None:
            parser.error("--exact needs an index with a sentence collection of its own")
        loaded.sentences = ExactSearch(loaded.sentences)
    load_before = os.getloadavg()
    for case in cases[:3]:  # as `spendbot eval` warms up
        answerer.ask(case.question, case.history)
    passes: list[list[float]] = []
    steps: dict[str, list[float]] = {}
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    for n in range(max(1, args.repeats)):
        seconds = []
        for case in cases:
            started = time.perf_counter()
            answer = answerer.ask(case.question, case.history)
            seconds.append((time.perf_counter() - started) * 1000)
            for step, ms in answer.timings.items():
                steps.setdefault(step, []).append(ms)
            if n == 0 and dump:
                dump.write(json.dumps({"part": case.part, **record(answer)},
                                      ensure_ascii=False) + "\n")
        passes.append(seconds)
        if dump:
            dump.close()
            dump = None
    load_after = os.getloadavg()

    parts: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        parts.setdefault(case.part, []).append(i)
    print(f"{len(cases)} questions, {len(passes)} passes; load average "
          f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after")
    print(f"{'set':12} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}   "
          f"{'p50 (all passes)':>16} {'p95 (all passes)':>16}")
    groups = [*parts.items(), ("all", list(range(len(cases))))]
    for part, members in groups:
        first = [passes[0][i] for i in members]
        p50s = [percentile([p[i] for i in members], 0.5) for p in passes]
        p95s = [percentile([p[i] for i in members], 0.95) for p in passes]
        print(f"{part:12} {len(members):>4} {percentile(first, 0.5):7.1f} "
              f"{percentile(first, 0.95):7.1f} {max(first):7.1f}   "
              f"{statistics.median(p50s):16.1f} {statistics.median(p95s):16.1f}")
    print("mean ms per step: " + ", ".join(f"{step} {statistics.mean(v):.1f}"
                                           for step, v in steps.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
