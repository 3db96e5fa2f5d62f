"""The wording and layout of the court dossier's own pages: cover and contents, findings,
judgment and audit excerpt. The dossier is generated, not drafted: nobody signs these."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject

from templates.defaults.style import bullets, new_document, row, table


def dossier_cover() -> DocumentObject:
    doc = new_document("Procesdossier")
    doc.add_paragraph("Procesdossier", style="Title")
    doc.add_paragraph("Traject {{ case.reference }}")
    facts = table(doc, ["Onderwerp", "Gegevens"], [5, 11])
    row(facts, "Huurder", "{{ tenant }}")
    row(facts, "Adres", "{{ address }}")
    row(facts, "Samengesteld op", "{{ made_at|datumtijd }}")
    row(facts, "Samengesteld door", "{{ made_by }}")
    doc.add_paragraph(
        "Dit dossier is samengesteld en als geheel elektronisch verzegeld door "
        "{{ organisation.name }}. Elk onderdeel heeft een bladwijzer. Ondertekende documenten "
        "zitten er ook als bijlage in, zodat u hun eigen zegel apart kunt controleren. "
        "Zorgnotities maken nooit deel uit van dit dossier."
    )
    doc.add_page_break()  # type: ignore[no-untyped-call]
    doc.add_heading("Inhoud", level=1)
    contents = table(doc, ["Onderdeel", "Pagina"], [13, 3])
    row(contents, "{%tr for part in contents %}")
    row(contents, "{{ part.title }}", "{{ part.page }}")
    row(contents, "{%tr endfor %}")
    return doc


def dossier_findings() -> DocumentObject:
    doc = new_document("Tekortkomingen en waarschuwingen")
    doc.add_paragraph("Tekortkomingen en waarschuwingen", style="Title")
    doc.add_paragraph("Stand op {{ made_at|datum }}: {{ status }}.")
    bullets(doc, "findings", "{{ item }}")
    doc.add_heading("Vergelijkingen tussen overeenkomst, traject, huurovereenkomst en vonnis", 1)
    grid = table(doc, ["Wat", "Uitkomst", "Toelichting"], [6, 3, 7])
    row(grid, "{%tr for c in comparisons %}")
    row(grid, "{{ c.subject }}", "{{ c.outcome }}", "{{ c.detail }}")
    row(grid, "{%tr endfor %}")
    doc.add_heading("Afspraken niet nagekomen (volgens de evaluaties)", level=1)
    grid = table(doc, ["Evaluatie", "Gepland op", "Gehouden op"], [4, 6, 6])
    row(grid, "{%tr for b in breaches %}")
    row(grid, "{{ b.review }}", "{{ b.due|datum }}", "{{ b.held }}")
    row(grid, "{%tr endfor %}")
    return doc


def dossier_judgment() -> DocumentObject:
    doc = new_document("Vonnis")
    doc.add_paragraph("Het ontruimingsvonnis", style="Title")
    doc.add_paragraph("{%p for j in judgments %}")
    facts = table(doc, ["Onderwerp", "Gegevens"], [5, 11])
    for label, value in [
        ("Rechtbank", "{{ j.court }}"),
        ("Zaaknummer", "{{ j.case_number }}"),
        ("Datum vonnis", "{{ j.date|datum }}"),
        ("Betekend op", "{{ j.served }}"),
        ("ECLI", "{{ j.ecli }}"),
        ("Gekoppeld aan de overeenkomst", "{{ j.linked }}"),
        ("Beslissing", "{{ j.decision }}"),
        ("Voorwaarden voor opschorting", "{{ j.conditions }}"),
    ]:
        row(facts, label, value)
    doc.add_paragraph("")
    doc.add_paragraph("{%p endfor %}")
    return doc


def dossier_audit() -> DocumentObject:
    doc = new_document("Auditfragment")
    doc.add_paragraph("Auditfragment", style="Title")
    doc.add_paragraph(
        "Wat er in dit traject is gedaan, uit het auditlog van {{ organisation.name }} (een "
        "keten van hashes die wijzigen en weglaten zichtbaar maakt). Leesacties zijn "
        "weggelaten.{% if cut %} Alleen de laatste handelingen staan hier.{% endif %}"
    )
    grid = table(doc, ["Tijdstip", "Wie", "Handeling", "Onderwerp"], [3.5, 3.5, 5, 4])
    row(grid, "{%tr for e in entries %}")
    row(grid, "{{ e.at|datumtijd }}", "{{ e.actor }}", "{{ e.action }}", "{{ e.subject }}")
    row(grid, "{%tr endfor %}")
    return doc


DOSSIER_PAGES: dict[str, Callable[[], DocumentObject]] = {
    "dossier_cover": dossier_cover,
    "dossier_findings": dossier_findings,
    "dossier_judgment": dossier_judgment,
    "dossier_audit": dossier_audit,
}
