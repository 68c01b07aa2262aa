"""`spendbot ingest` on real Chroma stores with the real model: incremental, atomic, forgiving."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CountingEmbeddings
from pdfs import make_pdf

from bot import core
from bot.config import Settings
from ingest.pipeline import IngestError, run_ingest


def stored(settings: Settings, level: str = "chunk") -> dict[str, dict]:
    """Record id -> metadata (with its text) of the index serving answers now: its chunk
    collection, or with level="sentence" its sentence collection."""
    target = core.open_store(settings)
    collection = target.active_collection()
    if level == "sentence":
        collection = target.sentence_collection(collection)
    got = collection.get(include=["metadatas", "documents"])
    assert {meta["level"] for meta in got["metadatas"]} <= {level}  # no mixing of levels
    return {id_: {**meta, "text": text}
            for id_, meta, text in zip(got["ids"], got["metadatas"], got["documents"],
                                       strict=True)}


def indexes(target) -> list[tuple[str, ...]]:
    """Every index in the store as (chunk collection, sentence collection) names, and any
    collection of ours left without its partner as a 1-tuple."""
    names = set(target.collection_names())
    chunks = {n for n in names if n.startswith(target.prefix)}
    pairs = [(n, target.sentences_name(n)) if target.sentences_name(n) in names else (n,)
             for n in chunks]
    orphans = [(n,) for n in names if n.startswith(target.sentence_prefix)
               and n.removeprefix(target.sentence_prefix) not in
               {c.removeprefix(target.prefix) for c in chunks}]
    return sorted(pairs + orphans)


def pair(target, name: str) -> tuple[str, str]:
    return name, target.sentences_name(name)


def ingest(settings: Settings, embedder) -> object:
    return run_ingest(settings.knowledge_dir, core.open_store(settings), embedder)


def test_ingests_the_whole_corpus_with_citation_metadata(settings, embedder) -> None:
    counting = CountingEmbeddings(embedder)
    report = ingest(settings, counting)
    # Citations link only to https: and http: pages; the corpus's one mailto: link is named.
    assert report.failed == [] and report.warnings == [
        "technology-leadership.md: link “digitaltalent@digital.cabinet-office.gov.uk” to "
        "mailto: refused: only https: and http: links are kept"]
    assert report.documents == 6
    assert report.chunks == report.added > 100
    chunks = stored(settings)
    assert len(chunks) == report.chunks
    # Every sentence is indexed too, each a verbatim slice of its chunk.
    sentences = stored(settings, "sentence")
    assert counting.embedded == report.embedded == len(chunks) + len(sentences)
    assert len(sentences) > 2 * len(chunks)
    assert all(s["text"] == chunks[s["chunk_id"]]["text"][s["start"]:s["end"]]
               for s in sentences.values())
    assert {m["doc_id"] for m in chunks.values()} == {
        "guidance-for-ctos", "technology-leadership", "chief-technology-officer",
        "technology-code-of-practice-draft", "transformational-government-2005",
        "spend-control-red-lines-summary"}
    assert all(m["url"].startswith("http") and m["title"] for m in chunks.values())
    strategy = [m for m in chunks.values() if m["doc_id"] == "transformational-government-2005"]
    assert all(m["paragraph"] or m["section"] in ("Foreword", "How to Respond")
               for m in strategy)
    assert not any("TRANSFORMATIONAL GOVERNMENT ENABLED" in m["text"] for m in strategy)


def test_reingest_with_nothing_changed_embeds_nothing(settings, embedder) -> None:
    first = ingest(settings, embedder)
    counting = CountingEmbeddings(embedder)
    again = ingest(settings, counting)
    assert counting.embedded == 0
    assert (again.unchanged, again.added, again.updated, again.removed) == (first.chunks, 0, 0, 0)
    assert again.collection == first.collection and not again.switched
    target = core.open_store(settings)
    assert indexes(target) == [pair(target, first.collection)]  # the same pair, nothing new


def test_editing_one_file_reembeds_only_its_changed_chunks(settings, embedder) -> None:
    ingest(settings, embedder)
    before = stored(settings)
    page = settings.knowledge_dir / "technology-leadership.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "the [Head of Business IT](/service-manual/the-team/recruitment/job-descriptions) should "
        "manage", "the Head of Legacy Estates should manage"), encoding="utf-8")
    counting = CountingEmbeddings(embedder)
    report = ingest(settings, counting)
    after = stored(settings)
    assert report.updated == 1
    # The edited chunk and its edited sentence: nothing else is embedded again.
    assert counting.embedded == report.embedded == 2
    assert report.removed == report.added == 0
    changed = set(before) ^ set(after)
    assert {(before | after)[id_]["doc_id"] for id_ in changed} == {"technology-leadership"}
    answer = core.build_answerer(settings, embedder=embedder).ask(
        "Who should manage the retirement of legacy systems?")
    assert any("Head of Legacy Estates" in q for c in answer.citations for q in c.quotes)


def test_deleting_a_file_removes_its_chunks(settings, embedder) -> None:
    first = ingest(settings, embedder)
    cto = [m for m in stored(settings).values() if m["doc_id"] == "chief-technology-officer"]
    (settings.knowledge_dir / "chief-technology-officer.txt").unlink()
    report = ingest(settings, embedder)
    assert report.removed == len(cto) and report.chunks == first.chunks - len(cto)
    assert not any(m["doc_id"] == "chief-technology-officer" for m in stored(settings).values())
    assert any("chief-technology-officer.txt" in w and "not found" in w for w in report.warnings)


def test_broken_files_are_reported_by_name_and_the_rest_ingested(settings, embedder) -> None:
    folder = settings.knowledge_dir
    (folder / "scanned.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Len")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (folder / "empty.md").write_text("")
    (folder / "outside.md").symlink_to("/etc/hostname")
    report = ingest(settings, embedder)
    reasons = dict(report.failed)
    assert set(reasons) == {"scanned.pdf", "photo.txt", "empty.md", "outside.md"}
    assert "PDF" in reasons["scanned.pdf"] and "binary" in reasons["photo.txt"]
    assert "empty" in reasons["empty.md"] and "outside" in reasons["outside.md"]
    assert report.documents == 6


def test_a_file_that_becomes_unreadable_keeps_its_last_good_version(settings, embedder) -> None:
    ingest(settings, embedder)
    before = {i for i, m in stored(settings).items() if m["doc_id"] == "technology-leadership"}
    sentences = {i for i, m in stored(settings, "sentence").items()
                 if m["doc_id"] == "technology-leadership"}
    page = settings.knowledge_dir / "technology-leadership.md"
    page.write_bytes(b"\x00\x01\x02 broken")
    report = ingest(settings, embedder)
    assert [name for name, _ in report.failed] == ["technology-leadership.md"] and report.switched
    after = {i for i, m in stored(settings).items() if m["doc_id"] == "technology-leadership"}
    assert after == before
    assert sentences == {i for i, m in stored(settings, "sentence").items()
                         if m["doc_id"] == "technology-leadership"}
    # Its sentences still lead answers.
    answer = core.build_answerer(settings, embedder=embedder).ask(
        "Who should manage the retirement of legacy systems?")
    assert "Head of Business IT" in answer.text


def test_failure_part_way_leaves_the_previous_index_answering(settings, embedder) -> None:
    ingest(settings, embedder)
    target = core.open_store(settings)
    serving = target.active_name()
    page = settings.knowledge_dir / "transformational-government-2005.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("£14 billion", "£15 billion"),
                    encoding="utf-8")
    (settings.knowledge_dir / "extra.md").write_text(
        "# Extra guidance\n\n" + "\n\n".join(
            f"Paragraph {n}: hosting contracts for service {n} are reviewed by the team that "
            f"owns service {n}, which records the outcome and the date of review {n}." * 2
            for n in range(250)), encoding="utf-8")
    failing = CountingEmbeddings(embedder, fail_after=64)  # fails on the second batch
    with pytest.raises(RuntimeError, match="injected"):
        ingest(settings, failing)
    assert target.active_name() == serving
    answer = core.build_answerer(settings, embedder=embedder).ask(
        "How much does the UK public sector spend on IT each year?")
    assert answer.answered and any("£14 billion" in q for c in answer.citations
                                   for q in c.quotes)
    # The next good run switches over and clears away what the failed run left behind,
    # keeping the index it replaced for `spendbot rollback`.
    report = ingest(settings, embedder)
    assert report.switched
    assert sorted(n for n in target.collection_names() if n.startswith(target.prefix)) == sorted(
        [report.collection, serving])
    assert indexes(target) == sorted([pair(target, report.collection), pair(target, serving)])


def test_nothing_ingestable_keeps_the_old_index(settings, embedder, tmp_path: Path) -> None:
    ingest(settings, embedder)
    serving = core.open_store(settings).active_name()
    empty = tmp_path / "empty-knowledge"
    empty.mkdir()
    with pytest.raises(IngestError, match="nothing could be ingested"):
        run_ingest(empty, core.open_store(settings), embedder)
    assert core.open_store(settings).active_name() == serving


def test_new_documents_without_manifest_entries(settings, embedder) -> None:
    folder = settings.knowledge_dir
    (folder / "cloud-first.md").write_text(
        "# Cloud first policy\n\n## Hosting\n\nPublic sector organisations should consider "
        "public cloud solutions first when procuring new or existing services.\n",
        encoding="utf-8")
    (folder / "hosting-note.html").write_text(
        "<html><body><main><h1>Hosting note</h1><h2>Contracts</h2><p>Review hosting "
        "arrangements every year.</p></main></body></html>", encoding="utf-8")
    (folder / "open-standards.pdf").write_bytes(make_pdf(
        [["Open standards principles", "Introduction",
          "1. Open standards give users flexibility and choice.", "Page 1 of 1"]],
        title="Open standards principles"))
    report = ingest(settings, embedder)
    assert report.failed == [] and report.documents == 9
    assert sum("not in manifest.toml" in w for w in report.warnings) == 3
    titles = {m["doc_id"]: m["title"] for m in stored(settings).values()}
    assert titles["cloud-first"] == "Cloud first policy"
    assert titles["hosting-note"] == "Hosting note"
    assert titles["open-standards"] == "Open standards principles"
    answer = core.build_answerer(settings, embedder=embedder).ask(
        "Should public cloud be considered first when procuring services?")
    assert answer.citations[0].doc_id == "cloud-first"
    assert answer.citations[0].section == "Hosting"


def test_hostile_files_are_reported_and_the_old_index_keeps_answering(settings,
                                                                      embedder) -> None:
    import random

    first = ingest(settings, embedder)
    folder = settings.knowledge_dir
    with (folder / "huge.txt").open("wb") as huge:  # 50 MB
        huge.write(b"Hosting guidance paragraph.\n" * (50 * 1024 * 1024 // 28))
    (folder / "loop.md").symlink_to(folder / "loop.md")
    noise = random.Random(7).randbytes(20_000).replace(b"\x00", b"\x01")
    (folder / "unknown-encoding.txt").write_bytes(noise)
    report = ingest(settings, embedder)
    reasons = dict(report.failed)
    assert "MB" in reasons["huge.txt"] and "limit" in reasons["huge.txt"]
    assert "link" in reasons["loop.md"]
    assert "UTF-8" in reasons["unknown-encoding.txt"] or "binary" in reasons[
        "unknown-encoding.txt"]
    assert report.documents == 6 and report.chunks == first.chunks


# The index is a pair: chunks in one collection, sentences in another (ingest/store.py).

QUESTIONS = ["What are the red lines?", "Who should manage the retirement of legacy systems?",
             "What grade is a CTO?", "What is the capital of France?"]
LEGACY = "Who should manage the retirement of legacy systems?"


def answers(settings: Settings, embedder) -> list[tuple]:
    """What a user sees of each answer: status, and each citation's place and quotes."""
    answerer = core.build_answerer(settings, embedder=embedder)
    return [(a.status, [(c.doc_id, c.section, c.quotes) for c in a.citations])
            for a in map(answerer.ask, QUESTIONS)]


