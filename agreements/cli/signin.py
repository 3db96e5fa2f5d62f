"""The `users` commands of staff sign-in: unlock, set a password, reset the second factor."""

from __future__ import annotations

from typing import Annotated

import typer

from agreements.cli.main import _deps, _look_up, _now, fail, lookup_text, out, refused, users_app
from agreements.domain.errors import NotFound, ValidationFailed
from agreements.services.access import accounts, lockout, second_factor


@users_app.command("unlock")
def users_unlock(email: Annotated[str, typer.Argument(help="Login e-mail address.")]) -> None:
    """Unlock an account locked after repeated failed logins."""
    try:
        was = lockout.unlock(lookup_text("EMAIL", email), deps=_deps(), now=_now())
    except NotFound:
        fail(f"no user with e-mail {email!r}")
    out.print(f"{email} unlocked." if was else f"{email} was not locked; failures cleared.")


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="Login e-mail address.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                     envvar="AGREEMENTS_PASSWORD", help="Asked for when not given."),
    ] = "",
) -> None:  # fmt: skip
    """Set a new password; every login of the account ends."""
    deps = _deps()
    user_id = _look_up("EMAIL", email, "no user with e-mail", deps, accounts.user_with_email)
    assert user_id is not None
    try:
        ended = accounts.change_password(user_id, password, deps=deps, now=_now(),
                                         actor="system:cli")  # fmt: skip
    except ValidationFailed as exc:
        refused(exc, {"password": "--password"})
    out.print(f"Password of {email} changed; {ended} login(s) ended.")


@users_app.command("reset-second-factor")
def users_reset_second_factor(
    email: Annotated[str, typer.Argument(help="Login e-mail address.")],
) -> None:
    """Switch an account's second factor off (phone and recovery codes lost); the next
    login sets it up again where the role requires one."""
    deps = _deps()
    user_id = _look_up("EMAIL", email, "no user with e-mail", deps, accounts.user_with_email)
    assert user_id is not None
    second_factor.reset(user_id, deps=deps, now=_now())
    out.print(f"Second factor of {email} switched off.")
