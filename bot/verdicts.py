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

import re
from dataclasses import dataclass, field

from bot.money import amounts
from bot.quotes import Citation, currency_note, text_fragment_link
from bot.reading import (
    affirms,
    already_made,
    find,
    mentions,
    negated,
    not_proposed,
    still_open,
)
from bot.retrieval import IndexSnapshot
from bot.rules import LIMITS, RED_LINES_DOC, Limit, RuleOutcome, judge, read_facts
from ingest.chunking import section_label
from ingest.sentences import text_units


@dataclass
class Verdict:
    verdict: str  # crosses | needs_approval | within | depends
    sentence: str  # the verdict in one sentence, citing the rule as [1]
    outcomes: list[RuleOutcome]
    citations: list[Citation]  # the rule(s), quoted from the red-lines summary
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "sentence": self.sentence,
                "rules": [{"rule": o.rule, "verdict": o.verdict, "found": o.found,
                           "limit": o.limit} for o in self.outcomes]}


def scenario_verdict(question: str, snapshot: IndexSnapshot) -> Verdict | None:
    """The rules' verdict on the purchase a question describes, or None if it describes none."""
    # Chat messages often start sentences in lower case ("...a 1 yr one. can we take it?").
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", question) if s.strip()]
    facts = read_facts(sentences or [question])
    outcomes = judge(facts)
    ours = OURS.search(question)
    if not outcomes and not ours:
        return None  # "how long can a hosting contract last?" asks for the rule itself
    if facts.crypt_key and not facts.amounts and not ours and len(outcomes) == 1:
        return None  # "what is Crypt-Key?", "what's the threshold for Crypt-Key?"
    if EXCEPTION.search(question) and not ours and not facts.amounts \
            and facts.contract_years is None and facts.hosting_years is None:
        return None  # "is there any wiggle room on auto extensions?" asks about the rule
    if not outcomes and not any(not not_proposed(question, m.start(), m.end())
                                for m in PURCHASE.finditer(question)):
        # "can we appeal if spend control says no?" is about the process; "we signed a
        # contract last month without approval" about one already made.
        return None
    if not ours and HOW_MEASURED.search(question):
        return None
    if not ours and not any(not not_proposed(question, m.start(), m.end())
                            for m in PURCHASE.finditer(question)):
        # "how much of the £1.4bn legacy spend did the 2005 strategy free up?" names a sum,
        # not a purchase (chat-16).
        return None
    open_rules = _undecided(question, facts)
    if not outcomes and not open_rules:
        return None
    crossing = [o for o in outcomes if o.verdict == "crosses"]
    approval = next((o for o in outcomes if o.rule == "approval-threshold"), None)
    values = sorted(a.value for a in facts.amounts)
    contract_limit = LIMITS["contract-value"].pounds.value
    public_limit = LIMITS["approval-public"].pounds.value
    other_limit = LIMITS["approval-other"].pounds.value
    threshold = LIMITS["approval-public" if facts.public_facing else "approval-other"]
    depends = f" It also depends on {' and '.join(DECIDES[r][0] for r in open_rules)}." \
        if open_rules else ""
    extra = [LIMITS[key].clause for r in open_rules for key in DECIDES[r][1]]
    if len(values) > 1 and values[0] <= contract_limit < values[-1] and (
            _straddles(question, LIMITS["contract-value"]) or _estimated(facts)):
        verdict, sentence, shown = "depends", (
            f"It depends on the final value: anything over "
            f"{LIMITS['contract-value'].pounds.text} would cross a spend control red line, "
            f"and anything over {threshold.pounds.text} needs spend control "
            "approval." if values[0] <= threshold.pounds.value else
            f"It depends on the final value: anything over "
            f"{LIMITS['contract-value'].pounds.text} would cross a spend control red line; "
            f"either way it is over the {threshold.pounds.text} threshold for spend control "
            "approval."), [o for o in outcomes if o.rule in ("contract-value",
                                                               "approval-threshold")]
    elif len(crossing) == 1 and crossing[0].rule in CLAIMED and _claims(
            question, CLAIMED[crossing[0].rule]):
        # "the SRO reckons there's an exceptional reason, but nobody has agreed that yet":
        # the line gives way only to a reason spend control accepts (chat-15).
        verdict, shown = "depends", crossing
        reason = CLAIMED[crossing[0].rule]
        sentence = (f"It depends on the {reason}: "
                    f"{_crossed(crossing[0])}, which crosses a spend control red line unless "
                    f"there is {'an' if reason[0] in 'aeiou' else 'a'} {reason}." + depends)
    elif [o.rule for o in crossing] == ["service-and-integrator"] and SAME_PART_DOUBT.search(
            question):
        # "not sure if agency + parent dept count as the same part of govt" (chat-16).
        verdict, shown = "depends", crossing
        sentence = ("It depends on whether both are in the same part of government: one "
                    "supplier providing a service may not also be its system integrator there."
                    + depends)
    elif crossing:
        names = [_crossed(o) for o in crossing]
        count = "a spend control red line" if len(crossing) == 1 else \
            f"{len(crossing)} spend control red lines"
        verdict, shown = "crosses", crossing
        sentence = f"That would cross {count}: {'; and '.join(names)}."
        if any(o.rule == "contract-value" for o in crossing):
            sentence = sentence[:-1] + ", unless there is an exceptional reason."
    elif approval is not None and not facts.crypt_key and (
            _straddles(question, threshold)
            or _estimated(facts) and values[0] <= threshold.pounds.value < values[-1]):
        verdict, shown = "depends", [approval]
        sentence = (f"It depends on the final cost: anything over {threshold.pounds.text}"
                    f"{' for a public-facing digital service' if facts.public_facing else ''}"
                    " needs spend control approval." + depends)
    elif (approval is not None and facts.public_facing is None and not facts.crypt_key
          and values and public_limit < values[-1] <= other_limit):
        verdict, shown = "depends", [approval]
        extra.append(LIMITS["approval-public"].clause)
        sentence = (f"It depends on who uses it: {approval.found} is over the "
                    f"{LIMITS['approval-public'].pounds.text} threshold for a public-facing "
                    f"digital service but under the {LIMITS['approval-other'].pounds.text} "
                    "threshold for other spend." + depends)
    elif not crossing and facts.optional and values and values[-1] <= contract_limit \
            < values[-1] + sum(a.value for a in facts.optional):
        # "base price £97m, plus a £5m change-control pot that commercial may or may not
        # write into the contract value" (chat-18).
        verdict = "depends"
        shown = [o for o in outcomes if o.rule == "contract-value"]
        extra_text = " and ".join(a.text for a in facts.optional)
        sentence = (f"It depends on whether the {extra_text} is part of the contract: "
                    f"{shown[0].found} and {extra_text} together would be more than "
                    f"{LIMITS['contract-value'].pounds.text}, which crosses a spend control red "
                    "line unless there is an exceptional reason." + depends)
    elif approval is not None and approval.verdict == "within" and facts.optional and values \
            and values[-1] + sum(a.value for a in facts.optional) > threshold.pounds.value:
        # "£900k … an optional £150k add-on that we might buy" (chat-16).
        verdict, shown = "depends", [approval]
        extra_text = " and ".join(a.text for a in facts.optional)
        sentence = (f"It depends on whether the optional {extra_text} is bought: "
                    f"{approval.found} and {extra_text} together would be over the "
                    f"{approval.limit} threshold for spend control approval." + depends)
    elif approval is not None and approval.verdict == "needs_approval":
        verdict, shown = "needs_approval", [approval]
        # The £100 million line is worth showing only for a sum anywhere near it.
        near = values and values[-1] >= contract_limit / 2
        within = [o for o in outcomes if o.verdict == "within" and o.rule != approval.rule
                  and (o.rule != "contract-value" or near)]
        sentence = (f"Yes, that needs spend control approval: {approval.found} is over the "
                    f"{approval.limit} threshold." if approval.found != "Crypt-Key" else
                    "Yes, that needs spend control approval: any spend on Crypt-Key does.")
        if within:
            sentence = sentence[:-1] + ", though it crosses no red line."
            shown += within
        sentence += depends
    elif open_rules:
        verdict, shown = "depends", [o for o in outcomes if o.rule != "contract-value"]
        decided = "; ".join(_within(o) for o in shown)
        sentence = f"It depends on {' and '.join(DECIDES[r][0] for r in open_rules)}." + (
            f" As it stands, {decided}." if decided else "")
    else:
        near = values and values[-1] >= contract_limit / 2
        verdict = "within"
        shown = [o for o in outcomes if o.rule != "contract-value" or near] or outcomes
        parts = [_within(o) for o in shown]
        sentence = f"No red line is crossed and no approval threshold reached: " \
                   f"{'; '.join(parts)}." if approval else \
                   f"That is within the red line: {'; '.join(parts)}."
    if (verdict != "crosses" and facts.contract_years is not None and facts.hosting_years is None
            and mentions("facts.hosting", question) and not affirms("facts.hosting", question)):
        # "a 4 yr licence (not hosting): does the 2 yr limit bite?" is answered, not left out.
        hosting = LIMITS["hosting-length"]
        sentence += (f" The {hosting.years:g} years limit is for new hosting contracts, which "
                     "this is not.")
        extra.append(hosting.clause)
    elif (verdict != "crosses" and facts.hosting_years is None
          and any(affirms("facts.hosting", told) and already_made(told) for told in sentences)):
        # "our existing hosting contract was signed back in 2023 and runs till 2030": the
        # line is for new hosting contracts, so it is quoted, not left out (chat-13).
        hosting = LIMITS["hosting-length"]
        sentence += (f" The {hosting.years:g} years limit is for new hosting contracts, and "
                     "one already signed is not new.")
        extra.append(hosting.clause)
    citations, sources = _rule_citations(snapshot, [o.clause for o in shown] + extra)
    if not citations:
        return None
    return Verdict(verdict, f"{sentence} {_refs(citations)}", outcomes, citations, sources)


