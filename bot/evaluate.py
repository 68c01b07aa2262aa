"""Scoring the answerer on a question set: right document cited, evidence shown, honest refusals.

A question set is YAML: `question`, `docs` (ids that may answer it), `evidence` (a phrase the
answer must show), or `unanswerable: true`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answer import Answer, Answerer


@dataclass
class Case:
    question: str
    docs: tuple[str, ...] = ()
    evidence: str = ""
    unanswerable: bool = False


@dataclass
class Result:
    case: Case
    answer: Answer
    seconds: float

    @property
    def cited_docs(self) -> list[str]:
        return [c.doc_id for c in self.answer.citations]

    @property
    def doc_hit(self) -> bool:
        return any(doc in self.case.docs for doc in self.cited_docs)

    @property
    def evidence_hit(self) -> bool:
        shown = self.answer.text + "\n" + "\n".join(
            q for c in self.answer.citations for q in c.quotes)
        return self.case.evidence.lower() in shown.lower()

    @property
    def correct(self) -> bool:
        if self.case.unanswerable:
            return not self.answer.answered
        return self.answer.answered and self.doc_hit and self.evidence_hit


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Case(question=str(item["question"]), docs=tuple(item.get("docs", ())),
                 evidence=str(item.get("evidence", "")),
                 unanswerable=bool(item.get("unanswerable", False))) for item in data]


def run_cases(answerer: Answerer, cases: list[Case]) -> list[Result]:
    results = []
    for case in cases:
        started = time.perf_counter()
        answer = answerer.ask(case.question)
        results.append(Result(case, answer, time.perf_counter() - started))
    return results


def rates(results: list[Result]) -> dict[str, float]:
    answerable = [r for r in results if not r.case.unanswerable]
    unanswerable = [r for r in results if r.case.unanswerable]

    def share(items: list, test) -> float:
        return sum(1 for item in items if test(item)) / len(items) if items else 1.0

    return {
        "answered": share(answerable, lambda r: r.answer.answered),
        "doc_hit": share(answerable, lambda r: r.doc_hit),
        "evidence_hit": share(answerable, lambda r: r.evidence_hit),
        "refusal_accuracy": share(unanswerable, lambda r: not r.answer.answered),
    }
