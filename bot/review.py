"""Proposal review: where a pasted proposal falls short of the code of practice and the red lines.

Criteria are data (`knowledge/criteria.toml`): each rests on a clause quoted from the corpus,
found verbatim in the store and cited. A criterion is `addressed` when the proposal says
something that meets it, `at_odds` when it says the opposite (or negates it: "we have not
planned accessibility testing"), `not_mentioned` otherwise, including when it only puts it
off ("the security review will happen after go-live": a gap, shown with `deferred`).
The proposal is read as passages (bot/reading.py): sentences and table rows with their
headings, never a heading as evidence. Red lines and thresholds are the rules of
bot/rules.py, the same rules the question answerer uses, judged on the facts the proposal
states, never by similarity. The proposal is only ever data: nothing in it changes how it is
judged.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.files import read_proposal  # noqa: F401  (moved; `bot.review.read_proposal` stays)
from bot.quotes import text_fragment_link
from bot.reading import (
    GAP_LABEL,
    WORD,
    Passage,
    asserts,
    clause,
    deferred,
    find,
    mentions,
    negated,
    not_proposed,
    passages,
    phrase_pattern,
    rejected,
    unnamed,
)
from bot.retrieval import GuidanceRetriever
from bot.rules import RED_LINES_DOC, Facts, RuleOutcome, earliest_point, judge, read_facts

MAX_PROPOSAL_CHARS = 40_000
ENGLISH = re.compile(r"\b(a|an|the|and|or|of|to|in|on|at|by|for|with|from|as|is|are|be|"
                     r"was|will|would|should|can|has|have|we|our|it|this|that|not|need)\b", re.I)
STATUS_ORDER = {"at_odds": 0, "not_mentioned": 1, "addressed": 2}


class ProposalError(ValueError):
    """The proposal cannot be reviewed as given; the message says why, for the user."""


@dataclass
class Citation:
    doc_id: str
    title: str
    section: str
    url: str
    link: str
    quote: str


@dataclass
class Finding:
    id: str
    title: str
    status: str  # addressed | not_mentioned | at_odds
    evidence: str | None  # a sentence or table row of the proposal, never a heading
    citation: Citation | None
    question: str | None
    deferred: bool = False  # not_mentioned because the proposal puts it off ("later")


@dataclass
class RedLine:
    rule: str
    found: str  # what the proposal says, as written
    limit: str  # what it is compared against
    verdict: str  # crosses | needs_approval
    evidence: list[str]  # every sentence or table row that says it, each once
    citation: Citation | None


@dataclass
class Review:
    summary: str  # the verdict in one line, shown first
    criteria: list[Finding] = field(default_factory=list)
    red_lines: list[RedLine] = field(default_factory=list)
    overview: str = ""  # a fluent paragraph, when a model is configured (bot/generate.py)

    def to_dict(self) -> dict:
        return {"summary": self.summary, "overview": self.overview,
                "criteria": [asdict(f) for f in self.criteria],
                "red_lines": [asdict(r) for r in self.red_lines]}


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    doc_id: str
    clause: str
    cues: tuple[str, ...]
    against: tuple[str, ...]
    question: str
    # Red lines (bot/rules.py) that, crossed, put the proposal at odds with the criterion: a
    # supplier that runs the service and integrates it is no sourcing strategy.
    crossed: tuple[str, ...] = ()
    # A contract stated to last at most this many years meets the criterion; longer, at odds
    # unless the proposal also gives a way out of it early (`eased_by`: "a break at year
    # two"), as long as no red line is crossed.
    short_term_years: float | None = None
    eased_by: tuple[str, ...] = ()
    # Red lines whose crossing a way out within `short_term_years` eases for this criterion
    # (the red line is still reported): a five-year hosting contract with a break clause at
    # 12 months commits for a year.
    eased_red_lines: tuple[str, ...] = ()
    # Phrases in which a cue means something else: "secure funding" is no security.
    other_senses: tuple[str, ...] = ()


def load_criteria(knowledge_dir: Path) -> list[Criterion]:
    data = tomllib.loads((knowledge_dir / "criteria.toml").read_text(encoding="utf-8"))
    return [Criterion(c["id"], c["title"], c["doc_id"], c["clause"], tuple(c.get("cues", ())),
                      tuple(c.get("against", ())), c["question"], tuple(c.get("crossed", ())),
                      c.get("short_term_years"), tuple(c.get("eased_by", ())),
                      tuple(c.get("eased_red_lines", ())), tuple(c.get("other_senses", ())))
            for c in data["criteria"]]


@dataclass(frozen=True)
class Assessment:
    """A criterion as judged on the text alone, before it is cited."""

    status: str
    evidence: str | None = None
    deferred: bool = False


@functools.cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for a criterion's phrases, each matching at a word start, longest first."""
    if not phrases:
        return None
    return phrase_pattern(phrases, whole_words=False)


