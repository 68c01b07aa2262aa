"""Reading a question the way it was typed: chat abbreviations, typos and everyday words.

People write "govt", "SI", "cheif", "a hosting deal that rolls over"; the guidance writes
"government", "system integrator", "chief", "automatic contract extensions". Three steps,
each kept small and visible in the answer's `corrections`:

1. abbreviations from `knowledge/lexicon.toml` are spelled out;
2. words that are neither the guidance's nor English are corrected to the nearest word
   the guidance uses, by Damerau-Levenshtein distance (rapidfuzz: one edit for words of up
   to six letters, two for longer ones);
3. synonyms from the lexicon add the guidance's wording beside the user's ("deal" also
   matches "contract") for word matching; dense search embeds the corrected question.

The lexicon is data, so maintainers extend it without touching code.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.lexical import STOPWORDS, tokens
from bot.money import WORD_NUMBER

LEXICON_NAME = "lexicon.toml"
# "1.5m", "90k", "2bn" typed without a pound sign: money in a question about spend, unless a
# count follows ("5m users").
CASUAL_MONEY = re.compile(
    r"(?<![£$€\w.])(\d+(?:\.\d+)?\s?(?:k|m|mn|bn|million|billion))\b"
    # "50k to 100k checks": the first of a range of counts is a count too.
    r"(?!\s*(?:(?:to|-|–|or|and)\s*\d+(?:\.\d+)?\s?(?:k|m|mn|bn|million|billion)\s+)?(?:users|people|"
    r"citizens|customers|visits|visitors|transactions|records|calls|pages|documents|staff|"
    r"hours|minutes|miles|metres|meters|rows|lines|words|downloads|requests|cases|checks|"
    r"applications|submissions|claims|licences|licenses|seats|units|devices|payments|forms|"
    r"orders|reports|tickets|messages|emails|texts|searches|bookings|appointments|uploads|"
    r"sessions|accounts|queries|returns|referrals|households|businesses|employers)\b)",
    re.I)
# "a couple of mil" (chat-17): two of the scale.
COUPLE = re.compile(r"\ba couple of\s+(million|billion|thousand|hundred|grand|k|m|bn)\b", re.I)
# "half a million", "a quarter of a billion" with no pounds or pound sign: money, said so.
WORD_MONEY = re.compile(
    r"\b((?:a|an|one|two|three|half|a half|a quarter|quarter|three quarters|a third)"
    r"(?:\s+of)?\s+(?:a\s+)?(?:million|billion)"
    # "a hundred and twelve million" (chat-18): any run of number words ending in a scale
    rf"|(?:{WORD_NUMBER})(?<=illion))\b(?!\s*(?:pounds|quid|users|people|"
    r"citizens|customers|visits|transactions|records|calls|staff|payments)\b)", re.I)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'’-]*")
# "3yr", "18mths": a number run into its unit, which would otherwise be read as one word.
RUN_TOGETHER = re.compile(r"(?<=\d)(?=(?:yrs?|years?|mths?|months?|wks?|weeks?)\b)", re.I)
# A short name run into its year: "TG2005" is "TG 2005", so the abbreviation is spelled out.
GLUED_YEAR = re.compile(r"\b([A-Z][A-Za-z]{1,4})((?:19|20)\d\d)\b")
# … or its year's last two figures: "TG05" is "TG 2005" (chat-15).
GLUED_SHORT_YEAR = re.compile(r"\b([A-Z]{2,5})([0-2]\d)\b")
# An acronym the question spells out itself: "the CSIA (central sponsor for info
# assurance)", "central sponsor for info assurance (CSIA)" is no unknown name.
DEFINED_AFTER = re.compile(r"\b([A-Z]{2,6})s?\s*\(([^()]{3,80})\)")
DEFINED_BEFORE = re.compile(r"([^()]{3,80}?)\s*\(([A-Z]{2,6})s?\)")
LINK_WORDS = frozenset({"for", "of", "and", "the", "&", "on", "in", "to"})
VERSION = re.compile(r"\bv(\d{1,2})\b", re.I)  # "v6": the guidance writes "version 6"
POSSESSIVE = re.compile(r"['’]s?$")
MIN_CORRECTABLE = 4  # shorter words are too often right and too easily mis-corrected


@dataclass(frozen=True)
class Lexicon:
    abbreviations: dict[str, str]
    synonyms: dict[str, str]
    chat: frozenset[str]
    chat_phrases: tuple[str, ...] = ()  # "in one line", "tl;dr": how to answer, not what
    domain: frozenset[str] = frozenset()  # words every spend control question shares

    @classmethod
    def load(cls, knowledge_dir: Path) -> Lexicon:
        path = knowledge_dir / LEXICON_NAME
        if not path.is_file():
            return cls({}, {}, frozenset())
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        chat = data.get("chat", {})
        return cls(dict(data.get("abbreviations", {})), dict(data.get("synonyms", {})),
                   frozenset(w.lower() for w in chat.get("words", ())),
                   tuple(sorted(chat.get("phrases", ()), key=len, reverse=True)),
                   frozenset(w.lower() for w in data.get("domain", {}).get("words", ())))

    def without_chat_phrases(self, text: str) -> str:
        """The question without phrases about the answer's form ("in one line", "tl;dr"),
        which otherwise find passages about lines and queues."""
        for phrase in self.chat_phrases:
            text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)[,:]?", " ", text, flags=re.I)
        return " ".join(text.split())

    @functools.cached_property
    def _synonym_pattern(self) -> re.Pattern[str] | None:
        if not self.synonyms:
            return None
        phrases = sorted(self.synonyms, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in phrases) + r")(?![\w-])",
                          re.I)

    @functools.cached_property
    def _forms(self) -> tuple[dict[str, str], dict[str, str]]:
        """(exact, any case): a key with capitals ("SI", "NI") matches only as written, or,
        from three letters ("CRM", "MSP"), in lower case too; a lower-case key, any case."""
        exact, any_case = {}, {}
        for key, long in self.abbreviations.items():
            if key.lower() == key:
                any_case[key] = long
            else:
                exact[key] = long
                if len(key) > 2:
                    exact[key.lower()] = long
        return exact, any_case

    def spell_out(self, word: str) -> str | None:
        """The long form of an abbreviation, if `word` is one."""
        exact, any_case = self._forms
        return exact.get(word) or any_case.get(word.lower())

    def synonyms_in(self, text: str) -> list[tuple[str, str]]:
        if self._synonym_pattern is None:
            return []
        return [(m.group(1), self.synonyms[_key(self.synonyms, m.group(1))])
                for m in self._synonym_pattern.finditer(text)]


def _key(mapping: dict[str, str], found: str) -> str:
    return next(k for k in mapping if k.lower() == found.lower())


@dataclass(frozen=True)
class Understood:
    """A question as the answerer reads it."""

    text: str  # abbreviations spelled out, typos corrected: what dense search embeds
    expanded: str  # `text` plus the guidance's words for synonyms: what word matching reads
    corrections: tuple[tuple[str, str], ...] = ()  # (as typed, as read), for the user to see
    expansions: tuple[tuple[str, str], ...] = ()  # (user's word, guidance's words)
    resolved: frozenset[str] = frozenset()  # typed words the lexicon or a correction explained


class Speller:
    """Corrects a word that is neither in the guidance nor an English word to the guidance
    word within reach (the most frequent, if several are equally close).

    The English word list (82,765 words, bundled with symspellpy) keeps real words the
    guidance happens not to use ("deadline", "councils") from being "corrected" into ones it
    does ("dealing"); it is read only when a question has a word the guidance lacks (60 ms).
    """

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self._choices = sorted(w for w in counts if len(w) >= MIN_CORRECTABLE - 1)

    def correct(self, word: str) -> str | None:
        lower = word.lower()
        if (len(lower) < MIN_CORRECTABLE or lower in self.counts or lower in STOPWORDS
                or not lower.isalpha() or lower in english_words()
                or any(ch.isupper() for ch in word[1:])):  # TCoP, GDS: names, not typos
            return None
        reach = 1 if len(lower) <= 6 else 2
        # The guidance's words first, one edit away; failing those, an English word one edit
        # away ("acessibility" -> "accessibility", which meets "accessible" through the
        # stemmer; two edits away, "chatbot" would become "chariot"); failing that, a
        # guidance word two edits away. An English word one edit away beats a guidance word
        # two away: "offical" is "official", not "office".
        return (_closest(lower, self._choices, self.counts, 1)
                or _closest(lower, _english_choices(), english_words(), 1)
                or (_closest(lower, self._choices, self.counts, reach) if reach > 1 else None))


def _closest(word: str, choices: list[str], counts, reach: int) -> str | None:
    # Imported here: only a word that is neither the guidance's nor English gets this far.
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    found = process.extract(word, choices, scorer=DamerauLevenshtein.distance,
                            score_cutoff=reach, limit=5)
    if not found:
        return None
    best = min(distance for _, distance, _ in found)
    # Equally close, a swap of letters ("contarct") beats a dropped one ("contact"): the
    # same letters typed in the wrong order is the commoner slip; then a letter left out
    # ("directon" is "direction", not "director", chat-16); then the commoner word.
    return max((choice for choice, distance, _ in found if distance == best),
               key=lambda choice: (sorted(choice) == sorted(word), _left_out(word, choice),
                                   int(counts[choice])))


def _left_out(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with letters left out."""
    letters = iter(word)
    return len(typed) < len(word) and all(ch in letters for ch in typed)


