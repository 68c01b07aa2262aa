"""What a user asking questions sees: grounded quotes, the right source, honest refusals."""

from __future__ import annotations

import pytest

from bot.answer import MAX_QUESTION_CHARS, NOT_COVERED, Status, within_words
from bot.quotes import Citation


def quotes_of(answer) -> str:
    return "\n".join(q for c in answer.citations for q in c.quotes)


def test_red_lines_are_listed_from_the_maintainers_summary(answerer) -> None:
    answer = answerer.ask("What are the red lines?")
    assert answer.answered
    summary = [c for c in answer.citations if c.doc_id == "spend-control-red-lines-summary"]
    assert summary, answer.text
    shown = quotes_of(answer)
    for line in ("£100 million", "system integrator", "automatic contract extensions",
                 "no more than 2 years"):
        assert line in shown
    # Shown as the maintainers' summary, with links to the sources, not as guidance text.
    assert summary[0].kind == "summary"
    assert "not guidance text" in summary[0].note
    # One short note, once, with one link to a source of the summary.
    assert answer.text.count("not guidance text") == 1
    assert summary[0].note.count("https://") == 1
    assert "https://www.gov.uk/government/news/government-draws-the-line" in summary[0].note


def test_design_principles_cite_the_superseded_draft_code(answerer) -> None:
    answer = answerer.ask("What principles must departments follow when designing technology "
                          "solutions?")
    first = answer.citations[0]
    assert first.doc_id == "technology-code-of-practice-draft"
    assert first.section == "Designing the solution"
    assert "3. Choose cloud first by:" in first.quotes
    assert "superseded" in first.note and "superseded" in answer.text


def test_roles_question_quotes_the_supporting_sentence(answerer) -> None:
    answer = answerer.ask("Who does the service manager report to?")
    first = answer.citations[0]
    assert (first.doc_id, first.section) == ("technology-leadership", "People")
    assert any("reporting into the CDO" in quote for quote in first.quotes)
    assert "draft" in first.note
    assert first.url == "https://www.gov.uk/service-manual/the-team/recruitment/scs-orgdesign"
    assert first.link.startswith(first.url + "#:~:text=")


def test_strategy_is_cited_by_paragraph_and_flagged_historical(answerer) -> None:
    answer = answerer.ask("How much does the UK public sector spend on IT each year?")
    first = answer.citations[0]
    assert first.doc_id == "transformational-government-2005"
    # Paragraphs 11 and 44 both state the figure.
    assert first.section in ("Current Position, paragraph 11",
                             "Portfolio Management, paragraph 44")
    assert "£14 billion" in first.quote
    assert "historical" in first.note and "2005" in first.note


