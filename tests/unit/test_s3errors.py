"""core.s3errors: botocore's own exceptions sorted into kinds, safe to show."""

from __future__ import annotations

from botocore import exceptions as bce

from exo_benchtui.core.errors import FailureKind
from exo_benchtui.core.s3errors import S3Place, classify

PLACE = S3Place(
    bucket="results",
    prefix="bench/",
    endpoint_url="http://reader:hunter2@127.0.0.1:9000",
)


def test_set_up_errors_are_configuration_not_retried_as_transient():
    for exc in (
        bce.ParamValidationError(report="Invalid bucket name 'Bad Bucket!'"),
        bce.InvalidRegionError(region_name="bad region"),
        bce.ConfigParseError(path="/tmp/broken-config"),
    ):
        error = classify(exc, PLACE)
        assert error.kind is FailureKind.CONFIGURATION, exc
        assert "S3 set-up is invalid" in str(error)


def test_unknown_failures_say_what_happened():
    error = classify(RuntimeError("socket went away"), PLACE)
    assert error.kind is FailureKind.TRANSIENT
    assert "socket went away" in str(error)


def test_credentials_in_an_endpoint_url_are_never_shown():
    for exc in (
        bce.EndpointConnectionError(endpoint_url=PLACE.endpoint_url),
        RuntimeError(f"could not reach {PLACE.endpoint_url}/results"),
    ):
        message = str(classify(exc, PLACE))
        assert "hunter2" not in message, message
        assert "reader" not in message, message
