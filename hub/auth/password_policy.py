"""What a staff password may not be. Pure (reads only the list shipped beside it).

Refused: shorter than ``MIN_PASSWORD_LENGTH``; containing the username; one short pattern repeated
or too few different characters; a run of consecutive characters; one of the 10,000 most common
passwords, also with digits or punctuation added at the end ("dragon2024!").
"""

from __future__ import annotations

import itertools
import json
import string
from functools import cache
from importlib import resources

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
MIN_DISTINCT_CHARACTERS = 4
_TRAILING = string.digits + string.punctuation + " "


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("hub.auth").joinpath("common_passwords.json").read_text(encoding="utf-8")
    listed: list[str] = json.loads(text)["passwords"]
    return frozenset(p.casefold() for p in listed)


def password_problem(password: str, username: str) -> str | None:
    """Why this password is refused for this user, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password may have at most {MAX_PASSWORD_LENGTH} characters"
    folded = password.casefold()
    name = username.casefold()
    if name and (folded == name or (len(name) >= 3 and name in folded)):
        return "the password must not contain the username"
    if _is_repeated(folded) or len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        return "the password is one short pattern repeated; use more different characters"
    if _is_run(folded):
        return "the password is a run of consecutive characters"
    common = common_passwords()
    base = folded.rstrip(_TRAILING)
    if folded in common or (len(base) >= 4 and base in common):
        return "the password is one of the most common passwords; choose another"
    return None


def _is_repeated(text: str) -> bool:
    """``abcabcabca``: the whole text repeats a unit at most half its length."""
    n = len(text)
    return any(all(text[i] == text[i % unit] for i in range(n)) for unit in range(1, n // 2 + 1))


def _is_run(text: str) -> bool:
    """``abcdefghij``, ``9876543210``: every step goes one character up, or every step one down."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})
