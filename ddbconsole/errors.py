"""The DdbConsoleError tree, and the mapping from AWS/botocore failures to a title and one line of advice.

Nothing here imports Textual or aiobotocore: botocore exceptions are recognised by class name so that
this module stays cheap to import.
"""

from __future__ import annotations

import re
from typing import Any


class DdbConsoleError(Exception):
    """An error the user should read: a short title and one line of advice."""

    exit_code = 1

    def __init__(self, title: str, advice: str = "", *, code: str = "") -> None:
        super().__init__(title)
        self.title = title
        self.advice = advice
        self.code = code

    def __str__(self) -> str:
        return f"{self.title}: {self.advice}" if self.advice else self.title


class ConfigError(DdbConsoleError):
    """Bad configuration (file, environment or flags). Exit code 2, as for usage errors."""

    exit_code = 2


class UserInputError(DdbConsoleError):
    """Input that cannot be sent as it is (bad JSON, wrong key type...). Caught before sending."""

    exit_code = 2


class ReadOnlyViolation(DdbConsoleError):
    """A write was attempted while read-only mode is on. Raised before any request is built."""

    exit_code = 3

    def __init__(self, service: str, operation: str, detail: str = "") -> None:
        super().__init__(
            f"Read-only mode: {service} {operation} refused",
            detail or "the console is in read-only mode; no write request was sent",
            code="ReadOnlyViolation",
        )
        self.service = service
        self.operation = operation


class ConnectionProblem(DdbConsoleError):
    """Credentials, SSO, endpoint or network problems: nothing reached (or answered from) AWS."""

    exit_code = 4


class AwsError(DdbConsoleError):
    """AWS answered with an error code."""

    def __init__(
        self, title: str, advice: str = "", *, code: str = "", operation: str = ""
    ) -> None:
        super().__init__(title, advice, code=code)
        self.operation = operation


class Throttled(AwsError):
    """DynamoDB throttled the request. `reasons` are the exception's ThrottlingReasons (which limit,
    on which table or index), when DynamoDB sent them."""

    def __init__(
        self,
        title: str,
        advice: str = "",
        *,
        code: str = "",
        operation: str = "",
        reasons: tuple[Any, ...] = (),
    ) -> None:
        super().__init__(title, advice, code=code, operation=operation)
        self.reasons = reasons


class ConditionFailed(AwsError):
    """A conditional write found the item different from what was expected."""


class NotFound(AwsError):
    """The table, index or resource does not exist."""


# ClientError code -> (title, advice)
_CODES: dict[str, tuple[str, str]] = {
    "ResourceNotFoundException": (
        "Not found",
        "the table or resource does not exist in this account and region (check --region)",
    ),
    "ResourceInUseException": (
        "Resource busy",
        "the table is being created, updated or deleted; wait until it is ACTIVE and retry",
    ),
    "ConditionalCheckFailedException": (
        "Condition not met",
        "the item changed since it was read, or the condition did not hold; nothing was written",
    ),
    "ProvisionedThroughputExceededException": (
        "Throttled",
        "the table or index is over its provisioned throughput; retry later or raise capacity",
    ),
    "ThrottlingException": (
        "Throttled",
        "AWS is rate-limiting these calls; wait a moment and retry",
    ),
    "RequestLimitExceeded": (
        "Account request limit exceeded",
        "the account's request rate for DynamoDB is exhausted; retry later",
    ),
    "LimitExceededException": (
        "Limit exceeded",
        "an AWS limit was hit (concurrent table operations, indexes, or switches per day)",
    ),
    "ValidationException": ("Rejected by DynamoDB", "the request is not valid"),
    "SerializationException": ("Rejected by DynamoDB", "the request could not be parsed"),
    "TransactionCanceledException": (
        "Transaction cancelled",
        "one of the operations in the transaction failed its condition; nothing was written",
    ),
    "ItemCollectionSizeLimitExceededException": (
        "Item collection too large",
        "an item collection of a table with an LSI exceeded 10 GB",
    ),
    "AccessDeniedException": (
        "Access denied",
        "your credentials lack permission for this action (check the role or policy)",
    ),
    "UnrecognizedClientException": (
        "Credentials rejected",
        "the access key is not valid for this endpoint; check the profile",
    ),
    "InvalidSignatureException": (
        "Credentials rejected",
        "the request signature was refused; check the secret key and the machine clock",
    ),
    "ExpiredTokenException": (
        "Credentials expired",
        "the session token has expired; refresh your credentials",
    ),
    "InternalServerError": ("AWS internal error", "a transient server error; retry"),
    "ServiceUnavailable": ("Service unavailable", "the service is not answering; retry later"),
    "TableAlreadyExistsException": ("Table exists", "choose another name"),
    "ObjectNotFoundException": ("Not found", "the resource does not exist"),
}


