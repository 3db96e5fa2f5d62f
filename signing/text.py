"""The service's text policy, repeated here: which characters signature evidence may hold.

This library cannot import the service, whose policy (`agreements/domain/text.py`) says why
each class is refused; `tests/unit/test_text_policy.py` proves both refuse exactly the same
characters, so text the service accepted can always be sealed.
"""

from __future__ import annotations

import unicodedata

_KEPT_JOINERS = frozenset("\u200c\u200d")
_BIDI = frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
)
_CATEGORIES = {
    "Cc": "control character",
    "Cs": "lone surrogate",
    "Co": "private use character",
    "Zl": "line or paragraph separator",
    "Zp": "line or paragraph separator",
    "Cf": "invisible formatting character",
}
SEQUENCES = ("{_{", "}_}", "{_%", "%_}")


def refused_char(char: str, *, multiline: bool = True) -> str | None:
    """What one character is when it is refused (`control character`, ...), or None."""
    code = ord(char)
    if 0x20 <= code < 0x7F or (multiline and char in "\n\t"):
        return None
    if char == "\n":
        return "line break"
    if char == "\t":
        return "tab"
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return "noncharacter"
    if char in _BIDI:
        return "bidirectional control character"
    if char in _KEPT_JOINERS:
        return None
    return _CATEGORIES.get(unicodedata.category(char))


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` is refused, naming the first bad character and where, or None."""
    if not (value.isascii() and value.isprintable()):
        for index, char in enumerate(value):
            kind = refused_char(char, multiline=multiline)
            if kind is not None:
                return f"{kind} U+{ord(char):04X} at character {index + 1}"
    for sequence in SEQUENCES:
        if sequence in value:
            return f"the sequence {sequence!r} would be changed by the document engine"
    return None
