"""The red-line and threshold rules shared by the review and the question answerer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.reading import passages
from bot.rules import LIMITS, durations, earliest_point, judge, read_facts

SUMMARY = (Path(__file__).resolve().parents[1] / "knowledge"
           / "spend-control-red-lines-summary.md").read_text(encoding="utf-8")


def verdicts(text: str) -> dict[str, str]:
    return {o.rule: o.verdict for o in judge(read_facts(passages(text), this_year=2026))}


def test_every_limit_rests_on_a_verbatim_clause() -> None:
    for limit in LIMITS.values():
        assert limit.clause in SUMMARY
    assert LIMITS["contract-value"].pounds.value == 100e6
    assert LIMITS["hosting-length"].years == 2
    assert LIMITS["approval-public"].pounds.value == 100e3
    assert LIMITS["approval-other"].pounds.value == 1e6


@pytest.mark.parametrize("question, rule, verdict", [
    ("We're buying a £2.5m finance system, does it need sign-off?", "approval-threshold",
     "needs_approval"),
    ("Can we sign a hosting deal to 2032?", "hosting-length", "crosses"),
    ("Can we sign a two-year hosting deal?", "hosting-length", "within"),
    ("Is a contract worth three hundred and forty million pounds allowed?", "contract-value",
     "crosses"),
    ("A quarter of a billion pounds for a new tax platform contract?", "contract-value",
     "crosses"),
    ("Our £90 million contract, is that under the limit?", "contract-value", "within"),
    ("We need Crypt-Key kit for £5,000.", "approval-threshold", "needs_approval"),
    # A length written as the contract's adjective is its term, whatever else the clause
    # says: a migration's own length would not count, this hosting agreement's does.
    ("Our data centre migration needs a five year hosting agreement.", "hosting-length",
     "crosses"),
    ("A citizen facing service, spend is £101k.", "approval-threshold", "needs_approval"),
    ("A laptop refresh for department staff, about £700k.", "approval-threshold", "within"),
    ("The supplier who runs our helpline system wants to be system integrator for it as "
     "well.", "service-and-integrator", "crosses"),
])
def test_scenario_questions(question: str, rule: str, verdict: str) -> None:
    assert verdicts(question)[rule] == verdict


@pytest.mark.parametrize("text, verdict", [
    ("There are no automatic extensions.", "within"),
    ("The contract has no automatic extension.", "within"),
    ("The contract will not be extended automatically.", "within"),
    ("Automatic extensions are not permitted under this contract.", "within"),
    ("The contract will renew automatically each year.", "crosses"),
    ("The contract rolls over annually unless either party gives notice.", "crosses"),
    ("The T&Cs say it rolls on for another year each time unless we cancel.", "crosses"),
    # An extension someone has to choose to take is not automatic (chat-11).
    ("There's an optional 1 yr extension but only if we actively decide to trigger it.",
     "within"),
    ("The contract has an option to extend by one year at our discretion.", "within"),
    ("It has an optional extension that renews automatically unless we cancel.", "crosses"),
])
def test_extension_negation(text: str, verdict: str) -> None:
    assert verdicts(text)["automatic-extension"] == verdict


@pytest.mark.parametrize("text, verdict", [
    ("We will not use a single supplier to run and integrate it.", "within"),
    ("A separate integrator will be procured.", "within"),
    ("The same supplier will run the service and also be the system integrator.", "crosses"),
    ("One supplier will host, run and integrate all the systems.", "crosses"),
    ("The company that runs our payroll service also wants to be the systems integrator "
     "for it.", "crosses"),
    ("We want a separate firm to be the systems integrator for our payroll service.",
     "within"),
    ("Ardent already builds and runs the application, and under the new deal they would "
     "also take over as system integrator.", "crosses"),
])
def test_service_and_integrator(text: str, verdict: str) -> None:
    assert verdicts(text)["service-and-integrator"] == verdict


def test_a_fact_split_across_sentences() -> None:
    text = ("We will award a contract for hosting our case management systems. "
            "The contract will run for 7 years.")
    [outcome] = judge(read_facts(passages(text)))
    assert (outcome.rule, outcome.verdict, outcome.found) == ("hosting-length", "crosses",
                                                              "7 years")
    assert outcome.evidence == ("We will award a contract for hosting our case management "
                                "systems.", "The contract will run for 7 years.")


def test_public_facing_threshold_applies_only_when_said() -> None:
    public = judge(read_facts(["A public-facing service costing £250,000."]))
    internal = judge(read_facts(["An internal tool, not public-facing, costing £250,000."]))
    silent = judge(read_facts(["A tool costing £250,000."]))
    approval = [[o for o in outcomes if o.rule == "approval-threshold"][0]
                for outcomes in (public, internal, silent)]
    assert [(o.verdict, o.limit) for o in approval] == [
        ("needs_approval", "£100,000 (public-facing)"), ("within", "£1,000,000"),
        ("within", "£1,000,000")]


def test_a_repeated_sum_is_one_red_line_with_every_passage_as_evidence() -> None:
    text = ("| Item | Cost |\n|---|---|\n| Contract | £150 million |\n| Total | £150 million |"
            "\n\nThe contract is worth £150 million. We will save £300 million.")
    crossed = [o for o in judge(read_facts(passages(text))) if o.verdict == "crosses"]
    assert [o.rule for o in crossed] == ["contract-value"]
    assert crossed[0].evidence == ("Contract | £150 million", "Total | £150 million",
                                   "The contract is worth £150 million.")


@pytest.mark.parametrize("text", [
    "Where does the £1m threshold come from?",
    "Does the £100m red line apply to each call-off?",
    "The migration will take 3 years.",
])
def test_a_sum_naming_a_limit_or_a_length_of_work_is_no_fact(text: str) -> None:
    assert verdicts(text) == {}


def test_silence_speaks_to_no_rule() -> None:
    assert judge(read_facts(["We will improve the service for caseworkers."])) == []


@pytest.mark.parametrize("text, years", [
    ("for seven years", [7]), ("a 5-year deal", [5]), ("18 months", [1.5]),
    ("until 2031", [5]), ("to March 2032", [6]), ("one year", [1]),
    ("two and a half years", [2.5]), ("no duration given", [])])
def test_durations(text: str, years: list[float]) -> None:
    assert [d[0] for d in durations(text, this_year=2026)] == years


@pytest.mark.parametrize("text, years", [
    ("break clause after 12 months", 1.0), ("a break point at year five", 5.0),
    ("break clauses at 24 and 36 months", 2.0), ("a 9-month break", 0.75),
    ("a break clause", None),
])
def test_when_a_contract_can_first_be_left(text: str, years: float | None) -> None:
    """A break at 12 months makes a long contract a short commitment; one at year five of
    ten does not, so the review needs the earliest point a break names."""
    assert earliest_point(text) == years


def test_an_offer_taken_up_is_proposed_and_one_turned_down_is_not() -> None:
    taken = "The incumbent has offered a new five-year hosting contract at £11m."
    refused = ("We will not renew automatically, even though the incumbent has offered a "
               "discount to roll over.")
    assert verdicts(taken)["hosting-length"] == "crosses"
    assert verdicts(refused)["automatic-extension"] == "within"


@pytest.mark.parametrize("text, rule", [
    ("The earlier plan for a 5-year hosting deal has been dropped. Hosting will be bought "
     "for 2 years.", "hosting-length"),
    ("The supplier asked for an evergreen contract. We refused.", "automatic-extension"),
    ("We want to avoid automatic extensions, so the contract ends on 31 March 2027.",
     "automatic-extension"),
])
def test_a_term_dropped_refused_or_avoided_crosses_no_red_line(text: str, rule: str) -> None:
    assert verdicts(text).get(rule) != "crosses"


@pytest.mark.parametrize("text, rule, verdict", [
    # proposals_dev9, each written blind
    ("And nothing in the contract extends it automatically. The contract is for 15 months.",
     "automatic-extension", "within"),
    ("Corvid will run the platform. Corvid have offered to do the systems integration as "
     "well as run the platform; we'll decide on that at the next design authority.",
     "service-and-integrator", None),
    ("Tamarind would run the new billing service day to day once it is live. Integrating it "
     "with CCMS and the payments ledger would also be their job.", "service-and-integrator",
     "crosses"),
    ("The subscription lasts 24 months. After that it carries on year by year unless one of "
     "us gives three months' notice.", "automatic-extension", "crosses"),
    ("| Supplier | Role |\n|---|---|\n| Pelorus Systems | Provides and operates the register "
     "service, and is also its systems integrator |", "service-and-integrator", "crosses"),
    ("It's an internal pilot costing £45,000. We haven't decided whether we need Crypt-Key; "
     "any Crypt-Key purchase would come to you separately.", "approval-threshold", "within"),
    ("A 12-month beta for £600,000. We will take the £80 fee through GOV.UK Pay.",
     "approval-threshold", "needs_approval"),
    ("It will be installed on servers in our data centre in Swindon. The contract is for seven "
     "years at £6.8 million.", "hosting-length", None),
])
def test_careful_sentences_in_blind_proposals(text: str, rule: str, verdict: str | None) -> None:
    assert verdicts(text).get(rule) == verdict


def test_a_term_said_sentences_after_its_hosting_contract() -> None:
    text = ("We'll sign a new hosting contract with Nimbus Data Services. We ran a further "
            "competition and three providers bid.\n\nNimbus's price for the term is £1.4m. "
            "The term runs for 36 months from April.")
    assert verdicts(text)["hosting-length"] == "crosses"


def test_a_costed_table_is_spent_in_all() -> None:
    text = ("A public-facing renewals service.\n\n| Phase | Cost |\n|---|---|\n"
            "| Alpha | £62,000 |\n| Beta | £88,000 |\n\nEach line is under £100,000.")
    [approval] = [o for o in judge(read_facts(passages(text))) if o.rule == "approval-threshold"]
    assert (approval.verdict, approval.found) == ("needs_approval", "£150,000 in all")


def test_who_a_service_is_for_says_it_is_public_facing_unless_told_otherwise() -> None:
    assert verdicts("Drivers will complete the form online. The build is £420,000.")[
        "approval-threshold"] == "needs_approval"
    assert verdicts("Office of the Public Guardian case management for 400 case workers, "
                    "£780,000.")["approval-threshold"] == "within"
    assert verdicts("An internal tool for staff who process drivers' forms, £420,000.")[
        "approval-threshold"] == "within"


def test_a_purchase_split_into_lots_gives_no_one_both_roles() -> None:
    text = ("We're splitting it into 22 contracts across build, hosting, service integration "
            "and support, competed separately, so that we can replace any one supplier.")
    assert verdicts(text).get("service-and-integrator") != "crosses"


def test_a_supplier_given_a_role_by_name_after_running_the_service_does_both() -> None:
    ran = "Kestrel Systems will run the live service once it launches, under a two-year contract."
    assert verdicts(f"{ran} Integration with the finance system is also going to Kestrel.")[
        "service-and-integrator"] == "crosses"
    assert verdicts("We propose a five-year contract, awarded directly to Corvanta, to support "
                    "the mainframe. Corvanta will also continue as system integrator.")[
        "service-and-integrator"] == "crosses"
    # Another supplier's system is named, not given the role: no one does both.
    assert verdicts(f"{ran} Integration with Kestrel's platform will be done by Meridian.").get(
        "service-and-integrator") != "crosses"


def test_a_first_year_and_further_years_priced_by_the_year_are_one_contract() -> None:
    text = ("This is one contract covering devices and support. Year one costs £38m. After that "
            "the contract runs for three further years at £27m a year.")
    [value] = [o for o in judge(read_facts(passages(text))) if o.rule == "contract-value"]
    assert (value.verdict, value.found) == ("crosses", "£38m + £27m a year for 3 years")


def test_a_table_with_a_total_column_is_spent_as_its_totals() -> None:
    text = ("An internal intranet.\n\n| Year | Licences | Set-up | Total |\n|---|---|---|---|\n"
            "| 2027/28 | £180,000 | £240,000 | £420,000 |\n"
            "| 2028/29 | £180,000 | £150,000 | £330,000 |\n"
            "| 2029/30 | £180,000 | £110,000 | £290,000 |\n")
    [approval] = [o for o in judge(read_facts(passages(text))) if o.rule == "approval-threshold"]
    assert (approval.verdict, approval.found) == ("needs_approval", "£1,040,000 in all")


def test_a_programme_not_let_as_one_contract_is_a_budget() -> None:
    got = verdicts("The programme budget is one hundred and twenty million pounds over four "
                   "years, but it will not be let as one contract.")
    assert got.get("contract-value") != "crosses"
    assert got["approval-threshold"] == "needs_approval"


def test_what_is_never_seen_or_outside_its_scope_is_ruled_out() -> None:
    assert verdicts("An internal dashboard for the contact centre: members of the public will "
                    "never use it. It costs £600,000.")["approval-threshold"] == "within"
    assert verdicts("This £50,000 upgrade covers desktop devices only; the Crypt-Key equipment "
                    "is outside its scope.")["approval-threshold"] == "within"
    assert verdicts("This £50,000 upgrade covers desktop devices and the Crypt-Key "
                    "equipment.")["approval-threshold"] == "needs_approval"


def test_a_contract_awarded_to_the_one_who_hosts_is_a_hosting_contract() -> None:
    assert verdicts("Fernhill Data will continue to host and support the application. We will "
                    "award the contract directly to Fernhill. The new contract runs for five "
                    "years.")["hosting-length"] == "crosses"


def test_hosting_and_integrating_the_system_gives_one_supplier_both_roles() -> None:
    assert verdicts("Our existing supplier, Fernhill Data, will go on to host, maintain and "
                    "integrate the systems.")["service-and-integrator"] == "crosses"
    assert verdicts("We are buying it in three lots. No single supplier will both run and "
                    "integrate the service.").get("service-and-integrator") != "crosses"


@pytest.mark.parametrize("text, years", [
    ("start date 1 sept 2027, end date 28 feb 2030", 2.5),
    ("1 march 2027 to 31 october 2028", 20 / 12),
    ("1 April 2025 to 31 March 2027", 2.0),
    ("from April 2027 to March 2029", 2.0),
    ("runs June 2026 to June 2028", 2.0),
])
def test_a_term_given_by_its_dates_is_measured_from_start_to_end(text: str, years: float) -> None:
    assert [round(y, 3) for y, _, _ in durations(text, this_year=2026)] == [round(years, 3)]


@pytest.mark.parametrize("text, rule, verdict", [
    # A price by the month or quarter is what the contract is worth over its term (chat-15).
    ("A citizen-facing service built by an agency team at £30k a month for 4 months.",
     "approval-threshold", "needs_approval"),
    ("Our internal platform's monthly charge is £85k on a 12 month fixed term.",
     "approval-threshold", "needs_approval"),
    ("An internal knowledge base billed at £45k a quarter for 6 years.",
     "approval-threshold", "needs_approval"),
    # A sum the writer measures theirs against is no price: "way under £100k a month".
    ("The internal tool costs £60k in all, which is way under £1.5m.", "approval-threshold",
     "within"),
    # "isn't" is "is not", and "deemed agreed if we don't reply" is automatic.
    ("A new hosting contract for 18 months; the hosting firm isn't the integrator.",
     "service-and-integrator", "within"),
    ("The vendor isn't doing any integration on the £50k tool.", "service-and-integrator",
     "within"),
    ("The contract's extra year is deemed agreed if we don't reply to their notice.",
     "automatic-extension", "crosses"),
    # Dates after the hosting contract they measure, with no contract of their own.
    ("We are awarding a new hosting contract for our grants system. Start date 1 sept "
     "2027, end date 28 feb 2030, fixed price £180k.", "hosting-length", "crosses"),
])
def test_rates_dates_and_contractions_in_chat_scenarios(text: str, rule: str,
                                                        verdict: str) -> None:
    assert verdicts(text)[rule] == verdict


@pytest.mark.parametrize("text, rule, verdict", [
    # A price by the unit is spent over the count the text estimates (chat-16).
    ("A public-facing service at 50p per application, forecasting 300,000 applications.",
     "approval-threshold", "needs_approval"),
    ("An internal tool billed at £12 per case; we expect about 40k cases.",
     "approval-threshold", "within"),
    ("An internal tool billed at £30 per case; we expect about 40k cases.",
     "approval-threshold", "needs_approval"),
    # Parts said to be one contract are summed; a term with a period added is one term.
    ("£60m for the build plus £45m for 5 years of run and maintain, all in one contract.",
     "contract-value", "crosses"),
    ("A new hosting contract: 104 weeks of live hosting plus a 6 week exit period.",
     "hosting-length", "crosses"),
    ("The company that already runs the service takes over the system integrator role for "
     "it as well.", "service-and-integrator", "crosses"),
])
def test_unit_prices_parts_and_added_terms(text: str, rule: str, verdict: str) -> None:
    assert verdicts(text)[rule] == verdict


def test_a_price_by_the_user_and_the_year_is_spent_over_users_and_term() -> None:
    assert verdicts("An internal tool at £75 per user per year on a 3 year term for 5,000 "
                    "users.")["approval-threshold"] == "needs_approval"
    assert verdicts("An internal tool at £75 per user per year on a 1 year term for 5,000 "
                    "users.")["approval-threshold"] == "within"


@pytest.mark.parametrize("text, rule, verdict", [
    # Contract paper's own words for renewing by itself (chat-19).
    ("The licence 'continues in force for successive quarterly periods' until one side "
     "terminates.", "automatic-extension", "crosses"),
    ("The contract 'shall renew on each anniversary of the commencement date unless 90 days' "
     "written notice is given'.", "automatic-extension", "crosses"),
    ("18 months plus an option to go another 12 months, but the option only happens if we "
     "send them a written notice exercising it.", "automatic-extension", "within"),
    # A price for each of things counted before it.
    ("2,400 rugged handhelds for our officers at £520 each, for staff use only.",
     "approval-threshold", "needs_approval"),
    ("200 rugged handhelds for our officers at £520 each, for staff use only.",
     "approval-threshold", "within"),
    ("£12 each year for the licence.", "approval-threshold", "within"),
    # A term counted from go-live is a term, not put off (chat-19).
    ("Larchmont will host it for 36 months after go-live.", "hosting-length",
     "crosses"),
    # A tool named as public.
    ("A tiny public tool so people can check if they need a licence, £120k.",
     "approval-threshold", "needs_approval"),
])
def test_renewal_paper_prices_each_and_public_tools(text: str, rule: str, verdict: str) -> None:
    assert verdicts(text)[rule] == verdict


def test_a_price_per_user_is_counted_by_the_staff_who_use_it() -> None:
    """The people may be named before their count, and by another word (chat-15)."""
    text = "An internal tool at £75 per user per year on a 3 year term. The number of staff "
    assert verdicts(text + "using it could be anywhere from 3,000 to 6,000.")[
        "approval-threshold"] == "needs_approval"
    assert verdicts(text + "using it could be anywhere from 3,000 to 3,500.")[
        "approval-threshold"] == "within"


@pytest.mark.parametrize("text, rule, verdict", [
    # Who uses it, said indirectly (chat-17).
    ("Only our caseworkers will ever use it. A new case management build, £140k.",
     "approval-threshold", "within"),
    ("The booking site families use to arrange prison visits needs rebuilding, £140k.",
     "approval-threshold", "needs_approval"),
    ("The online service boat owners will use to register, £130k.", "approval-threshold",
     "needs_approval"),
    ("The dashboard our service owners will use, £130k.", "approval-threshold", "within"),
    ("The licence for the tool our benefits staff use internally is £930k.",
     "approval-threshold", "within"),
    # The integrator role in plain words, in the same deal.
    ("A new supplier will run it day to day. They've also offered, in the same deal, to take "
     "on joining it up with our payments and case system.", "service-and-integrator",
     "crosses"),
])
def test_users_and_roles_said_indirectly(text: str, rule: str, verdict: str) -> None:
    assert verdicts(text)[rule] == verdict


@pytest.mark.parametrize("text, years", [
    ("starts the first of april 2027 and finishes the last day of march 2029", 2.0),
    ("from the 1st of April 2027 to the 31st of March 2028", 1.0),
])
def test_dates_with_their_days_in_words(text: str, years: float) -> None:
    assert [y for y, _, _ in durations(text, this_year=2026)] == [years]


def test_a_price_over_a_range_of_terms_is_its_least_and_its_most() -> None:
    facts = read_facts(passages("A support contract at £450k a year. The term is still being "
                                "argued over - somewhere between 2 and 3 years."), 2026)
    assert sorted(a.value for a in facts.amounts) == [900_000, 1_350_000]


@pytest.mark.parametrize("text, rule, verdict", [
    # The same provider signed up again is a new hosting contract (chat-17).
    ("Our current hosting deal runs out in March. The plan is to sign up with the same "
     "provider again for another 3 years.", "hosting-length", "crosses"),
    # Where the public is, or a question about it, says nothing of who uses it.
    ("Inspectors use the app out in the field with the public around, £650k. Does that make "
     "it public facing?", "approval-threshold", "within"),
])
def test_a_provider_signed_again_and_the_public_nearby(text: str, rule: str,
                                                       verdict: str) -> None:
    assert verdicts(text)[rule] == verdict


def test_one_winner_of_the_service_lot_and_the_integration_lot_does_both() -> None:
    text = ("We ran the buy as 2 lots: lot 1 = run the service, lot 2 = systems integration for "
            "that same platform. Same company came top on both lots.")
    assert verdicts(text)["service-and-integrator"] == "crosses"
    apart = ("Two lots: lot 1 runs the service, lot 2 is systems integration. No single "
             "company may win both lots.")
    assert verdicts(apart).get("service-and-integrator") != "crosses"


@pytest.mark.parametrize("text", [
    "Harbour Digital Ltd builds and runs it, and the integration is done by Harbour Systems "
    "plc - despite the names they're totally separate companies.",
    "Integration done by our in-house devs.",
])
def test_an_integrator_said_to_be_someone_else_keeps_the_line(text: str) -> None:
    assert verdicts(text)["service-and-integrator"] == "within"


def test_kit_bought_for_the_departments_own_data_centre_is_no_hosting() -> None:
    text = ("The storage arrays in our Swansea data centre go out of support next year. We "
            "propose buying new arrays for the data centre at £5.2m, including five years' "
            "hardware support.")
    assert "hosting-length" not in verdicts(text)
    bought = "We will sign a new contract for the data centre hosting our systems, 5 years."
    assert verdicts(bought)["hosting-length"] == "crosses"