def _profile_hint(profile: str | None) -> str:
    return f" --profile {profile}" if profile else ""


def _one_line(message: str) -> str:
    """An error message fit for one line: an HTML error page (a proxy's, or a local server's 500)
    becomes its title; anything else its first 300 characters, whitespace folded."""
    text = message.strip()
    if text[:1] == "<" and re.search(r"<html|<!doctype", text[:200], re.IGNORECASE):
        found = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        title = " ".join(found.group(1).split()) if found else "an HTML error page"
        return f"{title} (the endpoint answered with an HTML page, not an AWS error)"
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


# What to do about each limit a ThrottlingReason names (docs/ARCHITECTURE.md, "Diagnose").
_LIMIT_ADVICE = {
    "KeyRangeThroughput": "one partition key is hot: spread it (the Diagnose view, H, shows which)",
    "ProvisionedThroughput": "raise the provisioned capacity or auto scaling's maximum",
    "AccountLimit": "request an account quota increase (Service Quotas)",
    "MaxOnDemandThroughput": "raise the on-demand maximum throughput",
}


def throttling_reasons(response: dict[str, Any]) -> tuple[Any, ...]:
    """The ThrottlingReasons of a throttling error response (ThrottlingException spells it
    throttlingReasons), as ThrottlingReason models."""
    from ddbconsole.models.diagnose import ThrottlingReason

    raw = response.get("ThrottlingReasons") or response.get("throttlingReasons") or []
    return tuple(
        ThrottlingReason(str(r.get("reason", "")), str(r.get("resource", "")))
        for r in raw
        if isinstance(r, dict) and r.get("reason")
    )


def _throttled(code: str, operation: str, response: dict[str, Any]) -> Throttled:
    title, advice = _CODES[code]
    reasons = throttling_reasons(response)
    if reasons:
        named = reasons[0]
        title = f"Throttled: {named.describe()}"
        parts = named.parts
        advice = _LIMIT_ADVICE[parts[2]] if parts else advice
        if len(reasons) > 1:
            advice += "; also " + ", ".join(r.describe() for r in reasons[1:])
    return Throttled(title, advice, code=code, operation=operation, reasons=reasons)


