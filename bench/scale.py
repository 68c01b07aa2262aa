"""Benchmark: answer latency, index size and memory as the corpus grows 10x and 100x.

Synthetic documents: each copy of each real document keeps its headings, but the sentences
inside every section are shuffled (seeded) and the title gets a copy number. So the
vocabulary and the competition for retrieval are realistic, every chunk text is new (so
every chunk is really embedded), and the real documents stay in the corpus to be found.
R@3 counts a synthetic copy of the expected document as a hit (it holds the same
sentences). Prints figures; asserts nothing.

Memory is the answering process's own: a fresh `spendbot ask -` answers every golden
question and reports, as it exits, its peak resident set (VmHWM) and its proportional set
(PSS: shared library pages divided among the processes sharing them). `lexical MB` is what
building the word index allocates (tracemalloc), the part of that which grows with the corpus.
Run: `python bench/scale.py [--keep DIR] [1 10 100]` (100x took 52 minutes on two busy
cores, most of it embedding sentences). `--keep DIR` leaves each corpus and its store in
DIR/<factor>x, so `python bench/scale.py --memory DIR/100x/store` can measure again later.
A smaller multiple shows the trend in minutes: `python bench/scale.py --keep DIR 10 30` (10x:
99 s of ingest, 30x: 24 minutes at load 4-6). Peak RSS with `--memory` (three processes
each, load average 4.7-6.2), before and after the warm-path work of issue 10 (sentence
words kept with the snapshot, side searches on two threads): 1x 272-274 / 273-275 MB, 10x
289-292 / 294-296 MB, 30x 322-328 / 330-332 MB; the 100x store was not rebuilt for it
(435 MB before), so expect a few MB more there, not less.

Rebuilt for the memory work (mem6; stores built with `--keep`, three `--memory` processes
each, load average 1-8 from other work; peak RSS in MB):

    code (each row adds to the one above)         1x        10x       30x       100x
    before                                        298-300   319-321   -         437-440
    query encoder unmaps its word-embedding
      table after each run (ingest/onnx_encoder)  259-262   284       -         -
    ChunkMeta slots, interned strings             -         -         316-322   -
    chunk vectors mapped from a scratch file
      (bot/retrieval.py, VectorFile)              259-262   -         311-314   -
    chunks read 100 at a time, not 1,000          -         -         -         401-402
    chromadb without its OTLP gRPC exporter
      (ingest/store.py)                           247-249   264-267   292-298   388-392

Dashes were not measured. Reading 100 chunks at a time was measured on its own at 30x
before the vector file: 311-319 against 313-321 (250) and 316-322 (1,000), within the
noise, but the loaded process's peak before any question went from 281 to 262 MB. The 1x
"before" (298-300) is higher than the 273-275 above, measured a few answer-tuning commits
earlier: not explained; perhaps more of the encoder's weights file was in the page cache
this time (just exported), and the kernel maps what is cached around each fault
(ingest/onnx_encoder.mapped_tables). Where the 100x process's memory went before the last row
(stages of one process, /proc/self/status): imports, store client and encoder 212 MB; the chunk
collection read and indexed 279 (Chroma's HNSW of the chunks about 28 MB of that); the
first question 373, of which Chroma loading the sentence collection's HNSW (37,914 vectors)
80 MB; the rest of the golden questions 389. What remains is mostly Chroma's own: its two
HNSW indexes hold each vector (1.5 KB) plus links and id maps, 2.1-2.6 KB a record.
Tried and not kept: ONNX Runtime without its CPU memory arena or memory pattern, or with
graph optimisations off (no change: 187-188 MB in each); MADV_RANDOM on the encoder's
weights (the kernel still maps 64 KB around each fault); reading the needed chunk vectors
back from Chroma by id instead of holding them (12 ms for 40 at 10x, too slow for every
search); the English word list as one sorted list and an array of counts (8.2 MB kept,
13.4 at most while read, against 10.4 and 15.7 as a dict: within the process's noise).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import core  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import load_cases, metrics, run_cases  # noqa: E402
from bot.lexical import LexicalIndex, searchable  # noqa: E402
from ingest.embedding import MiniLMEmbeddings  # noqa: E402
from ingest.loaders import load_document  # noqa: E402
from ingest.manifest import load_manifest  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

# Runs `spendbot` in this interpreter and, as it exits, reports its own memory on stderr.
MEASURED = """
import atexit, sys
def report():
    fields = {}
    for name in ("/proc/self/status", "/proc/self/smaps_rollup"):
        for line in open(name):
            key, _, value = line.partition(":")
            fields[key] = value.split()[0] if value.split() else ""
    sys.stderr.write(f"MEMORY {fields['VmHWM']} {fields['Pss']}\\n")
