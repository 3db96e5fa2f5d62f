"""E-mail in Dutch over SMTP: invitations to sign, signed copies, notices to coordinators."""

from __future__ import annotations

import email
import email.policy
import secrets
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    """The SMTP server could not be reached or did not take the message.

    `scope` says what the failure is about: "server" (unreachable, login refused: every
    message would fail now), "message" (this one, for now: a full mailbox, greylisting, a
    message that could not be built) or "refused" (a 5xx for the address: no such mailbox;
    trying again cannot help)."""

    def __init__(self, message: str, *, scope: str = "server") -> None:
        super().__init__(message)
        self.scope = scope

    @property
    def permanent(self) -> bool:
        return self.scope == "refused"


# Python folds a long header at 78 characters by splitting an encoded word where a space
# was, and readers then join the words ("Ünal Yılmaz" became "ÜnalYılmaz"): fold at the
# RFC 5322 limit instead, so a subject with a tenant's name stays one encoded phrase.
_POLICY = email.policy.default.clone(max_line_length=998)


def _message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="agreements.local")
    message.set_content(mail.body)
    for name, data, mime in mail.attachments:
        main, _, sub = mime.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return message


def _open(settings: Settings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except BaseException:
        smtp.close()
        raise
    return smtp


def _scope(exc: Exception) -> str:
    """Only a 5xx for the address at RCPT is final. A 5xx at DATA can be about the sending
    account (a quota, a policy) and is tried again later, like any 4xx."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "refused" if all(c >= 500 for c, _ in exc.recipients.values()) else "message"
    if isinstance(exc, smtplib.SMTPDataError):
        return "message"
    return "server"


@contextmanager
def connection(settings: Settings) -> Iterator[Callable[[Mail], None]]:
    """One SMTP connection for many messages (opened at the first; opened again once when
    the server has closed it, as servers do after a while); `send` per message raises
    MailError. In development: the outbox folder."""
    smtp: smtplib.SMTP | None = None

    def deliver(mail: Mail) -> None:
        nonlocal smtp
        try:
            message = _message(settings, mail)
        except (ValueError, TypeError) as exc:  # a header that cannot be written
            raise MailError(f"could not write e-mail to {mail.to}: {exc}", scope="message") from exc
        if settings.mail_outbox is not None:
            keep_in_outbox(settings.mail_outbox, message)
            return
        for fresh in (False, True):
            reused = smtp is not None
            try:
                if smtp is None:
                    smtp = _open(settings)
            except (OSError, smtplib.SMTPException) as exc:
                raise MailError(f"could not reach the mail server: {exc}") from exc
            try:
                smtp.send_message(message)
                return
            except smtplib.SMTPException as exc:  # (an OSError too: handled here first)
                scope = _scope(exc)
                if scope == "server":  # the connection may be in any state: start over
                    smtp.close()
                    smtp = None
                    if reused and not fresh and isinstance(exc, smtplib.SMTPServerDisconnected):
                        continue  # closed while idle: once more over a new connection
                error = MailError(f"could not send e-mail to {mail.to}: {exc}", scope=scope)
                raise error from exc
            except OSError as exc:  # the socket: reset, timed out
                smtp.close()
                smtp = None
                if reused and not fresh:
                    continue
                raise MailError(f"could not send e-mail to {mail.to}: {exc}") from exc

    try:
        yield deliver
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def send(settings: Settings, mail: Mail) -> None:
    """One message over its own connection."""
    with connection(settings) as deliver:
        deliver(mail)


def invitation(
    settings: Settings, *, name: str, title: str, case: str, link: str, expires: str, tenant: bool
) -> Mail:
    """An invitation to sign; `case` names the case (reference and tenant) in the subject."""
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
    return Mail(to="", subject=f"Ondertekenen: {title} ({case})", body=body)


def signed_copy(*, name: str, title: str, reference: str) -> Mail:
    """The text of a signer's copy; the mail queue attaches the sealed PDF when it sends."""
    body = (
        f"Beste {name},\n\nIedereen heeft de {title.lower()} ondertekend. "
        "In de bijlage vindt u uw exemplaar. Bewaar het goed.\n"
        "U kunt het ook altijd weer ophalen via uw persoonlijke link.\n\n"
        "Met vriendelijke groet,\nHet Vierde Huis"
    )
    return Mail(to="", subject=f"Ondertekend: {title} ({reference})", body=body)


def declined_notice(
    *, coordinator: str, party: str, title: str, reference: str, reason: str
) -> Mail:
    body = (
        f"Beste {coordinator},\n\n{party} heeft de {title.lower()} ({reference}) "
        f"niet ondertekend.\n\nReden: {reason}\n\nNeem contact op met deze partij."
    )
    return Mail(to="", subject=f"Geweigerd: {title} ({reference})", body=body)


def signatures_voided(
    *, name: str, title: str, reference: str, signed: bool, ask: tuple[str, str] | None
) -> Mail:
    """To a party whose signature (or open link) lapsed because the document was changed."""
    what = (
        "Daarom telt uw handtekening niet meer."
        if signed
        else "Daarom werkt de link die u kreeg om te tekenen niet meer."
    )
    questions = (
        f"Heeft u vragen? Neem contact op met {ask[0]} ({ask[1]})."
        if ask
        else "Heeft u vragen? Bel of mail uw begeleider van Het Vierde Huis."
    )
    body = (
        f"Beste {name},\n\nDe {title.lower()} ({reference}) is veranderd. {what}\n"
        "Alle partijen tekenen de nieuwe versie opnieuw. U krijgt daarvoor een nieuwe "
        f"link per e-mail.\n\n{questions}\n\nMet vriendelijke groet,\nHet Vierde Huis"
    )
    return Mail(to="", subject=f"Document veranderd: {title} ({reference})", body=body)


def keep_in_outbox(folder: Path, message: EmailMessage) -> None:
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
