"""all-MiniLM-L6-v2 in ONNX Runtime for questions: exported once from the bundled weights.

An answering process must not import torch (6-9 s, ~500 MB). This module exports the packaged
model once to ONNX, with mean pooling and L2 normalisation inside the graph, exactly as
sentence-transformers computes them, and answers with onnxruntime (already a dependency of
chromadb) plus the fast tokenizer from the model folder.

Where the file lives: the user's cache dir (`platformdirs`), or `SPENDBOT_MODEL_CACHE`, named
by a key over the model folder's resolved path, the size and mtime of its weights, tokenizer
and config, and `EXPORT_VERSION`; a reinstalled or changed model gets a new file. Stat, not a
content hash, keeps the key free on a cold start; the weights' SHA-256 is written beside the
export for provenance.

When it is made: at ingest (sentence-transformers and torch are loaded there anyway, see
`ingest.embedding`), or on first use by an answering process, in a child process so that the
answering process itself never imports torch. Nothing is downloaded: the export reads only the
model folder, with the hub switched off. If the file is missing and torch is not importable,
or the export or ONNX Runtime fails, questions go through the NumPy encoder
(`ingest.light_encoder`) and a warning says so. `SPENDBOT_QUERY_ENCODER=numpy` forces NumPy.

Agreement with sentence-transformers: cosine > 0.9999 (tests/test_light_encoder.py; the
export itself refuses a graph below that against torch on a few texts).

Measured with bench/query_encoder.py (2 shared cores, load average 1.3 rising to 4.0 from
other work; index of the bundled corpus built; medians of 5 cold runs and of 3 warm runs of
200 distinct questions each; "NumPy" is the encoder before this one, as an answering process
runs it, "NumPy 1t" the same with OpenBLAS pinned to one thread):

    figure                                   ONNX     NumPy    NumPy 1t
    cold `spendbot ask` wall, median         2.10 s   2.04 s   1.96 s   (min 1.85/2.00/1.83)
    cold `spendbot ask` peak RSS             234 MB   318 MB   318 MB
    encoder load + first question            0.22 s   0.30 s   0.16 s
    warm embed p50 / p95                     5.6/9.2  34/241   14.5/20.8 ms
    warm whole answer p50 / p95              33/57    76/342   40/61 ms
    answering process peak RSS (200 asks)    265 MB   318 MB   318 MB

A second run at load average 6.2 falling to 2.8 (same order of columns): cold ask 2.71 /
2.77 / 2.70 s, cold RSS 229 / 318 / 318 MB, warm embed p95 11.3 / 708 / 19.7 ms, warm answer
p95 41.9 / 484 / 55.4 ms.

So ONNX keeps cold start (the encoder is ~0.2 s of it either way: the rest is imports and
opening the index), embeds 2-25x faster, and saves ~85 MB. The NumPy encoder loses most to
OpenBLAS threads fighting over two busy cores; pinned to one thread it is close, but ONNX
is still faster and lighter, and needs no thread setting made before numpy is imported.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # bump when the exported graph changes
OPSET = 17
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
# One intra-op thread: on the two-core machines this runs on, a second thread was slower for
# a one-question batch (p50 9 ms vs 21 ms with other work on the box). Override to measure.
THREADS_ENV = "SPENDBOT_ONNX_THREADS"
CACHE_ENV = "SPENDBOT_MODEL_CACHE"
CHOICE_ENV = "SPENDBOT_QUERY_ENCODER"  # "numpy" forces the NumPy encoder
FINGERPRINTED = ("model.safetensors", "config.json", "tokenizer.json")
MADV_DONTNEED = 4  # madvise's advice number on Linux
TABLE_BYTES = 1 << 20  # a mapped weight this large is a lookup table (the word embeddings)
SAMPLES = ["What are the red lines?", "Who approves spend over the threshold for digital "
           "and technology projects in central government departments?", "SCS 2", "🙂"]


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    import platformdirs

    return platformdirs.user_cache_path("spendbot") / "onnx"


def model_key(model_dir: str | Path) -> str:
    """Key of one model folder's export: its path, its files' sizes and mtimes, the exporter."""
    model_dir = Path(model_dir).resolve()
    digest = hashlib.sha256(f"{model_dir}\n{EXPORT_VERSION}\n{OPSET}\n".encode())
    for name in FINGERPRINTED:
        stat = (model_dir / name).stat()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def onnx_path(model_dir: str | Path) -> Path:
    return cache_dir() / f"all-MiniLM-L6-v2-{model_key(model_dir)}.onnx"


def _tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
    return tokenizer


def _inputs(tokenizer, texts: list[str]) -> dict[str, np.ndarray]:
    encodings = tokenizer.encode_batch(texts)
    return {"input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64)}


class OnnxEncoder:
    """Encode texts to unit vectors with the exported model in ONNX Runtime (CPU)."""

    kind = "onnx"

    def __init__(self, model_dir: str | Path, onnx_file: str | Path,
                 threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or int(os.environ.get(THREADS_ENV) or 1)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only
        self.tokenizer = _tokenizer(Path(model_dir))
        data_file = Path(f"{onnx_file}.data")
        # The tables to release are this session's own mappings of the weights file: those
        # there after its first run that were not there before it was made. Another
        # session's (a test's, a second thread's) may hold pages it wrote, which releasing
        # would throw away (`free(): invalid pointer`). The lock keeps two sessions from
        # being made, or first run, at once.
        with _MAPPING_LOCK:
            before = set(mapped_tables(data_file))
            self.session = ort.InferenceSession(str(onnx_file), options,
                                                providers=["CPUExecutionProvider"])
            self.session.run(None, _inputs(self.tokenizer, ["warm up"]))
            self._tables = [t for t in mapped_tables(data_file) if t not in before]
        self.dimension = self.session.get_outputs()[0].shape[-1]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.session.run(None, _inputs(self.tokenizer, list(texts)))[0]
        release_mapped_pages(self._tables)
        return vectors


_MAPPING_LOCK = threading.Lock()


def mapped_tables(data_file: Path) -> list[tuple[int, int]]:
    """(address, length) of each mapping of `data_file` of TABLE_BYTES or more that holds
    the file's pages only.

    ONNX Runtime maps the external weights file tensor by tensor and copies the weights of
    its matrix products out (prepacked), so the one large mapping it keeps reading is the
    word-embedding table (30,522 rows of 1.5 KB, 46.9 MB), of which a question reads a row
    per token. But the kernel maps 64 KB of the file around every page a question faults
    in, so the table became resident 64 KB per token and stayed: 36.8 MB of it after the
    81 golden questions, an eighth of the answering process's peak at the bundled corpus.
    The mapping is private and writable, so one that holds a page of its own (a written
    copy, `Anonymous` in smaps) is left alone: MADV_DONTNEED would throw that page away.
    Empty off Linux (no /proc/self/smaps), where nothing is released.
    """
    try:
        name = str(data_file.resolve())
        lines = Path("/proc/self/smaps").read_text().splitlines()
    except OSError:
        return []
    found, current = [], None
    for line in lines:
        fields = line.split(maxsplit=5)
        if fields and fields[0].endswith(":"):
            if fields[0] == "Anonymous:" and current and fields[1] != "0":
                current = None  # a page of its own: not only the file's
            elif fields[0] == "VmFlags:" and current:
                found.append(current)
                current = None
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        current = (start, end - start) if (len(fields) == 6 and fields[5] == name
                                           and end - start >= TABLE_BYTES) else None
    return found


def release_mapped_pages(tables: list[tuple[int, int]]) -> None:
    """Unmap the pages that reading each (start, length) range of a file mapping faulted in
    (a mapping holding none of its own, only the file's): the lookup tables after a run,
    bot.retrieval's mapped vectors after a search.

    The file's pages stay in the page cache: the next question's rows fault back in from
    there (minor faults, about a microsecond each), and another thread reading the table
    meanwhile sees the same bytes. Measured with `bench/scale.py --memory` (three
    processes each, load average about 5 from two ingests): peak RSS at the bundled corpus
    298-300 MB without, 259-262 MB with; at 10x 319-321 MB without, 284 MB with. Embedding
    times (561 questions, p50/p95) moved less than the noise at that load.
    """
    if not tables:
        return
    libc = _libc()
    for start, length in tables:
        libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(length), MADV_DONTNEED)


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def export(model_dir: str | Path, target: str | Path | None = None) -> Path:
    """Export the model folder to ONNX at `target` (default `onnx_path`); needs torch and onnx.

    Written to a temporary file beside the target, checked against the torch model on a few
    texts, then renamed into place, so a reader never sees half a file and two exporters
    racing each leave a whole one.
    """
    from ingest.embedding import offline_environment

    offline_environment()
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    model_dir = Path(model_dir)
    target = Path(target) if target else onnx_path(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Eager attention traces to plain ops whose shapes follow the inputs.
    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True,
                                     attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        """BERT, mean pooling over real tokens, L2 normalisation: as sentence-transformers."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    module = Pooled().eval()
    tokenizer = _tokenizer(model_dir)
    sample = _inputs(tokenizer, SAMPLES)
    tensors = {name: torch.from_numpy(array) for name, array in sample.items()}
    data_name = target.name + ".data"
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as scratch_dir:
        scratch = Path(scratch_dir) / target.name
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (tensors["input_ids"], tensors["attention_mask"]),
                              str(scratch), dynamo=False, opset_version=OPSET,
                              input_names=["input_ids", "attention_mask"],
                              output_names=["embedding"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"},
                                            "embedding": {0: "batch"}})
            expected = module(**tensors).numpy()
        # Weights in a file of their own: ONNX Runtime maps it instead of copying it out of
        # the protobuf, so a session loads faster and holds less memory (measured: 0.08 s
        # and 105 MB peak RSS against 0.19 s and 187 MB for one inline file).
        import onnx

        onnx.save_model(onnx.load(str(scratch)), str(scratch), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=data_name, size_threshold=1024)
        got = OnnxEncoder(model_dir, scratch).encode(SAMPLES)
        worst = float((got * expected).sum(axis=1).min())
        if worst < 0.9999:
            raise RuntimeError(f"ONNX export disagrees with torch: cosine {worst:.6f}")
        weights = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
        target.with_suffix(".json").write_text(json.dumps({
            "model_dir": str(model_dir.resolve()), "weights_sha256": weights,
            "export_version": EXPORT_VERSION, "opset": OPSET, "torch": torch.__version__,
            "min_cosine_vs_torch": worst}, indent=2) + "\n")
        # Data first, graph last: a reader that finds the graph finds whole weights; a
        # rename never changes a file that another process has mapped.
        for name in (data_name, target.name):
            os.chmod(Path(scratch_dir) / name, 0o644)
            os.replace(Path(scratch_dir) / name, target.parent / name)
    log.info("exported the query encoder to %s", target)
    _remove_stale(model_dir, target)
    return target


