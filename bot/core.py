"""Assembling the parts once per process: store client, embedder, retriever, answerer.

The CLI and (later) the Slack app both start here, so the model and index load once and
the first question on an empty store ingests the bundled guidance before answering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.answer import MIN_RELEVANCE, Answerer
from bot.config import Settings
from bot.retrieval import GuidanceRetriever, limit_malloc_arenas
from ingest import store
from ingest.embedding import MiniLMEmbeddings

if TYPE_CHECKING:  # the ingest pipeline (loaders, manifest...) loads only when ingesting
    from ingest.pipeline import IngestReport, ProgressFactory


def open_state(settings: Settings):
    """The shared state database: $SPENDBOT_DATABASE_URL, or SQLite beside the store (with
    the questions `spendbot ask` spooled for it saved first, see bot/spool.py)."""
    from bot.spool import spool_path
    from bot.state import State

    if settings.database_url:
        return State(settings.database_url)
    state = State(f"sqlite:///{settings.state_file}")
    state.save_spooled(spool_path(settings.state_file))  # the command line's questions
    return state


def open_store(settings: Settings) -> store.Store:
    return store.open_store(store.StoreLocation(settings.store_dir, settings.chroma_url,
                                                settings.namespace))


def ingest(settings: Settings, progress: ProgressFactory | None = None,
           embedder: MiniLMEmbeddings | None = None, gate: bool = False,
           include_withdrawn: bool = False) -> IngestReport:
    """Build the index; with `gate`, switch to it only if the folder's eval questions pass."""
    from ingest.pipeline import run_ingest

    embedder = embedder or MiniLMEmbeddings()
    check = None
    if gate:
        from bot.gate import EvalGate

        check = EvalGate(settings.knowledge_dir, embedder)
    return run_ingest(settings.knowledge_dir, open_store(settings), embedder, progress,
                      gate=check, include_withdrawn=include_withdrawn)


def build_answerer(settings: Settings, notify: Callable[[str], None] = lambda _: None,
                   embedder: MiniLMEmbeddings | None = None, retrieval: str = "hybrid",
                   min_relevance: float | None = None, answerer: str = "auto"):
    """An answerer over the store, ingesting the knowledge folder first if there is no index."""
    limit_malloc_arenas()
    target = open_store(settings)
    embedder = embedder or MiniLMEmbeddings()
    if target.active_collection() is None:
        where = settings.chroma_url or settings.store_dir
        notify(f"No index yet in {where}: ingesting {settings.knowledge_dir} first.")
        from ingest.pipeline import run_ingest

        report = run_ingest(settings.knowledge_dir, target, embedder)
        notify(f"Ingested {report.summary()}.")
    retriever = GuidanceRetriever(store=target, embeddings=embedder, mode=retrieval)
    extractive = Answerer(retriever, MIN_RELEVANCE if min_relevance is None else min_relevance,
                          knowledge_dir=settings.knowledge_dir)
    if answerer == "extractive":
        return extractive
    from bot.generate import GenerativeAnswerer, build_model

    model = build_model(settings)
    if model is None:
        if answerer == "generative":
            raise ValueError("no model configured: set SPENDBOT_LLM (e.g. openai:gpt-4o-mini)")
        return extractive
    return GenerativeAnswerer(extractive, model)


def build_reviewer(settings: Settings, answerer):
    """The proposal reviewer; with a model configured, it also writes a fluent overview."""
    from bot.review import Reviewer, load_criteria

    reviewer = Reviewer(answerer.retriever, load_criteria(settings.knowledge_dir))
    model = getattr(answerer, "model", None)
    if model is None:
        return reviewer
    from bot.generate import GenerativeReviewer

    return GenerativeReviewer(reviewer, model)
