"""Load: a few hundred signed events from a few dozen users at once, on loopback only.

Each must be acknowledged within Slack's 3 seconds and answered exactly once, retries
included. The run is bounded (a fixed number of events) and stops by itself; it prints
throughput and latency percentiles (run with -s to see them).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from fakeslack import event, mention, post
from test_slack import JSON, serve

USERS = 30
EVENTS = 300
RETRIES = 30  # Slack's retries of events it thinks were acked late
QUESTIONS = ["What are the red lines?", "Who does the service manager report to?",
             "What grade is a CTO?", "How long can a new hosting contract last?",
             "What is the capital of France?", "What does TCoP say about accessibility?"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_hundreds_of_events_are_acked_fast_and_answered_once(fake, services) -> None:
    url, server = serve(fake, services)
    bodies = [event(mention(QUESTIONS[n % len(QUESTIONS)], ts=f"1700001000.{n:06d}",
                            channel=f"C{n % USERS:07d}"), event_id=f"EvLoad{n:06d}")
              for n in range(EVENTS)]
    sends = [(body, {}) for body in bodies] + [
        (bodies[n * 7], {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        for n in range(RETRIES)]
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=USERS) as pool:
            results = list(pool.map(lambda s: post(url, s[0], JSON, headers=s[1]), sends))
        acked = time.perf_counter() - started
        updates = fake.wait_for("chat.update", count=EVENTS, timeout=300)
        answered = time.perf_counter() - started
        time.sleep(1.0)  # anything posted twice would arrive by now
    finally:
        server.shutdown()
    acks = [seconds for _, _, seconds in results]
    assert all(status == 200 for status, _, _ in results)
    assert max(acks) < 3.0
    placeholders = fake.called("chat.postMessage")
    assert len(placeholders) == EVENTS  # one per event: retries were not answered again
    assert len({(p["channel"], p["thread_ts"]) for p in placeholders}) == EVENTS
    assert len(fake.called("chat.update")) == EVENTS == len(updates)
    print(f"\n{EVENTS} events + {RETRIES} retries from {USERS} users: all acked in "
          f"{acked:.1f} s, all answered in {answered:.1f} s "
          f"({EVENTS / answered:.1f} answers/s); ack median "
          f"{percentile(acks, 0.5) * 1000:.0f} ms, p95 {percentile(acks, 0.95) * 1000:.0f} ms, "
          f"max {max(acks) * 1000:.0f} ms")
