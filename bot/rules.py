"""The spend control red lines and approval thresholds as rules: read the facts a text states
about a purchase, then judge them. Shared by the proposal review and the question answerer,
so "can we sign a hosting deal to 2032?" and a proposal saying so get the same verdict.

Each limit is read from the clause of `knowledge/spend-control-red-lines-summary.md` it rests
on (`LIMITS`), so a figure and the text quoted for it cannot disagree. Nothing here needs the
store or a model: it is plain reading (bot/reading.py) and arithmetic.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.money import Amount, amounts, number_words
from bot.reading import (
    WORD,
    Passage,
    affirms,
    already_made,
    clause,
    cues,
    deferred,
    find,
    mentions,
    negated,
    not_proposed,
    rejected,
    still_open,
)

RED_LINES_DOC = "spend-control-red-lines-summary"
RULES = ("contract-value", "hosting-length", "automatic-extension", "service-and-integrator",
         "approval-threshold")


@dataclass(frozen=True)
class Limit:
    """A limit and the exact clause of the red-lines summary it comes from."""

    clause: str

    @property
    def pounds(self) -> Amount:
        return amounts(self.clause)[0]

    @property
    def years(self) -> float:
        return durations(self.clause)[0][0]


LIMITS = {
    "contract-value": Limit("no IT contract may be worth more than £100 million"),
    "hosting-length": Limit("new hosting contracts may last no more than 2 years"),
    "automatic-extension": Limit("there are no automatic contract extensions"),
    "service-and-integrator": Limit("a supplier that provides a service may not also be the "
                                    "system integrator"),
    "approval-public": Limit("public-facing digital services need approval for spend above "
                             "£100,000"),
    "approval-other": Limit("all other digital, data and technology spend needs approval "
                            "above £1,000,000"),
    "approval-crypt-key": Limit("any spend on Crypt-Key needs approval, whatever the amount"),
}


@dataclass(frozen=True)
class Observation:
    """One thing one passage says: `fact` is a Facts field, `text` the passage as written."""

    fact: str
    value: object
    text: str


@dataclass(frozen=True)
class Facts:
    """What a text says about a purchase, as read by read_facts. `said` keeps, for each fact,
    the passages that state it, so a verdict can show all its evidence."""

    amounts: list[Amount]  # contract values only (savings excluded)
    hosting_years: float | None  # length of a HOSTING contract, if stated
    contract_years: float | None  # length of any contract, if stated
    automatic_extension: bool | None  # True: auto-extends/renews; False: says not; None: silent
    same_supplier_integrator: bool | None  # one supplier running the service and integrating it
    public_facing: bool | None
    crypt_key: bool
    said: tuple[Observation, ...] = field(default=(), compare=False)
    # Sums said to be spread over several contracts ("the programme envelope is £250 million,
    # bought as separate contracts"): no one contract's value, but spend needing approval.
    budgets: list[Amount] = field(default_factory=list)
    # Prices by the period with no term to multiply them by ("£25k a month", the length
    # still to be decided): each is only the least the contract is worth.
    open_rates: list[Amount] = field(default_factory=list)
    # A price over a range of terms or counts: the sums read are its least and most.
    ranged: bool = False
    # Sums that may or may not be spent: "an optional £150k add-on that we might buy".
    optional: list[Amount] = field(default_factory=list)


@dataclass(frozen=True)
class RuleOutcome:
    rule: str  # one of RULES
    verdict: str  # crosses | needs_approval | within
    found: str  # what the text says, e.g. "£120 million", "6 years"
    limit: str  # e.g. "£100 million", "2 years", "£100,000 (public-facing)"
    clause: str  # the clause of the red-lines summary it rests on, verbatim
    evidence: tuple[str, ...] = ()  # every passage that states what was found


_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|"
          r"november|december)")
_COUNT = (r"\d{1,3}(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
          r"twelve|thirteen|fourteen|fifteen|sixteen|eighteen|twenty|twenty-four|thirty|"
          r"thirty-six|forty-eight|sixty")
YEARS = re.compile(rf"\b({_COUNT})(?:[- ]and[- ]a[- ]half)?[- ](?:calendar[- ])?years?\b",
                   re.I)
MONTHS = re.compile(rf"\b({_COUNT})[- ]months?\b", re.I)
WEEKS = re.compile(rf"\b({_COUNT})[- ]weeks?\b", re.I)
# The rest of a term after its first year, priced by the year: "Year one costs £38m… After
# that the contract runs for three further years at £27m a year" is £119m in all.
FURTHER = re.compile(rf"\b({_COUNT})\s+(?:further|more|additional|subsequent|remaining)\s+"
                     rf"years?\b", re.I)
FIRST_YEAR = re.compile(r"\b(?:year\s+(?:one|1)|(?:the\s+)?first\s+year)\b", re.I)
SPREAD = re.compile(r"\bover\s+(?:the\s+)?(?:next\s+|first\s+)?$", re.I)
# A sentence whose subject is a contract: "The new contract, including hosting, is worth…".
CONTRACT_SUBJECT = re.compile(r"\s*(?:the|this|our|its|each|a|an)\s+(?:[\w-]+\s+){0,2}?"
                              r"(?:contract|deal|agreement|call-off|licence|license|"
                              r"subscription)s?\b(?!\s+(?:team|manager|management|route))",
                              re.I)
# A sum per period: "£40 million a year", "£2.1m per annum", "£300k annually", "£30k a
# month", "£45k a quarter". What the contract is worth is the rate over its term.
PER_PERIOD = re.compile(r"\s*(?:(?:a|per|each|every)\s+(?P<unit>year|annum|yr|month|quarter|week)\b"
                        r"|(?P<adverb>annually|monthly|quarterly|weekly)\b|p\.?a\.?(?!\w)"
                        r"|/\s*(?P<slash>year|yr|month|mth|quarter|week)\b)", re.I)
PERIODS_A_YEAR = {"year": 1, "annum": 1, "yr": 1, "annually": 1, "month": 12, "mth": 12,
                  "monthly": 12, "quarter": 4, "quarterly": 4, "week": 52, "weekly": 52}


# The period named before the sum: "monthly charge … is £85k", "an annual fee of £2m".
PERIOD_BEFORE = re.compile(r"\b(?P<adverb>monthly|quarterly|weekly|annual|yearly)\s+"
                           r"(?:[\w-]+\s+){0,2}?(?:charges?|fees?|costs?|prices?|bills?|"
                           r"subscriptions?|rates?|payments?|spend)\b[^£.;]{0,60}$", re.I)
PERIODS_A_YEAR |= {"annual": 1, "yearly": 1}
# The term said with the rate itself: "£30k a month for 4 months".
RATE_TERM = re.compile(r"\s*(?:for|over)\s+(?:the\s+)?(?:next\s+|first\s+)?$", re.I)


def _per_year(text: str, amount: Amount) -> int | None:
    """How many times a year a sum is paid, if it is a rate."""
    match = PER_PERIOD.match(text, amount.end)
    if match is not None:
        unit = match.group("unit") or match.group("adverb") or match.group("slash") or "year"
        return PERIODS_A_YEAR[unit.lower()]
    before = PERIOD_BEFORE.search(text[:amount.start])
    return PERIODS_A_YEAR[before.group("adverb").lower()] if before else None


# A price by the unit: "£12 per case", "50p per application", "£1.50 per check".
PER_UNIT = re.compile(r"\s*(?:per|a|each|for each|for every)\s+([a-z]{3,})\b", re.I)
_QUANTITY = r"(\d[\d,]*(?:\.\d+)?)\s*(k|m|thousand|million)?"
PERIOD_WORDS = frozenset(PERIODS_A_YEAR) | {"years", "months", "weeks", "day", "days"}
# A price per user is paid for the people who use it, however they are counted: "£75 per
# user per year … number of staff using it could be anywhere from 3,000 to 6,000" (chat-15).
PEOPLE = r"(?:users?|staff|people|employees?|seats?|licen[cs]es?|colleagues?)"


# A price for each of things counted before it: "2,400 rugged handhelds … at £520 each".
EACH = re.compile(r"\s*(?:each|apiece|a piece)\b"
                  r"(?!\s+(?:year|month|week|quarter|day)s?\b)", re.I)
COUNTED_BEFORE = re.compile(rf"\b{_QUANTITY}\s+((?:[a-z-]+\s+){{0,3}}?[a-z-]+s)\b"
                            r"[^£.;]{0,50}?\b(?:at|for|@|costing)\s*$", re.I)


def _per_unit(text: str, amount: Amount) -> re.Match[str] | None:
    """How a price by the unit is written after it: "each", "per case", "a check"."""
    return EACH.match(text, amount.end) or PER_UNIT.match(text, amount.end)


def _units(text: str, amount: Amount) -> list[tuple[float, str]] | None:
    """The counts a price by the unit is paid for, as the text estimates them ("about 40k
    cases", "anywhere from 50k to 100k checks"): the spend is the price times the count,
    and a range of counts is a range of spend."""
    if EACH.match(text, amount.end):
        before = COUNTED_BEFORE.search(text[:amount.start])
        return [(_quantity(before.group(1), before.group(2)),
                 f"{before.group(1)}{before.group(2) or ''} {before.group(3)}")] if before \
            else None
    unit = PER_UNIT.match(text, amount.end)
    if unit is None or unit.group(1).lower() in PERIOD_WORDS:
        return None
    noun = re.escape(unit.group(1).lower().rstrip("s"))
    counted = rf"\s+(?:[a-z-]+\s+)?{noun}(?:e?s)?\b"
    ranged = re.search(rf"{_QUANTITY}\s*(?:to|-|–|and)\s*{_QUANTITY}{counted}", text, re.I)
    if ranged is None and re.fullmatch(PEOPLE, noun, re.I):
        # The people named before their count: "the number of staff … from 3,000 to 6,000".
        ranged = re.search(rf"\b{PEOPLE}\b[^.£;]{{0,50}}?\b{_QUANTITY}\s*(?:to|-|–|and)\s*"
                           rf"{_QUANTITY}(?!\s*(?:years?|months?|yrs?|weeks?)\b)",
                           text[amount.end:], re.I)
        if ranged:  # its groups are the two counts, as below
            ranged = re.search(rf"{_QUANTITY}\s*(?:to|-|–|and)\s*{_QUANTITY}",
                               ranged.group(0)[ranged.group(0).find(ranged.group(1)):])
    if ranged:
        # "20 to 30 million payments": the scale written once is both ends'.
        first_scale = ranged.group(2) or ranged.group(4)
        return [(_quantity(ranged.group(1), first_scale), ranged.group(0).strip()),
                (_quantity(ranged.group(3), ranged.group(4)), ranged.group(0).strip())]
    single = [m for m in re.finditer(rf"{_QUANTITY}{counted}", text, re.I)
              if not amount.start <= m.start() < amount.end]
    return [(_quantity(m.group(1), m.group(2)), m.group(0).strip()) for m in single[:1]] \
        or None


def _quantity(number: str, scale: str | None) -> float:
    factor = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get((scale or "").lower(), 1)
    return float(number.replace(",", "")) * factor


# Parts of one contract priced apart: "£60m for the build plus £45m for 5 yrs of run and
# maintain, all in one contract" is a £105m contract.
ONE_CONTRACT = re.compile(r"\b(?:all|both)\s+(?:in|under)\s+(?:one|a single|the same)\s+"
                          r"(?:[\w-]+\s+)?(?:contract|deal|agreement)\b", re.I)
PLUS = re.compile(r"\s+(?:[^£.;]{0,40}?\s)?(?:plus|\+|and)\s+(?:another\s+|a further\s+)?$",
                  re.I)


def _summed(text: str, found: list[Amount]) -> Amount | None:
    """The sum of parts a sentence says are one contract, if it says so."""
    if len(found) < 2 or not ONE_CONTRACT.search(text):
        return None
    parts = [found[0]]
    for amount in found[1:]:
        if PLUS.match(text[parts[-1].end:amount.start]):
            parts.append(amount)
    if len(parts) < 2:
        return None
    return Amount(sum(a.value for a in parts), " + ".join(a.text for a in parts),
                  parts[0].start, parts[-1].end)


def _rate_term(text: str, amount: Amount, this_year: int | None) -> float | None:
    """The term written right after a rate ("£30k a month for 4 months"): the rate's own,
    whatever the clause goes on to say it is for."""
    rate = PER_PERIOD.match(text, amount.end)
    after = rate.end() if rate else amount.end
    for years, start, _ in durations(text, this_year):
        if start >= after and RATE_TERM.match(text[after:start]):
            return years
    return None
UNTIL = re.compile(rf"\b(?:until|to|through|till|ending in|ends in|expiring in|expires in)\s+"
                   rf"(?:(?:the )?(?:end|start|middle) of\s+|early\s+|late\s+|mid[- ])?"
                   rf"(?:{_MONTH}\s+)?(20\d\d)\b", re.I)


# A term given by its dates: "1 March 2027 to 31 October 2028", "start date 1 sept 2027,
# end date 28 feb 2030", "June 2026 to June 2028".
_MONTH_ABBR = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
               r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
# A day as a number or in words: "1 April", "the 1st of April", "the first of april 2027",
# "the last day of march 2029" (chat-17).
_DATE = (rf"(?:(?:the\s+)?(?P<d{{n}}>\d{{{{1,2}}}}|first|last(?:\s+day)?)(?:st|nd|rd|th)?\s+"
         rf"(?:of\s+)?)?(?P<m{{n}}>{_MONTH_ABBR})\.?\s+(?P<y{{n}}>20\d\d)\b")
DATE_SPAN = re.compile(
    r"\b" + _DATE.format(n=1) + r"\s*(?:-|–|—|to|until|till|through|and(?:\s+(?:finish|end|run)"
    r"(?:e?s)?(?:\s+(?:on|at))?)?)\s*(?:the\s+)?(?:end\s+of\s+)?" + _DATE.format(n=2)
    + r"|\b" + _DATE.format(n=3) + r"\s*[,;]?\s*(?:and\s+)?(?:an?\s+|the\s+)?end(?:s|ing)?"
    r"(?:\s+date)?(?:\s+(?:of|on|is|at))?\s*:?\s*" + _DATE.format(n=4), re.I)
MONTH_NUMBER = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


class Term(float):
    """A length in years that keeps how it was written, when no one figure says it: "104
    weeks plus 6 weeks" is shown so, not as a number of months nobody wrote."""

    written: str

    def __new__(cls, years: float, written: str) -> Term:
        term = super().__new__(cls, years)
        term.written = written
        return term


def _plural(length: str) -> str:
    """ "6 week" (as in "a 6 week exit period") as "6 weeks"."""
    return re.sub(r"^(\d+(?:\.\d+)?)[- ](year|month|week)$",
                  lambda m: f"{m.group(1)} {m.group(2)}{'s' * (m.group(1) != '1')}", length)


# A term given as a range: "somewhere between 2 and 3 years", "18 to 24 months".
TERM_RANGE = re.compile(rf"\b({_COUNT})\s*(?:and|to|-|–|or)\s*({_COUNT})[- ](years?|months?)\b",
                        re.I)
ADDED_TERM = re.compile(r"\s+(?:of\s+(?:[\w/-]+\s+){0,3})?(?:plus|\+|followed by|and then)\s+"
                        r"(?:an?\s+|another\s+)?(?:(?:further|extra|additional)\s+)?", re.I)


def _day(written: str | None, year: int, month: int) -> str | None:
    """A day of the month as a number: "first" is 1, "last day" the month's last."""
    if not written or written.isdigit():
        return written
    if written.lower() == "first":
        return "1"
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return str((following - datetime.timedelta(days=1)).day)


def _span_years(match: re.Match[str]) -> float:
    """The length of a term between two dates, the end date included: 1 April 2025 to 31
    March 2027 is 2 years, and "April 2027 to March 2029" (months only) is too."""
    n = 1 if match.group("m1") else 3
    start_month = MONTH_NUMBER[match.group(f"m{n}")[:3].lower()]
    end_month = MONTH_NUMBER[match.group(f"m{n + 1}")[:3].lower()]
    months = (int(match.group(f"y{n + 1}")) - int(match.group(f"y{n}"))) * 12 \
        + end_month - start_month
    start_day, end_day = (_day(match.group(f"d{n}"), int(match.group(f"y{n}")), start_month),
                          _day(match.group(f"d{n + 1}"), int(match.group(f"y{n + 1}")),
                               end_month))
    if start_day and end_day:
        try:
            start = datetime.date(int(match.group(f"y{n}")), start_month, int(start_day))
            end = datetime.date(int(match.group(f"y{n + 1}")), end_month, int(end_day)) \
                + datetime.timedelta(days=1)
        except ValueError:
            return months / 12
        months = (end.year - start.year) * 12 + end.month - start.month \
            + (end.day - start.day) / 30.44
    elif months % 12 == 11:
        months += 1  # to the end of the month before the anniversary
    return round(months) / 12 if abs(months - round(months)) < 0.05 else months / 12


def _count(text: str) -> float | None:
    text = text.lower()
    if text in ("a", "an"):
        return 1.0
    try:
        return float(text)
    except ValueError:
        return number_words(text)


# A term counted from go-live is a term, not a deferral: "host it for 36 months after
# go-live" (chat-19).
FROM_GO_LIVE = re.compile(r"\s+(?:after|from|following)\s+(?:go[- ]?live|going live|launch)\b",
                          re.I)


def durations(text: str, this_year: int | None = None) -> list[tuple[float, int, int]]:
    """Every length of time `text` states, in years, with where it is written:
    "five-year", "18 months", "a 10-week contract", "until 2031" (counted from this year)."""
    this_year = this_year or datetime.date.today().year
    found = []
    sums = amounts(text)
    for match in YEARS.finditer(text):
        count = _count(match.group(1))
        if match.group(1).lower() in ("a", "an") and any(
                not text[a.end:match.start()].strip() for a in sums):
            continue  # a rate, not a length: "£95,000 a year"
        if count is not None:
            half = 0.5 if "half" in match.group(0).lower() else 0.0
            found.append((count + half, match.start(), match.end()))
    for pattern, per_year in ((MONTHS, 12), (WEEKS, 52)):
        for match in pattern.finditer(text):
            if match.group(1).lower() in ("a", "an") and any(
                    not text[a.end:match.start()].strip() for a in sums):
                continue  # a rate: "£30k a month"
            count = _count(match.group(1))
            if count is not None:
                # Weeks are shown as written: "96 weeks" is not "22 months" (chat-19).
                years = count / per_year if per_year == 12 else Term(
                    count / per_year, _plural(match.group(0)))
                found.append((years, match.start(), match.end()))
    # "104 weeks of live hosting plus a 6 week exit period": one term, the two added.
    found.sort(key=lambda f: f[1])
    for (a, a_start, a_end), (b, b_start, b_end) in zip(found, found[1:], strict=False):
        if ADDED_TERM.fullmatch(text[a_end:b_start]):
            written = " plus ".join(_plural(text[lo:hi]) for lo, hi in ((a_start, a_end),
                                                                          (b_start, b_end)))
            found.append((Term(a + b, written), a_start, b_end))
    spans = [m.span() for m in DATE_SPAN.finditer(text)]
    found += [(_span_years(m), m.start(), m.end()) for m in DATE_SPAN.finditer(text)]
    for match in UNTIL.finditer(text):
        if any(lo <= match.start() < hi for lo, hi in spans):
            continue  # the end of a span of dates, measured from its start
        if int(match.group(1)) > this_year:
            found.append((float(int(match.group(1)) - this_year), match.start(), match.end()))
    return sorted(found, key=lambda f: f[1])


# "at year two", "in month 18": a point in a contract named by its count.
NTH = re.compile(rf"\b(year|month)\s+({_COUNT})\b", re.I)
# "at 24 and 36 months": numbers sharing the unit written after the last.
SHARED_UNIT = re.compile(rf"\b({_COUNT})\s*(?:,|and|or)\s*(?:{_COUNT})\s*[- ](months?|years?)\b",
                         re.I)


def earliest_point(text: str) -> float | None:
    """The earliest point in time `text` names, in years, or None: "after 12 months" is 1,
    "at year five" 5, "at 24 and 36 months" 2, "a 9-month break" 0.75. Used for when a
    contract can first be left."""
    found = [years for years, _, _ in durations(text)]
    for match in NTH.finditer(text):
        count = _count(match.group(2))
        if count is not None:
            found.append(count / (12 if match.group(1).lower() == "month" else 1))
    for match in SHARED_UNIT.finditer(text):
        count = _count(match.group(1))
        if count is not None:
            found.append(count / (12 if match.group(2).lower().startswith("month") else 1))
    return min(found, default=None)


def _not_spend(text: str, amount: Amount) -> bool:
    """Whether a sum is money saved or earned rather than spent: "savings of £150 million"."""
    lo, hi = clause(text, amount.start, amount.end)
    reach = cues()["facts"]["not_spend_reach"]
    for cue in find("facts.not_spend", text[lo:amount.start]):
        if len(WORD.findall(text[lo + cue.end():amount.start])) <= reach:
            return True
    return bool(re.match(r"\s*(?:a year\s+|per year\s+|each year\s+|annually\s+)?(?:in|of) "
                         r"(?:cashable )?(?:savings|fees|payments|revenue|income|receipts)",
                         text[amount.end:hi]))


class Rate(NamedTuple):
    """A price by the period, waiting for the term it is paid over."""

    amount: Amount
    evidence: str
    several: bool  # said of several contracts
    years: float | None  # the term stated with it
    further: bool  # "three further years at £27m a year", after a first year's price
    per_year: int = 1  # 12 for "a month", 4 for "a quarter"


PERIOD_NAMES = {1: "a year", 12: "a month", 4: "a quarter", 52: "a week"}


def _over_the_term(amount: Amount, years: float, per_year: int = 1) -> Amount:
    """A price by the period as the contract's worth: "£40 million a year for a three-year
    contract" is a £120 million contract, which is what the contract-value line measures,
    and "£30k a month for 4 months" is £120,000, over the public-facing threshold."""
    term = getattr(years, "written", None) or (
        _years(years) if per_year == 1 or (years * 12) % 1 else _months(years))
    return Amount(amount.value * years * per_year,
                  f"{amount.text} {PERIOD_NAMES[per_year]} for {term}", amount.start, amount.end)


def _months(years: float) -> str:
    months = round(years * 12)
    return _years(years) if months % 12 == 0 else f"{months} month{'s' * (months != 1)}"


# A length written as the contract's own adjective: "a five year hosting agreement",
# "a 3-year contract". It is the term, whatever else the clause says ("our data centre
# migration needs a five year hosting agreement" is no migration's length).
TERM_NOUN = re.compile(r"[\s-]+(?:[\w-]+\s+)?(?:hosting|contract|deal|agreement|licence|"
                       r"license|subscription|call-off|lease|term)s?\b"
                       # "one contract covering design, build and five years of application
                       # support" (proposals_dev8)
                       r"|\s+of\s+(?:[\w-]+\s+)?(?:support|maintenance|hosting)\b", re.I)
# A sum that names a limit rather than what is spent: "where does the £1m threshold come
# from?", "does the £100m red line apply to call-offs?".
LIMIT_NOUN = re.compile(r"\s*(?:approval\s+|spend(?:ing)?\s+control\s+|hosting\s+|contract\s+)?"
                        r"(?:threshold|limit|red[- ]line|line|cap|ceiling|rule)s?\b", re.I)
# A sum given as an example of a limit: "was there an older cap on IT contract size, like
# £250m?" (chat-15).
LIMIT_BEFORE = re.compile(r"\b(?:cap|limit|ceiling|threshold)s?\b[^.;?£]{0,40}?"
                          r"\b(?:like|such as|say)\s*$", re.I)


def _names_a_term(text: str, end: int) -> bool:
    return bool(TERM_NOUN.match(text, end))


# A sum the writer measures theirs against: "since it's way under £100k a month". (A plain
# "under £100k" may be the cost itself, as an upper bound.)
MEASURED_AGAINST = re.compile(r"\b(?:way|well|far|comfortably|miles)\s+(?:under|below|"
                              r"less than|short of)\s*$", re.I)


def _names_a_limit(text: str, amount: Amount) -> bool:
    """"the £100m cap", and each of "the £100k and £1m thresholds": limits, not spend."""
    if LIMIT_NOUN.match(text, amount.end) or MEASURED_AGAINST.search(text[:amount.start]) \
            or LIMIT_BEFORE.search(text[:amount.start]):
        return True
    pair = re.match(r"\s*(?:and|or|vs\.?|versus|,)\s+(?:the\s+)?", text[amount.end:], re.I)
    if pair:
        after = next((a for a in amounts(text) if a.start == amount.end + pair.end()), None)
        return after is not None and bool(LIMIT_NOUN.match(text, after.end))
    return False


def _siblings(label: str, previous: str) -> bool:
    """Whether two labels name members of one series: "Lot 2" and "Lot 3", "Phase 1" and
    "Phase 2" (not "Term" after "Hosting", which says more of the same contract)."""
    a, b = label.split(), previous.split()
    return len(a) == len(b) == 2 and a[0].lower() == b[0].lower() and a[1] != b[1]


ASKED_WHETHER = re.compile(r"\b(?:does|do|would|will|is|are|could|can)\s+(?:that|this|it|they)"
                           r"\s+(?:make\s+it\s+|count\s+as\s+|still\s+)?(?:be\s+)?$", re.I)
# The department's own data centre, named with its place: "our Swansea data centre".
OUR_CENTRE = re.compile(r"\bour\s+(?:[\w-]+\s+){0,2}data cent(?:re|er)s?\b", re.I)


def _only_the_centre(text: str) -> bool:
    """Whether the only hosting `text` speaks of is "the data centre", after the department
    named its own: "storage arrays … in our Swansea data centre. We propose buying new
    arrays for the data centre" buys kit for it, not hosting (proposals_dev11)."""
    found = find("facts.hosting", text)
    return bool(found) and all(
        m.group(0).lower().startswith("data cent")
        and re.search(r"\bthe\s+$", text[:m.start()], re.I) for m in found)


PROGRAMME_SUM = re.compile(r"\b(?:budget|whole-life|whole life|programme|envelope)\b", re.I)
PUBLISHED = re.compile(r"\bpublish(?:ed|es|ing)?\b", re.I)
ONLY = re.compile(r"\bonly\b", re.I)
PUBLIC_NAMED = re.compile(r"\bpublic\s+['‘\"]\w", re.I)
REFUSAL_THEN_REASON = re.compile(r"\W*we\s+(?:\w+\s+){1,3}?(?:it|that|this|them)?\s*"
                                 r"(?:down)?\s*[:;,—–-]", re.I)
AWARD = re.compile(r"\baward(?:s|ed|ing)?\b", re.I)  # "BTP proposes to award … to Sentinel"
TOTAL = re.compile(r"\W*(?:(?:the\s+)?total|in total|overall|altogether)\b", re.I)
IT_BEFORE = re.compile(r"\b(?:it|this|that)\b", re.I)


def buys_hosting(text: str) -> bool:
    """Whether `text` speaks of hosting bought from someone, not denied ("no hosting") and
    not the department's own: "it will run on-premises in our own data centre" and "the
    systems will stay in MoD-owned data centres" buy no hosting contract, so a contract
    length said next is no hosting term."""
    own = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in cues()["facts"]["self_hosted"])
                     + r")\W+(?:[\w'’]+\W+)?$", re.I)
    estate = [m.span() for m in find("facts.own_estate", text)]
    return any(not negated(text, m.start(), m.end()) and not own.search(text[:m.start()])
               and not any(lo <= m.start() < hi for lo, hi in estate)
               for m in find("facts.hosting", text))


