"""The payment arrangement (betalingsregeling): a letter to the tenant, "u" throughout."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates.defaults.style import new_document, row, signature_block, table
from templates.defaults.texts.common import JUDGMENT, SIGNERS, by_route


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
    doc.add_paragraph(
        "Deze regeling is gemaakt samen met {{ representative.name }}, uw "
        "{{ representative.role }}"
        "{% if representative.organisation %} ({{ representative.organisation }}){% endif %}."
    )
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
        "{{ corporation.name }} of met {{ organisation.name }}. Dan zoekt "
        "{{ corporation.name }} samen met u naar een oplossing."
    )
    doc.add_paragraph(
        "Betaalt u een termijn of de huur niet binnen {{ grace_days }} dagen na de datum in de "
        "tabel, en heeft u geen contact opgenomen? Dan stopt deze regeling. U moet dan "
        "de hele achterstand die nog openstaat in één keer betalen."
    )

    doc.add_heading("4. Het vonnis", level=1)
    in_reserve = (
        "Het vonnis blijft uitvoerbaar. Het gaat om "
        + JUDGMENT
        + ". Zolang u zich aan deze regeling houdt, gebruikt {{ corporation.name }} het vonnis "
        "niet. Houdt u zich niet aan de regeling? Dan kan {{ corporation.name }} het vonnis "
        "laten uitvoeren en moet u de woning uit."
    )
    by_route(
        doc,
        {
            "lease_continues": [in_reserve],
            "lease_dissolved": [in_reserve],
            # A second-chance tenancy replaces the old lease: the judgment is not executed
            # while it runs; what a breach can lead to is the end of that tenancy.
            "second_chance": [
                "Het gaat om "
                + JUDGMENT
                + ". Zolang uw tweedekanshuurovereenkomst loopt, laat {{ corporation.name }} "
                "het vonnis niet uitvoeren. Houdt u zich niet aan de regeling? Dan kan "
                "{{ corporation.name }} de tweedekanshuurovereenkomst laten eindigen, na de "
                "stappen uit de woonbegeleidingsovereenkomst (een gesprek en een schriftelijke "
                "waarschuwing)."
            ],
        },
    )

    doc.add_heading("5. Ondertekening", level=1)
    signature_block(doc, SIGNERS)
    return doc
