"""Folding text for search: what a coordinator types and what a case is found by.

A case is found by its tenant's and co-tenants' names, its address, its reference, its
tenancy contract numbers and its judgments' case numbers (and ECLIs). All of it is folded
the same way, stored in one column (`cases.search_text`) and matched term by term, so
"yilmaz" finds Yılmaz, "zoe" finds Zoë, "3527tv" and "3527 tv" find 3527 TV and
"marshallaan 45" finds Marshallaan 45.

Folding: a few letters that do not decompose (Turkish dotless ı, ø, ł, đ, æ, œ, ß, ...)
are spelled out first; then NFKD, without the combining marks, case-folded, with runs of
white space as one space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters NFKD leaves whole, spelled as a Dutch keyboard types them.
_SPELLED = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ħ": "h",
        "ŧ": "t",
    }
)
# What separates search terms: white space, and the commas and semicolons of an address
# typed as "Marshallaan 45, Utrecht".
_SEPARATORS = re.compile(r"[\s,;]+")
# The separator between the parts of a stored search text; no term can contain it.
PART_SEPARATOR = " | "
_POSTCODE = re.compile(r"(\d{4}) ?([a-z]{2})")


def fold(value: str) -> str:
    """`value` without accents, case or doubled spaces: "Yılmaz  Zoë" -> "yilmaz zoe"."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_SPELLED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_SPELLED).split())


def terms(query: str) -> list[str]:
    """The folded terms of a query; a case matches when its search text holds every one."""
    return [t for t in _SEPARATORS.split(fold(query)) if t and t != "|"]


def _postcode_forms(postcode: str) -> str:
    # "3527 TV" is stored as "3527 tv 3527tv": typed with or without the space, it is found.
    match = _POSTCODE.fullmatch(fold(postcode))
    return f"{match[1]} {match[2]} {match[1]}{match[2]}" if match else fold(postcode)


def case_search_text(
    *,
    names: Iterable[str],
    reference: str | None,
    street: str,
    house_number: str,
    postcode: str,
    city: str,
    numbers: Iterable[str | None] = (),
) -> str:
    """The folded text one case is found by (the column `cases.search_text`)."""
    parts = [
        *names,
        reference or "",
        f"{street} {house_number}",
        _postcode_forms(postcode),
        city,
        *(n for n in numbers if n),
    ]
    return PART_SEPARATOR.join(f for f in (fold(p) for p in parts) if f)
