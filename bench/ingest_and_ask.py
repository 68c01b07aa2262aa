"""Benchmark: ingest from empty against the raw encoding floor, re-ingest, cold and warm answers.

Prints figures; asserts nothing. Run: `.venv/bin/python bench/ingest_and_ask.py`.
Every timing uses a fresh temporary store and the bundled knowledge folder.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import load_cases  # noqa: E402
from ingest.chunking import sentence_records  # noqa: E402
from ingest.embedding import MiniLMEmbeddings  # noqa: E402
from ingest.pipeline import IngestReport, load_chunks  # noqa: E402

SCRIPT = Path(sys.executable).with_name("spendbot")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(*args: str, stdin: str = "") -> tuple[float, int, str]:
    """Wall seconds, peak RSS of the child (MB) and stdout of one `spendbot` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(SCRIPT), *args], input=stdin, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024, done.stdout


def main() -> None:
    knowledge = REPO / "knowledge"
    embedder = MiniLMEmbeddings()
    embedder.embed_query("warm up")  # load both encoders outside every timing below
    embedder.embed_documents(["warm up"])

    chunks, _ = load_chunks(knowledge, IngestReport())
    # Everything the index needs: every chunk and every sentence record.
    texts = [chunk.embed_text for chunk in chunks]
    texts += list(dict.fromkeys(s.embed_text for chunk in chunks
                                for s in sentence_records(chunk)))
    started = time.perf_counter()
    embedder.embed_documents(texts)
    floor = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(knowledge, Path(tmp) / "store")
        started = time.perf_counter()
        report = core.ingest(settings, embedder=embedder, gate=False)
        pipeline = time.perf_counter() - started
        started = time.perf_counter()
        core.ingest(settings, embedder=embedder)
        unchanged = time.perf_counter() - started
        print(f"ingest from empty, model loaded: {pipeline:.2f} s for {report.chunks} chunks "
              f"({report.chunks / pipeline:.0f} chunks/s)")
        print(f"encoding floor (model.encode of the same {len(texts)} texts, chunks and "
              f"sentences): {floor:.2f} s; ratio {pipeline / floor:.2f} (without the gate)")
        print(f"re-ingest with nothing changed, in process: {unchanged:.2f} s")

        answerer = core.build_answerer(settings, embedder=embedder)
        questions = [case.question for case in load_cases(REPO / "knowledge" / "eval" /
                                                          "golden.yaml")]
        for question in questions:  # first pass builds the word index; not timed
            answerer.ask(question)
        warm = []
        for _ in range(3):
            for question in questions:
                started = time.perf_counter()
                answerer.ask(question)
                warm.append((time.perf_counter() - started) * 1000)
        print(f"warm answer over {len(questions)} questions x3: median "
              f"{statistics.median(warm):.1f} ms, p95 {percentile(warm, 0.95):.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store")
        seconds, _, _ = run("--store", store, "ingest")
        print(f"`spendbot ingest` from empty, new process: {seconds:.1f} s")
        seconds, _, _ = run("--store", store, "ingest")
        print(f"`spendbot ingest` with nothing changed, new process: {seconds:.1f} s")
        cold = []
        for _ in range(3):
            seconds, peak, _ = run("--store", store, "ask", "What are the red lines?")
            cold.append(seconds)
        print(f"`spendbot ask` cold (new process, index present) x3: median "
              f"{statistics.median(cold):.1f} s, max {max(cold):.1f} s")
        batch = "\n".join(questions)
        seconds, _, _ = run("--store", store, "ask", "--format", "json", "-", stdin=batch)
        timed = subprocess.run(["/usr/bin/time", "-f", "%M", str(SCRIPT), "--store", store, "ask",
                                "--format", "json", "-"], input=batch, capture_output=True,
                               text=True, check=True)
        peak = int(timed.stderr.strip().splitlines()[-1]) // 1024
        print(f"`spendbot ask -` with {len(questions)} questions: {seconds:.1f} s in all; "
              f"peak memory of that process {peak} MB")


if __name__ == "__main__":
    main()
