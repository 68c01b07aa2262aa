"""Shared fixtures: the real embedding model, real Chroma stores on disk, the real corpus."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from ingest.embedding import MiniLMEmbeddings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"


class CountingEmbeddings(Embeddings):
    """The real model, counting how many texts it is asked to embed."""

    def __init__(self, inner: MiniLMEmbeddings, fail_after: int | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.embedded = 0
        self.fail_after = fail_after

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if self.fail_after is not None and self.embedded >= self.fail_after:
            raise RuntimeError("injected failure part-way through embedding")
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A private copy of the bundled knowledge folder, free to edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, knowledge: Path) -> Settings:
    return Settings(knowledge_dir=knowledge, store_dir=tmp_path / "store")


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """A store holding the bundled corpus, ingested once for the whole session."""
    settings = Settings(knowledge_dir=KNOWLEDGE,
                        store_dir=tmp_path_factory.mktemp("corpus") / "store")
    core.ingest(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def answerer(corpus_settings: Settings, embedder):
    return core.build_answerer(corpus_settings, embedder=embedder)
