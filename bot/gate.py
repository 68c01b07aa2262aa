"""The gate before switching: a new index answers only if the folder's own questions still pass.

The evaluation questions travel with the knowledge folder (`knowledge/eval/*.yaml`), so an
edited copy of the folder is checked against the questions that guard it. A set takes part
when it declares a `gate:` (minimum score per metric); questions marked `gate: false`, and
sets without a `gate:` (a held-out set), never decide a switch.

`spendbot ingest` builds the new index (its chunk and sentence collections), then calls
`EvalGate` before moving the pointer. The verdict rests on the thresholds alone, so the first
ingest into an empty store is gated too; when it fails and an earlier index exists, the same
questions are run against that index to name the ones that got worse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.evaluate import Case, metrics, read_question_set, run_cases
from ingest.embedding import TextEmbedder
from ingest.store import Store

EVAL_FOLDER = "eval"


@dataclass
class GateSet:
    name: str  # file name, e.g. golden.yaml
    cases: list[Case]  # only the questions that gate
    minimums: dict[str, float]


@dataclass
class SetVerdict:
    name: str
    questions: int
    scores: dict[str, float]
    failed: list[str]  # "recall_at_3 0.885 < 0.95"
    missed: list[str]  # questions the new index gets wrong
    worse: list[str] = field(default_factory=list)  # right before, wrong now


@dataclass
class GateVerdict:
    passed: bool
    sets: list[SetVerdict]
    seconds: float
    compared_with: str | None = None  # the earlier index, when questions were compared

    def lines(self) -> list[str]:
        """What the maintainer reads after `spendbot ingest`."""
        if not self.sets:
            return ["gate: no question set in the knowledge folder's eval/ declares a gate; "
                    "switched without checking"]
        out = []
        for verdict in self.sets:
            state = "holds" if not verdict.failed else "FAILS"
            shown = ", ".join(f"{name} {verdict.scores[name]:.3f}"
                              for name in sorted(verdict.scores))
            out.append(f"gate: {verdict.name} ({verdict.questions} questions) {state}: {shown}")
            out += [f"  under threshold: {line}" for line in verdict.failed]
            if verdict.failed:
                if self.compared_with:
                    out.append(f"  questions that got worse than the index answering now "
                               f"({len(verdict.worse)}):")
                    out += [f"    - {q}" for q in verdict.worse]
                else:
                    out.append(f"  questions missed ({len(verdict.missed)}):")
                    out += [f"    - {q}" for q in verdict.missed]
        out.append(f"gate checked in {self.seconds:.1f} s")
        return out


def load_gate_sets(knowledge_dir: Path) -> list[GateSet]:
    """The question sets in `knowledge_dir/eval` that declare a gate, with their gating cases."""
    folder = knowledge_dir / EVAL_FOLDER
    if not folder.is_dir():
        return []
    sets = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml", ".json"):
            continue
        cases, minimums = read_question_set(path)
        if minimums:
            sets.append(GateSet(path.name, [c for c in cases if c.gates], minimums))
    return sets


class _Pinned:
    """A view of the store in which index `name` (its chunk collection's name) is the active
    one, not yet switched to; its sentence collection is found from it as usual."""

    def __init__(self, store: Store, name: str) -> None:
        self._store, self._name = store, name

    def active_name(self) -> str:
        return self._name

    def __getattr__(self, attribute: str):
        return getattr(self._store, attribute)  # get_collection, sentence_collection...


class EvalGate:
    """Called by the ingest pipeline with the new collection, before it is switched in."""

    def __init__(self, knowledge_dir: Path, embedder: TextEmbedder) -> None:
        self.sets = load_gate_sets(knowledge_dir)  # read now: a broken file stops the ingest
        self.embedder = embedder

    def __call__(self, store: Store, candidate: str, previous: str | None) -> GateVerdict:
        started = time.perf_counter()
        verdicts = []
        for gate_set in self.sets:
            results = run_cases(self._answerer(store, candidate), gate_set.cases)
            scores = metrics(results)
            unknown = sorted(set(gate_set.minimums) - set(scores))
            failed = [f"{name} is not a metric (known: {', '.join(sorted(scores))})"
                      for name in unknown]
            failed += [f"{name} {scores[name]:.3f} < {minimum}"
                       for name, minimum in gate_set.minimums.items()
                       if name in scores and scores[name] < minimum]
            verdicts.append(SetVerdict(
                gate_set.name, len(gate_set.cases),
                {name: scores[name] for name in gate_set.minimums if name in scores}, failed,
                [r.case.question for r in results if not r.correct]))
        passed = all(not v.failed for v in verdicts)
        if not passed and previous:
            for gate_set, verdict in zip(self.sets, verdicts, strict=True):
                if verdict.failed:
                    before = run_cases(self._answerer(store, previous), gate_set.cases)
                    right_before = {r.case.question for r in before if r.correct}
                    verdict.worse = [q for q in verdict.missed if q in right_before]
        return GateVerdict(passed, verdicts, time.perf_counter() - started,
                           previous if not passed else None)

    def _answerer(self, store: Store, name: str):
        from bot.answer import MIN_RELEVANCE, Answerer
        from bot.retrieval import GuidanceRetriever

        retriever = GuidanceRetriever(store=_Pinned(store, name), embeddings=self.embedder)
        return Answerer(retriever, MIN_RELEVANCE)
