"""Logging for every entry point: one format, and no secret token in any line it writes."""

from __future__ import annotations

import logging
import re
from typing import Any

# A link token is the only secret a tenant has: whoever reads it in a log can fetch the
# tenant's documents. What stays (four characters) is enough to match a line to a complaint.
KEEP = 4
_PATH = re.compile(r"(?P<head>/(?:s|calendar)/)(?P<secret>[^/?#\s\"'.]+)")
_QUERY = re.compile(
    r"(?P<head>[?&;](?:token|access_token|key|code|password|secret)=)(?P<secret>[^&#\s\"']+)",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"(?P<head>\b(?:bearer\s+|agreements_session=))(?P<secret>[A-Za-z0-9._~+/=-]+…?)",
    re.IGNORECASE,
)
# Tokens are 32 random bytes in URL-safe base64 (43 characters) wherever they turn up, also
# outside a URL. SHA-256 digests (64 hex) and task ids (36 with dashes) do not match.
_BARE = re.compile(r"(?<![A-Za-z0-9_-])(?P<head>)(?P<secret>[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
_PATTERNS = (_PATH, _QUERY, _HEADER, _BARE)
# What every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


def _shorten(match: re.Match[str]) -> str:
    secret = match["secret"]
    return match["head"] + (secret if secret.endswith("…") else secret[:KEEP] + "…")


def redact(text: str) -> str:
    """The text with every token it carries cut to its first characters."""
    for pattern in _PATTERNS:
        text = pattern.sub(_shorten, text)
    return text


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Rewrites a record before any handler formats it: message, arguments, extras, trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            # Formatted once here and cached on the record: handlers print exc_text as is.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def logging_config(level: str) -> dict[str, Any]:
    """The dictConfig of the service and of uvicorn's loggers, each handler redacting."""
    level = level.upper()
    redacting = {"filters": ["redact"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactSecrets}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(asctime)s %(levelname)s access %(client_addr)s - "%(request_line)s" '
                "%(status_code)s",
                "use_colors": False,
            },
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "plain", **redacting},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
                **redacting,
            },
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": ["default"], "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": level, "handlers": ["access"], "propagate": False},
        },
    }


def configure(level: str) -> None:
    """Install the configuration above; every entry point calls this once at start."""
    import logging.config

    logging.config.dictConfig(logging_config(level))
