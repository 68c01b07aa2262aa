"""The default answerer: quote the guidance, cite it, and say so when it does not cover a question.

It needs no model service. An answer is a pipeline of small named steps, each able to end
it with an explicit status: check the question, retrieve passages, judge whether they
support an answer, pick the sentences to quote, verify every quote against its chunk,
compose. Nothing is written that is not a verbatim slice of a stored chunk, apart from the
framing (document titles, sections, currency notes), which comes from the manifest.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from bot.lexical import LexicalIndex, searchable, term_set, terms
from bot.privacy import redact, without_placeholders
from bot.privacy import warning as privacy_warning
from bot.quotes import (
    ITEM_MARK,
    MISSING_PART,
    Citation,
    distinct,
    quote_passage,
    verify_quotes,
)
from bot.retrieval import GuidanceRetriever, Passage
from bot.wording import quoted

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
# A passage supports an answer when cosine similarity + 0.3 x weighted word coverage reaches
# this. Calibrated with `spendbot eval --calibrate` on knowledge/eval/golden.yaml: the
# middle of the run of thresholds (0.44-0.50) with the best balanced accuracy.
MIN_RELEVANCE = 0.47
RELEVANCE_MARGIN = 0.15  # passages this close to the best one are cited too
MAX_CITATIONS = 3
PART_MARGIN = 0.1  # such a source may sit this far under the bar: the main answer is found


class Status(StrEnum):
    ANSWERED = "answered"
    NOT_COVERED = "not_covered"
    EMPTY = "empty_question"
    TOO_LONG = "question_too_long"


MESSAGES = {
    Status.EMPTY: "Please type a question about technology spend control, for example: "
                  "“What are the spend control red lines?”",
    Status.TOO_LONG: f"That question is too long for me: please keep it under "
                     f"{MAX_QUESTION_CHARS:,} characters, or ask about one thing at a time.",
}
NOT_COVERED = "The guidance I have does not cover this."


@dataclass
class Answer:
    question: str
    status: Status
    text: str
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[dict] = field(default_factory=list)  # closest documents, when not answered
    unknown_terms: list[str] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list, repr=False)  # for evaluation
    missing_subjects: list[str] = field(default_factory=list)  # named things never mentioned
    removed: list[str] = field(default_factory=list)  # kinds of personal data taken out
    searched_for: str = ""  # the question as retrieval saw it (with follow-up context)

    @property
    def answered(self) -> bool:
        return self.status is Status.ANSWERED

    def to_dict(self) -> dict:
        return {"question": self.question, "status": str(self.status),
                "answered": self.answered, "answer": self.text,
                "citations": [_public(c) for c in self.citations],
                "suggestions": self.suggestions, "unknown_terms": self.unknown_terms,
                "personal_data_removed": self.removed}


class Answerer:
    def __init__(self, retriever: GuidanceRetriever, min_relevance: float = MIN_RELEVANCE) -> None:
        self.retriever = retriever
        self.min_relevance = min_relevance

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the user's earlier turns (e.g. a Slack thread)."""
        text, removed = redact(normalise_question(question))
        answer = self._answer(text, history)
        if removed:
            answer.removed = removed
            answer.text = f"{privacy_warning(removed)}\n\n{answer.text}"
        return answer

    def _answer(self, text: str, history: Sequence[str]) -> Answer:
        if not re.search(r"\w", text):
            return Answer(text, Status.EMPTY, MESSAGES[Status.EMPTY])
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(text[:200], Status.TOO_LONG, MESSAGES[Status.TOO_LONG])
        asked = without_placeholders(text)  # what the user asked, minus removed personal data
        search = with_context(asked, [without_placeholders(redact(normalise_question(turn))[0])
                                      for turn in history])
        passages = self.retriever.passages(search)
        answer = self._compose(text, asked, search, passages)
        answer.retrieved, answer.searched_for = passages, search
        return answer

    def _compose(self, text: str, asked: str, search: str, passages: list[Passage]) -> Answer:
        lexical = self.retriever.collection().lexical
        supported = supporting_passages(passages, self.min_relevance)
        if not supported:
            return not_covered(text, passages)
        missing = lexical.unknown_subjects(asked)
        if missing:
            return not_covered(text, passages, missing)
        query = lexical.query_terms(search)
        supported = cover_remaining_parts(supported, passages, query, lexical,
                                          self.min_relevance)
        sections = self.whole_sections(supported)
        citations = distinct([quote_passage(p, query, lexical) for p in sections])
        citations = verify_quotes(citations, {p.chunk_id: p.sources for p in sections})
        if not citations:
            return not_covered(text, passages)
        for n, citation in enumerate(citations, start=1):
            citation.n = n
        unknown = lexical.unknown(asked)
        return Answer(text, Status.ANSWERED, compose(citations, unknown), citations,
                      unknown_terms=unknown)

    def whole_sections(self, passages: list[Passage]) -> list[Passage]:
        """Each supporting passage widened to its whole section, each section once."""
        seen, out = set(), []
        for passage in passages:
            if passage.place not in seen:
                seen.add(passage.place)
                out.append(self.retriever.whole_section(passage))
        return out


