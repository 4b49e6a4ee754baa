"""botocore's JSON parser and serializer with a direct path for DynamoDB attribute values.

botocore turns requests and responses into Python by walking the service model: for every attribute
value it visits AttributeValue's shape and its members one by one. On bulk traffic that walk is most
of the client's time: parsing a 1 MB Scan page costs about 2.5 times the `json.loads` of it (1.7 s vs
0.67 s for 100,000 small items), and serialising BatchWriteItem requests is the largest cost of an
import. Attribute values are a closed set of ten tags, so these classes convert them directly (binary
through botocore's own base64 helpers) and hand anything they do not recognise (an unknown tag,
several tags, a null, a set given as a Python set) back to botocore's code. The output is identical
to botocore's; tests/unit/test_wire.py compares the two on random items.
"""

from __future__ import annotations

from typing import Any

from aiobotocore import parsers
from botocore.serialize import JSONSerializer

# The stubs do not describe the private methods these classes extend.
_Parser: Any = parsers.AioJSONParser
_ParserFactory: Any = parsers.AioResponseParserFactory
_Serializer: Any = JSONSerializer

ATTRIBUTE_VALUE = "AttributeValue"
TAGS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
_AS_IS = frozenset({"S", "N", "BOOL", "NULL"})  # botocore passes these through unchanged
_STRING_SETS = frozenset({"SS", "NS"})


def is_attribute_value(shape: Any) -> bool:
    """DynamoDB's AttributeValue: other services have shapes of that name (CloudWatch's is a
    string, SSM's a map member, Identity Store's a document), which must keep botocore's path."""
    return bool(
        shape.name == ATTRIBUTE_VALUE
        and shape.type_name == "structure"
        and shape.members.keys() == TAGS
    )


class DynamoDBJSONParser(_Parser):  # type: ignore[misc]
    def _handle_structure(self, shape: Any, value: Any) -> Any:
        if is_attribute_value(shape):
            return self._value(shape, value)
        return super()._handle_structure(shape, value)

    def _handle_map(self, shape: Any, value: Any) -> Any:
        value_shape = shape.value
        if isinstance(value, dict) and is_attribute_value(value_shape):
            return {key: self._value(value_shape, v) for key, v in value.items()}
        return super()._handle_map(shape, value)

    def _value(self, shape: Any, value: Any) -> Any:
        """One attribute value, converted as botocore would."""
        if type(value) is dict and len(value) == 1:
            ((tag, raw),) = value.items()
            if raw is not None:
                if tag in _AS_IS or (tag in _STRING_SETS and type(raw) is list):
                    return value
                if tag == "M" and type(raw) is dict:
                    return {"M": {key: self._value(shape, v) for key, v in raw.items()}}
                if tag == "L" and type(raw) is list:
                    return {"L": [None if v is None else self._value(shape, v) for v in raw]}
                if tag == "B":
                    return {"B": self._blob_parser(raw)}
                if tag == "BS" and type(raw) is list:
                    return {"BS": [None if b is None else self._blob_parser(b) for b in raw]}
        return super()._handle_structure(shape, value)


class ParserFactory(_ParserFactory):  # type: ignore[misc]
    """aiobotocore's factory, with DynamoDBJSONParser for the JSON protocol."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return DynamoDBJSONParser(**self._defaults)
        return super().create_parser(protocol_name)


class DynamoDBJSONSerializer(_Serializer):  # type: ignore[misc]
    def _serialize_type_structure(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        if key is not None and is_attribute_value(shape):
            serialized[key] = self._value(shape, value)
        else:
            super()._serialize_type_structure(serialized, value, shape, key)

    def _serialize_type_map(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        value_shape = shape.value
        if isinstance(value, dict) and is_attribute_value(value_shape):
            serialized[key] = {k: self._value(value_shape, v) for k, v in value.items()}
        else:
            super()._serialize_type_map(serialized, value, shape, key)

    def _value(self, shape: Any, value: Any) -> Any:
        """One attribute value, serialised as botocore would."""
        if type(value) is dict and len(value) == 1:
            ((tag, raw),) = value.items()
            if tag in _AS_IS or (tag in _STRING_SETS and type(raw) is list):
                return value
            if tag == "M" and type(raw) is dict:
                return {"M": {k: self._value(shape, v) for k, v in raw.items()}}
            if tag == "L" and type(raw) is list:
                return {"L": [self._value(shape, v) for v in raw]}
            if tag == "B" and raw is not None:
                return {"B": self._get_base64(raw)}
            if tag == "BS" and type(raw) is list and None not in raw:
                return {"BS": [self._get_base64(b) for b in raw]}
        wrapper: dict[str, Any] = {}
        super()._serialize_type_structure(wrapper, value, shape, "value")
        return wrapper["value"]


def install_serializer(client: Any) -> None:
    """Give a DynamoDB client the direct serializer (botocore offers no hook for it).

    The client's serializer is botocore's JSONSerializer, possibly inside its parameter validator;
    only its class changes, so its settings stay. Anything else is left alone."""
    if client.meta.service_model.service_name not in ("dynamodb", "dynamodbstreams"):
        return
    serializer = getattr(client, "_serializer", None)
    inner = getattr(serializer, "_serializer", serializer)
    if type(inner) is JSONSerializer:
        inner.__class__ = DynamoDBJSONSerializer
