"""The default answerer: quote the guidance, cite it, and say so when it does not cover a question.

It needs no model service. An answer is a pipeline of small named steps, each able to end
it with an explicit status: check the question, retrieve passages, judge whether they
support an answer, pick the sentences to quote, verify every quote against its chunk,
compose. Nothing is written that is not a verbatim slice of a stored chunk, apart from the
framing (document titles, sections, currency notes), which comes from the manifest.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from urllib.parse import quote as url_quote

from bot.lexical import LexicalIndex, term_set, terms
from bot.privacy import redact, without_placeholders
from bot.privacy import warning as privacy_warning
from bot.retrieval import GuidanceRetriever, Passage
from ingest.chunking import ITEM_MARK, section_label
from ingest.sentences import sentence_spans

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
# A passage supports an answer when cosine similarity + 0.3 x weighted word coverage reaches
# this. Calibrated with `spendbot eval --calibrate` on tests/golden_questions.yaml: the
# middle of the run of thresholds (0.44-0.50) with the best balanced accuracy.
MIN_RELEVANCE = 0.47
RELEVANCE_MARGIN = 0.15  # passages this close to the best one are cited too
MAX_CITATIONS = 3
MAX_LIST_ITEMS = 12
SHORT_LIST = 4  # lists this short are always quoted whole
SECOND_GROUP_CHARS = 700  # how long a second quoted passage from the same chunk may be
LONG_ITEM = 160  # characters: lists of items longer than this are quoted selectively
MAX_PER_DOCUMENT = 2
MISSING_PART = 0.2  # share of the question's weight a further source must add to be cited
PART_MARGIN = 0.1  # such a source may sit this far under the bar: the main answer is found
HEADING_ONLY = 0.5
LIST_BONUS = 0.1  # on equal wording, a whole list says more than one sentence
SOURCE_LINE = re.compile(r"^Sources?:\s")


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
class Citation:
    n: int
    doc_id: str
    title: str
    section: str
    url: str
    link: str  # the source page, scrolled to the quoted text where the browser supports it
    quote: str  # the first quoted sentence, verbatim from the chunk
    quotes: list[str]  # every quoted sentence or list item, each verbatim
    score: float
    chunk_id: str
    status: str
    kind: str
    note: str  # how current the document is, in words
    is_item: list[bool] = field(default_factory=list)  # which quotes are list items


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


@dataclass(frozen=True)
class _Unit:
    """A sentence or list item of a chunk, as a span of the chunk's text."""

    start: int
    end: int
    list_id: int | None = None  # the list an item or lead-in belongs to
    is_item: bool = False


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
        search = with_context(without_placeholders(text),
                              [without_placeholders(redact(normalise_question(turn))[0])
                               for turn in history])
        passages = self.retriever.passages(search)
        answer = self._compose(text, search, passages)
        answer.retrieved, answer.searched_for = passages, search
        return answer

    def _compose(self, text: str, search: str, passages: list[Passage]) -> Answer:
        lexical = self.retriever.collection().lexical
        supported = supporting_passages(passages, self.min_relevance)
        if not supported:
            return not_covered(text, passages)
        missing = lexical.unknown_subjects(without_placeholders(text))
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
        unknown = lexical.unknown(without_placeholders(text))
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
    meta = passage.metadata
    return term_set(f"{meta.get('title', '')} {meta.get('date_label', '')} "
                    f"{meta.get('section', '')} {passage.text}")


def share_of(query, found: set[str], lexical: LexicalIndex) -> float:
    """The share of the question's weight carried by the terms in `found`."""
    total = sum(lexical.weight(t, alts) for t, alts in query)
    return sum(lexical.weight(t, alts) for t, alts in query if t in found) / total if total else 0


def matched(query, present, lexical: LexicalIndex) -> set[str]:
    return {term for term, alts in query if lexical.matches(alts, present)}