def normalise_question(question: str) -> str:
    """Readable text only: compatibility forms folded, control and zero-width characters gone."""
    text = unicodedata.normalize("NFKC", question)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
                   or ch in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


FOLLOW_UP = re.compile(
    r"^(and|but|also|so|then|what about|how about|what of)\b"
    r"|\b(it|its|they|them|their|he|she|his|her|the same)\b"
    r"|\b(this|that|these|those) (role|job|post|person|team|board|one|document|strategy|"
    r"guidance|policy|code|principle|threshold|rule|line|limit|contract|list)s?\b", re.I)


def with_context(question: str, history: Sequence[str]) -> str:
    """What to search for: a follow-up ("and who does that role report to?", "how long?") is
    read together with the turn before it; a question that stands alone is searched as is."""
    earlier = [turn for turn in history if turn.strip()]
    if not earlier:
        return question
    if FOLLOW_UP.search(question) or len(terms(question)) <= 2:
        return f"{earlier[-1]} {question}"
    return question


def supporting_passages(passages: list[Passage],
                        min_relevance: float = MIN_RELEVANCE) -> list[Passage]:
    """The passages good enough to quote: over the bar, and close to the best one."""
    if not passages or passages[0].relevance < min_relevance:
        return []
    floor = max(min_relevance, passages[0].relevance - RELEVANCE_MARGIN)
    chosen: list[Passage] = []
    for passage in passages:  # two parts of one section are one source
        if passage.relevance >= floor and all(p.place != passage.place for p in chosen):
            chosen.append(passage)
    return chosen[:MAX_CITATIONS]


def _terms_of(passage: Passage) -> set[str]:
    return term_set(searchable(passage.text, passage.metadata))


def cover_remaining_parts(chosen: list[Passage], passages: list[Passage], query,
                          lexical: LexicalIndex, min_relevance: float) -> list[Passage]:
    """A two-part question ("what grade is a CTO and who do they report to?") can need a
    second source: add the best passage over the bar that covers words the chosen ones miss."""
    covered: set[str] = set()
    for passage in chosen:
        covered |= lexical.matched(query, _terms_of(passage))
    for passage in passages:
        if any(p.place == passage.place for p in chosen) \
                or passage.relevance < min_relevance - PART_MARGIN:
            continue
        new = lexical.matched(query, _terms_of(passage)) - covered
        if lexical.share(query, new) >= MISSING_PART:
            return [*chosen[: MAX_CITATIONS - 1], passage]
    return chosen


def not_covered(question: str, passages: list[Passage],
                missing: Sequence[str] = ()) -> Answer:
    suggestions, seen = [], set()
    for passage in passages:
        meta = passage.metadata
        if meta["doc_id"] not in seen:
            seen.add(meta["doc_id"])
            suggestions.append({"doc_id": meta["doc_id"], "title": meta["title"],
                                "url": meta["url"], "score": passage.score})
        if len(suggestions) == 3:
            break
    lines = [NOT_COVERED]
    if missing:
        lines[0] += f" It never mentions {quoted(list(missing), 'or')}."
    if suggestions:
        lines.append("The closest documents I hold are:")
        lines += [f"• {s['title']}" + (f" ({s['url']})" if s["url"] else "") for s in suggestions]
    return Answer(question, Status.NOT_COVERED, "\n".join(lines), suggestions=suggestions,
                  missing_subjects=list(missing))


def compose(citations: list[Citation], unknown: list[str]) -> str:
    """The answer as plain text: each source's quotes under a line naming it and its currency."""
    blocks = []
    for c in citations:
        where = f"{c.title} — {c.section}" if c.section else c.title
        lines = [f"[{c.n}] {where}"] + ([f"({c.note})"] if c.note else [])
        lines += [f"> {ITEM_MARK if item else ''}{q}"
                  for q, item in zip(c.quotes, c.is_item, strict=True)]
        blocks.append("\n".join(lines))
    if unknown:
        blocks.append(f"Note: {'the word' if len(unknown) == 1 else 'the words'} "
                      f"{quoted(unknown)} "
                      f"{'does' if len(unknown) == 1 else 'do'} not appear in the guidance I "
                      "hold, so check that the passages above answer your question.")
    return "\n\n".join(blocks)


def _public(citation: Citation) -> dict:
    data = asdict(citation)
    del data["is_item"]
    return data
