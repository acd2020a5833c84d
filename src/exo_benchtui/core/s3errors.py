"""Turning boto3, botocore and urllib3 failures into :class:`SourceError`.

Every message names what was being reached (bucket, endpoint or region) and
says what to do. Nothing here reads or repeats a credential: messages are
built from error codes and our own settings, and the server's own message is
quoted only for codes we do not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore import exceptions as bce
from urllib3 import exceptions as u3e

from exo_benchtui.core.errors import FailureKind, SourceError

# S3 error codes, by the kind of failure they are.
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequests",
        "500",
        "502",
        "503",
        "504",
    }
)
_EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired"}
)
_REDIRECT_CODES = frozenset(
    {
        "PermanentRedirect",
        "TemporaryRedirect",
        "301",
        "307",
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
    }
)
_CLOCK_CODES = frozenset({"RequestTimeTooSkewed", "RequestInTheFuture"})
_SSO_ERRORS = (
    bce.SSOTokenLoadError,
    bce.UnauthorizedSSOTokenError,
    bce.TokenRetrievalError,
    bce.SSOError,
)
_NETWORK_ERRORS = (
    bce.EndpointConnectionError,
    bce.ConnectionClosedError,
    bce.ConnectTimeoutError,
    bce.ReadTimeoutError,
    bce.ConnectionError,
    bce.HTTPClientError,
    bce.ResponseStreamingError,
    u3e.HTTPError,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True, slots=True)
class S3Place:
    """What a request was trying to reach, for messages."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    """None for AWS itself."""
    region: str | None = None
    profile: str | None = None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def where(self) -> str:
        """``the endpoint http://…`` or ``AWS region eu-west-1``, for sentences."""
        if self.endpoint_url:
            return f"the endpoint {_redact_url_credentials(self.endpoint_url)}"
        if self.region:
            return f"AWS region {self.region}"
        return "AWS (default region)"

    @property
    def sso_login(self) -> str:
        if self.profile:
            return f"run `aws sso login --profile {self.profile}`"
        return "run `aws sso login` (add `--profile NAME` for a named profile)"


def error_code(exc: bce.ClientError) -> str:
    """The S3 error code of a ClientError, or its HTTP status as text."""
    error = exc.response.get("Error", {}) or {}
    code = str(error.get("Code") or "")
    if code:
        return code
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(status or "")


def http_status(exc: bce.ClientError) -> int | None:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def is_missing_object(exc: BaseException) -> bool:
    """True for a GET of a key that is gone or hidden by a prefix-scoped policy."""
    if not isinstance(exc, bce.ClientError):
        return False
    return error_code(exc) in {"NoSuchKey", "404", "NotFound", "AccessDenied", "403"}


def _bucket_region(exc: bce.ClientError) -> str | None:
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}
    error = exc.response.get("Error", {}) or {}
    region = headers.get("x-amz-bucket-region") or error.get("Region")
    return str(region) if region else None


