"""Run the real program under a pseudo-terminal and keep every byte it writes.

This is the honest way to know what reaches a terminal: the app runs in a
subprocess with Textual's real Linux driver (not the headless one), on a
pty of a given size, with the environment a user would have (``TERM=linux``
and so on). Textual writes its frames to stderr, so both stdout and stderr
are the pty.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Control sequences, longest forms first: CSI, OSC, DCS/SOS/PM/APC strings,
# then two- or three-byte escapes (charset selection, DECSC/DECRC, ...).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[PX^_][^\x1b]*\x1b\\"
    r"|\x1b[ -/]*[0-~]"
)
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def strip_escapes(text: str) -> str:
    """``text`` without terminal control sequences: what is drawn as glyphs."""
    return _ESCAPES.sub("", text)


def colour_sgr(text: str) -> list[str]:
    """Every SGR sequence of ``text`` that sets a colour (8/16, 256 or RGB)."""
    found = []
    for match in _SGR.finditer(text):
        params = [p for p in re.split("[;:]", match.group(1)) if p]
        for param in params:
            number = int(param)
            if number in (38, 48) or 30 <= number <= 37 or 40 <= number <= 47:
                found.append(match.group())
                break
            if 90 <= number <= 97 or 100 <= number <= 107:
                found.append(match.group())
                break
    return found


@dataclass
class Step:
    """Wait until ``marker`` has been drawn (and the screen is quiet), then
    send ``keys``."""

    marker: str
    keys: bytes


class TerminalSession:
    """One run of a command on a pty, read to the end."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        size: tuple[int, int],
        cwd: Path = REPO_ROOT,
    ) -> None:
        cols, rows = size
        self._master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()

    def _read(self, timeout_s: float) -> bool:
        """Read what is there within ``timeout_s``; False at end of output."""
        ready, _, _ = select.select([self._master], [], [], timeout_s)
        if not ready:
            return True
        try:
            data = os.read(self._master, 65536)
        except OSError:  # EIO: the child closed the pty
            return False
        if not data:
            return False
        self.output += data
        return True

    @property
    def text(self) -> str:
        return bytes(self.output).decode("utf-8", errors="replace")

    def wait_for(self, marker: str, *, timeout_s: float = 40, quiet_s: float = 0.6):
        """Read until ``marker`` is drawn and nothing more came for ``quiet_s``."""
        deadline = time.monotonic() + timeout_s
        seen_at = None
        while time.monotonic() < deadline:
            before = len(self.output)
            if not self._read(0.1):
                break
            if seen_at is None and marker in strip_escapes(self.text):
                seen_at = time.monotonic()
            if seen_at is not None:
                if len(self.output) != before:
                    seen_at = time.monotonic()
                elif time.monotonic() - seen_at >= quiet_s:
                    return
        raise AssertionError(
            f"{marker!r} was not drawn within {timeout_s} s; the screen showed "
            f"{strip_escapes(self.text)[-1500:]!r}"
        )

    def send(self, keys: bytes) -> None:
        os.write(self._master, keys)

    def finish(self, quit_keys: bytes, *, timeout_s: float = 20) -> int:
        """Send ``quit_keys`` and read until the program has exited."""
        self.send(quit_keys)
        deadline = time.monotonic() + timeout_s
        # Read until the child closes the pty (EIO) or the time is up.
        while time.monotonic() < deadline and self._read(0.1):
            pass
        os.close(self._master)
        try:
            return self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the program did not quit on {quit_keys!r}") from None


def run_program(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    size: tuple[int, int],
    steps: Sequence[Step],
    quit_keys: bytes,
) -> TerminalSession:
    """``python -m exo_benchtui ARGS`` on a pty through ``steps``, then quit."""
    session = TerminalSession(
        [sys.executable, "-m", "exo_benchtui", *args], env=env, size=size
    )
    try:
        for step in steps:
            session.wait_for(step.marker)
            if step.keys:
                session.send(step.keys)
        code = session.finish(quit_keys)
    except BaseException:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait()
        raise
    assert code == 0, f"exit code {code}: {strip_escapes(session.text)[-2000:]!r}"
    return session


def user_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A clean environment like a new user's: no config file, no app vars."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EXO_BENCH_TUI_", "TEXTUAL", "NO_COLOR", "COLORTERM"))
    }
    env.update(
        {
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONPATH": str(REPO_ROOT / "src"),
        }
    )
    env.update(overrides)
    return env
