"""Word-level matching: content terms with a light stemmer, for choosing which sentences to quote.

Deliberately simple: "retiring", "retirement" and "retired" should meet at "retir", and
"the", "what", "does" should not count as evidence that a sentence answers a question.
"""

from __future__ import annotations

import functools
import math
import re

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
                    r"([a-z]+)\b|\b(?:can|could|may) (?:we|i) ([a-z]+)\s*(?:\?|$)", re.I)
QUESTION_WORDS = frozenset("what who whom whose which when where why how is are does do did "
                           "can could should would will shall may might".split())
DETERMINERS = frozenset("a an the this that these those our my your their any each every "
                        "its".split())
NOT_NOUN_ENDINGS = ("est", "er", "ed", "ing", "ly", "ous", "ive", "ful", "able", "ible", "al")
NOT_NOUNS = frozenset("instead else ones auto like same".split())
MONEY_WORDS = frozenset("""pound pounds sterling gbp quid hundred thousand million billion bn
one two three four five six seven eight nine ten twenty thirty forty fifty sixty seventy
eighty ninety""".split())
_WORD = re.compile(r"[£$€]?\d[\d,.]*(?:bn|m|k)?|[a-z][a-z0-9'’-]*", re.I)
_CONTRACTION = re.compile(r"['’](s|re|ve|ll|d|t)$", re.I)
_SUFFIXES = ("ibility", "ability", "ational", "ations", "ation", "ments", "ment", "nesses",
             "ness", "ities", "ity", "ings", "ing", "ies", "ied", "ers", "er", "ors", "or", "ed",
             "es", "ly", "s")


@functools.lru_cache(maxsize=1 << 16)  # the word index stems every word of the guidance
def stem(word: str) -> str:
    word = word.lower().strip("'’-").removesuffix("'s").removesuffix("’s")
    if len(word) <= 3 or word[0].isdigit() or word[0] in "£$€":
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            root = word[: -len(suffix)]
            if suffix in ("ibility", "ability"):
                root += suffix[0] + "bl"  # accessibility -> accessibl(e)
            elif suffix in ("ies", "ied"):
                root += "y"
            word = root
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word  # retire = retir(ing)


def tokens(text: str) -> list[str]:
    """Words and figures; hyphenated words split ("back-office" meets "back office"), and a
    trailing possessive or contraction ("what's") dropped."""
    out = []
    for word in _WORD.findall(text):
        if "'" in word or "’" in word:
            word = _CONTRACTION.sub("", word)
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


def term_set(text: str) -> set[str]:
    return set(terms(text))


def searchable(text: str, meta: ChunkMeta) -> str:
    """A chunk as word matching sees it: readers name documents by title and year ("the 2005
    strategy") and sections by heading, so those count as the chunk's words too."""
    return f"{meta.title} {meta.date_label} {meta.section} {text}"


class LexicalIndex:
    """Word statistics over every chunk of one collection: BM25 search and term weights.

    Dense vectors find paraphrases; exact terms ("SCS 2", "Greening Government ICT") are
    found more reliably by words. Built once per collection and cached by the retriever.
    """

    def __init__(self, ids: list[str], texts: list[str], glossary: dict[str, str]) -> None:
        self.ids = ids
        self.glossary = {stem(k): term_set(v) for k, v in glossary.items()}
        self.doc_terms: list[dict[str, int]] = []
        self.df: dict[str, int] = {}
        for text in texts:
            counts: dict[str, int] = {}
            for term in terms(text):
                counts[term] = counts.get(term, 0) + 1
            self.doc_terms.append(counts)
            for term in counts:
                self.df[term] = self.df.get(term, 0) + 1
        self.by_id = {id_: i for i, id_ in enumerate(ids)}
        self.lengths = [sum(c.values()) for c in self.doc_terms]
        self.avg_length = sum(self.lengths) / len(self.lengths) if self.lengths else 1.0
        self.n = max(1, len(ids))
        self._weights: dict[tuple[str, frozenset[str]], float] = {}
        self.postings: dict[str, list[int]] = {}  # term -> the chunks that contain it
        for i, counts in enumerate(self.doc_terms):
            for term in counts:
                self.postings.setdefault(term, []).append(i)

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n - self.df.get(term, 0) + 0.5) / (self.df.get(term, 0) + 0.5))

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
        return (word.lower() in STOPWORDS or word.lower() in MONEY_WORDS or term in self.df
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
                if word.lower() in STOPWORDS:
                    break
                phrase.append(word)
            # "which football club", "the max day rate": the thing asked for is the last
            # word of the phrase; when the guidance never uses it, nothing here gives it.
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
        words = [w.lower() for w in tokens(text)]
        for i, word in enumerate(words):
            if (self.known(word) or not word.isalpha() or len(word) < 4
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
        names = []
        for match in NAME.finditer(text):
            name = match.group(0)
            words = name.split()
            if match.start() == 0 or text[:match.start()].rstrip().endswith((".", "?", "!")):
                while words and words[0].lower() in STOPWORDS | QUESTION_WORDS:
                    words = words[1:]  # "What Technology Leaders..." starts a sentence
            words = [re.sub(r"['’]s$", "", w) for w in words  # acronyms and "Supplier A" aside
                     if not w.isupper() and len(w) > 1]
            if len(words) >= 2 and " ".join(words).lower() not in corpus:
                names.append(" ".join(words))
        return names

    def unknown_members(self, text: str, corpus: str) -> list[str]:
        """A numbered thing the guidance numbers differently: it writes "version 6" and
        "SCS 1" and "SCS 2", so "version 7" and "SCS 3" are things it does not cover.
        `corpus` is the guidance's text in lower case, spaces folded."""
        found = []
        for match in SERIES.finditer(text):
            word, number = match.group(1), match.group(2)
            if word.lower() in STOPWORDS:
                continue
            series = re.findall(rf"\b{re.escape(word.lower())} ?(\d{{1,2}}(?:\.\d)?)\b",
                                corpus)
            if series and number not in series:
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
        return 0.0 if index is None else self.coverage(query, self.doc_terms[index])

    def bm25(self, query, k: int = 10, k1: float = 1.2, b: float = 0.75) -> list[tuple[str, float]]:
        """Top chunks by BM25, touching only the chunks that hold a query term."""
        scores: dict[int, float] = {}
        for term, alts in query:
            weight = self.weight(term, alts)
            freq_by_chunk: dict[int, int] = {}
            for alt in alts:
                parts = alt.split("|")
                if len(parts) == 1:
                    for i in self.postings.get(alt, ()):
                        freq_by_chunk[i] = max(freq_by_chunk.get(i, 0), self.doc_terms[i][alt])
                else:  # a spelled-out acronym counts once where all its words appear
                    lists = [set(self.postings.get(part, ())) for part in parts]
                    for i in set.intersection(*lists) if lists else ():
                        freq_by_chunk.setdefault(i, 1)
            for i, freq in freq_by_chunk.items():
                norm = freq * (k1 + 1) / (freq + k1 * (1 - b + b * self.lengths[i]
                                                       / self.avg_length))
                scores[i] = scores.get(i, 0.0) + weight * norm
        best = sorted(scores.items(), key=lambda pair: -pair[1])[:k]
        return [(self.ids[i], score) for i, score in best]
