"""Ingest while serving, two ingests at once, and an ingest killed part-way (a real SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import COMMAND

from bot import core
from ingest.pipeline import IngestError, run_ingest


def grow(knowledge: Path, paragraphs: int = 600) -> None:
    """Enough new text that embedding it takes several seconds."""
    (knowledge / "extra.md").write_text("# Extra guidance\n\n" + "\n\n".join(
        f"Paragraph {n}: hosting contracts for service {n} are reviewed by the team that owns "
        f"service {n}, which records the outcome and the date of review {n}." * 2
        for n in range(paragraphs)), encoding="utf-8")


def cli_env(settings) -> dict:
    env = {**os.environ, "SPENDBOT_KNOWLEDGE": str(settings.knowledge_dir),
           "SPENDBOT_STORE": str(settings.store_dir),
           "SPENDBOT_CHROMA_NAMESPACE": settings.namespace}
    if settings.chroma_url:
        env["SPENDBOT_CHROMA_URL"] = settings.chroma_url
    return env


def test_a_second_ingest_refuses_while_one_runs(settings, embedder) -> None:
    target = core.open_store(settings)
    with target.ingest_lock():
        with pytest.raises(IngestError, match=r"another ingest is running \(process \d+ on"):
            run_ingest(settings.knowledge_dir, target, embedder)
    assert run_ingest(settings.knowledge_dir, target, embedder).switched


def test_a_lock_left_by_a_dead_process_is_taken_over(settings, embedder) -> None:
    import socket

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = core.open_store(settings)
    target.client.create_collection(f"{settings.namespace}ingest-lock", embedding_function=None,
                                    metadata={"pid": dead.pid, "host": socket.gethostname(),
                                              "started": time.time()})
    assert run_ingest(settings.knowledge_dir, target, embedder).switched


def test_ingest_killed_part_way_leaves_the_old_index_answering(settings, embedder) -> None:
    first = run_ingest(settings.knowledge_dir, core.open_store(settings), embedder)
    grow(settings.knowledge_dir)
    page = settings.knowledge_dir / "transformational-government-2005.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("£14 billion", "£15 billion"),
                    encoding="utf-8")
    process = subprocess.Popen([*COMMAND, "ingest"], env=cli_env(settings),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = core.open_store(settings)
    lock = f"{settings.namespace}ingest-lock"
    deadline = time.monotonic() + 60
    while lock not in target.collection_names() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3.0)  # into the embedding
    assert process.poll() is None, "the ingest finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert target.active_name() == first.collection
    answer = core.build_answerer(settings, embedder=embedder).ask(
        "How much does the UK public sector spend on IT each year?")
    assert any("£14 billion" in q for c in answer.citations for q in c.quotes)
    # The next run takes over the dead run's lock, switches, and clears its leftovers
    # (keeping the index it replaced, for `spendbot rollback`).
    report = run_ingest(settings.knowledge_dir, target, embedder)
    assert report.switched
    assert sorted(n for n in target.collection_names() if n.startswith(target.prefix)) == sorted(
        [report.collection, first.collection])


def test_serving_picks_up_a_finished_ingest_without_restart(settings, embedder) -> None:
    run_ingest(settings.knowledge_dir, core.open_store(settings), embedder)
    answerer = core.build_answerer(settings, embedder=embedder)
    question = "Who should manage the retirement of legacy systems?"
    assert "Head of Business IT" in answerer.ask(question).text
    page = settings.knowledge_dir / "technology-leadership.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "the [Head of Business IT](/service-manual/the-team/recruitment/job-descriptions) should "
        "manage", "the Head of Legacy Estates should manage"), encoding="utf-8")
    # The edit renames the role a golden question expects, so the gate would refuse it.
    done = subprocess.run([*COMMAND, "ingest", "--no-gate"], env=cli_env(settings),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Head of Legacy Estates" in answerer.ask(question).text  # same process, no restart
