"""The fast readers agree with the slow ones they stand in front of.

``documents._decode`` reads with orjson and falls back to the standard
library; ``sources.parse_s3_time`` reads S3's timestamps with the standard
library and falls back to botocore's parser. Both must give what the slower
reader alone gives, for any input.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

from botocore.utils import parse_timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exo_benchtui.core.documents import _decode
from exo_benchtui.core.sources import parse_s3_time

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LIMIT = 10_000_000

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["\ud800", "\x1b[31m", "é", "\u2028"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
json_like_text = st.text(alphabet='0123456789[]{}":,.eE-+ tfnrulasNIiy\\u\ufeff\n')


def standard_decode(body: bytes) -> tuple[object, bool]:
    """What the standard library alone reads: (value, whether it read one)."""
    try:
        return json.loads(body.decode("utf-8-sig")), True
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, False


def as_orjson_reads(value: object) -> object:
    """orjson reads an integer outside [-2**63, 2**64) as the nearest float."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return float(value)
    if isinstance(value, list):
        return [as_orjson_reads(item) for item in value]
    if isinstance(value, dict):
        return {name: as_orjson_reads(item) for name, item in value.items()}
    return value


def same(a: object, b: object) -> bool:
    # json.dumps writes NaN as NaN (NaN != NaN) and keeps int apart from float.
    return json.dumps(a) == json.dumps(b)


def check_agrees(body: bytes) -> None:
    value, error = _decode(body, LIMIT)
    expected, readable = standard_decode(body)
    assert (error is None) == readable, (body, error)
    if readable:
        # Exact where the fallback read it (a BOM, NaN), else as orjson reads.
        assert same(value, expected) or same(value, as_orjson_reads(expected)), (
            body,
            value,
            expected,
        )
    else:
        assert error.startswith(("not JSON", "not UTF-8")), error


@SETTINGS
@given(json_values, st.booleans(), st.booleans())
def test_decode_reads_json_as_the_standard_library_does(value, indent, bom):
    text = json.dumps(value, indent=1 if indent else None)
    check_agrees(("\ufeff" if bom else "").encode() + text.encode())


@SETTINGS
@given(st.binary(max_size=200))
def test_decode_of_any_bytes_agrees_with_the_standard_library(body):
    check_agrees(body)


@SETTINGS
@given(json_like_text)
def test_decode_of_json_like_text_agrees_with_the_standard_library(text):
    check_agrees(text.encode("utf-8", "surrogatepass"))


def test_decode_names_the_fault_in_a_broken_document():
    assert _decode(b'{"a": [1, 2}', LIMIT) == (
        None,
        "not JSON: Expecting ',' delimiter at line 1 column 12",
    )


def test_decode_still_reads_nan_for_the_parser_to_report():
    value, error = _decode(b'{"x": NaN, "y": 1e999}', LIMIT)
    assert error is None
    assert str(value) == "{'x': nan, 'y': inf}"


s3_moments = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.just(UTC),
)


@SETTINGS
@given(s3_moments)
def test_s3_time_reads_listing_and_header_forms_as_botocore_does(moment):
    listing = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment:%f}"[:3] + "Z"
    header = format_datetime(moment.replace(microsecond=0), usegmt=True)
    for text in (listing, header, moment.isoformat()):
        ours = parse_s3_time(text)
        assert ours == parse_timestamp(text)
        assert ours.utcoffset() == parse_timestamp(text).utcoffset()


@SETTINGS
@given(st.text(max_size=40))
def test_s3_time_of_any_text_agrees_with_botocore(text):
    try:
        theirs = parse_timestamp(text)
    except Exception as exc:  # whatever botocore raises, ours must too
        try:
            parse_s3_time(text)
        except type(exc):
            return
        raise AssertionError(
            f"{text!r}: botocore raised {exc!r}, ours did not"
        ) from exc
    ours = parse_s3_time(text)
    assert ours == theirs
    assert ours.tzinfo is None or ours.utcoffset() == theirs.utcoffset()


def test_s3_time_of_an_unzoned_header_is_botocores_utc():
    # email.utils reads "-0000" as "zone unknown" (naive); botocore as UTC.
    text = "Wed, 12 Oct 2009 17:50:00 -0000"
    assert parse_s3_time(text) == parse_timestamp(text)
    assert parse_s3_time(text).utcoffset() == parse_timestamp(text).utcoffset()
