"""Development outbox: e-mail kept as files and shown to staff, never in production."""

from __future__ import annotations

from fastapi.testclient import TestClient

from agreements.services.context import Deps
from agreements.services.mail import send as mail
from agreements.web.app import create_app


def test_outbox_keeps_mail_and_shows_links(world, tmp_path):
    settings = world.deps.settings.model_copy(update={"mail_outbox": tmp_path / "outbox"})
    deps = Deps(db=world.deps.db, settings=settings)
    mail.send(
        settings,
        mail.Mail(
            to="huurder@demo.example",
            subject="Ondertekenen: <test>",
            body="Klik hier:\n\nhttp://127.0.0.1:8000/s/abc?x=1&y=<2>\n",
        ),
    )
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    with TestClient(create_app(deps=deps)) as client:
        assert client.get("/ontwikkeling/post", follow_redirects=False).status_code == 303
        client.cookies.set("agreements_session", world.tokens["coordinator"])
        page = client.get("/ontwikkeling/post")
        assert page.status_code == 200
        assert "Ondertekenen: &lt;test&gt;" in page.text
        assert '<a href="http://127.0.0.1:8000/s/abc?x=1&amp;y=&lt;2&gt;">' in page.text
    production = settings.model_copy(update={"mode": "production"})
    with TestClient(create_app(deps=Deps(db=world.deps.db, settings=production))) as client:
        client.cookies.set("agreements_session", world.tokens["coordinator"])
        assert client.get("/ontwikkeling/post").status_code == 404
