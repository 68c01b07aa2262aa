"""Benchmark: Slack ack time and time until the answer is posted, through real HTTP.

The real Bolt app (Flask, served by werkzeug's threaded server in this process) receives
signed app_mention events; a fake Slack Web API on 127.0.0.1 records the replies. Ack time
is the HTTP round trip of the event; answer time runs from sending the event to the
chat.update that replaces the placeholder. Prints figures; asserts nothing.
Run with a store holding the corpus: `SPENDBOT_STORE=... python bench/slack_latency.py`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fakeslack import SECRET, FakeSlack, event, mention, post  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.evaluate import load_cases  # noqa: E402
from bot.slack.app import SlackConfig, make_client  # noqa: E402
from bot.slack.web import build_services, create_web_app  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    fake = FakeSlack()
    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["SPENDBOT_STATE"] = str(Path(tmp) / "state.sqlite3")
        config = SlackConfig("xoxb-bench", SECRET, api_url=fake.url)
        web = create_web_app(build_services(Settings.load()), config, make_client(config))
        server = make_server("127.0.0.1", 0, web, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        questions = [c.question for c in load_cases(REPO / "knowledge" / "eval" / "golden.yaml")]
        acks, answers = [], []
        for n, question in enumerate(questions):
            channel = f"C{n:08d}"
            sent = time.perf_counter()
            _, _, ack = post(url, event(mention(question, channel=channel)), "application/json")
            acks.append(ack * 1000)
            while not any(b.get("channel") == channel for b in fake.called("chat.update")):
                time.sleep(0.002)
            answers.append((time.perf_counter() - sent) * 1000)
        server.shutdown()
    fake.close()
    print(f"{len(questions)} mentions, one at a time, over HTTP on loopback:")
    print(f"  ack: median {statistics.median(acks):.1f} ms, p95 {percentile(acks, 0.95):.1f} ms,"
          f" max {max(acks):.1f} ms")
    print(f"  answer posted: median {statistics.median(answers):.0f} ms, "
          f"p95 {percentile(answers, 0.95):.0f} ms, max {max(answers):.0f} ms")


if __name__ == "__main__":
    main()
