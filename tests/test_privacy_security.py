"""Personal data is removed before anything is searched or stored; secrets never reach logs."""

from __future__ import annotations

import json
import logging

import pytest
from fakeslack import event, interactive, mention, post
from test_slack import FORM, JSON, serve

from bot.privacy import redact


@pytest.mark.parametrize("text, kind", [
    ("email jane.doe@cabinetoffice.gov.uk please", "email address"),
    ("call 020 7276 3160", "phone number"),
    ("mobile +44 7700 900123", "phone number"),
    ("my NI number is QQ 12 34 56 C", "National Insurance number"),
    ("ni AB123456D", "National Insurance number"),
])
def test_personal_data_is_found(text: str, kind: str) -> None:
    redacted, kinds = redact(text)
    assert kinds == [kind] and "removed]" in redacted


@pytest.mark.parametrize("text", ["spend above £1,000,000", "paragraph 33 of the 2005 strategy",
                                  "SCS 2 (Senior Civil Service 2)", "0.5% of 2,500 websites",
                                  "GOV.UK Notify", "version 6, 23 February 2024"])
def test_ordinary_figures_are_left_alone(text: str) -> None:
    assert redact(text) == (text, [])


def test_question_with_personal_data_is_answered_with_a_warning(answerer) -> None:
    answer = answerer.ask("I'm jane.doe@cabinetoffice.gov.uk (020 7276 3160): what are the "
                          "red lines?")
    assert answer.answered
    assert answer.removed == ["email address", "phone number"]
    assert answer.text.startswith("Your question included an email address and a phone number")
    assert "jane.doe" not in json.dumps(answer.to_dict())
    assert "7276" not in answer.question and "[email address removed]" in answer.question


def test_slack_stores_questions_redacted_and_logs_no_secrets(fake, services, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    url, server = serve(fake, services)
    proposal = ("We propose a £240m contract for the service. "
                + "The supplier will share its confidential pricing with the team. " * 40)
    try:
        post(url, event(mention("jane.doe@cabinetoffice.gov.uk asks: what are the red lines?")),
             JSON)
        update = fake.wait_for("chat.update")[0]
        post(url, interactive({"type": "view_submission", "view": {
            "id": "V0VIEW", "type": "modal", "callback_id": "review_submit",
            "private_metadata": json.dumps({"channel": "C0CHANNEL", "thread_ts": "1.1"}),
            "state": {"values": {"proposal": {"text": {"type": "plain_text_input",
                                                       "value": proposal}}}}}}), FORM)
        fake.wait_for("chat.postMessage", count=2)
    finally:
        server.shutdown()
    assert "jane.doe" not in json.dumps(update) and ":warning:" in json.dumps(update)
    stored = services.state.questions()
    assert stored and all("jane.doe" not in row["question"] and "jane.doe" not in row["payload"]
                          for row in stored)
    logs = caplog.text
    assert "xoxb-test-token" not in logs
    assert "jane.doe" not in logs
    assert proposal.strip() not in logs  # a pasted proposal is never logged in full
