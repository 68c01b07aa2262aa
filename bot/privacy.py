"""Personal data in questions: found, removed before anything is searched or stored, and named.

People paste emails and case details into chat. The answerer never needs them, so they are
replaced ("[email address removed]") before retrieval, logging or storage, and the answer
says what was removed.
"""

from __future__ import annotations

import re

from bot.wording import readable_list

PATTERNS = {
    "email address": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # Any two letters: wider than HMRC's prefix rules, because missing one costs more.
    "National Insurance number": re.compile(
        r"\b[A-Z]{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]\b", re.I),
    "phone number": re.compile(
        r"(?<![\w£$.,])(?:\+44[ ]?\(?0?\)?[ ]?\d{2,5}|\(?0\d{2,5}\)?)[ -]?\d{3,4}[ -]?\d{3,4}"
        r"(?![\w.,]\d)"),
}


PLACEHOLDER = re.compile(r"\[(?:" + "|".join(PATTERNS) + r") removed\]")


def without_placeholders(text: str) -> str:
    """The text to search with: what the user asked, minus what was taken out."""
    return re.sub(r"\s+", " ", PLACEHOLDER.sub(" ", text)).strip()


def redact(text: str) -> tuple[str, list[str]]:
    """The text with personal data replaced, and the kinds that were found."""
    found = []
    for kind, pattern in PATTERNS.items():
        text, count = pattern.subn(f"[{kind} removed]", text)
        if count:
            found.append(kind)
    return text, found


def warning(kinds: list[str]) -> str:
    names = readable_list([f"a {k}" if k[0] not in "aeiouAEIOU" else f"an {k}"
                           for k in kinds])
    it = "them" if len(kinds) > 1 else "it"
    return (f"Your question included {names}: I removed {it} before searching and did not "
            f"store {it}. Please keep personal data out of questions.")
