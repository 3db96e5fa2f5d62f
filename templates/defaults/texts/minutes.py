"""The review minutes (evaluatieverslag) that tenant and coordinator sign."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates.defaults.style import new_document, row, signature_block, table
from templates.defaults.texts.common import SIGNERS, named


def review_minutes() -> DocumentObject:
    doc = new_document("Evaluatieverslag")
    doc.add_paragraph("Evaluatieverslag", style="Title")
    facts = table(doc, ["Onderwerp", "Gegevens"], [5, 11])
    row(facts, "Huurder", "{{ tenant.name }}")
    row(
        facts,
        "Overeenkomst",
        "{{ agreement.title }}{% if agreement.version %}, versie {{ agreement.version }}"
        "{% endif %}, kenmerk {{ case.reference }}, van {{ agreement.start|datum }} tot en met "
        "{{ agreement.end|datum }}",
    )
    row(facts, "Evaluatie", "nummer {{ review.number }}")
    row(facts, "Datum", "{{ review.date|datum }}")
    row(facts, "Plaats", "{{ review.location }}")
    row(facts, "Voorzitter", "{{ review.chair }}")
    row(facts, "Uitkomst", "{{ review.outcome }}")
    row(
        facts,
        "Schriftelijke waarschuwing",
        "{% if review.warning_given %}ja, u heeft een schriftelijke waarschuwing gekregen"
        "{% else %}nee{% endif %}",
    )

    doc.add_heading("1. Wie waren erbij?", level=1)
    people = table(doc, ["Naam", "Rol", "Organisatie"], [5.5, 4.5, 6])
    row(people, "{%tr for person in attendees %}")
    row(people, "{{ person.name }}", "{{ person.role }}", "{{ person.organisation }}")
    row(people, "{%tr endfor %}")
    doc.add_paragraph("{%p if absent %}")
    doc.add_paragraph("Niet aanwezig:").paragraph_format.keep_with_next = True
    doc.add_paragraph("{%p for party in absent %}")
    doc.add_paragraph(named("party", "party.role"), style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("Alle partijen waren erbij.")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("2. Hoe gaat het?", level=1)
    doc.add_paragraph("{{ summary }}")

    doc.add_heading("3. Hoe staat het met de afspraken?", level=1)
    progress = table(doc, ["Partij", "Afspraak", "Stand", "Toelichting"], [3, 5.5, 2.5, 5])
    row(progress, "{%tr for item in progress %}")
    row(
        progress,
        "{{ item.party }}",
        "{{ item.obligation }}",
        "{{ item.status }}",
        "{{ item.notes }}",
    )
    row(progress, "{%tr endfor %}")

    doc.add_heading("4. Wat is er afgesproken?", level=1)
    actions = table(doc, ["Afspraak", "Wie", "Wanneer klaar"], [9, 4, 3])
    row(actions, "{%tr for action in actions %}")
    row(actions, "{{ action.action }}", "{{ action.who }}", "{{ action.due|datum }}")
    row(actions, "{%tr endfor %}")

    doc.add_heading("5. Volgende evaluatie", level=1)
    doc.add_paragraph(
        "De volgende evaluatie is op {{ next_review.date|datum }} in {{ next_review.location }}. "
        "{{ organisation.name }} stuurt iedereen een uitnodiging."
    )
    doc.add_paragraph(
        "Klopt er iets niet in dit verslag? Laat het {{ review.chair }} binnen twee weken weten."
    )

    doc.add_heading("6. Ondertekening", level=1)
    doc.add_paragraph(
        "Met de handtekeningen hieronder zeggen u en de coördinator dat dit verslag klopt."
    )
    signature_block(doc, SIGNERS)
    return doc
