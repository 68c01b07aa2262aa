"""Personal data in questions: found, removed before anything is searched or stored, and named.

People paste emails and case details into chat. The answerer never needs them, so they are
replaced ("[email address removed]") before retrieval, logging or storage, and the answer
says what was removed, and what is not detected (names need a trained recogniser, and none
is installed), so the user is never told more was removed than was.

Every pattern here runs on text a stranger typed, so each is linear in the length of the
text: a match can only start where a run of its characters starts (a look-behind), and every
repeat has a small upper bound. Text is cut to `MAX_SCAN_CHARS` before any pattern runs.
"""

from __future__ import annotations

import re

from bot.wording import readable_list

# Longer than any question the answerer accepts (4,000 characters): text past this point is
# never searched or stored, because the question is declined as too long anyway.
MAX_SCAN_CHARS = 8_000

PATTERNS = {
    # A local part that starts where its run of characters starts, at most 64 long (RFC 5321).
    "email address": re.compile(
        r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"),
    # Any two letters: wider than HMRC's prefix rules, because missing one costs more.
    "National Insurance number": re.compile(
        r"\b[A-Z]{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]\b", re.I),
    "phone number": re.compile(
        r"(?<![\w£$.,])(?:\+44[ ]?\(?0?\)?[ ]?\d{2,5}|\(?0\d{2,5}\)?)[ -]?\d{3,4}[ -]?\d{3,4}"
        r"(?![\w.,]\d)"),
    # A house number, one to three capitalised words and a street word: "10 Downing Street".
    "street address": re.compile(
        r"\b\d{1,4}[A-Za-z]?,?[ ](?:[A-Z][\w'’-]{0,30}[ ]){1,3}"
        r"(?:[Ss]treet|St|[Rr]oad|Rd|[Aa]venue|Ave|[Ll]ane|[Cc]lose|[Dd]rive|[Ww]ay|[Pp]lace|"
        r"[Cc]rescent|[Cc]ourt|[Gg]ardens|[Tt]errace|[Ss]quare|[Gg]rove|[Hh]ill|[Pp]arade|"
        r"[Mm]ews|[Ww]alk|[Rr]ow|[Ee]mbankment)\b"),
    # The Royal Mail's outward and inward codes: "SW1A 2AA", "M1 1AE", "b33 8th".
    "postcode": re.compile(
        r"\b(?:GIR[ ]?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ ]?\d[ABD-HJLNP-UW-Z]{2})\b", re.I),
}
NOT_DETECTED = "names"


PLACEHOLDER = re.compile(r"\[(?:" + "|".join(PATTERNS) + r") removed\]")


def without_placeholders(text: str) -> str:
    """The text to search with: what the user asked, minus what was taken out."""
    return re.sub(r"\s+", " ", PLACEHOLDER.sub(" ", text[:MAX_SCAN_CHARS])).strip()


def redact(text: str) -> tuple[str, list[str]]:
    """The text (cut to MAX_SCAN_CHARS) with personal data replaced, and the kinds found."""
    text = text[:MAX_SCAN_CHARS]
    found = []
    for kind, pattern in PATTERNS.items():
        text, count = pattern.subn(f"[{kind} removed]", text)
        if count:
            found.append(kind)
    return text, found


def warning(kinds: list[str]) -> str:
    """What was removed, and, truthfully, what cannot be: names are left as typed."""
    names = readable_list([f"a {k}" if k[0] not in "aeiouAEIOU" else f"an {k}"
                           for k in kinds])
    it = "them" if len(kinds) > 1 else "it"
    return (f"Your question included {names}: I removed {it} before searching and did not "
            f"store {it}. I do not detect {NOT_DETECTED}, so please leave them out, and keep "
            "personal data out of questions.")
