"""Reminders over HTTP: the in-app list, missed instalments reported by a corporation and the
coordinator's calendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar


def _arrangement(client, world, case_id: int) -> int:
    return client.get(
        f"/api/v1/payment-arrangements?case_id={case_id}", headers=world.headers("coordinator")
    ).json()["items"][0]["id"]


def test_corporation_reports_a_missed_instalment(client, world):
    arrangement = _arrangement(client, world, world.case_mitros)
    day = (date.today() - timedelta(days=3)).isoformat()
    url = f"/api/v1/payment-arrangements/{arrangement}/missed-instalments"
    assert (
        client.post(url, json={"due_date": day}, headers=world.headers("portaal")).status_code
        == 404
    )
    assert (
        client.post(url, json={"due_date": day}, headers=world.headers("gemeente")).status_code
        == 403
    )
    assert (
        client.post(url, json={"due_date": day}, headers=world.headers("jurist")).status_code == 403
    )
    made = client.post(url, json={"due_date": day}, headers=world.headers("mitros"))
    assert made.status_code == 201, made.text
    again = client.post(url, json={"due_date": day}, headers=world.headers("mitros"))
    assert again.status_code == 409
    future = (date.today() + timedelta(days=3)).isoformat()
    late = client.post(url, json={"due_date": future}, headers=world.headers("mitros"))
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "due_date"


def test_reminder_list_is_scoped(client, world):
    for who in ("coordinator", "portaal", "jurist"):
        r = client.get(
            "/api/v1/reminders?status=pending&status=flagged&status=sent",
            headers=world.headers(who),
        )
        assert r.status_code == 200, r.text
    bad = client.get("/api/v1/reminders?status=gone", headers=world.headers("coordinator"))
    assert bad.status_code == 422
    assert client.get("/api/v1/reminders").status_code == 401


def test_calendar_feed_for_coordinators(client, world):
    h = world.headers("coordinator")
    agreement = client.get(f"/api/v1/agreements?case_id={world.case_portaal}", headers=h).json()[
        "items"
    ][0]
    if agreement["status"] == "draft":  # only live agreements are in the calendar
        client.patch(
            f"/api/v1/agreements/{agreement['id']}", headers=h, json={"status": "out_for_signature"}
        )
    assert (
        client.post("/api/v1/auth/calendar-feed", headers=world.headers("portaal")).status_code
        == 403
    )
    made = client.post("/api/v1/auth/calendar-feed", headers=world.headers("coordinator"))
    assert made.status_code == 201
    path = made.json()["url"].split("127.0.0.1:8000", 1)[1]
    feed = client.get(path)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert any(s.startswith("Evaluatie 1: LK-") for s in summaries)
    assert any(s.startswith("Vonnis 11 maanden oud") for s in summaries)
    # A new link stops the old one.
    client.post("/api/v1/auth/calendar-feed", headers=world.headers("coordinator"))
    assert client.get(path).status_code == 401
    assert client.get("/calendar/nonsense.ics").status_code == 401


def test_a_calendar_link_is_not_a_login(client, world):
    made = client.post("/api/v1/auth/calendar-feed", headers=world.headers("coordinator"))
    token = made.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    as_bearer = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401
    client.cookies.set("agreements_session", token)
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/werk", follow_redirects=False).status_code == 303


def test_calendar_events_link_the_case_and_held_reviews_sit_on_their_day(client, world):
    """Issue 14: a review held early is in the calendar on the day it was held, not on its
    planned day; every event links to its case page."""
    h = world.headers("coordinator")
    agreement = client.get(f"/api/v1/agreements?case_id={world.case_portaal}", headers=h).json()[
        "items"
    ][0]
    if agreement["status"] == "draft":
        client.patch(f"/api/v1/agreements/{agreement['id']}", headers=h,
                     json={"status": "out_for_signature"})  # fmt: skip
    reviews = client.get(f"/api/v1/reviews?agreement_id={agreement['id']}", headers=h).json()
    second = next(r for r in reviews["items"] if r["number"] == 2)
    body = {"held_date": agreement["start_date"], "outcome": "on_track"}
    held = client.patch(f"/api/v1/reviews/{second['id']}", headers=h, json=body)
    assert held.status_code == 200, held.text
    url = client.post("/api/v1/auth/calendar-feed", headers=h).json()["url"]
    cal = Calendar.from_ical(client.get(url.split(":8000", 1)[1]).content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    event = next(e for s, e in events.items() if s.startswith("Evaluatie 2: ") and "gehouden" in s)
    assert str(event.decoded("dtstart")) == agreement["start_date"] != second["due_date"]
    assert all("/zaken/" in str(e["url"]) for e in events.values())
    assert str(event["url"]).endswith(f"/zaken/{world.case_portaal}")
