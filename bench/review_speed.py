"""Benchmark: how long a review of a proposal at the 40,000-character limit takes, warm.

The proposal is the proposal set's texts (tests/proposals.yaml) repeated to just under the
limit, so it holds tables, headings, negations and sums. Times the whole Reviewer.review
(reading, rules and citations from the store) and, apart, the reading and rules alone.
Prints figures; asserts nothing (the target is under 1 s warm).
Run with a store holding the corpus: `SPENDBOT_STORE=... python bench/review_speed.py`;
without one, the corpus is ingested into a temporary store first.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.reading import passages  # noqa: E402
from bot.review import MAX_PROPOSAL_CHARS, Reviewer, assess, load_criteria  # noqa: E402
from bot.rules import judge, read_facts  # noqa: E402


def long_proposal() -> str:
    texts = [p["text"] for p in yaml.safe_load((REPO / "tests" / "proposals.yaml").read_text())]
    parts: list[str] = []
    while True:
        for text in texts:
            if sum(len(p) + 2 for p in parts) + len(text) > MAX_PROPOSAL_CHARS - 2:
                return "\n\n".join(parts)
            parts.append(text.strip())


def timed(run, times: int = 5) -> list[float]:
    run()  # warm
    found = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        found.append((time.perf_counter() - start) * 1000)
    return found


def main() -> None:
    proposal = long_proposal()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load()
        answerer = core.build_answerer(settings)
        try:
            answerer.retriever.snapshot()
        except Exception:
            settings = Settings(knowledge_dir=settings.knowledge_dir, store_dir=Path(tmp))
            print("No store found: ingesting the corpus into a temporary one first.")
            core.ingest(settings)
            answerer = core.build_answerer(settings)
        reviewer = Reviewer(answerer.retriever, load_criteria(settings.knowledge_dir))
        whole = timed(lambda: reviewer.review(proposal))

        def reading_only() -> None:
            read = passages(proposal)
            facts = read_facts(read)
            outcomes = judge(facts)
            for criterion in reviewer.criteria:
                assess(criterion, read, facts, outcomes)

        reading = timed(reading_only)
        review = reviewer.review(proposal)
    print(f"Proposal: {len(proposal):,} characters, {len(passages(proposal))} passages.")
    print(f"Reviewer.review, warm, 5 runs: median {statistics.median(whole):.0f} ms, "
          f"max {max(whole):.0f} ms")
    print(f"Reading and rules alone: median {statistics.median(reading):.0f} ms, "
          f"max {max(reading):.0f} ms")
    print(f"Verdict: {review.summary}")


if __name__ == "__main__":
    main()
