"""all-MiniLM-L6-v2 in NumPy: the same model's weights, run without importing torch.

Importing sentence-transformers (and so torch) takes 6-9 s and ~500 MB, which is most of a
cold `spendbot ask`. A question is one short sequence, so the six BERT layers are cheap in
NumPy: this encoder loads the packaged safetensors weights and tokenizer and reproduces the
model's mean-pooled, normalised embedding (cosine with the torch model > 0.9999, checked by
tests/test_light_encoder.py). Ingest still uses sentence-transformers for batch speed.

Now the fallback: questions go through `ingest.onnx_encoder` (ONNX Runtime), which measured
faster and lighter (figures in its docstring; bench/query_encoder.py), and come here only
when no ONNX export can be had without torch in the answering process. Measured here on two
busy cores: warm embed p50/p95 34/241 ms as OpenBLAS chooses its threads, 14.5/20.8 ms with
OPENBLAS_NUM_THREADS=1 set before numpy is imported; ONNX 5.6/9.2 ms.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7), for exact GELU."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                           + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class LightEncoder:
    """Encode texts to unit vectors with the packaged MiniLM weights, in NumPy."""

    kind = "numpy"

    def __init__(self, model_dir: str | Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        # Dense weights stored transposed and contiguous once, so each matmul reads them
        # in place instead of copying a strided view on every call.
        self.w = {name: np.ascontiguousarray(array.T) if array.ndim == 2
                  and ".layer." in name else array
                  for name, array in load_file(str(model_dir / "model.safetensors")).items()}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._encode_one(text) for text in texts]) if texts else np.zeros(
            (0, self.w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)

    def _encode_one(self, text: str) -> np.ndarray:
        w = self.w
        ids = np.asarray(self.tokenizer.encode(text).ids)
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][: len(ids)]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"],
                        self.eps)
        size = x.shape[1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return h @ w[f"{p}{name}.weight"] + w[f"{p}{name}.bias"]

            q, k, v = (dense(x, f"attention.self.{n}").reshape(-1, self.heads, size)
                       .transpose(1, 0, 2) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / float(np.sqrt(size))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(1, 0, 2).reshape(len(ids), -1)
            x = _layer_norm(x + dense(context, "attention.output.dense"),
                            w[f"{p}attention.output.LayerNorm.weight"],
                            w[f"{p}attention.output.LayerNorm.bias"], self.eps)
            hidden = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(x + dense(hidden, "output.dense"), w[f"{p}output.LayerNorm.weight"],
                            w[f"{p}output.LayerNorm.bias"], self.eps)
        pooled = x.mean(0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