def _remove_stale(model_dir: Path, current: Path) -> None:
    """Delete older exports of the same model folder (another key: changed files or exporter).

    Exports of other model folders (another environment sharing the cache) are kept. A process
    still using a deleted file keeps it open until it exits.
    """
    for record in current.parent.glob("*.json"):
        if record == current.with_suffix(".json"):
            continue
        try:
            if json.loads(record.read_text())["model_dir"] != str(model_dir.resolve()):
                continue
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for stale in (record.with_suffix(".onnx"), record.with_suffix(".onnx.data"), record):
            stale.unlink(missing_ok=True)


def ensure_exported(model_dir: str | Path) -> Path:
    """The ONNX file for this model folder, exported in this process if missing (ingest)."""
    target = onnx_path(model_dir)
    return target if target.exists() else export(model_dir, target)


def _torch_importable() -> bool:
    return importlib.util.find_spec("torch") is not None


def _export_in_child(model_dir: Path, target: Path) -> None:
    """Export in a separate interpreter, so this (answering) process never imports torch."""
    root = str(Path(__file__).resolve().parents[1])
    code = ("import sys; sys.path.insert(0, sys.argv[1]);"
            "from ingest.onnx_encoder import export; export(sys.argv[2], sys.argv[3])")
    subprocess.run([sys.executable, "-c", code, root, str(model_dir), str(target)],
                   check=True, capture_output=True, text=True, timeout=600)


