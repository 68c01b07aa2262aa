"""Benchmark: answer latency, index size and memory as the corpus grows 10x and 100x.

Synthetic documents: each copy of each real document keeps its headings, but the sentences
inside every section are shuffled (seeded) and the title gets a copy number. So the
vocabulary and the competition for retrieval are realistic, every chunk text is new (so
every chunk is really embedded), and the real documents stay in the corpus to be found.
R@3 counts a synthetic copy of the expected document as a hit (it holds the same
sentences). Prints figures; asserts nothing.
Run: `python bench/scale.py [1 10 100]` (100x takes about 5 minutes).
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import load_cases, metrics, run_cases  # noqa: E402
from ingest.embedding import MiniLMEmbeddings  # noqa: E402
from ingest.loaders import load_document  # noqa: E402
from ingest.manifest import load_manifest  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

SCRIPT = Path(sys.executable).with_name("spendbot")


def synthetic_copy(doc, copy: int, rng: random.Random) -> str:
    lines = [f"# {doc.info.title} (synthetic copy {copy})", ""]
    section = None
    sentences: list[str] = []

    def flush() -> None:
        rng.shuffle(sentences)
        for n in range(0, len(sentences), 3):
            lines.extend([" ".join(sentences[n:n + 3]), ""])
        sentences.clear()

    for block in doc.blocks:
        if block.section != section:
            flush()
            section = block.section
            lines.extend([f"## {' '.join(section) or 'Introduction'}", ""])
        sentences.extend(split_sentences(block.text))
    flush()
    return "\n".join(lines)


def build_corpus(target: Path, factor: int) -> None:
    shutil.copytree(REPO / "knowledge", target)
    manifest = load_manifest(target)
    rng = random.Random(factor)
    for info in manifest.documents.values():
        doc = load_document(target / info.file, info)
        for copy in range(1, factor):
            (target / f"synthetic-{copy:03d}-{info.id}.md").write_text(
                synthetic_copy(doc, copy, rng), encoding="utf-8")


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def peak_answering_memory(store: Path, questions: list[str]) -> tuple[float, float]:
    """(seconds, peak MB) of one `spendbot ask -` process answering every question."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", str(SCRIPT), "--store", str(store),
                           "ask", "--format", "json", "-"], input="\n".join(questions),
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(done.stderr.strip().splitlines()[-1]) / 1024


def main(factors: list[int]) -> None:
    embedder = MiniLMEmbeddings()
    embedder.embed_query("warm up")
    embedder.embed_documents(["warm up"])  # load both encoders before any timing
    cases = load_cases(REPO / "knowledge" / "eval" / "golden.yaml")
    print(f"{'corpus':>7} {'docs':>5} {'chunks':>7} {'ingest s':>9} {'chunks/s':>9} "
          f"{'index MB':>9} {'median ms':>10} {'p95 ms':>7} {'R@3':>5} {'peak MB':>8}")
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            knowledge, store = Path(tmp) / "knowledge", Path(tmp) / "store"
            build_corpus(knowledge, factor)
            settings = Settings(knowledge, store)
            started = time.perf_counter()
            report = core.ingest(settings, embedder=embedder)
            ingest_seconds = time.perf_counter() - started
            answerer = core.build_answerer(settings, embedder=embedder)
            run_cases(answerer, cases[:5])  # load the collection and word index
            results = run_cases(answerer, cases)
            scores = metrics(results)
            # A synthetic copy of the expected document holds the same sentences: count it.
            for result in results:
                result.ranked_docs = [re.sub(r"^synthetic-\d+-", "", doc)
                                      for doc in result.ranked_docs]
            recall = metrics(results)["recall_at_3"]
            _, peak = peak_answering_memory(store, [c.question for c in cases])
            print(f"{factor:>6}x {report.documents:>5} {report.chunks:>7} {ingest_seconds:>9.1f} "
                  f"{report.chunks / ingest_seconds:>9.0f} {size_mb(store):>9.1f} "
                  f"{scores['latency_median_ms']:>10.1f} {scores['latency_p95_ms']:>7.1f} "
                  f"{recall:>5.2f} {peak:>8.0f}", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 10, 100])
