"""The `spendbot` command as a user runs it: a new process each time, real store, real model."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import KNOWLEDGE

SCRIPT = Path(sys.executable).with_name("spendbot")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]


def spendbot(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def test_ask_json(corpus_settings) -> None:
    result = spendbot("--store", str(corpus_settings.store_dir), "ask", "--format", "json",
                      "What are the red lines?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"] == "What are the red lines?" and data["answered"] is True
    assert "£100 million" in data["answer"]
    for citation in data["citations"]:
        assert {"n", "doc_id", "title", "section", "url", "quote", "score"} <= set(citation)
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))


def test_ask_text_lists_numbered_sources(corpus_settings) -> None:
    result = spendbot("--store", str(corpus_settings.store_dir), "ask",
                      "Who", "should", "manage", "the", "retirement", "of", "legacy", "systems?")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Head of Business IT" in out
    sources = out.split("Sources:")[1]
    assert re.search(r"\[\d\] Technology leadership — People\n", sources)
    assert "https://www.gov.uk/service-manual/the-team/recruitment/scs-orgdesign" in sources
    assert "Traceback" not in result.stderr and "Loading weights" not in result.stderr


def test_ask_batch_from_stdin_one_json_object_per_line(corpus_settings) -> None:
    questions = "What are the red lines?\n\nWhat is the capital of France?\n   \n" \
                "Who does the service manager report to?\n"
    result = spendbot("--store", str(corpus_settings.store_dir), "ask", "--format", "json",
                      "-", stdin=questions)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["answered"] for a in answers] == [True, False, True]
    assert answers[1]["citations"] == [] and answers[1]["suggestions"]


def test_empty_question_is_refused_with_a_message(corpus_settings) -> None:
    result = spendbot("--store", str(corpus_settings.store_dir), "ask", "   ")
    assert result.returncode == 2
    assert "Please type a question" in result.stdout


def test_first_question_on_an_empty_store_ingests_first(tmp_path: Path) -> None:
    result = spendbot("ask", "--format", "json", "How long can a new hosting contract last?",
                      env={"SPENDBOT_STORE": str(tmp_path / "fresh")})
    assert result.returncode == 0, result.stderr
    assert "No index yet" in result.stderr and "Ingested 6 documents" in result.stderr
    assert json.loads(result.stdout)["answered"] is True
    again = spendbot("ask", "What are the red lines?",
                     env={"SPENDBOT_STORE": str(tmp_path / "fresh")})
    assert "No index yet" not in again.stderr


def test_ingest_reports_skipped_files_and_summary(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    (knowledge / "minutes.pdf").write_bytes(b"this is not a PDF at all")
    result = spendbot("--knowledge", str(knowledge), "--store", str(tmp_path / "store"),
                      "ingest")
    assert result.returncode == 1
    assert "skipped minutes.pdf: not a readable PDF" in result.stderr
    assert "Ingested 6 documents" in result.stdout and "0 removed" in result.stdout
    again = spendbot("--knowledge", str(knowledge), "--store", str(tmp_path / "store"),
                     "ingest")
    assert "0 added, 0 updated" in again.stdout and "(0 embedded)" in again.stdout


def test_missing_knowledge_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = spendbot("--knowledge", str(tmp_path / "nowhere"), "--store",
                      str(tmp_path / "store"), "ingest")
    assert result.returncode == 2
    assert "knowledge folder not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_with_history_answers_the_follow_up(corpus_settings) -> None:
    result = spendbot("--store", str(corpus_settings.store_dir), "ask", "--format", "json",
                      "--history", "What did the 2005 strategy say about call centres?",
                      "How many were there?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] and "130 major call centres" in data["answer"]