def classify(exc: BaseException, place: S3Place) -> SourceError:
    """A :class:`SourceError` with a kind, title, detail and hint for ``exc``.

    ``place`` names what was being reached. Unknown exceptions become
    transient errors so the next cycle tries again.
    """
    if isinstance(exc, SourceError):
        return exc
    if isinstance(exc, bce.ClientError):
        return _client_error(exc, place)
    if isinstance(exc, _SSO_ERRORS):
        return SourceError(
            "AWS SSO session expired",
            f"the SSO login used for {place.url} is missing or has expired",
            hint=place.sso_login + " and the next sync will pick it up",
            kind=FailureKind.AUTHORISATION,
        )
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return SourceError(
            "No AWS credentials found",
            f"nothing in the standard AWS chain gave credentials for {place.url}",
            hint=(
                "set AWS_PROFILE or --profile, run `aws configure` (or "
                "`aws sso login`), or use --no-sign-request for a public bucket"
            ),
            kind=FailureKind.AUTHORISATION,
        )
    if isinstance(exc, bce.CredentialRetrievalError):
        return SourceError(
            "AWS credentials could not be fetched",
            f"the credential provider failed while reaching {place.url}",
            hint="check the profile's credential_process or role settings",
            kind=FailureKind.AUTHORISATION,
        )
    if isinstance(exc, bce.ProfileNotFound):
        return SourceError(
            "AWS profile not found",
            f"the profile {place.profile or '(default)'} is not in the AWS config",
            hint="check --profile / AWS_PROFILE against `aws configure list-profiles`",
            kind=FailureKind.CONFIGURATION,
        )
    if isinstance(exc, bce.NoRegionError):
        return SourceError(
            "No AWS region set",
            f"no region is configured for {place.url}",
            hint="pass --region or set AWS_DEFAULT_REGION",
            kind=FailureKind.CONFIGURATION,
        )
    if isinstance(exc, bce.ConnectTimeoutError | bce.ReadTimeoutError | TimeoutError):
        return SourceError(
            "S3 did not answer in time",
            f"{place.where} timed out for {place.url}",
            hint="will try again next sync; check the network if it persists",
            kind=FailureKind.TRANSIENT,
        )
    if isinstance(exc, _NETWORK_ERRORS):
        return SourceError(
            "Cannot reach S3",
            f"{place.where} could not be reached for {place.url}",
            hint="will try again next sync; check the network and --endpoint-url",
            kind=FailureKind.TRANSIENT,
        )
    if isinstance(exc, bce.PaginationError):
        return SourceError(
            "S3 listing went wrong",
            f"{place.where} sent a broken listing for {place.url}",
            hint="will try again next sync",
            kind=FailureKind.TRANSIENT,
        )
    if isinstance(exc, ValueError) and "endpoint" in str(exc).lower():
        return SourceError(
            "Bad endpoint URL",
            f"{_redact_url_credentials(place.endpoint_url or '')!r} is not a "
            "usable endpoint",
            hint="pass a full URL such as http://127.0.0.1:9000 to --endpoint-url",
            kind=FailureKind.CONFIGURATION,
        )
    if isinstance(exc, bce.ParamValidationError) and _names_the_bucket(exc, place):
        return _invalid_bucket_name(place)
    if isinstance(exc, bce.InvalidRegionError):
        region = exc.kwargs.get("region_name", place.region)
        return SourceError(
            "Invalid region",
            f"'{region}' is not an AWS region name",
            hint=(
                "pass --region with a name such as us-east-1, or correct "
                "AWS_DEFAULT_REGION or the profile's region"
            ),
            kind=FailureKind.USAGE,
        )
    if isinstance(exc, _SETUP_ERRORS):
        # Retrying cannot fix these: a bucket name or region botocore refuses,
        # or an AWS config file it cannot read.
        return SourceError(
            "S3 set-up is invalid",
            f"{type(exc).__name__} for {place.url} at {place.where}: {_one_line(exc)}",
            hint="check the bucket name, --region and the AWS config files",
            kind=FailureKind.CONFIGURATION,
        )
    return SourceError(
        "S3 request failed",
        f"{type(exc).__name__} while reaching {place.url} at {place.where}: "
        f"{_one_line(exc)}",
        hint="will try again next sync",
        kind=FailureKind.TRANSIENT,
    )


_SETUP_ERRORS = (
    bce.ParamValidationError,
    bce.InvalidRegionError,
    bce.ConfigParseError,
    bce.ProfileNotFound,
    bce.InvalidConfigError,
)


def _invalid_bucket_name(place: S3Place) -> SourceError:
    # Shown as given (the CLI and the UI escape control characters).
    return SourceError(
        "Invalid bucket name",
        f"'{place.bucket}' in {place.url} cannot be the name of an S3 bucket",
        hint=(
            "bucket names are letters, digits, dots, hyphens and underscores, "
            "at most 255 (buckets made since 2018: 3 to 63 lower-case letters, "
            "digits, dots and hyphens); write s3://BUCKET/PREFIX"
        ),
        kind=FailureKind.USAGE,
    )


