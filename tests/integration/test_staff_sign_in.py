"""Staff sign-in (issue 15): the TOTP second factor with recovery codes, the lock-out after
repeated failures with its admin unlock, and sessions that end on a password change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from agreements.cli import app as cli
from agreements.domain.enums import Role
from agreements.domain.errors import NotAuthenticated, SecondFactorNeeded
from agreements.domain.policy import SYSTEM
from agreements.services.access import accounts, lockout, second_factor
from agreements.services.context import Deps
from agreements.web.app import create_app
from agreements.web.staff.home import REFUSED

PASSWORD = "een-lang-wachtwoord-1"
ONE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
_made = iter(range(1, 10_000))


def _deps(world: Any, **settings: Any) -> Deps:
    return Deps(db=world.deps.db, settings=world.deps.settings.model_copy(update=settings))


def _user(deps: Deps, role: Role = Role.COORDINATOR) -> str:
    email = f"aanmelden{next(_made)}-{datetime.now(UTC).timestamp():.0f}@test.example"
    accounts.create_user(email, "Sanne Aanmelder", role, PASSWORD, deps=deps, actor=SYSTEM,
                         now=datetime.now(UTC))  # fmt: skip
    return email


def _code(secret: str, now: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(now + timedelta(seconds=30 * steps))


def _enrolled(deps: Deps, email: str, now: datetime) -> tuple[str, list[str]]:
    user_id = accounts.user_with_email(email, deps=deps)
    assert user_id is not None
    secret = second_factor.start(user_id, deps=deps, now=now).secret
    codes = second_factor.confirm(user_id, _code(secret, now), deps=deps, now=now)
    return secret, codes


@ONE
def test_a_second_factor_is_switched_on_with_a_code_and_then_asked_at_every_login(world):
    deps, now = _deps(world), datetime.now(UTC)
    email = _user(deps)
    user_id = accounts.user_with_email(email, deps=deps)
    enrolment = second_factor.start(user_id, deps=deps, now=now)
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml;base64,")
    # Not on before a code confirms it: the password alone still logs in.
    assert accounts.login(email, PASSWORD, deps=deps, now=now).code_pending is False
    with pytest.raises(Exception, match="wrong code"):
        second_factor.confirm(user_id, "000000", deps=deps, now=now)
    codes = second_factor.confirm(user_id, _code(enrolment.secret, now), deps=deps, now=now)
    assert len(codes) == 10 and len(set(codes)) == 10
    later = now + timedelta(minutes=1)
    with pytest.raises(SecondFactorNeeded):
        accounts.login(email, PASSWORD, deps=deps, now=later)
    with pytest.raises(NotAuthenticated):
        accounts.login(email, PASSWORD, deps=deps, now=later, code="123456")
    good = _code(enrolment.secret, later)
    issued = accounts.login(email, PASSWORD, deps=deps, now=later, code=good)
    assert accounts.authenticate(issued.token, deps=deps, now=later).user_id == user_id
    with pytest.raises(NotAuthenticated):  # a code works once
        accounts.login(email, PASSWORD, deps=deps, now=later, code=good)
    # A recovery code works once, with or without its dash.
    assert accounts.login(email, PASSWORD, deps=deps, now=later, code=codes[0].upper())
    with pytest.raises(NotAuthenticated):
        accounts.login(email, PASSWORD, deps=deps, now=later, code=codes[0].replace("-", ""))
    assert second_factor.state(user_id, deps=deps).recovery_codes_left == 9


@ONE
def test_the_two_step_login_waits_for_the_code_and_no_page_answers_meanwhile(world):
    deps, now = _deps(world), datetime.now(UTC)
    email = _user(deps)
    secret, _ = _enrolled(deps, email, now)
    later = now + timedelta(minutes=1)
    pending = accounts.login(email, PASSWORD, deps=deps, now=later, two_step=True)
    assert pending.code_pending and pending.expires_at <= later + timedelta(minutes=10)
    with pytest.raises(SecondFactorNeeded) as needed:
        accounts.authenticate(pending.token, deps=deps, now=later)
    assert needed.value.step == "code"
    with pytest.raises(NotAuthenticated):
        accounts.confirm_code(pending.token, "999999", deps=deps, now=later)
    full = accounts.confirm_code(pending.token, _code(secret, later), deps=deps, now=later)
    assert accounts.authenticate(full.token, deps=deps, now=later).name == "Sanne Aanmelder"
    with pytest.raises(NotAuthenticated):  # the waiting session is gone
        accounts.confirm_code(pending.token, _code(secret, later, 1), deps=deps, now=later)


@ONE
def test_the_secret_is_stored_encrypted(world):
    from agreements.db.models import User

    deps, now = _deps(world), datetime.now(UTC)
    email = _user(deps)
    secret, _ = _enrolled(deps, email, now)
    with deps.db() as session:
        user = session.get(User, accounts.user_with_email(email, deps=deps))
        assert user is not None and user.totp_secret_encrypted is not None
        assert secret.encode() not in user.totp_secret_encrypted


@ONE
def test_a_required_role_must_set_it_up_before_any_page(world):
    deps, now = _deps(world, second_factor_roles={"coordinator"}), datetime.now(UTC)
    email = _user(deps)
    partner_free = _user(deps, Role.LEGAL)
    issued = accounts.login(email, PASSWORD, deps=deps, now=now, two_step=True)
    with pytest.raises(SecondFactorNeeded) as needed:
        accounts.authenticate(issued.token, deps=deps, now=now)
    assert needed.value.step == "enrol"
    assert accounts.authenticate(issued.token, deps=deps, now=now, enrolling=True)
    other = accounts.login(partner_free, PASSWORD, deps=deps, now=now, two_step=True)
    assert accounts.authenticate(other.token, deps=deps, now=now).role is Role.LEGAL


def test_the_default_asks_it_of_every_role_that_reads_care_notes():
    from agreements.domain.policy import Action, Resource, allowed
    from agreements.settings_signin import SignInSettings

    required = SignInSettings().second_factor_roles
    assert {r.value for r in Role if allowed(r, Action.READ, Resource.CARE_NOTES)} <= required
    assert "legal" in required  # the legal staff make the court dossiers
    with pytest.raises(ValueError, match="unknown staff role"):
        SignInSettings(second_factor_roles={"tenant"})


@ONE
def test_repeated_failures_lock_the_account_until_an_admin_unlocks_it(world):
    deps, now = _deps(world, lockout_failures=3, lockout_minutes=0), datetime.now(UTC)
    email = _user(deps)
    for minute in range(3):
        with pytest.raises(NotAuthenticated):
            accounts.login(email, "fout", deps=deps, now=now + timedelta(minutes=minute))
    with pytest.raises(NotAuthenticated):  # the right password no longer opens it
        accounts.login(email, PASSWORD, deps=deps, now=now + timedelta(days=1))
    result = CliRunner().invoke(cli, ["users", "unlock", email], env=_env(deps))
    assert result.exit_code == 0, result.output
    assert "unlocked" in result.output
    assert accounts.login(email, PASSWORD, deps=deps, now=now + timedelta(days=1))


@ONE
def test_failures_outside_the_window_do_not_lock_and_a_lock_ends_by_itself(world):
    deps = _deps(world, lockout_failures=3, lockout_window_minutes=15, lockout_minutes=30)
    now = datetime.now(UTC)
    email = _user(deps)
    for minute in (0, 10, 20):  # never three within 15 minutes
        with pytest.raises(NotAuthenticated):
            accounts.login(email, "fout", deps=deps, now=now + timedelta(minutes=minute))
    assert accounts.login(email, PASSWORD, deps=deps, now=now + timedelta(minutes=21))
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            accounts.login(email, "fout", deps=deps, now=now + timedelta(minutes=22))
    with pytest.raises(NotAuthenticated):
        accounts.login(email, PASSWORD, deps=deps, now=now + timedelta(minutes=40))
    assert accounts.login(email, PASSWORD, deps=deps, now=now + timedelta(minutes=53))


@ONE
def test_wrong_codes_count_towards_the_lock_too(world):
    deps, now = _deps(world, lockout_failures=2), datetime.now(UTC)
    email = _user(deps)
    _enrolled(deps, email, now)
    pending = accounts.login(email, PASSWORD, deps=deps, now=now, two_step=True)
    for _ in range(2):
        with pytest.raises(NotAuthenticated):
            accounts.confirm_code(pending.token, "000000", deps=deps, now=now)
    user_id = accounts.user_with_email(email, deps=deps)
    with deps.db() as session:
        from agreements.db.models import User

        assert lockout.locked(deps, session.get_one(User, user_id), now)


@ONE
def test_a_password_change_ends_every_other_login(world):
    deps, now = _deps(world), datetime.now(UTC)
    email = _user(deps)
    user_id = accounts.user_with_email(email, deps=deps)
    here, phone, laptop = (accounts.login(email, PASSWORD, deps=deps, now=now) for _ in range(3))
    with pytest.raises(Exception, match="current"):
        accounts.change_password(user_id, "nieuw-wachtwoord-2", deps=deps, now=now,
                                 current="fout", keep_token=here.token)  # fmt: skip
    ended = accounts.change_password(user_id, "nieuw-wachtwoord-2", deps=deps, now=now,
                                     current=PASSWORD, keep_token=here.token)  # fmt: skip
    assert ended == 2
    assert accounts.authenticate(here.token, deps=deps, now=now)
    for gone in (phone, laptop):
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(gone.token, deps=deps, now=now)
    result = CliRunner().invoke(
        cli, ["users", "set-password", email], env={**_env(deps), "AGREEMENTS_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    with pytest.raises(NotAuthenticated):  # an admin's reset ends them all
        accounts.authenticate(here.token, deps=deps, now=now)


@ONE
def test_an_admin_resets_a_lost_second_factor(world):
    deps, now = _deps(world), datetime.now(UTC)
    email = _user(deps)
    _enrolled(deps, email, now)
    result = CliRunner().invoke(cli, ["users", "reset-second-factor", email], env=_env(deps))
    assert result.exit_code == 0, result.output
    assert accounts.login(email, PASSWORD, deps=deps, now=now + timedelta(minutes=1))


def _env(deps: Deps) -> dict[str, str]:
    engine = deps.db.kw["bind"]
    return {"AGREEMENTS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}


@pytest.fixture
def pages(world: Any) -> Iterator[tuple[TestClient, Deps]]:
    deps = _deps(
        world,
        second_factor_roles={"coordinator"},
        login_attempts_per_minute=1000,
        lockout_failures=10,
    )
    with TestClient(create_app(deps=deps), follow_redirects=False) as client:
        yield client, deps


def _log_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password, "volgende": "/zaken"})


@ONE
def test_pages_set_it_up_on_first_login_then_ask_the_code(world, pages):
    client, deps = pages
    email = _user(deps)
    response = _log_in(client, email)
    assert response.status_code == 303 and response.headers["location"] == "/zaken"
    enrol = client.get("/zaken")
    assert enrol.headers["location"] == "/tweestaps?volgende=/zaken"
    form = client.get("/tweestaps?volgende=/zaken")
    assert "Voor uw rol is een tweede stap verplicht" in form.text
    assert form.headers["cache-control"] == "no-store"
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', form.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    wrong = client.post("/tweestaps", data={"csrf": csrf, "code": "000000"})
    assert wrong.status_code == 422 and "De code klopt niet" in wrong.text
    now = datetime.now(UTC)
    done = client.post("/tweestaps", data={"csrf": csrf, "code": _code(secret, now, -1),
                                           "volgende": "/zaken"})  # fmt: skip
    assert done.status_code == 200 and "U ziet ze maar één keer" in done.text
    assert len(re.findall(r"<li><code>[a-z2-7]{5}-[a-z2-7]{5}</code></li>", done.text)) == 10
    assert client.get("/zaken").status_code == 200
    client.cookies.clear()
    again = _log_in(client, email)
    assert again.headers["location"] == "/login/code?volgende=/zaken"
    assert client.get("/zaken").headers["location"].startswith("/login/code")
    bad = client.post("/login/code", data={"code": "123456", "volgende": "/zaken"})
    assert bad.status_code == 401 and "De code klopt niet" in bad.text
    good = client.post("/login/code", data={"code": _code(secret, now), "volgende": "/zaken"})
    assert good.status_code == 303 and good.headers["location"] == "/zaken"
    assert client.get("/zaken").status_code == 200
    assert "Staat aan sinds" in client.get("/account").text


@ONE
def test_the_lockout_page_says_the_same_as_for_an_unknown_address(world, pages):
    client, deps = pages
    email = _user(deps)
    for _ in range(deps.settings.lockout_failures):
        assert _log_in(client, email, "fout").status_code == 401
    locked = _log_in(client, email)
    unknown = _log_in(client, "niemand-bekend@test.example")
    assert locked.status_code == unknown.status_code == 401
    assert REFUSED in locked.text and REFUSED in unknown.text
    assert locked.text.replace(email, "X") == unknown.text.replace(
        "niemand-bekend@test.example", "X"
    )


@ONE
def test_the_account_page_changes_the_password_and_keeps_this_login(world, pages):
    client, deps = pages
    email = _user(deps, Role.LEGAL)
    elsewhere = accounts.login(email, PASSWORD, deps=deps, now=datetime.now(UTC))
    _log_in(client, email)
    page = client.get("/account")
    assert "Staat uit." in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    fields = {"csrf": csrf, "huidig": PASSWORD, "nieuw": "nieuw-wachtwoord-3"}
    differ = client.post("/account/wachtwoord", data={**fields, "herhaling": "anders-dan-dat"})
    assert differ.status_code == 422 and "niet gelijk" in differ.text
    done = client.post("/account/wachtwoord", data={**fields, "herhaling": fields["nieuw"]})
    assert done.headers["location"] == "/account?gelukt=wachtwoord"
    assert "Op uw andere apparaten bent u uitgelogd" in client.get(done.headers["location"]).text
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(elsewhere.token, deps=deps, now=datetime.now(UTC))
