"""The torch-free query encoder must place questions exactly where the ingest model does."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from ingest.embedding import MiniLMEmbeddings


def test_query_vectors_match_the_ingest_model(embedder: MiniLMEmbeddings) -> None:
    texts = ["What are the red lines?", "Who looks after retiring old systems?",
             "¿Cuáles son las líneas rojas?", "SCS 2 (Senior Civil Service 2)", "🙂",
             "spend " * 400]  # past the 256-token window: both truncate the same way
    batch = np.asarray(embedder.embed_documents(texts))
    light = np.asarray([embedder.embed_query(text) for text in texts])
    cosines = (batch * light).sum(axis=1)
    assert cosines.min() > 0.9999, cosines


def test_answering_never_imports_torch(corpus_settings) -> None:
    """A process that only answers stays light: torch is for ingest."""
    code = ("import sys; from bot import core; from bot.config import Settings;"
            f"a = core.build_answerer(Settings.load(store={str(corpus_settings.store_dir)!r}));"
            "assert a.ask('What are the red lines?').answered;"
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.split() == ["False", "False"]
