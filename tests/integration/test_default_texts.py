"""What the default templates say, read from the PDF (LibreOffice, then pdftotext) as a tenant
and a lawyer read it: the agreement per legal route (LEGAL.md 1), the judgment in full."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from templates.catalogue import Catalogue
from templates.defaults import DEFAULTS_DIR
from templates.render import render_docx
from tests.integration.test_render_text import words
from tests.support import require_libreoffice, run_cli

pytestmark = pytest.mark.libreoffice
ROUTES = ("lease_continues", "lease_dissolved", "second_chance")


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEFAULTS_DIR / f"{name}.sample.json").read_text("utf-8"))
    return data


def convert_all(documents: dict[str, bytes], folder: Path) -> dict[str, str]:
    """One cold LibreOffice for every document; the words of each PDF as pdftotext reads them."""
    for name, docx in documents.items():
        (folder / f"{name}.docx").write_bytes(docx)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(folder / f"{name}.docx") for name in documents),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    texts = {}
    for name in documents:
        done = subprocess.run(
            ["pdftotext", str(folder / f"{name}.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        )
        texts[name] = words(done.stdout)
    return texts


@pytest.fixture(scope="module")
def agreements(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    require_libreoffice()
    folder = tmp_path_factory.mktemp("routes")
    template = Catalogue(folder / "catalogue").get("agreement").read_bytes()
    documents = {}
    for route in ROUTES:
        data = sample("agreement") | {"legal_route": route}
        if route == "second_chance":  # a second-chance tenancy lasts at most two years
            data["term"] = {"start": "2024-04-01", "end": "2026-03-31"}
        documents[route] = render_docx(template, data)
    return convert_all(documents, folder)


def test_a_continuing_lease_is_said_to_continue(agreements: dict[str, str]) -> None:
    text = agreements["lease_continues"]
    assert "De huurovereenkomst blijft gelden." in text
    assert "Portaal houdt het recht om het vonnis te laten uitvoeren." in text
    assert "geen huurovereenkomst meer" not in text
    assert "tweedekans" not in text


def test_a_dissolved_lease_is_never_said_to_continue(agreements: dict[str, str]) -> None:
    text = agreements["lease_dissolved"]
    assert "blijft gelden" not in text
    assert "De rechter heeft die huurovereenkomst ontbonden." in text
    assert "U mag in de woning blijven wonen op grond van deze overeenkomst" in text
    assert "Portaal houdt het recht om het vonnis te laten uitvoeren." in text
    assert "tweedekans" not in text


def test_a_second_chance_is_a_new_tenancy_of_at_most_two_years(
    agreements: dict[str, str],
) -> None:
    text = agreements["second_chance"]
    assert "blijft gelden" not in text
    assert "een tweedekanshuurovereenkomst voor ten hoogste twee jaar" in text
    assert "van 1 april 2024 tot en met 31 maart 2026" in text
    assert "voor onbepaalde tijd" in text
    assert "Portaal houdt het recht om het vonnis te laten uitvoeren." not in text


@pytest.mark.parametrize("route", ROUTES)
def test_the_judgment_is_printed_in_full(agreements: dict[str, str], route: str) -> None:
    text = agreements[route]
    judgment = sample("agreement")["judgment"]
    for field in ("court", "case_number", "ecli", "decision", "conditions"):
        assert words(judgment[field]) in text, field
    for label in ("Rechter", "Zaaknummer", "Datum vonnis", "Betekend op", "Beslissing"):
        assert label in text
    assert "28 december 2023" in text  # served
    # Any obligation, not only the rent; and what happens to the judgment at the end.
    assert "welke afspraak dan ook" in text
    assert "Heeft u zich tot en met" in text
    assert "Portaal het vonnis daarna niet meer uitvoeren" in text


def test_the_agreement_has_the_clauses_a_court_looks_for(agreements: dict[str, str]) -> None:
    text = agreements["lease_dissolved"]
    for needed in [
        "Wanneer stopt de overeenkomst eerder?",
        "U verhuist.",
        "Hoe kan de overeenkomst veranderen?",
        "alle partijen hem hebben ondertekend",
        "nieuwe versie van deze overeenkomst",
        "Vragen en klachten",
        "A. Bakker van Het Vierde Huis, telefoon 030 123 45 67",
        "klachtenregeling",
        "Wat gebeurt er met uw gegevens?",
        "AVG",
        "Hoe lang? Het Vierde Huis bewaart het dossier tot 15 jaar",
        "Autoriteit Persoonsgegevens",
        "Zij tekenen in Utrecht",
        "Bulgarijerivier 12, 3564 BC Utrecht",
        "Bijlagen",
        "Betalingsregeling van 4 maart 2024",
    ]:
        assert needed in text, needed
    # One voice: the tenant is "u", never "ik", "jullie" or "wij".
    for wrong in [" ik ", " Ik ", "jullie", " wij ", " we ", "Gemeente Utrecht (gemeente)"]:
        assert wrong not in f" {text} ", wrong


LETTERS = {
    "warning": [
        "Schriftelijke waarschuwing",
        "U houdt zich niet aan deze afspraak:",
        "Doe dit uiterlijk op 28 oktober 2024.",
        "Dan mag Portaal het vonnis laten uitvoeren.",
        "Dit is de schriftelijke waarschuwing uit artikel 8 van de overeenkomst.",
    ],
    "execution_notice": [
        "Met deze brief laat Portaal u weten dat het vonnis wordt uitgevoerd.",
        "Op 14 oktober 2024 kreeg u daarom een schriftelijke waarschuwing.",
        "De ontruiming is gepland op 10 december 2024.",
        "Het Juridisch Loket (0900 8020)",
        "M. Jansen consulent wonen, Portaal",
    ],
    "termination": [
        "De overeenkomst stopt op 1 juli 2025.",
        "Daarom hebben de partijen samen besloten dat de overeenkomst eerder stopt.",
        "Portaal laat het vonnis niet meer uitvoeren.",
        "De partijen hieronder zijn het eens met deze beëindiging.",
    ],
    "closing_letter": [
        "Daarmee is het traject afgerond.",
        "Portaal biedt u een nieuwe huurovereenkomst aan.",
        "Portaal laat het vonnis niet meer uitvoeren.",
        "tot 15 jaar na het einde van de overeenkomst",
    ],
    "letter": ["Uitnodiging voor de evaluatie van 1 juli 2024", "Beste Samira el Idrissi,"],
    "review_minutes": [
        "Uitkomst",
        "op schema: de afspraken worden nagekomen",
        "Schriftelijke waarschuwing",
        "Niet aanwezig:",
        "Woonbegeleidingsovereenkomst, versie 2, kenmerk",
        "Met de handtekeningen hieronder zeggen u en de coördinator dat dit verslag klopt.",
    ],
}


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    require_libreoffice()
    folder = tmp_path_factory.mktemp("letters")
    catalogue = Catalogue(folder / "catalogue")
    documents = {
        name: render_docx(catalogue.get(name).read_bytes(), sample(name)) for name in LETTERS
    }
    breach = sample("termination")
    breach["termination"] |= {"ground": "breach", "reason": "Zie de waarschuwing."}
    documents["termination_breach"] = render_docx(
        catalogue.get("termination").read_bytes(), breach | {"signers": []}
    )
    second = sample("warning") | {"legal_route": "second_chance"}
    documents["warning_second_chance"] = render_docx(catalogue.get("warning").read_bytes(), second)
    return convert_all(documents, folder)


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_each_letter_renders_and_says_what_it_must(letters: dict[str, str], name: str) -> None:
    text = letters[name]
    for needed in LETTERS[name]:
        assert needed in text, needed
    assert "{{" not in text and "{%" not in text
    for wrong in [" ik ", " Ik ", "jullie", " wij ", " we "]:
        assert wrong not in f" {text} ", wrong


def test_a_termination_for_breach_says_the_judgment_may_be_executed(
    letters: dict[str, str],
) -> None:
    text = letters["termination_breach"]
    assert "Daarom beëindigt Portaal de overeenkomst." in text
    assert "Portaal mag nu het vonnis laten uitvoeren." in text
    assert "niet meer uitvoeren" not in text
    assert "Ondertekening" not in text  # nobody signs a termination for breach


def test_a_warning_under_a_second_chance_tenancy_speaks_of_ending_it(
    letters: dict[str, str],
) -> None:
    text = letters["warning_second_chance"]
    assert "uw tweedekanshuurovereenkomst laten eindigen" in text
    assert "het vonnis laten uitvoeren" not in text


@pytest.fixture(scope="module")
def arrangements(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    require_libreoffice()
    folder = tmp_path_factory.mktemp("arrangements")
    template = Catalogue(folder / "catalogue").get("payment_arrangement").read_bytes()
    documents = {
        route: render_docx(template, sample("payment_arrangement") | {"legal_route": route})
        for route in ("lease_dissolved", "second_chance")
    }
    return convert_all(documents, folder)


def test_the_arrangement_follows_the_route_on_the_judgment(arrangements: dict[str, str]) -> None:
    """With the judgment in reserve, a missed payment can lead to execution; under a
    second-chance tenancy the judgment is not executed while it runs."""
    assert "Het vonnis blijft uitvoerbaar." in arrangements["lease_dissolved"]
    second = arrangements["second_chance"]
    assert "Het vonnis blijft uitvoerbaar." not in second
    assert "laat Portaal het vonnis niet uitvoeren" in second
    assert "de tweedekanshuurovereenkomst laten eindigen" in second


@pytest.mark.parametrize(
    "name", ["warning", "execution_notice", "termination", "closing_letter", "letter"]
)
def test_templates_check_accepts_each_new_default(tmp_path: Path, name: str) -> None:
    result = run_cli(
        ["templates", "check", str(DEFAULTS_DIR / f"{name}.docx"), "--kind", name], tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "usable as a" in result.stdout
