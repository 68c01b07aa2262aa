"""The torch-free query encoders must place questions exactly where the ingest model does."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import onnx_encoder
from ingest.embedding import MiniLMEmbeddings
from ingest.light_encoder import LightEncoder

TEXTS = ["What are the red lines?", "Who looks after retiring old systems?",
         "¿Cuáles son las líneas rojas?", "SCS 2 (Senior Civil Service 2)", "🙂", "",
         "spend " * 400]  # past the 256-token window: all truncate the same way


@pytest.fixture(scope="module")
def reference(embedder: MiniLMEmbeddings) -> np.ndarray:
    """sentence-transformers (torch), as ingest embeds documents; also makes the ONNX file."""
    return np.asarray(embedder.embed_documents(TEXTS))


def test_query_vectors_match_the_ingest_model(embedder, reference) -> None:
    query = np.asarray([embedder.embed_query(text) for text in TEXTS])
    cosines = (reference * query).sum(axis=1)
    assert cosines.min() > 0.9999, cosines


def test_onnx_encoder_matches_one_by_one_and_in_a_padded_batch(embedder, reference) -> None:
    encoder = onnx_encoder.OnnxEncoder(embedder.path, onnx_encoder.onnx_path(embedder.path))
    alone = np.concatenate([encoder.encode([text]) for text in TEXTS])
    batch = encoder.encode(TEXTS)  # padded to the longest: the mask keeps padding out
    for vectors in (alone, batch):
        assert vectors.shape == reference.shape
        assert (reference * vectors).sum(axis=1).min() > 0.9999
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, reference.shape[1])


def test_numpy_fallback_still_matches(embedder, reference) -> None:
    light = LightEncoder(embedder.path).encode(TEXTS)
    assert (reference * light).sum(axis=1).min() > 0.9999


def test_without_the_export_or_torch_answers_use_numpy_and_say_so(
        embedder, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv(onnx_encoder.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(onnx_encoder, "_torch_importable", lambda: False)
    with caplog.at_level(logging.WARNING, logger="ingest.onnx_encoder"):
        encoder = onnx_encoder.load_query_encoder(embedder.path)
    assert encoder.kind == "numpy"
    assert "torch is not importable" in caplog.text and "NumPy" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_a_broken_export_falls_back_to_numpy(embedder, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv(onnx_encoder.CACHE_ENV, str(tmp_path))
    onnx_encoder.onnx_path(embedder.path).write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING, logger="ingest.onnx_encoder"):
        assert onnx_encoder.load_query_encoder(embedder.path).kind == "numpy"
    assert "ONNX unavailable" in caplog.text


def test_a_missing_export_is_made_in_a_child_so_answering_never_imports_torch(
        embedder, reference, tmp_path) -> None:
    """...and replaces an older export of the same model folder, keeping other folders'."""
    for stem, folder in (("old", Path(embedder.path).resolve()), ("other", "/elsewhere/m")):
        (tmp_path / f"{stem}.json").write_text(f'{{"model_dir": "{folder}"}}')
        (tmp_path / f"{stem}.onnx").write_bytes(b"graph")
        (tmp_path / f"{stem}.onnx.data").write_bytes(b"weights")
    code = ("import sys, numpy; from ingest.embedding import MiniLMEmbeddings, _query_encoder;"
            "e = MiniLMEmbeddings(); v = e.embed_query(sys.argv[1]);"
            "print(_query_encoder(e.path).kind, 'torch' in sys.modules, *v[:3])")
    env = {**os.environ, onnx_encoder.CACHE_ENV: str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code, TEXTS[0]], capture_output=True,
                            text=True, timeout=600, check=True, env=env)
    kind, torch_loaded, *head = result.stdout.split()
    assert (kind, torch_loaded) == ("onnx", "False")
    assert np.allclose([float(x) for x in head], reference[0][:3], atol=1e-4)
    # the graph, its weights beside it, no scratch left; the older export gone
    graph, = set(tmp_path.glob("*.onnx")) - {tmp_path / "other.onnx"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [graph.name, graph.name + ".data", graph.with_suffix(".json").name,
         "other.json", "other.onnx", "other.onnx.data"])


def test_answering_never_imports_torch(corpus_settings) -> None:
    """A process that only answers stays light: torch is for ingest."""
    code = ("import sys; from bot import core; from bot.config import Settings;"
            f"a = core.build_answerer(Settings.load(store={str(corpus_settings.store_dir)!r}));"
            "assert a.ask('What are the red lines?').answered;"
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules,"
            " 'transformers' in sys.modules, 'onnxruntime' in sys.modules,"
            " 'langsmith' in sys.modules);"
            # LangChain's retriever interface is there for chains, built when asked for
            "docs = a.retriever.as_langchain().invoke('How long may hosting contracts last?');"
            "print(docs[0].metadata['doc_id'], 'score' in docs[0].metadata)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.split() == ["False", "False", "False", "True", "False",
                                     "spend-control-red-lines-summary", "True"]


def test_two_sessions_release_only_their_own_pages(embedder) -> None:
    """Each session releases the pages of its own mappings of the weights file, never
    another's: releasing another session's written pages crashed answers (`free(): invalid
    pointer`, a segfault) when a question's side searches made two sessions at once."""
    target = onnx_encoder.onnx_path(embedder.path)
    embedder.embed_query("make the export")  # the export exists once the model has run
    if not Path("/proc/self/smaps").exists():
        pytest.skip("no /proc/self/smaps here: nothing is released")
    first = onnx_encoder.OnnxEncoder(embedder.path, target)
    second = onnx_encoder.OnnxEncoder(embedder.path, target)
    for _ in range(3):  # each still encodes as the other releases
        assert first.encode(TEXTS[:2]).shape == second.encode(TEXTS[:2]).shape
    assert first._tables and second._tables
    assert not set(first._tables) & set(second._tables)


def test_threads_asking_for_the_query_encoder_at_once_share_one(embedder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from ingest import embedding

    embedding._load_query_encoder.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        encoders = list(pool.map(embedding._query_encoder, [embedder.path] * 8))
    assert len({id(e) for e in encoders}) == 1
