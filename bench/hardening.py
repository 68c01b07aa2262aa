"""Benchmark: what issue 13's attacks cost now. Prints figures; asserts nothing.

1. A 40,000-character message (Slack's limit) of each hostile shape: the privacy scan, the
   mention strip and the whole `Answerer.ask` up to "too long" (no index needed: it is
   declined before retrieval).
2. Each hostile file, read in a child process by review's and by ingest's reader: seconds,
   peak resident memory and the refusal.
3. With SPENDBOT_STORE naming a store that holds the bundled corpus: the Procfile's gunicorn
   command, four 40,000-character mentions at once, then the seconds to ack a normal one.

Run: `PYTHONPATH=$PWD nice .venv/bin/python bench/hardening.py`.
"""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import hostile  # noqa: E402
from fakeslack import SECRET, FakeSlack, event, mention, post  # noqa: E402

from bot.answer import Answerer  # noqa: E402
from bot.privacy import redact  # noqa: E402
from bot.slack.app import question_text  # noqa: E402

SHAPES = {"one word": "a" * 40_000, "dotted word": "a." * 20_000, "digits": "1" * 40_000,
          "at signs": "x@" * 20_000, "mentions": "<@U0|" * 8_000, "addresses": "10 Aa " * 6_667}
FILES = {
    "spaces.docx (2 GB of spaces)": hostile.docx_of_spaces,
    "paragraphs.docx (400 MB of paragraphs)": hostile.docx_of_paragraphs,
    "understated.docx (1 GB, headers say 1 KB)": hostile.docx_that_understates,
    "laughs.docx (billion laughs)": hostile.docx_billion_laughs,
    "shared-stream.pdf (20 pages x one 70 MB stream)": hostile.pdf_sharing_one_stream,
    "slow.pdf (60 pages x one 0.9 MB stream)":
        lambda path: hostile.pdf_sharing_one_stream(path, pages=60, megabytes=0.9),
    "comments.pdf (40 pages x one 1 MB stream of comments)":
        lambda path: hostile.pdf_sharing_one_stream(path, pages=40, megabytes=0.99,
                                                    line=hostile.COMMENT_LINE),
}


def milliseconds(work, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def message_costs() -> None:
    print("40,000-character messages, median of 20 (ms): privacy scan / mention strip / "
          "whole ask to 'too long'")
    answerer = Answerer(retriever=None)  # declined before the index is touched
    for shape, text in SHAPES.items():
        message = f"<@U0BOTSPEND> {text}"
        scan = milliseconds(lambda t=text: redact(t))
        strip = milliseconds(lambda m=message: question_text(m))
        ask = milliseconds(lambda m=message: answerer.ask(question_text(m)))
        print(f"  {shape:12} {scan:7.2f} {strip:7.2f} {ask:7.2f}")


def file_costs() -> None:
    print("\nhostile files (child process each): reader, seconds, peak MB, outcome")
    with tempfile.TemporaryDirectory() as folder:
        for label, make in FILES.items():
            path = make(Path(folder) / label.split()[0])
            print(f"  {label}: {path.stat().st_size / 1024:,.0f} KB on disk")
            readers = ("review", "ingest") if path.suffix == ".pdf" else ("review",)
            for reader in readers:
                f = hostile.measure(reader, path)
                print(f"    {reader:6} {f['seconds']:5.2f} s {f['peak_mb']:6.0f} MB  "
                      f"{f['outcome'][:110]}")


def ack_after_long_mentions(store: str) -> None:
    from bot.slack.web import GUNICORN

    fake = FakeSlack()
    port = 19500 + os.getpid() % 400
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.url, "SPENDBOT_STORE": store,
               "SPENDBOT_STATE": str(Path(folder) / "state.sqlite3")}
        process = subprocess.Popen([sys.executable, "-m", "gunicorn",
                                    *shlex.split(GUNICORN.format(port=port))], env=env,
                                   cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("gunicorn did not start") from None
                    time.sleep(0.5)
            url = f"http://127.0.0.1:{port}/slack/events"
            acks = []
            for round_ in range(5):
                huge = [event(mention("x" * 40_000, ts=f"1700000100.{round_}{n}"))
                        for n in range(4)]
                with ThreadPoolExecutor(max_workers=4) as pool:
                    sent = [pool.submit(post, url, body, "application/json") for body in huge]
                    time.sleep(0.05)
                    _, _, seconds = post(url, event(mention("What are the red lines?",
                                                            ts=f"1700000101.{round_}")),
                                         "application/json")
                    [f.result() for f in sent]
                acks.append(seconds * 1000)
                time.sleep(1)
            print(f"\nack of a normal mention sent 50 ms after four 40,000-character ones "
                  f"(gunicorn, 5 rounds): median {statistics.median(acks):.0f} ms, "
                  f"worst {max(acks):.0f} ms")
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
            fake.close()


if __name__ == "__main__":
    message_costs()
    file_costs()
    if os.environ.get("SPENDBOT_STORE"):
        ack_after_long_mentions(os.environ["SPENDBOT_STORE"])
    else:
        print("\n(set SPENDBOT_STORE to a store holding the corpus to time the ack as well)")
