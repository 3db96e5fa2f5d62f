"""Sign-in through the organisation's identity provider: OpenID Connect's authorization
code flow with PKCE (Authlib), the ID token checked (joserfc), a group mapped to a role."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError as OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwk, jwt
from joserfc.errors import JoseError
from sqlalchemy import select

from agreements.db.models import Organisation, User
from agreements.domain.enums import OrganisationKind, Role
from agreements.domain.errors import NotAuthenticated
from agreements.services.access import accounts, lockout
from agreements.services.context import Deps
from agreements.services.uow import unit_of_work
from agreements.settings_signin import GroupRole

CALLBACK = "/login/organisatie/terug"
STATE_SECONDS = 600
_UNUSABLE = "!organisation-login"  # no password opens an account the provider made


class NoGroup(NotAuthenticated):
    """The person signed in at the provider but is in no group that gives access here."""


@dataclass(frozen=True)
class Start:
    url: str
    state: str  # the signed value of the browser's state cookie


def _client(deps: Deps) -> OAuth2Client:
    settings = deps.settings
    return OAuth2Client(
        settings.oidc_client_id,
        settings.oidc_client_secret.get_secret_value(),
        scope="openid email profile groups",
        redirect_uri=settings.public_base_url.rstrip("/") + CALLBACK,
        code_challenge_method="S256",
        timeout=10,
    )


def _metadata(deps: Deps) -> dict[str, Any]:
    issuer = deps.settings.oidc_issuer.rstrip("/")
    url = f"{issuer}/.well-known/openid-configuration"
    found: dict[str, Any] = httpx.get(url, timeout=10).raise_for_status().json()
    if found.get("issuer", "").rstrip("/") != issuer:
        raise NotAuthenticated("the provider names another issuer")
    return found


def begin(volgende: str, *, deps: Deps, now: datetime) -> Start:
    """Where to send the browser, and the state, nonce and PKCE verifier it must bring back."""
    try:
        meta = _metadata(deps)
    except (httpx.HTTPError, ValueError) as exc:
        raise NotAuthenticated(f"the provider cannot be reached: {exc}") from None
    with _client(deps) as client:
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    body = {"s": state, "n": nonce, "v": verifier, "to": volgende, "at": int(now.timestamp())}
    return Start(url=url, state=_sign(deps, body))


def _sign(deps: Deps, body: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
    mac = hmac.new(deps.settings.key("oidc-state"), raw.encode(), hashlib.sha256).hexdigest()
    return f"{raw}.{mac}"


def _unsign(deps: Deps, value: str, now: datetime) -> dict[str, Any]:
    raw, _, mac = value.partition(".")
    good = hmac.new(deps.settings.key("oidc-state"), raw.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, good):
        raise NotAuthenticated("the sign-in's state is not ours")
    body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw))  # ours: the MAC matched
    if now.timestamp() - body["at"] > STATE_SECONDS:
        raise NotAuthenticated("the sign-in took too long")
    return body


def finish(cookie: str, code: str, state: str, *, deps: Deps, now: datetime,
           client_address: str = "") -> tuple[accounts.IssuedToken, str]:  # fmt: skip
    """Exchange the code, check the ID token and open a session; and where to go next."""
    body = _unsign(deps, cookie, now)
    if not hmac.compare_digest(body["s"], state):
        raise NotAuthenticated("the state does not match")
    try:
        with _client(deps) as client:
            meta = _metadata(deps)
            tokens = client.fetch_token(
                meta["token_endpoint"],
                code=code,
                code_verifier=body["v"],
                grant_type="authorization_code",
            )
            keys = jwk.KeySet.import_key_set(
                httpx.get(meta["jwks_uri"], timeout=10).raise_for_status().json()
            )
    except (httpx.HTTPError, OAuthError, KeyError, ValueError) as exc:
        raise NotAuthenticated(f"the provider did not answer as expected: {exc}") from None
    claims = _claims(deps, str(tokens.get("id_token", "")), keys, body["n"], now)
    mapped = _mapping(deps, claims)
    email = str(claims.get("email", "")).strip().lower()
    if not email or claims.get("email_verified") is False:
        raise NotAuthenticated("the provider gave no verified e-mail address")
    name = str(claims.get("name") or email)[:200]
    return _open(email, name, mapped, deps=deps, now=now, client=client_address), body["to"]


def _claims(deps: Deps, id_token: str, keys: jwk.KeySet, nonce: str, now: datetime
            ) -> dict[str, Any]:  # fmt: skip
    settings = deps.settings
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "PS256", "ES256", "EdDSA"])
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=60,
            iss={"essential": True, "value": settings.oidc_issuer.rstrip("/")},
            aud={"essential": True, "value": settings.oidc_client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise NotAuthenticated(f"the ID token is not valid: {exc}") from None
    return dict(token.claims)


def _mapping(deps: Deps, claims: dict[str, Any]) -> GroupRole:
    groups = claims.get(deps.settings.oidc_group_claim) or []
    groups = [groups] if isinstance(groups, str) else list(groups)
    for group, mapped in deps.settings.oidc_groups.items():  # the first mapping listed wins
        if group in groups:
            return mapped
    raise NoGroup("no group of the provider gives access")


def _open(email: str, name: str, mapped: GroupRole, *, deps: Deps, now: datetime,
          client: str) -> accounts.IssuedToken:  # fmt: skip
    """Match the account by e-mail or make it, with the mapped role; a session of its own."""
    with unit_of_work(deps, "anonymous", now) as uow:
        session = uow.session
        org_id = None
        if mapped.organisation:
            org_id = session.scalar(
                select(Organisation.id).where(Organisation.name == mapped.organisation)
            )
            if org_id is None:
                raise NoGroup(f"the organisation {mapped.organisation!r} is not known here")
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=Role(mapped.role), organisation_id=org_id,
                        password_hash=_UNUSABLE, active=True, created_at=now)  # fmt: skip
            session.add(user)
            session.flush()
            uow.audit("user.create", "user", user.id, {"role": mapped.role, "via": "organisation"})
        elif not user.active or lockout.locked(deps, user, now):
            raise NotAuthenticated("this account is disabled or locked")
        else:  # the provider's groups decide the role, at every sign-in
            user.role, user.organisation_id = Role(mapped.role), org_id
        if user.role is Role.PARTNER and _is_coordinator(session, org_id):
            raise NoGroup("partners cannot belong to the coordinator")
        issued = accounts.open_session(uow, deps, user, now, client, name=accounts.OIDC)
    return issued


def _is_coordinator(session: Any, org_id: int | None) -> bool:
    org = session.get(Organisation, org_id) if org_id else None
    return org is not None and org.kind is OrganisationKind.COORDINATOR
