"""The log file: rotating, quiet libraries, failures with their kind, no secrets."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

import pytest

from exo_benchtui.core.errors import FailureKind, SourceError, UsageError
from exo_benchtui.logs import MAX_LOG_BYTES, log_failure, redact, setup_logging
from tests.cli_support import isolate_user_dirs


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    return isolate_user_dirs(monkeypatch, tmp_path)


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "state" / "exo.log"
    handler = setup_logging(path, "INFO")
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()


def read(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_records_go_to_a_small_rotating_file(log_file):
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, RotatingFileHandler) and h.baseFilename == str(log_file)
    ]
    assert len(handlers) == 1
    assert handlers[0].maxBytes == MAX_LOG_BYTES <= 1024 * 1024
    assert handlers[0].backupCount >= 1
    logging.getLogger("exo_benchtui.core.sync").info("sync done")
    assert "INFO" in read(log_file) and "sync done" in read(log_file)


def test_setting_up_twice_does_not_double_lines(log_file):
    handler = setup_logging(log_file, "INFO")
    logging.getLogger("exo_benchtui").info("once")
    assert read(log_file).count("once") == 1
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_library_loggers_are_kept_at_warning(log_file):
    for name in ("botocore", "boto3", "urllib3"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
    logging.getLogger("botocore.endpoint").info("Sending http request")
    logging.getLogger("urllib3.connectionpool").warning("Connection pool is full")
    text = read(log_file)
    assert "Sending http request" not in text
    assert "Connection pool is full" in text


def test_failures_are_logged_with_their_kind(log_file):
    log_failure(
        SourceError("Bucket not found", "s3://nope/", kind=FailureKind.CONFIGURATION)
    )
    text = read(log_file)
    assert "ERROR" in text
    assert "configuration failure: Bucket not found: s3://nope/" in text


def test_credentials_are_masked(log_file):
    key_id = "AKIA" + "ABCDEFGHIJKLMNOP"
    logging.getLogger("exo_benchtui").warning(
        "request with %s and X-Amz-Signature=%s", key_id, "deadbeef" * 8
    )
    text = read(log_file)
    assert key_id not in text
    assert "deadbeef" not in text
    assert "***" in text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key ASIAABCDEFGHIJKLMNOP in use", "ASIAABCDEFGHIJKLMNOP"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI"),
        ("Authorization: AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256"),
        ("?X-Amz-Security-Token=FQoGZXIvYXdz&x=1", "FQoGZXIvYXdz"),
    ],
)
def test_redact(text, secret):
    assert secret not in redact(text)


def test_an_unwritable_log_file_is_a_usage_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="Cannot write the log file"):
        setup_logging(blocker / "exo.log")
