"""The logbook in Dutch: what an audit action and its actor say to the people reading a case."""

from __future__ import annotations

from agreements.domain.enums import SigningRole

# What a record is called; the action's first part.
_SUBJECTS = {
    "case": "zaak",
    "agreement": "overeenkomst",
    "tenancy_contract": "huurovereenkomst",
    "eviction_judgment": "vonnis",
    "payment_arrangement": "betalingsregeling",
    "review": "evaluatie",
    "person": "persoon",
    "organisation": "organisatie",
    "care_notes": "notities van de coördinator",  # what they hold is for coordinators only
    "document": "document",
    "template": "sjabloon",
    "user": "account",
}
# What was done to it; the action's second part.
_VERBS = {
    "create": "aangemaakt",
    "read": "bekeken",
    "update": "gewijzigd",
    "list": "in een lijst bekeken",
    "write": "geschreven",
    "attach_pdf": "pdf toegevoegd",
    "add": "toegevoegd",
    "dossier": "dossier gemaakt",
}
# Actions whose words do not follow from their parts.
_ACTIONS = {
    "payment_arrangement.missed": "termijn van de betalingsregeling niet betaald",
    "document.request": "document aangevraagd",
    "document.rendered": "document gemaakt",
    "document.failed": "document maken mislukt",
    "document.read_pdf": "pdf bekeken",
    "document.read_docx": "Word-bestand bekeken",
    "document.read_sealed": "verzegelde pdf bekeken",
    "document.sealed": "document verzegeld",
    "document.finish_failed": "verzegelen mislukt",
    "document.finish_refused": "verzegelen geweigerd",
    "signing.send": "ter ondertekening verstuurd",
    "signing.invite": "uitnodiging verstuurd",
    "signing.link": "ondertekenlink gemaakt",
    "signing.signed": "ondertekend",
    "signing.declined": "ondertekenen geweigerd",
    "signing.paused": "ondertekening gepauzeerd (een partij weigerde)",
    "signing.void": "verzoeken vervallen (nieuwe versie)",
    "signing.voided": "verzoek vervallen (nieuwe versie)",
    "signing.revoke": "verzoek ingetrokken",
    "signing.extend": "ondertekenlink verlengd",
    "signing.contact": "e-mailadres voor ondertekenen gewijzigd",
    "signing.finish": "ondertekening afgerond",
    "signing.code_sent": "eenmalige code verstuurd",
    "signing.code_ok": "eenmalige code juist ingevuld",
    "signing.code_wrong": "eenmalige code onjuist ingevuld",
    "signing.code_read_out": "eenmalige code voorgelezen",
    "kiosk.start": "ondertekenen op dit apparaat begonnen",
    "kiosk.leave": "ondertekenen op dit apparaat beëindigd",
    "kiosk.leave_failed": "terugkeren na ondertekenen op dit apparaat mislukt",
    "legal.integrity_report": "juridisch overzicht bekeken",
    "legal.integrity_csv": "juridisch overzicht gedownload",
    "case.dossier": "dossier voor de rechter gemaakt",
    "calendar.token": "agenda-link gemaakt",
}
# Who acted, where it was not a staff member.
_SYSTEM = {"mail": "het systeem (e-mail)", "reminders": "het systeem (herinneringen)"}


def action(code: str) -> str:
    """The Dutch words for an audit action ("case.read" -> "zaak bekeken")."""
    if code in _ACTIONS:
        words = _ACTIONS[code]
    else:
        subject, _, verb = code.partition(".")
        if subject not in _SUBJECTS or verb not in _VERBS:
            return code
        words = f"{_SUBJECTS[subject]} {_VERBS[verb]}"
    return words[:1].upper() + words[1:]


def actor(code: str, names: dict[int, str]) -> str:
    """Who an audit entry's actor is: a staff member's name, a party, or the system."""
    kind, _, rest = code.partition(":")
    if kind == "user" and rest.isdigit():
        return names.get(int(rest), "een medewerker (account verwijderd)")
    if kind == "party":
        return f"{SigningRole.heading_of(rest)} (via de link)"
    if kind == "system" or code == "system":
        return _SYSTEM.get(rest, "Het systeem")
    return code
