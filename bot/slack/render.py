"""Answers and reviews as Slack messages: Block Kit within its limits, user text made inert.

Every piece of text from a document or a user is escaped (`&`, `<`, `>`), so nothing can
become a link, a mention or `<!channel>`. Sections stay under 3,000 characters, messages
under 50 blocks, and the message `text` (what a phone notification shows) is a summary.
"""

from __future__ import annotations

from bot.answer import Answer
from bot.review import Review
from ingest.blocks import printable
from ingest.manifest import is_web_url

MAX_SECTION = 3000
MAX_BLOCKS = 50
STATUS_LABEL = {"at_odds": ":red_circle: At odds", "not_mentioned": ":large_orange_circle: Gap",
                "addressed": ":large_green_circle: Addressed"}


def escape(text: str) -> str:
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    if not url or not is_web_url(url):  # a javascript: or file: URL is never a link
        return escape(label)
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def section(text: str) -> dict:
    if len(text) > MAX_SECTION:
        text = text[: MAX_SECTION - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_SECTION]}]}


def _fit(blocks: list[dict]) -> list[dict]:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return blocks[: MAX_BLOCKS - 1] + [context("(Shortened to fit in one Slack message.)")]


def feedback_buttons(answer_id: str) -> dict:
    return {"type": "actions", "block_id": "feedback", "elements": [
        {"type": "button", "action_id": "feedback_helpful", "value": answer_id,
         "text": {"type": "plain_text", "text": ":+1: Helpful", "emoji": True}},
        {"type": "button", "action_id": "feedback_not_helpful", "value": answer_id,
         "text": {"type": "plain_text", "text": ":-1: Not helpful", "emoji": True}},
    ]}


def answer_message(answer: Answer, answer_id: str | None = None, share: bool = False,
                   full: bool = False) -> tuple[str, list[dict]]:
    """(text, blocks) for an answer, from its fields: warnings, the verdict or a model's
    answer, the quoted passages by source, one line of notes, buttons. `share` adds a
    button to post an ephemeral answer; `full` shows the passages kept back for brevity."""
    blocks: list[dict] = [context(":warning: " + escape(w)) for w in answer.warnings]
    if not answer.answered:
        lines = [escape(answer.message)]
        if answer.covers:
            lines.append(escape(answer.covers))
        lines += [f"{escape(s.text)} {link(s.url, s.url)}" for s in answer.signposts]
        if answer.suggestions:
            lines.append("The closest documents I hold are:")
            lines += [f"• {link(s.url, s.title)}" for s in answer.suggestions]
        blocks.append(section("\n".join(lines)))
        text = escape(answer.message)
    else:
        lead = answer.generated or answer.lead
        if lead:
            blocks.append(section(escape(lead)))
        for c in answer.citations + (answer.more if full else []):
            title = f"[{c.n}] {c.title}" + (f" — {c.section}" if c.section else "")
            lines = [f"*{link(c.link or c.url, title)}*"]
            lines += [f">{'• ' if item else ''}{escape(q)}"
                      for q, item in zip(c.quotes, c.is_item, strict=True)]
            blocks.append(section("\n".join(lines)))
        if answer.notes:
            blocks.append(context(escape(" ".join(answer.notes))))
        first = answer.citations[0]
        summary = lead or first.quote
        summary = summary if len(summary) <= 150 else summary[:149] + "…"
        more = len(answer.citations) - 1
        text = (f"{escape(summary)}" + ("" if lead else f" — {escape(first.title)} [1]")
                + (f" (+{more} more source{'s' * (more > 1)})" if more else ""))
    buttons = []
    if answer_id and answer.more and not full:
        buttons.append({"type": "button", "action_id": "more_answer", "value": answer_id,
                        "text": {"type": "plain_text", "text": "More from the guidance"}})
    if share and answer_id:
        buttons.append({"type": "button", "action_id": "share_answer", "value": answer_id,
                        "text": {"type": "plain_text", "text": "Share in channel"}})
    if buttons:
        blocks.append({"type": "actions", "block_id": "answer_actions", "elements": buttons})
    if answer_id and answer.answered:
        blocks.append(feedback_buttons(answer_id))
    return text, _fit(blocks)


