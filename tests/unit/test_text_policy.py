"""The one text policy: what it refuses, and that renderer and evidence refuse exactly the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from agreements.domain import text
from agreements.domain.errors import ValidationFailed
from agreements.services import inputs
from agreements.web.staff.forms import pydantic_errors
from signing import text as signing_text
from signing.evidence import Identification, SignatureEvidence
from templates import text as templates_text
from templates.errors import UnsafeInput
from templates.render import check_data

EVERY_CODE_POINT = [chr(c) for c in range(0x110000)]

REFUSED = {
    "NUL": ("nul\x00", text.Refused.CONTROL),
    "U+0001 and RLO from the issue": ("Zo\x01\u202e kooH", text.Refused.CONTROL),
    "right-to-left override": ("Zo\u202e kooH", text.Refused.BIDI),
    "left-to-right embedding": ("a\u202ab", text.Refused.BIDI),
    "first strong isolate": ("a\u2068b", text.Refused.BIDI),
    "right-to-left mark": ("a\u200fb", text.Refused.BIDI),
    "zero-width space": ("Jan\u200bsen", text.Refused.INVISIBLE),
    "byte order mark": ("\ufeffJansen", text.Refused.INVISIBLE),
    "soft hyphen": ("Jan\u00adsen", text.Refused.INVISIBLE),
    "word joiner": ("a\u2060b", text.Refused.INVISIBLE),
    "tag character": ("a\U000e0041", text.Refused.INVISIBLE),
    "line separator": ("a\u2028b", text.Refused.SEPARATOR),
    "paragraph separator": ("a\u2029b", text.Refused.SEPARATOR),
    "U+FFFF": ("a\uffff", text.Refused.NONCHARACTER),
    "U+FFFE": ("a\ufffe", text.Refused.NONCHARACTER),
    "U+FDD0": ("a\ufdd0", text.Refused.NONCHARACTER),
    "U+10FFFF": ("a\U0010ffff", text.Refused.NONCHARACTER),
    "private use": ("a\ue000", text.Refused.PRIVATE_USE),
    "lone surrogate": ("a\ud800b", text.Refused.SURROGATE),
    "C1 control": ("a\x85b", text.Refused.CONTROL),
    "escape": ("\x1b[31m", text.Refused.CONTROL),
    "docxtpl sequence": ("a {_{ b", text.Refused.SEQUENCE),
}
ACCEPTED = [
    "Ünal & Zoë Yılmaz",
    "mr. J.P. de Vries-van 't Hek",
    "محمد العلي",  # Arabic script is text, not a trick
    "فاطمه\u200cزاده",  # the zero-width non-joiner belongs to Persian spelling
    "👩\u200d👩\u200d👧 🏠",  # an emoji family joined by zero-width joiners
    "李小龙",
    "€ 1.234,56\u00a0per maand",
    "new\U0001fae9emoji",  # unassigned in older Unicode data: a phone may send it
]


@pytest.mark.parametrize("value,kind", REFUSED.values(), ids=REFUSED.keys())
def test_refused_everywhere_with_the_reason(value: str, kind: text.Refused) -> None:
    refusal = text.find_refusal(value)
    assert refusal is not None and refusal.kind is kind
    assert value[refusal.index :].startswith(refusal.found)
    assert templates_text.text_problem(value) and signing_text.text_problem(value)
    with pytest.raises(text.UnsafeText, match="contains"):
        text.check(value)


@pytest.mark.parametrize("value", ACCEPTED)
def test_accepted_on_one_line_and_kept_exactly(value: str) -> None:
    assert text.check(value, multiline=False) == value
    assert templates_text.text_problem(value) is None
    assert signing_text.text_problem(value, multiline=False) is None


def test_tab_and_newline_only_in_multi_line_text() -> None:
    assert text.check("Eerste regel\n\tTweede") == "Eerste regel\n\tTweede"
    for value, kind in (("a\nb", text.Refused.LINE_BREAK), ("a\tb", text.Refused.TAB)):
        refusal = text.find_refusal(value, multiline=False)
        assert refusal is not None and refusal.kind is kind and refusal.index == 1
        assert signing_text.text_problem(value, multiline=False)


def test_browser_line_ends_are_normalised_not_refused() -> None:
    assert text.check("a\r\nb\rc") == "a\nb\nc"
    raw = text.find_refusal("a\rb")  # a carriage return that was not normalised is refused
    assert raw is not None and raw.kind is text.Refused.CONTROL
    assert templates_text.text_problem("a\rb") and signing_text.text_problem("a\rb")
    assert inputs.CareNotesIn(text="Gesprek\r\nmet huurder").text == "Gesprek\nmet huurder"


def test_reasons_name_the_character_and_where_in_english_and_dutch() -> None:
    refusal = text.find_refusal("Zo\u202e kooH")
    assert refusal is not None
    assert refusal.english() == (
        "contains a bidirectional control character (U+202E) at character 3"
    )
    assert refusal.dutch().startswith(
        "In de tekst staat een onzichtbaar teken dat de leesrichting omdraait (U+202E, teken 3)."
    )


def test_the_renderer_and_the_evidence_refuse_exactly_what_the_policy_refuses() -> None:
    """What the service accepts can always be rendered and sealed: the sets are identical."""
    for multiline in (True, False):
        policy = {c for c in EVERY_CODE_POINT if text.refused(c, multiline=multiline)}
        evidence = {
            c for c in EVERY_CODE_POINT if signing_text.refused_char(c, multiline=multiline)
        }
        renderer = {
            c for c in EVERY_CODE_POINT if templates_text.refused_char(c, multiline=multiline)
        }
        assert policy == evidence == renderer, multiline
        assert len(policy) > 137_000  # the private use planes alone hold 131,068
    assert text.SEQUENCES == templates_text.SEQUENCES == signing_text.SEQUENCES


def test_the_renderer_uses_the_same_check_on_every_code_point() -> None:
    # One string per code point would take minutes; the check walks the text character by
    # character, so every refused character on its own must be found in one long text.
    for char in EVERY_CODE_POINT:
        if text.refused(char) is not None:
            assert templates_text.text_problem(f"ab{char}") is not None
    with pytest.raises(UnsafeInput, match=r"U\+202E"):
        check_data({"tenant": {"name": "Zo\u202e kooH"}})
    check_data({"tenant": {"name": "Ünal & Zoë", "notes": "regel 1\nregel 2\tmet tab"}})


@pytest.mark.parametrize("field", ["typed_name", "party_name", "witness_name"])
def test_evidence_refuses_what_the_evidence_page_could_not_render(field: str) -> None:
    good = {
        "party_role": "tenant",
        "party_name": "Samira el Idrissi",
        "identified_by": Identification.IN_PERSON,
        "document_sha256": "a" * 64,
        "signed_at": datetime(2026, 12, 1, tzinfo=UTC),
        "consent_text": "Ik ga akkoord.",
        "consent_version": "2024-01",
        "typed_name": "Samira el Idrissi",
        "witness_name": "A. Bakker",
    }
    SignatureEvidence(**good)
    with pytest.raises(ValueError, match=f"{field}: control character U\\+0001"):
        SignatureEvidence(**{**good, field: "Zo\x01\u202e kooH"})


def test_input_models_refuse_with_a_field_reason_and_a_dutch_one() -> None:
    with pytest.raises(ValidationError) as caught:
        inputs.PersonIn(name="Zo\u202e kooH", address={"street": "Oude\u200bgracht",
                        "house_number": "1", "postcode": "3511 AB", "city": "Utrecht"})  # fmt: skip
    details = caught.value.errors()
    assert {".".join(map(str, d["loc"])) for d in details} == {"name", "address.street"}
    assert all(d["type"] == "unsafe_text" for d in details)
    assert details[0]["msg"].startswith("contains a bidirectional control character (U+202E)")
    dutch = pydantic_errors(details)
    assert dutch["name"].startswith("In de tekst staat een onzichtbaar teken dat de leesrichting")
    # Names are one line; care notes, judgments and obligations may have several.
    with pytest.raises(ValidationError, match="line break"):
        inputs.OrganisationIn(name="Portaal\nUtrecht", kind="housing_corporation")
    assert inputs.ObligationIn(party="tenant", text="Huur betalen\nop tijd").text
    with pytest.raises(ValidationError, match="noncharacter"):
        inputs.CareNotesIn(text="zorgen \uffff")


def test_a_name_only_shown_back_is_neutralised_not_refused() -> None:
    # An uploaded file's name is shown, never stored: each refused character becomes U+FFFD,
    # so a right-to-left override cannot make `rapport<RLO>fdp.exe` read as `rapportexe.pdf`.
    assert text.shown("rapport\u202efdp.exe") == "rapport\ufffdfdp.exe"
    assert text.shown("a\x00b\nc\u200bd\ufeff.pdf") == "a\ufffdb\ufffdc\ufffdd\ufffd.pdf"
    for value in ACCEPTED:
        assert text.shown(value) == value
    assert text.shown("x" * 500) == "x" * 200
    assert all(text.find_refusal(text.shown(v), multiline=False) is None
               for v, _ in REFUSED.values() if "{_{" not in v)  # fmt: skip


@pytest.mark.parametrize("value,kind", REFUSED.values(), ids=REFUSED.keys())
def test_plain_arguments_of_use_cases_get_the_policy_with_the_field(
    value: str, kind: text.Refused
) -> None:
    # The CLI and multipart forms give use cases plain strings: `one_line` is their model.
    with pytest.raises(ValidationFailed) as refused:
        inputs.one_line("name", value, max_length=200)
    (error,) = refused.value.errors
    assert error.field == "name" and kind.value in error.reason


def test_plain_arguments_are_stripped_and_bounded() -> None:
    assert inputs.one_line("name", "  Zoë Yılmaz ", max_length=200) == "Zoë Yılmaz"
    for value, reason in (("Jansen\nde Vries", "line break"), ("   ", "must not be empty"),
                          ("x" * 201, "at most 200 characters")):  # fmt: skip
        with pytest.raises(ValidationFailed, match=reason):
            inputs.one_line("name", value, max_length=200)
    assert inputs.one_line("title", "", max_length=200, required=False) == ""