def rename_head_of_business_it(settings: Settings) -> None:
    page = settings.knowledge_dir / "technology-leadership.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "the [Head of Business IT](/service-manual/the-team/recruitment/job-descriptions) should "
        "manage", "the Head of Legacy Estates should manage"), encoding="utf-8")


@dataclass
class Verdict:
    passed: bool


def test_an_ingest_builds_a_pair_of_collections_that_answers(settings, embedder) -> None:
    report = ingest(settings, embedder)
    target = core.open_store(settings)
    assert target.active_name() == report.collection
    assert indexes(target) == [pair(target, report.collection)]
    chunks, sentences = stored(settings), stored(settings, "sentence")
    assert len(chunks) == report.chunks and len(sentences) > 2 * len(chunks)
    assert {s["chunk_id"] for s in sentences.values()} <= set(chunks)
    answerer = core.build_answerer(settings, embedder=embedder)
    best = answerer.retriever.passages(LEGACY)[0]
    # The passage is led by its best sentence, found in the sentence collection.
    assert "Head of Business IT" in best.lead_text and best.lead_text in sentences_texts(sentences)
    assert "Head of Business IT" in answerer.ask(LEGACY).text


def sentences_texts(sentences: dict[str, dict]) -> set[str]:
    return {s["text"] for s in sentences.values()}


