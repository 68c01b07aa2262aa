"""Where the chunks live: a Chroma store, with a pointer that names the collection serving answers.

Each ingest that changes anything builds a complete new index and then moves the pointer,
one metadata update, so readers see either the old index or the new one and a run that dies
part-way leaves the old one serving. Collections are never given Chroma's default embedding
function (it downloads a model): vectors always come from our embedder.

An index is a pair of collections: `{namespace}chunks-<stamp>` (sections and numbered
paragraphs, what is quoted) and `{namespace}sentences-<stamp>` (one record per sentence).
The pointer, the rollback history and everything else name the chunk collection; its
partner's name is derived from it, so switching, rolling back, dropping and clearing away
always act on both. They were one collection told apart by a `level` metadata field until
the 100x corpus of bench/scale.py (10,832 chunks, 37,914 sentences) showed what Chroma's
metadata filter costs: a 30-result query took 1.8 ms unfiltered, 44 ms filtered to chunks and
155 ms filtered to sentences, and the filters added ~39 MB to the answering process. Split
(bench/collection_queries.py, median over the golden questions, 100x): the chunk search went
from 47 to 1.3 ms, the sentence search from 173 to 7.5 ms, the retriever's whole search from
237 to 17 ms; at the bundled corpus from 18.6 to 15.4 ms. The answering process's peak
(`bench/scale.py --memory`, 100x) went from 485-495 MB to 434-437 MB. A chunk collection
without `layout` in its metadata is an index of that one-collection layout: it still answers
(with the filters) until the next ingest rebuilds it as a pair, from its own vectors (the
100x store: 61 s, nothing embedded).

The store is Chroma embedded on disk by default, or Chroma's own server (`chroma run`) when
a URL is configured. Collection names carry a namespace, so several stores (a test suite, or
two departments' bots) can share one server.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
import sys
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest.embedding import offline_environment

DEFAULT_NAMESPACE = "spendbot-"
STALE_LOCK_SECONDS = 6 * 3600
KEEP_PREVIOUS = 2  # earlier indexes kept for `spendbot rollback` (3 pairs in all)
EF_SEARCH = 500
# Cosine distance, and a search that explores more of the graph than Chroma's default (100).
# Under Chroma's sync threshold (1,000 records) the HNSW graph is not saved but rebuilt from
# the log by each process that opens it, and the rebuilt graphs differ, so with the default
# the same question's sentence search could find a passage in one process and miss it in the
# next (2 of 30 fresh processes for one chat-5 question; about one question of 789 per
# `spendbot eval` run).
HNSW = {"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}}
LAYOUT = 2  # chunk collection metadata `layout`: 2 = paired sentence collection; absent = one


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached (and, for answers, nothing is held in memory)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("The guidance index is unavailable right now; please try again in a "
                         "few minutes." + (f" ({detail})" if detail else ""))


class IngestLocked(RuntimeError):
    """Another ingest holds the store; the message says which and since when."""


class NothingToRollBack(RuntimeError):
    """No earlier index is kept to switch back to."""


@dataclass(frozen=True)
class StoreLocation:
    path: Path
    url: str | None = None  # e.g. http://127.0.0.1:8000 for `chroma run`
    namespace: str = DEFAULT_NAMESPACE


OTLP_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"


def _chromadb():
    """chromadb, imported without loading its OpenTelemetry gRPC span exporter.

    chromadb imports the exporter as it loads, and builds one only when tracing is
    configured (`chroma_otel_collection_endpoint`), which this bot never does; the import
    alone brought in gRPC and protobuf, 23.8 MB of the answering process's resident memory
    (measured as the RSS an interpreter gains importing it after NumPy, pydantic and YAML).
    So while chromadb loads, the exporter's module is a stand-in whose class imports the
    real exporter and builds that, should chromadb ever ask for one. Peak RSS of the
    answering process (`bench/scale.py --memory`, three processes each): at the bundled
    corpus 259-262 MB before, 247-249 MB after; at 100x 401-402 MB before, 388-392 MB after.
    """
    if "chromadb" in sys.modules or OTLP_EXPORTER in sys.modules:
        import chromadb

        return chromadb

    class OTLPSpanExporter:
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            import importlib

            return importlib.import_module(OTLP_EXPORTER).OTLPSpanExporter(*args, **kwargs)

    stand_in = types.ModuleType(OTLP_EXPORTER)
    stand_in.OTLPSpanExporter = OTLPSpanExporter  # type: ignore[attr-defined]
    sys.modules[OTLP_EXPORTER] = stand_in
    try:
        import chromadb
    finally:
        if sys.modules.get(OTLP_EXPORTER) is stand_in:
            del sys.modules[OTLP_EXPORTER]
    return chromadb


@functools.cache
def _persistent_client(path: str):
    offline_environment()
    chromadb = _chromadb()
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


@functools.cache
def _http_client(url: str):
    offline_environment()
    chromadb = _chromadb()
    from chromadb.config import Settings

    parts = urlparse(url)
    return chromadb.HttpClient(host=parts.hostname or "127.0.0.1",
                               port=parts.port or (443 if parts.scheme == "https" else 8000),
                               ssl=parts.scheme == "https",
                               settings=Settings(anonymized_telemetry=False))


@dataclass
class Store:
    client: object
    namespace: str = DEFAULT_NAMESPACE

    @property
    def pointer_name(self) -> str:
        return f"{self.namespace}pointer"

    @property
    def prefix(self) -> str:
        """How every chunk collection's name starts: these are the names the pointer holds."""
        return f"{self.namespace}chunks-"

    @property
    def sentence_prefix(self) -> str:
        return f"{self.namespace}sentences-"

    def sentences_name(self, name: str) -> str:
        """The name of the sentence collection paired with chunk collection `name`."""
        return self.sentence_prefix + name.removeprefix(self.prefix)

    def _chunks_name(self, name: str) -> str | None:
        """The chunk collection that `name` belongs to (itself or its partner), if ours."""
        if name.startswith(self.prefix):
            return name
        if name.startswith(self.sentence_prefix):
            return self.prefix + name.removeprefix(self.sentence_prefix)
        return None

    def _pointer(self):
        return self.client.get_or_create_collection(self.pointer_name, embedding_function=None,
                                                    metadata={"active": ""})

    def active_name(self) -> str | None:
        """The chunk collection the pointer names (None before the first ingest).

        Read with `get_collection`, and `get_or_create_collection` only when there is no
        pointer yet: answering reads it for every question, and the get-or-create took
        0.7 ms a call on the embedded store, the plain read 0.3 ms.
        """
        from chromadb.errors import NotFoundError

        try:
            pointer = self.client.get_collection(self.pointer_name, embedding_function=None)
        except NotFoundError:
            pointer = self._pointer()
        return pointer.metadata.get("active") or None

    def active_collection(self):
        """The collection answering questions now, or None before the first ingest."""
        name = self.active_name()
        if not name:
            return None
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception:  # the pointer names a collection that is gone: treat as no index
            return None

    def get_collection(self, name: str):
        return self.client.get_collection(name, embedding_function=None)

    def sentence_collection(self, chunks: Any) -> Any:
        """The sentence collection paired with the chunk collection `chunks`, or None for an
        index in the one-collection layout (its sentences are in `chunks`, level=sentence).

        Raises if the index is paired and its partner cannot be read: answering from the
        chunks alone would quietly lose every sentence-level match.
        """
        if not is_paired(chunks):
            return None
        return self.client.get_collection(self.sentences_name(chunks.name),
                                          embedding_function=None)

    def create_pair(self, metadata: dict,
                    sentence_metadata: dict | None = None) -> tuple[Any, Any]:
        """A new, empty index: (chunk collection, its sentence collection).

        The sentence collection is made first, so a chunk collection with `layout` never
        exists without its partner; a run that dies between the two leaves only a sentence
        collection, which `remove_stale` clears away.
        """
        name = f"{self.prefix}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-" \
               f"{secrets.token_hex(3)}"
        sentences = self.client.create_collection(
            self.sentences_name(name), embedding_function=None, configuration=HNSW,
            metadata=sentence_metadata or None)
        try:
            chunks = self.client.create_collection(
                name, embedding_function=None, configuration=HNSW,
                metadata={**metadata, "layout": LAYOUT})
        except BaseException:
            self._drop(sentences.name)
            raise
        return chunks, sentences

    def switch_to(self, collection) -> None:
        """Serve `collection` from now on; the one it replaces joins the rollback history."""
        history = self.previous_names()
        active = self.active_name()
        if active and active != collection.name:
            history = [name for name in history if name != active] + [active]
        self._point(collection.name, history)

    def previous_names(self) -> list[str]:
        """Collections that answered before the active one, oldest first."""
        raw = self._pointer().metadata.get("history") or "[]"
        try:
            names = json.loads(raw)
        except ValueError:
            return []
        return [name for name in names if isinstance(name, str)]

    def rollback(self) -> tuple[str | None, str]:
        """Switch back to the index that answered before this one: (from, to).

        The index switched away from is not kept as a rollback target, so rolling back twice
        goes two steps back rather than to and fro. An index whose pair is incomplete is
        skipped.
        """
        history = self.previous_names()
        existing = set(self.collection_names())
        while history:
            target = history.pop()
            if self._complete(target, existing):
                active = self.active_name()
                self._point(target, history)
                return active, target
        raise NothingToRollBack("no earlier index is kept to roll back to")

    def _point(self, active: str, history: list[str]) -> None:
        # Pointer metadata is replaced whole; both keys are always written.
        self._pointer().modify(metadata={"active": active, "history": json.dumps(history)})

    def _complete(self, name: str, existing: set[str]) -> bool:
        """Whether the index `name` can answer: its chunks, and its sentences if paired."""
        if name not in existing:
            return False
        if self.sentences_name(name) in existing:
            return True
        try:
            return not is_paired(self.get_collection(name))
        except Exception:
            return False

    def collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def remove_stale(self, keep: str, previous: int = KEEP_PREVIOUS) -> list[str]:
        """Delete the collections of earlier runs (and of runs that died part-way), keeping
        `keep` and the last `previous` indexes that answered before it, for rollback. A
        sentence collection goes with its chunk collection."""
        history = self.previous_names()
        kept = [name for name in history if name != keep][-previous:] if previous else []
        removed = []
        for name in self.collection_names():
            owner = self._chunks_name(name)
            if owner is not None and owner != keep and owner not in kept:
                self.client.delete_collection(name)
                removed.append(name)
        if kept != history and self.active_name() == keep:
            self._point(keep, kept)
        return removed

    def max_batch_size(self) -> int:
        return self.client.get_max_batch_size()

    @contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """One ingest at a time per store, across processes and machines.

        The lock is a marker collection naming the holder. A lock whose holder has died (same
        host, process gone) or that is older than six hours is taken over.
        """
        name = f"{self.namespace}ingest-lock"
        mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        try:
            self.client.create_collection(name, embedding_function=None, metadata=mine)
        except Exception:
            holder = self._lock_holder(name)
            if holder is not None and not _stale(holder):
                minutes = (time.time() - holder.get("started", time.time())) / 60
                raise IngestLocked(
                    f"another ingest is running (process {holder.get('pid')} on "
                    f"{holder.get('host')}, started {minutes:.0f} min ago); try again when it "
                    "finishes") from None
            self._drop(name)
            self.client.create_collection(name, embedding_function=None, metadata=mine)
        try:
            yield
        finally:
            self._drop(name)

    def _lock_holder(self, name: str) -> dict | None:
        try:
            return dict(self.client.get_collection(name, embedding_function=None).metadata or {})
        except Exception:
            return None

    def drop(self, name: str) -> None:
        """Delete the index named by its chunk collection (a new index the gate refused) and
        its sentence collection, whichever exist."""
        self._drop(self.sentences_name(name))
        self._drop(name)

    def _drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:
            pass


def is_paired(chunks: Any) -> bool:
    """Whether chunk collection `chunks` has a sentence collection of its own (layout 2)."""
    return (chunks.metadata or {}).get("layout") == LAYOUT


def _stale(holder: dict) -> bool:
    if time.time() - float(holder.get("started", 0)) > STALE_LOCK_SECONDS:
        return True
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(holder.get("pid", 0)), 0)
    except ProcessLookupError:
        return True  # the process that took it has died
    except (PermissionError, ValueError):
        return False
    return False


def open_store(location: StoreLocation) -> Store:
    """One client per store for the whole process: Chroma refuses a second with other settings."""
    if location.url:
        try:
            return Store(_http_client(location.url.rstrip("/")), location.namespace)
        except ValueError as exc:  # chromadb's way of saying the server is not there
            raise StoreUnavailable(f"no Chroma server at {location.url}") from exc
    location.path.mkdir(parents=True, exist_ok=True)
    return Store(_persistent_client(str(location.path.resolve())), location.namespace)