@functools.cache
def english_words() -> dict[str, str]:
    """English words with their frequency in a large corpus, as written ("word count" lines;
    the count is read as a number only for the few words a correction compares: building
    the whole dictionary of ints took 117 ms of a cold first answer, this takes 25-30)."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    parts = path.read_text().split()
    return dict(zip(parts[::2], parts[1::2], strict=True))


@functools.cache
def _english_choices() -> list[str]:
    return [w for w in english_words() if len(w) >= MIN_CORRECTABLE - 1]


def vocabulary(texts: list[str]) -> Counter[str]:
    """Every word the guidance uses, lower-cased, with how often."""
    return Counter(w.lower() for text in texts for w in tokens(text) if w[:1].isalpha())


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in LINK_WORDS).lower()


def _defined_acronyms(question: str) -> set[str]:
    """Acronyms spelled out beside them in the question, in lower case."""
    found = {m.group(1).lower() for m in DEFINED_AFTER.finditer(question)
             if _initials(WORD.findall(m.group(2))) == m.group(1).lower()}
    for m in DEFINED_BEFORE.finditer(question):
        words = WORD.findall(m.group(1))
        if any(_initials(words[i:]) == m.group(2).lower() for i in range(len(words))):
            found.add(m.group(2).lower())
    return found


def understand(question: str, lexicon: Lexicon, speller: Speller | None) -> Understood:
    corrections: list[tuple[str, str]] = []
    resolved: set[str] = set()

    def replace_word(match: re.Match[str]) -> str:
        word = match.group(0)
        owner = POSSESSIVE.search(word)  # "the dept's systems": spell out "dept", keep "'s"
        if owner and WORD.fullmatch(word[:owner.start()]):
            return replace_word(WORD.fullmatch(word[:owner.start()])) + owner.group(0)
        if word.lower() in lexicon.chat:
            resolved.add(word.lower())
            return word
        long = lexicon.spell_out(word)
        if long is not None:
            resolved.add(word.lower())
            corrections.append((word, long))
            return long
        fixed = speller.correct(word) if speller else None
        if fixed is not None and not _is_synonym(lexicon, word):
            resolved.add(word.lower())
            corrections.append((word, fixed))
            return fixed
        return word

    question = RUN_TOGETHER.sub(" ", lexicon.without_chat_phrases(question))
    question = GLUED_YEAR.sub(r"\1 \2", question)
    question = GLUED_SHORT_YEAR.sub(r"\1 20\2", question)
    resolved |= _defined_acronyms(question)
    for match in VERSION.finditer(question):
        corrections.append((match.group(0), f"version {match.group(1)}"))
    question = VERSION.sub(r"version \1", question)
    text = COUPLE.sub(r"two \1", WORD.sub(replace_word, question))
    text = CASUAL_MONEY.sub(r"£\1", text)
    text = WORD_MONEY.sub(r"\1 pounds", text)
    expansions = lexicon.synonyms_in(text)
    resolved.update(word.lower() for word, _ in expansions for word in word.split())
    expanded = " ".join([text, *(guidance for _, guidance in expansions)])
    return Understood(text, expanded, tuple(corrections), tuple(expansions),
                      frozenset(resolved))


def _is_synonym(lexicon: Lexicon, word: str) -> bool:
    return any(k.lower() == word.lower() for k in lexicon.synonyms)


# Questions with two sides: "what's the difference between a CDO and a CTO?", "X vs Y",
# "who announced the red lines, and which version sets the thresholds?". Each side is
# answered on its own, so neither is left out.
CONTRASTS = [
    re.compile(r"\bdifferen\w* (?:between|betwen) (?P<a>.+?) and (?P<b>.+)", re.I),
    re.compile(r"\bhow (?:does|do|did|is|are|was|were) (?P<a>.+?) (?:differ\w*|compare\w*) "
               r"(?:from|to|with) (?P<b>.+)", re.I),
    re.compile(r"\bcompare (?P<a>.+?) (?:and|with|to) (?P<b>.+)", re.I),
    re.compile(r"\b(?:how|where|in what ways?) (?:do|does|did|are|is) (?P<a>.+?) and "
               r"(?P<b>.+?) (?:differ|different|compare)\b", re.I),
    # "how do the cdo and cto split the work between them?" (chat-14)
    re.compile(r"\bhow (?:do|does|should|would) (?:the )?(?P<a>\S+(?: \S+)?) and (?:the )?"
               r"(?P<b>\S+(?: \S+)?) (?:split|divide|share)\b", re.I),
    re.compile(r"(?P<a>.+?)\s+(?:vs\.?|versus|compared (?:to|with)|as opposed to)\s+(?P<b>.+)",
               re.I),
]
TWO_PARTS = re.compile(
    r"(?P<a>.+?)(?:\?\s+|[,;]\s*(?:and\s+|also\s+)?|\s+and\s+(?:also\s+)?)"
    r"(?P<b>(?:who|whom|whose|what|what's|whats|which|when|where|why|how|is|are|does|do|did|can|"
    r"should|must)\b.+)", re.I)


CONDITION = re.compile(r"\s*(?:if|assuming|supposing|unless)\b", re.I)


# Where a side's own subject ends and the frame both sides share begins: "Shared Service
# Director | in the 2005 strategy - what's each one for?".
FRAME = re.compile(r"\s+(?:in|according to|under|within)\s+|\s*[-–—,;?]\s+|\s*\?", re.I)


def subject_of(side: str) -> str:
    """The thing one side of a contrast is about, without the frame the sides share."""
    return FRAME.split(side, maxsplit=1)[0].strip() or side


def question_parts(question: str) -> list[str]:
    """The sides of a contrast or the parts of a two-part question ([] for one question)."""
    for pattern in CONTRASTS:
        match = pattern.search(question)
        if match:
            return [match.group("a").strip(" ?,"), match.group("b").strip(" ?,")]
    match = TWO_PARTS.fullmatch(question.strip())
    # "if we have an exceptional reason to go over £100m, who signs that off?": a condition
    # and its question, not two questions (chat-13).
    if match and CONDITION.match(match.group("a")) and not match.group("a").rstrip().endswith("?"):
        return []
    if match and len(match.group("a").split()) >= 3 and len(match.group("b").split()) >= 3:
        return [match.group("a").strip(" ?,"), match.group("b").strip(" ?,")]
    return []