def test_acronyms_find_the_spelled_out_role(answerer) -> None:
    answer = answerer.ask("Which civil service grades is a CTO usually at?")
    assert answer.citations[0].doc_id == "chief-technology-officer"
    assert "SCS 2 (Senior Civil Service 2)" in answer.citations[0].quotes


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "How do I bake sourdough bread?",
    "Who won the 2022 World Cup?",
])
def test_off_topic_questions_are_not_answered(answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert not answer.answered and answer.status is Status.NOT_COVERED
    assert answer.citations == []
    assert answer.text.startswith(NOT_COVERED)
    # The decline says in one line what the guidance does cover, closest first.
    assert answer.suggestions and answer.covers.startswith("I can answer from:")
    assert answer.covers in answer.text and answer.text.count("\n") <= 2


def test_words_the_guidance_never_uses_are_pointed_out(answerer) -> None:
    answer = answerer.ask("What does a chief technology officer do, concretely?")
    assert answer.answered
    assert "“concretely”" in answer.text and answer.unknown_terms == ["concretely"]


def test_a_thing_the_guidance_never_names_is_declined_by_name(answerer) -> None:
    answer = answerer.ask("What does a chief technology officer do in a quango?")
    assert not answer.answered and answer.reason == "unknown_subject"
    assert "never mentions “quango”" in answer.text


def test_a_number_the_guidance_does_not_give_a_thing_is_declined(answerer) -> None:
    """The guidance has version 6 of the spend control and SCS 1 and 2, nothing else."""
    answer = answerer.ask("when's v7 of the digital and technology spend control coming out?")
    assert not answer.answered and "never mentions “version 7”" in answer.text
    assert answerer.ask("What grade is SCS 2?").answered


def test_chat_words_and_corrected_typos_are_not_pointed_out(answerer) -> None:
    answer = answerer.ask("pls what does a cheif technology officer actualy do?")
    assert answer.answered and answer.unknown_terms == []
    assert ("cheif", "chief") in answer.corrections
    assert answer.citations[0].doc_id == "chief-technology-officer"


@pytest.mark.parametrize("question", [
    "What is the salary of an SCS 2 chief technology officer?",
    "How long does spend control approval usually take?",
    "Who do I email to get our spend control case looked at?",
])
def test_questions_asking_for_what_the_guidance_never_gives_are_declined(answerer, question):
    """They share words with the guidance, but no sentence gives a salary, a duration for
    approval or a contact."""
    answer = answerer.ask(question)
    assert not answer.answered, answer.text
    assert answer.reason in ("unsupported_ask", "unknown_subject"), answer.reason


def test_quotes_are_verbatim_slices_of_stored_chunks(answerer, corpus_settings) -> None:
    from bot import core

    stored = core.open_store(corpus_settings).active_collection().get()
    texts = stored["documents"]
    for question in ("What does a chief technology officer do?", "What are the red lines?",
                     "What three transformations did the 2005 strategy call for?",
                     "What should CTOs understand about services and devices?"):
        answer = answerer.ask(question)
        assert answer.citations
        for citation in answer.citations:
            for quote in citation.quotes:
                assert any(quote in text for text in texts), quote
                assert quote in answer.text  # and shown as written


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", "\u200b\u200b", "?!", "🙂"])
def test_empty_questions_get_a_clear_message(answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.status is Status.EMPTY and not answer.answered
    assert "Please type a question" in answer.text


def test_question_length_limit(answerer) -> None:
    at_limit = ("What are the red lines? " * 200)[:MAX_QUESTION_CHARS]
    assert answerer.ask(at_limit).status is not Status.TOO_LONG
    answer = answerer.ask("x" * (MAX_QUESTION_CHARS + 1))
    assert answer.status is Status.TOO_LONG and not answer.answered
    assert f"{MAX_QUESTION_CHARS:,} characters" in answer.text


@pytest.mark.parametrize("question", [
    "¿Cuáles son las líneas rojas del control de gastos?",
    "ما هي الخطوط الحمراء؟",
    "红线是什么？",
    "What are the red lines?\x00\x07\x1b[31m",
    "Ｗｈａｔ ａｒｅ ｔｈｅ ｒｅｄ ｌｉｎｅｓ？",
    "Z̷̢̛a̸l̴g̵o̶ spend controls",
    "a" * 3000,
])
def test_other_languages_and_odd_unicode_do_not_crash(answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.status in (Status.ANSWERED, Status.NOT_COVERED)
    assert "\x00" not in answer.text and "\x1b" not in answer.text


def test_fullwidth_text_is_understood(answerer) -> None:
    answer = answerer.ask("Ｗｈａｔ ａｒｅ ｔｈｅ ｒｅｄ ｌｉｎｅｓ？")
    assert answer.answered
    assert answer.citations[0].doc_id == "spend-control-red-lines-summary"


def test_json_shape(answerer) -> None:
    data = answerer.ask("Who should manage the retirement of legacy systems?").to_dict()
    assert {"question", "answer", "answered", "citations", "status"} <= set(data)
    citation = data["citations"][0]
    assert {"n", "doc_id", "title", "section", "url", "quote", "score"} <= set(citation)
    assert citation["n"] == 1 and isinstance(citation["score"], float)


def test_follow_up_uses_the_earlier_turn(answerer) -> None:
    history = ["What does a chief technology officer do?"]
    answer = answerer.ask("And who does that role report to?", history)
    assert answer.answered
    assert answer.searched_for.startswith(history[0])
    assert any("report into" in q for c in answer.citations for q in c.quotes)


def test_a_question_that_stands_alone_ignores_history(answerer) -> None:
    answer = answerer.ask("What is the approval threshold for public-facing digital services?",
                          ["Who does the service manager report to?"])
    assert answer.searched_for == answer.question
    assert answer.citations[0].doc_id == "spend-control-red-lines-summary"


@pytest.mark.parametrize("question, subject", [
    ("What is the spend control threshold for AI projects?", "AI"),
    ("Which football club does the Minister for the Cabinet Office support?", "football"),
    ("Does the code of practice approve Microsoft Azure?", "Microsoft"),
])
def test_named_things_the_guidance_never_mentions_are_declined(answerer, question,
                                                               subject) -> None:
    answer = answerer.ask(question)
    assert not answer.answered and subject in answer.missing_subjects
    assert f"never mentions “{subject}”" in answer.text


def test_money_written_in_words_meets_the_figure(answerer) -> None:
    answer = answerer.ask("Is there a limit on IT contracts worth more than a hundred million "
                          "pounds?")
    assert answer.answered
    assert any("£100 million" in q for c in answer.citations for q in c.quotes)


def test_two_part_question_cites_both_sources(answerer) -> None:
    answer = answerer.ask("What grade is a CTO and who might CTOs report to?")
    docs = {c.doc_id for c in answer.citations}
    assert {"chief-technology-officer", "technology-leadership"} <= docs


def test_a_length_typed_against_its_number_is_read(answerer) -> None:
    answer = answerer.ask("3yr contract for a new hosting platform for our intranet, £200k. ok?")
    assert answer.verdict is not None and answer.verdict.verdict == "crosses"
    assert "3 years" in answer.lead


def test_how_to_answer_is_not_what_to_search_for(answerer) -> None:
    from bot.understand import understand

    read = understand("in one line, what is a chief technology officer?", answerer.lexicon, None)
    assert read.text == "what is a chief technology officer?"
    answer = answerer.ask("in one line, what is a chief technology officer?")
    assert answer.citations[0].doc_id == "chief-technology-officer"


def test_a_cost_named_in_a_question_about_a_role_is_not_a_price_asked_for(answerer) -> None:
    answer = answerer.ask("is a tech chief expected to get their head round the whole-of-life "
                          "cost of what they buy?")
    assert answer.reason == "answered"
    assert answer.citations[0].doc_id == "chief-technology-officer"


def test_either_or_asking_for_an_exception_is_answered_by_the_rule(answerer) -> None:
    """"Absolute or is there wiggle room?" is answered by the red line's "unless there is an
    exceptional reason", though neither side's words are the guidance's (chat-11)."""
    answer = answerer.ask("is the 100m ceiling on IT deals absolute or is there wiggle room?")
    assert answer.reason == "answered"
    assert any("unless there is an exceptional reason" in q
               for c in answer.citations for q in c.quotes)


@pytest.mark.parametrize("question", ["is the CTO and CDO structure just a stopgap?"])
def test_how_long_a_structure_is_meant_to_last_is_answered(answerer, question: str) -> None:
    """Everyday words for permanence ("forever", "stopgap") find the guidance's own: the
    model "is not designed to provide a fixed structure for decades to come" (chat-11)."""
    answer = answerer.ask(question)
    assert answer.reason == "answered", answer.text
    assert any("fixed structure for decades" in q for c in answer.citations for q in c.quotes)


def test_a_name_run_into_its_year_is_spelled_out(answerer) -> None:
    """"TG2005" is the 2005 strategy, not a word the guidance lacks (chat-11)."""
    answer = answerer.ask("TG2005 - how much £ did they reckon could be freed up from legacy IT?")
    assert answer.reason == "answered"
    assert any("£1.4 billion" in q for c in answer.citations for q in c.quotes)
    assert not any("reckon" in note for note in answer.notes)  # a hedge, not a subject


@pytest.mark.parametrize("question", [
    "how does the CDO role differ from the CTO role in a dept?",
    # The CDO side's passage is chosen for a sentence about CDOs, not one that names the CDO
    # in passing ("...reporting into the CDO").
    "whats the difference between the CTO and the CDO?",
])
def test_each_side_of_a_contrast_gets_its_own_sentence(answerer, question: str) -> None:
    answer = answerer.ask(question)
    quotes = " ".join(q for c in answer.citations for q in c.quotes)
    assert "CDOs will concentrate on producing digital public services" in quotes
    assert "CTOs will concentrate on providing the department-specific IT" in quotes


def test_a_follow_up_keeps_the_facts_of_the_turn_before(answerer) -> None:
    answer = answerer.ask("even if it's only fifty quid?",
                          history=["do we need approval to spend on Crypt-Key?"])
    assert answer.verdict is not None and answer.verdict.verdict == "needs_approval"
    assert "Crypt-Key" in answer.lead


@pytest.mark.parametrize("question", [
    "could we appeal if spend control turns down our business case?",
    "How many principles are in the Service Standard?",  # no number counts principles
    # A kind of approval the guidance never names: the thresholds do not say it exists.
    "we signed a contract last month without spend control approval - can we get "
    "retrospective sign off?",
])
def test_process_questions_and_uncounted_things_are_declined(answerer, question) -> None:
    answer = answerer.ask(question)
    assert not answer.answered and answer.verdict is None


def test_how_many_is_answered_by_a_number_counting_the_thing(answerer) -> None:
    answer = answerer.ask("how many call centres did government run back in 2005?")
    assert answer.answered
    assert "130 major call centres" in answer.citations[0].quotes[-1]


def test_a_list_asked_for_as_a_whole_is_quoted_whole(answerer) -> None:
    answer = answerer.ask("Which three key transformations does the 2005 strategy say the "
                          "vision needs?")
    quotes = " ".join(answer.citations[0].quotes)
    for item in ("designed around the citizen", "shared services culture",
                 "professionalism"):
        assert item in quotes


def test_a_typo_one_letter_from_an_english_word_is_not_made_a_guidance_word(answerer):
    answer = answerer.ask("is this guidance offical?")
    assert ("offical", "official") in answer.corrections


def test_what_a_thing_is_is_answered_by_its_definition(answerer) -> None:
    # A lead-in before the question, and where the role sits, change nothing.
    for question in ("what's a cto?", "hey team - what is a CTO supposed to be in an "
                                      "organisation?"):
        answer = answerer.ask(question)
        assert answer.citations[0].doc_id == "chief-technology-officer", question
        assert answer.citations[0].quote == ("A chief technology officer is the "
                                             "organisation's technology strategist.")


def test_a_sentence_about_a_subject_says_something_of_it(answerer) -> None:
    from bot.quotes import about

    lexical = answerer.retriever.snapshot().lexical
    cdo = lexical.query_terms("CDO")
    assert about("CDOs will concentrate on producing digital public services.", cdo, lexical)
    assert about("mission IT: the line of business applications", lexical.query_terms(
        "mission IT"), lexical)
    assert not about("a service manager role should be in place, reporting into the CDO with "
                     "accountability.", cdo, lexical)


@pytest.mark.parametrize("question, name", [
    ("Who signed the foreword to Transformational Government?", "Tony Blair"),
    ("who was government CTO when the CTO guidance was written?", "Liam Maxwell"),
])
def test_who_did_something_is_answered_with_the_name(answerer, question, name) -> None:
    answer = answerer.ask(question)
    assert name in answer.citations[0].quote or name in " ".join(answer.citations[0].quotes)


def test_who_holds_a_post_now_is_declined(answerer) -> None:
    # The guidance names a government CTO of 2013, never who holds the post now.
    answer = answerer.ask("who is the current government CTO?")
    assert not answer.answered and answer.reason == "unsupported_ask"


def test_words_the_guidance_never_uses_do_not_sink_what_is_asked_for(answerer) -> None:
    # "mention" is no word of the guidance: it used to outweigh "red lines", and the count
    # "four red lines" was declined as not given.
    answer = answerer.ask("the draft code of practice - how many red lines does it mention?")
    assert answer.answered
    assert any("four red lines" in q for c in answer.citations for q in c.quotes)


@pytest.mark.parametrize("question", [
    "are there real examples of departments allowed past the hosting red line?",
    "how much have spend controls saved so far?",  # the £100 million limit is no saving
])
def test_examples_and_savings_the_guidance_never_gives_are_declined(answerer, question):
    answer = answerer.ask(question)
    assert not answer.answered and answer.reason == "unsupported_ask"


def test_examples_the_guidance_gives_are_quoted(answerer) -> None:
    answer = answerer.ask("what are examples of leadership for the technology architecture "
                          "skill?")
    assert answer.answered and answer.citations[0].section.startswith("Technology architecture")


def test_a_two_part_question_answers_the_part_the_guidance_gives(answerer) -> None:
    answer = answerer.ask("what grade is a CTO and how many CTOs are there in government?")
    assert answer.answered
    assert "SCS 2 (Senior Civil Service 2)" in answer.citations[0].quotes
    assert "does not say this part: “how many CTOs are there in government”" in answer.text
    assert len(answer.citations) == 1  # nothing quoted for the part it does not give


@pytest.mark.parametrize("question", [
    "is there a limit on how long hosting contracts can be?",  # the guidance: "no more than"
    "what are CTOs told about commodity tech?",  # "told" is no thing asked about
])
def test_everyday_words_for_the_guidance_are_not_unknown_subjects(answerer, question):
    answer = answerer.ask(question)
    assert answer.answered, answer.message


def test_a_question_naming_the_document_is_answered_by_what_it_says(answerer) -> None:
    # The draft code's own header says what it is; the words naming the code are in all of
    # its sentences, so they must not pick the sentence that merely repeats its name.
    answer = answerer.ask("is the tech code of practice actually official government policy?")
    first = answer.citations[0]
    assert first.doc_id == "technology-code-of-practice-draft"
    assert "DRAFT - not a statement of government policy" in first.quotes


def test_what_about_a_new_subject_replaces_the_old_one() -> None:
    from bot.answer import with_context
    earlier = ["what does the 2005 strategy say about shared services?"]
    assert with_context("and what about call centres?", earlier) == \
        "what does the 2005 strategy say about call centres?"
    # "what about it/if..." is not a new subject: the turns are read together.
    assert with_context("what about if it is public facing?", earlier).startswith(earlier[0])


def test_a_follow_up_on_a_new_subject_is_answered_about_it(answerer) -> None:
    answer = answerer.ask("and what about call centres?",
                          ["what does the 2005 strategy say about shared services?"])
    assert "130 major call centres" in quotes_of(answer)


def test_a_possessive_abbreviation_is_spelled_out(answerer) -> None:
    answer = answerer.ask("when a citizen service sits on the dept's own back-end systems, "
                          "who owns it end to end?")
    assert answer.answered
    assert "reporting into the CDO" in quotes_of(answer)


def test_a_verb_after_which_is_not_the_thing_asked_for(answerer) -> None:
    answer = answerer.ask("Which team carries out the assurance of technology against the code?")
    assert "Standards Assurance team" in quotes_of(answer)
    assert "carries" not in answer.text  # a paraphrase of "conducted", not a missing word


def test_spend_that_may_or_may_not_include_crypt_key_depends_on_it(answerer) -> None:
    answer = answerer.ask("internal case tool, £300k, 1 yr. the vendor says the package may "
                          "or may not include Crypt-Key. do we need sign off?")
    assert answer.verdict.verdict == "depends"
    assert answer.lead.startswith("It depends on whether it includes Crypt-Key.")
    assert "any spend on Crypt-Key needs approval, whatever the amount" in quotes_of(answer)


def test_a_sentence_spelled_out_by_the_next_is_quoted_with_it(answerer) -> None:
    answer = answerer.ask("What is the Service Transformation Board supposed to do?")
    quoted = quotes_of(answer)
    assert "The role of this board is to set overall operational strategy" in quoted
    assert "In particular, it will set overarching service design principles" in quoted


@pytest.mark.parametrize("question", [
    "is there a fast-track route for urgent spend control approvals?",
    "do spend controls apply to local councils as well?",
])
def test_sharing_only_spend_control_words_with_a_passage_is_no_answer(answerer,
                                                                      question) -> None:
    answer = answerer.ask(question)
    assert not answer.answered
    assert "£100 million" not in answer.text  # not the red lines, which a reader takes as one


def test_a_question_in_the_domains_own_words_is_still_answered(answerer) -> None:
    answer = answerer.ask("what needs spend control approval?")
    assert "public-facing digital services need approval" in quotes_of(answer)


def test_a_role_the_passages_do_not_name_is_not_answered_by_another_roles(answerer) -> None:
    answer = answerer.ask("what SCS grade is a Head of Business IT?")
    assert not answer.answered  # the guidance gives the CTO's grade, not this role's
    assert answerer.ask("what SCS grade is a chief technology officer?").answered


def test_an_either_or_the_passages_do_not_settle_is_declined(answerer) -> None:
    answer = answerer.ask("does the £100m red line apply to each call-off or to the total "
                          "value of the framework?")
    assert not answer.answered
    settled = answerer.ask("is a CTO usually SCS 1 or SCS 2?")  # the passage names both
    assert "SCS 2 (Senior Civil Service 2)" in quotes_of(settled)


def test_a_question_about_a_rules_exception_gets_no_verdict(answerer) -> None:
    answer = answerer.ask("what sort of thing is a compelling case for an auto extension?")
    assert answer.verdict is None  # nothing here is a purchase that crosses the red line
    scenario = answerer.ask("can we sign a contract that renews automatically every year?")
    assert scenario.verdict.verdict == "crosses"
    made = answerer.ask("we signed a contract last month without approval - can we get "
                        "retrospective sign off?")
    assert made.verdict is None  # a contract already signed is not one being proposed


def test_org_chart_and_split_are_read_as_the_guidances_words(answerer) -> None:
    answer = answerer.ask("is it ok for our digital lead to sit a grade below the tech lead "
                          "in the org chart?")
    assert "the same or higher seniority level as technology" in quotes_of(answer)


def test_chat_money_and_negated_roles_give_the_rules_verdict(answerer) -> None:
    answer = answerer.ask("staff intranet refresh, four hundred and fifty grand, 12 months, no "
                          "auto renewal, separate integrator. do we need approval?")
    assert answer.verdict.verdict == "within"
    answer = answerer.ask("18 month new hosting contract, £300k, internal only, doesnt renew "
                          "automatically, hosting firm isnt the SI. ok?")
    assert answer.verdict.verdict == "within"


def test_a_name_written_without_its_hyphen_is_known(answerer) -> None:
    answer = answerer.ask("8k top-up of Crypt Key licences for internal use, do we need approval?")
    assert answer.answered and answer.verdict.verdict == "needs_approval"


def test_contractions_and_generic_adjectives_are_not_unknown_words(answerer) -> None:
    answer = answerer.ask("I don't get why the CTO guidance goes on about openness, what do "
                          "they mean by it?")
    assert "don" not in answer.text.replace("don't", "")
    answer = answerer.ask("what are the main skills a CTO needs?")
    assert answer.answered


def test_two_thresholds_compared_are_limits_not_a_purchase(answerer) -> None:
    answer = answerer.ask("what's the difference between the £100k and £1m thresholds?")
    assert answer.verdict is None
    assert "all other digital, data and technology spend needs approval above £1,000,000" \
        in quotes_of(answer)
    # "when does which one apply?" asks in what case, not for a date
    assert answerer.ask("diff between the 100k and the 1m thresholds - when does which one "
                        "apply?").answered


def test_a_list_question_is_answered_with_the_sections_that_are_its_items(answerer) -> None:
    answer = answerer.ask("what skils does a CTO need to have?")
    assert answer.lead.startswith("Chief technology officer sets out 6 skills: Strategic "
                                  "technology planning; Technology architecture; Financial "
                                  "decision making for technology; Technology evaluation;")
    assert "Roles that share" not in answer.lead  # about skills, not one of them
    assert len(answer.text.split()) <= 120
    assert answerer.ask("what are the red lines?").lead == ""  # items of a list, not sections


def test_a_plural_ending_a_contrast_names_what_both_sides_are(answerer) -> None:
    answer = answerer.ask("How do the CTO and CDO roles differ?")
    shown = quotes_of(answer)
    assert "CDOs will concentrate on producing digital public services" in shown
    assert "CTOs will concentrate on providing the department-specific IT" in shown


def test_a_skill_is_quoted_by_what_it_is_not_its_examples(answerer) -> None:
    answer = answerer.ask("CTO skills re finance - wht r they meant to do w/ tech buying "
                          "decisions?")
    assert "assess the full financial implication of a technology buying decision" \
        in quotes_of(answer)
    examples = answerer.ask("what are examples of leadership in financial decision making "
                            "for technology?")
    assert "Examples of leadership using this skill:" in quotes_of(examples)


def test_outages_and_cyber_incidents_are_the_guidances_attacks_and_disasters(answerer) -> None:
    answer = answerer.ask("Is a CTO expected to make sure systems keep running through outages "
                          "and cyber incidents?")
    assert "continuously operational and resistant to attacks and disasters" in quotes_of(answer)


def test_a_red_lines_exception_asked_in_chat_words_is_answered_by_its_bullet(answerer) -> None:
    answer = answerer.ask("is there any wiggle room on auto extensions or is it a flat no?")
    assert "there are no automatic contract extensions, unless there is a compelling case " \
           "for one" in quotes_of(answer)
    assert not answerer.ask("is there any wiggle room on the deadline for the 2005 "
                            "consultation?").answered


def test_a_length_or_integrator_still_undecided_gives_it_depends_not_a_red_line(
        answerer) -> None:
    answer = answerer.ask("new hosting contract for an internal case system, ~£500k, no "
                          "auto-renewal, separate integrator, no crypt-key. length not agreed "
                          "yet, supplier is pushing for 3 yrs, we'd prefer 2. is that a problem?")
    assert answer.verdict.verdict == "depends"
    assert "how long the new hosting contract runs" in answer.verdict.sentence
    assert "Crypt-Key" not in answer.verdict.sentence  # "no crypt-key" decided that
    answer = answerer.ask("internal workflow service, £600k, 1 year fixed, no hosting. the "
                          "company providing the service has also bid to be the SI and we "
                          "haven't picked the integrator yet. any red line risk?")
    assert answer.verdict.verdict == "depends"
    decided = answerer.ask("internal workflow service, £600k, 1 year fixed. the company "
                           "providing the service will also be the SI. any red line risk?")
    assert decided.verdict.verdict == "crosses"


def test_answer_form_phrases_and_size_words_are_not_reported_as_missing(answerer) -> None:
    answer = answerer.ask("quick one - in a nutshell what's a CTO meant to be in an org?")
    assert "nutshell" not in answer.text
    answer = answerer.ask("does spend contrl need aproval for crypt key if its a tiny amount?")
    assert answer.answered
    assert "any spend on Crypt-Key needs approval, whatever the amount" in answer.text


def test_words_naming_the_document_do_not_pick_a_section(answerer) -> None:
    # "DDaT" expands to digital and data, which name the CTO document's framework, not one skill
    answer = answerer.ask("DDaT framework CTO role - what skills r listed?")
    assert "Strategic technology planning" in answer.text
    assert "Innovation in digital and data" in answer.text


def test_a_word_in_a_purchases_telling_does_not_decline_the_rules_answer(answerer) -> None:
    """An unknown word in the story of a purchase is not what is asked: the rules answer
    "… extends automatically if the supplier hits its KPIs. is that allowed?" (chat-12)."""
    answer = answerer.ask("internal hr tool, £750k, 2 yr term, but the contract extends by "
                          "another yr automatically if the supplier hits its KPIs. is that "
                          "allowed?")
    assert answer.answered and answer.verdict.verdict == "crosses", answer.text
    # Asked in the question itself, it is still a subject the guidance does not cover.
    assert not answerer.ask("is VAT included in the £100k threshold?").answered


def test_chat_version_and_a_verb_after_the_project_are_understood(answerer) -> None:
    """"ver" is version; "as the project goes" asks for no thing called "goes" (chat-12)."""
    answer = answerer.ask("which ver of the D&T SC do the thresholds come from?")
    assert answer.answered and "version 6" in answer.text
    answer = answerer.ask("are we meant to nail the whole design down at the start or keep "
                          "discovering stuff as the project goes?")
    assert answer.answered, answer.text
    assert any("ongoing discovery" in q for c in answer.citations for q in c.quotes)


def test_a_name_typed_in_lower_case_is_still_a_subject_the_guidance_lacks(answerer) -> None:
    """"uk gdpr" is a law the guidance never mentions, typed in lower case: not an English
    word, nor the guidance's, nor a typo of either (chat-12). In a purchase the rules
    decide, such a word names what is bought and the rules still answer."""
    answer = answerer.ask("does uk gdpr change whether we need SC approval for a data "
                          "project?")
    assert not answer.answered and "gdpr" in answer.text.lower()
    answer = answerer.ask("our internal helpdesk contract auto-renews every year unless we "
                          "give notice - is that allowed?")
    assert answer.answered and answer.verdict.verdict == "crosses"


def test_a_deadline_asked_for_is_answered_by_a_date_given(answerer) -> None:
    """"Deadline" is not the guidance's word, but a date it gives answers the question
    (chat-7, chat-13); with no date about the subject, the question is still declined."""
    answer = answerer.ask("wat was the deadine for sending coments back on the "
                          "transformational govt strategy?")
    assert answer.answered and "3 February 2006" in answer.text
    assert not answerer.ask("whats the deadline for this yr's spend control pipeline "
                            "submission?").answered


def test_chat_initials_and_overlap_are_read(answerer) -> None:
    """"OSS" is open source software, "PM" the Prime Minister, and skills that "overlap"
    are the profile's "shared skills" (chat-13)."""
    answer = answerer.ask("does the guidance for CTOs say anything abt OSS?")
    assert answer.answered and "open source" in answer.text
    assert "OSS" not in " ".join(answer.notes)
    answer = answerer.ask("which CTO skills overlap w/ other roles?")
    assert answer.answered and "shared skills" in answer.text


def test_a_public_side_only_hoped_for_leaves_the_threshold_open(answerer) -> None:
    """"we *might* add a portal so the public can check…" does not make a £650k system
    public-facing: which threshold applies depends on who uses it (chat-13)."""
    answer = answerer.ask("case mgmt system ~£650k for 1 yr. caseworkers will use it and we "
                          "*might* add a portal so the public can check their case status "
                          "but nobody's decided yet. does it need SC approval?")
    assert answer.verdict.verdict == "depends", answer.text
    answer = answerer.ask("case mgmt system ~£650k for 1 yr with a portal so the public can "
                          "check their case status. does it need SC approval?")
    assert answer.verdict.verdict == "needs_approval"


def test_whether_the_summary_page_is_official_is_answered_from_the_page(answerer) -> None:
    """The page says of itself that it is the maintainers' summary, not guidance text
    (chat-12, chat-13); who must follow the red lines is still not answered by it."""
    answer = answerer.ask("so is the red lines page actually official guidance or is it "
                          "just someone's notes lol")
    assert answer.answered
    assert any("not guidance text" in q for c in answer.citations for q in c.quotes)
    assert not answerer.ask("do local councils have to follow the red lines too?").answered


def test_a_sentence_far_above_the_rest_leads_a_comparison(answerer) -> None:
    """"how senior should the digital lead be compared with the tech lead?" is answered by
    one sentence comparing them, found far above every other passage (chat-13)."""
    answer = answerer.ask("according to the tech leadership guidance, if a dept runs digital "
                          "services, how senior should the digital lead be compared with the "
                          "tech lead?")
    assert "same or higher seniority level as technology" in answer.citations[0].quotes[0]


def test_everyday_words_for_making_change_last_find_the_2005_goal(answerer) -> None:
    """"bedded in so there's no going back" is the strategy's "embedded … irreversible, by
    2011" (chat-13)."""
    answer = answerer.ask("by what year did the 2005 strategy want the big changes bedded in "
                          "so there's no going back?")
    assert "irreversible, by 2011" in answer.citations[0].quotes[0]


def test_a_part_asking_who_is_answered_with_a_name(answerer) -> None:
    """Each part of a two-part question prefers the sentence giving what it asks for: "who
    was govt CTO…" is answered with the sentence naming him (chat-12)."""
    answer = answerer.ask("who was govt CTO in the guidance for ctos page, and what does it "
                          "say about openness?")
    assert "Liam Maxwell" in answer.text


def test_who_signs_off_a_red_lines_exception_is_declined(answerer) -> None:
    """"if we have an exceptional reason…, who signs that off and what do we submit?" is a
    condition and its question, and the guidance says who approves nothing of the kind
    (chat-13); who approves new standards, it does say."""
    answer = answerer.ask("if we genuinely have an exceptional reason to go over £100m, who "
                          "signs that off and what do we need to submit?")
    assert not answer.answered and answer.verdict is None
    answer = answerer.ask("who approves new standards going into the tcop?")
    assert answer.answered and "approved by Technology Leaders" in answer.text


def test_a_choice_still_open_leaves_its_rule_open(answerer) -> None:
    """Crypt-Key in one of two products not yet picked, and a service nobody has decided is
    for the public, leave the verdict depending on them (chat-14)."""
    answer = answerer.ask("£60k for a secure internal messaging tool. of the 2 shortlisted "
                          "products one is built on Crypt-Key and the other isnt, we havent "
                          "picked yet. do we need approval?")
    assert answer.verdict.verdict == "depends" and "Crypt-Key" in answer.verdict.sentence
    answer = answerer.ask("we're budgeting ~£500k for a new digital service but tbh nobody's "
                          "decided yet whether it'll be for the public or just for our "
                          "caseworkers. will it need approval?")
    assert answer.verdict.verdict == "depends"


def test_both_collections_search_wide_enough_to_agree_from_process_to_process(answerer) -> None:
    """Below Chroma's sync threshold each process rebuilds the HNSW graph from the log, and
    rebuilt graphs differ; with Chroma's default search breadth (100) one chat-5 question's
    sentence search missed its passage in 2 of 30 fresh processes. With 500, 0 of 30, and
    two full `spendbot eval` runs agree on every question's top relevance."""
    snapshot = answerer.retriever.snapshot()
    for collection in (snapshot.collection, snapshot.sentences):
        hnsw = collection.configuration_json["hnsw"]
        assert hnsw["space"] == "cosine" and hnsw["ef_search"] >= 500


def test_a_length_naming_the_limit_is_no_contract_term(answerer) -> None:
    """"the 2 yr limit on hosting contracts" names the red line's figure, not a contract of
    2 years: no verdict that it is within the limit (chat-14)."""
    answer = answerer.ask("does the 2 yr limit on hosting contracts also cover saas "
                          "subscriptions or is it just iaas / data centre stuff?")
    assert answer.verdict is None and "within" not in answer.text


def test_a_section_is_cited_once_with_all_its_quotes(answerer) -> None:
    """The lead sentence of a two-part answer and a part's quote from the same section are
    one citation, not the same sentence twice (chat-14)."""
    answer = answerer.ask("when were the red lines first announced, and which gds blog post "
                          "explains them?")
    places = [(c.doc_id, c.section) for c in answer.citations]
    assert len(places) == len(set(places)), places


def test_which_press_release_or_blog_post_is_answered_by_the_sources_line(answerer) -> None:
    """The page's line naming its sources is references when nobody asks for them, and the
    answer when someone asks which press release or blog post set the red lines out."""
    answer = answerer.ask("which cabinet office press release originally set out the IT red "
                          "lines?")
    assert "Government draws the line on bloated and wasteful IT contracts" in answer.text
    answer = answerer.ask("What are the red lines?")
    assert not any(q.startswith("Sources:") for c in answer.citations for q in c.quotes)


def test_how_two_roles_split_the_work_is_a_comparison(answerer) -> None:
    """"how do the cdo and cto split the work?" quotes what each concentrates on (chat-14)."""
    answer = answerer.ask("in a dept that has both, how do the cdo and cto split the work "
                          "between them?")
    quotes = " ".join(q for c in answer.citations for q in c.quotes)
    assert "CDOs will concentrate on" in quotes and "CTOs will concentrate on" in quotes


def test_a_sentence_saying_what_it_is_goes_with_the_one_before(answerer) -> None:
    """"… not designed to provide a fixed structure for decades to come. It's a model that …
    is designed to revolutionise technology usage over the next 3 to 5 years": the second
    says what the first's model is for, so they are quoted together (chat-5, chat-10)."""
    answer = answerer.ask("is the CTO/CDO set-up supposed to be permanent?")
    assert any("over the next 3 to 5 years" in q for q in answer.citations[0].quotes)


def test_a_hosting_contract_already_signed_is_no_new_one(answerer) -> None:
    """"our existing hosting contract was signed back in 2023 … and runs till 2030": the red
    line is for new hosting contracts, so paying this year's invoice crosses nothing and its
    length decides nothing (chat-13)."""
    answer = answerer.ask("our existing hosting contract was signed back in 2023 (before my "
                          "time) and runs till 2030. we're not changing anything, just paying "
                          "this yr's £60k invoice for an internal system. does the hosting red "
                          "line mean we have to do something about it?")
    assert answer.verdict.verdict == "within", answer.text


def test_tln_and_iirc_are_read(answerer) -> None:
    """"the TLN iirc?" is the Technology Leaders Network and a hedge (chat-14)."""
    answer = answerer.ask("TCoP q - who signs off the bigger changes to the code? the TLN iirc?")
    assert answer.answered and "approved through the Technology Leaders Network" in answer.text


def test_targets_asked_for_must_be_given(answerer) -> None:
    """The code of practice names the Greening Government ICT strategy but none of its
    targets: "what targets does that strategy set?" is declined (chat-14)."""
    answer = answerer.ask("the tcop mentions the greening govt ICT strategy - what targets "
                          "does that strategy actually set for depts?")
    assert not answer.answered


def test_a_price_by_the_month_with_its_length_undecided_depends_on_the_length(answerer) -> None:
    answer = answerer.ask("public facing webchat, supplier charges £25k a month. we haven't "
                          "decided whether to go for 3 months or 6. no rollover, no hosting, "
                          "no crypt-key. do we need approval?")
    assert answer.verdict.verdict == "depends"
    assert "how long it runs" in answer.verdict.sentence
    assert "£25k a month" in answer.verdict.sentence
    settled = answerer.ask("public facing webchat at £25k a month for 6 months, no rollover, "
                           "no hosting, no crypt-key. do we need approval?")
    assert settled.verdict.verdict == "needs_approval"


def test_an_exceptional_reason_claimed_leaves_the_red_line_to_that_reason(answerer) -> None:
    claimed = answerer.ask("we want a single £160m IT contract. the SRO reckons there's an "
                           "exceptional reason (security) but nobody has agreed it yet. "
                           "does it cross the red line?")
    assert claimed.verdict.verdict == "depends"
    assert claimed.verdict.sentence.startswith("It depends on the exceptional reason")
    none = answerer.ask("we want a single £160m IT contract, no exceptional reason, it's "
                        "just easier. does it cross the red line?")
    assert none.verdict.verdict == "crosses"


def test_chat_words_for_developers_are_not_spelling_mistakes(answerer) -> None:
    answer = answerer.ask("our own devs do the integration for a £50k internal dev contract, "
                          "do we need approval?")
    assert "deus" not in answer.text and "deus" not in str(answer.to_dict()["corrections"])


def test_an_acronym_spelled_out_in_the_question_is_no_unknown_name(answerer) -> None:
    answer = answerer.ask("TG 2005: what was the CSIA (central sponsor for info assurance) "
                          "going to improve?")
    assert answer.answered and answer.citations[0].doc_id == "transformational-government-2005"
    made_up = answerer.ask("TG 2005: what was the XQZ (a bunch of cool dogs) going to do?")
    assert not made_up.answered


def test_a_name_run_into_two_figures_of_its_year_is_spelled_out(answerer) -> None:
    answer = answerer.ask("TG05 portfolio mgmt - whose methodology were depts meant to build "
                          "on? DWP/HMRC?")
    assert answer.answered
    assert "Department for Work and Pensions" in answer.text


def test_a_limit_named_in_a_question_is_no_purchase(answerer) -> None:
    cap = answerer.ask("for the 2 yr hosting cap, does the clock start from contract signature "
                       "or from go-live?")
    assert cap.verdict is None or not cap.verdict.outcomes
    example = answerer.ask("before the red lines came in in 2014, was there an older cap on IT "
                           "contract size, like £250m or something?")
    assert example.verdict is None or not example.verdict.outcomes


def test_a_unit_price_over_a_range_of_counts_depends_on_the_count(answerer) -> None:
    answer = answerer.ask("public facing identity check, supplier charges £1.50 per check. "
                          "volumes could be anywhere from 50k to 100k checks over the 12 month "
                          "fixed term. no hosting, no rollover, separate SI, no crypt-key. "
                          "approval needed?")
    assert answer.verdict.verdict == "depends"
    assert "£100,000" in answer.verdict.sentence


def test_a_doubt_about_the_same_part_of_government_leaves_the_line_to_it(answerer) -> None:
    answer = answerer.ask("the firm that runs our agency's internal back office wants to be the "
                          "SI for that same service too, but the SI contract would be let by "
                          "our parent department. not sure if agency and parent dept count as "
                          "the same part of govt?")
    assert answer.verdict.verdict == "depends"
    assert "same part of government" in answer.verdict.sentence


def test_a_sum_named_in_a_question_about_a_strategy_is_no_purchase(answerer) -> None:
    answer = answerer.ask("how much of the £1.4bn legacy spend did the 2005 strategy actually "
                          "free up in the end?")
    assert answer.verdict is None


def test_a_term_added_up_is_shown_as_it_was_written(answerer) -> None:
    answer = answerer.ask("new hosting contract: 104 weeks of live hosting plus a 6 week exit "
                          "period, £210k, internal, no auto renew. ok to sign?")
    assert answer.verdict.verdict == "crosses"
    assert "104 weeks plus 6 weeks" in answer.verdict.sentence


@pytest.mark.parametrize("question, shown", [
    ("new hosting contract for internal HR apps, 96 weeks, £310k total, no rollover, the host "
     "isn't the integrator, no crypt-key. any red line?", "hosting contract of 96 weeks"),
    ("quote to build the online service boat owners will use to register: £6,500 a week for "
     "20 weeks, no extension, no hosting, our devs integrate it. ok?",
     "£6,500 a week for 20 weeks"),
])
def test_a_term_in_weeks_is_shown_in_weeks(answerer, question: str, shown: str) -> None:
    """No figure the user did not write: 96 weeks is not "22 months" (chat-19)."""
    assert shown in answerer.ask(question).verdict.sentence


def test_a_question_about_what_happened_in_practice_is_declined_saying_why(answerer) -> None:
    answer = answerer.ask("did the government IT academy from the 05 strategy ever actually "
                          "open? when and where?")
    assert not answer.answered and answer.reason == "asks_outcome"
    assert "not what happened in practice" in answer.text
    planned = answerer.ask("what was the 2005 plan for cutting down the number of govt "
                           "websites - where were services meant to end up?")
    assert planned.answered


def test_chat_abbreviations_from_chat_16_are_read(answerer) -> None:
    dti = answerer.ask("TG05 - was the CIO Council meant to work w/ DTI on research & "
                       "innovation?")
    assert dti.answered and "Department of Trade and Industry" in dti.text
    probs = answerer.ask("CTO role (DDaT) - under innovation, anything re bringing in "
                         "tech/methods that fix probs shared across teams?")
    assert probs.answered and "probe" not in str(probs.to_dict()["corrections"])
    tl = answerer.ask("TL guidance - is there a std way to restructure SCS tech roles, same "
                      "in every dept?")
    assert tl.answered and tl.citations[0].doc_id == "technology-leadership"


def test_a_letter_left_out_is_put_back_before_a_letter_changed(answerer) -> None:
    answer = answerer.ask("does the cto role profle say anything about long term tech "
                          "directon?")
    assert ("directon", "direction") in answer.corrections


def test_a_question_about_the_cto_finds_the_cto_role_profile(answerer) -> None:
    """The role profile, not only the page titled "Guidance for CTOs" (chat-20)."""
    answer = answerer.ask("does the CTO have a say in how we buy in people and services, not "
                          "just technology?")
    assert answer.citations[0].doc_id == "chief-technology-officer"
    assert "buying technology, services and human resources" in answer.text


@pytest.mark.parametrize("question", [
    "if our £2m contract grows ~10% through change requests after SC has signed it off, do "
    "we have to go back to spend control?",
    "if the scope grows after spend control signs it off, when do we have to resubmit?",
    "does the service assessment have to happen before we submit our spend control case?",
])
def test_the_process_around_an_approval_is_declined(answerer, question: str) -> None:
    """The rules say what needs approval, not what a change after sign-off needs, nor the
    order of assurance steps: no verdict on the sums, no passage that shares the words
    (chat-19, chat-20)."""
    answer = answerer.ask(question)
    assert answer.verdict is None
    assert not answer.answered and answer.reason == "unsupported_ask"


def test_a_word_the_rules_read_is_never_corrected(answerer) -> None:
    """"per annum" is not "per annul": £14.5m a year for 7 years is over £100m (chat-19)."""
    answer = answerer.ask("one contract for our internal casework platform at £14.5m per annum "
                          "on a 7 yr term, separate SI, no hosting. just an SC sign off?")
    assert "annum" not in dict(answer.corrections)
    assert answer.verdict.verdict == "crosses"


def test_an_optional_sum_that_would_cross_the_threshold_leaves_the_verdict_to_it(answerer) -> None:
    answer = answerer.ask("internal support contract, £900k, 2 yrs fixed, no hosting, separate "
                          "SI, no crypt-key. there's an optional £150k add-on that we might buy "
                          "under the same contract. do we need approval?")
    assert answer.verdict.verdict == "depends"
    assert "optional £150k" in answer.verdict.sentence
    small = answerer.ask("internal support contract, £500k, 2 yrs fixed, no hosting, separate "
                         "SI, no crypt-key. there's an optional £150k add-on that we might buy. "
                         "do we need approval?")
    assert small.verdict.verdict == "within"


def test_the_end_of_a_financial_year_answers_by_when(answerer) -> None:
    answer = answerer.ask("who was going to approve the detailed action plan for the 2005 "
                          "strategy, and by when was it supposed to be published?")
    assert answer.answered and "end of the current" in answer.text


def test_a_couple_of_mil_is_two_million(answerer) -> None:
    answer = answerer.ask("new internal case management build, a couple of mil over two years, "
                          "separate integrator, no hosting, no crypt-key. do we need approval?")
    assert answer.verdict.verdict == "needs_approval"


def test_everyday_idioms_are_not_subjects_the_guidance_lacks(answerer) -> None:
    answer = answerer.ask("does the CTO page expect us to get how our systems hang together "
                          "not just in our own team but across other depts and govt as a whole?")
    assert answer.answered
    assert "across team, departments and government" in answer.text


@pytest.mark.parametrize("question", [
    "TL pg, 5yr quadrant: does hosting sit under infra or back office?",
    "two quick ones: can a contract ever be allowed to renew itself automatically, and is "
    "there any amount of crypt-key spend small enough to skip approval?",
    "for the £100m red line, do optional extension years count towards the contract value or "
    "is it just the core term?",
])
def test_questions_about_the_rules_get_no_purchase_verdict(answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.verdict is None or not answer.verdict.outcomes


def test_a_lead_in_whose_item_will_not_fit_is_left_for_more() -> None:
    """Never a lead-in shown without its item: "To implement it:" waits with what it leads
    into under "More" when the item will not fit (chat-16)."""
    def citation(n: int, quotes: list[str], items: list[bool]) -> Citation:
        return Citation(n, "d", "T", "S", "", "", quotes[0], quotes, 0.5, f"c{n}", "current",
                        "guidance", "", items)

    words = " ".join(["word"] * 50)
    first = citation(1, [words + "."], [False])
    second = citation(2, ["A short sentence about it.", "To implement it:", words + "."],
                      [False, False, True])
    shown, more = within_words([first, second], budget=100)
    assert not [q for c in shown for q in c.quotes][-1].endswith(":")
    assert more and more[0].quotes == ["To implement it:", words + "."]


def test_a_hosting_contract_already_signed_is_answered_with_the_hosting_rule(answerer) -> None:
    answer = answerer.ask("our existing hosting contract was signed back in 2023 and runs till "
                          "2030. we're just paying this yr's £60k invoice for an internal "
                          "system. does the hosting red line mean we have to do something?")
    assert answer.verdict.verdict == "within"
    assert "one already signed is not new" in answer.verdict.sentence
    assert any("new hosting contracts may last no more than 2 years" in q
               for c in answer.citations for q in c.quotes)


@pytest.mark.parametrize("question, verdict", [
    # A supplier named in the telling is part of the purchase, not an unknown subject.
    ("public 'report fly-tipping' form, around 90 grand for 10 months, fixed, no rollover. "
     "Harbour Digital Ltd builds and runs it, and the integration is done by Harbour Systems "
     "plc - separate companies. no hosting, no crypt-key. any problem?", "within"),
    # Users said by who they are (chat-18).
    ("our portal where businesses register as waste carriers needs rebuilding. £600k over 2 "
     "yrs, fixed term, no hosting, separate SI, no crypt-key. do we need approval?",
     "needs_approval"),
    ("new hosting contract for the payroll team's reporting server - starts 1 november 2027, "
     "ends 31 october 2029, £38k a month. nothing rolls over, no crypt-key, and only payroll "
     "staff ever log in. ok to sign?", "within"),
    # A product looked at but not chosen adds no Crypt-Key.
    ("internal secure file transfer, £620k over 2 years fixed. We looked at a Crypt-Key based "
     "product but went with a different encryption vendor, so there's no Crypt-Key in it. "
     "anything needed from SC?", "within"),
    # A hosting contract already signed, asked about again, is not a new one.
    ("just over a million (about £1.04m) on a new triage app for our caseworkers, 2 yr fixed, "
     "separate SI, no crypt-key. it'll sit on our existing hosting contract, which was signed "
     "in 2022 for 6 years. does that 6 yr hosting break a red line?", "needs_approval"),
    # A sum that may or may not be part of the contract, across the £100m line.
    ("single contract for our internal tax platform: base price £97m, plus a £5m change-control "
     "pot that commercial may or may not write into the contract value. separate SI, no "
     "hosting, no crypt-key. red line or just approval?", "depends"),
    ("new online payments service for the public, £4 per payment over a fixed 5 yr term. "
     "forecasts say anywhere from 20 to 30 million payments. single contract, no crypt-key. "
     "what's the position?", "depends"),
])
def test_chat_18_scenarios(answerer, question: str, verdict: str) -> None:
    answer = answerer.ask(question)
    assert answer.verdict is not None and answer.verdict.verdict == verdict, answer.text


@pytest.mark.parametrize("question, verdict", [
    ("secure comms programme wants one contract - a hundred and twelve million over 8 years, "
     "lots of Crypt-Key kit in it. separate SI, no hosting. anything else we should know?",
     "crosses"),
    ("live chat on our public 'report a change to your benefit' pages: £9,500 a month for 12 "
     "months, fixed. no hosting, no rollover, no crypt-key. approval?", "needs_approval"),
])
def test_chat_money_in_words_and_services_named_public(answerer, question: str,
                                                       verdict: str) -> None:
    assert answerer.ask(question).verdict.verdict == verdict


def test_the_bar_is_the_standard_asked_for(answerer) -> None:
    answer = answerer.ask("what's the bar the old service manual page for CTOs sets for how "
                          "good govt tech should get - like, who should actually be keen to use "
                          "it?")
    assert answer.answered and answer.citations[0].doc_id == "guidance-for-ctos"
