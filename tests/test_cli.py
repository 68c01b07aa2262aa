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


USER_ERROR_WORDS = ("Traceback", "Error:", "Errno", "BadZipFile", "Exception")


def one_clear_line(result: subprocess.CompletedProcess) -> str:
    """A user error: exit 2, one line on stderr, no trace and no Python exception names."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert not any(word in lines[0] for word in USER_ERROR_WORDS), lines[0]
    return lines[0]


def test_every_command_says_one_line_for_a_missing_knowledge_folder(tmp_path: Path) -> None:
    for command in (["ask", "What are the red lines?"], ["review", "-"], ["eval"], ["ingest"]):
        line = one_clear_line(spendbot("--knowledge", "/nonexistent", "--store",
                                       str(tmp_path / "store"), *command, stdin="text"))
        assert "knowledge folder not found: /nonexistent" in line


def test_a_malformed_manifest_is_one_clear_line(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    (knowledge / "manifest.toml").write_text("[[documents]\nid = ", encoding="utf-8")
    line = one_clear_line(spendbot("--knowledge", str(knowledge), "--store",
                                   str(tmp_path / "store"), "ingest"))
    assert "manifest.toml" in line


def test_a_missing_proposal_file_is_one_clear_line(corpus_settings, tmp_path: Path) -> None:
    line = one_clear_line(spendbot("--store", str(corpus_settings.store_dir), "review",
                                   str(tmp_path / "nope.docx")))
    assert "nope.docx" in line


def test_global_options_work_after_the_command_too(corpus_settings) -> None:
    before = spendbot("--store", str(corpus_settings.store_dir), "ask", "--format", "json",
                      "What are the red lines?")
    after = spendbot("ask", "--store", str(corpus_settings.store_dir), "--format", "json",
                     "What are the red lines?")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["citations"] == json.loads(before.stdout)["citations"]


def test_output_into_a_closed_pipe_is_not_an_error(corpus_settings) -> None:
    """`spendbot review x | head -1`: the reader goes away after one line."""
    result = subprocess.run(
        f"printf 'We will host it on public cloud for £2m.\\n' | "
        f"{' '.join(map(str, COMMAND))} --store {corpus_settings.store_dir} review - | head -1",
        shell=True, capture_output=True, text=True, timeout=300)
    assert result.stdout.startswith("Review:") or result.stdout.strip(), result.stdout
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_config_shows_every_setting_with_secrets_masked(tmp_path: Path) -> None:
    result = spendbot("config", env={"SLACK_BOT_TOKEN": "xoxb-1234567890-secret",
                                     "SPENDBOT_DATABASE_URL":
                                         "postgresql+psycopg://bot:hunter2@db/spendbot",
                                     "SPENDBOT_LLM": "openai:gpt-4o-mini"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "xoxb-1234567890-secret" not in out and "hunter2" not in out
    assert "slack_bot_token" in out and "xoxb" in out and "bot:****@db" in out
    assert "openai:gpt-4o-mini" in out and "knowledge_dir" in out and "store_dir" in out


def test_each_knowledge_folder_gets_its_own_default_index(tmp_path: Path) -> None:
    """Two checkouts never answer from each other's index."""
    from bot.config import Settings

    first = Settings.load(knowledge=str(tmp_path / "one" / "knowledge"), environ={})
    second = Settings.load(knowledge=str(tmp_path / "two" / "knowledge"), environ={})
    assert first.store_dir != second.store_dir
    assert Settings.load(knowledge=str(tmp_path / "one" / "knowledge"),
                         environ={}).store_dir == first.store_dir


def test_json_says_what_the_text_says(corpus_settings) -> None:
    result = spendbot("--store", str(corpus_settings.store_dir), "ask", "--format", "json",
                      "Does the code of practice approve Oracle databases?")
    data = json.loads(result.stdout)
    assert not data["answered"] and data["reason"] == "unknown_subject"
    assert "Oracle" in data["unknown_terms"] and "“Oracle”" in data["answer"]
    scores = [s["score"] for s in data["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    assert set(data["timings"]) >= {"read", "retrieve", "judge"}
