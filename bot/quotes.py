"""Choosing what to quote from a retrieved passage, and checking every quote is verbatim.

A passage is split into sentences and list items (as spans of the stored text, so a quote is
always an exact slice). The best-matching sentence is quoted, or the whole list it belongs
to; a second sentence that answers nearly as well, or one that covers a part of the question
the others miss, goes with it. Every quote is then checked against the stored chunks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote as url_quote

from bot.lexical import LexicalIndex, term_set
from bot.retrieval import Passage
from ingest.chunking import section_label
from ingest.records import ChunkMeta
from ingest.sentences import Unit as _Unit
from ingest.sentences import is_fragment
from ingest.sentences import text_units as units

log = logging.getLogger(__name__)

MAX_LIST_ITEMS = 12
SECOND_GROUP_CHARS = 700  # how long a second quoted passage from the same chunk may be
# Characters: lists of items longer than this on average are quoted selectively, however
# few the items (measured on the tuning sets: mean answer 121 -> 120 words on chat.yaml,
# 111 -> 110 on golden.yaml, no evidence lost; short lists like the red lines stay whole).
LONG_ITEM = 160
MAX_PER_DOCUMENT = 2
MISSING_PART = 0.2  # share of the question's weight a further source must add to be cited
HEADING_ONLY = 0.5
LEAD_BONUS = 0.08  # the sentence found by meaning: a tie-breaker over its word score
LIST_BONUS = 0.1  # on equal wording, a whole list says more than one sentence
# A list of examples illustrates what the list before it defines ("You can: assess the full
# financial implication…" then "Examples of leadership using this skill: explaining…"): on
# close wording the definition answers, unless examples are what is asked for.
EXAMPLES = re.compile(r"\s*(?:examples?\b|for example\b|for instance\b)", re.I)
EXAMPLES_PENALTY = 0.15
AVOIDED = 0.5  # a contrast side's sentence that also names the other side
SOURCE_LINE = re.compile(r"^Sources?:\s")
SOURCE_WORDS = frozenset({"blog", "press", "post", "articl", "link", "sourc", "url"})
# A sentence opening like these says in particular what the one before it says in general,
# or what the thing it names is: "The CTO/CDO organisational model is not designed to
# provide a fixed structure for decades to come. It's a model that … is designed to
# revolutionise technology usage over the next 3 to 5 years" (chat-5, chat-10, chat-12).
SPELLS_OUT = re.compile(r"(?:In particular|Specifically|In other words|That is|This means)\b|"
                        r"It['’]s an? |It is an? ")


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


# What a sentence says of its subject follows it: "CDOs will concentrate on...", "the CIO
# Council will determine...", "mission IT: the line of business applications...". A sentence
# that only names it in passing ("...reporting into the CDO") says less about it.
SAYS = frozenset("will should must is are has have can may would sets leads manages owns "
                 "provides concentrates".split())
ABOUT_BONUS = 0.05  # a tie-breaker: a side's sentence about it, over one naming it in passing


def about(sentence: str, subject, lexical: LexicalIndex) -> bool:
    """Whether `sentence` says something of `subject` (query terms): the subject, in at most
    four words, followed by a colon or a verb such as "will" or "is"."""
    if not subject or lexical.coverage(subject, term_set(sentence)) < 1.0:
        return False
    words = re.findall(r"[\w’'-]+|:", sentence)
    for i in range(len(words)):
        for j in range(i, min(i + 4, len(words))):
            if words[j] == ":":
                break
            if lexical.coverage(subject, term_set(" ".join(words[i:j + 1]))) == 1.0:
                after = words[j + 1:j + 2]
                if after and (after[0] == ":" or after[0].lower() in SAYS):
                    return True
                break
    return False


# A run of capitalised words none of which the guidance ever writes in lower case: a name
# ("Liam Maxwell", "Rt Hon Tony Blair"), or a place or body ("Stockley House").
NAME_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")
# For a question asking for a kind of thing (who did it, a date, a count), the sentence
# that gives one ("Liam Maxwell, Chief Technology Officer...", "Published 7 October 2024").
PREFER_BONUS = 0.15


def names_someone(sentence: str, lower_words: frozenset[str]) -> bool:
    return any(all(w.lower() not in lower_words for w in m.group(0).split())
               for m in NAME_RUN.finditer(sentence))


def quote_passage(passage: Passage, query, lexical: LexicalIndex,
                  avoid=(), subject=(), prefer: Callable[[str], bool] | None = None
                  ) -> Citation | None:
    """Choose what to quote from one passage: the sentence that answers (the passage's lead
    sentence, found by sentence search, unless word matching finds a clearly better one),
    or the whole list it is in.

    `avoid` holds the other sides' subjects when this quote answers one side of a contrast:
    a sentence naming both ("the new roles of the CDO and CTO") says less about this side
    than one naming it alone ("CDOs will concentrate on..."), so it scores half. `subject`
    is this side's own subject: a sentence `about` it scores higher. `prefer`, for a
    question asking for a kind of thing, tells the sentences that give one: they score
    higher.
    """
    text = passage.text
    parts = units(text)
    meta = passage.meta
    heading = term_set(meta.section)
    # A question naming the document ("is the tech code of practice official policy?") is
    # answered by what the document says, not by the sentences repeating its name: the
    # title's words count for every sentence alike, so the rest of the question decides.
    title = term_set(meta.title)
    named = lexical.matched(query, title)
    if len(named) >= 3 and 2 * len(named) >= len(title):
        heading = heading | title
    own_terms: dict[int | _Unit, set[str]] = {}  # a list's terms are its lead-in's and items'
    for unit in parts:
        key = unit if unit.list_id is None else unit.list_id
        own_terms.setdefault(key, set()).update(term_set(text[unit.start:unit.end]))

    lead_in = {}  # each list's first unit, its lead-in
    for unit in parts:
        if unit.list_id is not None:
            lead_in.setdefault(unit.list_id, unit)
    asks_examples = "exampl" in {term for term, _ in query}
    # "which cabinet office press release set out the red lines?" is answered by the line
    # naming the page's sources, which otherwise is references, not content (chat-14).
    asks_sources = bool(SOURCE_WORDS & {term for term, _ in query})

    def score(unit: _Unit) -> float:
        words = text[unit.start:unit.end]
        if SOURCE_LINE.match(words) and not asks_sources:
            return -1.0  # a list of references, not content
        if unit.list_id is None and (words.endswith(":") and len(words.split()) < 8
                                     or is_fragment(words)):
            return -1.0  # "Departments should:" whose list was lost, or a heading line
        own = own_terms[unit if unit.list_id is None else unit.list_id]
        bonus = LIST_BONUS if unit.list_id is not None else 0.0  # a list answers as a whole
        if unit.list_id is not None and not asks_examples and EXAMPLES.match(
                text[lead_in[unit.list_id].start:lead_in[unit.list_id].end]):
            bonus -= EXAMPLES_PENALTY
        if passage.lead and unit.start <= passage.lead.start < unit.end:
            bonus += LEAD_BONUS  # the sentence meaning-search found
        shared = AVOIDED if avoid and unit.list_id is None and lexical.coverage(avoid, own) \
            else 1.0
        if subject and about(words, subject, lexical):
            bonus += ABOUT_BONUS
        if prefer is not None and prefer(words):
            bonus += PREFER_BONUS
        if lexical.coverage(query, own) or unit.list_id is not None:
            # A list is what its section says, so it answers the question its heading
            # asks ("What are the red lines?" under "The four spend control red lines").
            return shared * lexical.coverage(query, own | heading) + bonus
        # Matching only through the section heading earns part credit: enough to go with
        # a better quote, never enough to beat a unit that matches by its own words.
        under_heading = lexical.coverage(query, heading)
        return HEADING_ONLY * under_heading + bonus if under_heading else bonus

    scores = {unit: score(unit) for unit in parts}
    usable = [u for u in parts if scores[u] >= 0]
    if not usable:
        return None
    best = max(usable, key=scores.get)  # max keeps the earliest of equals
    if scores[best] == 0:
        best = usable[0]
    chosen = _group(best, parts, text, query, lexical)

    def with_group(unit: _Unit) -> list[_Unit]:
        extra = _group(unit, parts, text, query, lexical)
        if sum(u.end - u.start for u in extra) > SECOND_GROUP_CHARS:
            return chosen
        return sorted(set(chosen) | set(extra), key=lambda u: u.start)

    # A second, different sentence or short list that answers nearly as well goes with it.
    # A list is best followed by a sentence, not by a second list under the same heading.
    others = [u for u in usable if u not in chosen and (u.list_id is None
                                                         or best.list_id is None)]
    second = max(others, key=scores.get, default=None)
    if second is not None and scores[second] > 0 and scores[second] >= 0.6 * scores[best]:
        chosen = with_group(second)
    # A sentence that answers a part of the question the quotes so far leave out.
    covered = set().union(*(lexical.matched(query, term_set(text[u.start:u.end]))
                            for u in chosen)) | lexical.matched(query, heading)
    rest = [u for u in usable if u not in chosen]
    gains = {u: lexical.share(query, lexical.matched(query, term_set(text[u.start:u.end]))
                              - covered) for u in rest}
    third = max(rest, key=gains.get, default=None)
    if third is not None and gains[third] >= MISSING_PART:
        chosen = with_group(third)
    quotes = [text[u.start:u.end] for u in chosen]
    is_item = [u.is_item for u in chosen]
    return Citation(
        n=0, doc_id=meta.doc_id, title=meta.title,
        section=section_label([meta.section] if meta.section else [], meta.paragraph or None),
        url=meta.url, link=text_fragment_link(meta.url, quotes[0]), quote=quotes[0],
        quotes=quotes, score=round(passage.score, 4), chunk_id=passage.chunk_id,
        status=meta.status, kind=meta.kind, note=currency_note(meta), is_item=is_item,
    )


def _group(unit: _Unit, parts: list[_Unit], text: str, query,
           lexical: LexicalIndex) -> list[_Unit]:
    """What to quote for a chosen unit: a sentence alone (with the next one when that
    spells it out: "The role of this board is to set overall operational strategy… In
    particular, it will set overarching service design principles"), or its list."""
    if unit.list_id is None:
        after = [u for u in parts if u.start >= unit.end][:1]
        if after and not after[0].is_item and SPELLS_OUT.match(
                text[after[0].start:after[0].end]):
            return [unit, after[0]]
        return [unit]
    members = [u for u in parts if u.list_id == unit.list_id]
    items = [u for u in members if u.is_item]
    long_items = items and sum(u.end - u.start for u in items) / len(items) > LONG_ITEM
    if not long_items:
        return members[: MAX_LIST_ITEMS + 1]
    # Many paragraph-length items: the lead-in and the items that match, not all of them:
    # the chosen one, and one more only if it matches about as well.
    own = {u: lexical.coverage(query, term_set(text[u.start:u.end])) for u in items}
    ranked = sorted(items, key=lambda u: (u is not unit, -own[u]))
    top = max(own.get(unit, 0.0), own[ranked[0]])
    lead = [u for u in members if not u.is_item][:1]
    if lead and lexical.coverage(query, term_set(text[lead[0].start:lead[0].end])) > top:
        # The question asks for the list itself ("what were the three key transformations?"
        # under "...will require three key transformations:"): its lead-in matches better
        # than any one item, so every item is its answer.
        return members[: MAX_LIST_ITEMS + 1]
    matching = [u for u in ranked[:2] if own[u] > 0 and own[u] >= 0.7 * top]
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


def currency_note(meta: ChunkMeta) -> str:
    """How current a cited document is, in a few words (the manifest has the long form):
    shown once per answer, with at most one link."""
    year = (meta.date or "")[:4]
    if meta.is_summary:
        link = next(iter(meta.links.values()), "") or (meta.sources[0] if meta.sources else "")
        return "the maintainers' summary, not guidance text" + (f"; source: {link}"
                                                                    if link else "")
    if meta.status == "superseded":
        return f"a superseded {year} draft" + (
            f"; current version: {meta.superseded_by}" if meta.superseded_by else "")
    if meta.status == "draft":
        return f"a {year} draft, since retired" if "retired" in meta.status_note \
            else f"a {year} draft"
    if meta.status == "historical":
        return f"a historical document ({meta.date_label})"
    return ""


def text_fragment_link(url: str, quote: str) -> str:
    """A link that opens the page at the quoted words (a URL text fragment)."""
    if not url:
        return ""
    words = quote.rstrip(":").split()[:8]
    return f"{url}#:~:text={url_quote(' '.join(words), safe='')}" if words else url