def translate(exc: BaseException, *, profile: str | None = None) -> DdbConsoleError:
    """Turn any exception from the AWS stack into a DdbConsoleError with a title and advice."""
    if isinstance(exc, DdbConsoleError):
        return exc
    name = type(exc).__name__
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "ClientError" in names:
        response: dict[str, Any] = getattr(exc, "response", {}) or {}
        error = response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = _one_line(str(error.get("Message", "")))
        operation = str(getattr(exc, "operation_name", ""))
        if code in {"ExpiredTokenException", "ExpiredToken"}:
            return ConnectionProblem(
                "Credentials expired",
                f"refresh them (for SSO: aws sso login{_profile_hint(profile)})",
                code=code,
            )
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if status == 404 and code not in _CODES:
            # AWS APIs answer errors with 400 or 5xx and a JSON or XML code: a bare 404 comes from
            # a web server (or a proxy) that does not serve the API at all.
            return ConnectionProblem(
                "The endpoint URL answered 404 Not Found",
                "it is not a DynamoDB endpoint (check --endpoint-url, AWS_ENDPOINT_URL "
                "or endpoint_url in the config)",
                code=code,
            )
        if code in {
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        }:
            return _throttled(code, operation, response)
        title, advice = _CODES.get(code, (code, ""))
        if message and (not advice or code in {"ValidationException", "LimitExceededException"}):
            advice = message if not advice else f"{message} ({advice})"
        cls: type[AwsError] = AwsError
        if code == "ConditionalCheckFailedException":
            cls = ConditionFailed
        elif code in {"ResourceNotFoundException", "ObjectNotFoundException"}:
            cls = NotFound
        return cls(title, advice, code=code, operation=operation)
    if names & {
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "SSOError",
        "TokenRetrievalError",
    }:
        return ConnectionProblem(
            "SSO session expired or missing",
            f"run: aws sso login{_profile_hint(profile)}",
            code=name,
        )
    if "ProfileNotFound" in names:
        return ConnectionProblem(
            "AWS profile not found",
            f"{exc}; list profiles with: aws configure list-profiles",
            code=name,
        )
    if "NoCredentialsError" in names or "PartialCredentialsError" in names:
        return ConnectionProblem(
            "No AWS credentials",
            "configure a profile (aws configure / aws sso login), set AWS_PROFILE, "
            "or run ddbconsole --demo to try it without an account",
            code=name,
        )
    if "NoRegionError" in names:  # configuration, not the connection: exit 2
        return ConfigError(
            "No region", "pass --region, set AWS_REGION, or set region in the profile", code=name
        )
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"}:
        return ConnectionProblem(
            "Cannot reach the endpoint",
            f"{exc}; check --endpoint-url, the network or VPN",
            code=name,
        )
    if "ReadTimeoutError" in names:
        return ConnectionProblem("The endpoint did not answer in time", str(exc), code=name)
    if "ParamValidationError" in names:
        return UserInputError("Invalid request", str(exc).replace("\n", " "), code=name)
    if "InvalidEndpointException" in names or (name == "ValueError" and "endpoint" in str(exc)):
        return ConfigError("Invalid endpoint URL", str(exc), code=name)
    if names & {"BotoCoreError", "ClientConnectorError", "ServerDisconnectedError", "OSError"}:
        return ConnectionProblem("Connection problem", f"{name}: {exc}", code=name)
    return DdbConsoleError("Unexpected error", f"{name}: {exc}", code=name)


# --- items ------------------------------------------------------------------------------------------


class ItemConflict(ConditionFailed):
    """A save found the item changed since it was loaded. Carries both sides for a side-by-side view.

    `current` is the server's item now (read with a consistent GetItem), or None if it was deleted;
    `original` is what the user loaded and `attempted` what they tried to save.
    """

    def __init__(
        self,
        table: str,
        *,
        original: dict[str, Any],
        attempted: dict[str, Any],
        current: dict[str, Any] | None,
        operation: str = "",
    ) -> None:
        advice = (
            "the item was deleted since you loaded it"
            if current is None
            else "someone changed the item since you loaded it"
        )
        super().__init__(
            f"Conflict in {table}",
            f"{advice}; nothing was written (reload, or overwrite deliberately)",
            code="ItemConflict",
            operation=operation,
        )
        self.table = table
        self.original = original
        self.attempted = attempted
        self.current = current


class ItemExists(ConditionFailed):
    """A create (or a key change) found an item with that key already there; nothing was written."""

    def __init__(self, table: str, key: dict[str, Any], *, operation: str = "") -> None:
        super().__init__(
            f"Item already exists in {table}",
            "an item with this key exists; nothing was written (edit it instead)",
            code="ItemExists",
            operation=operation,
        )
        self.table = table
        self.key = key


class ItemMissing(ConditionFailed):
    """The item to delete or update is not there (any more)."""

    def __init__(self, table: str, key: dict[str, Any], *, operation: str = "") -> None:
        super().__init__(
            f"No such item in {table}",
            "no item has this key (it may have been deleted); nothing was changed",
            code="ItemMissing",
            operation=operation,
        )
        self.table = table
        self.key = key
