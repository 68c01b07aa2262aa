"""The guidance retriever as a LangChain `BaseRetriever`, for composing it into chains.

Kept apart from bot/retrieval.py so that answering never imports LangChain's retriever
machinery (and the LangSmith tracing it brings): see `GuidanceRetriever.as_langchain`.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.embedding import MiniLMEmbeddings

# The bundled model has LangChain's interface without LangChain's base class (see
# ingest/embedding.py's `TextEmbedder`); to LangChain code it is an `Embeddings`.
Embeddings.register(MiniLMEmbeddings)


class LangChainRetriever(BaseRetriever):
    guidance: Any  # bot.retrieval.GuidanceRetriever

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=p.text, id=p.chunk_id, metadata={
            **p.meta.to_store(), "score": p.score, "coverage": p.coverage,
            "relevance": p.relevance}) for p in self.guidance.passages(query)]
