"""The agreement's closing clauses: ending early, changing it, questions and complaints,
and what happens with the tenant's data (AVG). Plain Dutch, B1, "u" for the tenant."""

from __future__ import annotations

from docx.document import Document as DocumentObject

CORP = "{{ corporation.name }}"
COORD = "{{ coordinator.name }}"
CONTACT = (
    "{{ contact.name }}{% if contact.name != coordinator.name %} van " + COORD + "{% endif %}"
    ", telefoon {{ contact.phone }}"
    "{% if contact.email %}, e-mail {{ contact.email }}{% endif %}"
)


def _paragraphs(doc: DocumentObject, heading: str, texts: list[str]) -> None:
    doc.add_heading(heading, level=1)
    for text in texts:
        doc.add_paragraph(text)


def _labelled(doc: DocumentObject, items: list[tuple[str, str]]) -> None:
    """Bullets that start with a bold label: "Wat? ...", "Wie? ..."."""
    for label, text in items:
        paragraph = doc.add_paragraph(style="List Bullet")
        paragraph.add_run(label + " ").bold = True
        paragraph.add_run(text)


def closing_clauses(doc: DocumentObject, first: int) -> int:
    """Adds the clauses numbered from `first`; returns the next number."""
    _paragraphs(
        doc,
        f"{first}. Wanneer stopt de overeenkomst eerder?",
        [
            "De overeenkomst kan eerder stoppen dan op {{ term.end|datum }}. Dat kan in drie "
            "gevallen:",
        ],
    )
    _labelled(
        doc,
        [
            (
                "U verhuist.",
                "Meld dat zo snel mogelijk bij " + COORD + ". De overeenkomst stopt op de dag "
                "dat u de woning leeg oplevert en de sleutels inlevert bij " + CORP + ".",
            ),
            (
                "Het gaat goed.",
                "Houdt u zich al lange tijd aan de afspraken? Dan kunnen de partijen samen "
                "besluiten dat de overeenkomst eerder stopt. Dat bespreken zij op een "
                "evaluatie. Zij leggen het vast in een brief die alle partijen ondertekenen. "
                "Wat er dan met het vonnis gebeurt, staat in artikel 5.",
            ),
            (
                "U houdt zich niet aan de afspraken.",
                "Ook niet na het gesprek en de schriftelijke waarschuwing uit artikel 8? Dan "
                "kan " + CORP + " de overeenkomst beëindigen. " + CORP + " doet dat per brief "
                "en schrijft erin waarom.",
            ),
        ],
    )
    _paragraphs(
        doc,
        f"{first + 1}. Hoe kan de overeenkomst veranderen?",
        [
            "Willen u of een andere partij iets veranderen aan de afspraken? Bespreek dat met "
            + COORD
            + ", of op een evaluatie. Een verandering geldt alleen als die op papier staat en "
            "als alle partijen hem hebben ondertekend. Er komt dan een nieuwe versie van deze "
            "overeenkomst, met een nieuw versienummer. Tot alle partijen de nieuwe versie "
            "hebben ondertekend, geldt de oude versie.",
        ],
    )
    _paragraphs(
        doc,
        f"{first + 2}. Vragen en klachten",
        [
            "Heeft u een vraag over deze overeenkomst? Neem dan contact op met uw vaste "
            "contactpersoon: " + CONTACT + ".",
            "Bent u niet tevreden over hoe een partij zich aan de afspraken houdt? Bespreek "
            "het eerst met {{ contact.name }}. Komt u er samen niet uit? Dan kunt u een "
            "klacht indienen bij de organisatie waar uw klacht over gaat. Elke organisatie in "
            "deze overeenkomst heeft een klachtenregeling. " + CORP + " heeft ook een "
            "onafhankelijke klachtencommissie. U mag altijd iemand meenemen die u helpt.",
        ],
    )
    _privacy(doc, first + 3)
    return first + 4


def _privacy(doc: DocumentObject, number: int) -> None:
    doc.add_heading(f"{number}. Wat gebeurt er met uw gegevens?", level=1)
    doc.add_paragraph(
        "Om u goed te helpen, gebruiken de partijen gegevens over u. Dat staat in de wet "
        "(de Algemene verordening gegevensbescherming, AVG). Hieronder leest u hoe."
    )
    _labelled(
        doc,
        [
            (
                "Welke gegevens?",
                "Uw naam, adres, geboortedatum en contactgegevens; of u de huur betaalt en "
                "hoe hoog de achterstand is; uw financiële situatie; de afspraken over hulp "
                "en begeleiding, en hoe het daarmee gaat. Niet meer dan nodig is.",
            ),
            (
                "Wie gebruikt ze?",
                "Alleen de partijen in deze overeenkomst. Elke partij is zelf verantwoordelijk "
                "voor de gegevens die zij gebruikt. " + COORD + " houdt het dossier bij. De "
                "partijen geven uw gegevens niet aan anderen, tenzij de wet dat verplicht.",
            ),
            (
                "Waarom?",
                "Om deze overeenkomst uit te voeren: om u te helpen in de woning te blijven "
                "wonen, en om te volgen of iedereen zich aan de afspraken houdt.",
            ),
            (
                "Hoe lang?",
                COORD + " bewaart het dossier tot {{ privacy.retention_years }} jaar na het "
                "einde van de overeenkomst. Daarna worden uw gegevens vernietigd, of zo "
                "veranderd dat niemand meer kan zien dat ze over u gaan. Is het dossier nog "
                "nodig voor een rechtszaak? Dan wordt het langer bewaard.",
            ),
            (
                "Uw rechten.",
                "U mag vragen welke gegevens de partijen over u hebben en met wie zij die "
                "gedeeld hebben. U mag vragen om fouten te verbeteren of gegevens te "
                "verwijderen. Vraag het aan {{ contact.name }}. U krijgt binnen een maand "
                "antwoord. Bent u het niet eens met hoe de partijen met uw gegevens omgaan? "
                "Dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens.",
            ),
        ],
    )
    doc.add_paragraph(
        "Gegevens over uw gezondheid of verslaving delen de partijen alleen als u daarvoor "
        "apart toestemming geeft. Uw handtekening onder deze overeenkomst is die toestemming "
        "niet. U kunt een toestemming altijd weer intrekken."
    )
