"""Checking uploaded templates: bombs, outside references and broken tags refused with reasons."""

from __future__ import annotations

import io
import time
import zipfile
import zlib

import pytest

from templates.check import check_template, ensure_valid_template, schema_paths
from templates.errors import TemplateInvalid
from tests.builders import (
    RELS,
    deflate_bomb_zip,
    lying_bomb_docx,
    make_docx,
    with_entry,
    with_relationship,
)

SCHEMA = {"tenant": {"name": "str"}, "obligations": [{"text": "text"}], "start": "date"}


def test_a_good_template_has_no_problems() -> None:
    template = make_docx("{{ tenant.name }} {{ start|datum }}", table=["{{ tenant.name }}"])
    assert check_template(template, SCHEMA) == []


def test_a_docx_bomb_is_refused_from_the_zip_directory_in_milliseconds() -> None:
    bomb = deflate_bomb_zip()
    assert len(bomb) < 2 * 1024 * 1024
    started = time.perf_counter()
    problems = check_template(bomb, SCHEMA)
    elapsed = time.perf_counter() - started
    assert len(problems) == 1
    assert problems[0].startswith("the archive would unpack to 1,073,741,")
    assert "zip bomb" in problems[0]
    assert elapsed < 0.1


def test_a_docx_that_lies_about_its_size_is_refused_while_inflating() -> None:
    bomb = lying_bomb_docx()
    assert 1_000_000 < len(bomb) < 1_200_000
    started = time.perf_counter()
    problems = check_template(bomb, SCHEMA)
    assert time.perf_counter() - started < 1.0
    assert len(problems) == 1
    assert problems[0].startswith("word/document.xml inflates to more than the ")
    assert problems[0].endswith("bytes it declares (a zip bomb); the archive is refused")


def test_the_lying_bomb_is_a_real_one() -> None:
    bomb = lying_bomb_docx()
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        info = archive.getinfo("word/document.xml")
        # zipfile believes the directory: it yields the declared document, checksum and all ...
        with archive.open(info) as entry:
            assert len(entry.read(1 << 20)) == info.file_size
    # ... while the stream goes on far past it (64 MiB looked at here, 1 GiB in all).
    start = bomb.index(b"word/document.xml") + len("word/document.xml")
    inflater = zlib.decompressobj(-15)
    produced = len(inflater.decompress(bomb[start : start + info.compress_size], 64 << 20))
    assert produced == 64 << 20 > 1000 * info.file_size


def test_a_bad_checksum_is_a_reason_not_an_exception() -> None:
    bomb = lying_bomb_docx(bad_crc=True)
    assert check_template(bomb, SCHEMA)[0].startswith("word/document.xml inflates to more")
    plain = with_entry(make_docx("x"), "word/document.xml", "<w:body>", "<w:body>")
    damaged = bytearray(plain)
    name = b"word/document.xml"
    at = damaged.index(name) + len(name)
    damaged[at + 200] ^= 0xFF  # inside the compressed data of document.xml
    problems = check_template(bytes(damaged), SCHEMA)
    assert len(problems) == 1 and problems[0].startswith(
        "the archive is damaged: word/document.xml"
    )


def test_the_bomb_is_a_real_one() -> None:
    archive = zipfile.ZipFile(io.BytesIO(deflate_bomb_zip()))
    with archive, archive.open("word/document.xml") as entry:
        assert entry.read(1 << 20) == bytes(1 << 20)


def test_not_a_zip_and_too_big_files_are_refused() -> None:
    assert "not a zip" in check_template(b"%PDF-1.7 not a docx", SCHEMA)[0]
    assert "limit" in check_template(b"PK" + bytes(21 * 1024 * 1024), SCHEMA)[0]


def test_too_many_entries_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index in range(1001):
            archive.writestr(f"x/{index}", b"")
    assert "1,001 files" in check_template(out.getvalue(), SCHEMA)[0]


def test_a_zip_that_is_not_word_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "word/document.xml is missing" in check_template(out.getvalue(), SCHEMA)[0]


def test_an_external_image_is_refused() -> None:
    template = with_relationship(make_docx("x"), "image", "http://example.org/pixel.png")
    problems = check_template(template, SCHEMA)
    assert problems == [
        f"{RELS}: a image refers to the outside address 'http://example.org/pixel.png'"
    ]


