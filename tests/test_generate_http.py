"""The provider wiring over real HTTP: init_chat_model -> an OpenAI-compatible local server."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fakellm import FakeLLM
from test_cli import spendbot

from bot import core
from bot.answer import Status
from bot.config import Settings
from bot.generate import GenerativeAnswerer


@pytest.fixture
def llm(monkeypatch):
    """A fake OpenAI-compatible server, configured through the environment as a user would."""
    server = FakeLLM()
    monkeypatch.setenv("SPENDBOT_LLM", "openai:gpt-4o-mini")
    monkeypatch.setenv("SPENDBOT_LLM_BASE_URL", server.url)
    monkeypatch.setenv("SPENDBOT_LLM_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    yield server
    server.close()


@pytest.fixture
def llm_settings(llm, corpus_settings):
    """The corpus store, with the model settings read from the environment set above."""
    loaded = Settings.load(store=str(corpus_settings.store_dir))
    return replace(corpus_settings, llm=loaded.llm, llm_base_url=loaded.llm_base_url,
                   llm_timeout=loaded.llm_timeout)


def test_generative_answer_through_an_openai_compatible_server(llm, llm_settings,
                                                                embedder) -> None:
    answerer = core.build_answerer(llm_settings, embedder=embedder)
    assert isinstance(answerer, GenerativeAnswerer)
    answer = answerer.ask("What are the red lines?")
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("There are four") and "[1]" in answer.text
    assert answer.citations[0].doc_id == "spend-control-red-lines-summary"
    [request] = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "gpt-4o-mini" and request["body"]["temperature"] == 0
    assert request["auth"] == "Bearer sk-test-not-a-real-key"
    roles = [m["role"] for m in request["body"]["messages"]]
    assert roles == ["system", "user"]
    assert "https://" not in request["body"]["messages"][1]["content"]


def test_server_errors_fall_back_to_the_extractive_answer(llm, llm_settings,
                                                          embedder) -> None:
    llm.fail_next = [500, 500, 500]
    answer = core.build_answerer(llm_settings, embedder=embedder).ask(
        "Who does the service manager report to?")
    assert answer.status is Status.ANSWERED and "reporting into the CDO" in answer.text
    assert "the model service was unavailable" in answer.text.lower()


def test_eval_reports_both_answerers_side_by_side(llm, corpus_settings, tmp_path) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "- question: Who does the service manager report to?\n"
        "  docs: [technology-leadership]\n  evidence: reporting into the CDO\n"
        "- question: What is the capital of France?\n  unanswerable: true\n")
    result = spendbot("--store", str(corpus_settings.store_dir), "eval", str(questions),
                      "--answerer", "both", "--format", "json")
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["answerer"] for r in reports] == ["extractive", "generative"]
    assert all(r["metrics"]["refusal_accuracy"] == 1.0 for r in reports)
    assert all(r["metrics"]["recall_at_1"] == 1.0 for r in reports)


def test_eval_generative_without_a_model_says_what_to_set(corpus_settings, monkeypatch,
                                                          tmp_path) -> None:
    monkeypatch.delenv("SPENDBOT_LLM", raising=False)
    result = spendbot("--store", str(corpus_settings.store_dir), "eval", "--answerer",
                      "generative")
    assert result.returncode == 2 and "SPENDBOT_LLM" in result.stderr
