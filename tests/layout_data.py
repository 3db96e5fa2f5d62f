"""Data that stretches a default template: its sample scaled to a point of the layout grid
(instalments, parties, length of an obligation), the words it is made of, and the PDF read
back as lines with their font size (headings are the large ones)."""

from __future__ import annotations

import copy
import io
import itertools
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pdfplumber
from docx import Document

from templates.defaults import DEFAULTS_DIR

# Long Dutch words a document really holds: none may break over two lines.
LONG_WORDS = [
    "woningcorporatie", "Woningcorporatie", "huurachterstand", "schuldhulpverlening",
    "budgetbeheer", "buurtteammedewerker", "trajectcoördinator", "bewindvoerder",
    "huurovereenkomst", "vertegenwoordiger",
]  # fmt: skip
FILLER = ["de", "huurder", "betaalt", "elke", "maand", "de", "huur", "op", "tijd", "aan", "de"]
# What the service puts in the narrow columns (signature labels, a progress row's party,
# an attendee's role): the longest of them must fit whole.
LABELS = [
    "Huurder", "Woningcorporatie", "Coördinator", "Gemeente", "Vertegenwoordiger", "Buurtteam",
    "Zorgaanbieder", "Medehuurder",
]  # fmt: skip
COLUMNS = {
    "party": ["Huurder", "Wettelijk vertegenwoordiger", "Woningcorporatie", "Het Vierde Huis",
              "Gemeente", "Zorgaanbieder", "Buurtteam"],
    "role": ["huurder", "bewindvoerder", "woningcorporatie", "trajectcoördinator",
             "buurtteammedewerker", "zorgaanbieder"],
    "status": ["gaat goed", "zorgen", "niet nagekomen", "niet besproken"],
    "organisation": ["-", "De Vries Bewindvoering", "Woningcorporatie Portaal", "Het Vierde Huis",
                     "Buurtteam Overvecht"],
}  # fmt: skip
NAMES = [
    "Samira el Idrissi", "M. Jansen, consulent wonen, Woningcorporatie Portaal",
    "A. Bakker, trajectcoördinator, Het Vierde Huis", "R. Öztürk, contactpersoon, Gemeente Utrecht",
    "mr. J.P. de Vries, De Vries Bewindvoering", "L. de Graaf, buurtteammedewerker",
    "K. Lister, begeleider, Lister Utrecht", "Youssef el Idrissi",
]  # fmt: skip


@dataclass(frozen=True)
class Point:
    """One point of the grid: how many instalments and parties, how long an obligation."""

    instalments: int
    parties: int
    chars: int

    @property
    def name(self) -> str:
        return f"{self.instalments}termijnen-{self.parties}partijen-{self.chars}tekens"


def long_text(chars: int, seed: int = 0) -> str:
    """Plain Dutch sentences of about `chars` characters, with the long words in them."""
    words = itertools.cycle(FILLER + LONG_WORDS[seed % 3 :])
    text, sentence = "", []
    while len(text) < chars:
        sentence.append(next(words))
        if len(sentence) == 12:
            text += " ".join([sentence[0].capitalize(), *sentence[1:]]) + ". "
            sentence = []
    return text[:chars].rsplit(" ", 1)[0].rstrip(".") + "."


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEFAULTS_DIR / f"{name}.sample.json").read_text("utf-8"))
    return data


KNOWN = {"instalments", "signers", "tenants", "other_parties"}


