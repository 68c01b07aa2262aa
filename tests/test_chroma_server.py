"""Answers from Chroma's own server are the answers from the embedded store."""

from __future__ import annotations

import pytest
from conftest import KNOWLEDGE

from bot import core
from bot.config import Settings

QUESTIONS = ["What are the red lines?", "Who does the service manager report to?",
             "How much does the UK public sector spend on IT each year?",
             "What is the capital of France?", "What grade is a CTO?"]


@pytest.fixture(scope="module")
def server_answerer(chroma_server, embedder, tmp_path_factory):
    settings = Settings(KNOWLEDGE, tmp_path_factory.mktemp("unused"), chroma_url=chroma_server,
                        namespace="answers-")
    return core.build_answerer(settings, embedder=embedder)


@pytest.mark.parametrize("question", QUESTIONS)
def test_server_and_embedded_give_the_same_answer(answerer, server_answerer,
                                                  question: str) -> None:
    local, remote = answerer.ask(question), server_answerer.ask(question)
    assert remote.status == local.status
    assert [(c.doc_id, c.section, c.quotes) for c in remote.citations] == [
        (c.doc_id, c.section, c.quotes) for c in local.citations]


def test_cli_uses_the_server_when_configured(chroma_server, tmp_path) -> None:
    from test_cli import spendbot

    result = spendbot("--chroma-url", chroma_server, "--store", str(tmp_path / "not-used"),
                      "ask", "What are the red lines?",
                      env={"SPENDBOT_CHROMA_NAMESPACE": "cli-"})
    assert result.returncode == 0, result.stderr
    assert "£100 million" in result.stdout
    assert not (tmp_path / "not-used").exists()
