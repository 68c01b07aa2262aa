"""Shared fixtures: the real embedding model, real Chroma stores on disk, the real corpus."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    """Chroma's own server (`chroma run`) on loopback, once it answers its heartbeat."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    log = path.with_suffix(".log")
    process = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"chroma run did not start; see {log}") from None
            time.sleep(0.3)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A Chroma server for the whole session: the store tests' second backend."""
    port = free_port()
    process = start_chroma(tmp_path_factory.mktemp("chroma") / "data", port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(params=["embedded", "server"])
def settings(request, tmp_path: Path, knowledge: Path) -> Settings:
    """A private store, once embedded on disk and once on Chroma's server."""
    if request.param == "server":
        return Settings(knowledge_dir=knowledge, store_dir=tmp_path / "store",
                        chroma_url=request.getfixturevalue("chroma_server"),
                        namespace=f"t{uuid.uuid4().hex[:10]}-")
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


@pytest.fixture
def fake():
    """A recording fake of Slack's Web API on loopback."""
    from fakeslack import FakeSlack

    server = FakeSlack()
    yield server
    server.close()


@pytest.fixture
def state(tmp_path: Path):
    from bot.state import State

    return State(tmp_path / "state.sqlite3")


@pytest.fixture
def services(answerer, corpus_settings: Settings, state):
    from bot.review import Reviewer, load_criteria
    from bot.slack.app import Services

    reviewer = Reviewer(answerer.retriever, load_criteria(corpus_settings.knowledge_dir))
    return Services(answerer, reviewer, state)
