"""Reading sums of money however they are written (used by retrieval and proposal review)."""

from __future__ import annotations

import pytest

from bot.money import amounts, money_terms, pounds


@pytest.mark.parametrize("text, pounds", [
    ("no IT contract worth more than £100 million", 100e6),
    ("a hundred million pounds", 100e6),
    ("a £1.2 billion programme", 1.2e9),
    ("240 million pounds", 240e6),
    ("£240m over five years", 240e6),
    ("spend above £1,000,000", 1e6),
    ("£3.5bn", 3.5e9),
    ("two hundred million pounds", 200e6),
    ("costs £750k a year", 750e3),
    ("three hundred and forty million pounds", 340e6),
    ("a quarter of a billion pounds", 250e6),
    ("one and a half million pounds", 1.5e6),
    ("half a million pounds", 500e3),
    ("one point two billion pounds", 1.2e9),
    ("nine hundred and ninety-nine thousand pounds", 999e3),
    ("twenty-five million pounds", 25e6),
    ("supplier quote is about two hundred k for 12 months", 200e3),  # chat-14
])
def test_amounts(text: str, pounds: float) -> None:
    assert [a.value for a in amounts(text)] == [pounds]


@pytest.mark.parametrize("text", ["a 5 year contract", "paragraph 33", "SCS 2", "in 2014",
                                  "10% of the current spend", "over 2500 websites",
                                  "one and a half teams", "a quarter of the staff",
                                  "12k users", "we have 200 k users"])
def test_numbers_that_are_not_money(text: str) -> None:
    assert amounts(text) == []


def test_several_amounts_in_order() -> None:
    found = amounts("between £10m and £20 million, not 5 million pounds")
    assert [a.value for a in found] == [10e6, 20e6, 5e6]
    assert [a.text for a in found] == ["£10m", "£20 million", "5 million pounds"]
    assert money_terms("£10m") == ["£10000000"]


def test_sums_written_back_as_people_write_them() -> None:
    assert [pounds(v) for v in (100e6, 1e6, 100e3, 1.5e6, 2.5e9, 850e3)] == [
        "£100 million", "£1 million", "£100,000", "£1.5 million", "£2.5 billion", "£850,000"]


def test_grand_is_thousands_of_pounds() -> None:
    from bot.money import amounts

    assert [a.value for a in amounts("four hundred and fifty grand, or 450 grand")] == [
        450_000, 450_000]
    assert amounts("a grand total of £5m")[0].value == 5_000_000
    assert amounts("the Grand Plan") == []


def test_number_words_joined_by_a_comma_after_a_scale_word() -> None:
    [amount] = amounts("The price is eleven million, two hundred thousand pounds a year.")
    assert amount.value == 11_200_000
