"""The letters to the tenant along the trajectory: the written warning after a breach, the
notice that the judgment will be executed, the end of the agreement, the closing letter at
the end of a completed trajectory, and a plain letter. Plain Dutch, B1, "u" throughout."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates.defaults.style import new_document, signature_block
from templates.defaults.texts.common import (
    JUDGMENT,
    SIGNERS,
    by_route,
    letter_close,
    letter_head,
)

CORP = "{{ corporation.name }}"
AGREEMENT = "de woonbegeleidingsovereenkomst van {{ agreement.start|datum }}"


def _letter(title: str) -> DocumentObject:
    doc = new_document(title)
    letter_head(doc, title)
    doc.add_paragraph("Beste {{ recipient.name }},")
    return doc


def _quoted(doc: DocumentObject, text: str) -> None:
    doc.add_paragraph(text, style="Intense Quote")


def warning() -> DocumentObject:
    doc = _letter("Schriftelijke waarschuwing")
    doc.add_paragraph(
        "U heeft afspraken gemaakt in " + AGREEMENT + ". U houdt zich niet aan deze afspraak:"
    )
    _quoted(doc, "{{ breach.obligation }}")
    doc.add_heading("Wat is er gebeurd?", level=1)
    doc.add_paragraph("{{ breach.facts }}")
    doc.add_paragraph(
        "{% if breach.talked_on %}Op {{ breach.talked_on|datum }} heeft "
        "{{ coordinator.name }} hierover met u gepraat. {% endif %}Dit is de schriftelijke "
        "waarschuwing uit artikel 8 van de overeenkomst."
    )
    doc.add_heading("Wat moet u doen?", level=1)
    doc.add_paragraph("{{ remedy.action }}")
    doc.add_paragraph("Doe dit uiterlijk op {{ remedy.deadline|datum }}.")
    doc.add_heading("Wat gebeurt er als u dat niet doet?", level=1)
    by_route(
        doc,
        {
            "lease_continues": [_execute()],
            "lease_dissolved": [_execute()],
            "second_chance": [
                "Houdt u zich daarna nog steeds niet aan de afspraken? Dan kan "
                + CORP
                + " uw tweedekanshuurovereenkomst laten eindigen. Dan moet u de woning uit."
            ],
        },
    )
    doc.add_paragraph(
        "Wilt u hulp om dit op te lossen? Dat kan. Neem dan zo snel mogelijk contact op met "
        "{{ contact.name }}."
    )
    letter_close(doc)
    return doc


def _execute() -> str:
    return (
        "Houdt u zich daarna nog steeds niet aan de afspraken? Dan mag "
        + CORP
        + " het vonnis laten uitvoeren. Dat betekent dat u de woning uit moet (ontruiming). "
        "Het gaat om " + JUDGMENT + "."
    )


def execution_notice() -> DocumentObject:
    doc = _letter("Aankondiging: het vonnis wordt uitgevoerd")
    doc.add_paragraph(
        "Met deze brief laat " + CORP + " u weten dat het vonnis wordt uitgevoerd. "
        "U heeft zich niet gehouden aan de afspraken in "
        + AGREEMENT
        + ". Op {{ warning.date|datum }} kreeg u daarom een schriftelijke waarschuwing. Daarna "
        "ging het nog steeds niet goed:"
    )
    doc.add_paragraph("{%p for item in breaches %}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("Wat gaat er gebeuren?", level=1)
    doc.add_paragraph(
        "Daarom laat " + CORP + " nu het vonnis uitvoeren. Het gaat om " + JUDGMENT + ". Dat "
        "betekent dat u de woning aan {{ tenancy.address }} in {{ tenancy.city }} uit moet "
        "(ontruiming). De overeenkomst stopt hiermee."
    )
    doc.add_paragraph(
        "{% if eviction.date %}De ontruiming is gepland op {{ eviction.date|datum }}."
        "{% else %}U hoort van de deurwaarder wanneer de ontruiming is.{% endif %}"
        "{% if eviction.bailiff %} De deurwaarder is {{ eviction.bailiff }}.{% endif %}"
    )
    doc.add_heading("Wat kunt u nu doen?", level=1)
    doc.add_paragraph(
        "Neem meteen contact op met {{ contact.name }}. Samen kijkt u wat er nog kan, en waar "
        "u kunt gaan wonen."
    )
    doc.add_paragraph(
        "Wilt u weten wat uw rechten zijn? Vraag dan snel gratis advies aan Het Juridisch "
        "Loket (0900 8020) of aan een advocaat. Soms kan de rechter de ontruiming nog "
        "tegenhouden. Daarvoor moet u wel snel zijn."
    )
    letter_close(doc)
    return doc


def termination() -> DocumentObject:
    doc = _letter("Beëindiging van de woonbegeleidingsovereenkomst")
    doc.add_paragraph(
        "Met deze brief stopt " + AGREEMENT + ". De overeenkomst stopt op "
        "{{ termination.date|datum }}. Zij zou eerst doorlopen tot en met "
        "{{ agreement.end|datum }}."
    )
    doc.add_heading("Waarom stopt de overeenkomst?", level=1)
    grounds = (
        ("moved", "U verhuist. Dat is een reden om de overeenkomst eerder te laten stoppen."),
        (
            "success",
            "Het gaat goed. U houdt zich al lange tijd aan de afspraken. Daarom hebben de "
            "partijen samen besloten dat de overeenkomst eerder stopt.",
        ),
        (
            "breach",
            "U heeft zich niet gehouden aan de afspraken, ook niet na het gesprek en de "
            "schriftelijke waarschuwing. Daarom beëindigt " + CORP + " de overeenkomst.",
        ),
    )
    for index, (ground, text) in enumerate(grounds):
        test = "if" if index == 0 else "elif"
        doc.add_paragraph(f"{{%p {test} termination.ground == '{ground}' %}}")
        doc.add_paragraph(text)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ termination.reason }}")
    doc.add_heading("Wat betekent dit voor het vonnis?", level=1)
    doc.add_paragraph(
        "{% if termination.ground == 'breach' %}" + CORP + " mag nu het vonnis laten "
        "uitvoeren. Het gaat om " + JUDGMENT + ". Daarover krijgt u een aparte brief."
        "{% elif termination.ground == 'success' %}" + CORP + " laat het vonnis niet meer "
        "uitvoeren. Het gaat om " + JUDGMENT + ".{% else %}Levert u de woning leeg op en "
        "levert u de sleutels in bij " + CORP + "? Dan laat " + CORP + " het vonnis niet "
        "uitvoeren.{% endif %}"
    )
    letter_close(doc)
    doc.add_paragraph("{%p if signers %}")
    doc.add_heading("Ondertekening", level=1)
    doc.add_paragraph("De partijen hieronder zijn het eens met deze beëindiging.")
    signature_block(doc, SIGNERS)
    doc.add_paragraph("{%p endif %}")
    return doc


def closing_letter() -> DocumentObject:
    doc = _letter("Afsluitbrief: uw traject is afgerond")
    doc.add_paragraph(
        "Gefeliciteerd! U heeft zich van {{ agreement.start|datum }} tot en met "
        "{{ agreement.end|datum }} aan de afspraken gehouden. Daarmee is het traject "
        "afgerond. De woonbegeleidingsovereenkomst is voorbij."
    )
    doc.add_heading("Wat betekent dit voor u?", level=1)
    done = CORP + " laat het vonnis niet meer uitvoeren. Het gaat om " + JUDGMENT + "."
    by_route(
        doc,
        {
            "lease_continues": [
                "U woont gewoon verder op grond van uw huurovereenkomst. De extra afspraken "
                "uit de woonbegeleidingsovereenkomst gelden niet meer. " + done
            ],
            "lease_dissolved": [
                CORP + " biedt u een nieuwe huurovereenkomst aan. Daarover krijgt u een aparte "
                "brief van " + CORP + ". " + done
            ],
            "second_chance": [
                "Uw tweedekanshuurovereenkomst loopt door als gewone huurovereenkomst, voor "
                "onbepaalde tijd. " + done
            ],
        },
    )
    doc.add_heading("Wordt het later weer moeilijk?", level=1)
    doc.add_paragraph(
        "Lukt het een keer niet om de huur te betalen, of heeft u andere zorgen? Wacht dan "
        "niet. Neem op tijd contact op met " + CORP + " of met het buurtteam. Hoe eerder, "
        "hoe beter u geholpen kunt worden."
    )
    doc.add_heading("Uw gegevens", level=1)
    doc.add_paragraph(
        "{{ coordinator.name }} bewaart uw dossier tot {{ privacy.retention_years }} jaar na "
        "het einde van de overeenkomst. Daarna worden uw gegevens vernietigd. U mag altijd "
        "vragen welke gegevens er over u zijn."
    )
    letter_close(doc)
    return doc


def letter() -> DocumentObject:
    doc = new_document("Brief")
    letter_head(doc, "{{ subject }}")
    doc.add_paragraph("Beste {{ recipient.name }},")
    doc.add_paragraph("{{ body }}")
    letter_close(doc, questions=False, sender="organisation.name")
    return doc
