"""`spendbot ingest`: load, chunk and embed the knowledge folder into the store, incrementally.

Unchanged chunks and sentences (same id, i.e. same document and text) reuse their stored
vectors, so only new or edited text is embedded. The result is written to a fresh pair of
collections (chunks, and sentences: see ingest/store.py) and switched in at the end: a failure
part-way leaves the previous index answering. A file that cannot be read is reported and, if
an earlier version of it was indexed, that version's chunks and sentences are kept.

Before the switch an optional gate (the evaluation questions that travel with the knowledge
folder, see bot/gate.py) checks the new index; if it refuses, the new pair is dropped and the
previous index keeps answering. Documents whose manifest status is `withdrawn` are left out
unless the run asks for them.

The fingerprint that lets an unchanged folder keep its index includes the store's layout
version, so an index of the older one-collection layout is rebuilt as a pair on the next
ingest, from its own vectors (nothing is embedded again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ingest import store
from ingest.blocks import LoadError
from ingest.changes import ChangeReport, compare, sections_from_metadata
from ingest.chunking import Chunk, chunk_document, sentence_records
from ingest.embedding import TextEmbedder
from ingest.loaders import load_document
from ingest.manifest import MANIFEST_NAME, SUFFIXES, Manifest, load_manifest
from ingest.records import SENTENCE

log = logging.getLogger(__name__)
ProgressFactory = Callable[[int], "Progress"]


class IngestError(RuntimeError):
    """The run cannot produce a usable index; the previous one keeps serving."""


class Progress:
    """Counts embedded chunks; the CLI swaps in a terminal progress bar."""

    def update(self, n: int) -> None: ...

    def close(self) -> None: ...


class GateResult(Protocol):
    passed: bool


# (store, new index's chunk collection name, that of the index answering now or None)
Gate = Callable[[store.Store, str, "str | None"], GateResult]


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    embedded: int = 0
    seconds: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)
    collection: str = ""
    switched: bool = False
    changes: ChangeReport = field(default_factory=ChangeReport)
    withdrawn: list[str] = field(default_factory=list)  # files left out: withdrawn pages
    gate: GateResult | None = None  # the gate's verdict, when one ran
    refused: bool = False  # the gate refused the new index; the previous one still answers

    def summary(self) -> str:
        return (f"{self.documents} documents, {self.chunks} chunks: {self.added} added, "
                f"{self.updated} updated, {self.unchanged} unchanged, {self.removed} removed "
                f"({self.embedded} embedded) in {self.seconds:.1f} s")


@dataclass
class _Stored:
    ids: list[str]
    embeddings: list[list[float]]
    metadatas: list[dict]
    documents: list[str]


def knowledge_files(knowledge_dir: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to ingest, and the ones refused before reading (links that leave the folder)."""
    root = knowledge_dir.resolve()
    files, refused = [], []
    for path in sorted(knowledge_dir.iterdir()):
        if path.name.startswith(".") or path.suffix == ".toml" or path.is_dir():
            continue  # hidden files, folders and the folder's own data (manifest, criteria)
        if path.suffix.lower() not in SUFFIXES:
            refused.append((path.name, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # broken link or a symlink loop
            refused.append((path.name, f"cannot follow the link ({exc.__class__.__name__})"))
            continue
        if root not in target.parents:
            refused.append((path.name, "points outside the knowledge folder"))
            continue
        files.append(path)
    return files, refused


def load_chunks(knowledge_dir: Path, report: IngestReport,
                include_withdrawn: bool = False) -> tuple[list[Chunk], Manifest]:
    """Every chunk of every readable file (failures go to the report), and the manifest."""
    if not knowledge_dir.is_dir():
        raise IngestError(f"knowledge folder not found: {knowledge_dir}")
    manifest = load_manifest(knowledge_dir)
    files, refused = knowledge_files(knowledge_dir)
    report.failed.extend(refused)
    present = {path.name for path in files}
    for name in sorted(set(manifest.documents) - present):
        report.warnings.append(f"{name}: listed in {MANIFEST_NAME} but not found")
    chunks: list[Chunk] = []
    for path in files:
        info = manifest.info_for(path)
        if info.status == "withdrawn" and not include_withdrawn:
            report.withdrawn.append(path.name)  # kept on disk, out of answers
            continue
        try:
            doc = load_document(path, info)
        except LoadError as exc:
            report.failed.append((path.name, str(exc)))
            continue
        except Exception as exc:  # a loader bug must not cost the other documents
            log.exception("unexpected error reading %s", path)
            report.failed.append((path.name, f"unexpected error: {exc.__class__.__name__}"))
            continue
        if not info.in_manifest:
            report.warnings.append(f"{path.name}: not in {MANIFEST_NAME}; ingested with title "
                                   f"{doc.info.title!r} and no source link")
        report.warnings.extend(f"{path.name}: {warning}" for warning in doc.warnings)
        chunks.extend(chunk_document(doc))
        report.documents += 1
    return chunks, manifest


def run_ingest(knowledge_dir: Path, target: store.Store, embedder: TextEmbedder,
               progress: ProgressFactory | None = None, gate: Gate | None = None,
               include_withdrawn: bool = False) -> IngestReport:
    try:
        with target.ingest_lock():
            return _ingest(knowledge_dir, target, embedder, progress, gate, include_withdrawn)
    except store.IngestLocked as exc:
        raise IngestError(str(exc)) from exc


def _ingest(knowledge_dir: Path, target: store.Store, embedder: TextEmbedder,
            progress: ProgressFactory | None, gate: Gate | None,
            include_withdrawn: bool) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    chunks, manifest = load_chunks(knowledge_dir, report, include_withdrawn)
    failed_files = {name for name, _ in report.failed}
    glossary = json.dumps(manifest.glossary, sort_keys=True)
    previous = target.active_collection()
    old, old_sentences = _read_index(target, previous)
    model = getattr(embedder, "name", type(embedder).__name__)
    reusable = previous is not None and previous.metadata.get("model") == model

    # A file that failed this time keeps its last good chunks and sentences, not vanishing.
    kept = [i for i, meta in enumerate(old.metadatas) if meta.get("file") in failed_files]
    kept_sentences = [i for i, meta in enumerate(old_sentences.metadatas)
                      if meta.get("file") in failed_files]
    if not chunks and not kept:
        raise IngestError("nothing could be ingested" + (
            ": " + "; ".join(f"{n}: {r}" for n, r in report.failed) if report.failed else ""))
    # A sentence said twice under one heading (a section split into parts) is one record.
    sentences = list({record.id: record for chunk in reversed(chunks)
                      for record in sentence_records(chunk)}.values())

    fingerprint = _fingerprint(
        chunks + sentences,
        [old.ids[i] for i in kept] + [old_sentences.ids[i] for i in kept_sentences],
        f"{model}{glossary}|layout {store.LAYOUT}")
    old_ids = set(old.ids)
    new_ids = {chunk.id for chunk in chunks} | {old.ids[i] for i in kept}
    old_slots = {_slot(meta) for meta in old.metadatas}
    new_slots = {chunk.slot for chunk in chunks}
    report.chunks = len(new_ids)
    for chunk in chunks:
        if reusable and chunk.id in old_ids:
            report.unchanged += 1
        elif chunk.slot in old_slots:
            report.updated += 1
        else:
            report.added += 1
    report.unchanged += len(kept)
    report.removed = sum(1 for id_, meta in zip(old.ids, old.metadatas, strict=True)
                         if id_ not in new_ids and _slot(meta) not in new_slots)
    report.changes = compare(
        sections_from_metadata(list(zip(old.metadatas, old.documents, strict=True))),
        sections_from_metadata([(c.metadata, c.text) for c in chunks] +
                               [(old.metadatas[i], old.documents[i]) for i in kept]))

    if (reusable and previous.metadata.get("fingerprint") == fingerprint
            and store.is_paired(previous)):
        report.collection = previous.name
        report.seconds = time.perf_counter() - started
        return report  # nothing changed: keep serving the same collection

    vectors = dict(zip(old.ids + old_sentences.ids, old.embeddings + old_sentences.embeddings,
                       strict=True)) if reusable else {}
    to_embed = [record for record in chunks + sentences if record.id not in vectors]
    bar = progress(len(to_embed)) if progress else Progress()
    try:
        for batch in _batches(to_embed, 64):
            embedded = embedder.embed_documents([chunk.embed_text for chunk in batch])
            vectors.update(zip((chunk.id for chunk in batch), embedded, strict=True))
            report.embedded += len(batch)
            bar.update(len(batch))
    finally:
        bar.close()

    documents = _documents_summary(chunks, old, kept)
    collection, sentence_collection = target.create_pair({
        "model": model, "fingerprint": fingerprint, "chunks": report.chunks,
        "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "documents": json.dumps(documents, ensure_ascii=False), "glossary": glossary,
    }, {"model": model})
    try:  # until the switch, nothing is left behind: a refused or failed pair is dropped
        limit = max(1, min(target.max_batch_size(), 2000))
        _write(collection, "chunks", limit,
               [(c.id, vectors[c.id], c.metadata, c.text) for c in chunks] +
               [(old.ids[i], old.embeddings[i], old.metadatas[i], old.documents[i])
                for i in kept])
        _write(sentence_collection, "sentences", limit,
               [(s.id, vectors[s.id], s.metadata, s.text) for s in sentences] +
               [(old_sentences.ids[i], old_sentences.embeddings[i], old_sentences.metadatas[i],
                 old_sentences.documents[i]) for i in kept_sentences])
        if gate is not None:
            report.gate = gate(target, collection.name, previous.name if previous else None)
    except BaseException:
        target.drop(collection.name)
        raise
    if report.gate is not None and not report.gate.passed:
        target.drop(collection.name)
        report.collection, report.refused = previous.name if previous else "", True
        report.seconds = time.perf_counter() - started
        return report
    target.switch_to(collection)
    target.remove_stale(keep=collection.name)
    report.collection, report.switched = collection.name, True
    report.seconds = time.perf_counter() - started
    return report


def _read_index(target: store.Store, chunks) -> tuple[_Stored, _Stored]:
    """The chunk and sentence records of the index answering now (empty before the first).

    An index of the one-collection layout holds both levels in `chunks`; they are told
    apart by their `level`, once, here, so the rest of the run sees one shape."""
    if chunks is None:
        return _Stored([], [], [], []), _Stored([], [], [], [])
    partner = target.sentence_collection(chunks)
    if partner is not None:
        return _read_all(chunks), _read_all(partner)
    both = _read_all(chunks)
    levels = [meta.get("level") == SENTENCE for meta in both.metadatas]
    return _only(both, [not s for s in levels]), _only(both, levels)


def _only(stored: _Stored, keep: list[bool]) -> _Stored:
    pick = [i for i, wanted in enumerate(keep) if wanted]
    return _Stored([stored.ids[i] for i in pick], [stored.embeddings[i] for i in pick],
                   [stored.metadatas[i] for i in pick], [stored.documents[i] for i in pick])


def _write(collection, what: str, limit: int,
           rows: list[tuple[str, list[float], dict, str]]) -> None:
    for batch in _batches(rows, limit):
        ids, embeddings, metadatas, texts = zip(*batch, strict=True)
        collection.add(ids=list(ids), embeddings=list(embeddings), metadatas=list(metadatas),
                       documents=list(texts))
    if collection.count() != len(rows):
        raise IngestError(f"wrote {collection.count()} {what} but expected {len(rows)}")


def _read_all(collection, page: int = 2000) -> _Stored:
    out = _Stored([], [], [], [])
    offset = 0
    while True:
        got = collection.get(include=["embeddings", "metadatas", "documents"], limit=page,
                             offset=offset)
        if not got["ids"]:
            return out
        out.ids += got["ids"]
        out.embeddings += [list(map(float, e)) for e in got["embeddings"]]
        out.metadatas += got["metadatas"]
        out.documents += got["documents"]
        offset += len(got["ids"])


def _slot(meta: dict) -> str:
    paragraph = meta.get("paragraph") or None
    return f"{meta.get('doc_id')}|{meta.get('section')}|{paragraph}|{meta.get('part')}"


def _fingerprint(chunks: list[Chunk], kept_ids: list[str], model: str) -> str:
    digest = hashlib.sha256(model.encode())
    for chunk in sorted(chunks, key=lambda c: c.id):
        digest.update(chunk.id.encode())
        digest.update(json.dumps(chunk.metadata, sort_keys=True).encode())
    for id_ in sorted(kept_ids):
        digest.update(id_.encode())
    return digest.hexdigest()


def _documents_summary(chunks: list[Chunk], old: _Stored, kept: list[int]) -> list[dict]:
    """What the index holds, per document: shown by `spendbot ask` notes and the App Home."""
    docs: dict[str, dict] = {}
    metas = [c.metadata for c in chunks] + [old.metadatas[i] for i in kept]
    for meta in metas:
        entry = docs.setdefault(meta["doc_id"], {
            key: meta.get(key, "") for key in ("doc_id", "title", "url", "status", "kind",
                                               "date", "date_label", "file")} | {"chunks": 0})
        entry["chunks"] += 1
    return sorted(docs.values(), key=lambda d: d["title"].lower())


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
