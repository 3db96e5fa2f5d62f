"""The public base URL follows the port it serves on unless set (issue 14): with
AGREEMENTS_PORT=8105 the links in the outbox's e-mails and the calendar feed point at 8105."""

from __future__ import annotations

import re

import pytest

from agreements.services.mail import send as mail
from agreements.settings import Settings
from tests.flows import render_and_read, send_requests
from tests.support import signing_app


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "http://127.0.0.1:8105"), ("0.0.0.0", "http://127.0.0.1:8105"),  # noqa: S104
     ("::1", "http://[::1]:8105"), ("agreements.local", "http://agreements.local:8105")],
)  # fmt: skip
def test_base_url_follows_host_and_port(monkeypatch, host, expected):
    monkeypatch.delenv("AGREEMENTS_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("AGREEMENTS_PORT", "8105")
    monkeypatch.setenv("AGREEMENTS_HOST", host)
    assert Settings(mode="development").public_base_url == expected


def test_a_base_url_set_is_kept(monkeypatch):
    monkeypatch.setenv("AGREEMENTS_PORT", "8105")
    monkeypatch.setenv("AGREEMENTS_PUBLIC_BASE_URL", "https://woonbegeleiding.example")
    assert Settings(mode="development").public_base_url == "https://woonbegeleiding.example"


def test_outbox_links_and_feed_on_the_port(world, pool, tmp_path, monkeypatch):
    monkeypatch.delenv("AGREEMENTS_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("AGREEMENTS_PORT", "8105")
    base = Settings(mode="test").public_base_url
    with signing_app(world, pool, port=8105, public_base_url=base, mail_outbox=tmp_path) as (
        client,
        _deps,
    ):
        version = render_and_read(client, world, world.case_mitros)
        send_requests(client, world, version["id"])
        feed = client.post("/api/v1/auth/calendar-feed", headers=world.headers("coordinator"))
    assert feed.status_code == 201
    assert feed.json()["url"].startswith("http://127.0.0.1:8105/calendar/")
    kept = mail.outbox(tmp_path)
    links = [link for m in kept for link in re.findall(r"https?://[^\s\"<>]+", m.body)]
    assert kept and links
    assert all(link.startswith("http://127.0.0.1:8105/") for link in links), links
