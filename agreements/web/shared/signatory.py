"""The signing forms' part for a person signing for an organisation: function and mandate,
on the staff page and on a party's link page alike."""

from __future__ import annotations

from typing import Any

from agreements.domain import signatory, text
from agreements.services.context import Deps
from agreements.services.signatures import signers

FIELDS = ("function", "mandate_basis", "mandate_detail")


def context(request_id: int, deps: Deps) -> dict[str, Any]:
    """For the page: the organisation signed for (None: no organisation, no fields), the
    bases to choose from and the hint under the detail."""
    return {
        "organisation": signers.form_for(request_id, deps=deps).organisation,
        "bases": [(b.value, b.label) for b in signatory.MandateBasis],
        "detail_hint": signatory.DETAIL_HINT,
    }


def errors(party_role: str, function: str, basis: str, detail: str) -> dict[str, str]:
    """The Dutch reason per field when an organisation's signer left something out or typed
    what cannot be kept; nothing for the tenant or the representative."""
    if not signers.is_organisation(party_role):
        return {}
    _, problems = signatory.check(function, basis, detail)
    return {p.field: p.dutch for p in problems}


def prefill(request_id: int, deps: Deps) -> dict[str, str]:
    """What a link's form starts with: the person's name, never the organisation's."""
    return signers.form_for(request_id, deps=deps).prefill


def name_error(typed: str, *, empty: str) -> str | None:
    """Why a typed name cannot stand as a signature, in Dutch (`empty` when nothing was
    typed); None when it can. The party's link, the kiosk and the staff page share it."""
    name = text.normalise_line_ends(typed).strip()
    if not name:
        return empty
    if len(name) > 200:
        return "De naam is te lang. Gebruik hoogstens 200 tekens."
    refusal = text.find_refusal(name, multiline=False)
    return refusal.dutch() if refusal else None
