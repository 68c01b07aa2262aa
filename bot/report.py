"""`spendbot report`: what users ask, from the stored question log and feedback.

Maintainers decide what guidance to add from this: how many questions a day, how many the
guidance answered, the questions it most often declined (its gaps), the answers users marked
"not helpful" and why, and the slowest answers. Slack's questions and the command line's are
logged to the same state database (`log_answers`), so both show here.

Stored questions have had personal data removed before they were saved; the report runs the
same redaction again over questions and feedback reasons as a second guard, and never shows
user or channel ids. `--html` writes one self-contained page: the charts are Plotly's, with
its JavaScript inlined, so the page opens offline and is safe to attach to an email.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.privacy import redact

CLI_CHANNEL = "cli"  # how `spendbot ask` marks its questions in the log
TOP = 10


def log_answers(state, timed: Iterable[tuple[object, float]]) -> None:
    """Record answers given on the command line, as the Slack app records its own."""
    for answer, latency_ms in timed:
        state.save_answer(answer, CLI_CHANNEL, None, round(latency_ms, 1))


@dataclass
class Usage:
    total: int = 0
    answered: int = 0
    declined: int = 0  # "the guidance does not cover this"
    other: int = 0  # empty or over-long questions
    from_slack: int = 0
    from_cli: int = 0
    per_day: list[tuple[str, int, int, int]] = field(default_factory=list)  # day, ans, dec, oth
    top_declined: list[tuple[str, int]] = field(default_factory=list)
    helpful: int = 0
    not_helpful: list[dict] = field(default_factory=list)  # day, question, answer, reason
    slowest: list[dict] = field(default_factory=list)  # question, ms, status, day, source
    latencies: list[float] = field(default_factory=list)


def summarise(questions: list[dict], feedback: list[dict], top: int = TOP) -> Usage:
    """The report's figures from `State.questions()` and `State.feedback()` rows."""
    usage = Usage(total=len(questions))
    days: dict[str, Counter] = {}
    declined: Counter = Counter()
    wording: dict[str, str] = {}
    for row in questions:
        kind = _kind(row["status"])
        days.setdefault(_day(row["created_at"]), Counter())[kind] += 1
        setattr(usage, kind, getattr(usage, kind) + 1)
        if row.get("channel") == CLI_CHANNEL:
            usage.from_cli += 1
        else:
            usage.from_slack += 1
        if kind == "declined":
            key = _normalise(row["question"])
            declined[key] += 1
            wording.setdefault(key, _clean(row["question"]))
        if row.get("latency_ms") is not None:
            usage.latencies.append(float(row["latency_ms"]))
    usage.per_day = [(day, c["answered"], c["declined"], c["other"])
                     for day, c in sorted(days.items())]
    usage.top_declined = [(wording[key], n) for key, n in declined.most_common(top)]
    timed = [row for row in questions if row.get("latency_ms") is not None]
    usage.slowest = [{"question": _clean(row["question"]), "ms": float(row["latency_ms"]),
                      "status": _kind(row["status"]), "day": _day(row["created_at"]),
                      "source": "command line" if row.get("channel") == CLI_CHANNEL
                      else "Slack"}
                     for row in sorted(timed, key=lambda r: -float(r["latency_ms"]))[:top]]
    usage.helpful = sum(1 for row in feedback if row["helpful"])
    usage.not_helpful = [{"day": _day(row["created_at"]), "question": _clean(row["question"]),
                          "answer": _excerpt(_clean(row["answer"])),
                          "reason": _clean(row.get("reason") or "") or "(no reason given)"}
                         for row in reversed(feedback) if not row["helpful"]]
    return usage


def as_text(usage: Usage) -> str:
    share = f" ({usage.answered / usage.total:.0%} answered)" if usage.total else ""
    lines = [f"{usage.total} questions{share}: {usage.answered} answered, {usage.declined} "
             f"declined, {usage.other} empty or too long; {usage.from_slack} from Slack, "
             f"{usage.from_cli} from the command line.", "", "Questions per day:"]
    lines += [f"  {day}  {a + d + o:4}  ({a} answered, {d} declined)"
              for day, a, d, o in usage.per_day] or ["  none yet"]
    lines += ["", "Most frequent declined questions (where the guidance has gaps):"]
    lines += [f"  {n:3} × {q}" for q, n in usage.top_declined] or ["  none"]
    lines += ["", f"Feedback: {usage.helpful} helpful, {len(usage.not_helpful)} not helpful."]
    lines += [f"  {f['day']}  {f['question']}\n      reason: {f['reason']}"
              for f in usage.not_helpful[:TOP]]
    lines += ["", "Slowest answers:"]
    lines += [f"  {s['ms']:8.0f} ms  {s['day']}  {s['source']:12}  {s['question']}"
              for s in usage.slowest] or ["  none timed"]
    return "\n".join(lines)


