"""Sending a text message: a small port with a development sender (the outbox folder) and a
generic HTTP gateway for production."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from agreements.services.mail import send as mail
from agreements.settings import Settings


class SmsError(Exception):
    """The text message could not be handed over."""


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> None:
        """Hand one text message to `to` (a phone number as the party gave it) or raise."""


class OutboxSms:
    """Development: the message is kept as a file in the mail outbox, so the development
    post page (/ontwikkeling/post) shows it beside the e-mails, marked as SMS."""

    def __init__(self, settings: Settings) -> None:
        assert settings.mail_outbox is not None
        self.folder = settings.mail_outbox

    def send(self, to: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = "SMS"
        message["To"] = f'"SMS {to}" <sms@outbox.invalid>'
        message["Subject"] = f"SMS aan {to}"
        message["Date"] = formatdate(localtime=False)
        message.set_content(text)
        mail.keep_in_outbox(self.folder, message)


class HttpGatewaySms:
    """Production: POST `{"to": ..., "text": ...}` as JSON to the configured gateway URL
    (most SMS providers take this shape or sit behind a small relay that does)."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        self.url, self.timeout = url, timeout

    def send(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                if not 200 <= answer.status < 300:
                    raise SmsError(f"the SMS gateway answered {answer.status}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"the SMS gateway answered {exc.code}") from exc
        except OSError as exc:
            raise SmsError(f"the SMS gateway could not be reached: {exc}") from exc


def sender_for(settings: Settings) -> SmsSender | None:
    """The configured sender; None: no SMS can be sent (the page does not offer it)."""
    if settings.sms_gateway_url:
        return HttpGatewaySms(settings.sms_gateway_url)
    if settings.mail_outbox is not None and settings.mode != "production":
        return OutboxSms(settings)
    return None