@pytest.mark.parametrize("rel_type", ["hyperlink", "attachedTemplate", "image"])
def test_a_file_reference_is_refused_even_as_a_link(rel_type: str) -> None:
    template = with_relationship(make_docx("x"), rel_type, "file:///etc/passwd")
    problems = check_template(template, SCHEMA)
    assert problems == [f"{RELS}: a {rel_type} refers to the local file 'file:///etc/passwd'"]


def test_web_and_mail_hyperlinks_are_allowed() -> None:
    template = with_relationship(make_docx("x"), "hyperlink", "https://hetvierdehuis.nl")
    assert check_template(template, SCHEMA) == []
    template = with_relationship(make_docx("x"), "hyperlink", "mailto:info@example.org")
    assert check_template(template, SCHEMA) == []


def test_fields_that_fetch_files_are_refused() -> None:
    template = with_entry(
        make_docx("x"),
        "word/document.xml",
        "</w:body>",
        "<w:p><w:fldSimple w:instr=' INCLUDEPICTURE \"file:///etc/passwd\" '/></w:p></w:body>",
    )
    problems = check_template(template, SCHEMA)
    assert problems == ["word/document.xml: the field INCLUDEPICTURE would fetch outside content"]


def test_a_doctype_is_refused_wherever_it_is() -> None:
    late = with_entry(
        make_docx("x"),
        "word/document.xml",
        "<w:document",
        "<!--" + "x" * 4096 + '--><!DOCTYPE w:document [<!ENTITY a "b">]><w:document',
    )
    assert check_template(late, SCHEMA) == [
        "word/document.xml declares a DOCTYPE (a DTD), which Word never writes"
    ]
    in_styles = with_entry(
        make_docx("x"), "word/styles.xml", "<w:styles", "<!DOCTYPE w:styles><w:styles"
    )
    assert "word/styles.xml declares a DOCTYPE" in check_template(in_styles, SCHEMA)[0]


def test_a_doctype_is_refused() -> None:
    template = with_entry(
        make_docx("x"),
        "word/document.xml",
        "<w:document",
        '<!DOCTYPE x [<!ENTITY a "b">]><w:document',
    )
    assert "DOCTYPE" in check_template(template, SCHEMA)[0]


def test_a_broken_if_tag_is_reported_with_its_place() -> None:
    template = make_docx("Beste {{ tenant.name }},", "Als {% if %} dan {% endif %}")
    problems = check_template(template, SCHEMA)
    assert len(problems) == 1
    assert problems[0].startswith("body, paragraph 2: ")
    assert 'near "Als {% if %} dan {% endif %}"' in problems[0]


def test_an_unclosed_if_is_reported() -> None:
    problems = check_template(make_docx("{% if tenant %}", "ja"), SCHEMA)
    assert "endif" in problems[0]


def test_syntax_errors_in_every_part_are_reported() -> None:
    template = make_docx("{{ tenant.name }", header="Kenmerk {% for %}")
    problems = check_template(template, SCHEMA)
    assert [p.split(",")[0] for p in problems] == ["body", "header word/header1.xml"]


def test_unknown_variables_are_listed_by_name() -> None:
    template = make_docx(
        "{{ tenant.nam }} {{ tennant.name }} {{ start|datum }} {{ tenant.name|upper }}",
        "{%p for o in obligations %}",
        "{{ o.text }} {{ o.txt }}",
        "{%p endfor %}",
    )
    problems = check_template(template, SCHEMA)
    expected = (
        "unknown variables (not in this kind's data): obligations[].txt, tenant.nam, tennant.name"
    )
    assert problems == [expected]


def test_known_variables_can_be_a_set_of_names() -> None:
    assert check_template(make_docx("{{ tenant.name }} {{ x }}"), {"tenant"}) == [
        "unknown variables (not in this kind's data): x"
    ]


def test_private_attributes_are_refused_at_upload() -> None:
    problems = check_template(make_docx("{{ tenant.__class__ }}"), SCHEMA)
    assert problems == [
        "the template reads private attributes (__class__); the sandbox refuses them"
    ]


def test_the_raising_variant_carries_the_problems() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        ensure_valid_template(make_docx("{{ nope }}"), SCHEMA)
    assert caught.value.problems == ["unknown variables (not in this kind's data): nope"]


def test_schema_paths_are_leaves() -> None:
    schema = {"a": {"b": "str", "c?": "date"}, "items": [{"x": "int"}], "tags": ["str"]}
    assert schema_paths(schema) == {"a.b", "a.c", "items[].x", "tags[]"}
