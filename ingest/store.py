"""Where the chunks live: a Chroma store, with a pointer that names the collection serving answers.

Each ingest that changes anything builds a complete new collection and then moves the
pointer, one metadata update, so readers see either the old index or the new one and a
run that dies part-way leaves the old one serving. Collections are never given Chroma's
default embedding function (it downloads a model): vectors always come from our embedder.

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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ingest.embedding import offline_environment

DEFAULT_NAMESPACE = "spendbot-"
STALE_LOCK_SECONDS = 6 * 3600
KEEP_PREVIOUS = 2  # earlier indexes kept for `spendbot rollback` (3 collections in all)


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


@functools.cache
def _persistent_client(path: str):
    offline_environment()
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


@functools.cache
def _http_client(url: str):
    offline_environment()
    import chromadb
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
        return f"{self.namespace}chunks-"

    def _pointer(self):
        return self.client.get_or_create_collection(self.pointer_name, embedding_function=None,
                                                    metadata={"active": ""})

    def active_name(self) -> str | None:
        return self._pointer().metadata.get("active") or None

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

    def create_collection(self, metadata: dict):
        name = f"{self.prefix}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-" \
               f"{secrets.token_hex(3)}"
        return self.client.create_collection(name, embedding_function=None,
                                             metadata={"hnsw:space": "cosine", **metadata})

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
        goes two steps back rather than to and fro.
        """
        history = self.previous_names()
        existing = set(self.collection_names())
        while history:
            target = history.pop()
            if target in existing:
                active = self.active_name()
                self._point(target, history)
                return active, target
        raise NothingToRollBack("no earlier index is kept to roll back to")

    def _point(self, active: str, history: list[str]) -> None:
        # Pointer metadata is replaced whole; both keys are always written.
        self._pointer().modify(metadata={"active": active, "history": json.dumps(history)})

    def collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def remove_stale(self, keep: str, previous: int = KEEP_PREVIOUS) -> list[str]:
        """Delete the collections of earlier runs (and of runs that died part-way), keeping
        `keep` and the last `previous` indexes that answered before it, for rollback."""
        history = self.previous_names()
        kept = [name for name in history if name != keep][-previous:] if previous else []
        removed = []
        for name in self.collection_names():
            if name.startswith(self.prefix) and name != keep and name not in kept:
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
        """Delete one collection (a new index the gate refused), if it exists."""
        self._drop(name)

    def _drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:
            pass


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
