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


def answer_message(answer: Answer, answer_id: str | None = None,
                   share: bool = False) -> tuple[str, list[dict]]:
    """(text, blocks) for an answer; `share` adds a button to post an ephemeral answer."""
    blocks: list[dict] = []
    if answer.removed:
        blocks.append(context(":warning: " + escape(answer.text.split("\n\n", 1)[0])))
    body = answer.text.split("\n\n", 1)[1] if answer.removed else answer.text
    if not answer.answered:
        lines = [escape(body.splitlines()[0])]
        if answer.suggestions:
            lines.append("The closest documents I hold are:")
            lines += [f"• {link(s['url'], s['title'])}" for s in answer.suggestions]
        blocks.append(section("\n".join(lines)))
        text = escape(body.splitlines()[0])
    else:
        for c in answer.citations:
            title = f"[{c.n}] {c.title}" + (f" — {c.section}" if c.section else "")
            lines = [f"*{link(c.link or c.url, title)}*"]
            lines += [f">{'• ' if item else ''}{escape(q)}"
                      for q, item in zip(c.quotes, c.is_item, strict=True)]
            blocks.append(section("\n".join(lines)))
            if c.note:
                blocks.append(context(escape(c.note)))
        if answer.unknown_terms:
            words = ", ".join(f"“{escape(w)}”" for w in answer.unknown_terms)
            blocks.append(context(f"Not found anywhere in the guidance: {words}. Check that the "
                                  "passages above answer your question."))
        first = answer.citations[0]
        more = len(answer.citations) - 1
        summary = first.quote if len(first.quote) <= 150 else first.quote[:149] + "…"
        text = (f"{escape(summary)} — {escape(first.title)} [1]"
                + (f" (+{more} more source{'s' * (more > 1)})" if more else ""))
    if share and answer_id:
        blocks.append({"type": "actions", "block_id": "share", "elements": [
            {"type": "button", "action_id": "share_answer", "value": answer_id,
             "text": {"type": "plain_text", "text": "Share in channel"}}]})
    if answer_id and answer.answered:
        blocks.append(feedback_buttons(answer_id))
    return text, _fit(blocks)


def message(text: str) -> tuple[str, list[dict]]:
    return escape(text), [section(escape(text))]


def review_message(review: Review) -> tuple[str, list[dict]]:
    blocks = [section(f"*Proposal review:* {escape(review.summary)}")]
    if review.overview:
        blocks.append(section(escape(review.overview)))
    for rule in review.red_lines:
        verdict = (":no_entry: Red line" if rule.verdict == "crosses"
                   else ":information_source: Approval")
        lines = [f"*{verdict}: {escape(rule.rule.replace('-', ' '))}* — found "
                 f"{escape(rule.found)}; limit {escape(rule.limit)}",
                 f">{escape(rule.evidence)}"]
        if rule.citation:
            lines.append(f"Source: {link(rule.citation.link, rule.citation.title)} — "
                         f"“{escape(rule.citation.quote)}”")
        blocks.append(section("\n".join(lines)))
    order = {"at_odds": 0, "not_mentioned": 1, "addressed": 2}
    for finding in sorted(review.criteria, key=lambda f: order[f.status]):
        lines = [f"{STATUS_LABEL[finding.status]} — *{escape(finding.title)}*"]
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