NONE_OF = re.compile(r"\bnone of (?:the|our|its|their|these|those)\s+(?:[\w-]+\s+)?$", re.I)


def _occurrences(phrases: tuple[str, ...], text: str) -> list[re.Match[str]]:
    pattern = _pattern(phrases)
    return list(pattern.finditer(text)) if pattern else []


def _starts_with_any(phrases: str, text: str) -> bool:
    """Whether `text` opens with one of the cue list `phrases` ("passages.elsewhere")."""
    return any(m.start() == 0 for m in find(phrases, text.lstrip()))


def _way_out_within(criterion: Criterion, proposal: list[Passage]) -> str | None:
    """The first passage giving a way out of the contract (`eased_by`: "a break clause at
    12 months") no later than `short_term_years`, or at a time not stated. A break at year
    five of ten leaves a long commitment, so it does not count."""
    for passage in proposal:
        text = unnamed(passage.read)
        for match in _occurrences(criterion.eased_by, text):
            if negated(text, match.start(), match.end()) or deferred(
                    text, match.start(), match.end()) or not_proposed(
                    text, match.start(), match.end()):
                continue
            lo, hi = clause(text, match.start(), match.end())
            # When: after the cue in its clause, or just before it ("a 9-month break").
            before = re.search(r"(?:[\w-]+\W+){0,2}$", text[lo:match.start()])
            when = earliest_point((before.group(0) if before else "") + " "
                                  + text[match.start():hi])
            if when is None or when <= (criterion.short_term_years or 0):
                return passage.text
    return None


def assess(criterion: Criterion, proposal: list[Passage], facts: Facts | None = None,
           outcomes: list[RuleOutcome] = ()) -> Assessment:
    """How the proposal stands on one criterion. A concern anywhere outweighs a mention that
    meets it, and that outweighs a promise for later: "security later" is still a gap. The
    facts the red lines are judged on count too (`crossed`, `short_term_years`)."""
    signals: dict[str, str] = {}  # "at_odds" | "addressed" | "deferred" -> first evidence
    eased = _way_out_within(criterion, proposal) if criterion.eased_by else None
    for outcome in outcomes:
        if outcome.rule in criterion.crossed and outcome.verdict == "crosses" and not (
                eased and outcome.rule in criterion.eased_red_lines):
            signals.setdefault("at_odds", outcome.evidence[0] if outcome.evidence else None)
    if facts is not None and criterion.short_term_years is not None:
        for said in facts.said:
            if said.fact == "contract_years":
                if said.value <= criterion.short_term_years:
                    signals.setdefault("addressed", said.text)
                else:  # "three years, with annual break points" is still sensible
                    signals.setdefault(*(("addressed", eased) if eased
                                         else ("at_odds", said.text)))
    for passage in proposal:
        if passage.title:
            continue  # "DESNZ – national energy data platform." names, it does not answer
        text = unnamed(passage.read)
        hit = False
        for match in _occurrences(criterion.against, text):
            hit = True
            if not_proposed(text, match.start(), match.end()):
                continue  # "today the licence renews automatically": what is replaced
            if deferred(text, match.start(), match.end()):
                # Not chosen yet: "hosting is to be decided; the options include our own
                # data centre or cloud" is a gap, not a concern.
                signals.setdefault("deferred", passage.text)
                continue
            avoided = rejected(text, match.start()) or negated(text, match.start(),
                                                               match.end())
            signals.setdefault("addressed" if avoided else "at_odds", passage.text)
        found = _occurrences(criterion.cues, text)
        senses = [m.span() for m in _occurrences(criterion.other_senses, text)] if found else []
        for match in found:
            if any(lo <= match.start() < hi for lo, hi in senses):
                continue  # "we need to secure funding": the word, not the criterion
            hit = True
            if NONE_OF.search(text, 0, match.start()):
                continue  # "none of the lot suppliers integrates" denies the verb, not them
            if GAP_LABEL.fullmatch(passage.heading) or deferred(text, match.start(),
                                                                match.end()):
                # Put off, even when negated now: "not assessed until after launch".
                signals.setdefault("deferred", passage.text)
            elif negated(text, match.start(), match.end()) or rejected(
                    text, match.start(), "negation.alternatives"):
                if not mentions("negation.reported", text):  # a user's problem, reported
                    signals.setdefault("at_odds", passage.text)
            else:
                signals.setdefault("addressed", passage.text)
        if not hit and passage.heading and _occurrences(criterion.cues, passage.heading) \
                and len(WORD.findall(passage.heading)) <= 4:
            # "## Accessibility" then "To be decided.": a section heading names the topic;
            # a title ("DfE – book CPD for teachers (alpha)") does not.
            if _starts_with_any("passages.elsewhere", text) or _starts_with_any(
                    "passages.no_answer", text):
                continue  # "See commercial section.", "N/A.": an answer, if any, is elsewhere
            if deferred(text, 0, len(text)):  # "Not looked at yet.", "See later."
                signals.setdefault("deferred", passage.text)
            elif negated(text, 0, 0) or re.match(r"\s*(none|no|not)\b", text, re.I):
                signals.setdefault("at_odds", passage.text)
            elif not not_proposed(text, 0, len(text)):
                # Not "The current system is end of life.": how things are, not an answer.
                signals.setdefault("addressed", passage.text)
    for status in ("at_odds", "addressed"):
        if status in signals:
            return Assessment(status, signals[status])
    if "deferred" in signals:
        return Assessment("not_mentioned", signals["deferred"], deferred=True)
    return Assessment("not_mentioned")