# An estimate as a range: "£900k to £1.2m", "between £80k and £150k", "£60m-£150m".
RANGE_JOIN = re.compile(r"\s*(?:to|-|–|—|or|and)\s*", re.I)


def _straddles(question: str, limit: Limit) -> bool:
    """Whether the question gives its cost as a range with `limit` inside it: until the
    final figure is known, the threshold may or may not apply."""
    found = amounts(question)
    return any(RANGE_JOIN.fullmatch(question[a.end:b.start])
               and min(a.value, b.value) <= limit.pounds.value < max(a.value, b.value)
               for a, b in zip(found, found[1:], strict=False))


def _estimated(facts) -> bool:
    """Whether the facts hold one price estimated over a range ("£1.50 per check, anywhere
    from 50k to 100k checks", "£450k a year … between 2 and 3 years")."""
    return facts.ranged


def _refs(citations: list[Citation]) -> str:
    return "".join(f"[{c.n}]" for c in citations)


# A question about a rule's exception ("unless there is a compelling case"), not a purchase.
EXCEPTION = re.compile(r"\b(compelling case|exceptional reason|exceptions?|wiggle room|"
                       r"flexib\w*|ever (?:be )?(?:allowed|ok|okay|permitted))\b", re.I)
# How a rule measures, asked of no purchase of "ours": "for the £100m red line, do optional
# extension years count towards the contract value?" (chat-17).
HOW_MEASURED = re.compile(r"\bcounts? (?:towards?|against|as part of)\b|\bincluded in\b", re.I)
# A question unsure whether two bodies are one part of government, as the red line asks.
SAME_PART_DOUBT = re.compile(r"\b(?:not sure|unsure|unclear|whether|if|does|do|would)\b"
                             r"[^.?!]{0,60}\bsame part of (?:government|govt)\b", re.I)
