"""E-mail in Dutch over SMTP: invitations to sign, signed copies, notices to coordinators."""

from __future__ import annotations

import email
import email.policy
import secrets
import smtplib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from agreements.settings import Settings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


def send(settings: Settings, mail: Mail) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="agreements.local")
    message.set_content(mail.body)
    for name, data, mime in mail.attachments:
        main, _, sub = mime.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    if settings.mail_outbox is not None:
        _to_outbox(settings.mail_outbox, message)
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send e-mail to {mail.to}: {exc}") from exc


def invitation(
    settings: Settings, *, name: str, title: str, link: str, expires: str, tenant: bool
) -> Mail:
    if tenant:
        body = (
            f"Beste {name},\n\nU kunt nu de {title.lower()} lezen en ondertekenen.\n"
            f"Klik op deze link:\n\n{link}\n\nDe link werkt tot en met {expires}.\n"
            "Heeft u vragen? Bel of mail uw begeleider van Het Vierde Huis.\n\n"
            "Met vriendelijke groet,\nHet Vierde Huis"
        )
    else:
        body = (
            f"Beste {name},\n\nWilt u de {title.lower()} namens uw organisatie "
            f"ondertekenen?\n\n{link}\n\nDe link is geldig tot en met {expires}.\n\n"
            "Met vriendelijke groet,\nHet Vierde Huis"
        )
    return Mail(to="", subject=f"Ondertekenen: {title}", body=body)


def signed_copy(*, name: str, title: str, reference: str, pdf: bytes) -> Mail:
    body = (
        f"Beste {name},\n\nIedereen heeft de {title.lower()} ondertekend. "
        "In de bijlage vindt u uw exemplaar. Bewaar het goed.\n"
        "U kunt het ook altijd weer ophalen via uw persoonlijke link.\n\n"
        "Met vriendelijke groet,\nHet Vierde Huis"
    )
    return Mail(
        to="",
        subject=f"Ondertekend: {title} ({reference})",
        body=body,
        attachments=[(f"{reference}-ondertekend.pdf", pdf, "application/pdf")],
    )


def declined_notice(
    *, coordinator: str, party: str, title: str, reference: str, reason: str
) -> Mail:
    body = (
        f"Beste {coordinator},\n\n{party} heeft de {title.lower()} ({reference}) "
        f"niet ondertekend.\n\nReden: {reason}\n\nNeem contact op met deze partij."
    )
    return Mail(to="", subject=f"Geweigerd: {title} ({reference})", body=body)


def _to_outbox(folder: Path, message: EmailMessage) -> None:
    """Development: keep the message as a file (written whole, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(bytes(message))
    tmp.replace(folder / name)


@dataclass(frozen=True)
class Kept:
    name: str
    to: str
    subject: str
    date: str
    body: str


def outbox(folder: Path, limit: int = 50) -> list[Kept]:
    """The newest messages in a development outbox."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        found.append(
            Kept(
                path.name,
                str(message["To"]),
                str(message["Subject"]),
                str(message["Date"]),
                str(body),
            )
        )
    return found
