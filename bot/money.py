"""Amounts of money in text, as numbers: "£100 million", "£1.2bn", "a hundred million pounds".

Questions and proposals write money every way there is; the guidance writes "£100 million"
and "£1,000,000". Reading both to a number lets them meet. Used by retrieval (money terms),
the question answerer and the proposal review (bot/rules.py), so they all read a sum alike.

Number words in full ("three hundred and forty million pounds") are read by text2num, a
maintained parser; fractions of a scale ("a quarter of a billion", "one and a half million",
"half a million") are read here, because text2num does not read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import text2num

_SCALE = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mn": 10**6,
          "billion": 10**9, "bn": 10**9, "b": 10**9, "hundred": 100, "grand": 10**3}
_FRACTIONS = {"half": 0.5, "quarter": 0.25, "third": 1 / 3, "three quarters": 0.75}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNITS = (r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
          r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
          r"sixty|seventy|eighty|ninety|hundred|thousand|million|billion")
# A run of number words: "three hundred and forty million", "a quarter of a billion".
_WORD = rf"(?:{_UNITS}|half|quarter|quarters|third)"
# "eleven million, two hundred thousand pounds": a comma after a scale word joins too.
_WORD_NUMBER = (rf"(?:(?:a|an)[ -])?{_WORD}(?:(?:[ -]|\s+and(?:\s+a|\s+an)?\s+|\s+point\s+|"
                rf"\s+of\s+(?:a|an)\s+|\s+(?:a|an)\s+|(?:(?<=million)|(?<=billion)|"
                rf"(?<=thousand)),\s+){_WORD})*")
WORD_NUMBER = _WORD_NUMBER  # shared with bot/understand.py, which reads chat money
_SCALES = r"(?:thousand|million|billion|grand|bn|mn|m|k|b)\b"
POUNDS_FIRST = re.compile(rf"£\s?(?P<n>{_NUMBER})\s*(?P<scale>{_SCALES})?", re.I)
POUNDS_AFTER = re.compile(
    rf"\b(?P<n>{_NUMBER}|{_WORD_NUMBER})\s*(?P<scale>(?:hundred\s+)?{_SCALES})?\s*"
    r"(?:pounds|pounds sterling|gbp|quid)\b", re.I)
# "four hundred and fifty grand", "450 grand": thousands of pounds, said without "pounds".
GRAND = re.compile(rf"\b(?P<n>{_NUMBER}|{_WORD_NUMBER})\s*(?P<scale>grand)\b", re.I)
# "about two hundred k" (chat-14): thousands of pounds in words. Only after number words:
# "12k users" and "200k requests" are counts, not money.
WORDS_K = re.compile(rf"\b(?P<n>{_WORD_NUMBER})\s+(?P<scale>k)\b", re.I)
# "50p per application": a price in pence.
PENCE = re.compile(r"\b(?P<n>\d{1,2})p\b(?=\s+(?:per|a|each|for each)\b)", re.I)
# Every sum a pattern finds contains one of these: a quick test that most text fails.
_MONEY_HINT = re.compile(r"£|pounds|gbp|quid|grand|\s+k\b|\dp\b", re.I)
_FRACTION = re.compile(r"^(?:(?P<whole>.+?)\s+and\s+)?(?:(?:a|an|one)\s+)?"
                       r"(?P<frac>three quarters|half|quarter|third)"
                       r"(?:\s+of)?(?:\s+(?:a|an|one))?(?:\s+(?P<scale>thousand|million|"
                       r"billion))?$")


@dataclass(frozen=True)
class Amount:
    value: float  # in pounds
    text: str  # as written
    start: int
    end: int


def number_words(text: str) -> float | None:
    """The value of a number written in words, or None: "three hundred and forty" is 340."""
    words = re.sub(r"[\s,-]+", " ", text.lower()).strip()
    fraction = _FRACTION.match(words)
    if fraction:
        whole = number_words(fraction.group("whole")) if fraction.group("whole") else 0.0
        if whole is None:
            return None
        return (whole + _FRACTIONS[fraction.group("frac")]) * _SCALE.get(
            fraction.group("scale") or "", 1)
    words = re.sub(r"^(a|an) ", "one ", words)
    point = re.fullmatch(r"(.+) point (\w+(?: \w+)*?)(?: (thousand|million|billion))?", words)
    if point:  # "one point two billion"
        whole = number_words(point.group(1))
        digits = [number_words(d) for d in point.group(2).split()]
        if whole is None or None in digits or any(d > 9 for d in digits):
            return None
        decimal = float("0." + "".join(str(int(d)) for d in digits))
        return (whole + decimal) * _SCALE.get(point.group(3) or "", 1)
    try:
        return float(text2num(words, "en"))
    except ValueError:
        return None


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return number_words(text)


def _scale(text: str | None) -> int:
    factor = 1
    for word in (text or "").lower().split():
        factor *= _SCALE.get(word, 1)
    return factor


def amounts(text: str) -> list[Amount]:
    """Every sum of money in `text`, in the order written, each once."""
    found: list[Amount] = []
    if not _MONEY_HINT.search(text):
        return found
    for pattern in (POUNDS_FIRST, POUNDS_AFTER, GRAND, WORDS_K):
        for match in pattern.finditer(text):
            if any(a.start <= match.start() < a.end for a in found):
                continue
            number = _number(match.group("n"))
            if number:
                found.append(Amount(number * _scale(match.group("scale")),
                                    match.group(0).strip(), match.start(), match.end()))
    found += [Amount(int(m.group("n")) / 100, m.group(0), m.start(), m.end())
              for m in PENCE.finditer(text)]
    return sorted(found, key=lambda a: a.start)


def money_terms(text: str) -> list[str]:
    """Amounts as word-index terms ("£100000000"), so "£100 million" meets "100m pounds"."""
    return [f"£{int(a.value)}" for a in amounts(text)]


def pounds(value: float) -> str:
    """A sum as a person writes it: "£100,000", "£1.5 million", "£250 million"."""
    if value >= 10**9 and value % 10**7 == 0:
        return f"£{value / 10**9:g} billion"
    if value >= 10**6 and value % 10**4 == 0:
        return f"£{value / 10**6:g} million"
    return f"£{value:,.0f}"
