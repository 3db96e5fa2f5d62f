"""What every use case needs beside its arguments: the database, keys and settings."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime

from cryptography.fernet import Fernet, InvalidToken

from agreements.db.sessions import Database
from agreements.db.sessions import read_only as read_only  # for entry points: reads beside a writer
from agreements.services.jobs import NoQueue, Queue
from agreements.settings import Settings


class NotesCipher:
    """Encrypts special-category data (care notes, BSN) at rest with a key from the settings."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            raise RuntimeError(
                "encrypted data cannot be read: was the secret key changed?"
            ) from None


@dataclass(frozen=True)
class Deps:
    """Collaborators handed to use cases; entry points build one from the settings."""

    db: Database
    settings: Settings
    queue: Queue = field(default_factory=NoQueue)
    cipher: NotesCipher = field(init=False)
    audit_key: bytes = field(init=False)
    token_key: bytes = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cipher", NotesCipher(self.settings.key("notes")))
        object.__setattr__(self, "audit_key", self.settings.key("audit"))
        object.__setattr__(self, "token_key", self.settings.key("tokens"))

    def today(self, now: datetime) -> date:
        """The date of `now` where the service works (Europe/Amsterdam unless configured)."""
        return self.settings.day_of(now)
