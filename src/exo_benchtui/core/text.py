"""Untrusted text made safe to show: no control character reaches a terminal.

Every string from a result document or from S3 (keys, model names, commit
fields, error messages) passes through :func:`printable` before the UI or a
report shows it, and is then shown as plain text, never parsed as markup.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, lone surrogates, and the Unicode
# bidirectional overrides that can make text read differently than it is.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 run``, ``2 runs``, ``1,200 runs``; ``plural`` where it is not noun + s."""
    word = noun if count == 1 else (noun + "s" if plural is None else plural)
    return f"{count:,} {word}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character written as an ASCII escape.

    ESC becomes ``\\x1b``, DEL ``\\x7f``. Newlines are kept (they only move
    to the next line) unless ``one_line`` is set, when each line break
    becomes ``" / "`` so a table cell stays one line. Tabs become
    a space.
    """
    text = text.replace("\t", " ")
    if one_line:
        text = _LINE_BREAKS.sub(" / ", text.strip())
        return _UNSAFE.sub(_escape, text)
    lines = _LINE_BREAKS.split(text)
    return "\n".join(_UNSAFE.sub(_escape, line) for line in lines)
