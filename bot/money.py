"""Amounts of money in text, as numbers: "£100 million", "£1.2bn", "a hundred million pounds".

Questions and proposals write money every way there is; the guidance writes "£100 million"
and "£1,000,000". Reading both to a number lets them meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
          "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
_SCALE = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mn": 10**6,
          "billion": 10**9, "bn": 10**9, "b": 10**9, "hundred": 100}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WORD_NUMBER = r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|" \
               r"fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)" \
               r"(?:[ -](?:hundred|one|two|three|four|five|six|seven|eight|nine))?)"
_SCALES = r"(?:thousand|million|billion|bn|mn|m|k|b)\b"
POUNDS_FIRST = re.compile(
    rf"£\s?(?P<n>{_NUMBER})\s*(?P<scale>{_SCALES})?", re.I)
POUNDS_AFTER = re.compile(
    rf"\b(?P<n>{_NUMBER}|{_WORD_NUMBER})\s*(?P<scale>(?:hundred\s+)?{_SCALES})?\s*"
    r"(?:pounds|pounds sterling|gbp|quid)\b", re.I)


@dataclass(frozen=True)
class Amount:
    value: float  # in pounds
    text: str  # as written
    start: int
    end: int


def _number(text: str) -> float:
    text = text.lower().replace(",", "")
    try:
        return float(text)
    except ValueError:
        total = 0
        for word in re.split(r"[ -]", text):
            value = _WORDS.get(word, 0)
            total = total * value if word == "hundred" and total else total + value
        return float(total)


def _scale(text: str | None) -> int:
    factor = 1
    for word in (text or "").lower().split():
        factor *= _SCALE.get(word, 1)
    return factor


def amounts(text: str) -> list[Amount]:
    """Every sum of money in `text`, in the order written, each once."""
    found: list[Amount] = []
    for pattern in (POUNDS_FIRST, POUNDS_AFTER):
        for match in pattern.finditer(text):
            if any(a.start <= match.start() < a.end for a in found):
                continue
            value = _number(match.group("n")) * _scale(match.group("scale"))
            if value > 0:
                found.append(Amount(value, match.group(0).strip(), match.start(), match.end()))
    return sorted(found, key=lambda a: a.start)


def money_terms(text: str) -> list[str]:
    """Amounts as word-index terms ("£100000000"), so "£100 million" meets "100m pounds"."""
    return [f"£{int(a.value)}" for a in amounts(text)]