def test_rollback_switches_back_to_the_earlier_pair(settings, embedder) -> None:
    first = ingest(settings, embedder)
    rename_head_of_business_it(settings)
    second = ingest(settings, embedder)
    target = core.open_store(settings)
    assert indexes(target) == sorted([pair(target, first.collection),
                                      pair(target, second.collection)])
    answerer = core.build_answerer(settings, embedder=embedder)
    assert "Head of Legacy Estates" in answerer.retriever.passages(LEGACY)[0].lead_text
    assert target.rollback() == (second.collection, first.collection)
    # The same serving process moves to the earlier chunks and their own sentences.
    assert "Head of Business IT" in answerer.retriever.passages(LEGACY)[0].lead_text
    assert "Head of Business IT" in answerer.ask(LEGACY).text


def test_a_refused_or_failing_gate_leaves_no_collection_behind(settings, embedder) -> None:
    target = core.open_store(settings)
    seen: list[int] = []

    def refuse(store, candidate: str, previous: str | None) -> Verdict:
        # The gate sees the whole candidate: its chunks and its sentences.
        seen.append(store.sentence_collection(store.get_collection(candidate)).count())
        return Verdict(False)

    refused = run_ingest(settings.knowledge_dir, target, embedder, gate=refuse)
    assert refused.refused and seen[0] > 0
    assert indexes(target) == [] and target.active_name() is None  # a first ingest refused

    first = ingest(settings, embedder)
    rename_head_of_business_it(settings)
    refused = run_ingest(settings.knowledge_dir, target, embedder, gate=refuse)
    assert refused.refused and refused.collection == first.collection

    def crash(store, candidate: str, previous: str | None) -> Verdict:
        raise RuntimeError("the gate fell over")

    with pytest.raises(RuntimeError, match="fell over"):
        run_ingest(settings.knowledge_dir, target, embedder, gate=crash)
    assert indexes(target) == [pair(target, first.collection)]
    assert "Head of Business IT" in core.build_answerer(settings, embedder=embedder).ask(
        LEGACY).text


