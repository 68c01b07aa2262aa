"""Benchmark: a cold `spendbot ask` (a new process, the index already built), N times.

Run `python bench/cold_ask.py [--runs 5]`; it prints every run and the median, the
figure issue 10 sets a target for (≤ 2.0 s). The process is the installed entry point of
the interpreter running this script, so it measures what a user runs, on the default
store (run `spendbot ingest` first). On a shared VM the spread is wide (steal time):
compare two versions with runs interleaved rather than one after the other.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "can we sign a 3 year hosting deal?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = [str(Path(sys.executable).with_name("spendbot")), "ask", QUESTION]
    subprocess.run(command, capture_output=True, check=True)  # warms the page cache
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        seconds.append(time.perf_counter() - started)
    print("runs: " + " ".join(f"{s:.2f}" for s in seconds))
    print(f"cold `spendbot ask`, median of {args.runs}: {statistics.median(seconds):.2f} s "
          f"(min {min(seconds):.2f}, max {max(seconds):.2f})")


if __name__ == "__main__":
    main()
