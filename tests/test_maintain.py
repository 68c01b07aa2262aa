"""Maintainers keeping the guidance current: the gate before switching, the change report,
rollback. Each test runs the real `spendbot` command on a private copy of the knowledge folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from test_cli import spendbot

from bot.gate import load_gate_sets

RED_LINES = "What are the red lines?"


def run(knowledge: Path, store: Path, *args: str):
    return spendbot("--knowledge", str(knowledge), "--store", str(store), *args)


def ask(knowledge: Path, store: Path, question: str) -> dict:
    result = run(knowledge, store, "ask", "--format", "json", question)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def blank_red_lines(knowledge: Path) -> None:
    """The summary's front matter stays; every red line and threshold goes."""
    page = knowledge / "spend-control-red-lines-summary.md"
    front = page.read_text(encoding="utf-8").split("---", 2)[1]
    page.write_text(f"---{front}---\n\nThis summary is being rewritten.\n", encoding="utf-8")


def test_the_gate_refuses_a_blanked_red_lines_summary(knowledge: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    # A held-out set declares no gate: its (impossible) question never stops a switch.
    (knowledge / "eval" / "heldout.yaml").write_text(
        "- question: What colour is the Crypt-Key logo?\n  docs: [chief-technology-officer]\n"
        "  evidence: purple\n", encoding="utf-8")
    first = run(knowledge, store, "ingest")
    assert first.returncode == 0, first.stderr
    assert "gate: golden.yaml (81 questions) holds" in first.stdout  # an empty store is gated
    assert "heldout.yaml" not in first.stdout
    assert "added    spend-control-red-lines-summary" in first.stdout

    blank_red_lines(knowledge)
    started = time.perf_counter()
    refused = run(knowledge, store, "ingest")
    seconds = time.perf_counter() - started
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Not switched" in refused.stderr
    assert "gate: golden.yaml (81 questions) FAILS" in refused.stdout
    assert "under threshold: recall_at_3" in refused.stdout
    worse = refused.stdout.split("questions that got worse")[1]
    assert "- What are the four spend control red lines?" in worse
    assert "- What does a chief technology officer do?" not in worse
    assert ("changed  spend-control-red-lines-summary: added '(opening)'; removed "
            "'The four spend control red lines'") in refused.stdout
    assert seconds < 120, f"a refused ingest took {seconds:.0f} s"

    answer = ask(knowledge, store, RED_LINES)  # the previous index still answers
    assert answer["answered"] and "£100 million" in answer["answer"]


def test_no_gate_switches_and_rollback_restores_the_previous_index(knowledge: Path,
                                                                  tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run(knowledge, store, "ingest").returncode == 0
    blank_red_lines(knowledge)
    forced = run(knowledge, store, "ingest", "--no-gate")
    assert forced.returncode == 0, forced.stderr
    assert "gate: skipped (--no-gate)" in forced.stdout
    assert "£100 million" not in ask(knowledge, store, RED_LINES)["answer"]

    back = run(knowledge, store, "rollback")
    assert back.returncode == 0, back.stderr
    assert "Rolled back" in back.stdout
    assert "£100 million" in ask(knowledge, store, RED_LINES)["answer"]

    again = run(knowledge, store, "rollback")
    assert again.returncode == 2 and "no earlier index" in again.stderr


def test_rollback_keeps_the_last_three_indexes(knowledge: Path, tmp_path: Path,
                                               embedder) -> None:
    from bot import core
    from bot.config import Settings
    from ingest.pipeline import run_ingest

    target = core.open_store(Settings(knowledge_dir=knowledge, store_dir=tmp_path / "store"))
    page = knowledge / "technology-leadership.md"
    names = []
    for n in range(4):
        page.write_text(page.read_text(encoding="utf-8") + f"\n\nRevision {n} of this page.\n",
                        encoding="utf-8")
        names.append(run_ingest(knowledge, target, embedder).collection)
        if n == 0:  # a run that died between making its sentence and its chunk collection
            target.client.create_collection(f"{target.sentence_prefix}20000101T000000-dead00",
                                            embedding_function=None)
    assert sorted(n for n in target.collection_names() if n.startswith(target.prefix)) == sorted(
        names[1:])
    # Each index kept keeps its sentences; the rest, and the dead run's, are gone.
    assert sorted(n for n in target.collection_names()
                  if n.startswith(target.sentence_prefix)) == sorted(
        target.sentences_name(name) for name in names[1:])
    assert target.previous_names() == names[1:3]
    assert target.rollback() == (names[3], names[2])
    assert target.rollback() == (names[2], names[1])


def test_only_sets_that_declare_a_gate_and_their_gating_questions_count(knowledge: Path) -> None:
    (knowledge / "eval" / "heldout.yaml").write_text("- question: Anything?\n")
    (knowledge / "eval" / "extra.yaml").write_text(
        "gate: {recall_at_3: 0.5}\nquestions:\n- question: Kept?\n- question: Left out?\n"
        "  gate: false\n")
    sets = {s.name: s for s in load_gate_sets(knowledge)}
    assert set(sets) == {"golden.yaml", "extra.yaml"}
    assert len(sets["golden.yaml"].cases) == 81
    assert [c.question for c in sets["extra.yaml"].cases] == ["Kept?"]