def cover_remaining_parts(chosen: list[Passage], passages: list[Passage], query,
                          lexical: LexicalIndex, min_relevance: float) -> list[Passage]:
    """A two-part question ("what grade is a CTO and who do they report to?") can need a
    second source: add the best passage over the bar that covers words the chosen ones miss."""
    covered: set[str] = set()
    for passage in chosen:
        covered |= matched(query, _terms_of(passage), lexical)
    for passage in passages:
        if any(p.place == passage.place for p in chosen) \
                or passage.relevance < min_relevance - PART_MARGIN:
            continue
        new = matched(query, _terms_of(passage), lexical) - covered
        if share_of(query, new, lexical) >= MISSING_PART:
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
        words = " or ".join(", ".join(f"“{w}”" for w in missing).rsplit(", ", 1))
        lines[0] += f" It never mentions {words}."
    if suggestions:
        lines.append("The closest documents I hold are:")
        lines += [f"• {s['title']}" + (f" ({s['url']})" if s["url"] else "") for s in suggestions]
    return Answer(question, Status.NOT_COVERED, "\n".join(lines), suggestions=suggestions,
                  missing_subjects=list(missing))


def units(text: str) -> list[_Unit]:
    """Split a chunk into sentences and list items, remembering which items share a list."""
    out: list[_Unit] = []
    offset, list_id, lists = 0, None, 0
    for line in text.split("\n"):
        if line.startswith(ITEM_MARK):
            if list_id is None:
                lists += 1
                list_id = lists
                if out and not out[-1].is_item and out[-1].end == offset - 1:
                    out[-1] = _Unit(out[-1].start, out[-1].end, list_id)  # the list's lead-in
            out.append(_Unit(offset + len(ITEM_MARK), offset + len(line), list_id, True))
        else:
            list_id = None
            out += [_Unit(offset + s, offset + e) for s, e in sentence_spans(line)]
        offset += len(line) + 1
    return out


def quote_passage(passage: Passage, query, lexical: LexicalIndex) -> Citation | None:
    """Choose what to quote from one passage: its best sentence, or the whole list it is in."""
    text = passage.text
    parts = units(text)
    heading = term_set(passage.metadata.get("section", ""))
    own_terms: dict[int | _Unit, set[str]] = {}  # a list's terms are its lead-in's and items'
    for unit in parts:
        key = unit if unit.list_id is None else unit.list_id
        own_terms.setdefault(key, set()).update(term_set(text[unit.start:unit.end]))

    def score(unit: _Unit) -> float:
        words = text[unit.start:unit.end]
        if SOURCE_LINE.match(words):
            return -1.0  # a list of references, not content
        if unit.list_id is None and words.endswith(":") and len(words.split()) < 8:
            return -1.0  # "Departments should:" whose list was lost says nothing alone
        own = own_terms[unit if unit.list_id is None else unit.list_id]
        bonus = LIST_BONUS if unit.list_id is not None else 0.0  # a list answers as a whole
        if lexical.coverage(query, own):
            return lexical.coverage(query, own | heading) + bonus
        # Matching only through the section heading earns part credit: enough to go with
        # a better quote, never enough to beat a unit that matches by its own words.
        under_heading = lexical.coverage(query, heading)
        return HEADING_ONLY * under_heading + bonus if under_heading else 0.0

    usable = [u for u in parts if score(u) >= 0]
    if not usable:
        return None
    best = max(usable, key=score)  # max keeps the earliest of equals
    if score(best) == 0:
        best = usable[0]
    chosen = _group(best, parts, text, query, lexical)
    # A second, different sentence or short list that answers nearly as well goes with it.
    others = [u for u in usable if u not in chosen and (u.list_id is None
                                                         or u.list_id != best.list_id)]
    second = max(others, key=score, default=None)
    if second is not None and score(second) > 0 and score(second) >= 0.6 * score(best):
        extra = _group(second, parts, text, query, lexical)
        if sum(u.end - u.start for u in extra) <= SECOND_GROUP_CHARS:
            chosen = sorted(set(chosen) | set(extra), key=lambda u: u.start)
    # A sentence that answers a part of the question the quotes so far leave out.
    covered = set().union(*(matched(query, term_set(text[u.start:u.end]), lexical)
                            for u in chosen)) | matched(query, heading, lexical)
    rest = [u for u in usable if u not in chosen]
    gains = {u: share_of(query, matched(query, term_set(text[u.start:u.end]), lexical)
                         - covered, lexical) for u in rest}
    third = max(rest, key=lambda u: gains[u], default=None)
    if third is not None and gains[third] >= MISSING_PART:
        extra = _group(third, parts, text, query, lexical)
        if sum(u.end - u.start for u in extra) <= SECOND_GROUP_CHARS:
            chosen = sorted(set(chosen) | set(extra), key=lambda u: u.start)
    meta = passage.metadata
    quotes = [text[u.start:u.end] for u in chosen]
    is_item = [u.is_item for u in chosen]
    return Citation(
        n=0, doc_id=meta["doc_id"], title=meta["title"],
        section=section_label([meta["section"]] if meta["section"] else [],
                              meta.get("paragraph") or None),
        url=meta["url"], link=text_fragment_link(meta["url"], quotes[0]), quote=quotes[0],
        quotes=quotes, score=round(passage.score, 4), chunk_id=passage.chunk_id,
        status=meta["status"], kind=meta["kind"], note=currency_note(meta), is_item=is_item,
    )


