"""No English word of the UI's own making on any page a user reads (issue 14): every staff
page a coordinator, a corporation, a municipality and a jurist reach by following links from
their first page, every party page of a signing link, and the legal report's CSV are scanned
for the English words the UI used to show (role, status and audit codes, "user:6")."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.e2e.pages import ONE_DATABASE
from tests.flows import Site, logged_in

pytestmark = [ONE_DATABASE, pytest.mark.libreoffice]

# Words the pages showed before (issue 14), as whole words; e-mail addresses and links are
# taken out first (the demo's logins are coordinator@..., say).
ENGLISH = [
    "tenant",
    "tenants",
    "corporation",
    "housing_corporation",
    "coordinator",
    "municipality",
    "representative",
    "care_provider",
    "neighbourhood_team",
    "active",
    "draft",
    "out_for_signature",
    "pending",
    "signed",
    "declined",
    "revoked",
    "voided",
    "paused",
    "queued",
    "rendering",
    "ready",
    "failed",
    "intake",
    "completed",
    "terminated",
    "on_track",
    "concerns",
    "breach",
    "user",
    "system",
    "case.read",
    "case.create",
    "payment_arrangement",
    "payment_arrangement.create",
    "review.create",
    "agreement",
    "judgment",
    "signature_request",
    "weekly",
    "monthly",
    "four_weekly",
]
WORD = re.compile(r"(?<![\w.:@/-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w@-])")
OUT = re.compile(r"[\w.+-]+@[\w.-]+|https?://\S+|/[\w/.{}?=&%-]+")
SKIP = ("/logout", "/kiosk", "/assets/", "/ontwikkeling/")
BINARY = (".pdf", ".png", ".ics", ".csv", ".json")


class Reader(HTMLParser):
    """The text a reader sees or hears (data, button values, labels for screen readers) and
    the page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        for name in ("aria-label", "title", "alt", "placeholder"):
            if found.get(name):
                self.text.append(found[name] or "")
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.text.append(found["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def english_in(text: str) -> list[str]:
    """The English words in `text`, each with a little of its context to find it by."""
    plain = OUT.sub(" ", text)
    return sorted({f"{m.group(1)} in {plain[max(0, m.start() - 30) : m.end() + 20]!r}"
                   for m in WORD.finditer(plain)})  # fmt: skip


def walk(client: Any, start: list[str], limit: int = 120, least: int = 3) -> dict[str, list[str]]:
    """Every page reachable from `start` by links (same site, no downloads): its English."""
    seen: set[str] = set()
    queue, found = list(start), {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        answer = client.get(path)
        if answer.status_code != 200 or "html" not in answer.headers.get("content-type", ""):
            continue
        reader = Reader()
        reader.feed(answer.text)
        if words := english_in(" ".join(reader.text)):
            found[path] = words
        for href in reader.links:
            link = urldefrag(href).url
            parts = urlsplit(link)
            if parts.netloc or not link.startswith("/"):
                continue
            if link.startswith(SKIP) or parts.path.endswith(BINARY):
                continue
            # One page of each list is enough: sorting and paging repeat the same words.
            if parts.query and parts.path in {urlsplit(s).path for s in seen}:
                continue
            queue.append(link)
    assert len(seen) >= least, seen
    return found


@pytest.mark.parametrize("who", ["coordinator", "portaal", "gemeente", "jurist"])
def test_staff_pages_read_dutch(site: Site, who: str) -> None:
    client, _ = logged_in(site.app(), who)
    case = site.world.case_portaal
    found = walk(
        client, ["/werk", "/zaken", f"/zaken/{case}", "/juridisch", "/controleren"], least=8
    )
    assert not found, "\n".join(f"{path}: {words}" for path, words in found.items())


def test_party_pages_read_dutch(site: Site) -> None:
    client = site.client()
    found = {}
    for role in site.requests:
        found.update(walk(client, [f"/s/{site.link(role)}"], limit=10, least=1))
    assert not found, found


def test_the_legal_report_csv_reads_dutch(site: Site) -> None:
    client, _ = logged_in(site.app(), "jurist")
    answer = client.get("/juridisch.csv")
    assert answer.status_code == 200
    assert not english_in(answer.text), answer.text[:2000]
