"""Word-level matching: stemmed content terms, for finding chunks and choosing what to quote.

"retiring", "retirement" and "retired" should meet at "retir", and "the", "what", "does"
should not count as evidence that a sentence answers a question. Stems are PyStemmer's
(Snowball's English stemmer, in C); BM25 is bm25s's.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import sys

import numpy as np
import Stemmer

from bot.money import money_terms
from ingest.records import ChunkMeta

STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me
more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what when where which while who whom why
will with would you your yours tell say says said please know need needs thing things get
give go going make made much many may might must shall us let like way ways ok okay
want wants wanted getting gets got look looks looking always never ever usually often
still already normally typically generally
""".split())

# A run of capitalised words (or acronyms), possibly joined by "of"/"and"/"for", then a year.
NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|and|for|the)\s+)?[A-Z][\w'’-]*)+"
                  r"(?:\s+(?:19|20)\d\d)?")
# A name and its number: "version 7", "SCS 3", "G-Cloud 14"; not a length or a sum.
SERIES = re.compile(r"\b([A-Za-z][A-Za-z-]+) ?(\d{1,2}(?:\.\d)?)\b(?!\s*(?:%|per\b|years?|yrs?|"
                    r"months?|mths?|weeks?|days?|hours?|k\b|m\b|bn\b|million|billion|"
                    r"thousand|pounds))", re.I)
# The doing a question asks about: "how do we appeal", "can we escalate", "should I chase".
ACTION = re.compile(r"\bhow (?:do|can|could|should|would|will)\s+(?:we|i|you|they|"
                    r"departments?|the department)\s+(?:still\s+|then\s+|ever\s+)?"
                    r"([a-z]+)\b|\b(?:can|could|may) (?:we|i) ([a-z]+)"
                    r"(?:\s*(?:\?|$)|\s+(?:if|when|against|after)\b)", re.I)
QUESTION_WORDS = frozenset("what who whom whose which when where why how is are does do did "
                           "can could should would will shall may might".split())
DETERMINERS = frozenset("a an the this that these those our my your their any each every "
                        "its".split())
KIND_OF_APPROVAL = re.compile(r"\b([a-z]{5,})[- ](?:approval|sign[- ]?off|go[- ]ahead|exemption)\b",
                              re.I)
VERB_ENDINGS = ("ies", "es", "ed")  # after a noun: "which team carries", "what body assessed"
NOT_NOUN_ENDINGS = ("est", "er", "ed", "ing", "ly", "ous", "ive", "ful", "able", "ible", "al")
# Words that are never the thing a question asks about: "what are CTOs told about...?"
# (irregular participles, which no ending gives away, among them).
NOT_NOUNS = frozenset("""instead else ones auto like same told said meant given known seen
made done taken brought thought got gotten kept left put set shown written
main major core usual whole real actual overall basic exact
tiny small little huge massive big large minor
goes does says gets comes""".split())  # "a tiny amount" asks no thing; "as the project goes"
MONEY_WORDS = frozenset("""pound pounds sterling gbp quid hundred thousand million billion bn
one two three four five six seven eight nine ten twenty thirty forty fifty sixty seventy
eighty ninety""".split())
_WORD = re.compile(r"[£$€]?\d[\d,.]*(?:bn|m|k)?|[a-z][a-z0-9'’-]*", re.I)
K1, B = 1.2, 0.75  # BM25's usual term-frequency saturation and length normalisation
# "don't" is "do" (not "don", which the guidance never writes): the negative goes, the verb
# stays; "can't" and "won't" keep their own verbs.
_CONTRACTION = re.compile(r"n['’]t$|['’](s|re|ve|ll|d|t)$", re.I)
_NEGATIVE_VERB = {"ca": "can", "wo": "will", "sha": "shall"}
_SNOWBALL = Stemmer.Stemmer("english")
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")


@functools.lru_cache(maxsize=1 << 16)  # the word index stems every word of the guidance
def stem(word: str) -> str:
    """A word's stem by the Snowball English stemmer ("retiring", "retirement" and "retired"
    all give "retir"); figures and sums of money are kept as written, and an acronym's plural
    is the acronym ("CDOs" is "cdo", where Snowball would keep "cdos")."""
    word = word.strip("'’-").removesuffix("'s").removesuffix("’s")
    if _PLURAL_ACRONYM.fullmatch(word):
        return word[:-1].lower()
    word = word.lower()
    if not word or word[0].isdigit() or word[0] in "£$€":
        return word
    return _SNOWBALL.stemWord(word)