def _group(unit: _Unit, parts: list[_Unit], text: str, query,
           lexical: LexicalIndex) -> list[_Unit]:
    """What to quote for a chosen unit: a sentence alone, or its list (lead-in and items)."""
    if unit.list_id is None:
        return [unit]
    members = [u for u in parts if u.list_id == unit.list_id]
    items = [u for u in members if u.is_item]
    long_items = items and sum(u.end - u.start for u in items) / len(items) > LONG_ITEM
    if not long_items or len(items) <= SHORT_LIST:
        return members[: MAX_LIST_ITEMS + 1]
    # Many paragraph-length items: the lead-in and the items that match, not all of them.
    own = {u: lexical.coverage(query, term_set(text[u.start:u.end])) for u in items}
    matching = [u for u in sorted(items, key=lambda u: -own[u])[:2] if own[u] > 0]
    lead = [u for u in members if not u.is_item][:1]
    return sorted(lead + (matching or items[:1]), key=lambda u: u.start)


def distinct(citations: list[Citation | None]) -> list[Citation]:
    """No quote shown twice, and no more than two passages from one document."""
    kept: list[Citation] = []
    shown: set[str] = set()
    for citation in citations:
        if citation is None or set(citation.quotes) <= shown:
            continue
        if sum(c.doc_id == citation.doc_id for c in kept) >= MAX_PER_DOCUMENT:
            continue
        shown.update(citation.quotes)
        kept.append(citation)
    return kept


def verify_quotes(citations: list[Citation],
                  stored: dict[str, tuple[str, ...]]) -> list[Citation]:
    """Keep only quotes found verbatim in a stored chunk: the answerer's one hard guarantee."""
    verified = []
    for citation in citations:
        sources = stored.get(citation.chunk_id, ())
        keep = [bool(q) and any(q in source for source in sources) for q in citation.quotes]
        if not all(keep):
            log.error("dropped a quote not found verbatim in chunk %s", citation.chunk_id)
        if any(keep):
            citation.quotes = [q for q, k in zip(citation.quotes, keep, strict=True) if k]
            citation.is_item = [i for i, k in zip(citation.is_item, keep, strict=True) if k]
            citation.quote = citation.quotes[0]
            verified.append(citation)
    return verified


def currency_note(meta: dict) -> str:
    if meta.get("kind") == "summary":
        note = meta.get("status_note") or "a summary by the spendbot maintainers, not guidance"
        sources = json.loads(meta.get("sources") or "[]")
        return f"{note}. Sources: {', '.join(sources)}" if sources else note
    if meta.get("status") == "current":
        return meta.get("date_label", "")
    return meta.get("status_note") or f"{meta.get('status')}: {meta.get('date_label', '')}"


def text_fragment_link(url: str, quote: str) -> str:
    """A link that opens the page at the quoted words (a URL text fragment)."""
    if not url:
        return ""
    words = quote.rstrip(":").split()[:8]
    return f"{url}#:~:text={url_quote(' '.join(words), safe='')}" if words else url


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
        words = " and ".join(", ".join(f"“{w}”" for w in unknown).rsplit(", ", 1))
        blocks.append(f"Note: {'the word' if len(unknown) == 1 else 'the words'} {words} "
                      f"{'does' if len(unknown) == 1 else 'do'} not appear in the guidance I "
                      "hold, so check that the passages above answer your question.")
    return "\n\n".join(blocks)


def _public(citation: Citation) -> dict:
    data = asdict(citation)
    del data["is_item"]
    return data