def _names_a_contract(text: str) -> bool:
    """Whether a sentence names a contract of its own, not one named before ("the term")."""
    return mentions("facts.contract", text) and not mentions("facts.definite_contract", text)


def _runs_and_integrates(text: str) -> bool:
    """One supplier given both roles in one list: "the incumbent, who will host the systems,
    maintain the application, and act as systems integrator". The sentence must name a
    supplier (not "we will host it and act as integrator"), say it runs the service before
    it gives the integrator role, and not say the integrator is someone else."""
    if not (mentions("facts.supplier", text) or _subject(text)) \
            or mentions("facts.separate_integrator", text):
        return False
    for match in find("facts.acts_as_integrator", text):
        if negated(text, match.start(), match.end()):
            continue
        if any(not negated(text, m.start(), m.end())
               for m in find("facts.runs_service", text[:match.start()])):
            return True
    return False


def _starts_with(phrases: str, text: str) -> bool:
    """Whether `text` opens with one of `phrases`, after a short opening phrase of its own:
    "On the commercial side, the agreement will run for four years" (proposals_dev12)."""
    text = INTRO.sub("", text, count=1).lstrip()
    return any(m.start() == 0 for m in find(phrases, text))


# "On the commercial side, ", "Commercially, ", "In terms of cost, ": no more than four words
# and a comma before the sentence's subject.
INTRO = re.compile(r"^\s*(?:[A-Za-z]+\s+){0,3}[A-Za-z]+,\s+(?=[a-z])")