def one_collection(target) -> str:
    """Rewrite the active index as spendbot stored it before the pair: one collection holding
    both levels, told apart by `level`, with no `layout` in its metadata. Its name."""
    chunks = target.active_collection()
    sentences = target.sentence_collection(chunks)
    name = f"{target.prefix}20000101T000000-01d000"
    old = target.client.create_collection(  # cosine as then, by the metadata key it used
        name, embedding_function=None,
        metadata={"hnsw:space": "cosine",
                  **{k: v for k, v in chunks.metadata.items() if k != "layout"}})
    for source in (chunks, sentences):
        got = source.get(include=["embeddings", "metadatas", "documents"])
        old.add(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"],
                documents=got["documents"])
    target.switch_to(old)
    target.drop(chunks.name)
    return name


def test_an_index_in_the_one_collection_layout_answers_until_rebuilt_as_a_pair(
        settings, embedder) -> None:
    ingest(settings, embedder)
    paired = answers(settings, embedder)
    target = core.open_store(settings)
    old = one_collection(target)
    assert indexes(target) == [(old,)]
    assert answers(settings, embedder) == paired  # an upgrade never breaks answering
    # The next ingest rebuilds it as a pair from its own vectors, though nothing changed.
    counting = CountingEmbeddings(embedder)
    report = ingest(settings, counting)
    assert report.switched and counting.embedded == 0
    assert report.unchanged == report.chunks and report.changes.empty
    assert indexes(target) == sorted([(old,), pair(target, report.collection)])
    assert len(stored(settings, "sentence")) > 2 * len(stored(settings))
    assert answers(settings, embedder) == paired
    # And then it is kept, as any pair is.
    assert ingest(settings, embedder).collection == report.collection
    assert target.rollback() == (report.collection, old)  # the old index can still be restored
    assert answers(settings, embedder) == paired
