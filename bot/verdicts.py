"""Scenario verdicts: "we're buying a £2.5m finance system, does it need sign-off?" answered
first with what the rules conclude, then the rule quoted and cited.

The facts are read from the question and judged by bot/rules.py, the same code that reviews
proposals, so a question and a proposal saying the same thing get the same verdict. The
sentence is assembled from the rule's outcome (what was found, the limit); the rule itself
is quoted verbatim from the stored red-lines summary and cited. When the question leaves
open what decides the verdict (an amount between the two approval thresholds with no word
on whether the service is public-facing; a range either side of a limit), the verdict says
what decides it instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.quotes import Citation, currency_note, text_fragment_link
from bot.retrieval import IndexSnapshot
from bot.rules import LIMITS, RED_LINES_DOC, RuleOutcome, judge, read_facts
from ingest.chunking import section_label
from ingest.sentences import split_sentences, text_units


@dataclass
class Verdict:
    verdict: str  # crosses | needs_approval | within | depends
    sentence: str  # the verdict in one sentence, citing the rule as [1]
    outcomes: list[RuleOutcome]
    citation: Citation  # the rule(s), quoted from the red-lines summary
    sources: tuple[str, ...] = field(default=(), repr=False)  # the stored texts quoted

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "sentence": self.sentence,
                "rules": [{"rule": o.rule, "verdict": o.verdict, "found": o.found,
                           "limit": o.limit} for o in self.outcomes]}


def scenario_verdict(question: str, snapshot: IndexSnapshot) -> Verdict | None:
    """The rules' verdict on the purchase a question describes, or None if it describes none."""
    facts = read_facts(split_sentences(question) or [question])
    outcomes = judge(facts)
    if not outcomes:
        return None
    crossing = [o for o in outcomes if o.verdict == "crosses"]
    approval = next((o for o in outcomes if o.rule == "approval-threshold"), None)
    values = sorted(a.value for a in facts.amounts)
    contract_limit = LIMITS["contract-value"].pounds.value
    public_limit = LIMITS["approval-public"].pounds.value
    other_limit = LIMITS["approval-other"].pounds.value
    if len(values) > 1 and values[0] <= contract_limit < values[-1]:
        verdict, sentence, shown = "depends", (
            f"It depends on the final value: anything over "
            f"{LIMITS['contract-value'].pounds.text} would cross a spend control red line, "
            f"and anything over {LIMITS['approval-other'].pounds.text} needs spend control "
            "approval."), [o for o in outcomes if o.rule in ("contract-value",
                                                               "approval-threshold")]
    elif crossing:
        names = [_crossed(o) for o in crossing]
        count = "a spend control red line" if len(crossing) == 1 else \
            f"{len(crossing)} spend control red lines"
        verdict, shown = "crosses", crossing
        sentence = f"That would cross {count}: {'; and '.join(names)}."
        if any(o.rule == "contract-value" for o in crossing):
            sentence = sentence[:-1] + ", unless there is an exceptional reason."
    elif (approval is not None and facts.public_facing is None and not facts.crypt_key
          and values and public_limit < values[-1] <= other_limit):
        verdict, shown = "depends", [approval]
        sentence = (f"It depends on who uses it: {approval.found} is over the "
                    f"{LIMITS['approval-public'].pounds.text} threshold for a public-facing "
                    f"digital service but under the {LIMITS['approval-other'].pounds.text} "
                    "threshold for other spend.")
    elif approval is not None and approval.verdict == "needs_approval":
        verdict, shown = "needs_approval", [approval]
        within = [o for o in outcomes if o.verdict == "within" and o.rule != approval.rule]
        sentence = (f"Yes, that needs spend control approval: {approval.found} is over the "
                    f"{approval.limit} threshold." if approval.found != "Crypt-Key" else
                    "Yes, that needs spend control approval: any spend on Crypt-Key does.")
        if within:
            sentence = sentence[:-1] + ", though it crosses no red line."
            shown += within
    else:
        verdict, shown = "within", outcomes
        parts = [_within(o) for o in outcomes]
        sentence = f"No red line is crossed and no approval threshold reached: " \
                   f"{'; '.join(parts)}." if approval else \
                   f"That is within the red line: {'; '.join(parts)}."
    citation, sources = _rule_citation(snapshot, [o.clause for o in shown])
    if citation is None:
        return None
    return Verdict(verdict, f"{sentence} [{citation.n}]", outcomes, citation, sources)


def _crossed(outcome: RuleOutcome) -> str:
    if outcome.rule == "contract-value":
        return f"{outcome.found} is more than {outcome.limit}"
    if outcome.rule == "hosting-length":
        return f"a hosting contract of {outcome.found} is longer than {outcome.limit}"
    if outcome.rule == "automatic-extension":
        return "the contract would extend automatically"
    return "one supplier would both provide the service and be its system integrator"


def _within(outcome: RuleOutcome) -> str:
    if outcome.rule == "approval-threshold":
        return f"{outcome.found} is not over the {outcome.limit} approval threshold"
    if outcome.rule == "hosting-length":
        return f"a hosting contract of {outcome.found} is within the {outcome.limit} limit"
    if outcome.rule == "contract-value":
        return f"{outcome.found} is not over {outcome.limit}"
    if outcome.rule == "automatic-extension":
        return "there is no automatic extension"
    return "the integrator is a separate supplier"


def _rule_citation(snapshot: IndexSnapshot,
                   clauses: list[str]) -> tuple[Citation | None, tuple[str, ...]]:
    """The list items of the red-lines summary that hold `clauses`, quoted whole, as one
    citation (each clause sits in a bullet such as "no IT contract may be worth more than
    £100 million, unless there is an exceptional reason")."""
    quotes: list[str] = []
    meta = chunk_id = None
    sources: list[str] = []
    for clause in dict.fromkeys(clauses):
        found = snapshot.find(RED_LINES_DOC, clause)
        if found is None:
            continue
        found_id, text, found_meta = found
        if meta is None:
            meta, chunk_id = found_meta, found_id
        elif found_meta.place != meta.place:
            continue  # one citation, one section: the first rule's
        sources.append(text)
        for unit in text_units(text):
            if clause in text[unit.start:unit.end] and text[unit.start:unit.end] not in quotes:
                quotes.append(text[unit.start:unit.end])
    if meta is None or not quotes:
        return None, ()
    citation = Citation(
        n=1, doc_id=meta.doc_id, title=meta.title,
        section=section_label([meta.section] if meta.section else [], meta.paragraph or None),
        url=meta.url, link=text_fragment_link(meta.url, quotes[0]), quote=quotes[0],
        quotes=quotes, score=1.0, chunk_id=chunk_id or "", status=meta.status,
        kind=meta.kind, note=currency_note(meta), is_item=[True] * len(quotes))
    return citation, tuple(sources)