def tokens(text: str) -> list[str]:
    """Words and figures; hyphenated words split ("back-office" meets "back office"), and a
    trailing possessive or contraction ("what's") dropped."""
    out = []
    for word in _WORD.findall(text):
        if "'" in word or "’" in word:
            word = _CONTRACTION.sub("", word)
            word = _NEGATIVE_VERB.get(word.lower(), word)
        if "-" in word and word[0].isalpha():
            out += [part for part in word.split("-") if part]
        else:
            out.append(word)
    return out


def terms(text: str) -> list[str]:
    """Stemmed content words, in order, with repeats, then sums of money as numbers."""
    money = money_terms(text)
    words = [stem(word) for word in tokens(text)
             if (word.lower() not in STOPWORDS or (word.isupper() and len(word) > 1))  # "IT"
             and not (money and word.lower() in MONEY_WORDS)]  # carried by the amount term
    return words + money


@functools.lru_cache(maxsize=1024)
def term_set(text: str) -> frozenset[str]:
    """The distinct terms of `text`. Cached, so frozen: an answer asks for the terms of the
    same passages, sentences and headings again and again (quoting scores each sentence more
    than once, a contrast compares every candidate passage with each side), and so do the
    questions after it. Over every set of knowledge/eval (561 questions) that was 17,481
    calls for 594 distinct texts (142 KB of text in all), about 10% of a warm answer's time
    (cProfile); 1,024 texts hold the bundled corpus's whole working set and at most a few
    MB at any corpus size."""
    return frozenset(terms(text))


def names_in(text: str) -> list[str]:
    """Capitalised names of two or more words in a question: "Head of Business IT",
    "Cyber Essentials Plus" (acronyms and a sentence's first word aside)."""
    names = []
    for match in NAME.finditer(text):
        words = match.group(0).split()
        if match.start() == 0 or text[:match.start()].rstrip().endswith((".", "?", "!")):
            while words and words[0].lower() in STOPWORDS | QUESTION_WORDS:
                words = words[1:]  # "What Technology Leaders..." starts a sentence
        words = [re.sub(r"['’]s$", "", w) for w in words  # acronyms and "Supplier A" aside
                 if not w.isupper() and len(w) > 1]
        if len(words) >= 2:
            names.append(" ".join(words))
    return names


def searchable(text: str, meta: ChunkMeta) -> str:
    """A chunk as word matching sees it: readers name documents by title and year ("the 2005
    strategy"), by where they are published ("the capability framework", "the service
    manual": the publisher's part after its dash) and sections by heading, so those count
    as the chunk's words too. The whole publisher line (tried, session 5) broke one tuning
    question and fixed none; the part after the dash fixed one and broke none (631).

    Also tried for dense search and dropped: the question embedded with its acronyms spelled
    out from the glossary ("CTO (chief technology officer)"), 571 of 631 against 577."""
    where = meta.publisher.rpartition("—")[2] if "—" in meta.publisher else ""
    return f"{meta.title} {where} {meta.date_label} {meta.section} {text}"


def _bm25s():
    """bm25s, imported without SciPy.

    bm25s tries `import scipy.sparse` as it loads, only to offer a SciPy matrix builder that
    its default NumPy builder makes unnecessary; that import alone cost 90 to 270 ms of every
    cold `spendbot ask` (measured with `python -X importtime`), which imports no SciPy
    otherwise. So SciPy is hidden while bm25s loads, unless something already imported it.
    bm25s also sets its logger to DEBUG, which printed "Building index from tokens" under
    every answer: NOTSET hands it back to the application's logging level.
    """
    if "bm25s" in sys.modules:
        return sys.modules["bm25s"]
    hidden = "scipy" not in sys.modules
    if hidden:
        sys.modules["scipy"] = None  # type: ignore[assignment]  # import fails at once
    try:
        import bm25s
    finally:
        if hidden:
            del sys.modules["scipy"]
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