def _refused_next(following: Sequence[str | Passage]) -> bool:
    """Whether the sentence after one is only a refusal of it ("We refused."): what that
    one describes is then not proposed."""
    if not following:
        return False
    text = following[0].read if isinstance(following[0], Passage) else following[0]
    # "We turned it down: five years takes us well past…" gives its reason after the refusal.
    return _starts_with("facts.refused", text) and (
        len(WORD.findall(text)) <= 8 or bool(REFUSAL_THEN_REASON.match(text)))


def _flag(observations: list[Observation], fact: str) -> bool | None:
    values = [o.value for o in observations if o.fact == fact]
    return True if True in values else False if False in values else None


def read_facts(sentences: Sequence[str | Passage], this_year: int | None = None) -> Facts:
    """The facts a text states, aware of negation ("there are no automatic extensions"),
    of sums that are savings, and of a contract named in one sentence and measured in the
    next ("a contract for hosting. The contract will run for 7 years.") or in a table row."""
    said: list[Observation] = []
    rates: list[Rate] = []
    previous = previous_text = named_text = previous_label = ""
    named_hosting = False  # whether the contract last named is one for hosting
    split = False  # whether the purchase has been said to be several contracts
    term_ranges: list[tuple[float, float]] = []  # "between 2 and 3 years", anywhere
    made_terms: set[float] = set()  # lengths of contracts already made
    own_centre = False  # whether the department's own data centre has been named
    awarded: set[str] = set()  # who the contract last named goes to
    hosts: set[str] = set()  # names in sentences that buy hosting
    elsewhere: set[str] = set()  # roles said to be held in another part of government
    for at, item in enumerate(sentences):
        passage = item if isinstance(item, Passage) else Passage(item)
        text, evidence = passage.read, passage.text
        if _refused_next(sentences[at + 1:at + 2]):
            continue  # "The supplier asked for an evergreen contract. We refused."
        context = f"{previous} {passage.heading}"
        # "We will split the work into three lots… Total: £114m.": the total of a purchase
        # already said to be several contracts is theirs, not one's (proposals_dev13).
        several = mentions("facts.several_contracts", text) or split and (
            mentions("facts.total_rows", passage.heading) or bool(TOTAL.match(text)))
        split = split or mentions("facts.several_contracts", text)
        spent = [a for a in amounts(text) if not _not_spend(text, a)
                 and not _names_a_limit(text, a) and not not_proposed(text, a.start, a.end)]
        whole = _summed(text, spent)
        if whole is not None:
            said.append(Observation("budgets" if several else "amounts", whole, evidence))
        for amount in amounts(text):
            if whole is not None and whole.start <= amount.start < whole.end:
                continue  # a part of the contract summed above
            # The count may follow in the next sentence ("£1.50 per check. Volumes could
            # be anywhere from 50k to 100k checks").
            after = sentences[at + 1:at + 2]
            counts = _units(text + " " + " ".join(
                a.read if isinstance(a, Passage) else a for a in after), amount)
            if counts and amount in spent:
                unit = _per_unit(text, amount)
                per = unit.group(0).strip()
                # "£75 per user per year on a 3 yr fixed term": by the unit and by the year.
                per_year = _per_year(text, Amount(amount.value, "", amount.start, unit.end()))
                years = max((y for y, _, _ in durations(text, this_year)), default=1.0) \
                    if per_year else None
                if len(counts) > 1:
                    said.append(Observation("ranged", True, evidence))  # least and most
                for count, words in counts:
                    value = amount.value * count * (per_year * years if per_year else 1)
                    said.append(Observation("amounts", Amount(
                        value, f"{amount.text} {per}"
                        + (f" {PERIOD_NAMES[per_year]}" if per_year else "") + f" for {words}"
                        + (f" over {getattr(years, 'written', None) or _years(years)}"
                           if per_year else ""),
                        amount.start, amount.end), evidence))
                continue
            if amount in spent and mentions("facts.optional_spend",
                                            text[slice(*clause(text, amount.start, amount.end))]):
                said.append(Observation("optional", amount, evidence))
                continue
            if not _not_spend(text, amount) and not _names_a_limit(text, amount) \
                    and not not_proposed(text, amount.start, amount.end):
                per_year = _per_year(text, amount)
                if per_year:
                    # A price by the year (or month) is multiplied by a term stated with
                    # it, else by the contract's length once it is known (below).
                    own = _rate_term(text, amount, this_year)
                    terms = [own] if own else [
                        years for years, start, end in durations(text, this_year)
                        if not mentions("facts.not_a_term",
                                        text[slice(*clause(text, start, end))])]
                    further = [_count(m.group(1)) for m in FURTHER.finditer(text)]
                    if any(further) and not terms and per_year == 1:
                        rates.append(Rate(amount, evidence, several,
                                          max(f for f in further if f), True))
                        continue
                    rates.append(Rate(amount, evidence, several, max(terms, default=None),
                                      False, per_year))
                    continue
                said.append(Observation("budgets" if several else "amounts", amount, evidence))
        hosting_here = buys_hosting(text) and not (own_centre and _only_the_centre(text))
        own_centre = own_centre or bool(OUR_CENTRE.search(text))
        for ranged in TERM_RANGE.finditer(text):
            per = 12 if ranged.group(3).lower().startswith("m") else 1
            low, high = _count(ranged.group(1)), _count(ranged.group(2))
            if low and high:
                term_ranges.append((low / per, high / per))
        fragment = len(WORD.findall(text)) <= 4
        # "Lot 2: hosting on AWS, 24 months" then "Lot 3: service desk, 3 years": a line
        # labelled as the next of a series speaks of its own thing (proposals_dev11).
        sibling = _siblings(passage.heading, previous_label)
        # "… a new hosting contract for our grants system. start date 1 sept 2027, end date
        # 28 feb 2030": dates with no contract of their own are the last one's (chat-15).
        dated = any(not _names_a_contract(text[slice(*clause(text, *m.span()))])
                    for m in DATE_SPAN.finditer(text))
        # Under a heading naming the term ("Term and value: Eight years from April…"), a
        # length is the contract's last named (proposals_dev17).
        refers = (_starts_with("facts.refers_back", text) or fragment or dated
                  or mentions("facts.same_again", text) or bool(passage.reading)
                  or _starts_with("facts.refers_back", passage.heading)) and not sibling
        for years, start, end in durations(text, this_year):
            if LIMIT_NOUN.match(text, end):
                continue  # "does the 2 yr limit on hosting contracts cover SaaS?" (chat-14)
            after = re.match(r"[\s-]+([\w-]+)", text[end:])
            if after and mentions("facts.not_a_term_noun", after.group(1)):
                continue  # "the 5yr quadrant": the length of a view, not of a contract
            if already_made(text):
                made_terms.add(years)
                continue  # signed in 2023, whichever clause holds its end (chat-13)
            if years in made_terms and re.search(r"\b(?:the|that|this|our)\s+$", text[:start],
                                                 re.I):
                continue  # "…a 5 yr hosting contract we signed in 2025. does the 5 yr hosting
                # deal give us a problem?" asks about the one already made (chat-18)
            lo, hi = clause(text, start, end)
            # A term with a period added to it is the contract's, whatever the period is
            # for: "104 weeks of live hosting plus a 6 week transition/exit period" (chat-16).
            # Nor is a span of dates anything but a term ("… the last day of March 2029").
            added = bool(ADDED_TERM.search(text[start:end])) or bool(DATE_SPAN.match(text, start))
            if not _names_a_term(text, end) and not added \
                    and mentions("facts.not_a_term", text[lo:hi]) \
                    or not_proposed(text, start, end) or deferred(text, start, end) \
                    and not FROM_GO_LIVE.match(text, end):
                if not_proposed(text, start, end):
                    made_terms.add(years)  # "…which was signed in 2022 for 6 years"
                continue  # "length not agreed yet, the supplier is pushing for 3 years"
            if SPREAD.search(text[lo:start]) and amounts(text[lo:start]) \
                    and not CONTRACT_SUBJECT.match(text):
                # What a sum is spent over: "the portal will cost £2.5 million over two
                # years". But a contract's worth over years is its term: "The contract is
                # worth £28 million over four years".
                continue
            # "We'll sign a new hosting contract with Nimbus… Nimbus's price for the term is
            # £1.4m. The term runs for 36 months": the term is the last contract named.
            # (A contract named in passing is no new one: "the problems we had with the last
            # multi-supplier arrangement", proposals_dev14.)
            earlier = not buys_hosting(context) and named_hosting and not (
                _names_a_contract(previous) and mentions("facts.proposing", previous))
            if hosting_here or refers and (buys_hosting(context) or earlier):
                if not hosting_here and previous_text and buys_hosting(previous):
                    said.append(Observation("hosting_years", years, previous_text))
                elif not hosting_here and earlier:
                    said.append(Observation("hosting_years", years, named_text))
                said.append(Observation("hosting_years", years, evidence))
            if hosting_here or mentions("facts.contract", text) or refers and (
                    mentions("facts.contract", context) or affirms("facts.hosting", context)):
                said.append(Observation("contract_years", years, evidence))
        for match in find("facts.automatic", text):
            if not_proposed(text, match.start(), match.end()):
                continue
            # "New 7-year contract, £64m all in. After year 7 it auto-renews in 2-year
            # blocks": "it", before the cue, is the contract just named (proposals_dev11).
            it = IT_BEFORE.search(text[:match.start()]) and mentions("facts.contract", context)
            if mentions("facts.extension", text) or mentions("facts.contract", text) or it:
                # "We want to avoid automatic extensions" turns it down as "no" does.
                said.append(Observation("automatic_extension",
                                        not negated(text, match.start(), match.end())
                                        and not rejected(text, match.start()), evidence))
        if mentions("facts.extension", text) and any(
                not negated(text, m.start(), m.end())
                for m in find("facts.chosen_extension", text)):
            said.append(Observation("automatic_extension", False, evidence))
        if mentions("facts.integrator", text) and not not_proposed(text, 0, len(text)):
            separate = [m for m in find("facts.separate_integrator", text)
                        if not negated(text, m.start(), m.end())]
            said += [Observation("same_supplier_integrator", False, evidence) for _ in separate]
            # "a separate firm to be the systems integrator": who is integrator is said,
            # and it is not the supplier, so "be the integrator" there is not one doing both.
            # "split into 22 contracts across build, hosting, service integration and
            # support ... so that we can replace any one supplier" gives no one both roles.
            several = mentions("facts.several_contracts", text)
            for match in [] if separate or several else find("facts.same_integrator", text):
                if any(deferred(text, m.start(), m.end()) for m in
                       [match, *find("facts.integrator", text)]):
                    continue  # "X has bid to be the SI too; we haven't picked the integrator"
                said.append(Observation("same_supplier_integrator",
                                        not negated(text, match.start(), match.end()),
                                        evidence))
        # Outside the test above: "will continue to host, support and integrate the
        # system" gives the integrator role without the word "integrator" (dev8).
        if _runs_and_integrates(text) and not not_proposed(text, 0, len(text)):
            said.append(Observation("same_supplier_integrator", True, evidence))
        # "we haven't decided if it'll be public-facing or staff only" decides neither.
        not_public = [m.span() for m in find("facts.not_public_facing", text)]
        for match in find("facts.public_facing", text):
            if any(lo <= match.start() < hi for lo, hi in not_public):
                continue  # "the public cloud", "the Office of the Public Guardian"
            before = text[slice(clause(text, match.start(), match.end())[0], match.start())]
            if ASKED_WHETHER.search(before):
                continue  # "does that make it public facing?" asks, it does not say (chat-17)
            if PUBLISHED.search(before):
                continue  # "results … published as open data on our website" (dev16)
            # "we *might* add a portal so the public can check their case" hedges who it is
            # for, wherever in the sentence the hedge stands (chat-13).
            if not deferred(text, match.start(), match.end()) \
                    and not mentions("deferral.hedges", text[:match.start()]) \
                    and not not_proposed(text, match.start(), match.end()):
                said.append(Observation("public_facing", not negated(text, match.start(),
                                                                     match.end()), evidence))
        # A service named as public: "public 'report fly-tipping' form" (chat-18).
        for match in PUBLIC_NAMED.finditer(text):
            if not negated(text, match.start(), match.end()):
                said.append(Observation("public_facing", True, evidence))
        for match in find("facts.public_platforms", text):
            if not negated(text, match.start(), match.end()) and not deferred(
                    text, match.start(), match.end()) and not rejected(
                    text, match.start(), "negation.alternatives"):
                said.append(Observation("public_facing", True, evidence))
        for match in find("facts.internal", text):
            if not negated(text, match.start(), match.end()) \
                    and not deferred(text, match.start(), match.end()):
                said.append(Observation("public_facing", False, evidence))
        for match in find("facts.public_users", text):
            _, hi = clause(text, match.start(), match.end())
            if not negated(text, match.start(), match.end()) \
                    and mentions("facts.public_uses", text[match.end():hi]):
                said.append(Observation("public_users", True, evidence))
        # "the package may or may not include Crypt-Key" says neither (see verdicts.py).
        if any(not negated(text, m.start(), m.end()) and not still_open(text, m.start(), m.end())
               and not not_proposed(text, m.start(), m.end())
               and not mentions("facts.separate_spend", text[slice(*clause(text, m.start(),
                                                                          m.end()))])
               for m in find("facts.crypt_key", text)):
            said.append(Observation("crypt_key", True, evidence))
        if mentions("facts.elsewhere_in_government", text):
            # "Brightline is also the systems integrator on HMRC's customs programme. That is
            # a different department and a different service." (proposals_dev17): the red
            # line is for the same service in the same part of government.
            elsewhere |= {evidence, previous_text}
            said = [o for o in said if not (o.fact == "same_supplier_integrator" and o.value
                                            and o.text in elsewhere)]
        previous, previous_text, previous_label = text, evidence, passage.heading
        if hosting_here:
            hosts |= {w.lower() for w in CAPITALISED.findall(text)} | set(_subject(text))
        # "Brightwater will continue to host … We will award the contract directly to
        # Brightwater": a contract awarded to the one who hosts is a hosting contract.
        to_host = bool(_awarded_to(text) & hosts)
        # A contract named in passing, proposing nothing, leaves the last one named.
        passing = _names_a_contract(text) and not hosting_here \
            and not mentions("facts.proposing", text)
        if (_names_a_contract(text) and not passing) or to_host \
                or AWARD.search(text) and _awarded_to(text):
            named_text = evidence
            named_hosting = hosting_here or to_host
            awarded = _awarded_to(text)
        elif hosting_here and awarded & ({w.lower() for w in CAPITALISED.findall(text)}
                                         | set(_subject(text))):
            # "award a single managed service … to Sentinel. Sentinel will … host it": the
            # contract awarded is then one for hosting (proposals_dev14).
            named_hosting = True
    read = [item if isinstance(item, Passage) else Passage(item) for item in sentences]
    given = [item for item in sentences if isinstance(item, Passage)]  # tables come as these
    said += _one_supplier_in_a_table(given) + _table_totals(given)
    if not any(o.fact == "same_supplier_integrator" for o in said):
        across = _one_named_supplier_across_sentences(read) + _one_winner_of_both_lots(read)
        said += [] if any(o.text in elsewhere for o in across) else across
    if split:
        # "Its whole-life budget is £230 million … It will not be let as a single contract"
        # (proposals_dev16): the programme's sum said before the split is its budget.
        said = [Observation("budgets", o.value, o.text) if o.fact == "amounts"
                and PROGRAMME_SUM.search(o.text) else o for o in said]
    public = _flag(said, "public_facing")
    # "Members of the public … search orders on GOV.UK … This proposal does not touch those
    # public services. … The tool is used only by staff" (proposals_dev16): said to be for
    # staff only, it is internal whatever public service is described beside it.
    if public and any(o.fact == "public_facing" and o.value is False and ONLY.search(o.text)
                      for o in said):
        public = False
    hosting = [o.value for o in said if o.fact == "hosting_years"]
    contract = [o.value for o in said if o.fact == "contract_years"]
    open_rates = []
    for amount, evidence, several, years, further, per_year in rates:
        years = years or (max(contract) if contract else None)
        value = _over_the_term(amount, years, per_year) if years else Amount(
            amount.value, f"{amount.text} {PERIOD_NAMES[per_year]}", amount.start, amount.end)
        if not years:
            open_rates.append(value)
        if years and not further:
            # "£450k a year. Term … somewhere between 2 and 3 years": the least it comes to
            # as well (chat-17).
            low = next((lo for lo, hi in term_ranges if hi == years and lo < years), None)
            if low:
                said.append(Observation("budgets" if several else "amounts",
                                        _over_the_term(amount, low, per_year), evidence))
                said.append(Observation("ranged", True, evidence))
        if further:  # the first year's price, stated before, is part of the same contract
            first = [o.value for o in said if o.fact == ("budgets" if several else "amounts")
                     and FIRST_YEAR.search(o.text)]
            if first:
                value = Amount(value.value + sum(a.value for a in first),
                               f"{' + '.join(a.text for a in first)} + {value.text}",
                               value.start, value.end)
        said.append(Observation("budgets" if several else "amounts", value, evidence))
    return Facts(
        amounts=[o.value for o in said if o.fact == "amounts"],
        hosting_years=max(hosting) if hosting else None,
        contract_years=max(contract) if contract else None,
        automatic_extension=_flag(said, "automatic_extension"),
        same_supplier_integrator=_flag(said, "same_supplier_integrator"),
        public_facing=public if public is not None else _flag(said, "public_users"),
        crypt_key=any(o.fact == "crypt_key" for o in said),
        said=tuple(said),
        budgets=[o.value for o in said if o.fact == "budgets"], open_rates=open_rates,
        ranged=any(o.fact == "ranged" for o in said),
        optional=[o.value for o in said if o.fact == "optional"])