def as_html(usage: Usage) -> str:
    """One page, readable offline: figures, three Plotly charts, then the tables."""
    charts = _charts(usage)
    e = html.escape
    rows = "".join(f"<tr><td>{n}</td><td>{e(q)}</td></tr>" for q, n in usage.top_declined)
    unhelpful = "".join(
        f"<tr><td>{e(f['day'])}</td><td>{e(f['question'])}</td><td>{e(f['answer'])}</td>"
        f"<td>{e(f['reason'])}</td></tr>" for f in usage.not_helpful)
    slowest = "".join(
        f"<tr><td>{s['ms']:.0f} ms</td><td>{e(s['day'])}</td><td>{e(s['source'])}</td>"
        f"<td>{e(s['status'])}</td><td>{e(s['question'])}</td></tr>" for s in usage.slowest)
    empty = "<tr><td colspan='5'>None yet.</td></tr>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>spendbot: what users ask</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 24px; color: #0b0c0c; max-width: 1100px; }}
h1 {{ font-size: 28px; }} h2 {{ margin-top: 32px; }}
.figures {{ display: flex; gap: 16px; }}
.figure {{ border-left: 5px solid #1d70b8; padding: 4px 12px; }}
.figure b {{ display: block; font-size: 28px; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #b1b4b6; padding: 6px; text-align: left;
          vertical-align: top; }}
</style></head><body>
<h1>What users ask</h1>
<div class="figures">
<div class="figure" id="total"><b>{usage.total}</b>questions</div>
<div class="figure" id="answered"><b>{usage.answered}</b>answered</div>
<div class="figure" id="declined"><b>{usage.declined}</b>declined</div>
<div class="figure" id="unhelpful"><b>{len(usage.not_helpful)}</b>marked not helpful</div>
<div class="figure"><b>{usage.from_slack} / {usage.from_cli}</b>from Slack / command line</div>
</div>
{charts}
<h2>Most frequent declined questions</h2>
<p>Where the guidance has gaps: questions answered “The guidance I have does not cover this.”</p>
<table id="declined-questions"><tr><th>times</th><th>question</th></tr>{rows or empty}</table>
<h2>Answers marked not helpful</h2>
<table id="not-helpful"><tr><th>day</th><th>question</th><th>answer began</th><th>reason</th>
</tr>{unhelpful or empty}</table>
<h2>Slowest answers</h2>
<table id="slowest"><tr><th>time</th><th>day</th><th>from</th><th>outcome</th><th>question</th>
</tr>{slowest or empty}</table>
</body></html>
"""


def _charts(usage: Usage) -> str:
    import plotly.graph_objects as go

    days = [day for day, *_ in usage.per_day]
    per_day = go.Figure([go.Bar(name=name, x=days, y=[row[i] for row in usage.per_day],
                                marker_color=colour)
                         for i, name, colour in ((1, "answered", "#00703c"),
                                                 (2, "declined", "#d4351c"),
                                                 (3, "empty or too long", "#b1b4b6"))])
    per_day.update_layout(barmode="stack", title="Questions per day", height=380,
                          xaxis_type="category")
    slices = [(label, value, colour) for label, value, colour in (
        ("answered", usage.answered, "#00703c"), ("declined", usage.declined, "#d4351c"),
        ("empty or too long", usage.other, "#b1b4b6")) if value]
    outcome = go.Figure(go.Pie(labels=[s[0] for s in slices], values=[s[1] for s in slices],
                               marker_colors=[s[2] for s in slices], hole=0.4, sort=False))
    outcome.update_layout(title="Answered and declined", height=380)
    speed = go.Figure(go.Histogram(x=usage.latencies, nbinsx=30, marker_color="#1d70b8"))
    speed.update_layout(title="Time to answer (ms)", height=380, bargap=0.05,
                        xaxis_title="milliseconds", yaxis_title="answers")
    parts = []
    for n, (name, figure) in enumerate((("per-day", per_day), ("outcomes", outcome),
                                        ("latency", speed))):
        parts.append(figure.to_html(full_html=False, include_plotlyjs=(n == 0),
                                    div_id=f"chart-{name}", config={"displaylogo": False}))
    return "\n".join(parts)


def _kind(status: str) -> str:
    if status == "answered":
        return "answered"
    return "declined" if status == "not_covered" else "other"


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(float(timestamp), dt.UTC).strftime("%Y-%m-%d")


def _clean(text: str) -> str:
    """Personal data redacted again (a second guard), on one line."""
    return " ".join(redact(text or "")[0].split())


def _normalise(question: str) -> str:
    """Two wordings that differ only in case, spacing or punctuation count as one question."""
    return " ".join(re.sub(r"[^\w£$%]+", " ", question.lower()).split())


def _excerpt(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