# Characters past Latin-1 make Python store a whole string at 2 or 4 bytes a character.
# The guidance's typographic quotes and dashes are its only ones, so the text names are
# looked up in is kept at one byte a character: at the 100x corpus of bench/scale.py that
# string took 16 MB, not 8, for the life of the process.
LOOKUP_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                             "…": "...", "\u00a0": " "})


def for_lookup(text: str) -> str:
    """`text` as the corpus is kept for lookups: lower case, spaces folded, and any character
    past Latin-1 that remains replaced by a space."""
    folded = " ".join(text.lower().translate(LOOKUP_FOLD).split())
    if folded.isascii() or max(folded) <= "\xff":
        return folded
    return "".join(ch if ch <= "\xff" else " " for ch in folded)


def numbering(corpus: str) -> dict[str, frozenset[str]]:
    """Each word the guidance follows with a number, and the numbers it gives it ("version":
    {"6"}, "scs": {"1", "2"}), from `corpus`, its text in lower case. Read once per index:
    a pass over the whole text for each numbered word of each question would grow with it."""
    found: dict[str, set[str]] = {}
    for match in re.finditer(r"\b([a-z][a-z-]+) ?(\d{1,2}(?:\.\d)?)\b", corpus):
        found.setdefault(match.group(1), set()).add(match.group(2))
    return {word: frozenset(numbers) for word, numbers in found.items()}


