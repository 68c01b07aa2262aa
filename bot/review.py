"""Proposal review: where a pasted proposal falls short of the code of practice and the red lines.

Criteria are data (`knowledge/criteria.toml`): each rests on a clause quoted from the corpus,
found verbatim in the store and cited. A criterion is `addressed` when the proposal says
something that meets it, `at_odds` when it says the opposite (or negates it: "we have not
planned accessibility testing"), `not_mentioned` otherwise. Red lines are checked by rules on
the figures themselves (amounts, durations, extensions, supplier roles), never by similarity.
The proposal is only ever data: nothing in it changes how it is judged.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.files import read_proposal  # noqa: F401  (moved; `bot.review.read_proposal` stays)
from bot.money import amounts
from bot.quotes import text_fragment_link
from bot.retrieval import GuidanceRetriever
from ingest.sentences import split_sentences

MAX_PROPOSAL_CHARS = 40_000
CONTRACT_LIMIT = 100_000_000
APPROVAL_LIMIT = 1_000_000
HOSTING_YEARS = 2
RED_LINES_DOC = "spend-control-red-lines-summary"
NEGATION = re.compile(r"\b(no|not|never|without|yet to|won't|will not|n't|cannot|can't|"
                      r"haven't|have not|hasn't|has not|isn't|is not|aren't|are not|nor|lack)\b",
                      re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20}
YEARS = re.compile(r"\b(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")[- ]years?\b", re.I)
UNTIL = re.compile(r"\b(?:until|to|through|till)\s+(20\d\d)\b", re.I)
MONTHS = re.compile(r"\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")[- ]months?\b", re.I)
SAVINGS = re.compile(r"\b(sav(e|es|ed|ing|ings)|cashable|benefits? (of|worth)|return of)\b",
                     re.I)
HOSTING = re.compile(r"\b(host\w*|data cent(re|er)s?|co-?location|infrastructure contract)\b")
AVOIDING = re.compile(r"\b(avoid\w*|prevent\w*|no|without|free of|reduc\w*|minimis\w*|"
                      r"rather than|instead of)\s+(\w+\s+){0,2}$")
DEFERRAL = re.compile(r"\b(later|at a later (stage|date)|in (the )?future|to be (decided|"
                      r"confirmed|agreed)|tbc|tbd|not yet (decided|agreed|known))\b", re.I)
BULLET_LINE = re.compile(r"^\s*([-*•]|\d+[.)])\s+")
ENGLISH = re.compile(r"\b(a|an|the|and|or|of|to|in|on|at|by|for|with|from|as|is|are|be|"
                     r"was|will|would|should|can|has|have|we|our|it|this|that|not|need)\b", re.I)


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
    evidence: str | None
    citation: Citation | None
    question: str | None


@dataclass
class RedLine:
    rule: str
    found: str  # what the proposal says, as written
    limit: str  # what it is compared against
    verdict: str  # crosses | needs_approval
    evidence: str
    citation: Citation | None


@dataclass
class Review:
    summary: str
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


def load_criteria(knowledge_dir: Path) -> list[Criterion]:
    data = tomllib.loads((knowledge_dir / "criteria.toml").read_text(encoding="utf-8"))
    return [Criterion(c["id"], c["title"], c["doc_id"], c["clause"], tuple(c.get("cues", ())),
                      tuple(c.get("against", ())), c["question"]) for c in data["criteria"]]


class Reviewer:
    def __init__(self, retriever: GuidanceRetriever, criteria: list[Criterion]) -> None:
        self.retriever = retriever
        self.criteria = criteria

    def cite(self, doc_id: str, clause: str) -> Citation | None:
        """The stored chunk that holds `clause` verbatim, as a citation (None if it is gone)."""
        loaded = self.retriever.collection()
        for text, meta in zip(loaded.texts, loaded.metadatas, strict=True):
            if meta.get("doc_id") == doc_id and clause in text:
                section = meta.get("section", "")
                return Citation(doc_id, meta["title"], section, meta["url"],
                                text_fragment_link(meta["url"], clause), clause)
        return None

    def review(self, proposal: str) -> Review:
        sentences = proposal_sentences(check_proposal(proposal))
        findings = [self._judge(criterion, sentences) for criterion in self.criteria]
        red_lines = self._red_lines(sentences)
        counts = {status: sum(f.status == status for f in findings)
                  for status in ("at_odds", "not_mentioned", "addressed")}
        crossed = sum(r.verdict == "crosses" for r in red_lines)
        summary = (f"{crossed} red line{'s' * (crossed != 1)} crossed, "
                   f"{counts['at_odds']} concern{'s' * (counts['at_odds'] != 1)}, "
                   f"{counts['not_mentioned']} gap{'s' * (counts['not_mentioned'] != 1)}, "
                   f"{counts['addressed']} addressed")
        return Review(summary, findings, red_lines)

    def _judge(self, criterion: Criterion, sentences: list[str]) -> Finding:
        citation = self.cite(criterion.doc_id, criterion.clause)
        for sentence in sentences:
            lower = sentence.lower()
            for phrase in criterion.against:
                at = lower.find(phrase.lower())
                if at < 0:
                    continue
                if AVOIDING.search(lower[max(0, at - 30):at]):
                    # "we will avoid lock-in": the opposite of the problem phrase.
                    return Finding(criterion.id, criterion.title, "addressed", sentence,
                                   citation, None)
                return Finding(criterion.id, criterion.title, "at_odds", sentence, citation,
                               criterion.question)
        for sentence in sentences:
            cue = next((c for c in criterion.cues if c.lower() in sentence.lower()), None)
            if cue is None:
                continue
            before = sentence.lower()[: sentence.lower().index(cue.lower())]
            if NEGATION.search(before) or re.search(r"\b(no|not yet|none)\b.{0,20}$", before):
                return Finding(criterion.id, criterion.title, "at_odds", sentence, citation,
                               criterion.question)
            if DEFERRAL.search(sentence):  # "security will be handled later" is a gap
                return Finding(criterion.id, criterion.title, "not_mentioned", sentence,
                               citation, criterion.question)
            return Finding(criterion.id, criterion.title, "addressed", sentence, citation, None)
        return Finding(criterion.id, criterion.title, "not_mentioned", None, citation,
                       criterion.question)

    def _red_lines(self, sentences: list[str]) -> list[RedLine]:
        found: list[RedLine] = []
        contract = self.cite(RED_LINES_DOC, "no IT contract may be worth more than £100 million")
        hosting = self.cite(RED_LINES_DOC, "new hosting contracts may last no more than 2 years")
        extension = self.cite(RED_LINES_DOC, "there are no automatic contract extensions")
        integrator = self.cite(RED_LINES_DOC, "may not also be the system integrator")
        approval = self.cite(RED_LINES_DOC, "all other digital, data and technology spend "
                                            "needs approval above £1,000,000")
        biggest = None
        for sentence in sentences:
            for amount in amounts(sentence):
                if SAVINGS.search(sentence) and not re.search(r"\bcontract", sentence, re.I):
                    continue  # money saved or returned is not the value of a contract
                if amount.value > CONTRACT_LIMIT:
                    found.append(RedLine("contract-value", amount.text, "£100 million",
                                         "crosses", sentence, contract))
                if biggest is None or amount.value > biggest[0].value:
                    biggest = (amount, sentence)
            lower = sentence.lower()
            if HOSTING.search(lower):
                years = hosting_years(sentence)
                if years is not None and years > HOSTING_YEARS:
                    found.append(RedLine("hosting-length", f"{years:g} years",
                                         "2 years",
                                         "crosses", sentence, hosting))
            if re.search(r"\b(automatic(ally)?|auto-?renew\w*|rolling)\b", lower) and \
                    re.search(r"\b(extend|extension|renew)", lower):
                found.append(RedLine("automatic-extension", "an automatic extension",
                                     "no automatic extensions", "crosses", sentence, extension))
            if re.search(r"\bintegrat", lower) and re.search(
                    r"\b(same supplier|also (be )?(the )?(system )?integrat|both|as well as)\b",
                    lower):
                found.append(RedLine("service-and-integrator",
                                     "one supplier providing a service and its integration",
                                     "separate service provider and integrator", "crosses",
                                     sentence, integrator))
        if biggest and APPROVAL_LIMIT < biggest[0].value <= CONTRACT_LIMIT:
            found.append(RedLine("approval-threshold", biggest[0].text, "£1,000,000",
                                 "needs_approval", biggest[1], approval))
        return found


def proposal_sentences(text: str) -> list[str]:
    """Sentences of a pasted proposal: hard-wrapped lines rejoined, list items kept apart."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        pieces: list[str] = []
        for line in paragraph.splitlines():
            if BULLET_LINE.match(line) or not pieces:
                pieces.append(BULLET_LINE.sub("", line).strip())
            else:
                pieces[-1] = f"{pieces[-1]} {line.strip()}"
        sentences += [s for piece in pieces for s in split_sentences(piece) if s.strip()]
    return sentences


def hosting_years(sentence: str, this_year: int | None = None) -> float | None:
    """The longest duration a sentence states, in years ("five-year", "until 2031")."""
    import datetime

    this_year = this_year or datetime.date.today().year
    values = [float(NUMBER_WORDS.get(m.group(1).lower(), m.group(1)))
              for m in YEARS.finditer(sentence)]
    values += [float(int(m.group(1)) - this_year) for m in UNTIL.finditer(sentence)]
    values += [float(NUMBER_WORDS.get(m.group(1).lower(), m.group(1))) / 12
               for m in MONTHS.finditer(sentence)]
    return max(values) if values else None


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
