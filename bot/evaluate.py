"""Scoring the answerer on a question set: retrieval, evidence shown, honest refusals, latency.

A question set is YAML (or JSON) list of cases: `question`, `docs` (ids any of which may
answer it), `evidence` (a phrase, or a list of phrases, the answer must show), `history`
(earlier turns, for follow-ups), or `unanswerable: true`; optionally `kind` (plain, typo,
scenario, contrast…) and, for a scenario, `verdict` (crosses, needs_approval, neither,
unclear). Sets live in knowledge/eval/: `golden` and `chat` are tuned on; `heldout` never is,
and is reported on its own.

A set that guards the knowledge folder is a mapping instead: `gate:` (the minimum score of
each metric, checked by `spendbot ingest` before it switches to a new index, see
bot/gate.py) and `questions:` (the list). A question with `gate: false` is scored by
`spendbot eval` but left out of the gate.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:  # only for annotations: `spendbot ingest` need not load the answerer
    from bot.answer import Answer, Answerer

THRESHOLDS = ("recall_at_3", "mrr", "evidence_hit", "answered", "refusal_accuracy",
              "verdict_accuracy")
VERDICTS = {"neither": "within", "unclear": "depends"}  # the set's words -> the rules'
FIGURE = re.compile(r"\d[\d.]*")


@dataclass
class Case:
    question: str
    docs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    unanswerable: bool = False
    kind: str = ""
    verdict: str = ""  # crosses | needs_approval | neither | unclear
    part: str = ""  # the set it comes from (file name without suffix)
    gates: bool = True  # counts towards the ingest gate, when its set declares one


@dataclass
class Result:
    case: Case
    answer: Answer
    seconds: float
    ranked_docs: list[str] = field(default_factory=list)  # doc of each retrieved passage

    @property
    def cited_docs(self) -> list[str]:
        return [c.doc_id for c in self.answer.citations]

    @property
    def rank(self) -> int | None:
        """Position (1-based) of the first retrieved passage from an expected document."""
        for position, doc in enumerate(self.ranked_docs, start=1):
            if doc in self.case.docs:
                return position
        return None

    @property
    def top_relevance(self) -> float:
        return self.answer.retrieved[0].relevance if self.answer.retrieved else 0.0

    @property
    def doc_hit(self) -> bool:
        return any(doc in self.case.docs for doc in self.cited_docs)

    @property
    def evidence_hit(self) -> bool:
        shown = (self.answer.text + "\n" + "\n".join(
            q for c in self.answer.citations for q in c.quotes)).lower()
        return self.answer.answered and all(p.lower() in shown for p in self.case.evidence)

    @property
    def verdict_ok(self) -> bool | None:
        """Whether a scenario got the rules' right verdict (None for other questions)."""
        if not self.case.verdict:
            return None
        got = self.answer.verdict.verdict if self.answer.verdict else ""
        return got == VERDICTS.get(self.case.verdict, self.case.verdict)

    @property
    def words(self) -> int:
        return len(self.answer.text.split()) if self.answer.answered else 0

    @property
    def invented_figures(self) -> list[str]:
        """Figures in the answer that neither the question nor a quoted passage holds."""
        if not self.answer.answered:
            return []
        allowed = " ".join([self.case.question, *self.case.history,
                            *(q for c in self.answer.citations + self.answer.more
                              for q in c.quotes)]).replace(",", "")
        own = self.answer.generated or self.answer.lead
        return [f for f in FIGURE.findall(own.replace(",", "")) if f not in allowed
                and not re.fullmatch(r"\d", f)]  # "[1]" citation numbers and counts are ours

    @property
    def correct(self) -> bool:
        if self.case.unanswerable:
            return not self.answer.answered
        return (self.answer.answered and self.doc_hit and self.evidence_hit
                and self.verdict_ok is not False)


class QuestionSetError(ValueError):
    """The question file cannot be read as a question set."""


