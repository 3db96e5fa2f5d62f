"""The one text policy: which characters text may hold when it enters the service, and why not.

Every way in applies it before anything is stored: the API's input models, the staff and
signing forms, query strings of pages and CLI arguments. The document engine (`templates`)
and the signature evidence (`signing`) cannot import this module, so each keeps an
equivalent check; `tests/unit/test_text_policy.py` proves the three refuse exactly the same
characters, so whatever was accepted can always be rendered and sealed.

Refused, with the reason named per field:
- control characters (Unicode category Cc, NUL included); tab and newline only where the
  field is multi-line text. Line ends are normalised first: browsers send CRLF;
- lone surrogates (Cs): not text at all, they truncate documents;
- bidirectional controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F and U+061C: they
  make a name or an amount read differently from what is stored (a signed name that shows
  reversed);
- every other invisible formatting character (Cf): zero-width space, BOM, word joiner,
  soft hyphen, tag characters. Decided: the soft hyphen is refused too; it arrives from
  copy and paste, is invisible and makes equal words differ. Kept: the zero-width
  non-joiner and joiner (U+200C, U+200D), needed to spell Persian, Kurdish and Indic
  names and to write emoji sequences;
- the line and paragraph separators U+2028 and U+2029 (Zl, Zp): use a newline;
- noncharacters U+FDD0-U+FDEF and U+xFFFE, U+xFFFF in every plane (XML forbids some);
- private use characters (Co). Decided: refused; no font we render with has them, so what
  a party signs would show an empty box;
- the sequences `{_{`, `}_}`, `{_%` and `%_}`: the document engine would change them.
Unassigned code points are accepted: a phone may send an emoji newer than our Unicode data.

Use cases given plain strings (the CLI, multipart form fields) apply it through
`services.inputs.one_line`. Text only shown back and never stored (an uploaded file's name)
is neutralised with `shown` instead of refused.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

KEPT_JOINERS = frozenset("\u200c\u200d")
BIDI_CONTROLS = frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
)
SEQUENCES = ("{_{", "}_}", "{_%", "%_}")


class Refused(StrEnum):
    """Why a character (or sequence) is refused; each has an English and a Dutch reason."""

    CONTROL = "control character"
    LINE_BREAK = "line break"
    TAB = "tab"
    SURROGATE = "lone surrogate"
    BIDI = "bidirectional control character"
    INVISIBLE = "invisible formatting character"
    SEPARATOR = "line or paragraph separator"
    NONCHARACTER = "noncharacter"
    PRIVATE_USE = "private use character"
    SEQUENCE = "sequence the document engine would change"


# What the character is, said so that a tenant reading at B1 level understands it.
_DUTCH = {
    Refused.CONTROL: "een onzichtbaar teken",
    Refused.LINE_BREAK: "een nieuwe regel",
    Refused.TAB: "een tab",
    Refused.SURROGATE: "een kapot teken",
    Refused.BIDI: "een onzichtbaar teken dat de leesrichting omdraait",
    Refused.INVISIBLE: "een onzichtbaar teken",
    Refused.SEPARATOR: "een ongewoon regeleinde",
    Refused.NONCHARACTER: "een teken dat niet bestaat",
    Refused.PRIVATE_USE: "een teken dat wij niet kunnen tonen",
    Refused.SEQUENCE: "een combinatie van tekens die wij niet kunnen gebruiken",
}


@dataclass(frozen=True)
class Refusal:
    """The first thing in a text the policy refuses: what, which character and where."""

    kind: Refused
    found: str
    index: int  # 0-based, in characters

    @property
    def code(self) -> str:
        if self.kind is Refused.SEQUENCE:
            return repr(self.found)
        return f"U+{ord(self.found):04X}"

    def english(self) -> str:
        """The reason in the API's language, e.g. `contains a tab (U+0009) at character 4`."""
        article = "an" if self.kind.value[0] in "aeiou" else "a"
        return f"contains {article} {self.kind.value} ({self.code}) at character {self.index + 1}"

    def dutch(self) -> str:
        """The reason for a page, in plain Dutch."""
        what = _DUTCH[self.kind]
        shown = self.found if self.kind is Refused.SEQUENCE else self.code
        if self.kind in (Refused.LINE_BREAK, Refused.TAB):
            advice = "Zet alles op één regel."
        else:
            advice = "Typ de tekst opnieuw, zonder kopiëren en plakken."
        return f"In de tekst staat {what} ({shown}, teken {self.index + 1}). {advice}"


class UnsafeText(ValueError):
    """Text the policy refuses; `refusal` says what and where."""

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        super().__init__(refusal.english())


def refused(char: str, *, multiline: bool = True) -> Refused | None:
    """Why one character is refused, or None when it may be stored."""
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return None
    if char == "\n":
        return None if multiline else Refused.LINE_BREAK
    if char == "\t":
        return None if multiline else Refused.TAB
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return Refused.NONCHARACTER
    if char in BIDI_CONTROLS:
        return Refused.BIDI
    category = unicodedata.category(char)
    if category == "Cf":
        return None if char in KEPT_JOINERS else Refused.INVISIBLE
    return _BY_CATEGORY.get(category)


_BY_CATEGORY = {
    "Cc": Refused.CONTROL,
    "Cs": Refused.SURROGATE,
    "Co": Refused.PRIVATE_USE,
    "Zl": Refused.SEPARATOR,
    "Zp": Refused.SEPARATOR,
}


def find_refusal(value: str, *, multiline: bool = True) -> Refusal | None:
    """The first character or sequence of `value` the policy refuses, or None."""
    if not (value.isascii() and value.isprintable()):  # plain ASCII needs no walk
        for index, char in enumerate(value):
            kind = refused(char, multiline=multiline)
            if kind is not None:
                return Refusal(kind, char, index)
    hits = [(value.find(s), s) for s in SEQUENCES if s in value]
    if hits:
        index, sequence = min(hits)
        return Refusal(Refused.SEQUENCE, sequence, index)
    return None


def normalise_line_ends(value: str) -> str:
    """CRLF (what browsers send from a textarea) and a lone CR become a newline."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def check(value: str, *, multiline: bool = True) -> str:
    """`value` with its line ends normalised, or UnsafeText naming the first refused character."""
    value = normalise_line_ends(value)
    refusal = find_refusal(value, multiline=multiline)
    if refusal is not None:
        raise UnsafeText(refusal)
    return value


REPLACEMENT = "\ufffd"


def shown(value: str, *, limit: int = 200) -> str:
    """Text the service only shows back and never stores (an uploaded file's name), made safe
    to show: each character the one-line policy refuses becomes U+FFFD, so a right-to-left
    override (U+202E) cannot make `rapport` + U+202E + `fdp.exe` read as `rapportexe.pdf`,
    and the reader sees that something was there. Cut to `limit` characters.

    Decided: such names are neutralised, not refused. The name is the sender's file system's
    business; refusing to check a PDF because of its name would help nobody.
    """
    value = value[:limit]
    if value.isascii() and value.isprintable():
        return value
    return "".join(REPLACEMENT if refused(c, multiline=False) else c for c in value)
