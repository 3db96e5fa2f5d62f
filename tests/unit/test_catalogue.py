"""The template catalogue: defaults that render with their samples, new versions, atomic adds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from templates.catalogue import Catalogue, data_problems, kinds
from templates.check import check_template
from templates.defaults import DEFAULTS_DIR
from templates.errors import DocumentError, TemplateInvalid, TemplateNotFound, UnsafeInput
from templates.render import render_docx
from tests.builders import make_docx, text_of

DEFAULTS = [
    "agreement",
    "closing_letter",
    "dossier_audit",
    "dossier_cover",
    "dossier_findings",
    "dossier_judgment",
    "evidence_page",
    "execution_notice",
    "letter",
    "payment_arrangement",
    "review_minutes",
    "termination",
    "warning",
]


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEFAULTS_DIR / f"{name}.sample.json").read_text("utf-8"))
    return data


def test_the_defaults_are_listed_as_version_one(tmp_path: Path) -> None:
    catalogue = Catalogue(tmp_path)
    assert catalogue.names() == DEFAULTS
    for name in DEFAULTS:
        template = catalogue.get(name)
        assert (template.version, template.kind, template.builtin) == (1, name, True)
        assert template.title == kinds()[name].title
        template.read_bytes()  # the manifest's SHA-256 matches the committed file


@pytest.mark.parametrize("name", DEFAULTS)
def test_each_default_fits_its_kind_and_renders_its_sample(tmp_path: Path, name: str) -> None:
    template = Catalogue(tmp_path).get(name)
    assert check_template(template.read_bytes(), template.schema) == []
    assert data_problems(template.schema, sample(name)) == []
    text = text_of(render_docx(template.read_bytes(), sample(name)))
    assert kinds()[name].title in text
    assert "{{" not in text
    assert "{%" not in text


def test_the_agreement_says_what_the_law_needs(tmp_path: Path) -> None:
    text = text_of(
        render_docx(Catalogue(tmp_path).get("agreement").read_bytes(), sample("agreement"))
    )
    for needed in [
        "HO-2015-118273",  # the tenancy contract it is linked to
        "1 september 2015",
        "C/16/512345 / KG ZA 23-789",  # the judgment
        "ECLI:NL:RBMNE:2023:6789",
        "1 april 2024 en eindigt op 31 maart 2027",
        "Elke drie maanden",
        "het vonnis laten uitvoeren",
        "apart toestemming",  # consent is not the signature (LEGAL.md 3)
        "Buurtteam Overvecht",
        "mr. J.P. de Vries",
    ]:
        assert needed in text


def test_the_agreement_leaves_out_a_representative_that_is_not_there(tmp_path: Path) -> None:
    data = sample("agreement")
    signers = [
        s for s in data["signers"] if s["role"] not in {"representative", "neighbourhood_team"}
    ]
    data |= {"representative": None, "other_parties": [], "signers": signers}
    text = text_of(render_docx(Catalogue(tmp_path).get("agreement").read_bytes(), data))
    assert "Vertegenwoordiger" not in text
    assert "Buurtteam Overvecht" not in text


def test_the_payment_arrangement_lists_every_instalment(tmp_path: Path) -> None:
    template = Catalogue(tmp_path).get("payment_arrangement")
    text = text_of(render_docx(template.read_bytes(), sample("payment_arrangement")))
    assert "1 maart 2025" in text
    assert "€\xa0199,70" in text
    assert "NL91 ABNA 0417 1643 00" in text
    assert "Het vonnis blijft uitvoerbaar." in text


def test_adding_makes_a_new_version_stored_by_hash(tmp_path: Path) -> None:
    catalogue = Catalogue(tmp_path)
    template = make_docx("Overeenkomst voor {{ tenant.name }}")
    added = catalogue.add("agreement", template, kind="agreement")
    assert (added.version, added.builtin, added.title) == (2, False, "Woonbegeleidingsovereenkomst")
    assert added.path == tmp_path / "blobs" / f"{added.sha256}.docx"
    assert added.read_bytes() == template
    assert catalogue.get("agreement") == added
    assert catalogue.get("agreement", 1).builtin
    assert [v.version for v in catalogue.versions("agreement")] == [1, 2]
    # A second catalogue on the same folder (another process) sees the same versions.
    assert Catalogue(tmp_path).get("agreement").sha256 == added.sha256


def test_adding_never_overwrites_a_version(tmp_path: Path) -> None:
    catalogue = Catalogue(tmp_path)
    # One file for the same bytes: a DOCX saved a second later differs in its zip timestamps.
    letter = make_docx("Beste {{ recipient.name }}")
    first = catalogue.add("brief", letter, kind="letter")
    again = catalogue.add("brief", letter, kind="letter")
    retitled = catalogue.add("brief", letter, kind="letter", title="Aanmaning")
    changed = catalogue.add("brief", make_docx("Geachte {{ recipient.name }}"), kind="letter")
    assert [first.version, again.version, retitled.version, changed.version] == [1, 1, 2, 3]
    assert catalogue.get("brief", 1).read_bytes() != changed.read_bytes()
    assert catalogue.get("brief", 2).title == "Aanmaning"


def test_a_refused_template_leaves_nothing_behind(tmp_path: Path) -> None:
    catalogue = Catalogue(tmp_path / "store")
    with pytest.raises(TemplateInvalid) as caught:
        catalogue.add("agreement", make_docx("{% if tenant %}"), kind="agreement")
    assert "endif" in str(caught.value)
    assert not (tmp_path / "store").exists()
    assert catalogue.get("agreement").version == 1


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("Agreement!", "agreement", "lower case"),
        ("x", "contract", "unknown kind"),
        ("agreement", "letter", "of kind 'agreement'"),
    ],
)
def test_bad_names_and_kinds_are_refused(tmp_path: Path, name: str, kind: str, reason: str) -> None:
    with pytest.raises(TemplateInvalid, match=reason):
        Catalogue(tmp_path).add(name, make_docx("x"), kind=kind)


def test_unknown_templates_and_versions(tmp_path: Path) -> None:
    with pytest.raises(TemplateNotFound):
        Catalogue(tmp_path).get("nope")
    with pytest.raises(TemplateNotFound, match="version 7"):
        Catalogue(tmp_path).get("agreement", 7)


def test_a_changed_file_is_not_served(tmp_path: Path) -> None:
    added = Catalogue(tmp_path).add("brief", make_docx("{{ subject }}"), kind="letter")
    added.path.write_bytes(make_docx("{{ body }}"))
    with pytest.raises(DocumentError, match="does not match"):
        added.read_bytes()


def test_data_problems_name_the_field() -> None:
    schema = kinds()["payment_arrangement"].schema
    data = sample("payment_arrangement")
    data["instalments"][2]["amount"] = "12.345"
    data["judgment"]["date"] = "gisteren"
    del data["payment"]["iban"]
    data["representative"] = None
    problems = data_problems(schema, data)
    assert [p.split(":")[0] for p in problems] == [
        "instalments[2].amount",
        "payment.iban",
        "judgment.date",
    ]


@pytest.mark.parametrize(
    "title,reason",
    [
        ("Zo\u202e kooH", "bidirectional control character U+202E at character 3"),
        ("Brief\x01", "control character U+0001"),
        ("Brief\u200b", "invisible formatting character U+200B"),
        ("Twee\nregels", "line break"),
        ("x" * 201, "longer than 200 characters"),
    ],
)
def test_a_title_the_text_policy_refuses_leaves_nothing_behind(
    tmp_path: Path, title: str, reason: str
) -> None:
    # `agreements templates add --title` calls the catalogue itself, without the API's checks.
    catalogue = Catalogue(tmp_path)
    with pytest.raises(UnsafeInput) as refused:
        catalogue.add("brief", make_docx("{{ subject }}"), kind="letter", title=title)
    assert refused.value.field == "title" and reason in refused.value.reason
    assert list(tmp_path.iterdir()) == [] and "brief" not in catalogue.names()


def test_a_name_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateInvalid, match="must be lower case"):
        Catalogue(tmp_path).add("brief\n", make_docx("{{ subject }}"), kind="letter")
    assert list(tmp_path.iterdir()) == []
