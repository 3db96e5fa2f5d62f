"""The service's settings: one class, read from `AGREEMENTS_*` environment variables."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agreements.domain import consent
from agreements.domain.enums import PartyRole
from agreements.domain.legal import JudgmentAge
from agreements.settings_reminders import ReminderSettings
from agreements.settings_signin import SignInSettings

# Only ever accepted in development mode; `Settings` refuses it anywhere else.
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"  # noqa: S105

# The party roles a signature request can have: the templates' names and the directory's.
SIGNING_ROLES = frozenset({"tenant", "representative", "corporation", "coordinator"}) | {
    role.value for role in PartyRole
}


class ConfigurationError(Exception):
    """The settings cannot be used as they are; the message says which one and why."""


class Settings(SignInSettings, ReminderSettings, BaseSettings):
    """Every setting, documented where declared (staff sign-in's: `settings_signin`)."""

    model_config = SettingsConfigDict(
        env_prefix="AGREEMENTS_", env_file=".env", extra="ignore", validate_default=True
    )

    mode: Literal["development", "production", "test"] = Field(
        "development",
        description="`development` allows the built-in secret and demo logins; "
        "`production` refuses to start without a real secret key.",
    )
    data_dir: Path = Field(
        Path("data"),
        description="Folder for the embedded defaults: SQLite files, the document store, keys.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database. Empty: a SQLite file `agreements.db` in "
        "data_dir. PostgreSQL: `postgresql+psycopg://user@host:5432/name`.",
    )
    queue_url: str = Field(
        "",
        description="Where huey keeps its queue. Empty: a SQLite file `queue.db` in data_dir. "
        "`redis://host:6379/0` for Redis.",
    )
    storage_dir: Path | None = Field(
        None,
        description="Content-addressed document store (files named by SHA-256). "
        "Empty: `store` in data_dir; point it at shared storage when running several hosts.",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Key for session tokens, link-token HMACs, the audit chain and the "
        "encryption of care notes. Required outside development mode; at least 32 characters.",
    )
    time_zone: str = Field(
        "Europe/Amsterdam", description="Time zone for dates shown to people and for reminders."
    )
    public_base_url: str = Field(
        "",
        description="Base URL people reach the service at; used in e-mailed links, the "
        "calendar feed, and to decide whether cookies are marked Secure (https). Empty: "
        "`http://` with host and port (`127.0.0.1` for a host of every address), so it "
        "follows AGREEMENTS_PORT.",
    )
    host: str = Field("127.0.0.1", description="Address `serve` and `up` listen on.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (`10.0.0.0/8`) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed. Empty (the default): "
        "none, so the client address that rate limits and signing evidence record is the "
        "connecting peer and a forged header changes nothing. Behind a load balancer, list "
        'its address; as JSON in the environment: ["127.0.0.1"].',
    )
    port: int = Field(8000, description="Port `serve` and `up` listen on.")
    smtp_host: str = Field("127.0.0.1", description="SMTP server for invitations and reminders.")
    smtp_port: int = Field(25, description="SMTP server port.")
    smtp_username: str = Field("", description="SMTP user name; empty for no authentication.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Use STARTTLS after connecting.")
    mail_from: str = Field(
        "Het Vierde Huis <noreply@localhost>", description="Sender of every e-mail."
    )
    mail_outbox: Path | None = Field(
        None,
        description="Write e-mails as .eml files to this folder instead of sending them "
        "(development: `make run` uses `data/outbox`; staff read them at /ontwikkeling/post).",
    )
    bsn_enabled: bool = Field(
        False,
        description="Accept and store a BSN for people. Off by default: process a BSN only "
        "where a law gives a basis for it.",
    )
    session_hours: int = Field(12, description="How long a staff login (session cookie) lasts.")
    integration_token_days: int = Field(
        90,
        ge=1,
        le=366,
        description="Longest life of an integration token (made by an admin, independent of "
        "any login). Other bearer tokens end with the login they were made from.",
    )
    max_body_bytes: int = Field(
        1_048_576, description="Largest JSON request body accepted; larger bodies get 413."
    )
    max_upload_bytes: int = Field(
        20_971_520, description="Largest uploaded file (templates, PDFs) accepted."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    converters: int = Field(0, description="Local LibreOffice converters to run; 0: one per core.")
    converter_addresses: list[str] = Field(
        default_factory=list,
        description="host:port of unoservers running elsewhere; when set, no local ones start. "
        'As JSON in the environment: ["10.0.0.5:2003", "10.0.0.6:2003"].',
    )
    conversion_timeout: float = Field(
        60.0, description="Seconds a DOCX -> PDF conversion may take; then its converter restarts."
    )
    converter_recycle_after: int = Field(
        200, description="Restart a converter after this many conversions (LibreOffice grows)."
    )
    render_time_limit: float = Field(
        30.0,
        gt=0,
        description="Seconds one template render may take; the render's child process is "
        "then stopped and the version fails with that reason.",
    )
    dossier_wait_seconds: float = Field(
        5.0,
        ge=0,
        le=60,
        description="Seconds `GET .../dossier.pdf` waits for the worker to make the dossier. "
        "Ready in time: the PDF. Not yet: 202 with the job's address (the page goes to the "
        "progress page), so a web request never holds on longer than this.",
    )
    templates_dir: Path | None = Field(
        None, description="Where added template versions are kept. Empty: `templates` in data_dir."
    )
    letterhead_name: str = Field("Het Vierde Huis", description="Sender on every document.")
    letterhead_address: str = Field("Postbus 1234", description="Sender's street or PO box.")
    letterhead_postcode: str = Field("3500 AA", description="Sender's postcode.")
    letterhead_city: str = Field("Utrecht", description="Sender's city.")
    letterhead_phone: str = Field("030 123 45 67", description="Sender's phone number.")
    letterhead_email: str = Field(
        "info@hetvierdehuis.example", description="Sender's e-mail address."
    )
    case_file_retention_years: int = Field(
        15,
        ge=1,
        le=30,
        description="Years a case file is kept after the agreement ends, then destroyed or "
        "anonymised (the agreement's privacy clause says so; Wmo files are commonly kept 15).",
    )
    seal_pkcs12: Path | None = Field(
        None,
        description="PKCS#12 file with the organisation's sealing key and certificate. "
        "Empty: `keys/seal.p12` in data_dir, a development key that `init` makes.",
    )
    seal_password: SecretStr = Field(
        SecretStr(""), description="Password of the PKCS#12 file (required outside development)."
    )
    timestamp_url: str = Field(
        "",
        description="RFC 3161 time stamp authority (a qualified one in production). When set, "
        "every seal is PAdES B-LTA: the authority's time stamp, the certificates and "
        "revocation data embedded, and a document time stamp over it all, so it validates "
        "offline years later; a seal that cannot get a time stamp fails and is retried. "
        "Empty: no time stamp (PAdES B-B).",
    )
    archive_renewal_days: int = Field(
        365,
        ge=1,
        description="Renew a sealed file's archive time stamp (`agreements archive renew`, daily "
        "by the worker) when its authority's certificate expires within this many days.",
    )
    seal_trust_roots: list[Path] = Field(
        default_factory=list,
        description="PEM files with extra trust roots: the root of the time stamp authority "
        "and, if the PKCS#12 file does not include it, the root of the seal certificate's "
        "CA. Sealing validates both chains against these and the certificates in the PKCS#12 "
        "file before it embeds the validation data; verifying uses them for the chains only "
        "(a seal must still be made with our own certificate). As JSON in the environment: "
        '["/etc/agreements/tsa-root.pem"].',
    )
    signature_days: int = Field(
        14, description="How many days a signing link stays valid (coordinators can extend)."
    )
    signed_link_days: int = Field(
        30,
        ge=0,
        le=366,
        description="After a party signed or declined, its link still shows the document (and "
        "the sealed copy once everyone signed) for this many days after the later of its own "
        "answer and the seal. Then the page says to ask the coordinator for a copy. A pending "
        "link shows the document until it expires (`signature_days`).",
    )
    consent_version: str = Field(
        consent.CURRENT,
        description="Version of the consent texts shown on the signing pages (one text per "
        "kind of party: tenant, representative, organisation; see agreements/domain/consent.py; "
        f"known: {', '.join(consent.TEXTS)}).",
    )
    login_attempts_per_minute: int = Field(
        10, description="Logins allowed per client address per minute (API and pages)."
    )
    sign_attempts_per_minute: int = Field(
        20, description="Signing-page posts allowed per route and client per minute."
    )
    otp_required_roles: set[str] = Field(
        default_factory=set,
        description='Party roles (e.g. ["tenant","corporation","municipality"]) that must '
        "enter a one-time code, sent by e-mail or SMS or read out by the coordinator, before "
        "they sign from a link. Empty by default so that existing installations and links "
        "keep working; unknown roles are refused at start-up.",
    )
    otp_minutes: int = Field(10, ge=1, le=60, description="How long a one-time code works.")
    otp_attempts: int = Field(5, ge=1, le=20, description="Wrong tries before a code is locked.")
    otp_resend_seconds: int = Field(
        60, ge=0, description="How long a party waits before another code is sent."
    )
    sms_gateway_url: str | None = Field(
        None,
        description="Production SMS: an HTTP gateway that takes a JSON POST {to, text}. Unset: "
        "SMS go to the development outbox when AGREEMENTS_MAIL_OUTBOX is set, else no SMS.",
    )

    @field_validator("otp_required_roles")
    @classmethod
    def _known_roles(cls, value: set[str]) -> set[str]:
        unknown = sorted(role for role in value if role not in SIGNING_ROLES)
        if unknown:
            raise ValueError(
                f"unknown party role(s) {', '.join(unknown)} in AGREEMENTS_OTP_REQUIRED_ROLES; "
                f"known roles: {', '.join(sorted(SIGNING_ROLES))}"
            )
        return value

    @field_validator("consent_version")
    @classmethod
    def _known_consent(cls, value: str) -> str:
        if value not in consent.TEXTS:
            raise ValueError(
                f"{value!r} is not a version of the consent texts ({', '.join(consent.TEXTS)})"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; trusting every sender "
                    "('*') would let any client forge its address"
                ) from None
        return [item.strip() for item in value]

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.mode == "development" and not secret:
            self.secret_key = SecretStr(DEVELOPMENT_SECRET)
            return self
        if self.mode != "development" and (not secret or secret == DEVELOPMENT_SECRET):
            raise ConfigurationError(
                "AGREEMENTS_SECRET_KEY must be set outside development mode "
                f"(mode is {self.mode!r}); generate one with `python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`"
            )
        if len(secret) < 32:
            raise ConfigurationError("AGREEMENTS_SECRET_KEY must be at least 32 characters long")
        return self

    @model_validator(mode="after")
    def _base_url_follows_port(self) -> Settings:
        if not self.public_base_url:
            host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
            host = "[::1]" if host == "::" else f"[{host}]" if ":" in host else host
            self.public_base_url = f"http://{host}:{self.port}"
        return self

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'agreements.db').resolve()}"

    @cached_property
    def effective_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{(self.data_dir / 'queue.db').resolve()}"

    @cached_property
    def effective_storage_dir(self) -> Path:
        return (self.storage_dir or self.data_dir / "store").resolve()

    @cached_property
    def effective_templates_dir(self) -> Path:
        return (self.templates_dir or self.data_dir / "templates").resolve()

    @cached_property
    def effective_seal_pkcs12(self) -> Path:
        return (self.seal_pkcs12 or self.data_dir / "keys" / "seal.p12").resolve()

    @property
    def effective_seal_password(self) -> str:
        """The PKCS#12 password; only development mode has a built-in one."""
        password = self.seal_password.get_secret_value()
        if not password and self.mode == "development":
            return "development-seal"  # only for the development key `init` makes
        return password

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def judgment_age(self) -> JudgmentAge:
        """The judgment-age thresholds of these settings, as the domain's rules take them."""
        return JudgmentAge.of(self.judgment_age_months, self.judgment_decision_months)

    def day_of(self, moment: datetime) -> date:
        """The calendar day of `moment` where the service works (not the UTC day)."""
        return moment.astimezone(self.zone).date()

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    def key(self, purpose: str) -> bytes:
        """A key for one purpose, derived from the secret key so purposes never share one."""
        secret = self.secret_key.get_secret_value().encode()
        return hmac.new(secret, b"agreements:" + purpose.encode(), hashlib.sha256).digest()