def red_lines(outcomes: list[RuleOutcome]) -> list[RuleOutcome]:
    """The outcomes a reviewer reports: red lines crossed, and approval when no sum crosses
    the contract-value line (a contract over it needs more than approval)."""
    over_value = any(o.rule == "contract-value" and o.verdict == "crosses" for o in outcomes)
    return [o for o in outcomes if o.verdict == "crosses" or o.verdict == "needs_approval"
            and not (over_value and o.found != "Crypt-Key")]


def verdict_line(outcomes: list[RuleOutcome], findings: list[Finding]) -> str:
    """The review in one line: "No red lines crossed · needs spend control approval
    (over £1,000,000) · 2 gaps"."""
    crossed = [o for o in outcomes if o.verdict == "crosses"]
    parts = [f"{len(crossed)} red line{'s' * (len(crossed) != 1)} crossed ("
             + ", ".join(o.rule.replace("-", " ") for o in crossed) + ")"
             if crossed else "No red lines crossed"]
    for o in outcomes:
        if o.verdict == "needs_approval":
            over = ("any spend on Crypt-Key" if o.found == "Crypt-Key"
                    else f"public-facing, over {o.limit.split()[0]}"
                    if o.limit.endswith("(public-facing)") else f"over {o.limit}")
            parts.append(f"needs spend control approval ({over})")
    concerns = sum(f.status == "at_odds" for f in findings)
    gaps = sum(f.status == "not_mentioned" for f in findings)
    if concerns:
        parts.append(f"{concerns} concern{'s' * (concerns != 1)}")
    parts.append(f"{gaps} gap{'s' * (gaps != 1)}" if gaps else "no gaps")
    return " · ".join(parts)


class Reviewer:
    def __init__(self, retriever: GuidanceRetriever, criteria: list[Criterion]) -> None:
        self.retriever = retriever
        self.criteria = criteria

    def cite(self, doc_id: str, clause: str) -> Citation | None:
        """The stored chunk that holds `clause` verbatim, as a citation (None if it is gone)."""
        found = self.retriever.snapshot().find(doc_id, clause)
        if found is None:
            return None
        _, _, meta = found
        return Citation(doc_id, meta.title, meta.section, meta.url,
                        text_fragment_link(meta.url, clause), clause)

    def review(self, proposal: str) -> Review:
        read = [p for p in passages(check_proposal(proposal)) if asserts(p)]
        cited: dict[tuple[str, str], Citation | None] = {}

        def cite(doc_id: str, clause: str) -> Citation | None:  # each clause looked up once
            if (doc_id, clause) not in cited:
                cited[doc_id, clause] = self.cite(doc_id, clause)
            return cited[doc_id, clause]

        facts = read_facts(read)
        outcomes = judge(facts)
        findings = []
        for criterion in self.criteria:
            judged = assess(criterion, read, facts, outcomes)
            findings.append(Finding(
                criterion.id, criterion.title, judged.status, judged.evidence,
                cite(criterion.doc_id, criterion.clause),
                None if judged.status == "addressed" else criterion.question, judged.deferred))
        reported = red_lines(outcomes)
        found = [RedLine(o.rule, o.found, o.limit, o.verdict, list(o.evidence),
                         cite(RED_LINES_DOC, o.clause)) for o in reported]
        return Review(verdict_line(reported, findings), findings, found)


def check_proposal(proposal: str) -> str:
    text = proposal.replace("\x00", "").strip()
    if not re.search(r"\w", text):
        raise ProposalError("The proposal is empty: paste its text, or attach a .txt, .md, "
                            ".docx or .pdf file.")
    if len(text) > MAX_PROPOSAL_CHARS:
        raise ProposalError(f"The proposal is {len(text):,} characters; I can review up to "
                            f"{MAX_PROPOSAL_CHARS:,}. Please send the summary or the relevant "
                            "sections.")
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) >= 12 and len(ENGLISH.findall(text)) < len(words) * 0.08:
        raise ProposalError("The proposal does not look like English, and the guidance I "
                            "review against is in English. Please send an English version.")
    return text
