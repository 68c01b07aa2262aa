"""Where the chunks live: a Chroma store, with a pointer that names the collection serving answers.

Each ingest that changes anything builds a complete new collection and then moves the
pointer, one metadata update, so readers see either the old index or the new one and a
run that dies part-way leaves the old one serving. Collections are never given Chroma's
default embedding function (it downloads a model): vectors always come from our embedder.
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.embedding import offline_environment

POINTER = "spendbot-pointer"
PREFIX = "spendbot-chunks-"


@dataclass(frozen=True)
class StoreLocation:
    path: Path

    def describe(self) -> str:
        return str(self.path)


@functools.cache
def _persistent_client(path: str):
    offline_environment()
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


def open_client(location: StoreLocation):
    """One client per store for the whole process: Chroma refuses a second with other settings."""
    location.path.mkdir(parents=True, exist_ok=True)
    return _persistent_client(str(location.path.resolve()))


def _pointer(client):
    return client.get_or_create_collection(POINTER, embedding_function=None,
                                           metadata={"active": ""})


def active_name(client) -> str | None:
    return _pointer(client).metadata.get("active") or None


def active_collection(client):
    """The collection answering questions now, or None before the first ingest."""
    name = active_name(client)
    if not name:
        return None
    try:
        return client.get_collection(name, embedding_function=None)
    except Exception:  # the pointer names a collection that is gone: treat as no index
        return None


def create_collection(client, metadata: dict):
    name = f"{PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
    return client.create_collection(name, embedding_function=None,
                                    metadata={"hnsw:space": "cosine", **metadata})


def switch_to(client, collection) -> None:
    _pointer(client).modify(metadata={"active": collection.name})


def remove_stale(client, keep: str) -> list[str]:
    """Delete the collections of earlier runs (and of runs that died part-way)."""
    removed = []
    for collection in client.list_collections():
        name = collection if isinstance(collection, str) else collection.name
        if name.startswith(PREFIX) and name != keep:
            client.delete_collection(name)
            removed.append(name)
    return removed
