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
        bce.ParamValidationError(report="Invalid type for parameter Prefix"),
        bce.ConfigParseError(path="/tmp/broken-config"),
    ):
        error = classify(exc, PLACE)
        assert error.kind is FailureKind.CONFIGURATION, exc
        assert "S3 set-up is invalid" in str(error)


def test_a_bucket_name_botocore_or_s3_refuses_is_bad_usage():
    place = S3Place(bucket="Bad_Bucket!", prefix="x/")
    refused = (
        bce.ParamValidationError(
            report='Invalid bucket name "Bad_Bucket!": Bucket name must match '
            'the regex "^[a-zA-Z0-9.\\-_]{1,255}$"'
        ),
        bce.ClientError(
            {"Error": {"Code": "InvalidBucketName", "Message": "bad"}},
            "ListObjectsV2",
        ),
    )
    for exc in refused:
        error = classify(exc, place)
        assert error.kind is FailureKind.USAGE, exc
        assert str(error).startswith(
            "Invalid bucket name: 'Bad_Bucket!' in s3://Bad_Bucket!/x/ cannot be "
            "the name of an S3 bucket. Bucket names are letters, digits, dots, "
            "hyphens and underscores"
        )
        assert "regex" not in str(error)


def test_an_invalid_region_is_bad_usage_naming_the_region():
    error = classify(bce.InvalidRegionError(region_name="no such region"), PLACE)
    assert error.kind is FailureKind.USAGE
    assert str(error).startswith(
        "Invalid region: 'no such region' is not an AWS region name. Pass --region"
    )
    assert "supported format" not in str(error)


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
