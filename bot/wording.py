"""Small pieces of English used wherever the bot lists things back to a user."""

from __future__ import annotations


def readable_list(items: list[str], conjunction: str = "and") -> str:
    """“a”, “b” and “c”: items joined as a sentence would list them."""
    return f" {conjunction} ".join(", ".join(items).rsplit(", ", 1))


def quoted(words: list[str], conjunction: str = "and") -> str:
    return readable_list([f"“{w}”" for w in words], conjunction)
