"""The link-integrity report as CSV for Dutch Excel, for the API and the legal pages."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi import Response

from agreements.domain.enums import AgreementStatus
from agreements.domain.legal import JudgmentLevel, Level, SealState
from agreements.services.legal import integrity as legal
from agreements.web.shared.views import attachment

_YES_NO = {True: "ja", False: "nee", None: "niet te vergelijken"}
_LEVEL: dict[str, str] = {m: m.label for m in Level}
# In the CSV a judgment near its age limit reads "waarschuwing", as the other warnings do.
_JUDGMENT: dict[str, str] = {
    **{m: m.label for m in JudgmentLevel},
    JudgmentLevel.WARNING: "waarschuwing",
}
_SEAL: dict[str, str] = {m: m.label for m in SealState}
COLUMNS = [
    "Kenmerk", "Huurder", "Overeenkomst", "Status overeenkomst", "Huurovereenkomst gekoppeld",
    "Huurovereenkomst", "Vonnis gekoppeld", "Rechtbank", "Zaaknummer", "Datum vonnis",
    "Ouderdom vonnis (dagen)", "Ouderdom vonnis (maanden)", "Termijn vonnis", "Adres gelijk",
    "Naam gelijk", "Vergelijkingen", "Versie", "Handtekeningen", "Zegel", "Evaluaties te laat",
    "Niet nagekomen (evaluaties)", "Beoordeling", "Bevindingen",
]  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Dutch dates; text that a spreadsheet would run as a formula starts with a quote."""
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def _line(r: legal.Row) -> list[object]:
    return [
        r.case_reference, r.tenant_name, r.agreement_id, AgreementStatus(r.agreement_status).label,
        _YES_NO[r.contract_linked], r.contract_number, _YES_NO[r.judgment_linked],
        r.judgment_court, r.judgment_case_number, r.judgment_date, r.judgment_age_days,
        r.judgment_age_months, _JUDGMENT[r.judgment_level], _YES_NO[r.address_match],
        _YES_NO[r.name_match],
        " | ".join(f"{c.subject}: {c.outcome}" for c in r.comparisons),
        r.version_number, f"{r.signatures_signed} van {r.signatures_required}", _SEAL[r.seal],
        r.reviews_overdue,
        " | ".join(f"evaluatie {b.review_number} ({b.held_date or b.due_date:%d-%m-%Y})"
                   for b in r.breaches),
        _LEVEL[r.status], " | ".join(r.findings),
    ]  # fmt: skip


def to_csv(rows: list[legal.Row]) -> bytes:
    """RFC 4180 quoting, `;` between cells and a BOM, which Dutch Excel needs to read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([_cell(v) for v in _line(r)] for r in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def download(rows: list[legal.Row], day: date) -> Response:
    """The report of `day` as a CSV file to save."""
    return attachment(to_csv(rows), f"koppelingen-{day:%Y-%m-%d}.csv", "text/csv; charset=utf-8")
