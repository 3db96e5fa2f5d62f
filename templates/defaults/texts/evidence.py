"""The evidence page that follows a signed document (sealed, not signed)."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates.defaults.style import commands, evidence_footer, facts, new_document, seal_box


def evidence_page() -> DocumentObject:
    doc = new_document("Ondertekeningsbewijs")
    evidence_footer(doc)
    doc.add_paragraph("Ondertekeningsbewijs", style="Title")
    doc.add_paragraph(
        "Dit bewijs hoort bij het document op pagina 1 tot en met {{ document.pages }} van dit "
        "bestand. Het laat zien wie het document heeft ondertekend, wanneer en op welke manier. "
        "Tijden staan in Nederlandse tijd, met het verschil met UTC tussen haakjes."
    )
    doc.add_heading("Het ondertekende document", level=1)
    facts(
        doc,
        [
            ("Titel", "{{ document.title }}"),
            ("Versie", "{{ document.version }}"),
            ("Kenmerk", "{{ case.reference }}"),
            ("Pagina's", "1 tot en met {{ document.pages }} van dit bestand"),
            ("Bijlage", "{{ document.file }} ({{ document.size }})"),
            ("SHA-256", "mono:{{ document.sha256 }}"),
        ],
        (3.2, 12.8),
    )
    doc.add_paragraph(
        "De SHA-256 is een vingerafdruk van precies het bestand dat de partijen hebben "
        "ondertekend. Verandert er één teken, dan verandert de vingerafdruk ook. Iedere partij "
        "heeft het document met deze vingerafdruk ondertekend."
    )
    doc.add_heading("Zo controleert u de vingerafdruk", level=2)
    doc.add_paragraph(
        "Dit bestand bevat het ondertekende document als bijlage: {{ document.file }}. Open "
        "de bijlagen van dit bestand (in Adobe Acrobat Reader: het paperclipje) en sla die "
        "bijlage op. Bereken daarna de SHA-256 ervan. Dat kan op de opdrachtregel (vervang "
        "bestand.pdf door de naam van dit bestand):",
        style="List Number",
    )
    commands(
        doc,
        [
            "pdfdetach -savefile {{ document.file }} bestand.pdf",
            "sha256sum {{ document.file }}",
            "(Windows: certutil -hashfile {{ document.file }} SHA256)",
        ],
    )
    doc.add_paragraph(
        "De uitkomst moet precies gelijk zijn aan de SHA-256 hierboven. Het programma "
        "agreements verify bestand.pdf doet deze controle ook.",
        style="List Number",
    )
    doc.add_heading("De ondertekeningen", level=1)
    doc.add_paragraph(
        "Per partij staat hieronder wat bij het ondertekenen is vastgelegd. De bewijsregel is "
        "de SHA-256 van die gegevens in de bijlage ondertekening.json."
    )
    doc.add_paragraph("{%p for signature in signatures %}")
    heading = doc.add_heading("{{ signature.role }}: {{ signature.name }}", level=2)
    heading.paragraph_format.keep_with_next = True
    facts(
        doc,
        [
            ("{%tr if signature.organisation %}", ""),
            ("Namens", "{{ signature.organisation }}"),
            ("{%tr endif %}", ""),
            ("{%tr if signature.function %}", ""),
            ("Functie", "{{ signature.function }}"),
            ("Bevoegdheid", "{{ signature.mandate }}"),
            ("{%tr endif %}", ""),
            ("Tijdstip", "{{ signature.signed_at|datumtijd_zone }} · in UTC: {{ signature.utc }}"),
            ("Manier", "{{ signature.method }}"),
            ("Geïdentificeerd", "{{ signature.identified_by }}"),
            ("IP-adres", "{{ signature.ip }}"),
            ("Apparaat", "{{ signature.user_agent }}"),
            ("Handtekening", "{{ signature.signature }}"),
            ("{%tr if signature.drawn %}", ""),
            ("Getekend", "{{ signature.drawn }}"),
            ("{%tr endif %}", ""),
            ("Bewijsregel", "mono:{{ signature.evidence_sha256 }}"),
        ],
        (3.2, 12.8),
    )
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("Toestemming", level=1)
    doc.add_paragraph(
        "Iedere partij heeft voor het ondertekenen de tekst voor haar soort partij gezien en "
        "bevestigd:"
    )
    doc.add_paragraph("{%p for consent in consents %}")
    who = doc.add_paragraph("{{ consent.who }} (versie {{ consent.version }}):")
    who.paragraph_format.keep_with_next = True  # never alone at the foot of a page
    doc.add_paragraph("{{ consent.text }}", style="Intense Quote")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("Het elektronische zegel", level=1).paragraph_format.keep_with_next = True
    closing = doc.add_paragraph(
        "{{ organisation.name }} heeft het document op {{ finalised_at|datumtijd_zone }} "
        "afgesloten en verzegeld met het certificaat van {{ seal.holder }}. Het zegel beschermt "
        "het hele bestand: alle pagina's en de bijlagen {{ document.file }} en "
        "ondertekening.json (de gegevens van deze pagina, voor computers). Verandert er na het "
        "verzegelen iets, dan is het zegel niet meer geldig. U controleert het zegel in een "
        "pdf-lezer (in Adobe Acrobat Reader: het deelvenster Handtekeningen) of met "
        "pdfsig bestand.pdf."
    )
    closing.paragraph_format.keep_with_next = True
    seal_box(doc, "Zegel")
    return doc