class LexicalIndex:
    """Word statistics over every chunk of one collection: BM25 search and term weights.

    Dense vectors find paraphrases; exact terms ("SCS 2", "Greening Government ICT") are
    found more reliably by words. Built once per collection and cached by the retriever.

    BM25 is bm25s's (Lucene's variant, as before), over this module's terms. An acronym from
    the glossary is one term with its spelling: a chunk holding every word of "system
    integrator" also holds the term "si", so BM25 finds it for "SI". Which chunk holds which
    term is kept as NumPy arrays, the transpose of bm25s's score matrix, not as a dict per
    chunk. Term weights for quoting still count an acronym's chunks as written.

    Measured against the hand-written BM25 and stemmer this replaced (bench/scale.py and
    `spendbot eval` on golden, chat and chat-more): the index keeps 8.6 MB at the 100x
    corpus (10,832 chunks), not 49 MB; it builds in about 100 ms at the bundled corpus, not
    136 ms, which pays for importing bm25s (about 40 ms); evidence hit, recall@3, answered,
    refusal and verdict scores are unchanged, and one chat-more question's document, in a
    near tie (relevance 0.4864 against 0.4873), fell from first to second.
    """

    def __init__(self, ids: list[str], texts: list[str], glossary: dict[str, str]) -> None:
        self.ids = ids
        self.by_id = {id_: i for i, id_ in enumerate(ids)}
        self.glossary = {stem(k): term_set(v) for k, v in glossary.items()}
        spelled = [(acronym, words) for acronym, words in self.glossary.items() if words]
        docs = []
        self._spelled_only: dict[str, int] = {}  # acronym -> chunks holding only its words
        for text in texts:
            doc = terms(text)
            present = set(doc)
            for acronym, words in spelled:
                if words <= present and acronym not in present:
                    doc.append(acronym)
                    self._spelled_only[acronym] = self._spelled_only.get(acronym, 0) + 1
            docs.append(doc)
        self.n = max(1, len(ids))
        self._bm25 = None
        self.vocab: dict[str, int] = {}
        self._names: list[str] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._chunk_terms = np.zeros(0, dtype=np.int32)
        self._chunk_start = np.zeros(len(ids) + 1, dtype=np.int64)
        if any(docs):
            self._bm25 = _bm25s().BM25(method="lucene", k1=K1, b=B, csc_backend="numpy")
            self._bm25.index(docs, create_empty_token=False, show_progress=False)
            self.vocab = self._bm25.vocab_dict
            self._names = sorted(self.vocab, key=self.vocab.__getitem__)
            indptr, chunks = self._bm25.scores["indptr"], self._bm25.scores["indices"]
            self._df = np.diff(indptr)
            # chunk -> its term ids: bm25s's term -> chunks matrix, transposed
            term_of = np.repeat(np.arange(len(self._names), dtype=np.int32), self._df)
            self._chunk_terms = term_of[np.argsort(chunks, kind="stable")]
            np.cumsum(np.bincount(chunks, minlength=len(ids)), out=self._chunk_start[1:])
        self._weights: dict[tuple[str, frozenset[str]], float] = {}

    def df(self, term: str) -> int:
        """How many chunks hold `term` as written (an acronym's weight takes its spellings'
        rarity separately, in `weight`)."""
        index = self.vocab.get(term)
        return 0 if index is None else int(self._df[index]) - self._spelled_only.get(term, 0)

    def chunk_terms(self, i: int) -> set[str]:
        """The terms chunk `i` holds (a glossary acronym where all its words are there)."""
        names = self._names
        return {names[t] for t in
                self._chunk_terms[self._chunk_start[i]:self._chunk_start[i + 1]].tolist()}

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def query_terms(self, text: str) -> list[tuple[str, frozenset[str]]]:
        """Each distinct query term with the alternatives that also count as a match."""
        out: dict[str, frozenset[str]] = {}
        for term in terms(text):
            spelled = self.glossary.get(term, set())
            out.setdefault(term, frozenset({term} | ({"|".join(sorted(spelled))} if spelled
                                                      else set())))
        return list(out.items())

    def matches(self, alternatives: frozenset[str], present: set[str] | dict[str, int]) -> bool:
        for alt in alternatives:
            if "|" in alt:
                if all(part in present for part in alt.split("|")):
                    return True
            elif alt in present:
                return True
        return False

    def weight(self, term: str, alternatives: frozenset[str]) -> float:
        """A term's weight is its rarity; an acronym takes the rarest of its spellings.
        Cached: quoting asks for the same few weights hundreds of times per question."""
        key = (term, alternatives)
        if key not in self._weights:
            weights = [self.idf(term)]
            for alt in alternatives:
                if "|" in alt:
                    weights.append(max(self.idf(p) for p in alt.split("|")))
            self._weights[key] = min(weights)
        return self._weights[key]

    def known(self, word: str) -> bool:
        term = stem(word)
        return (word.lower() in STOPWORDS or word.lower() in MONEY_WORDS or term in self.vocab
                or term in self.glossary)

    def unknown(self, text: str) -> list[str]:
        """Question words that appear nowhere in the guidance (nor as a known acronym)."""
        words = []
        for word in tokens(text):
            if self.known(word) or word in words:
                continue
            if len(word) > 2 or (word.isupper() and len(word) > 1):
                words.append(word)
        return words

    def unknown_subjects(self, text: str) -> list[str]:
        """What the question is about that the guidance never mentions: names and acronyms
        ("AI", "Eurovision") and the thing asked for ("which football club", "what
        programming language"). A question about those cannot be answered from here."""
        words = tokens(text)
        subjects = [w for i, w in enumerate(words)
                    if not self.known(w) and not w[0].isdigit()
                    and ((w.isupper() and len(w) > 1) or (i > 0 and w[0].isupper()))]
        asked = re.match(r"\s*(?:which|what(?:['’]?s| is| are)?|how many|how much)\s+"
                         r"(?:the\s+|a\s+|an\s+)?(.*)", text, re.I)
        if asked:
            phrase = []
            for word in tokens(asked.group(1))[:3]:
                # "which team carries out...": a verb ends the phrase asked for.
                if word.lower() in STOPWORDS or phrase and word.lower().endswith(VERB_ENDINGS):
                    break
                phrase.append(word)
            # "which football club", "the max day rate": the thing asked for is the last
            # word of the phrase; when the guidance never uses it, nothing here gives it.
            phrase = [word for word in phrase if word.lower() not in NOT_NOUNS]
            if phrase and (not any(self.known(word) for word in phrase)
                           or len(phrase) > 1 and not self.known(phrase[-1])):
                subjects += [word for word in phrase if not self.known(word)]
        return list(dict.fromkeys(subjects))

    def unknown_things(self, text: str) -> list[str]:
        """Nouns the guidance never uses, read as the thing a question is about: "the
        deadline", "a template", "an exemption", "the typical salary", "are there penalties".
        A word counts as a noun when a determiner (or "are there") stands just before it, or
        before it and one modifier, and it does not end like an adjective, verb or adverb
        ("the biggest", "basically" are not things)."""
        things = []
        typed = tokens(text)
        words = [w.lower() for w in typed]
        for i, word in enumerate(words):
            if (self.known(word) or self.known(typed[i]) or not word.isalpha() or len(word) < 4
                    or word.endswith(NOT_NOUN_ENDINGS) or word in NOT_NOUNS):
                continue
            before = words[max(0, i - 2):i]
            if before == ["are", "there"] or before[-1:] and before[-1] in DETERMINERS or (
                    len(before) == 2 and before[0] in DETERMINERS and before[1].isalpha()
                    and before[1] not in STOPWORDS):
                things.append(word)
        return things

    def unknown_names(self, text: str, corpus: str) -> list[str]:
        """Capitalised names of two or more words that the guidance never writes: "the
        Procurement Act 2023", "Cyber Essentials Plus", "the Technology Leaders Network".
        Each word may be known ("Technology", "Leaders") while the thing named is not.
        `corpus` is the guidance's text in lower case, spaces folded."""
        return [name for name in names_in(text) if for_lookup(name) not in corpus
                and for_lookup(name).replace(" ", "-") not in corpus]  # "Crypt Key"

    def unknown_members(self, text: str, numbering: dict[str, frozenset[str]]) -> list[str]:
        """A numbered thing the guidance numbers differently: it writes "version 6" and
        "SCS 1" and "SCS 2", so "version 7" and "SCS 3" are things it does not cover.
        `numbering` is the guidance's own, from `numbering()`."""
        found = []
        for match in SERIES.finditer(text):
            word, number = match.group(1), match.group(2)
            series = numbering.get(word.lower())
            if word.lower() not in STOPWORDS and series and number not in series:
                found.append(f"{word} {number}")
        return found

    def unknown_actions(self, text: str) -> list[str]:
        """What a question asks how to do, when the guidance never uses the word: "how do
        we appeal?", "can we appeal?". Whatever else the question shares with the guidance,
        it does not say how to do that. ("Should we prefer X?" asks for a choice between
        things, which the guidance may well make, so only "how" and a bare "can we <verb>?"
        count.)"""
        verbs = [m.group(1) or m.group(2) for m in ACTION.finditer(text)]
        return [verb for verb in verbs if not self.known(verb) and len(verb) > 2]

    def unknown_kinds(self, text: str) -> list[str]:
        """A kind of approval the guidance never names: "retrospective sign off", "emergency
        approval". The thresholds say when approval is needed, not that such a kind exists,
        so they do not answer it (the adjective escapes `unknown_things`, which skips words
        ending like adjectives)."""
        return [m.group(1) for m in KIND_OF_APPROVAL.finditer(text)
                if not self.known(m.group(1)) and m.group(1).lower() not in NOT_NOUNS]

    def matched(self, query: list[tuple[str, frozenset[str]]], present) -> set[str]:
        """The question's terms that `present` (a text's terms) contains, acronyms included."""
        return {term for term, alts in query if self.matches(alts, present)}

    def share(self, query: list[tuple[str, frozenset[str]]], found: set[str]) -> float:
        """The share of the question's term weight carried by the terms in `found`."""
        total = sum(self.weight(t, alts) for t, alts in query)
        return sum(self.weight(t, alts) for t, alts in query if t in found) / total if total \
            else 0.0

    def coverage(self, query: list[tuple[str, frozenset[str]]], present) -> float:
        """The share of the question's term weight that `present` (a text's terms) contains."""
        return self.share(query, self.matched(query, present))

    def chunk_coverage(self, query, chunk_id: str) -> float:
        index = self.by_id.get(chunk_id)
        return 0.0 if index is None else self.coverage(query, self.chunk_terms(index))

    def bm25(self, query, k: int = 10) -> list[tuple[str, float]]:
        """Top chunks by BM25 (those holding at least one query term), best first."""
        wanted = [term for term, _ in query if term in self.vocab]
        if self._bm25 is None or not wanted:
            return []
        scores = self._bm25.get_scores(wanted)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in best.tolist() if scores[i] > 0]
