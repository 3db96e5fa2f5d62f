"""Wording the default templates share: the judgment, the representative, the signature
lines, the legal route's branches and a letter's head (plain Dutch, B1, "u" for tenants)."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from templates.defaults.style import facts, last_kept_together

# The judgment named in one line, e.g. in a clause.
JUDGMENT = (
    "het vonnis van de {{ judgment.court }} van {{ judgment.date|datum }}, "
    "zaaknummer {{ judgment.case_number }}{% if judgment.ecli %}, {{ judgment.ecli }}{% endif %}"
)
REPRESENTATIVE = (
    "{{ representative.name }}, {{ representative.role }} van de huurder"
    "{% if representative.organisation %} ({{ representative.organisation }}){% endif %}"
)

# One signature line per person or organisation that signs (the data's `signers`: each
# tenant and co-tenant, the representative, every organisation with obligations); the
# service asks exactly these parties to sign.
SIGNERS = [
    ("{%tr for signer in signers %}", ""),
    ("{{ signer.label }}", "{{ signer.signatory }}"),
    ("{%tr endfor %}", ""),
]

# The legal route's branches, in the order the template tests them. A route the template
# does not know reads as "lease dissolved": the usual case, and the one that never claims
# a lease that the judgment may have ended.
ROUTES = (
    ("lease_continues", "if legal_route == 'lease_continues'"),
    ("second_chance", "elif legal_route == 'second_chance'"),
    ("lease_dissolved", "else"),
)


def by_route(doc: DocumentObject, texts: dict[str, list[str]]) -> None:
    """Paragraphs that differ per legal route (docxtpl paragraph tags around each branch)."""
    for route, test in ROUTES:
        doc.add_paragraph(f"{{%p {test} %}}")
        for text in texts[route]:
            doc.add_paragraph(text)
    doc.add_paragraph("{%p endif %}")


def inline_route(texts: dict[str, str]) -> str:
    """A phrase that differs per legal route, inside one paragraph."""
    parts = [f"{{% {test} %}}{texts[route]}" for route, test in ROUTES]
    return "".join(parts) + "{% endif %}"


def judgment_facts(doc: DocumentObject) -> None:
    """The judgment in full, as legal staff check it: court, case number, dates, ECLI,
    the operative part and the conditions under which it is not executed."""
    facts(
        doc,
        [
            ("Rechter", "{{ judgment.court }}"),
            ("Zaaknummer", "{{ judgment.case_number }}"),
            ("Datum vonnis", "{{ judgment.date|datum }}"),
            (
                "Betekend op",
                "{% if judgment.served %}{{ judgment.served|datum }}"
                "{% else %}nog niet betekend{% endif %}",
            ),
            ("{%tr if judgment.ecli %}", ""),
            ("ECLI", "{{ judgment.ecli }}"),
            ("{%tr endif %}", ""),
            ("Beslissing", "{{ judgment.decision }}"),
            ("Voorwaarden", "{{ judgment.conditions }}"),
        ],
        (4.2, 11.8),
    )


# Who a named party is, with its role only when the name does not already say it
# ("Gemeente Utrecht", not "Gemeente Utrecht (gemeente)").
def named(var: str, role: str) -> str:
    return (
        f"{{{{ {var}.name }}}}{{% if {role}|lower not in {var}.name|lower %}} "
        f"({{{{ {role}|lower }}}}){{% endif %}}"
    )


def letter_head(doc: DocumentObject, title: str) -> None:
    """A letter's address block, place and date, and its subject as the title."""
    doc.add_paragraph(
        "{{ recipient.name }}\n{{ recipient.address }}\n"
        "{{ recipient.postal_code }} {{ recipient.city }}"
    )
    doc.add_paragraph("{{ organisation.city }}, {{ document.date|datum }}")
    doc.add_paragraph(title, style="Title")


def letter_close(
    doc: DocumentObject, *, questions: bool = True, sender: str = "sender.organisation"
) -> None:
    """Whom to ask (the data's `contact`), the greeting, and the sender with the
    organisation they write for (`sender`: the variable that names it)."""
    if questions:
        doc.add_paragraph(
            "Heeft u vragen over deze brief? Bel of mail dan {{ contact.name }}: "
            "{{ contact.phone }}{% if contact.email %}, {{ contact.email }}{% endif %}."
        )
    doc.add_paragraph("Met vriendelijke groet,")
    doc.add_paragraph("{{ sender.name }}\n{{ sender.role }}, {{ " + sender + " }}")
    last_kept_together(doc, 3 if questions else 2)
