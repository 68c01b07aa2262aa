"""The word index on its own: BM25 through bm25s, acronyms, stems and coverage."""

from __future__ import annotations

from bot.lexical import LexicalIndex, stem, term_set

TEXTS = [
    "The department's system integrator must not also provide the service.",
    "An SI is appointed for the hosting contract.",
    "Hosting contracts may not run longer than two years.",
    "Retiring the legacy estate takes planning.",
]
GLOSSARY = {"SI": "system integrator"}


def index() -> LexicalIndex:
    return LexicalIndex([f"c{i}" for i in range(len(TEXTS))], TEXTS, GLOSSARY)


def test_an_acronym_finds_its_spelling_and_itself() -> None:
    lexical = index()
    found = [chunk for chunk, _ in lexical.bm25(lexical.query_terms("What does an SI do?"))]
    assert sorted(found) == ["c0", "c1"]


def test_bm25_returns_only_chunks_holding_a_query_term_best_first() -> None:
    lexical = index()
    ranked = lexical.bm25(lexical.query_terms("how long can a hosting contract run?"))
    assert [chunk for chunk, _ in ranked][:1] == ["c2"]
    assert {chunk for chunk, _ in ranked} == {"c1", "c2"}
    assert [score for _, score in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert lexical.bm25(lexical.query_terms("football")) == []


def test_an_acronym_weighs_what_its_spelling_weighs_as_written() -> None:
    lexical = index()
    assert lexical.df("si") == 1  # the chunk that writes "SI", not the one spelling it out
    query = lexical.query_terms("SI")
    assert lexical.chunk_coverage(query, "c0") == 1.0
    assert lexical.chunk_coverage(query, "c3") == 0.0
    assert lexical.chunk_coverage(query, "missing") == 0.0


def test_stems_meet_across_word_forms_and_acronym_plurals() -> None:
    assert stem("retiring") == stem("retirement") == stem("retired") == "retir"
    assert stem("CDOs") == stem("CDO") == "cdo"
    assert stem("department's") == stem("departments")
    assert stem("£100m") == "£100m"
    assert term_set("the hosting contracts") == {"host", "contract"}


def test_known_and_unknown_words() -> None:
    lexical = index()
    assert lexical.known("retire") and lexical.known("SI") and lexical.known("the")
    assert lexical.unknown("Is Eurovision hosting retired?") == ["Eurovision"]


def test_an_empty_collection_finds_nothing() -> None:
    lexical = LexicalIndex([], [], GLOSSARY)
    assert lexical.bm25(lexical.query_terms("hosting")) == []
    assert lexical.df("host") == 0