def _row_cells(passage: Passage) -> list[tuple[str, str]]:
    """A table row's cells with their headers, as `passages` labels them ("Supplier: B")."""
    cells = [part.partition(": ") for part in passage.reading.split("; ")]
    return [(h.strip(), c.strip()) for h, sep, c in cells if sep]


# The name a sentence opens with, as its subject: "ClearPoint Digital will provide hosting",
# "ClearPoint has agreed to take on that systems integration role as well".
PROPOSED_THAT = re.compile(r"\s*(?:we\s+(?:propose|suggest|recommend|want|intend)\s+that\s+)?",
                           re.I)
NAMED_SUBJECT = re.compile(r"\s*((?:[A-Z][\w&.'’-]*,?\s+){1,4}?)(?:will|has|have|is|are|would|"
                           r"shall|also|can|already|who)\b")


def _subject(text: str) -> tuple[str, ...]:
    """The words of the name a sentence opens with, lower-cased ("clearpoint", "digital"),
    or () when the sentence opens with a pronoun or a determiner ("We will…", "The
    supplier…") or a bare role ("Supplier will…")."""
    # "We propose that Civica, who already run the portal, build…": the name proposed is
    # the subject (proposals_dev11).
    match = NAMED_SUBJECT.match(text, PROPOSED_THAT.match(text).end())
    if not match:
        return ()
    words = tuple(match.group(1).lower().replace(",", " ").split())
    if words[0] in {w.lower() for w in cues()["facts"]["not_names"]} or (
            len(words) == 1 and mentions("facts.supplier", words[0])):
        return ()
    return words


