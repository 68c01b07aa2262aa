"""Answers for a terminal: readable text with a numbered source list, or one JSON object."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.answer import Answer
from ingest.sentences import ITEM_MARK

if TYPE_CHECKING:  # the review modules load only for `spendbot review`
    from bot.review import Review


def answer_body(answer: Answer, full: bool = False) -> str:
    """The answer as plain text, from its fields: warnings, then the verdict or a model's
    answer, then the quoted passages under their sources, then one line of notes.
    `full` adds the passages kept back to stay short."""
    lines: list[str] = []
    for warning in answer.warnings:
        lines += [warning, ""]
    if not answer.answered:
        lines.append(answer.message)
        if answer.covers:
            lines.append(answer.covers)
        lines += [f"{s.text} {s.url}" for s in answer.signposts]
        return "\n".join(lines)
    if answer.generated or answer.lead:
        lines += [answer.generated or answer.lead, ""]
    for c in answer.citations + (answer.more if full else []):
        where = f"{c.title} — {c.section}" if c.section else c.title
        lines.append(f"[{c.n}] {where}")
        lines += [f"> {ITEM_MARK if item else ''}{q}"
                  for q, item in zip(c.quotes, c.is_item, strict=True)]
        lines.append("")
    lines += [f"Note: {note}" for note in answer.notes]
    return "\n".join(lines).rstrip()


def as_text(answer: Answer, full: bool = False) -> str:
    lines = [answer_body(answer, full)]
    if answer.more and not full:
        count = sum(len(c.quotes) for c in answer.more)
        lines.append(f"(The guidance says more: {count} more passage{'s' * (count > 1)}; "
                     "add --full to see them.)")
    citations = answer.citations + (answer.more if full else [])
    if citations:
        lines += ["", "Sources:"]
        seen = set()
        for c in citations:
            if c.n in seen:
                continue
            seen.add(c.n)
            where = f"{c.title} — {c.section}" if c.section else c.title
            lines.append(f"  [{c.n}] {where}")
            if c.url:
                lines.append(f"      {c.url}")
    elif answer.suggestions:
        lines += ["", "Closest documents:"]
        lines += [f"  • {s.title}" + (f" ({s.url})" if s.url else "")
                  for s in answer.suggestions]
    return "\n".join(lines)


def as_json(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), ensure_ascii=False)


STATUS_WORDS = {"at_odds": "AT ODDS", "not_mentioned": "GAP", "addressed": "ADDRESSED"}


def review_as_text(review: Review) -> str:
    """The verdict line first, then each red line with every sentence that says it, then the
    criteria, concerns first."""
    lines = [f"Review: {review.summary}", ""]
    if review.overview:
        lines += [review.overview, ""]
    for rule in review.red_lines:
        verdict = "RED LINE" if rule.verdict == "crosses" else "APPROVAL NEEDED"
        lines.append(f"{verdict} ({rule.rule}): found {rule.found}; limit {rule.limit}")
        lines += [f"  > {evidence}" for evidence in rule.evidence]
        if rule.citation:
            lines.append(f"  {rule.citation.title}: “{rule.citation.quote}” {rule.citation.url}")
        lines.append("")
    order = {"at_odds": 0, "not_mentioned": 1, "addressed": 2}
    for finding in sorted(review.criteria, key=lambda f: order[f.status]):
        label = STATUS_WORDS[finding.status] + (" (put off until later)" if finding.deferred
                                                else "")
        lines.append(f"{label}: {finding.title}")
        if finding.evidence:
            lines.append(f"  > {finding.evidence}")
        if finding.citation:
            where = finding.citation.title + (f" — {finding.citation.section}"
                                              if finding.citation.section else "")
            lines.append(f"  judged against {where}: “{finding.citation.quote}”")
            lines.append(f"  {finding.citation.url}")
        if finding.question:
            lines.append(f"  Before you submit: {finding.question}")
        lines.append("")
    return "\n".join(lines).rstrip()
