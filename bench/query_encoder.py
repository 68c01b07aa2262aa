"""Benchmark: the ONNX Runtime query encoder against the NumPy one, on what an answer costs.

For each encoder (`SPENDBOT_QUERY_ENCODER=onnx|numpy`; see ENCODERS), every figure from fresh
processes running this work tree's code, with the index already built:
- cold `spendbot --store S ask "What are the red lines?"`: wall seconds and peak RSS, N runs
  (encoders interleaved, so load from other work on the machine hits both alike);
- warm embedding of one question: p50/p95 over 200 distinct questions, after one warm-up,
  plus the encoder's load time, in a child that loads only the encoder;
- warm whole answer (`Answerer.ask`): p50/p95 over the same 200 questions after a first pass
  over the golden set, and the peak RSS of that answering process.
Warm figures are repeated in R children per encoder; the median of each figure is printed.
Prints figures; asserts nothing.
Run: `python bench/query_encoder.py [--store S] [--runs 5] [--repeats 3]` (without --store,
the bundled corpus is ingested into a temporary store first, about a minute).
`--store default` asks through the README's path (`spendbot ask` with no --store: the default
store of this work tree's knowledge folder; run `spendbot ingest` first). `--cold-only` prints
only the cold figures, with the load average and user+system CPU seconds of each run:
`python bench/query_encoder.py --store default --cold-only --encoders onnx` is the issue's
"cold `spendbot ask` median of 5".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("spendbot")
# numpy = the encoder before this change, as an answering process runs it (OpenBLAS picks
# its own thread count); numpy-1t pins OpenBLAS to one thread, to show what NumPy can do.
ENCODERS = {"onnx": {"SPENDBOT_QUERY_ENCODER": "onnx"},
            "numpy": {"SPENDBOT_QUERY_ENCODER": "numpy"},
            "numpy-1t": {"SPENDBOT_QUERY_ENCODER": "numpy", "OPENBLAS_NUM_THREADS": "1"}}
QUESTION = "What are the red lines?"

# Runs in a child: prints one JSON line of figures for the encoder named in the environment.
CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from bot.evaluate import load_cases

def pct(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

golden = [c.question for c in load_cases(Path(sys.argv[1]) / "knowledge/eval/golden.yaml")]
prefixes = ("", "Quick question: ", "Could you tell me, ")
questions = [p + q for p in prefixes for q in golden][:200]
out = {}
if sys.argv[2] == "embed":
    from ingest.embedding import model_path
    from ingest.onnx_encoder import load_query_encoder
    started = time.perf_counter()
    encoder = load_query_encoder(model_path())
    encoder.encode(["warm up"])
    out["load_s"] = time.perf_counter() - started
    out["kind"] = encoder.kind
    times = []
    for q in questions:
        started = time.perf_counter()
        encoder.encode([q])
        times.append((time.perf_counter() - started) * 1000)
else:
    from bot import core
    from bot.config import Settings
    from ingest.embedding import _query_encoder, model_path
    store = None if sys.argv[3] == "default" else sys.argv[3]
    answerer = core.build_answerer(Settings.load(store=store))
    for q in golden:  # first pass loads the collection and word index; not timed
        answerer.ask(q)
    out["kind"] = _query_encoder(model_path()).kind  # the instance the answers used
    times = []
    for q in questions:
        started = time.perf_counter()
        answerer.ask(q)
        times.append((time.perf_counter() - started) * 1000)
    out["torch"] = "torch" in sys.modules
out.update(n=len(times), p50_ms=pct(times, 0.5), p95_ms=pct(times, 0.95),
           rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""


def env_for(encoder: str) -> dict[str, str]:
    return {**os.environ, **ENCODERS[encoder],
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                         os.environ.get("PYTHONPATH")]))}


def store_args(store: str) -> list[str]:
    """`--store S`, or nothing for "default": the store `spendbot ask` finds by itself."""
    return [] if store == "default" else ["--store", store]


def cold_ask(store: str, encoder: str) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and user+system CPU seconds of one fresh `spendbot ask`."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", str(SCRIPT), *store_args(store),
                           "ask", QUESTION], capture_output=True, text=True, check=True,
                          env=env_for(encoder))
    seconds = time.perf_counter() - started
    rss, user, system = done.stderr.strip().splitlines()[-1].split()
    return seconds, int(rss) / 1024, float(user) + float(system)


def child(kind: str, store: str, encoder: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(REPO), kind, store],
                          capture_output=True, text=True, check=True, env=env_for(encoder))
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_store(target: Path) -> None:
    sys.path.insert(0, str(REPO))
    from bot import core
    from bot.config import Settings

    core.ingest(Settings(REPO / "knowledge", target))  # also exports the ONNX encoder


def cold_only(store: str, encoders: list[str], runs: int) -> None:
    """Cold asks only: each run's wall, CPU and load average, then the median per encoder."""
    subprocess.run([str(SCRIPT), *store_args(store), "ask", QUESTION], capture_output=True,
                   env=env_for(encoders[0]), check=True)  # page cache warm for all alike
    cold: dict[str, list[tuple[float, float, float]]] = {e: [] for e in encoders}
    for n in range(runs):
        for encoder in encoders:
            load = os.getloadavg()[0]
            cold[encoder].append(cold_ask(store, encoder))
            seconds, rss, cpu = cold[encoder][-1]
            print(f"run {n + 1} [{encoder}]: {seconds:.2f} s wall, {cpu:.2f} s CPU, "
                  f"{rss:.0f} MB; load average {load:.2f}")
    for encoder in encoders:
        seconds = [s for s, _, _ in cold[encoder]]
        cpu = [c for _, _, c in cold[encoder]]
        command = " ".join([SCRIPT.name, *store_args(store), "ask"])  # as run: SCRIPT
        print(f"[{encoder}] cold `{command}` x{runs}: median "
              f"{statistics.median(seconds):.2f} s wall (min {min(seconds):.2f}, max "
              f"{max(seconds):.2f}), median {statistics.median(cpu):.2f} s CPU; load average "
              f"now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", help="a store already holding the bundled corpus")
    parser.add_argument("--runs", type=int, default=5, help="cold asks per encoder")
    parser.add_argument("--repeats", type=int, default=3, help="warm children per encoder")
    parser.add_argument("--cold-only", action="store_true", help="only the cold asks")
    parser.add_argument("--encoders", nargs="+", choices=list(ENCODERS), default=list(ENCODERS))
    args = parser.parse_args()
    if args.cold_only:
        cold_only(args.store or "default", args.encoders, args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if not store:
            store = str(Path(tmp) / "store")
            build_store(Path(store))
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        cold: dict[str, list[tuple[float, float, float]]] = {e: [] for e in ENCODERS}
        subprocess.run([str(SCRIPT), *store_args(store), "ask", QUESTION], capture_output=True,
                       env=env_for("onnx"), check=True)  # page cache warm for both alike
        for _ in range(args.runs):
            for encoder in ENCODERS:
                cold[encoder].append(cold_ask(store, encoder))
        warm: dict[str, dict[str, list[dict]]] = {e: {"embed": [], "answer": []}
                                                  for e in ENCODERS}
        for _ in range(args.repeats):
            for encoder in ENCODERS:
                for kind in ("embed", "answer"):
                    warm[encoder][kind].append(child(kind, store, encoder))
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        for encoder in ENCODERS:
            seconds = [s for s, _, _ in cold[encoder]]
            rss = [m for _, m, _ in cold[encoder]]
            embed, answer = warm[encoder]["embed"], warm[encoder]["answer"]

            def med(rows: list[dict], key: str) -> float:
                return statistics.median(row[key] for row in rows)

            print(f"[{encoder}] (loaded: {embed[0]['kind']}/{answer[0]['kind']}, "
                  f"torch in answering process: {any(r['torch'] for r in answer)})")
            print(f"  cold `spendbot ask` x{len(seconds)}: median {statistics.median(seconds):.2f}"
                  f" s (min {min(seconds):.2f}, max {max(seconds):.2f}); peak RSS median "
                  f"{statistics.median(rss):.0f} MB")
            print(f"  encoder load + first query: median {med(embed, 'load_s'):.2f} s")
            each = ", ".join(f"{row['p95_ms']:.1f}" for row in embed)
            print(f"  warm embed, {embed[0]['n']} questions, median of {len(embed)} runs: "
                  f"p50 {med(embed, 'p50_ms'):.1f} ms, p95 {med(embed, 'p95_ms'):.1f} ms "
                  f"(each run's p95: {each})")
            print(f"  warm answer, {answer[0]['n']} questions, median of {len(answer)} runs: "
                  f"p50 {med(answer, 'p50_ms'):.1f} ms, p95 {med(answer, 'p95_ms'):.1f} ms; "
                  f"answering process peak RSS {med(answer, 'rss_mb'):.0f} MB")


if __name__ == "__main__":
    main()
