"""``sources.parse_s3_time`` reads S3's timestamps as botocore's parser does.

It reads the two forms S3 sends with the standard library and hands anything
else to botocore's parser; for any input it must give what botocore gives.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from botocore.utils import parse_timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exo_benchtui.core.sources import parse_s3_time

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LIMIT = 10_000_000

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
