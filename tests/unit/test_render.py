"""Rendering: hostile values come out exactly, missing data is named, the sandbox holds."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import docx
import pytest

from templates.errors import MissingVariables, RenderError, TemplateInvalid, UnsafeInput
from templates.filters import bedrag, datum, datum_kort, datumtijd, euro, iban
from templates.render import render_docx
from tests.builders import HOSTILE, LONG_OBLIGATION, make_docx, text_of


def document_xml(docx_bytes: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


@pytest.mark.parametrize("value", [*HOSTILE, LONG_OBLIGATION])
def test_hostile_values_come_out_exactly(value: str) -> None:
    out = render_docx(make_docx("[{{ value }}]"), {"value": value})
    assert f"[{value}]" in text_of(out)


def test_newlines_become_line_breaks_in_the_same_paragraph() -> None:
    out = render_docx(make_docx("{{ value }}"), {"value": "een\ntwee"})
    assert "<w:br/>" in document_xml(out)
    assert [p.text for p in docx.Document(io.BytesIO(out)).paragraphs] == ["een\ntwee"]


def test_values_reach_headers_and_tables_escaped() -> None:
    template = make_docx("x", header="Kenmerk {{ ref }}", table=["{{ name }}"])
    out = render_docx(template, {"ref": "A&B <1>", "name": "Ünal & Zoë"})
    assert "Kenmerk A&B <1>" in text_of(out)
    assert "Ünal & Zoë" in text_of(out)


def test_every_missing_variable_is_named_with_its_path() -> None:
    template = make_docx(
        "{{ tenant.name }} {{ start|datum }} {{ end }}",
        "{%p for o in obligations %}",
        "{{ o.text }}",
        "{%p endfor %}",
    )
    data = {"tenant": {}, "obligations": [{"text": "a"}, {"txt": "b"}], "end": "x"}
    with pytest.raises(MissingVariables) as caught:
        render_docx(template, data)
    assert caught.value.names == ["obligations[1].text", "start", "tenant.name"]


def test_a_missing_parent_is_named_once() -> None:
    with pytest.raises(MissingVariables) as caught:
        render_docx(make_docx("{{ tenant.name }} {{ tenant.city }}"), {})
    assert caught.value.names == ["tenant"]


def test_none_and_defaults_mark_optional_data() -> None:
    template = make_docx(
        "{% if representative %}{{ representative.name }}{% endif %}",
        "{{ nickname|default('geen') }}{% if alias is defined %}{{ alias }}{% endif %}",
    )
    out = render_docx(template, {"representative": None})
    assert "geen" in text_of(out)


def test_a_template_reusing_loop_names_still_checks_the_data() -> None:
    template = make_docx("{% for p in parties %}{{ p.name }}{{ loop.index }}{% endfor %}")
    assert "A1B2" in text_of(render_docx(template, {"parties": [{"name": "A"}, {"name": "B"}]}))


@pytest.mark.parametrize(
    "tag",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ items.append(1) }}",
    ],
)
def test_sandbox_escapes_are_refused(tag: str) -> None:
    with pytest.raises(RenderError):
        render_docx(make_docx(tag), {"items": [1]})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tenant": {"name": "Ünal\ud800"}}, "tenant.name"),
        ({"tenant": {"obligations": ["a", "b", "bel\x07"]}}, "tenant.obligations[2]"),
        ({"reason": "regel\r\nregel"}, "reason"),
        ({"reason": "\x00"}, "reason"),
        ({"reason": "\x85"}, "reason"),
        ({"reason": "{_{ x }_}"}, "reason"),
        ({"thing": object()}, "thing"),
        ({"bad\x01key": "x"}, "data"),
    ],
)
def test_unsafe_input_is_refused_with_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(UnsafeInput) as caught:
        render_docx(make_docx("{{ x }}"), data)
    assert caught.value.field == field


def test_tabs_newlines_and_plain_types_are_accepted() -> None:
    data = {"a": "x\ty\nz", "n": 3, "d": date(2017, 6, 12), "m": Decimal("1.50"), "b": True}
    out = render_docx(make_docx("{{ a }} {{ n }} {{ d|datum }} {{ m|euro }} {{ b }}"), data)
    assert "12 juni 2017" in text_of(out)


def test_each_render_starts_fresh() -> None:
    template = make_docx("{{ name }}")
    first = render_docx(template, {"name": "Eerste"})
    second = render_docx(template, {"name": "Tweede"})
    assert "Eerste" in text_of(first)
    assert "Tweede" in text_of(second)
    assert "Eerste" not in text_of(second)


def test_a_syntax_error_is_reported_with_its_paragraph() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        render_docx(make_docx("Hallo", "{% if %}ja{% endif %}"), {})
    assert "body, paragraph 2" in str(caught.value)


def test_a_tag_that_breaks_the_word_structure_is_refused() -> None:
    template = make_docx("{% if show %}", table=["{% endif %}"])
    with pytest.raises(RenderError, match="well-formed"):
        render_docx(template, {"show": False})


def test_a_filter_failure_says_why() -> None:
    with pytest.raises(RenderError, match="not a date"):
        render_docx(make_docx("{{ start|datum }}"), {"start": "morgen"})


def test_dutch_dates() -> None:
    assert datum("2017-06-12") == "12 juni 2017"
    assert datum(date(2017, 3, 1)) == "1 maart 2017"
    assert datum("2017-06-12T23:30:00") == "12 juni 2017"
    assert datum_kort(date(2017, 6, 12)) == "12-06-2017"
    # 12:03 UTC is 14:03 in Amsterdam in summer.
    assert datumtijd("2017-06-12T12:03:09+00:00") == "12 juni 2017 om 14:03:09"
    assert datumtijd(datetime(2017, 1, 12, 12, 3, 9, tzinfo=UTC)) == "12 januari 2017 om 13:03:09"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.56"), "€\xa01.234,56"),
        ("1234.5", "€\xa01.234,50"),
        (1234, "€\xa01.234,00"),
        (12.1, "€\xa012,10"),
        ("-5", "€\xa0-5,00"),
        ("1000000", "€\xa01.000.000,00"),
    ],
)
def test_euro(value: object, expected: str) -> None:
    assert euro(value) == expected


@pytest.mark.parametrize("value", ["12.345", "abc", True, None, "NaN"])
def test_amounts_are_never_guessed(value: object) -> None:
    with pytest.raises(ValueError):
        euro(value)


def test_bedrag_and_iban() -> None:
    assert bedrag("1234.56") == "1.234,56"
    assert iban("nl91abna0417164300") == "NL91 ABNA 0417 1643 00"
