"""The woonbegeleidingsovereenkomst: its text follows the case's legal route (LEGAL.md 1)."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates.defaults.style import bullets, new_document, row, signature_block, table
from templates.defaults.texts.clauses import closing_clauses
from templates.defaults.texts.common import (
    JUDGMENT,
    REPRESENTATIVE,
    SIGNERS,
    by_route,
    inline_route,
    judgment_facts,
    named,
)

CORP = "{{ corporation.name }}"
HOME = "{{ tenancy.address }}, {{ tenancy.postal_code }} {{ tenancy.city }}"
CONTACT = (
    "{% if X.phone %}{{ X.phone }}{% endif %}{% if X.phone and X.email %} · {% endif %}"
    "{% if X.email %}{{ X.email }}{% endif %}"
)


def _parties(doc: DocumentObject) -> None:
    doc.add_heading("1. Wie maken deze afspraken?", level=1)
    parties = table(doc, ["Rol", "Partij", "Adres of contact"], [4.2, 6.3, 5.5])
    row(parties, "{%tr for person in tenants %}")
    row(
        parties,
        "Huurder",
        "{{ person.name }}{% if person.birth_date %}, geboren op "
        "{{ person.birth_date|datum }}{% endif %}",
        HOME,
    )
    row(parties, "{%tr endfor %}")
    row(parties, "{%tr if representative %}")
    row(parties, "Vertegenwoordiger", REPRESENTATIVE, "")
    row(parties, "{%tr endif %}")
    for label, var in (
        ("Woningcorporatie", "corporation"),
        ("Coördinator", "coordinator"),
        ("Gemeente", "municipality"),
    ):
        row(parties, label, f"{{{{ {var}.name }}}}", CONTACT.replace("X.", f"{var}."))
    row(parties, "{%tr for party in other_parties %}")
    row(parties, "{{ party.role }}", "{{ party.name }}", CONTACT.replace("X.", "party."))
    row(parties, "{%tr endfor %}")
    doc.add_paragraph(
        "In deze overeenkomst staat ‘u’ voor {{ tenant.name }}"
        "{% if tenants|length > 1 %} samen{% endif %}. De andere partijen staan er met hun "
        "naam in. Samen met u heten zij ‘de partijen’."
    )


def _why(doc: DocumentObject) -> None:
    doc.add_heading("2. Waarom is er deze overeenkomst?", level=1)
    doc.add_paragraph("{{ reason }}")
    chance = (
        "Met deze overeenkomst krijgt u een laatste kans om in de woning te blijven wonen. "
        "Dat kan alleen als u zich aan de afspraken houdt. De andere partijen helpen u daarbij."
    )
    by_route(
        doc,
        {
            "lease_continues": [
                "Er is een vonnis van de rechter over uw huur. Het staat in artikel 5. " + chance
            ],
            "lease_dissolved": [
                "De rechter heeft de huurovereenkomst ontbonden en beslist dat u de woning uit "
                "moet (ontruiming). Het vonnis staat in artikel 5. " + chance
            ],
            "second_chance": [
                "De rechter heeft de huurovereenkomst ontbonden. Het vonnis staat in artikel 5. "
                + CORP
                + " geeft u toch een tweede kans: een nieuwe huurovereenkomst voor ten hoogste "
                "twee jaar (een tweedekanshuurovereenkomst). Dat kan alleen als u zich aan de "
                "afspraken houdt. De andere partijen helpen u daarbij."
            ],
        },
    )


def _home(doc: DocumentObject) -> None:
    doc.add_heading("3. Over welke woning gaat het?", level=1)
    by_route(
        doc,
        {
            "lease_continues": [
                "Deze overeenkomst hoort bij de huurovereenkomst met nummer "
                "{{ tenancy.contract_number }} voor de woning aan " + HOME + ". Die "
                "huurovereenkomst begon op {{ tenancy.start_date|datum }}. De huurovereenkomst "
                "blijft gelden. Deze overeenkomst komt daar bovenop en maakt er deel van uit."
            ],
            "lease_dissolved": [
                "Het gaat om de woning aan " + HOME + ". U huurde die woning sinds "
                "{{ tenancy.start_date|datum }} (huurovereenkomst {{ tenancy.contract_number }}). "
                "De rechter heeft die huurovereenkomst ontbonden. U heeft dus geen "
                "huurovereenkomst meer, en deze overeenkomst is ook geen nieuwe "
                "huurovereenkomst.",
                "U mag in de woning blijven wonen op grond van deze overeenkomst, zolang u zich "
                "aan de afspraken houdt. " + CORP + " houdt het recht om het vonnis te laten "
                "uitvoeren (artikel 5). Staat er in deze overeenkomst ‘huur’? Dan gaat het om "
                "het bedrag dat u elke maand voor het wonen betaalt (de gebruiksvergoeding).",
            ],
            "second_chance": [
                "Het gaat om de woning aan " + HOME + ". De oude huurovereenkomst, die begon op "
                "{{ tenancy.start_date|datum }}, heeft de rechter ontbonden. " + CORP + " en u "
                "sluiten een tweedekanshuurovereenkomst voor ten hoogste twee jaar: van "
                "{{ term.start|datum }} tot en met {{ term.end|datum }}. Deze overeenkomst hoort "
                "bij die huurovereenkomst en maakt er deel van uit."
            ],
        },
    )


def _obligations(doc: DocumentObject) -> None:
    doc.add_heading("4. Wat zijn de afspraken?", level=1)
    doc.add_heading("U (huurder)", level=2)
    bullets(doc, "tenant.obligations", "{{ item }}")
    doc.add_paragraph("{%p if representative %}")
    doc.add_paragraph(
        "{{ representative.name }} ({{ representative.role }}) helpt u om u aan deze afspraken "
        "te houden, en tekent deze overeenkomst mee."
    )
    doc.add_paragraph("{%p endif %}")
    doc.add_heading(named("corporation", "'woningcorporatie'"), level=2)
    bullets(doc, "corporation.obligations", "{{ item }}")
    doc.add_heading(named("coordinator", "'coördinator'"), level=2)
    bullets(doc, "coordinator.obligations", "{{ item }}")
    doc.add_heading(named("municipality", "'gemeente'"), level=2)
    bullets(doc, "municipality.obligations", "{{ item }}")
    doc.add_paragraph("{%p for party in other_parties %}")
    doc.add_heading(named("party", "party.role"), level=2)
    doc.add_paragraph("{%p for item in party.obligations %}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")


def _judgment(doc: DocumentObject) -> None:
    doc.add_heading("5. Het vonnis", level=1)
    intro = doc.add_paragraph("Het gaat om " + JUDGMENT + ". Dit staat in het vonnis:")
    intro.paragraph_format.keep_with_next = True
    judgment_facts(doc)
    reserve = (
        CORP + " houdt het recht om het vonnis te laten uitvoeren. Dat geldt als u zich niet "
        "houdt aan één van de afspraken in deze overeenkomst, welke afspraak dan ook: niet "
        "alleen de afspraak over de huur. Eerst volgen wel de stappen uit artikel 8: een "
        "gesprek en een schriftelijke waarschuwing. Zolang u zich aan de afspraken houdt, laat "
        + CORP
        + " het vonnis niet uitvoeren."
    )
    by_route(
        doc,
        {
            "lease_continues": [
                reserve,
                "Heeft u zich tot en met {{ term.end|datum }} aan alle afspraken gehouden? Dan "
                "laat " + CORP + " het vonnis daarna niet meer uitvoeren. U woont dan gewoon "
                "verder op grond van uw huurovereenkomst.",
            ],
            "lease_dissolved": [
                reserve,
                "Heeft u zich tot en met {{ term.end|datum }} aan alle afspraken gehouden? Dan "
                "biedt "
                + CORP
                + " u een nieuwe huurovereenkomst aan, en laat "
                + CORP
                + " het vonnis daarna niet meer uitvoeren.",
            ],
            "second_chance": [
                "Zolang de tweedekanshuurovereenkomst loopt, laat " + CORP + " het vonnis niet "
                "uitvoeren. Houdt u zich niet aan één van de afspraken in deze overeenkomst, "
                "welke afspraak dan ook? Dan kan " + CORP + " de tweedekanshuurovereenkomst "
                "laten eindigen op {{ term.end|datum }}, na de stappen uit artikel 8.",
                "Heeft u zich tot en met {{ term.end|datum }} aan alle afspraken gehouden? Dan "
                "loopt uw huurovereenkomst daarna gewoon door, voor onbepaalde tijd. En laat "
                + CORP
                + " het vonnis daarna niet meer uitvoeren.",
            ],
        },
    )


def _term_and_reviews(doc: DocumentObject) -> None:
    doc.add_heading("6. Hoe lang duurt de overeenkomst?", level=1)
    doc.add_paragraph(
        "De overeenkomst begint op {{ term.start|datum }} en eindigt op {{ term.end|datum }}. "
        + inline_route(
            {
                "lease_continues": "Gaat alles goed? Dan woont u daarna gewoon verder op grond "
                "van de huurovereenkomst, zonder deze extra afspraken.",
                "lease_dissolved": "Wat er daarna gebeurt, staat in artikel 5.",
                "second_chance": "Dat is ten hoogste twee jaar. Wat er daarna gebeurt, staat in "
                "artikel 5.",
            }
        )
    )
    doc.add_heading("7. Hoe volgen de partijen hoe het gaat?", level=1)
    doc.add_paragraph(
        "Elke drie maanden praten de partijen met u over hoe het gaat. De eerste keer is rond "
        "{{ reviews.first|datum }}. {{ coordinator.name }} nodigt iedereen uit en schrijft op "
        "wat er besproken en afgesproken is (het evaluatieverslag). Gaat er tussendoor iets "
        "mis? Dan komen de partijen meteen bij elkaar en zoeken zij samen met u een oplossing."
    )


def _breach(doc: DocumentObject) -> None:
    doc.add_heading("8. Wat gebeurt er als u zich niet aan de afspraken houdt?", level=1)
    doc.add_paragraph(
        "Houdt u zich niet aan een afspraak? Dan praat {{ coordinator.name }} eerst met u. "
        "Samen kijkt u hoe het beter kan. {{ coordinator.name }} schrijft dit gesprek op."
    )
    doc.add_paragraph(
        "Gaat het daarna weer mis? Dan krijgt u een schriftelijke waarschuwing. Daarin staat "
        "welke afspraak u niet bent nagekomen en wat u moet doen, en vóór welke datum."
    )
    execute = (
        "Houdt u zich na de waarschuwing nog steeds niet aan de afspraken? Dan mag "
        + CORP
        + " het vonnis laten uitvoeren. Dat betekent dat u de woning uit moet (ontruiming). "
    )
    ending = (
        "Houdt u zich na de waarschuwing nog steeds niet aan de afspraken? Dan kan "
        + CORP
        + " de tweedekanshuurovereenkomst laten eindigen. Dan moet u de woning uit. "
    )
    letter = CORP + " laat u dat vooraf per brief weten."
    by_route(
        doc,
        {
            "lease_continues": [execute + letter],
            "lease_dissolved": [execute + letter],
            "second_chance": [ending + letter],
        },
    )


def agreement() -> DocumentObject:
    doc = new_document("Woonbegeleidingsovereenkomst")
    doc.add_paragraph("Woonbegeleidingsovereenkomst", style="Title")
    doc.add_paragraph("Kenmerk {{ case.reference }} · opgesteld op {{ document.date|datum }}")
    _parties(doc)
    _why(doc)
    _home(doc)
    _obligations(doc)
    _judgment(doc)
    _term_and_reviews(doc)
    _breach(doc)
    number = closing_clauses(doc, first=9)
    doc.add_heading(f"{number}. Ondertekening", level=1)
    doc.add_paragraph(
        "De partijen hebben deze overeenkomst gelezen en zijn het ermee eens. Zij tekenen in "
        "{{ signing.place }}, op de datum bij hun handtekening. Elke partij krijgt een eigen "
        "exemplaar."
    )
    signature_block(doc, SIGNERS)
    doc.add_paragraph("{%p if annexes %}")
    doc.add_heading("Bijlagen", level=1)
    doc.add_paragraph("{%p for annex in annexes %}")
    doc.add_paragraph("{{ annex.title }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")
    return doc
