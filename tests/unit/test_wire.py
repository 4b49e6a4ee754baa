"""The direct DynamoDB parser and serializer give exactly what botocore's own give."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import botocore.session
import pytest
from aiobotocore.parsers import AioJSONParser
from botocore.serialize import JSONSerializer, create_serializer
from hypothesis import given, settings
from hypothesis import strategies as st

from ddbconsole.services.wire import (
    DynamoDBJSONParser,
    DynamoDBJSONSerializer,
    ParserFactory,
    install_serializer,
)

MODEL = botocore.session.get_session().get_service_model("dynamodb")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


numbers = st.integers(-(10**40), 10**40).map(str)
scalars = st.one_of(
    st.text().map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": n}),
    st.binary().map(lambda b: {"B": b64(b)}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(st.text(), min_size=1, max_size=4).map(lambda v: {"SS": v}),
    st.lists(numbers, min_size=1, max_size=4).map(lambda v: {"NS": v}),
    st.lists(st.binary(), min_size=1, max_size=4).map(lambda v: {"BS": [b64(b) for b in v]}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.dictionaries(st.text(max_size=8), inner, max_size=4).map(lambda m: {"M": m}),
        st.lists(inner, max_size=4).map(lambda v: {"L": v}),
    ),
    max_leaves=12,
)
items = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=6)


def parse_both(operation: str, body: dict[str, Any]) -> tuple[Any, Any]:
    shape = MODEL.operation_model(operation).output_shape
    raw = json.dumps(body).encode()
    # _handle_json_body is the synchronous core of the JSON protocol's parse.
    return (
        AioJSONParser()._handle_json_body(raw, shape),
        DynamoDBJSONParser()._handle_json_body(raw, shape),
    )


@settings(max_examples=300)
@given(st.lists(items, max_size=5), st.none() | items)
def test_scan_pages_parse_exactly_as_botocore_does(page: list[Any], last_key: Any) -> None:
    body: dict[str, Any] = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
    if last_key is not None:
        body["LastEvaluatedKey"] = last_key
    stock, fast = parse_both("Scan", body)
    assert fast == stock


@given(items)
def test_get_item_and_batch_get_parse_exactly_as_botocore_does(item: Any) -> None:
    stock, fast = parse_both("GetItem", {"Item": item})
    assert fast == stock
    body = {"Responses": {"T": [item, item]}, "UnprocessedKeys": {}}
    stock, fast = parse_both("BatchGetItem", body)
    assert fast == stock


@pytest.mark.parametrize(
    "odd",
    [
        {"X": "new type"},  # a tag this botocore does not know
        {"S": "a", "N": "1"},  # two tags
        {"S": None},
        {"M": "not a map"},  # botocore fails on it: so must this parser, the same way
        {"L": [None, {"S": "x"}]},
        {"BS": [None]},
    ],
)
def test_values_it_does_not_recognise_fall_back_to_botocore(odd: dict[str, Any]) -> None:
    body = {"Item": {"a": odd, "m": {"M": {"n": odd}}}}
    try:
        stock, fast = parse_both("GetItem", body)
    except AttributeError:
        with pytest.raises(AttributeError):
            DynamoDBJSONParser()._handle_json_body(
                json.dumps(body).encode(), MODEL.operation_model("GetItem").output_shape
            )
    else:
        assert fast == stock


def test_binary_is_decoded_to_bytes() -> None:
    _, fast = parse_both("GetItem", {"Item": {"b": {"B": b64(b"\x00\xff")}}})
    assert fast["Item"]["b"] == {"B": b"\x00\xff"}


def test_the_factory_uses_it_for_json_only() -> None:
    factory = ParserFactory()
    assert type(factory.create_parser("json")) is DynamoDBJSONParser
    assert not isinstance(factory.create_parser("query"), DynamoDBJSONParser)


# --- serializer -------------------------------------------------------------------------------------


def python_value(wire: Any) -> Any:
    """A request value as callers give it: binary as bytes."""
    ((tag, raw),) = wire.items()
    if tag == "B":
        return {"B": base64.b64decode(raw)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b) for b in raw]}
    if tag == "M":
        return {"M": {k: python_value(v) for k, v in raw.items()}}
    if tag == "L":
        return {"L": [python_value(v) for v in raw]}
    return wire


def serialize_both(operation: str, params: dict[str, Any]) -> tuple[Any, Any]:
    model = MODEL.operation_model(operation)
    stock = JSONSerializer().serialize_to_request(params, model)
    fast = DynamoDBJSONSerializer().serialize_to_request(params, model)
    return stock, fast


@settings(max_examples=300)
@given(st.lists(items.filter(bool), min_size=1, max_size=5))
def test_batch_write_requests_serialise_exactly_as_botocore_does(page: list[Any]) -> None:
    puts = [{"PutRequest": {"Item": {k: python_value(v) for k, v in i.items()}}} for i in page]
    stock, fast = serialize_both("BatchWriteItem", {"RequestItems": {"T": puts}})
    assert fast == stock  # headers, method and the body bytes


@given(items.filter(bool), items)
def test_update_and_query_requests_serialise_exactly_as_botocore_does(
    key: Any, values: Any
) -> None:
    params = {
        "TableName": "T",
        "Key": {k: python_value(v) for k, v in key.items()},
        "ExpressionAttributeValues": {f":{k}": python_value(v) for k, v in values.items()},
        "UpdateExpression": "SET a = :a",
    }
    stock, fast = serialize_both("UpdateItem", params)
    assert fast == stock


@pytest.mark.parametrize(
    "odd",
    [
        {"SS": ("a", "b")},  # a tuple: botocore makes it a list
        {"B": "text"},  # a str for binary: botocore encodes it
        {"L": [{"S": "x"}, {"NULL": True}]},
        {"S": None},
    ],
)
def test_serialiser_falls_back_to_botocore_for_unusual_values(odd: dict[str, Any]) -> None:
    stock, fast = serialize_both("PutItem", {"TableName": "T", "Item": {"a": odd}})
    assert fast == stock


def fake_client(service: str, protocol: str, validate: bool) -> Any:
    client = SimpleNamespace(
        meta=SimpleNamespace(service_model=SimpleNamespace(service_name=service)),
        _serializer=create_serializer(protocol, validate),
    )
    install_serializer(client)
    return client


def test_install_keeps_the_validator_and_only_touches_dynamodb() -> None:
    validated = fake_client("dynamodb", "json", True)
    assert type(validated._serializer._serializer) is DynamoDBJSONSerializer
    assert type(fake_client("dynamodb", "json", False)._serializer) is DynamoDBJSONSerializer
    # Another JSON-protocol service keeps botocore's serializer.
    assert type(fake_client("ssm", "json", False)._serializer) is JSONSerializer


# Other services have shapes named AttributeValue (CloudWatch: a string in a map; SSM: a map
# value; Identity Store: a document): they must go botocore's way, exactly.


def test_cloudwatch_attribute_values_parse_as_botocore_does() -> None:
    model = botocore.session.get_session().get_service_model("cloudwatch")
    shape = model.operation_model("DescribeAlarmHistory").output_shape
    body = {"AlarmHistoryItems": [{"AlarmName": "a", "AlarmContributorAttributes": {"k": "v"}}]}
    raw = json.dumps(body).encode()
    fast = DynamoDBJSONParser()._handle_json_body(raw, shape)
    assert fast == AioJSONParser()._handle_json_body(raw, shape)
    assert fast["AlarmHistoryItems"][0]["AlarmContributorAttributes"] == {"k": "v"}


def test_other_services_attribute_values_serialise_as_botocore_does() -> None:
    session = botocore.session.get_session()
    cases = [
        ("ssm", "PutComplianceItems", {
            "ResourceId": "i-1", "ResourceType": "ManagedInstance", "ComplianceType": "Custom:x",
            "ExecutionSummary": {"ExecutionTime": 0},
            "Items": [{"Severity": "LOW", "Status": "COMPLIANT", "Details": {"k": "v"}}],
        }),
        ("identitystore", "GetUserId", {
            "IdentityStoreId": "d-1",
            "AlternateIdentifier": {
                "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": {"B": "x"}}
            },
        }),
    ]  # fmt: skip
    for service, operation, params in cases:
        model = session.get_service_model(service).operation_model(operation)
        stock = JSONSerializer().serialize_to_request(params, model)
        assert DynamoDBJSONSerializer().serialize_to_request(params, model) == stock
