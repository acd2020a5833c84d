"""The log file: what the program did, for the user to read after the fact.

The dashboard owns the terminal, so nothing is logged to the screen: records
go to a small rotating file (``--log-file``, by default in the platform's
state directory). What is logged: what was started on which source, each sync
with its counts and duration (by the sync engine), each failure with its kind.
Credentials are never logged; a filter also masks anything shaped like an AWS
access key id or signature, in case a library puts one in a message.
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from exo_benchtui.core.errors import BenchTuiError, UsageError

LOGGER_NAME = "exo_benchtui"
MAX_LOG_BYTES = 1024 * 1024
"""A Raspberry Pi's SD card is small: one MiB per file, three files at most."""
BACKUP_COUNT = 2
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# Libraries that are chatty at INFO/DEBUG (every request, every retry).
_NOISY = ("botocore", "boto3", "urllib3", "s3transfer", "werkzeug", "moto")

_SECRET_PATTERNS = (
    # AWS access key ids (long-term AKIA…, temporary ASIA…).
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    # Signatures, credentials and tokens in URLs and headers.
    re.compile(
        r"(?i)((?:x-amz-signature|x-amz-credential|x-amz-security-token|signature"
        r"|aws_secret_access_key|aws_session_token|authorization)\s*[=:]\s*)"
        r"[^\s&,;]+"
    ),
)

log = logging.getLogger(LOGGER_NAME)


class AppLogHandler(RotatingFileHandler):
    """The program's one log file handler (a distinct type so it can be replaced)."""


class RedactSecrets(logging.Filter):
    """Masks anything shaped like a credential in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def redact(text: str) -> str:
    """``text`` with access key ids, signatures and tokens replaced by ``***``."""
    text = _SECRET_PATTERNS[0].sub("***", text)
    return _SECRET_PATTERNS[1].sub(lambda m: m.group(1) + "***", text)


def setup_logging(path: Path, level: str = "INFO") -> AppLogHandler:
    """Send this program's log records to a rotating file at ``path``.

    Raises :class:`UsageError` when the file cannot be created, so the user
    learns it before the dashboard takes the screen. Returns the handler (the
    tests close it).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = AppLogHandler(
            path, maxBytes=MAX_LOG_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as error:
        raise UsageError(
            "Cannot write the log file",
            f"{path}: {error.strerror or error}",
            hint="Choose another place with --log-file",
        ) from None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    # One log file per process: calling this again (tests) replaces the old one.
    for old in list(root.handlers):
        if isinstance(old, AppLogHandler):
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    log.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    # werkzeug (the demo's S3 server) prints each request to stderr unless it
    # finds a handler of its own; under the dashboard that would tear the screen.
    logging.getLogger("werkzeug").propagate = True
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    return handler


def log_failure(error: BenchTuiError, context: str = "") -> None:
    """A failure with its kind, as the user was told it."""
    where = f"{context}: " if context else ""
    log.error("%s%s failure: %s", where, error.kind.value, error)
