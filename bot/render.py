"""Answers for a terminal: readable text with a numbered source list, or one JSON object."""

from __future__ import annotations

import json

from bot.answer import Answer


def as_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            where = f"{c.title} — {c.section}" if c.section else c.title
            lines.append(f"  [{c.n}] {where}")
            if c.url:
                lines.append(f"      {c.url}")
    return "\n".join(lines)


def as_json(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), ensure_ascii=False)
