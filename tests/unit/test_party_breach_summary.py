"""The signing page's breach section comes from the document's own data (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

from agreements.web.party import summary

SAMPLE = Path(__file__).parents[2] / "templates" / "defaults" / "agreement.sample.json"


def test_the_breach_section_names_the_parties_and_judgment_from_the_data() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    lines = summary.breach(data, "tenant")
    text = " ".join(lines)
    assert "Houdt u zich niet aan een afspraak? Dan praat Het Vierde Huis eerst met u." in text
    assert "Dan mag Portaal het vonnis laten uitvoeren. Dan moet u de woning uit." in text
    assert "het vonnis van de Rechtbank Midden-Nederland van 14 december 2023" in text
    assert "zaaknummer C/16/512345 / KG ZA 23-789, ECLI:NL:RBMNE:2023:6789" in text
    assert "Zolang u zich aan de afspraken houdt, laat Portaal het vonnis niet uitvoeren." in text
    assert "Samen kijkt u hoe het beter kan." in text and "jullie" not in text
    staff = " ".join(summary.breach(data, "municipality"))
    assert "Houdt de huurder zich niet aan een afspraak?" in staff
    assert "Dan moet de huurder de woning uit." in staff


def test_a_second_chance_tenancy_is_ended_rather_than_the_judgment_executed() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8")) | {"legal_route": "second_chance"}
    text = " ".join(summary.breach(data, "tenant"))
    assert "Dan kan Portaal de tweedekanshuurovereenkomst laten eindigen." in text
    assert "het vonnis laten uitvoeren" not in text


def test_no_breach_section_where_the_document_has_none() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    del data["judgment"]
    assert summary.breach(data, "tenant") == []
    assert summary.breach({}, "tenant") == []