def scaled(name: str, point: Point) -> dict[str, Any]:
    """The template's sample with every list the grid knows stretched to the point."""
    data = copy.deepcopy(sample(name))
    if "instalments" in data:
        _instalments(data, point.instalments)
    if "signers" in data:
        data["signers"] = [
            {"role": f"party{i}", "label": LABELS[i % 8], "party": NAMES[i % 8].split(",")[-1],
             "signatory": NAMES[i % 8]}
            for i in range(point.parties)
        ]  # fmt: skip
    if isinstance(data.get("tenants"), list):
        data["tenants"] = [copy.deepcopy(data["tenants"][0]) for _ in range(1 + point.parties // 5)]
    if isinstance(data.get("other_parties"), list) and data["other_parties"]:
        first = data["other_parties"][0]
        data["other_parties"] = [copy.deepcopy(first) for _ in range(max(0, point.parties - 4))]
    for key, value in data.items():  # attendees, progress, actions, signatures, contents...
        if key not in KNOWN and isinstance(value, list) and value and isinstance(value[0], dict):
            rows = itertools.islice(itertools.cycle(value), point.parties + 1)
            data[key] = [_narrow(copy.deepcopy(row), index) for index, row in enumerate(rows)]
    _obligations(data, point.chars)
    return data


def _narrow(row: Any, index: int) -> Any:
    if isinstance(row, dict):
        for key, values in COLUMNS.items():
            if isinstance(row.get(key), str):
                row[key] = values[index % len(values)]
    return row


def _instalments(data: dict[str, Any], count: int) -> None:
    rows, start = [], date.fromisoformat(data["instalments"][0]["due"])
    for number in range(1, count + 1):
        month = start.month - 1 + number - 1
        due = date(start.year + month // 12, month % 12 + 1, 1)
        rows.append({"number": number, "due": due.isoformat(), "amount": "101.10"})
    data["instalments"] = rows
    total = str(sum((Decimal(row["amount"]) for row in rows), Decimal("0.00")))
    if "total" in data:
        data["total"] = total
    if isinstance(data.get("arrears"), dict):
        data["arrears"]["amount"] = total
    if isinstance(data.get("schedule"), dict) and "end" in data["schedule"]:
        data["schedule"]["end"] = rows[-1]["due"]


def _obligations(data: Any, chars: int, seed: int = 0) -> None:
    """Every list of obligations starts with one of `chars` characters; text in tables and
    free text get long words too (at most a few lines in a table cell)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("obligations", "findings") and isinstance(value, list):
                data[key] = [long_text(chars, seed), *value]
            elif key in ("summary", "reason"):
                data[key] = long_text(max(chars // 2, 80), seed)
            elif key in ("obligation", "notes", "action") and isinstance(value, str):
                data[key] = long_text(min(chars, 400), seed)
            else:
                _obligations(value, chars, seed + 1)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _obligations(item, chars, seed + index)


def docx_words(docx: bytes) -> set[str]:
    """Every word a rendered document holds: body, tables, headers and footers."""
    document = Document(io.BytesIO(docx))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return set(tokens(" ".join(texts)))


def tokens(text: str) -> list[str]:
    return re.findall(r"[\w’'-]+", text.replace("\xad", ""))


GREETING = "Met vriendelijke groet"
# Header and footer sit in the page's margins (2.8 cm above, 2.5 cm below the text).
FURNITURE = 70.0
# Body text and tables are 11 pt; headings 12 pt or more (the title 20).
HEADING_SIZE = 11.5


@dataclass
class Line:
    text: str
    size: float
    top: float

    @property
    def heading(self) -> bool:
        return self.size > HEADING_SIZE


@dataclass
class Page:
    number: int
    lines: list[Line]  # the body's, without header and footer
    words: list[str]  # every word on the page, header and footer too
    tables: list[list[list[str]]]  # rows of cells, as drawn


def read_pdf(pdf: bytes) -> list[Page]:
    """Each page's body lines (with the size of their largest character), words and tables."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            lines, words = [], []
            for line in page.extract_text_lines(return_chars=True):
                words += tokens(line["text"])
                if FURNITURE < line["top"] < page.height - FURNITURE:
                    size = max(round(char["size"], 1) for char in line["chars"])
                    lines.append(Line(line["text"], size, line["top"]))
            tables = [
                [[cell or "" for cell in cells] for cells in table.extract()]
                for table in page.find_tables()
            ]
            pages.append(Page(number, lines, words, tables))
    return pages


def layout_problems(pages: list[Page], known: set[str], signers: int) -> list[str]:
    """What a reader would call a broken page, each in a sentence naming its page."""
    allowed = known | at_hyphens(known)
    problems = []
    for page in pages:
        where = f"page {page.number}"
        if page.lines and all(line.heading for line in page.lines):
            problems.append(f"{where} holds only headings: {[x.text for x in page.lines]}")
        if page.lines and page.lines[-1].heading and page is not pages[-1]:
            problems.append(f"{where} ends with a heading: {page.lines[-1].text!r}")
        if page.lines and page.lines[-1].text.startswith(GREETING) and page is not pages[-1]:
            problems.append(f"{where} ends with the greeting: the sender is alone on the next")
        for table in page.tables:
            for cells in table:
                # Every row starts with its label, number or name: a row without is either
                # blank or the rest of a row split over two pages.
                if not cells[0].strip():
                    problems.append(f"{where} has a blank or split row in {table[0]}: {cells}")
        broken = [w for w in page.words if w not in allowed and not w.isdigit()]
        if broken:
            problems.append(f"{where} has words the data does not: {sorted(set(broken))}")
    problems += _signature_problems(pages, signers)
    return problems


def at_hyphens(known: set[str]) -> set[str]:
    """The parts a line may break a hyphenated word into at its own hyphens ("LKB-2024-" and
    "0042"): a line break there is ordinary typesetting, one inside a word is not."""
    parts = set()
    for word in known:
        pieces = word.split("-")
        for cut in range(1, len(pieces)):
            parts.add("-".join(pieces[:cut]) + "-")
            parts.add("-".join(pieces[cut:]))
    return parts


def _signature_problems(pages: list[Page], signers: int) -> list[str]:
    """The signature table on one page, whole, with a heading above it."""
    found = [
        (page, table)
        for page in pages
        for table in page.tables
        if table and table[0][-1].strip() == "Handtekening"
    ]
    if signers == 0:
        return []
    if len(found) != 1:
        return [f"the signature table is on pages {[page.number for page, _ in found]}"]
    page, table = found[0]
    problems = []
    if len(table) != 1 + signers:
        problems.append(f"page {page.number} holds {len(table) - 1} of {signers} signature rows")
    if not any(line.heading for line in page.lines):
        problems.append(f"page {page.number}: the signature table has no heading on its page")
    return problems