def load_query_encoder(model_dir: str | Path):
    """The ONNX encoder if it can be had without torch in this process; else the NumPy one."""
    def numpy_encoder():
        from ingest.light_encoder import LightEncoder

        return LightEncoder(model_dir)

    model_dir = Path(model_dir)
    if os.environ.get(CHOICE_ENV, "").lower() == "numpy":
        return numpy_encoder()
    try:
        target = onnx_path(model_dir)
        if not target.exists():
            if not _torch_importable():
                log.warning("query encoder: no ONNX export at %s and torch is not importable "
                            "to make one; using the NumPy encoder", target)
                return numpy_encoder()
            log.warning("query encoder: exporting the model to %s once (a child process)",
                        target)
            _export_in_child(model_dir, target)
        return OnnxEncoder(model_dir, target)
    except Exception as error:  # a failed export or runtime must not stop answers
        detail = getattr(error, "stderr", "") or ""
        log.warning("query encoder: ONNX unavailable (%s%s); using the NumPy encoder",
                    error, f": {detail.strip().splitlines()[-1]}" if detail.strip() else "")
        return numpy_encoder()


if __name__ == "__main__":
    from ingest.embedding import model_path

    print(ensure_exported(sys.argv[1] if len(sys.argv) > 1 else model_path()))