def _names_the_bucket(exc: bce.ParamValidationError, place: S3Place) -> bool:
    """True when botocore refused the bucket name (not some other parameter)."""
    # botocore says so only in words: 'Invalid bucket name "NAME": ...'.
    return f'Invalid bucket name "{place.bucket}"' in str(exc)


def _one_line(exc: BaseException) -> str:
    """The exception's own words, short, with any URL credentials removed."""
    text = " ".join(str(exc).split())
    return _redact_url_credentials(text)[:300]


_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")


def _redact_url_credentials(text: str) -> str:
    """``http://user:secret@host`` becomes ``http://***@host``."""
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


def _client_error(exc: bce.ClientError, place: S3Place) -> SourceError:
    code = error_code(exc)
    status = http_status(exc)
    if code in {"NoSuchBucket"}:
        return SourceError(
            "Bucket not found",
            f"bucket {place.bucket!r} does not exist at {place.where}",
            hint="check the bucket name, --endpoint-url and --region",
            kind=FailureKind.CONFIGURATION,
        )
    if code == "InvalidBucketName":
        # A name botocore lets through (capitals, underscores) that S3 refuses.
        return _invalid_bucket_name(place)
    if code in _REDIRECT_CODES:
        region = _bucket_region(exc)
        detail = f"bucket {place.bucket!r} is not served by {place.where}"
        if region:
            detail += f"; it lives in region {region}"
        return SourceError(
            "Wrong region or endpoint",
            detail,
            hint=f"pass --region {region}" if region else "check --region",
            kind=FailureKind.CONFIGURATION,
        )
    if code in _CLOCK_CODES:
        return SourceError(
            "This machine's clock is off",
            f"{place.where} refused signed requests for {place.url} because the "
            "local time differs too much from the server's",
            hint=(
                "set the clock or wait for NTP to sync (common on a Raspberry Pi "
                "with no real-time clock just after boot); `timedatectl` shows it"
            ),
            kind=FailureKind.CLOCK,
        )
    if code in _EXPIRED_CODES:
        return SourceError(
            "AWS credentials expired",
            f"the session token used for {place.url} has expired",
            hint=f"refresh your credentials (for SSO profiles, {place.sso_login})",
            kind=FailureKind.AUTHORISATION,
        )
    if code in {"InvalidAccessKeyId", "InvalidToken"}:
        return SourceError(
            "AWS access key not recognised",
            f"{place.where} does not know the access key used for {place.url}",
            hint="check the profile or AWS_ACCESS_KEY_ID; for SSO, " + place.sso_login,
            kind=FailureKind.AUTHORISATION,
        )
    if code == "SignatureDoesNotMatch":
        return SourceError(
            "AWS secret key does not match",
            f"{place.where} rejected the request signature for {place.url}",
            hint="check the secret key of the profile (or AWS_SECRET_ACCESS_KEY)",
            kind=FailureKind.AUTHORISATION,
        )
    if code in {"AccessDenied", "403", "AllAccessDisabled", "AccountProblem"}:
        return SourceError(
            "Access denied",
            f"the credentials in use may not list or read {place.url} at {place.where}",
            hint=(
                "ask for s3:ListBucket and s3:GetObject on this bucket and prefix, "
                "pick another --profile, or use --no-sign-request if it is public"
            ),
            kind=FailureKind.AUTHORISATION,
        )
    if code in _TRANSIENT_CODES or (status is not None and status >= 500):
        return SourceError(
            "S3 is busy or failing",
            f"{place.where} answered {code or status} for {place.url}",
            hint="will try again next sync",
            kind=FailureKind.TRANSIENT,
        )
    server_message = str((exc.response.get("Error", {}) or {}).get("Message") or "")
    return SourceError(
        "S3 refused the request",
        f"{place.where} answered {code or status} for {place.url}"
        + (f" ({server_message[:200]})" if server_message else ""),
        hint="check the location and options",
        kind=FailureKind.CONFIGURATION,
    )
