"""Experiment: re-rank the top passages by the question's cosine to their best sentence.

Prints retrieval figures with and without the re-rank and its cost; the product keeps the
plain hybrid ranking unless this shows a gain worth the time. Run with a store that holds
the bundled corpus: `SPENDBOT_STORE=... python bench/rerank_experiment.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import load_cases  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

TOP = 5


def main() -> None:
    answerer = core.build_answerer(Settings.load())
    retriever = answerer.retriever
    cases = [c for c in load_cases(REPO / "knowledge" / "eval" / "golden.yaml")
             if not c.unanswerable]
    plain_ranks, reranked_ranks, costs = [], [], []
    for case in cases:
        passages = retriever.passages(" ".join([*case.history[-1:], case.question]))
        plain_ranks.append(next((i for i, p in enumerate(passages, 1)
                                 if p.metadata["doc_id"] in case.docs), None))
        started = time.perf_counter()
        question = np.asarray(retriever.embeddings.embed_query(case.question))
        best = []
        for passage in passages[:TOP]:
            lines = [s for line in passage.text.split("\n") for s in split_sentences(
                line.removeprefix("• "))]
            sims = [float(np.dot(question, retriever.embeddings.embed_query(s))) for s in lines]
            best.append(max(sims, default=0.0) + 0.3 * passage.coverage)
        order = [passages[i] for i in np.argsort(best)[::-1]] + passages[TOP:]
        costs.append((time.perf_counter() - started) * 1000)
        reranked_ranks.append(next((i for i, p in enumerate(order, 1)
                                    if p.metadata["doc_id"] in case.docs), None))

    def report(name: str, ranks: list[int | None]) -> None:
        at = {k: sum(1 for r in ranks if r and r <= k) / len(ranks) for k in (1, 3, 5)}
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        print(f"{name:10} R@1 {at[1]:.2f}  R@3 {at[3]:.2f}  R@5 {at[5]:.2f}  MRR {mrr:.2f}")

    report("hybrid", plain_ranks)
    report("re-ranked", reranked_ranks)
    print(f"re-rank cost per question: median {statistics.median(costs):.0f} ms, "
          f"max {max(costs):.0f} ms ({len(cases)} questions)")


if __name__ == "__main__":
    main()
