"""Shared by the stream tests: a table with a stream on the moto server, writes from another
client, and recorded stream responses played back through a botocore before-send hook."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from aiobotocore.awsrequest import AioAWSResponse


def client(service: str, url: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client(service, endpoint_url=url)  # type: ignore[call-overload]


def stream_table(url: str, view: str | None = "NEW_AND_OLD_IMAGES", *, sort: bool = False) -> str:
    """A fresh on-demand table (pk S [, sk S]) with a stream of `view` (None: no stream)."""
    name = f"st-{uuid.uuid4().hex[:10]}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "S"})
    params: dict[str, Any] = {}
    if view:
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    client("dynamodb", url).create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=attrs,
        BillingMode="PAY_PER_REQUEST", **params,
    )  # fmt: skip
    return name


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self) -> bytes:
        return self._data


def response(request: Any, status: int, body: dict[str, Any]) -> AioAWSResponse:
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    return AioAWSResponse(request.url, status, headers, _Raw(json.dumps(body).encode()))


def error(request: Any, code: str, message: str = "injected") -> AioAWSResponse:
    return response(
        request, 400, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
    )
