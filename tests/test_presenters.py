"""Every presenter reads the answer's fields: terminal text, JSON and Slack blocks, for
extractive and generative answers, with and without personal data. No store, no model."""

from __future__ import annotations

import json

import pytest

from bot.answer import Answer, Reason, Signpost, Status, Suggestion
from bot.quotes import Citation
from bot.render import as_json, as_text
from bot.slack.render import answer_message

WARNING = "Your question included an email address: I removed it before searching."


def citation(n: int, quote: str, note: str = "") -> Citation:
    return Citation(n=n, doc_id="spend-control-red-lines-summary", title="Red lines",
                    section="The four spend control red lines", url="https://www.gov.uk/x",
                    link="https://www.gov.uk/x#:~:text=new", quote=quote, quotes=[quote],
                    score=0.9, chunk_id="c1", status="current", kind="summary", note=note,
                    is_item=[True])


def extractive(**changes) -> Answer:
    answer = Answer("Can we sign a hosting deal to 2032?", Status.ANSWERED,
                    lead="That would cross a spend control red line: a hosting contract of "
                         "6 years is longer than 2 years. [1]",
                    citations=[citation(1, "new hosting contracts may last no more than 2 "
                                           "years")],
                    more=[citation(2, "there are no automatic contract extensions")],
                    notes=["[1]: the maintainers' summary, not guidance text."])
    for key, value in changes.items():
        setattr(answer, key, value)
    return answer


def generative(**changes) -> Answer:
    answer = Answer("What are the red lines?", Status.ANSWERED,
                    generated="No IT contract may be worth more than £100 million [1].",
                    citations=[citation(1, "no IT contract may be worth more than £100 "
                                           "million")],
                    notes=["The model service took too long to answer, so this answer is "
                           "quoted directly from the guidance instead."])
    for key, value in changes.items():
        setattr(answer, key, value)
    return answer


def declined() -> Answer:
    return Answer("how long does approval take?", Status.NOT_COVERED,
                  Reason.UNSUPPORTED_ASK, message="The guidance I have does not cover this.",
                  covers="I can answer from: Spend control red lines; Technology leadership.",
                  signposts=[Signpost("See the spend control:", "https://www.gov.uk/y")],
                  suggestions=[Suggestion("spend-control-red-lines-summary", "Red lines",
                                          "https://www.gov.uk/x", 0.6)])


def slack_text(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e["text"] if isinstance(e["text"], str) else e["text"]["text"]
                for e in block.get("elements", []) if "text" in e]
    return "\n".join(out)


@pytest.mark.parametrize("make", [extractive, generative])
@pytest.mark.parametrize("personal", [False, True])
def test_every_presenter_shows_the_answer_its_sources_and_notes(make, personal) -> None:
    answer = make(warnings=[WARNING] if personal else [])
    lead = answer.generated or answer.lead
    text = as_text(answer)
    data = json.loads(as_json(answer))
    _, blocks = answer_message(answer, "a1")
    shown = slack_text(blocks)
    for rendered in (text, data["answer"], shown):
        assert lead in rendered
        assert answer.citations[0].quote in rendered
        assert answer.notes[0] in rendered
        assert (WARNING in rendered) is personal
    assert text.index(lead) < text.index(answer.citations[0].quote)  # the answer leads
    assert data["warnings"] == ([WARNING] if personal else [])
    assert data["generated"] == answer.generated and data["lead"] == answer.lead


def test_passages_kept_back_are_offered_not_lost() -> None:
    answer = extractive()
    assert "more passage" in as_text(answer) and "--full" in as_text(answer)
    assert "there are no automatic contract extensions" in as_text(answer, full=True)
    _, blocks = answer_message(answer, "a1")
    actions = [e["action_id"] for b in blocks for e in b.get("elements", [])
               if isinstance(e, dict) and "action_id" in e]
    assert "more_answer" in actions
    _, full = answer_message(answer, "a1", full=True)
    assert "there are no automatic contract extensions" in slack_text(full)
    assert "more_answer" not in json.dumps(full)


def test_a_decline_says_what_is_covered_and_where_to_ask() -> None:
    answer = declined()
    text, data = as_text(answer), json.loads(as_json(answer))
    _, blocks = answer_message(answer, "a1")
    for rendered in (text, data["answer"], slack_text(blocks)):
        assert "does not cover this" in rendered and "I can answer from:" in rendered
        assert "https://www.gov.uk/y" in rendered
    assert data["reason"] == "unsupported_ask" and data["status"] == "not_covered"
    assert "feedback" not in json.dumps(blocks)  # nothing to rate