# The reason each red line gives way to, in the summary's words.
CLAIMED = {"contract-value": "exceptional reason", "automatic-extension": "compelling case"}


def _claims(question: str, reason: str) -> bool:
    """Whether the question says there is such a reason ("the SRO reckons there's an
    exceptional reason"), not that there is none ("no exceptional reason for the size")."""
    return any(not negated(question, m.start(), m.end()) and not re.search(
        r"\b(?:unless|if|whether|without)\b[^.,;]*$", question[:m.start()], re.I)
        for m in re.finditer(rf"\b{reason.split()[0]}\w*\s+(?:\w+\s+)?{reason.split()[1]}",
                             question, re.I))


# Without a figure, a question about "our" purchase is told what decides the verdict.
OURS = re.compile(r"\b(we|we're|we've|our|us|i|my)\b", re.I)
APPROVAL = re.compile(r"\b(approv\w*|sign[- ]?off|spend control|permission|clearance|"
                      r"go ahead|go-ahead)\b", re.I)
# What a question must name to be about a purchase when it states no fact the rules judge:
# "do we need sign-off for our new CRM system?" is; "our spend control approval expired, can
# we get it extended?" and "can we appeal if spend control says no?" are about the process.
PURCHASE = re.compile(r"\b(contracts?|deals?|agreements?|licen[cs]es?|subscriptions?|host\w*|"
                      r"suppliers?|vendors?|providers?|integrators?|buy\w*|bought|purchas\w*|"
                      r"procur\w*|systems?|software|platforms?|services?|tools?|apps?|"
                      r"projects?|programmes?|solutions?|kit|cloud|spend on|spending on|"
                      r"costs?|worth|budget|Crypt-Key)\b", re.I)
