"""The golden question set: at least 30 answerable questions and 10 the corpus cannot answer.

Thresholds: the expected document is cited for at least 90% of answerable questions, the
evidence phrase is shown for at least 90%, and at least 90% of unanswerable questions are
declined. Measured when written: 100%, 97.5% and 91.7% (one miss: a question about a
minister's football club drew a quote about ministers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import load_cases, rates, run_cases

CASES = load_cases(Path(__file__).with_name("golden_questions.yaml"))


def test_the_set_is_big_enough() -> None:
    assert sum(not c.unanswerable for c in CASES) >= 30
    assert sum(c.unanswerable for c in CASES) >= 10


@pytest.fixture(scope="module")
def results(answerer):
    return run_cases(answerer, CASES)


def test_golden_rates(results) -> None:
    scores = rates(results)
    misses = [(r.case.question, r.cited_docs) for r in results if not r.correct]
    assert scores["doc_hit"] >= 0.9, misses
    assert scores["evidence_hit"] >= 0.9, misses
    assert scores["refusal_accuracy"] >= 0.9, misses


def test_every_golden_answer_is_grounded(results, corpus_settings) -> None:
    """Every quoted line is verbatim in a stored chunk of the document it is attributed to."""
    from bot import core
    from ingest import store

    stored = store.active_collection(core.open_store(corpus_settings)).get()
    by_doc: dict[str, list[str]] = {}
    for text, meta in zip(stored["documents"], stored["metadatas"], strict=True):
        by_doc.setdefault(meta["doc_id"], []).append(text)
    for result in results:
        for citation in result.answer.citations:
            for quote in citation.quotes:
                assert any(quote in text for text in by_doc[citation.doc_id]), quote
