"""The wording and layout of the four default templates, in plain Dutch (B1 where tenants read)."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject

from templates.defaults.style import (
    bullets,
    commands,
    evidence_footer,
    facts,
    new_document,
    row,
    seal_box,
    signature_block,
    table,
)

JUDGMENT = (
    "het vonnis van de {{ judgment.court }} van {{ judgment.date|datum }}, "
    "zaaknummer {{ judgment.case_number }}{% if judgment.ecli %}, {{ judgment.ecli }}{% endif %}"
)
REPRESENTATIVE = (
    "{{ representative.name }}, {{ representative.role }} van de huurder"
    "{% if representative.organisation %} ({{ representative.organisation }}){% endif %}"
)


def agreement() -> DocumentObject:
    doc = new_document("Woonbegeleidingsovereenkomst")
    doc.add_paragraph("Woonbegeleidingsovereenkomst", style="Title")
    doc.add_paragraph(
        "Kenmerk {{ case.reference }} · opgesteld op {{ document.date|datum }} · "
        "huurovereenkomst {{ tenancy.contract_number }}"
    )

    doc.add_heading("1. Wie maken deze afspraken?", level=1)
    parties = table(doc, ["Rol", "Partij"], [4.5, 11.5])
    row(parties, "{%tr for person in tenants %}")
    row(
        parties,
        "Huurder",
        "{{ person.name }}{% if person.birth_date %}, geboren op "
        "{{ person.birth_date|datum }}{% endif %}",
    )
    row(parties, "{%tr endfor %}")
    row(parties, "{%tr if representative %}")
    row(parties, "Vertegenwoordiger", REPRESENTATIVE)
    row(parties, "{%tr endif %}")
    row(parties, "Woningcorporatie", "{{ corporation.name }}")
    row(parties, "Coördinator", "{{ coordinator.name }}")
    row(parties, "Gemeente", "{{ municipality.name }}")
    row(parties, "{%tr for party in other_parties %}")
    row(parties, "{{ party.role }}", "{{ party.name }}")
    row(parties, "{%tr endfor %}")
    doc.add_paragraph(
        "In deze overeenkomst {% if tenants|length > 1 %}heten {{ tenant.name }} samen"
        "{% else %}heet {{ tenant.name }}{% endif %} ‘de huurder’. De andere partijen noemen we "
        "bij hun naam. Samen zijn zij ‘de partijen’."
    )

    doc.add_heading("2. Waarom is er deze overeenkomst?", level=1)
    doc.add_paragraph("{{ reason }}")
    doc.add_paragraph(
        "De rechter heeft beslist dat de woningcorporatie de woning mag laten ontruimen. Dat "
        "staat in "
        + JUDGMENT
        + ". De huurder krijgt met deze overeenkomst een laatste kans om in de woning te "
        "blijven wonen. Dat kan alleen als de huurder zich aan de afspraken houdt. "
        "De andere partijen helpen daarbij."
    )

    doc.add_heading("3. Over welke woning gaat het?", level=1)
    doc.add_paragraph(
        "Deze overeenkomst hoort bij de huurovereenkomst met nummer "
        "{{ tenancy.contract_number }} voor de woning aan {{ tenancy.address }}, "
        "{{ tenancy.postal_code }} {{ tenancy.city }}. Die huurovereenkomst begon op "
        "{{ tenancy.start_date|datum }}. De huurovereenkomst blijft gelden. Deze overeenkomst "
        "komt daar bovenop en maakt er deel van uit."
    )

    doc.add_heading("4. Wat spreken we af?", level=1)
    doc.add_heading("De huurder", level=2)
    bullets(doc, "tenant.obligations", "{{ item }}")
    doc.add_paragraph("{%p if representative %}")
    doc.add_paragraph(
        "{{ representative.name }} ({{ representative.role }}) helpt de huurder om zich aan "
        "deze afspraken te houden, en tekent deze overeenkomst mee."
    )
    doc.add_paragraph("{%p endif %}")
    doc.add_heading("{{ corporation.name }} (woningcorporatie)", level=2)
    bullets(doc, "corporation.obligations", "{{ item }}")
    doc.add_heading("{{ coordinator.name }} (coördinator)", level=2)
    bullets(doc, "coordinator.obligations", "{{ item }}")
    doc.add_heading("{{ municipality.name }} (gemeente)", level=2)
    bullets(doc, "municipality.obligations", "{{ item }}")
    doc.add_paragraph("{%p for party in other_parties %}")
    doc.add_heading("{{ party.name }} ({{ party.role|lower }})", level=2)
    doc.add_paragraph("{%p for item in party.obligations %}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("5. Hoe lang duurt de overeenkomst?", level=1)
    doc.add_paragraph(
        "De overeenkomst begint op {{ term.start|datum }} en eindigt op {{ term.end|datum }}. "
        "Gaat alles goed? Dan woont de huurder daarna gewoon verder op grond van de "
        "huurovereenkomst, zonder deze extra afspraken."
    )

    doc.add_heading("6. Hoe houden we in de gaten hoe het gaat?", level=1)
    doc.add_paragraph(
        "Elke drie maanden praten de partijen samen met de huurder over hoe het gaat. De eerste "
        "keer is rond {{ reviews.first|datum }}. {{ coordinator.name }} nodigt iedereen uit en "
        "schrijft op wat er besproken en afgesproken is. Gaat er tussendoor iets mis? Dan "
        "komen de partijen meteen bij elkaar en zoeken zij samen met de huurder een oplossing."
    )

    doc.add_heading("7. Wat gebeurt er als de afspraken niet worden nagekomen?", level=1)
    doc.add_paragraph(
        "Houdt de huurder zich niet aan een afspraak? Dan praat {{ coordinator.name }} eerst "
        "met de huurder. Samen kijken jullie hoe het beter kan. Dit schrijven wij op."
    )
    doc.add_paragraph(
        "Blijft de huurder zich niet aan de afspraken houden, ook na een gesprek en een "
        "schriftelijke waarschuwing? Dan mag {{ corporation.name }} het vonnis laten uitvoeren. "
        "Dat betekent dat de huurder de woning uit moet (ontruiming). Het gaat om dit vonnis: "
        + JUDGMENT
        + ". Zolang de huurder zich aan de afspraken houdt, voert {{ corporation.name }} het "
        "vonnis niet uit."
    )

    doc.add_heading("8. Welke gegevens delen de partijen?", level=1)
    doc.add_paragraph(
        "Om de huurder goed te helpen, delen de partijen gegevens met elkaar. Het gaat alleen om "
        "wat nodig is voor deze overeenkomst: de huurbetalingen, de afspraken over hulp en "
        "begeleiding, de financiële situatie en hoe het gaat. De partijen delen geen gegevens "
        "met anderen, tenzij de wet dat verplicht. De huurder geeft met zijn of haar "
        "handtekening toestemming voor het delen van deze gegevens. De huurder mag altijd vragen "
        "welke gegevens er gedeeld zijn."
    )

    doc.add_heading("9. Ondertekening", level=1)
    doc.add_paragraph(
        "De partijen hebben deze overeenkomst gelezen en zijn het ermee eens. Elke partij "
        "krijgt een eigen exemplaar."
    )
    signature_block(doc, SIGNERS)
    return doc


# One signature line per person or organisation that signs (the data's `signers`: each
# tenant and co-tenant, the representative, every organisation with obligations); the
# service asks exactly these parties to sign.
SIGNERS = [
    ("{%tr for signer in signers %}", ""),
    ("{{ signer.label }}", "{{ signer.signatory }}"),
    ("{%tr endfor %}", ""),
]


def payment_arrangement() -> DocumentObject:
    doc = new_document("Betalingsregeling")
    doc.add_paragraph("{{ tenant.name }}")
    doc.add_paragraph("{{ tenant.address }}\n{{ tenant.postal_code }} {{ tenant.city }}")
    doc.add_paragraph("{{ organisation.city }}, {{ document.date|datum }}")
    doc.add_paragraph("Betalingsregeling", style="Title")

    doc.add_heading("1. Wat is de huurachterstand?", level=1)
    doc.add_paragraph(
        "Op {{ arrears.date|datum }} had u een huurachterstand van {{ arrears.amount|euro }} "
        "bij {{ corporation.name }}. U spreekt met {{ corporation.name }} af dat u deze "
        "achterstand in termijnen betaalt."
    )
    doc.add_paragraph("{%p if representative %}")
    doc.add_paragraph("Deze regeling is gemaakt samen met " + REPRESENTATIVE + ".")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("2. Wanneer betaalt u wat?", level=1)
    doc.add_paragraph(
        "U betaalt de termijnen hieronder. Dit komt bovenop uw gewone huur van "
        "{{ rent.amount|euro }} per maand. Die huur betaalt u ook gewoon elke maand op tijd."
    )
    grid = table(doc, ["Termijn", "Uiterlijk betalen op", "Bedrag"], [3, 7, 6])
    row(grid, "{%tr for instalment in instalments %}")
    row(
        grid,
        "{{ instalment.number }}",
        "{{ instalment.due|datum }}",
        "{{ instalment.amount|euro }}",
    )
    row(grid, "{%tr endfor %}")
    row(grid, "Totaal", "", "{{ total|euro }}")
    doc.add_paragraph(
        "Betaal elke termijn op rekening {{ payment.iban|iban }} ten name van "
        "{{ payment.account_holder }}. Zet bij elke betaling dit kenmerk: "
        "{{ payment.reference }}."
    )

    doc.add_heading("3. Wat als u een termijn niet op tijd betaalt?", level=1)
    doc.add_paragraph(
        "Lukt het een keer niet om op tijd te betalen? Neem dan meteen contact op met "
        "{{ corporation.name }} of met {{ organisation.name }}. Dan zoeken we samen een oplossing."
    )
    doc.add_paragraph(
        "Betaalt u een termijn of de huur niet binnen {{ grace_days }} dagen na de datum in de "
        "tabel, en heeft u geen contact met ons opgenomen? Dan stopt deze regeling. U moet dan "
        "de hele achterstand die nog open staat in één keer betalen."
    )

    doc.add_heading("4. Het vonnis blijft gelden", level=1)
    doc.add_paragraph(
        "Het vonnis blijft uitvoerbaar. Het gaat om "
        + JUDGMENT
        + ". Zolang u zich aan deze regeling houdt, gebruikt {{ corporation.name }} het vonnis "
        "niet. Houdt u zich niet aan de regeling? Dan kan {{ corporation.name }} het vonnis "
        "laten uitvoeren en moet u de woning uit."
    )

    doc.add_heading("5. Ondertekening", level=1)
    signature_block(doc, SIGNERS)
    return doc


def review_minutes() -> DocumentObject:
    doc = new_document("Evaluatieverslag")
    doc.add_paragraph("Evaluatieverslag", style="Title")
    facts = table(doc, ["Onderwerp", "Gegevens"], [5, 11])
    row(facts, "Huurder", "{{ tenant.name }}")
    row(facts, "Evaluatie", "nummer {{ review.number }}")
    row(facts, "Datum", "{{ review.date|datum }}")
    row(facts, "Plaats", "{{ review.location }}")
    row(facts, "Voorzitter", "{{ review.chair }}")

    doc.add_heading("1. Wie waren erbij?", level=1)
    people = table(doc, ["Naam", "Rol", "Organisatie"], [5.5, 4.5, 6])
    row(people, "{%tr for person in attendees %}")
    row(people, "{{ person.name }}", "{{ person.role }}", "{{ person.organisation }}")
    row(people, "{%tr endfor %}")

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

    doc.add_heading("4. Wat spreken we af?", level=1)
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
    doc.add_paragraph("Met hun handtekening zeggen de partijen dat dit verslag klopt.")
    signature_block(doc, SIGNERS)
    return doc


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


DOCUMENTS: dict[str, Callable[[], DocumentObject]] = {
    "agreement": agreement,
    "payment_arrangement": payment_arrangement,
    "review_minutes": review_minutes,
    "evidence_page": evidence_page,
}