DECIDES = {  # rule -> (what decides it, the clauses to quote)
    "hosting-length": ("how long the new hosting contract runs", ["hosting-length"]),
    "automatic-extension": ("whether it renews or extends automatically",
                            ["automatic-extension"]),
    "service-and-integrator": ("whether the supplier of the service would also be its "
                               "system integrator", ["service-and-integrator"]),
    "approval-threshold": ("how much it costs and whether it is a public-facing digital "
                           "service", ["approval-public", "approval-other"]),
    "crypt-key": ("whether it includes Crypt-Key", ["approval-crypt-key"]),
    "term": ("how long it runs, which decides what it costs in all",
             ["approval-public", "approval-other"]),
}


# Hosting spoken of as one already named ("does that 6 yr hosting…"), already made ("…which
# was signed in 2022"), or as the rule ("the hosting red line"): none is a new contract.
NAMED_BEFORE = re.compile(r"\b(?:that|this|the same)\s+(?:[\w-]+\s+){0,2}$", re.I)
THE_RULE = re.compile(r"\w*\s+(?:red[- ]lines?|rules?|limits?|caps?)\b", re.I)


def _speaks_of_new_hosting(sentence: str) -> bool:
    if not affirms("facts.hosting", sentence) or already_made(sentence):
        return False
    for m in find("facts.hosting", sentence):
        after = sentence[m.end():]
        made_after = re.search(r"\b(?:which|that)\b", after) and mentions("facts.past", after)
        if not (not_proposed(sentence, m.start(), m.end()) or NAMED_BEFORE.search(
                sentence[:m.start()]) or made_after or THE_RULE.match(after)):
            return True
    return False