def _same_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One name written in full and short: "ClearPoint Digital" and "ClearPoint" are one;
    "Supplier A" and "Supplier B" are two."""
    return a[:len(b)] == b or b[:len(a)] == a


CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][\w&-]+)")
AWARDED_TO = re.compile(r"\b(?:to|by|with)\s+([A-Z][\w&-]*)\b(?!['’]s)")


def _awarded_to(text: str) -> set[str]:
    """The names a sentence gives its role to after a preposition, lower-cased, not denied:
    "Integration … is also going to Kestrel", "a contract, awarded directly to Corvanta".
    Not as a possessive: "integration with Kestrel's platform" names a system."""
    return {m.group(1).lower() for m in AWARDED_TO.finditer(text)
            if not negated(text, m.start(1), m.end(1))}


BOTH_LOTS = re.compile(r"\b(?:both|all(?: the)?|each of the)\s+(?:\w+\s+)?(?:lots|contracts)\b",
                       re.I)


def _one_winner_of_both_lots(items: list[Passage]) -> list[Observation]:
    """"lot 1 = run the service, lot 2 = systems integration for that same platform. same
    company came top on both lots" (chat-15): one supplier winning the lot that runs a
    service and the lot that integrates it does both."""
    if not any(mentions("facts.integrator", p.read) and re.search(r"\blot\b", p.read, re.I)
               for p in items):
        return []
    return [Observation("same_supplier_integrator", True, p.text) for p in items
            if BOTH_LOTS.search(p.read) and any(
                not negated(p.read, m.start(), m.end())
                for m in find("facts.same_integrator", p.read))][:1]


def _one_named_supplier_across_sentences(items: list[Passage]) -> list[Observation]:
    """One supplier, named, given both roles in separate sentences: "ClearPoint Digital will
    provide hosting for the new service. … ClearPoint has agreed to take on that systems
    integration role as well." The same name must give both roles, neither denied: as the
    subject of both sentences, or as the subject of one and the one the other awards its
    role to ("Kestrel Systems will run the live service. … Integration with the finance
    system is also going to Kestrel", proposals_dev7). A sentence that runs the service and
    mentions integration ("run the service, including integration with Pay") runs it."""
    runs: list[tuple[tuple[str, ...], set[str], str]] = []
    integrates: list[tuple[tuple[str, ...], set[str], str]] = []
    ran_last: tuple[str, ...] = ()  # the supplier the sentence just before runs it
    for passage in items:
        text, name = passage.read, _subject(passage.read)
        if not_proposed(text, 0, len(text)) or mentions("facts.separate_integrator", text):
            ran_last = ()
            continue
        running = affirms("facts.runs_service", text)
        if affirms("facts.integrator", text) or not running and affirms(
                "facts.integration_work", text):
            if any(deferred(text, m.start(), m.end()) for m in
                   find("facts.integrator", text) + find("facts.integration_work", text)):
                ran_last = ()
                continue  # "…offered to do the integration as well; we'll decide on that"
            if not name and ran_last and THEIRS_TOO.search(text):
                # "Tamarind would run the new billing service. Integrating it with CCMS …
                # would also be their job." (proposals_dev9)
                name = ran_last
            integrates.append((name, set() if name else _awarded_to(text), passage.text))
            ran_last = ()
        elif running:
            runs.append((name, set() if name else _awarded_to(text), passage.text))
            ran_last = name
        else:
            ran_last = ()

    def one(run: tuple[tuple[str, ...], set[str], str],
            integrate: tuple[tuple[str, ...], set[str], str]) -> bool:
        (ran, ran_to, _), (integrator, integrated_to, _) = run, integrate
        if ran and integrator:
            return _same_name(ran, integrator)
        return bool(ran and ran[0] in integrated_to or integrator and integrator[0] in ran_to)

    both = [(r, i) for r in runs for i in integrates if one(r, i)]
    evidence = [r[2] for r, _ in both] + [i[2] for _, i in both]
    return [Observation("same_supplier_integrator", True, text)
            for text in dict.fromkeys(evidence)]


# The one named just before, given a role as well: "would also be their job", "they will
# also integrate it".
THEIRS_TOO = re.compile(r"\balso\b.{0,30}\b(?:their|them)\b|\bthey(?:'ll| will| would)? also\b",
                        re.I)

Row = tuple[Passage, list[tuple[str, str]]]


def _tables(items: list[Passage]) -> list[list[Row]]:
    """The proposal's tables, each its rows with their (header, cell) pairs."""
    tables: list[list[Row]] = []
    header: list[str] = []
    for passage in items:
        cells = _row_cells(passage) if passage.reading and "|" in passage.text else []
        if len(cells) < 2:
            header = []
            continue
        if [h for h, _ in cells] != header:
            tables.append([])
            header = [h for h, _ in cells]
        tables[-1].append((passage, cells))
    return tables


def _table_totals(items: list[Passage]) -> list[Observation]:
    """A table costing a purchase row by row is spent in all: phases of £62,000, £88,000
    and £14,000 are £164,000 of spend, over the £100,000 public-facing threshold though no
    row is (the proposal sets dev2 and dev6, written blind by two writers, both read it so).
    A budget, not one contract's value; a table with a total row already says its sum."""
    found = []
    for rows in _tables(items):
        # A column of totals sums its row's other costs: "Year | Licences | Set-up | Total"
        # is spent as the Total column's sum (proposals_dev7), not every column's.
        totals = {h for _, cells in rows for h, _ in cells if mentions("facts.total_rows", h)}
        costs = [(passage, amount) for passage, cells in rows for header, cell in cells
                 if (header in totals if totals else mentions("facts.cost_columns", header))
                 for amount in amounts(cell)]
        if len(costs) < 2 or any(mentions("facts.total_rows", cells[0][1])
                                 or mentions("facts.option_rows", " ".join(cells[0]))
                                 for _, cells in rows):
            continue
        total = sum(amount.value for _, amount in costs)
        found += [Observation("budgets", Amount(total, f"£{total:,.0f} in all", 0, 0),
                              passage.text) for passage, _ in costs]
    return found


def _one_supplier_in_a_table(items: list[Passage]) -> list[Observation]:
    """A table naming who supplies each row: the same supplier on a row that runs or hosts
    the service and on a row that integrates it is one supplier doing both ("Application
    support and run | Supplier B", "Service integration and management | Supplier B")."""
    columns = {c.lower() for c in cues()["facts"]["supplier_columns"]}
    found = []
    for rows in _tables(items):
        runs: dict[str, list[str]] = {}
        integrates: dict[str, list[str]] = {}
        for passage, cells in rows:
            supplier = next((c.lower() for h, c in cells if h.lower() in columns), "")
            role = " ".join(c for h, c in cells if h.lower() not in columns)
            if not supplier or mentions("deferral.phrases", supplier) or not re.search(
                    r"\w", supplier):
                continue
            if affirms("facts.integrator", role):
                integrates.setdefault(supplier, []).append(passage.text)
            elif affirms("facts.runs_service", role):
                runs.setdefault(supplier, []).append(passage.text)
        for supplier in integrates.keys() & runs.keys():
            found += [Observation("same_supplier_integrator", True, text)
                      for text in runs[supplier] + integrates[supplier]]
    return found


def _evidence(facts: Facts, fact: str, keep=lambda value: True) -> tuple[str, ...]:
    """The passages that state `fact` (with a value `keep` accepts), each once, in order."""
    return tuple(dict.fromkeys(o.text for o in facts.said if o.fact == fact and keep(o.value)))


def _years(value: float) -> str:
    return f"{value:g} year{'s' * (value != 1)}"


def judge(facts: Facts) -> list[RuleOutcome]:
    """One outcome per rule the facts speak to, each red line once, with all its evidence.
    The approval threshold is the public-facing one only when the text says the service is
    public-facing; any Crypt-Key spend needs approval whatever the amount."""
    outcomes: list[RuleOutcome] = []
    if facts.amounts:
        biggest = max(facts.amounts, key=lambda a: a.value)
        limit = LIMITS["contract-value"]
        over = [a for a in facts.amounts if a.value > limit.pounds.value]
        outcomes.append(RuleOutcome(
            "contract-value", "crosses" if over else "within", biggest.text, limit.pounds.text,
            limit.clause,
            _evidence(facts, "amounts", lambda a: a.value > limit.pounds.value or not over)))
    if facts.hosting_years is not None:
        limit = LIMITS["hosting-length"]
        crosses = facts.hosting_years > limit.years
        outcomes.append(RuleOutcome(
            "hosting-length", "crosses" if crosses else "within",
            getattr(facts.hosting_years, "written", None) or _years(facts.hosting_years),
            _years(limit.years), limit.clause,
            _evidence(facts, "hosting_years", lambda y: y > limit.years or not crosses)))
    if facts.automatic_extension is not None:
        limit = LIMITS["automatic-extension"]
        outcomes.append(RuleOutcome(
            "automatic-extension", "crosses" if facts.automatic_extension else "within",
            "an automatic extension" if facts.automatic_extension else "no automatic extension",
            "no automatic extensions", limit.clause,
            _evidence(facts, "automatic_extension", lambda v: v == facts.automatic_extension)))
    if facts.same_supplier_integrator is not None:
        limit = LIMITS["service-and-integrator"]
        same = facts.same_supplier_integrator
        outcomes.append(RuleOutcome(
            "service-and-integrator", "crosses" if same else "within",
            "one supplier providing a service and its integration" if same
            else "a separate integrator", "separate service provider and integrator",
            limit.clause, _evidence(facts, "same_supplier_integrator", lambda v: v == same)))
    if facts.crypt_key:
        limit = LIMITS["approval-crypt-key"]
        outcomes.append(RuleOutcome("approval-threshold", "needs_approval", "Crypt-Key",
                                    "any amount (Crypt-Key)", limit.clause,
                                    _evidence(facts, "crypt_key")))
    elif facts.amounts or facts.budgets:
        public = facts.public_facing is True
        limit = LIMITS["approval-public" if public else "approval-other"]
        threshold = limit.pounds.value
        biggest = max(facts.amounts + facts.budgets, key=lambda a: a.value)
        needs = biggest.value > threshold
        outcomes.append(RuleOutcome(
            "approval-threshold", "needs_approval" if needs else "within", biggest.text,
            limit.pounds.text + (" (public-facing)" if public else ""), limit.clause,
            tuple(dict.fromkeys(
                _evidence(facts, "amounts", lambda a: a.value > threshold or a is biggest)
                + _evidence(facts, "budgets", lambda a: a.value > threshold
                            or a is biggest)))))
    return outcomes