atexit.register(report)
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


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


def answering_memory(store: Path, questions: list[str]) -> tuple[float, float]:
    """(peak RSS MB, PSS MB at exit) of one `spendbot ask -` process answering every question."""
    done = subprocess.run([sys.executable, "-c", MEASURED, "--store", str(store), "ask",
                           "--format", "json", "-"], input="\n".join(questions),
                          capture_output=True, text=True, check=True, cwd=REPO)
    line = [x for x in done.stderr.splitlines() if x.startswith("MEMORY ")][-1]
    peak_kb, pss_kb = line.split()[1:]
    return int(peak_kb) / 1024, int(pss_kb) / 1024


def lexical_memory(answerer) -> float:
    """MB that building the word index over the loaded collection allocates and keeps."""
    loaded = answerer.retriever.snapshot()
    glossary = json.loads(loaded.info.get("glossary") or "{}")
    texts = [searchable(t, m) for t, m in zip(loaded.texts, loaded.metas, strict=True)]
    ids = list(loaded.ids)
    tracemalloc.start()
    index = LexicalIndex(ids, texts, glossary)
    kept = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del index
    return kept / 1e6


def memory_only(store: Path) -> None:
    questions = [c.question for c in load_cases(REPO / "knowledge" / "eval" / "golden.yaml")]
    for _ in range(3):
        peak, pss = answering_memory(store, questions)
        print(f"peak RSS {peak:.0f} MB, PSS at exit {pss:.0f} MB", flush=True)


def main(factors: list[int], keep: Path | None) -> None:
    embedder = MiniLMEmbeddings()
    embedder.embed_query("warm up")
    embedder.embed_documents(["warm up"])  # load both encoders before any timing
    cases = load_cases(REPO / "knowledge" / "eval" / "golden.yaml")
    print(f"{'corpus':>7} {'docs':>5} {'chunks':>7} {'ingest s':>9} {'chunks/s':>9} "
          f"{'index MB':>9} {'median ms':>10} {'p95 ms':>7} {'R@3':>5} {'lexical MB':>11} "
          f"{'peak MB':>8} {'PSS MB':>7}")
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            where = Path(tmp) if keep is None else keep / f"{factor}x"
            if keep is not None and where.exists():
                shutil.rmtree(where)
            knowledge, store = where / "knowledge", where / "store"
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
            lexical = lexical_memory(answerer)
            peak, pss = answering_memory(store, [c.question for c in cases])
            print(f"{factor:>6}x {report.documents:>5} {report.chunks:>7} {ingest_seconds:>9.1f} "
                  f"{report.chunks / ingest_seconds:>9.0f} {size_mb(store):>9.1f} "
                  f"{scores['latency_median_ms']:>10.1f} {scores['latency_p95_ms']:>7.1f} "
                  f"{recall:>5.2f} {lexical:>11.1f} {peak:>8.0f} {pss:>7.0f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("factors", nargs="*", type=int, default=[1, 10, 100])
    parser.add_argument("--keep", type=Path, help="leave each corpus and store in DIR/<n>x")
    parser.add_argument("--memory", type=Path, metavar="STORE",
                        help="only measure the answering process over an existing store")
    args = parser.parse_args()
    if args.memory:
        memory_only(args.memory)
    else:
        main(args.factors, args.keep)