def _undecided(question: str, facts) -> list[str]:
    """The rules a question brings up without the fact that decides them: a hosting
    contract with no length, "do we need approval?" with no amount."""
    rules = []
    # Not for one signed in 2023 (chat-13), nor "it'll sit on our existing hosting contract,
    # which was signed in 2022 for 6 years. does that 6 yr hosting break a red line?" (chat-18).
    told = re.split(r"(?<=[.?!])\s+", question)
    if facts.hosting_years is None and any(_speaks_of_new_hosting(s) for s in told) and (
            mentions("facts.contract", question) or mentions("facts.extension", question)):
        rules.append("hosting-length")
    if facts.automatic_extension is None and any(
            not negated(question, m.start(), m.end())  # "no renewal" decides it already
            for key in ("facts.automatic", "facts.extension") for m in find(key, question)):
        rules.append("automatic-extension")
    if facts.same_supplier_integrator is None and mentions("facts.integrator", question):
        rules.append("service-and-integrator")
    if not facts.amounts and not facts.crypt_key and APPROVAL.search(question):
        rules.append("approval-threshold")
    # "£25k a month", the length not settled: a month's price under the threshold says
    # nothing of the whole (chat-15).
    threshold = LIMITS["approval-public" if facts.public_facing else "approval-other"]
    if not facts.crypt_key and any(rate.value <= threshold.pounds.value
                                   for rate in facts.open_rates):
        rules.append("term")
    # Read sentence by sentence: "no Crypt-Key." is not put off by a "not agreed yet" later.
    if not facts.crypt_key and any(still_open(sentence, m.start(), m.end())
                                   for sentence in re.split(r"(?<=[.?!])\s+", question)
                                   for m in find("facts.crypt_key", sentence)):
        rules.append("crypt-key")  # "it may or may not include Crypt-Key"
    return rules


def _length(found: str) -> str:
    """"2.5 years" as "30 months": a length as people say it, with no figure they did not."""
    try:
        number = float(found.split()[0])
    except ValueError:
        return found
    return found if number.is_integer() or " plus " in found else f"{round(number * 12)} months"


def _crossed(outcome: RuleOutcome) -> str:
    if outcome.rule == "contract-value":
        return f"{outcome.found} is more than {outcome.limit}"
    if outcome.rule == "hosting-length":
        return f"a hosting contract of {_length(outcome.found)} is longer than {outcome.limit}"
    if outcome.rule == "automatic-extension":
        return "the contract would extend automatically"
    return "one supplier would both provide the service and be its system integrator"


def _within(outcome: RuleOutcome) -> str:
    if outcome.rule == "approval-threshold":
        return f"{outcome.found} is not over the {outcome.limit} approval threshold"
    if outcome.rule == "hosting-length":
        return (f"a hosting contract of {_length(outcome.found)} is within the {outcome.limit} "
                "limit")
    if outcome.rule == "contract-value":
        return f"{outcome.found} is not over {outcome.limit}"
    if outcome.rule == "automatic-extension":
        return "there is no automatic extension"
    return "the integrator is a separate supplier"


def _rule_citations(snapshot: IndexSnapshot,
                    clauses: list[str]) -> tuple[list[Citation], dict[str, tuple[str, ...]]]:
    """The list items of the red-lines summary that hold `clauses`, quoted whole, one
    citation per section (each clause sits in a bullet such as "no IT contract may be worth
    more than £100 million, unless there is an exceptional reason")."""
    by_chunk: dict[str, tuple[str, object, list[str]]] = {}
    for clause in dict.fromkeys(clauses):
        found = snapshot.find(RED_LINES_DOC, clause)
        if found is None:
            continue
        chunk_id, text, meta = found
        quotes = by_chunk.setdefault(chunk_id, (text, meta, []))[2]
        for unit in text_units(text):
            item = text[unit.start:unit.end]
            if clause in item and item not in quotes:
                quotes.append(item)
    citations = []
    for n, (chunk_id, (text, meta, quotes)) in enumerate(by_chunk.items(), start=1):
        quotes.sort(key=text.find)  # in the order the summary lists them
        citations.append(Citation(
            n=n, doc_id=meta.doc_id, title=meta.title,
            section=section_label([meta.section] if meta.section else [],
                                  meta.paragraph or None),
            url=meta.url, link=text_fragment_link(meta.url, quotes[0]), quote=quotes[0],
            quotes=quotes, score=1.0, chunk_id=chunk_id, status=meta.status,
            kind=meta.kind, note=currency_note(meta), is_item=[True] * len(quotes)))
    return citations, {chunk_id: (text,) for chunk_id, (text, _, _) in by_chunk.items()}
