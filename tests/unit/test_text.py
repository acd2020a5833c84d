"""printable(): no control character from the data reaches a terminal."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from exo_benchtui.core.text import counted, printable


def test_escape_sequences_become_visible_ascii():
    assert printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert printable("a\x7fb\x9bc\x00") == "a\\x7fb\\x9bc\\x00"


def test_lone_surrogates_and_bidi_overrides_are_escaped():
    assert printable("a\ud800b") == "a\\ud800b"
    assert printable("abc\u202edef") == "abc\\u202edef"


def test_newlines_kept_or_joined():
    assert printable("one\ntwo\r\nthree") == "one\ntwo\nthree"
    assert printable(" one\ntwo\rthree\n", one_line=True) == "one / two / three"
    assert printable("a\tb") == "a b"


def test_ordinary_text_is_unchanged():
    text = "Kimi-K2-Thinking · pp256/tg64 ×5 @2s · Tensor (MLX IBV) [bold]ü"
    assert printable(text) == text
    assert printable(text, one_line=True) == text


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_control_character_survives(text):
    for one_line in (False, True):
        shown = printable(text, one_line=one_line)
        assert not _CONTROL.search(shown)
        if one_line:
            assert "\n" not in shown
        shown.encode("utf-8")  # no lone surrogate left to break the output


def test_counted_agrees_with_the_count():
    assert counted(0, "run") == "0 runs"
    assert counted(1, "problem") == "1 problem"
    assert counted(12_000, "run") == "12,000 runs"
    assert counted(2, "series", "series") == "2 series"