def message(text: str) -> tuple[str, list[dict]]:
    return escape(text), [section(escape(text))]


def review_message(review: Review) -> tuple[str, list[dict]]:
    """The verdict line first, then red lines with all their evidence, then the criteria."""
    blocks = [section(f"*Proposal review:* {escape(review.summary)}")]
    if review.overview:
        blocks.append(section(escape(review.overview)))
    for rule in review.red_lines:
        verdict = (":no_entry: Red line" if rule.verdict == "crosses"
                   else ":information_source: Approval")
        lines = [f"*{verdict}: {escape(rule.rule.replace('-', ' '))}* — found "
                 f"{escape(rule.found)}; limit {escape(rule.limit)}"]
        lines += [f">{escape(evidence)}" for evidence in rule.evidence]
        if rule.citation:
            lines.append(f"Source: {link(rule.citation.link, rule.citation.title)} — "
                         f"“{escape(rule.citation.quote)}”")
        blocks.append(section("\n".join(lines)))
    order = {"at_odds": 0, "not_mentioned": 1, "addressed": 2}
    for finding in sorted(review.criteria, key=lambda f: order[f.status]):
        deferred = " (put off until later)" if finding.deferred else ""
        lines = [f"{STATUS_LABEL[finding.status]}{deferred} — *{escape(finding.title)}*"]
        if finding.evidence:
            lines.append(f">{escape(finding.evidence)}")
        if finding.citation:
            where = finding.citation.title + (f" — {finding.citation.section}"
                                              if finding.citation.section else "")
            lines.append(f"Judged against {link(finding.citation.link, where)}: "
                         f"“{escape(finding.citation.quote)}”")
        if finding.question:
            lines.append(f"_Before you submit:_ {escape(finding.question)}")
        blocks.append(section("\n".join(lines)))
    return f"Proposal review: {escape(review.summary)}", _fit(blocks)


def review_modal(initial: str = "", metadata: str = "") -> dict:
    return {
        "type": "modal", "callback_id": "review_submit", "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Review a proposal"},
        "submit": {"type": "plain_text", "text": "Review"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "input", "block_id": "proposal", "label": {
            "type": "plain_text", "text": "Proposal text"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True,
                        "initial_value": initial[:3000]}}],
    }


def reason_modal(feedback_id: int) -> dict:
    return {
        "type": "modal", "callback_id": "feedback_reason", "private_metadata": str(feedback_id),
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [{"type": "input", "block_id": "reason", "optional": True, "label": {
            "type": "plain_text", "text": "Reason (optional)"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True}}],
    }


def home_view(documents: list[dict], ingested_at: str) -> dict:
    lines = [f"• {link(d.get('url', ''), d['title'])} — {escape(d.get('date_label', ''))} "
             f"({escape(d.get('status', ''))})" for d in documents]
    return {"type": "home", "blocks": _fit([
        section("*What I can do*\nAnswer questions about UK government technology spend "
                "control, quoting the guidance with links to the source, and review a proposal "
                "against the Technology Code of Practice and the spend control red lines."),
        section("*Try*\n• Mention me: `@spendbot What are the red lines?`\n"
                "• `/spendbot ask Who should manage the retirement of legacy systems?`\n"
                "• `/spendbot review` to paste a proposal, or use the message shortcut "
                "“Review against the code of practice” on any message."),
        section("*The guidance I hold*\n" + "\n".join(lines)),
        context(f"Last ingested {escape(ingested_at)}."),
    ])}


HELP = ("*spendbot* answers from UK government technology guidance, with sources.\n"
        "• `/spendbot ask <question>`: an answer only you see, with a button to share it\n"
        "• `/spendbot review`: paste a proposal for feedback against the code of practice\n"
        "• `/spendbot help`: this message\n"
        "You can also mention me in a channel or send me a direct message.")
