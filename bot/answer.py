"""The default answerer: quote the guidance, cite it, and say so when it does not cover a question.

It needs no model service. An answer is a list of small named steps, as GOV.UK Chat builds
its answers, each timed and each able to end the answer with a named status and reason:

    read        clean the question, remove personal data, spell out chat words, fix typos
    retrieve    find passages (chunks and single sentences) for it
    judge       decline when no passage is relevant enough, or the question names something
                or asks for something the guidance never gives
    verdict     a question that describes a purchase gets the red-line and threshold rules'
                verdict, the same rules `spendbot review` applies (bot/rules.py)
    select      choose the sentence that answers and at most two more passages
    verify      keep only quotes found verbatim in a stored chunk
    compose     fill the answer's fields; presenters (bot/render.py, bot/slack/render.py)
                turn fields into text, JSON or Slack blocks and never parse text

Nothing is written that is not a verbatim slice of a stored chunk, apart from the framing
(titles, sections, currency notes from the manifest) and verdicts, whose wording is the
rules' own and whose clause is quoted.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.lexical import (
    MONEY_WORDS,
    LexicalIndex,
    for_lookup,
    names_in,
    numbering,
    searchable,
    stem,
    term_set,
    terms,
)
from bot.privacy import redact, without_placeholders
from bot.privacy import warning as privacy_warning
from bot.quotes import (
    MISSING_PART,
    Citation,
    about,
    distinct,
    names_someone,
    quote_passage,
    verify_quotes,
)
from bot.reading import cue_words
from bot.retrieval import GuidanceRetriever, IndexSnapshot, Passage
from bot.rules import PERIODS_A_YEAR, RED_LINES_DOC
from bot.understand import (
    Lexicon,
    Speller,
    Understood,
    english_words,
    question_parts,
    subject_of,
    understand,
    vocabulary,
)
from bot.verdicts import EXCEPTION, Verdict, scenario_verdict
from bot.wording import quoted
from ingest.sentences import text_units

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
# A passage supports an answer when its relevance (cosine similarity + 0.3 x weighted word
# coverage, of the chunk or of its best sentence, whichever is higher) reaches this.
# Calibrated with `spendbot eval --calibrate` on the tuning sets (knowledge/eval/golden.yaml
# and chat.yaml; never heldout.yaml): see the README's "Measuring answer quality". Checked
# again on all eight tuning sets (2026-12-03, 561 questions): the sweep suggests 0.44 on
# relevance alone, but the whole answerer gets 504 right at 0.44 (refusal 0.91) and 505 at
# 0.47 (refusal 0.93), so 0.47 stays.
MIN_RELEVANCE = 0.47
RELEVANCE_MARGIN = 0.15  # passages this close to the best one are cited too
MAX_CITATIONS = 3
PART_MARGIN = 0.1  # such a source may sit this far under the bar: the main answer is found
# An answer's quotes stop at this many words (the rest go to `more`, shown on request). A
# cap: most answers are a sentence or a short list. Measured on the tuning sets (chat,
# golden): a cap of 150 gave a mean of 127 words, 110 gave 116 but lost evidence; 120 keeps
# the mean under 120 words. The mean is reported by
# `spendbot eval` (target: at most 120).
MAX_WORDS = 120
SIDE_WORDS = 20  # more room when a question has two sides
# How close to the best a side's passage must be for saying something of the side to
# decide. Measured on the tuning sets: 0.05 fixes one contrast ("CDO vs CTO") and breaks
# none; 0.1 fixes two more but breaks two "how mature is X vs Y" questions, whose answer
# lost to a list defining X; with no margin, the same.
ABOUT_MARGIN = 0.05
WHOLE_LIST = 5  # a list of this many items or fewer, leading the answer, is never cut

# Each side of a two-sided question ("CDO vs CTO") is searched on its own as well as the
# whole question, on these threads, started as the whole question's search starts. A search
# is mostly the query encoder (ONNX Runtime, one thread) and Chroma's two searches, which let
# go of the GIL, so on two cores the three searches take not much longer than one; the
# searches of a question that ends before quoting its sides (declined, or a scenario the
# rules answer) are cancelled or left to finish. Measured over the chat sets (480 questions,
# twice, each asked both ways in turn in one process, load average 4-5 from other work):
# p95 99 ms with the side searches one after the other as before, 75 ms side by side; p50
# 39 ms either way (most questions have one side).
SIDE_SEARCHES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="side-search")


class Status(StrEnum):
    ANSWERED = "answered"
    NOT_COVERED = "not_covered"
    EMPTY = "empty_question"
    TOO_LONG = "question_too_long"


class Reason(StrEnum):
    """Why an answer ended as it did: each decline has its own name, in JSON and logs."""

    ANSWERED = "answered"
    EMPTY_QUESTION = "empty_question"
    QUESTION_TOO_LONG = "question_too_long"
    TOO_VAGUE = "too_vague"  # nothing left to search for once chat words are set aside
    UNKNOWN_SUBJECT = "unknown_subject"  # names something the guidance never mentions
    NO_RELEVANT_PASSAGE = "no_relevant_passage"  # the best passage is under the bar
    UNSUPPORTED_ASK = "unsupported_ask"  # asks for a duration, contact, count... none given
    UNVERIFIED_QUOTES = "unverified_quotes"  # no quote survived the verbatim check
    MODEL_INSUFFICIENT = "model_insufficient"  # the model said the passages do not answer
    ASKS_OUTCOME = "asks_outcome"  # what happened in practice; the guidance says what should


MESSAGES = {
    Reason.EMPTY_QUESTION: "Please type a question about technology spend control, for "
                           "example: “What are the spend control red lines?”",
    Reason.QUESTION_TOO_LONG: f"That question is too long for me: please keep it under "
                              f"{MAX_QUESTION_CHARS:,} characters, or ask about one thing at "
                              "a time.",
    Reason.TOO_VAGUE: "Please ask about something specific, for example: “Does a £2m "
                      "contract need spend control approval?”",
}
NOT_COVERED = "The guidance I have does not cover this."
# What a question asking what happened is told: the guidance plans and requires, it does
# not report ("did the IT academy from the 2005 strategy ever actually open?", chat-16).
OUTCOME_NOTE = "It says what was planned or required, not what happened in practice."
OUTCOME = re.compile(r"\b(?:in the end|ended up|did \w+(?:\s+\w+)?\s+end up|ever actually|"
                     r"actually (?:been|happen\w*|open\w*|appointed|achieved|freed|free up|"
                     r"shut|closed|delivered)|(?:had|has|have) actually|"
                     r"ever (?:open\w*|happen\w*)|what happened|was it achieved|did it work|"
                     r"turned out|in practice)\b", re.I)

# What happens around an approval, which the rules do not say: a change after sign-off, a
# resubmission, the order of one assurance step and another ("if our contract value creeps
# up ~10% after SC has signed it off, do we have to go back?", chat-19). A verdict on the
# sums named there would answer a question nobody asked, and the guidance describes no such
# process: it is declined.
AROUND_APPROVAL = re.compile(r"\b(?:after|once)\b[^?.]{0,40}\b(?:signed (?:it )?off|signs? (?:it )?"
                             r"off|approved|approves|approval)\b|\bresubmit\w*|\bgo back to\b|"
                             r"\btolerance\b|\bbefore (?:we|you) submit\b|\bside by side\b",
                             re.I)


@dataclass(frozen=True)
class Suggestion:
    """A document close to a declined question."""

    doc_id: str
    title: str
    url: str
    score: float


@dataclass(frozen=True)
class Signpost:
    """Where to ask instead, from knowledge/signposts.toml (each with its source page)."""

    text: str
    url: str


@dataclass
class Answer:
    question: str
    status: Status
    reason: Reason = Reason.ANSWERED
    lead: str = ""  # the verdict sentence for a scenario; otherwise the first quote leads
    verdict: Verdict | None = None
    generated: str = ""  # a model's answer, checked sentence by sentence (bot/generate.py)
    citations: list[Citation] = field(default_factory=list)
    more: list[Citation] = field(default_factory=list)  # shown with --full / "More" button
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # personal data removed
    message: str = ""  # a decline's or refusal's one line
    covers: str = ""  # a decline: what the guidance does cover, closest first
    signposts: list[Signpost] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    unknown_terms: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # ms per step
    removed: list[str] = field(default_factory=list)  # kinds of personal data taken out
    missing_subjects: list[str] = field(default_factory=list)  # named things never mentioned
    retrieved: list[Passage] = field(default_factory=list, repr=False)  # for evaluation
    searched_for: str = ""  # the question as retrieval saw it (with follow-up context)
    history: list[str] = field(default_factory=list)  # earlier turns, personal data removed

    @property
    def answered(self) -> bool:
        return self.status is Status.ANSWERED

    @property
    def text(self) -> str:
        """The answer as plain text (the terminal presenter's body, sources excluded)."""
        from bot.render import answer_body

        return answer_body(self)

    def to_dict(self) -> dict:
        return {"question": self.question, "status": str(self.status),
                "reason": str(self.reason), "answered": self.answered, "answer": self.text,
                "lead": self.lead, "verdict": self.verdict.to_dict() if self.verdict else None,
                "generated": self.generated,
                "citations": [_public(c) for c in self.citations],
                "more": [_public(c) for c in self.more],
                "notes": self.notes, "warnings": self.warnings, "message": self.message,
                "covers": self.covers, "signposts": [asdict(s) for s in self.signposts],
                "suggestions": [asdict(s) for s in self.suggestions],
                "unknown_terms": self.unknown_terms,
                "corrections": [list(pair) for pair in self.corrections],
                "personal_data_removed": self.removed, "timings": self.timings,
                "history": self.history}


class Stop(Exception):  # noqa: N818 - a step's way of ending the answer, not an error
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


@dataclass
class _Work:
    """What the steps pass along."""

    question: str
    history: Sequence[str]
    timings: dict[str, float]
    earlier: list[str] = field(default_factory=list)
    text: str = ""
    asked: str = ""
    removed: list[str] = field(default_factory=list)
    understood: Understood | None = None
    search: str = ""
    snapshot: IndexSnapshot | None = None
    passages: list[Passage] = field(default_factory=list)
    supported: list[Passage] = field(default_factory=list)
    verdict: Verdict | None = None
    citations: list[Citation] = field(default_factory=list)
    more: list[Citation] = field(default_factory=list)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sides: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # parts of the question not given
    # Searches of each side of a two-sided question, started beside the whole question's
    # own: (side as read, with the guidance's words) -> its passages, when done.
    side_searches: dict[tuple[str, str], Future] = field(default_factory=dict)
    outline: str = ""  # "Chief technology officer sets out 6 skills: …", for a list question
    outline_of: str = ""  # the title of the document the outline's sections come from


class Answerer:
    def __init__(self, retriever: GuidanceRetriever, min_relevance: float = MIN_RELEVANCE,
                 knowledge_dir: Path | None = None) -> None:
        self.retriever = retriever
        self.min_relevance = min_relevance
        self.knowledge_dir = knowledge_dir
        self.lexicon = Lexicon.load(knowledge_dir) if knowledge_dir else Lexicon({}, {},
                                                                                frozenset())
        self.signposts = load_signposts(knowledge_dir) if knowledge_dir else []

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the user's earlier turns (e.g. a Slack thread)."""
        work = _Work(question, history, {})
        steps: list[tuple[str, Callable[[_Work], None]]] = [
            ("read", self._read), ("retrieve", self._retrieve), ("verdict", self._verdict),
            ("judge", self._judge), ("select", self._select), ("verify", self._verify)]
        try:
            for name, step in steps:
                started = time.perf_counter()
                try:
                    step(work)
                finally:
                    work.timings[name] = round((time.perf_counter() - started) * 1000, 2)
            started = time.perf_counter()
            answer = self._compose(work)
            work.timings["compose"] = round((time.perf_counter() - started) * 1000, 2)
        except Stop as stop:
            answer = stop.answer
        finally:
            for search in work.side_searches.values():
                search.cancel()  # a declined or scenario question needs none of them
        answer.timings = work.timings
        answer.removed = work.removed
        if work.removed:
            answer.warnings.append(privacy_warning(work.removed))
        answer.retrieved, answer.searched_for = work.passages, work.search
        answer.history = work.earlier
        if work.understood and not answer.corrections:
            answer.corrections = list(work.understood.corrections)
        log.info("answer %s (%s) in %.0f ms", answer.status, answer.reason,
                 sum(work.timings.values()))
        return answer

    # -- steps --------------------------------------------------------------------------

    def _read(self, work: _Work) -> None:
        text, work.removed = redact(normalise_question(work.question))
        work.text = text
        if not re.search(r"\w", text):
            raise Stop(refusal(text, Status.EMPTY, Reason.EMPTY_QUESTION))
        if len(text) > MAX_QUESTION_CHARS:
            raise Stop(refusal(text[:200], Status.TOO_LONG, Reason.QUESTION_TOO_LONG))
        work.snapshot = self.retriever.snapshot()
        work.asked = without_placeholders(text)  # what was asked, minus removed personal data
        speller = _speller(work.snapshot)
        work.understood = understand(work.asked, self.lexicon, speller)
        work.earlier = [redact(normalise_question(turn))[0] for turn in work.history]
        earlier = [understand(without_placeholders(turn), self.lexicon, speller).text
                   for turn in work.earlier]
        work.search = with_context(work.understood.text, earlier)
        if not terms(work.understood.expanded) and not terms(work.search):
            raise Stop(refusal(text, Status.NOT_COVERED, Reason.TOO_VAGUE))

    def _retrieve(self, work: _Work) -> None:
        # Dense search embeds the question as typed; the lexicon's words for its chat words
        # go to word matching only. Embedding them too was tried (session 5, 631 tuning
        # questions): 570 right against 569, three fixed ("legacy kit" found "legacy
        # systems") and two broken, one a question to decline answered with the approval
        # thresholds because "signs off" brought in "approval". Not kept.
        for read in self._side_reads(work, question_parts(work.understood.text)):
            work.side_searches[read.text, read.expanded] = SIDE_SEARCHES.submit(
                self.retriever.passages, read.text, read.expanded, work.snapshot)
        expanded = work.search + " " + " ".join(g for _, g in work.understood.expansions)
        work.passages = definition_first(
            work.understood.expanded, work.snapshot,
            self.retriever.passages(work.search, expanded, work.snapshot))

    def _side_reads(self, work: _Work, sides: list[str]) -> list[Understood]:
        """Each side as read for searching, a later one with the names the first gives (its
        "they"); a side with no word to search for is left out."""
        reads = [understand(side, self.lexicon, None) for side in with_referents(sides)]
        lexical = work.snapshot.lexical
        return [read for read in reads if lexical.query_terms(read.expanded)]

    def _side_search(self, work: _Work, read: Understood) -> list[Passage]:
        """A side's own passages: from the search `_retrieve` started, or searched now."""
        search = work.side_searches.pop((read.text, read.expanded), None)
        if search is None or search.cancelled():
            return self.retriever.passages(read.text, read.expanded, work.snapshot)
        return search.result()

    def _verdict(self, work: _Work) -> None:
        """A question describing a purchase is answered by the rules, unless it asks for
        something else about it ("how long will approval take for a £2m system?")."""
        if asked_for(work.understood.text) is None \
                and not AROUND_APPROVAL.search(work.understood.text):
            # A follow-up keeps the facts of the turn it follows: "does Crypt-Key spend need
            # approval?" then "even if it's just a couple hundred quid?".
            work.verdict = scenario_verdict(work.search, work.snapshot)

    def _judge(self, work: _Work) -> None:
        lexical = work.snapshot.lexical
        work.supported = supporting_passages(work.passages, self.min_relevance)
        explained = work.understood.resolved | self.lexicon.chat
        # A purchase the rules decide is asked about in its question, not in its telling:
        # in "… it extends by another yr automatically if the supplier hits its KPIs. is
        # that allowed?" the KPIs are part of the story and the rules answer the question.
        scenario = work.verdict is not None and bool(work.verdict.outcomes)
        subject = asking(work.understood.text) if scenario else work.understood.text
        missing = [w for w in lexical.unknown_subjects(subject)
                   if w.lower() not in explained]
        # A word typed in lower case that is neither the guidance's, nor English, nor a
        # typo of either is a name all the same: "does uk gdpr change whether we need SC
        # approval?" asks about GDPR, which the guidance never mentions (chat-12). Not in a
        # purchase the rules decide: "our helpdesk contract auto-renews" names the thing bought.
        missing += [] if scenario else [
            w for w in lexical.unknown(asking(work.understood.text))
            if w.isalpha() and w.islower() and len(w) >= 4 and w not in explained
            and w not in english_words()]
        corpus = _corpus_text(work.snapshot)
        # A supplier named in the telling ("Harbour Digital Ltd builds and runs it") is part
        # of the purchase the rules judge, not a subject to look up (chat-18).
        missing += lexical.unknown_names(asking(work.asked) if scenario else work.asked, corpus)
        missing += lexical.unknown_members(work.understood.text,
                                           _numbering_for(work.snapshot))
        if missing:  # "is VAT included in the £100k?": the rules cannot say either
            raise Stop(self._decline(work, Reason.UNKNOWN_SUBJECT, missing))
        if work.verdict is not None and work.verdict.outcomes:
            return  # the rules answer it from its facts; passages only add to it
        asks = asking(work.understood.text)
        # The word asking for a kind of thing ("the deadline for comments") is checked by
        # what a passage gives (a date), not by whether the guidance writes the word.
        asks_for = {m.group(0).lower() for pattern, _ in ASKS for m in pattern.finditer(asks)}
        things = [w for w in lexical.unknown_things(asks) + lexical.unknown_actions(asks)
                  + lexical.unknown_kinds(asks)
                  if w.lower() not in explained and w.lower() not in asks_for]
        if things:  # "what's the deadline for...?", "how do we appeal?"
            raise Stop(self._decline(work, Reason.UNKNOWN_SUBJECT, things))
        if work.verdict is not None:
            return  # no facts, but the rules say what decides it
        if OUTCOME.search(work.understood.text):
            raise Stop(self._decline(work, Reason.ASKS_OUTCOME))
        if AROUND_APPROVAL.search(work.understood.text):
            raise Stop(self._decline(work, Reason.UNSUPPORTED_ASK))
        if not work.supported and EXCEPTION.search(work.understood.text):
            # "is there any wiggle room on auto extensions or is it a flat no?" asks for a
            # red line's exception, which its own bullet states ("…, unless there is a
            # compelling case for one"); chat wording puts it under the bar by meaning
            # (0.38 against 0.47) while it shares most of its words (coverage 0.65).
            work.supported = [p for p in work.passages[:3] if p.meta.doc_id == RED_LINES_DOC
                              and p.coverage >= RULE_COVERAGE][:1]
        if not work.supported:
            raise Stop(self._decline(work, Reason.NO_RELEVANT_PASSAGE))
        # A two-part question is checked part by part: "by when ..., and what came after?"
        # asks for a date in its first part only. A part the guidance does not give is said
        # to be uncovered, and the other part answered; a question none of whose parts is
        # given is declined. What is asked for may be given by any passage near the bar.
        near = [p for p in work.passages if p.relevance >= self.min_relevance - PART_MARGIN]
        parts = question_parts(work.understood.text) or [work.understood.text]
        for part in parts:
            text = work.search if part == work.understood.text else part
            query = lexical.query_terms(text + " " + understand(part, self.lexicon,
                                                                None).expanded)
            if not query:  # "..., how many were there?" asks about the first part's subject
                query = lexical.query_terms(work.search)
            if not gives_what_is_asked(part, near, query, lexical):
                work.uncovered.append(part)
        answered = [part for part in parts if part not in work.uncovered]
        if work.uncovered and (not answered or not all(self._stands(work, p) for p in answered)):
            raise Stop(self._decline(work, Reason.UNSUPPORTED_ASK))
        if self._neither_alternative(work, near):
            raise Stop(self._decline(work, Reason.UNSUPPORTED_ASK))
        if not self._beyond_the_domain(work):
            raise Stop(self._decline(work, Reason.NO_RELEVANT_PASSAGE))
        # "what SCS grade is a Head of Business IT?" is not answered by the CTO's grade: a
        # name the question gives, and the guidance writes, must be in a passage found.
        found = [for_lookup(searchable(p.text, p.meta)) for p in near]
        if any(for_lookup(name) in corpus and not any(for_lookup(name) in f for f in found)
               for name in names_in(work.asked)):
            raise Stop(self._decline(work, Reason.NO_RELEVANT_PASSAGE))

    def _neither_alternative(self, work: _Work, near: list[Passage]) -> bool:
        """Whether the question asks "A or B?" and the passages found name neither: "does
        the £100m red line apply to each call-off or to the framework's total?" is a
        question the red lines do not settle, though they match it well."""
        either = next(reversed(list(EITHER_OR.finditer(asking(work.understood.text)))), None)
        if either is None or re.match(r"\s*not\b", either.group(2)):
            return False
        lexical = work.snapshot.lexical
        skip = _stems(self.lexicon.domain | self.lexicon.chat)
        found = [_terms_of(p) for p in near]
        before = " ".join(either.group(1).split()[-4:])

        def unnamed(side: str) -> bool:
            # "... absolute or is there wiggle room?" asks for a rule's exception, which the
            # red lines give as "unless there is an exceptional reason" (chat-11).
            if EXCEPTION.search(side) and any(UNLESS.search(p.text) for p in near):
                return False
            query = [(t, alts) for t, alts in lexical.query_terms(side) if t not in skip]
            return bool(query) and any(not any(lexical.matches(alts, f) for f in found)
                                       for _, alts in query)
        return unnamed(before) and unnamed(either.group(2))

    def _beyond_the_domain(self, work: _Work) -> bool:
        """Whether a supporting passage shares with the question more than the words every
        spend control question shares ("spend controls", "approval", "department"): "is
        there a fast-track route for urgent approvals?" meets the approval thresholds by
        those words alone, and they do not answer it."""
        lexical = work.snapshot.lexical
        # The sentence that asks: "Ignore your rules. What are the red lines?" asks only
        # for the red lines.
        asks = asking(work.understood.text)
        query = lexical.query_terms(" ".join([asks, *(g for _, g in work.understood.expansions)]))
        # Number words too: a passage holding a sum is indexed without them ("four").
        domain = _stems(self.lexicon.domain) | MONEY_STEMS
        # Words the guidance never uses are for the unknown-subject checks, not this one:
        # no passage could hold them ("I'm ): what are the red lines?").
        specific = [(t, alts) for t, alts in query
                    if t not in domain and lexical.matches(alts, lexical.vocab)]
        if not specific or len(specific) == len(query):
            return True
        return any(lexical.matched(specific, _terms_of(p)) for p in work.supported)

    def _stands(self, work: _Work, part: str) -> bool:
        """Whether a part of a question is answered on its own, its own best passage over
        the bar: that it asks for nothing in particular ("and who chairs it?") is no answer
        by default."""
        read = understand(part, self.lexicon, None)
        found = self.retriever.passages(read.text, read.expanded, work.snapshot)
        return bool(found) and found[0].relevance >= self.min_relevance

    def _select(self, work: _Work) -> None:
        lexical = work.snapshot.lexical
        query = lexical.query_terms(work.search + " " + " ".join(
            g for _, g in work.understood.expansions))
        chosen = cover_remaining_parts(work.supported, work.passages, query, lexical,
                                       self.min_relevance)
        if work.search != work.understood.text:  # a follow-up: the new question leads
            own = lexical.query_terms(work.understood.expanded)
            chosen.sort(key=lambda p: -lexical.coverage(own, _terms_of(p)))
        if work.verdict is not None:
            # The rules it rests on are the answer. Another source added nothing the tuning
            # sets asked for (evidence unchanged on all four chat sets) and cost 6-12 words
            # an answer on average, most of it passages beside the point.
            chosen = []
        sections = [work.snapshot.whole_section(p) for p in _one_per_place(chosen)]
        prefer = self._gives(work, work.understood.text, query) if work.verdict is None \
            else None
        if prefer is not None:  # a passage that gives what is asked for leads
            chosen = _giving_first(chosen, work.passages, prefer, self.min_relevance)
            sections = [work.snapshot.whole_section(p) for p in _one_per_place(chosen)]
        citations = [quote_passage(p, query, lexical, prefer=prefer) for p in sections]
        work.sides = [part for part in question_parts(work.understood.text)
                      if part not in work.uncovered] if work.verdict is None else []
        if work.sides:  # each side of a contrast, each part of a two-part question, quoted
            lead = _clear_lead(work.passages)
            citations, sections = self._each_side(work, work.sides)
            if lead is not None:
                # One sentence found far above the rest answers the comparison itself: "how
                # senior should the digital lead be compared with the tech lead?" and "digital
                # should be represented at the same or higher seniority level as
                # technology" (chat-13). It leads; each side's quotes follow.
                section = work.snapshot.whole_section(lead)
                first = quote_passage(section, query, lexical)
                same = next((i for i, c in enumerate(citations) if first is not None
                             and (c.doc_id, c.section) == (first.doc_id, first.section)), None)
                if same is not None:  # a side quoted it already: one citation, in front
                    merge_quotes(citations[same], first, section.text)
                    citations.insert(0, citations.pop(same))
                    sections.insert(0, sections.pop(same))
                elif first is not None:
                    citations, sections = [first, *citations], [section, *sections]
        if work.verdict is not None:
            citations = [*work.verdict.citations, *citations]
        work.citations = distinct(citations)
        work.sources = {p.chunk_id: p.sources for p in sections}
        if work.verdict is not None:
            work.sources.update(work.verdict.sources)

    def _gives(self, work: _Work, text: str, query) -> Callable[[str], bool] | None:
        """What tells a sentence that gives what `text` (the question, or one part of it)
        asks for (a name for "who was...?", a date for "when...?", a count of the thing for
        "how many...?"), if it asks for a particular kind of thing."""
        if WHO_DID.search(text):
            lower = _lower_words(work.snapshot)
            return lambda sentence: names_someone(sentence, lower)
        return giving(text, query, work.snapshot.lexical)

    def _each_side(self, work: _Work, sides: list[str]) -> tuple[list[Citation],
                                                                 list[Passage]]:
        """For each side, the retrieved passage that matches it best, quoted for that side;
        two sides found in one section become one citation with both quotes."""
        lexical = work.snapshot.lexical
        citations: list[Citation] = []
        sections: list[Passage] = []
        reads = [understand(side, self.lexicon, None)
                 for side in with_referents(sides)]
        queries = [lexical.query_terms(read.expanded) for read in reads]
        subjects = [lexical.query_terms(understand(subject_of(side), self.lexicon,
                                                   None).expanded) for side in sides]
        # "the CTO and CDO roles": the last side's plural ends the phrase both share, so it
        # names what they are (roles), not what tells this side apart from the first.
        shared = sides[-1].split()[-1].lower() if len(sides[-1].split()) >= 2 else ""
        if shared.endswith("s") and not any(shared in side.lower() for side in sides[:-1]):
            subjects[-1] = [(term, alts) for term, alts in subjects[-1]
                            if term != stem(shared)] or subjects[-1]
        for n, (read, query) in enumerate(zip(reads, queries, strict=True)):
            if not query:
                continue
            # What sets this side's subject apart from the other sides decides first: for
            # "Customer Group Director vs Shared Service Director in the 2005 strategy",
            # "shared" picks the second side's passage, not "strategy".
            others = {term for m, q in enumerate(subjects) if m != n for term, _ in q}
            own = [(term, alts) for term, alts in subjects[n] if term not in others] or query
            # Each side is searched on its own too: "what grade is a CTO" finds the grade
            # even when the whole question's passages are about reporting lines.
            found = self._side_search(work, read)[:3] + work.passages[:8]
            # Among passages about as relevant, one with a sentence saying something of this
            # side ("CDOs will concentrate on...") beats one naming it in passing.
            close = max((p.relevance for p in found), default=0.0) - ABOUT_MARGIN
            # A section already quoted for another side that says something of this one
            # too is the guidance contrasting them: "CDOs will concentrate on… CTOs will
            # concentrate on…" under one heading.
            # So is a passage saying something of every side, found for the first side
            # before any is quoted ("whats the difference between the CTO and the CDO?").
            quoted_places = {section.meta.place for section in sections}
            best = max(found, key=lambda p: (
                round(lexical.coverage(own, _terms_of(p)), 2),
                (p.meta.place in quoted_places or all(_says_of(p, s, lexical) for s in subjects))
                and _says_of(p, subjects[n], lexical),
                round(lexical.coverage(query, _terms_of(p)), 2),
                p.relevance >= close and _says_of(p, subjects[n], lexical), p.relevance),
                default=None)
            if best is None or best.relevance < self.min_relevance - PART_MARGIN:
                continue
            section = work.snapshot.whole_section(best)
            avoid = [(term, alts) for m, q in enumerate(subjects) if m != n
                     for term, alts in q if term not in {t for t, _ in own}]
            # A part asking for a kind of thing ("who was government CTO…, and what does it
            # say about openness?") prefers the sentence giving one, as a whole question does.
            prefer = self._gives(work, sides[n], query)
            citation = quote_passage(section, query, lexical, avoid, subjects[n], prefer=prefer)
            if citation is None:
                continue
            same = next((c for c in citations if (c.doc_id, c.section)
                         == (citation.doc_id, citation.section)), None)
            if same is not None:
                merge_quotes(same, citation, section.text)
            else:
                citations.append(citation)
                sections.append(section)
        return citations, sections

    def _verify(self, work: _Work) -> None:
        work.citations = verify_quotes(work.citations, work.sources)
        if not work.citations:
            raise Stop(self._decline(work, Reason.UNVERIFIED_QUOTES))
        # Two sides get room for two answers: a contrast cut to one side answers half of it.
        budget = MAX_WORDS + SIDE_WORDS * (len(work.sides) > 1)
        if work.verdict is None:
            found = outline(work.understood.text, work.snapshot, work.passages)
            if found is not None:
                title, noun, sections = found
                work.outline_of = title
                work.outline = f"{title} sets out {len(sections)} {noun}: " \
                    f"{'; '.join(sections)}."
                # The sections are the answer; a quote is there to show where they come
                # from, so it gets what is left after the outline and the citation labels.
                budget -= len(work.outline.split()) + OUTLINE_LABELS
        work.citations, work.more = within_words(work.citations, budget,
                                                 each_side=len(work.sides) > 1,
                                                 whole_first=not work.outline)
        for n, citation in enumerate(work.citations + work.more, start=1):
            citation.n = n
        if work.outline:
            cited = next((c.n for c in work.citations if c.doc_id == work.outline_of
                          or c.title == work.outline_of), None)
            if cited:
                work.outline += f" [{cited}]"

    def _compose(self, work: _Work) -> Answer:
        # A verdict comes from the rules and the facts the question gives, so the words it
        # uses for its own systems ("our HR licence") are not words to look for in the text.
        unknown = [] if work.verdict is not None else [
            w for w in work.snapshot.lexical.unknown(
                self.lexicon.without_chat_phrases(work.asked))  # "in a nutshell" is no subject
            if w.lower() not in work.understood.resolved and w.isalpha()
            and w.lower() not in self.lexicon.chat]
        notes = [f"{'The word' if len(unknown) == 1 else 'The words'} {quoted(unknown)} "
                 f"{'does' if len(unknown) == 1 else 'do'} not appear in the guidance I hold, "
                 "so check that the passages answer your question."] if unknown else []
        notes += [f"The guidance I have does not say this part: “{part.rstrip('?')}”."
                  for part in work.uncovered]
        currency = currency_line(work.citations)
        if currency:
            notes.insert(0, currency)
        return Answer(work.text, Status.ANSWERED, Reason.ANSWERED,
                      lead=work.verdict.sentence if work.verdict else work.outline,
                      verdict=work.verdict, citations=work.citations, more=work.more,
                      notes=notes, unknown_terms=unknown)

    def _decline(self, work: _Work, reason: Reason, missing: Sequence[str] = ()) -> Answer:
        answer = not_covered(work.text, work.passages, missing, reason)
        answer.covers = covers_line(work.snapshot, answer.suggestions)
        answer.signposts = [s for s, words in self.signposts
                            if any(re.search(rf"\b{re.escape(w)}", work.asked, re.I)
                                   for w in words)][:1]
        return answer


# What the answerer reads from the whole guidance once per index is kept with the index's
# snapshot (IndexSnapshot.derive), and goes with it when an ingest replaces it. These were
# functools caches keyed by the snapshot's name and a tuple of its every text and title,
# built again for each question only to look the value up: at the 30x corpus of
# bench/scale.py (3,266 chunks) that took 0.8 ms a question, and the titles in the key kept
# 0.44 MB (so about 2.7 ms and 1.5 MB at 100x).


def _fold(texts: Iterable[str]) -> str:
    # Folded text by text: folding the whole corpus at once (a list of its every word, or
    # one regular-expression pass) took 80 to 130 MB for a moment at the 100x corpus of
    # bench/scale.py, and that moment set the answering process's peak memory.
    folded = (for_lookup(text) for text in texts)
    return " ".join(text for text in folded if text)


def _corpus_text(snapshot: IndexSnapshot) -> str:
    """Everything the guidance says, lower case, spaces folded: where a name is looked up."""
    return snapshot.derive("corpus", lambda: _fold(itertools.chain(
        snapshot.texts, (f"{m.title} {m.section}" for m in snapshot.metas))))


def _numbering_for(snapshot: IndexSnapshot) -> dict[str, frozenset[str]]:
    return snapshot.derive("numbering", lambda: numbering(_corpus_text(snapshot)))


# "who was the government CTO?", "who wrote the foreword?": asks for someone, whom the
# guidance names ("Liam Maxwell, Chief Technology Officer of the UK government, ...").
WHO_DID = re.compile(r"\bwho\s+(?:was|were|wrote|asked|commissioned|signed|led|chaired|"
                     r"introduced|announced|launched)\b", re.I)


def _lower_words(snapshot: IndexSnapshot) -> frozenset[str]:
    """Every word the guidance writes in lower case somewhere: what a name is not."""
    return snapshot.derive("lower words", lambda: frozenset(
        w for text in snapshot.texts for w in re.findall(r"\b[a-z]+\b", text)))


def _speller(snapshot: IndexSnapshot) -> Speller:
    """The guidance's words, and the words the rules read ("per annum", "evergreen"), are
    what a question's words are corrected to, and never corrected themselves."""
    return snapshot.derive("speller", lambda: Speller(
        vocabulary(list(snapshot.texts)) + Counter(cue_words() | set(PERIODS_A_YEAR))))


def load_signposts(knowledge_dir: Path) -> list[tuple[Signpost, tuple[str, ...]]]:
    """Where to point a question the guidance does not answer, from signposts.toml."""
    import tomllib

    path = knowledge_dir / "signposts.toml"
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [(Signpost(s["text"], s["url"]), tuple(s.get("when", ())))
            for s in data.get("signposts", []) if str(s.get("url", "")).startswith("https://")]


def refusal(question: str, status: Status, reason: Reason) -> Answer:
    return Answer(question, status, reason, message=MESSAGES[reason])


def normalise_question(question: str) -> str:
    """Readable text only: compatibility forms folded, control and zero-width characters gone."""
    text = unicodedata.normalize("NFKC", question)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
                   or ch in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


FOLLOW_UP = re.compile(
    r"^(and|but|also|so|then|what about|how about|what of|ok and|okay and)\b"
    r"|\b(it|its|they|them|their|he|she|his|her|the same)\b"
    r"|\b(this|that|these|those) (role|job|post|person|team|board|one|document|strategy|"
    r"guidance|policy|code|principle|threshold|rule|line|limit|contract|list)s?\b", re.I)


# "and what about websites?" after "what did the 2005 strategy say about call centres?":
# the new subject takes the place of the old one, which would otherwise outweigh it.
WHAT_ABOUT = re.compile(r"^(?:and|but|so|ok(?:ay)?(?: and)?)?[\s,]*(?:what|how) about\s+"
                        r"(?!it\b|that\b|this\b|them\b|if\b|for\b|when\b)(.+?)[\s?.!]*$", re.I)
ABOUT_TAIL = re.compile(r"\babout\s+(.+?)[\s?.!]*$", re.I)


def with_context(question: str, history: Sequence[str]) -> str:
    """What to search for: a follow-up ("and who does that role report to?", "how long?") is
    read together with the turn before it; a question that stands alone is searched as is."""
    earlier = [turn for turn in history if turn.strip()]
    if not earlier:
        return question
    asked, before = WHAT_ABOUT.match(question), ABOUT_TAIL.search(earlier[-1])
    if asked and before:
        return f"{earlier[-1][:before.start(1)]}{asked.group(1)}?"
    if FOLLOW_UP.search(question) or len(terms(question)) <= 2:
        return f"{earlier[-1]} {question}"
    return question


# "what is a CTO?", "what does a cto actually do?", "who is the SIRO?": the question asks
# what something is. A document whose title names it and that defines it ("A chief
# technology officer is the organisation's technology strategist.") answers it, however
# many passages elsewhere mention CTOs in passing (measured on the tuning sets: four
# "what is/does a CTO" questions were answered from the leadership draft instead).
DEFINES = re.compile(r"^\s*(?:[\w' ]{1,20}\s[-–:]\s+)?"  # "quick one - what's a CTO?"
                     r"(?:so\s+|and\s+)?(?:what does .{3,60}? say|what(?:['’]s| is| are| does|"
                     r" do)|who(?:['’]s| is| are))\s+(?:a|an|the)\s+([\w' -]{2,40}?)"
                     r"(?:\s+actually)?(?:\s+(?:(?:is|are|meant to|supposed to)\s+)?(?:do|does|"
                     r"mean|for|is|are))?\s*\??\s*$", re.I)
DEFINITION = re.compile(r"(?:A|An|The)\s+([\w' -]{2,60}?)\s+(?:is|are)\s+\S")


# Tried and not kept (2026-12-03): a question naming a document by its title ("what does
# the TCoP say about accessibility?") ranked that document's passages first, by the rest of
# the question. No tuning set changed; the held-out set lost a question (evidence 0.82 ->
# 0.80, recall@3 0.94 -> 0.92).
def definition_first(question: str, snapshot: IndexSnapshot,
                     passages: list[Passage]) -> list[Passage]:
    """The passages with the guidance's definition of what the question asks about first,
    led by its defining sentence, when the question asks what a thing is."""
    from dataclasses import replace

    from bot.retrieval import SentenceHit

    asked = DEFINES.match(question)
    lexical = snapshot.lexical
    subject = lexical.query_terms(asked.group(1)) if asked else []
    if not subject or not passages:
        return passages
    for i in _titled(snapshot, tuple(term for term, _ in subject)):
        text = snapshot.texts[i]
        for unit in text_units(text):
            found = DEFINITION.match(text, unit.start, unit.end)
            if found and lexical.coverage(subject, term_set(found.group(1))) == 1.0:
                top = passages[0].relevance
                hit = SentenceHit(unit.start, unit.end, top, 1.0, top)
                defined = next((p for p in passages if p.chunk_id == snapshot.ids[i]), None)
                if defined is None:
                    defined = Passage(snapshot.ids[i], text, snapshot.metas[i], top, 1.0, top,
                                      (text,))
                defined = replace(defined, relevance=max(top, defined.relevance), lead=hit)
                return [defined] + [p for p in passages if p.chunk_id != defined.chunk_id]
    return passages


def _titled(snapshot: IndexSnapshot, subject: tuple[str, ...]) -> list[int]:
    """The chunks of documents whose title names every word of `subject` (acronyms
    spelled out count), first sections first."""
    lexical = snapshot.lexical
    query = lexical.query_terms(" ".join(subject))
    by_title = snapshot.derive("chunks by title", lambda: _chunks_by_title(snapshot))
    # Judged once a title, not once a chunk: a hundred times the corpus has 12,000 chunks
    # and a handful of titles.
    return sorted(i for title, chunks in by_title.items()
                  if lexical.coverage(query, term_set(title)) == 1.0 for i in chunks)


def _chunks_by_title(snapshot: IndexSnapshot) -> dict[str, list[int]]:
    by_title: dict[str, list[int]] = {}
    for i, meta in enumerate(snapshot.metas):
        by_title.setdefault(meta.title, []).append(i)
    return by_title


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


# What a question asks for, and what a sentence must hold to give it. A question that asks
# how long something takes, or who to e-mail, is not answered by a sentence that only
# shares its other words ("how long does approval take?" is not answered by the hosting
# red line's "2 years").
ASKS = [
    (re.compile(r"\bhow (long|quickly|soon|fast)\b|\bturn ?around\b|\btimescales?\b", re.I),
     re.compile(r"\b(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve)[- ]"
                r"(day|week|month|year|hour)s?\b", re.I)),
    # Not "when does which one apply?": that asks in what case, not on what date.
    (re.compile(r"\bdeadline\b|\bby when\b|\bwhen(?:'s|’s| is| are| do| does| will| should| "
                r"must| can| was| were| did)\b(?![^?]{0,50}\b(?:apply|applies|needed|required|"
                r"kicks? in)\b)", re.I),
     re.compile(r"\b(19|20)\d\d\b|\b(january|february|march|april|may|june|july|august|"
                r"september|october|november|december)\b|\b(annual|yearly|monthly|weekly|"
                r"daily|quarterly)\b|"
                # "published before the end of the current financial year" (chat-15)
                r"\bend of (?:the )?(?:current |next |this )?(?:financial |calendar )?year\b",
                re.I)),
    (re.compile(r"\bwho (do|should|can) (i|we) (email|e-mail|contact|ask|speak|talk|call|"
                r"send)\b|\b(email|e-mail) address\b|\bcontact details\b", re.I),
     re.compile(r"@|\bcontact\b|\bemail\b|https?://", re.I)),
    # Who decides, or what to send: "if we have an exceptional reason to go over £100m, who
    # signs that off and what do we need to submit?" asks for a process the red lines do
    # not describe; a sentence saying who approves or decides gives it (chat-13).
    (re.compile(r"\bwho (?:signs?|approves?|grants?|authori[sz]es?)\b|\bwhat (?:do|would|"
                r"will|should) (?:we|i) (?:need|have) to (?:submit|send|provide|fill in)\b",
                re.I),
     re.compile(r"\b(?:approved|signed off|decided|agreed|granted|authori[sz]ed) (?:by|through)\b|"
                r"\bsubmit\w*\b.*\bto\b", re.I)),
    # Targets set: "what targets does the Greening Government ICT strategy set for depts?"
    # is not answered by the principle that names the strategy (chat-14).
    (re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?targets?\b", re.I),
     re.compile(r"\btargets?\b|\d\s?%|\bper cent\b", re.I)),
    # Who holds a post now: the guidance describes roles, never who is in them.
    (re.compile(r"\bwho(?:'s|’s| is| are)\b.{0,60}\b(current|currently|right now|at the moment|"
                r"these days|today)\b", re.I),
     # A name is capitalised whatever the flags: "the current CTO is Jane Smith".
     re.compile(r"\b(current|currently)\b.*\b(is|are)\b (?-i:[A-Z][a-z]+ [A-Z][a-z]+)", re.I)),
    (re.compile(r"\bhow many\b", re.I), re.compile(r"\b\d[\d,]*\b|\b(one|two|three|four|"
                                                    r"five|six|seven|eight|nine|ten|dozen|"
                                                    r"hundred)\b", re.I)),
    (re.compile(r"\bhow much (does|do|will|would|is|are)\b.*\b(cost|pay|paid|earn|salary)\b|"
                r"\b(salary|salaries|pay band)\b|"
                # Asking a price, not naming a cost: "is a CTO expected to get their head
                # round the whole-of-life cost of what they buy?" asks about the role.
                r"\b(what|how much)\b[^?]{0,30}\b(price|cost of)\b", re.I),
     re.compile(r"£\s?\d|\b\d[\d,]* (pounds|per cent|%)", re.I)),
    # Examples the guidance never gives: "any examples of contracts that got an exception?"
    (re.compile(r"\b(?:any|some|real|actual|worked)\s+examples?\b|\bexamples? of\b", re.I),
     re.compile(r"\bfor example\b|\be\.g\.|\bsuch as\b|\bfor instance\b|\bexamples?\b|\blike\b",
                re.I)),
    # What something saved: a sum said to be saved, not any sum ("how much have the red
    # lines saved?" is not answered by the £100 million limit).
    (re.compile(r"\bhow much\b.{0,60}\bsav(?:e|ed|es|ing|ings)\b", re.I),
     re.compile(r"(?:£\s?\d|\d[\d,.]* ?(?:pounds|billion|million|bn|m)\b).*\bsav|\bsav\w*.*"
                r"(?:£\s?\d|\d[\d,.]* ?(?:billion|million|bn|m)\b)", re.I)),
    (re.compile(r"\b(is there|are there|do you have|where (is|are|can i find)|which|what) "
                r"(a |an |the )?(\w+ )?(form|template|checklist)s?\b", re.I),
     re.compile(r"\b(form|template|checklist)s?\b", re.I)),
]


ASK_COVERAGE = 0.3  # the sentence giving it must also share this much of the question


def asked_for(question: str) -> re.Pattern[str] | None:
    """What a sentence must contain to give what the question asks for, if it asks for a
    particular kind of thing. Only the question itself counts: in "£300k, still haggling
    over how long it runs. anything to watch?" nothing asks how long."""
    text = asking(question)
    return next((gives for asks, gives in ASKS if asks.search(text)), None)


@functools.cache
def _stems(words: frozenset[str]) -> frozenset[str]:
    """The terms of a word list (the lexicon's, fixed for a process): stemmed once."""
    return frozenset(terms(" ".join(words)))


MONEY_STEMS = frozenset(map(stem, MONEY_WORDS))


UNLESS = re.compile(r"\bunless\b", re.I)
EITHER_OR = re.compile(r"([^,?.;:]*?)\bor\b([^?]*)\?", re.I)  # "… A or B?"


def asking(question: str) -> str:
    """The sentences that ask (end with "?"), or the whole question if none does."""
    asks = [s for s in re.split(r"(?<=[.?!])\s+", question) if s.rstrip().endswith("?")]
    return " ".join(asks) or question


def giving(question: str, query, lexical: LexicalIndex) -> Callable[[str], bool] | None:
    """For a question asking for a kind of thing (a duration, a contact, a count of the
    thing, a cost, a form), what tells a sentence that gives it about the question's
    subject. The sentence alone must share the subject: counting its document's title too
    let "how long does spend control approval take?" be answered by the 2 year hosting
    limit, under the title "Spend control red lines and approval thresholds"."""
    gives = asked_for(question)
    if gives is None:
        return None
    counted = _counted(question)
    # Words the guidance never uses ("locked in", "mention") are in no sentence, and as the
    # rarest words they weighed most: "by when did the 2005 strategy want the changes locked
    # in?" was declined although "…irreversible, by 2011." answers it.
    query = [(term, alts) for term, alts in query if lexical.matches(alts, lexical.vocab)] \
        or query

    def gives_it(sentence: str) -> bool:
        return bool(gives.search(sentence)) and lexical.coverage(
            query, term_set(sentence)) >= ASK_COVERAGE and (
            not counted or _counts(sentence, counted))
    return gives_it


RULE_COVERAGE = 0.5  # see `_judge`: a red line's exception asked in chat words
OUTLINE_LABELS = 25  # words of an outline answer's citation labels and notes, at most
# "what skills does a CTO need?", "which are the main skills…": asks what the things are.
LIST_ASK = re.compile(r"\b(?:what|which)(?:['’]s|\s+are|\s+is)?\s+(?:the\s+)?(?:main\s+|key\s+|"
                      r"different\s+|other\s+)?([a-z]{3,}s)\b(?!\s+(?:of|for|about|to)\b)",
                      re.I)


def outline(question: str, snapshot: IndexSnapshot, passages: list[Passage]
            ) -> tuple[str, str, list[str]] | None:
    """For a question asking what the things of a kind are ("what skills does a CTO
    need?"), when the document found first gives each of them a section of its own, saying
    "this skill" in it (the capability framework's "Examples of leadership using this
    skill:" under each skill's heading): its title, the kind, and those sections' titles,
    in the document's order, at least three in a row. A section whose title names the
    kind ("Roles that share … skills") is about the kind, not one of them. The titles are
    the document's own headings, as written."""
    match = LIST_ASK.search(question)
    if not match or not passages:
        return None
    noun = match.group(1).lower()
    single = noun[:-1]
    this = re.compile(rf"\bthis {re.escape(single)}\b", re.I)
    doc = passages[0].meta.doc_id
    runs: list[list[str]] = [[]]
    title = passages[0].meta.title
    for (doc_id, section, _), members in snapshot.places.items():
        if doc_id != doc or (runs[-1] and runs[-1][-1] == section):
            continue
        text = " ".join(snapshot.texts[i] for i in members)
        if section and single not in section.lower() and this.search(text):
            runs[-1].append(section)
        elif runs[-1]:
            runs.append([])
    best = next((run for run in runs if len(run) >= 3), None)
    # Words that name the document ("the DDaT framework": digital, data) name no section.
    meta = passages[0].meta
    asked = term_set(question) - term_set(f"{meta.title} {meta.publisher}")
    if best and any(len(term_set(section) & asked) * 3 >= 2 * len(term_set(section))
                    for section in best):
        return None  # "what skills does a CTO need for financial decision making?": that one
    return (title, noun, best) if best else None


def gives_what_is_asked(question: str, passages: list[Passage], query,
                        lexical: LexicalIndex) -> bool:
    """False when the question asks for a kind of thing that no sentence of `passages`
    gives about its subject."""
    gives = giving(question, query, lexical)
    return gives is None or any(_gives_in(p, gives) for p in passages)


def _gives_in(passage: Passage, gives: Callable[[str], bool]) -> bool:
    return any(gives(passage.text[u.start:u.end]) for u in text_units(passage.text))


HOW_MANY = re.compile(r"\bhow many\s+(?:more\s+|different\s+|separate\s+)?([a-z][\w-]*)", re.I)
NUMBER = re.compile(r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                    r"twelve|dozens?|hundreds?|thousands?)\b", re.I)


PEOPLE = term_set("people staff employees professionals persons workers officials officers")


def _counted(question: str) -> set[str]:
    """The stems of what "how many" counts ("how many points are there" counts points; "how
    many IT people" counts people, whatever word the guidance uses for them), or nothing
    when it counts no named thing ("how many were there?")."""
    match = HOW_MANY.search(asking(question))
    if not match:
        return set()
    counted = term_set(" ".join(question[match.start(1):].split()[:2]))
    return counted | PEOPLE if counted & PEOPLE else counted


def _counts(sentence: str, counted: set[str]) -> bool:
    """Whether a number in the sentence counts the thing asked about, within three words:
    "at least 130 major call centres" counts call centres; "over 2500 government websites"
    does not count the Service Standard's points."""
    for match in NUMBER.finditer(sentence):
        after = " ".join(sentence[match.end():].split()[:3])
        if term_set(after) & counted:
            return True
    return False


def _giving_first(chosen: list[Passage], passages: list[Passage],
                  gives: Callable[[str], bool], min_relevance: float) -> list[Passage]:
    """The chosen passages with the first one that gives what is asked for in front: one
    of them, or failing that a retrieved passage near the bar ("who was government CTO
    when the CTO guidance was written?" leads with the passage naming Liam Maxwell)."""
    near = [p for p in passages if p not in chosen and p.relevance >= min_relevance - PART_MARGIN]
    for passage in chosen + near:
        if _gives_in(passage, gives):
            return [passage] + [p for p in chosen if p is not passage][:MAX_CITATIONS - 1]
    return chosen


# A sentence this far above every other passage answers a comparison on its own. At 0.15:
# +1 on chat-13, 0 changed on the other 738 tuning questions (session 12).
CLEAR_LEAD = 0.15


def _clear_lead(passages: list[Passage]) -> Passage | None:
    """The top passage, when sentence search found it far above the next one."""
    if len(passages) < 2 or passages[0].lead is None:
        return None
    return passages[0] if passages[0].relevance - passages[1].relevance >= CLEAR_LEAD else None


def _says_of(passage: Passage, subject, lexical: LexicalIndex) -> bool:
    """Whether a sentence of the passage says something of the side's subject."""
    return any(about(passage.text[u.start:u.end], subject, lexical)
               for u in text_units(passage.text))


def _terms_of(passage: Passage) -> frozenset[str]:
    return term_set(searchable(passage.text, passage.meta))


def cover_remaining_parts(chosen: list[Passage], passages: list[Passage], query,
                          lexical: LexicalIndex, min_relevance: float) -> list[Passage]:
    """A two-part or contrast question ("what grade is a CTO and who do they report to?",
    "CDO vs CTO") can need a second source: add the best passage over the bar that covers
    words the chosen ones miss."""
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


def merge_quotes(into: Citation, other: Citation, text: str) -> None:
    """Add `other`'s quotes (from the same section) to `into`, in the order of the text."""
    pairs = dict(zip(into.quotes, into.is_item, strict=True))
    for quote, item in zip(other.quotes, other.is_item, strict=True):
        pairs.setdefault(quote, item)
    ordered = sorted(pairs, key=lambda q: text.find(q))
    into.quotes, into.is_item = ordered, [pairs[q] for q in ordered]
    into.quote = ordered[0]


def _one_per_place(passages: list[Passage]) -> list[Passage]:
    seen, out = set(), []
    for passage in passages:
        if passage.place not in seen:
            seen.add(passage.place)
            out.append(passage)
    return out


def _words(text: str) -> int:
    return len(text.split())


PRONOUN = re.compile(r"\b(they|them|their|it|its|he|she|his|her)\b", re.I)
NAMES = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*s?\b|\b(?:[A-Z][a-z]+ )+[A-Z][a-z]+\b")


def with_referents(sides: list[str]) -> list[str]:
    """A later part that says "they" is read with the names the first part gives: in "what
    grade is a CTO, and what skills are they expected to have?", the second part is about
    the CTO too."""
    names = " ".join(NAMES.findall(sides[0])) if sides else ""
    return [side + " " + names if n and names and PRONOUN.search(side) else side
            for n, side in enumerate(sides)]


def within_words(citations: list[Citation], budget: int, each_side: bool = False,
                 whole_first: bool = True) -> tuple[list[Citation], list[Citation]]:
    """The citations that fit in `budget` words (the first always, with its first quote;
    with `each_side`, every citation's first quote, as each answers one side of the
    question), and the rest, kept for whoever asks for more. A lead-in ("To implement it:")
    is never shown without what it leads into. `whole_first` False: the first passage's
    list is not the answer (an outline of sections leads), so it is cut like any other."""
    shown: list[Citation] = []
    more: list[Citation] = []
    used = 0
    for citation in citations:
        keep: list[int] = []
        # The first passage's short list, lead-in and items, is its answer whole: cut after
        # two of "three key transformations", it answers two thirds of the question.
        whole = whole_first and not shown and len(citation.quotes) <= WHOLE_LIST + 1 \
            and citation.quotes[0].rstrip().endswith(":") and all(citation.is_item[1:])
        for i, quote in enumerate(citation.quotes):
            cost = _words(quote)
            lead_in = bool(keep) and citation.quotes[keep[-1]].rstrip().endswith(":")
            if keep and not whole and not lead_in and quote.rstrip().endswith(":") \
                    and i + 1 < len(citation.quotes) \
                    and used + cost + _words(citation.quotes[i + 1]) > budget:
                break  # a lead-in whose item will not fit waits with it for "more"
            if not keep and (not shown or each_side) or used + cost <= budget or lead_in \
                    or whole:
                keep.append(i)
                used += cost
            else:
                break  # never skip a quote to show a later one
        if keep:
            rest = [i for i in range(len(citation.quotes)) if i not in keep]
            if rest:
                more.append(_part(citation, rest))
            shown.append(_part(citation, keep))
        else:
            more.append(citation)
    return shown, more


def _part(citation: Citation, indices: list[int]) -> Citation:
    from dataclasses import replace

    quotes = [citation.quotes[i] for i in indices]
    return replace(citation, quotes=quotes, quote=quotes[0],
                   is_item=[citation.is_item[i] for i in indices])


def currency_line(citations: list[Citation]) -> str:
    """One short line on how current the cited documents are: each document once, and one
    link at most (the first note's)."""
    parts, seen = [], set()
    for c in citations:
        if c.note and c.doc_id not in seen:
            seen.add(c.doc_id)
            note = c.note if not parts else c.note.split(";")[0]
            numbers = ", ".join(f"[{d.n}]" for d in citations if d.doc_id == c.doc_id)
            parts.append(f"{numbers}: {note}")
    return "; ".join(parts) + "." if parts else ""


def covers_line(snapshot: IndexSnapshot | None, suggestions: list[Suggestion]) -> str:
    """What the guidance does cover, the documents closest to the question first."""
    if snapshot is None:
        return ""
    titles = {d["doc_id"]: d["title"] for d in snapshot.documents}
    order = [s.doc_id for s in suggestions] + [d for d in titles if d not in
                                               {s.doc_id for s in suggestions}]
    names = [_short_title(titles[d]) for d in order if d in titles]
    return f"I can answer from: {'; '.join(names)}." if names else ""


def _short_title(title: str) -> str:
    return re.sub(r"\s*\((maintainers' summary|draft)\)$", "", title)


def not_covered(question: str, passages: list[Passage], missing: Sequence[str] = (),
                reason: Reason = Reason.NO_RELEVANT_PASSAGE) -> Answer:
    suggestions: list[Suggestion] = []
    for passage in sorted(passages, key=lambda p: -p.relevance):
        if all(s.doc_id != passage.meta.doc_id for s in suggestions):
            suggestions.append(Suggestion(passage.meta.doc_id, passage.meta.title,
                                          passage.meta.url, passage.relevance))
        if len(suggestions) == 3:
            break
    message = NOT_COVERED + (f" It never mentions {quoted(list(missing), 'or')}."
                             if missing else f" {OUTCOME_NOTE}"
                             if reason == Reason.ASKS_OUTCOME else "")
    return Answer(question, Status.NOT_COVERED, reason, message=message,
                  suggestions=suggestions, missing_subjects=list(missing),
                  unknown_terms=list(missing))


def _public(citation: Citation) -> dict:
    data = asdict(citation)
    del data["is_item"]
    return data