def load_sets(paths: list[Path]) -> list[Case]:
    """Every case of every set; a folder means the .yaml files in it."""
    files = [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    return [case for f in files for case in load_cases(f)]


def load_cases(path: Path) -> list[Case]:
    return read_question_set(path)[0]


def read_question_set(path: Path) -> tuple[list[Case], dict[str, float] | None]:
    """The cases, and the minimum scores the set declares for the ingest gate (or None)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []  # JSON is YAML too
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QuestionSetError(f"cannot read {path}: {exc}") from exc
    minimums = None
    if isinstance(data, dict):
        minimums = data.get("gate")
        if minimums is not None and not (isinstance(minimums, dict) and all(
                isinstance(v, int | float) for v in minimums.values())):
            raise QuestionSetError(f"{path}: 'gate' must map metric names to minimum scores")
        data = data.get("questions", [])
    if not isinstance(data, list) or not all(isinstance(i, dict) and "question" in i
                                             for i in data):
        raise QuestionSetError(f"{path}: expected a list of entries, each with a 'question'")
    cases = []
    for item in data:
        evidence = item.get("evidence", ())
        cases.append(Case(
            question=str(item["question"]), docs=tuple(item.get("docs", ())),
            evidence=(str(evidence),) if isinstance(evidence, str | int) else tuple(evidence),
            history=tuple(item.get("history", ())),
            unanswerable=bool(item.get("unanswerable", False)),
            kind=str(item.get("kind", "")), verdict=str(item.get("verdict", "")),
            part=path.stem, gates=bool(item.get("gate", True))))
    return cases, ({str(k): float(v) for k, v in minimums.items()} if minimums else None)


def run_cases(answerer: Answerer, cases: list[Case]) -> list[Result]:
    results = []
    for case in cases:
        started = time.perf_counter()
        answer = answerer.ask(case.question, case.history)
        seconds = time.perf_counter() - started
        ranked = [p.meta.doc_id for p in answer.retrieved]
        results.append(Result(case, answer, seconds, ranked))
    return results


def _share(items: list, test) -> float:
    return round(sum(1 for item in items if test(item)) / len(items), 4) if items else 1.0


def retrieval_scores(results: list[Result]) -> dict[str, float]:
    return {
        "n": len(results),
        "recall_at_1": _share(results, lambda r: r.rank is not None and r.rank <= 1),
        "recall_at_3": _share(results, lambda r: r.rank is not None and r.rank <= 3),
        "recall_at_5": _share(results, lambda r: r.rank is not None and r.rank <= 5),
        "mrr": round(sum(1 / r.rank for r in results if r.rank) / len(results), 4)
        if results else 1.0,
        "evidence_hit": _share(results, lambda r: r.evidence_hit),
    }


def metrics(results: list[Result]) -> dict[str, float]:
    answerable = [r for r in results if not r.case.unanswerable]
    unanswerable = [r for r in results if r.case.unanswerable]
    latencies = sorted(r.seconds * 1000 for r in results)
    scenarios = [r for r in results if r.verdict_ok is not None]
    answered = [r for r in results if r.answer.answered]
    return {
        **retrieval_scores(answerable),
        "verdict_accuracy": _share(scenarios, lambda r: r.verdict_ok),
        "scenarios": len(scenarios),
        "mean_words": round(statistics.mean(r.words for r in answered), 1) if answered else 0.0,
        "invented_figures": sum(len(r.invented_figures) for r in results),
        "answered": _share(answerable, lambda r: r.answer.answered),
        "doc_hit": _share(answerable, lambda r: r.doc_hit),
        "refusal_accuracy": _share(unanswerable, lambda r: not r.answer.answered),
        "unanswerable": len(unanswerable),
        "latency_median_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "latency_p95_ms": round(latencies[min(len(latencies) - 1,
                                              round(0.95 * (len(latencies) - 1)))], 1)
        if latencies else 0.0,
    }


def by_document(results: list[Result]) -> dict[str, dict[str, float]]:
    """Retrieval scores grouped by the (first) document each question expects."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        if not result.case.unanswerable:
            groups.setdefault(result.case.docs[0], []).append(result)
    return {doc: retrieval_scores(group) for doc, group in sorted(groups.items())}


def calibrate(results: list[Result]) -> list[dict[str, float]]:
    """For candidate refusal thresholds: how many answerable questions would still be answered
    and how many unanswerable ones refused, judged on the top passage's relevance (questions
    refused because they name something the guidance never mentions stay refused)."""
    def relevance(result: Result) -> float:  # a question refused for its subject stays refused
        return -1.0 if result.answer.missing_subjects else result.top_relevance

    answerable = [relevance(r) for r in results if not r.case.unanswerable]
    unanswerable = [relevance(r) for r in results if r.case.unanswerable]
    rows = []
    for step in range(20, 71, 2):
        threshold = step / 100
        kept = _share(answerable, lambda v, t=threshold: v >= t)
        refused = _share(unanswerable, lambda v, t=threshold: v < t)
        rows.append({"threshold": threshold, "answered": kept, "refused": refused,
                     "balanced": round((kept + refused) / 2, 4)})
    return rows


def best_threshold(rows: list[dict[str, float]]) -> float:
    """The middle of the widest run of thresholds with the best balanced accuracy."""
    best = max(row["balanced"] for row in rows)
    runs: list[list[float]] = []
    for row in rows:
        if row["balanced"] == best:
            if runs and round(row["threshold"] - runs[-1][-1], 4) <= 0.02:
                runs[-1].append(row["threshold"])
            else:
                runs.append([row["threshold"]])
    widest = max(runs, key=len)
    return round((widest[0] + widest[-1]) / 2, 2)


def failed_thresholds(scores: dict[str, float], minimums: dict[str, float | None]) -> list[str]:
    return [f"{name} {scores[name]:.3f} < {minimum}" for name, minimum in minimums.items()
            if minimum is not None and scores[name] < minimum]


def parts(results: list[Result]) -> dict[str, list[Result]]:
    """Results by the set they come from, in order of appearance."""
    out: dict[str, list[Result]] = {}
    for result in results:
        out.setdefault(result.case.part or "questions", []).append(result)
    return out


def table(results: list[Result], every_question: bool = False) -> str:
    scores = metrics(results)
    lines = [f"{'document':40} {'n':>3} {'R@1':>5} {'R@3':>5} {'R@5':>5} {'MRR':>5} "
             f"{'evid.':>5}"]
    for doc, row in [*by_document(results).items(), ("all answerable", scores)]:
        lines.append(f"{doc[:40]:40} {row['n']:>3} {row['recall_at_1']:>5.2f} "
                     f"{row['recall_at_3']:>5.2f} {row['recall_at_5']:>5.2f} {row['mrr']:>5.2f} "
                     f"{row['evidence_hit']:>5.2f}")
    lines += [
        f"answered (of {scores['n']} answerable): {scores['answered']:.2f}   "
        f"right document cited: {scores['doc_hit']:.2f}",
        f"refusal accuracy (of {scores['unanswerable']} unanswerable): "
        f"{scores['refusal_accuracy']:.2f}   verdicts right (of {scores['scenarios']} "
        f"scenarios): {scores['verdict_accuracy']:.2f}",
        f"mean answer: {scores['mean_words']:.0f} words   invented figures: "
        f"{scores['invented_figures']}",
        f"latency per question: median {scores['latency_median_ms']:.0f} ms, "
        f"p95 {scores['latency_p95_ms']:.0f} ms",
    ]
    shown = results if every_question else [r for r in results if not r.correct]
    if shown:
        lines += ["", "questions:" if every_question else "misses:"]
        for r in shown:
            verdict = "ok  " if r.correct else "MISS"
            outcome = "refused" if not r.answer.answered else ",".join(dict.fromkeys(
                r.cited_docs))
            if r.case.verdict:
                got = r.answer.verdict.verdict if r.answer.verdict else "-"
                outcome += f" verdict {got} (want {r.case.verdict})"
            if not r.answer.answered:
                outcome += f" [{r.answer.reason}]"
            lines.append(f"  {verdict} {r.seconds * 1000:5.0f} ms  rank {r.rank or '-':>2}  "
                         f"top {r.top_relevance:.2f}  {r.case.question[:60]}  -> {outcome}")
    return "\n".join(lines)
