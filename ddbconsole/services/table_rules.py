"""The rules DynamoDB enforces on creating and configuring tables (and that moto does not), and the
shapes of the requests: pure functions, no I/O. services/table_admin.py applies them before sending.

Every refusal is a `TableRuleError` (a UserInputError) with a title and one line of advice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ddbconsole.errors import UserInputError
from ddbconsole.models import IndexSpec, KeySpec, KeyType, TableSpec, Throughput
from ddbconsole.services.capacity_rules import on_demand_throughput

DDB = "dynamodb"
NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")
NAME_MIN, NAME_MAX = 3, 255
ATTRIBUTE_NAME_MAX = 255  # bytes (UTF-8) for key and projected attribute names
MAX_GSIS = 20  # the default per-table quota
MAX_LSIS = 5
MAX_PROJECTED = 100  # NonKeyAttributes summed over every secondary index of a table
MAX_TAGS = 50
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
KEY_TYPES = ("S", "N", "B")
PROJECTIONS = ("ALL", "KEYS_ONLY", "INCLUDE")
TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
BILLING_MODES = ("PAY_PER_REQUEST", "PROVISIONED")


class TableRuleError(UserInputError):
    """A table request DynamoDB would refuse (or that makes no sense), caught before sending."""


class InvalidName(TableRuleError):
    pass


class AttributeDefinitionError(TableRuleError):
    """Attribute definitions that do not match the key schemas exactly."""


class IndexRuleError(TableRuleError):
    """Index limits, LSI rules, duplicate names, projections."""


class CapacityError(TableRuleError):
    pass


class TableUpdateInProgress(TableRuleError):
    """DynamoDB runs one update at a time: the table or one of its GSIs is not ACTIVE."""


class DeletionProtected(TableRuleError):
    """Deletion protection is on; the console never turns it off by itself."""


class TtlRuleError(TableRuleError):
    pass


class NothingToChange(TableRuleError):
    pass


# --- names --------------------------------------------------------------------------------------


def name_problem(name: str, what: str = "table") -> str | None:
    """Why `name` is not a valid table or index name, or None if it is (for as-you-type hints)."""
    if not name:
        return f"a {what} name is required"
    if len(name) < NAME_MIN or len(name) > NAME_MAX:
        return f"{what} names are {NAME_MIN}-{NAME_MAX} characters (this one has {len(name)})"
    bad = sorted(set(NAME_RE.sub("", name)))
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        return f"only letters, digits, '_', '-' and '.' are allowed (not {shown})"
    return None


def check_name(name: str, what: str = "table") -> None:
    problem = name_problem(name, what)
    if problem:
        raise InvalidName(f"Invalid {what} name {name!r}", problem, code="InvalidName")


def check_attribute_name(name: str, what: str) -> None:
    size = len(name.encode("utf-8"))
    if size == 0:
        raise AttributeDefinitionError(f"Missing attribute name for {what}", "type a name")
    if size > ATTRIBUTE_NAME_MAX:
        raise AttributeDefinitionError(
            f"Attribute name too long for {what}",
            f"key and projected attribute names are at most {ATTRIBUTE_NAME_MAX} bytes "
            f"(this one has {size})",
        )


# --- capacity -----------------------------------------------------------------------------------


def provisioned(what: str, tp: Throughput | None) -> dict[str, int]:
    if tp is None or tp.read is None or tp.write is None:
        raise CapacityError(
            f"Capacity missing for {what}",
            "provisioned tables need read and write capacity units for the table and each GSI",
        )
    for side, value in (("read", tp.read), ("write", tp.write)):
        if value < 1:
            raise CapacityError(
                f"Invalid {side} capacity for {what}", f"must be at least 1 (got {value})"
            )
    return {"ReadCapacityUnits": tp.read, "WriteCapacityUnits": tp.write}


def on_demand(what: str, tp: Throughput | None) -> dict[str, int]:
    if tp is None:
        return {}
    return on_demand_throughput(
        what, tp.read, tp.write, error=CapacityError, unset="leave it blank for no maximum"
    )


# --- requests -----------------------------------------------------------------------------------


def key_schema(pk: KeySpec, sk: KeySpec | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": pk.name, "KeyType": "HASH"}]
    if sk is not None:
        schema.append({"AttributeName": sk.name, "KeyType": "RANGE"})
    return schema


def _projection(index: IndexSpec) -> dict[str, Any]:
    if index.projection not in PROJECTIONS:
        raise IndexRuleError(
            f"Invalid projection for index {index.name}", "choose ALL, KEYS_ONLY or INCLUDE"
        )
    out: dict[str, Any] = {"ProjectionType": index.projection}
    attrs = list(index.non_key_attributes)
    if index.projection == "INCLUDE":
        if not attrs:
            raise IndexRuleError(
                f"INCLUDE projection of {index.name} lists no attributes",
                "name the non-key attributes to project, or choose ALL or KEYS_ONLY",
            )
        for attr in attrs:
            check_attribute_name(attr, f"the projection of {index.name}")
        dupes = sorted({a for a in attrs if attrs.count(a) > 1})
        if dupes:
            raise IndexRuleError(
                f"Attribute listed twice in the projection of {index.name}", ", ".join(dupes)
            )
        out["NonKeyAttributes"] = attrs
    elif attrs:
        raise IndexRuleError(
            f"{index.projection} projection of {index.name} takes no attribute list",
            "choose INCLUDE to project named attributes",
        )
    return out


def index_request(index: IndexSpec, billing_mode: str, *, local: bool) -> dict[str, Any]:
    what = f"{'LSI' if local else 'GSI'} {index.name}"
    check_name(index.name, "index")
    check_attribute_name(index.partition_key.name, f"the partition key of {what}")
    if index.sort_key is not None:
        check_attribute_name(index.sort_key.name, f"the sort key of {what}")
    out: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": key_schema(index.partition_key, index.sort_key),
        "Projection": _projection(index),
    }
    if local:
        return out
    if billing_mode == "PROVISIONED":
        out["ProvisionedThroughput"] = provisioned(what, index.provisioned)
    else:
        if index.provisioned is not None:
            raise CapacityError(
                f"{what} has provisioned capacity on an on-demand table",
                "on-demand GSIs take no capacity units (optionally a maximum)",
            )
        maximum = on_demand(what, index.on_demand_max)
        if maximum:
            out["OnDemandThroughput"] = maximum
    return out


def definitions(keys: Iterable[tuple[KeySpec, str]]) -> list[dict[str, str]]:
    """Attribute definitions for every key attribute, once each; a name with two types is refused."""
    types: dict[str, str] = {}
    for key, where in keys:
        if key.type not in KEY_TYPES:
            raise AttributeDefinitionError(
                f"Invalid type {key.type!r} for {key.name} ({where})", "key types are S, N or B"
            )
        known = types.get(key.name)
        if known is not None and known != key.type:
            raise AttributeDefinitionError(
                f"Attribute {key.name} has two types",
                f"it is {known} in one key and {key.type} in {where}: an attribute has one type",
            )
        types[key.name] = key.type
    return [{"AttributeName": n, "AttributeType": t} for n, t in types.items()]


def create_request(spec: TableSpec) -> dict[str, Any]:
    """The CreateTable parameters for `spec`, after every rule below has passed."""
    check_name(spec.name, "table")
    check_attribute_name(spec.partition_key.name, "the table's partition key")
    if spec.sort_key is not None:
        check_attribute_name(spec.sort_key.name, "the table's sort key")
        if spec.sort_key.name == spec.partition_key.name:
            raise AttributeDefinitionError(
                "Partition and sort key are the same attribute", "give the sort key another name"
            )
    if spec.billing_mode not in BILLING_MODES:
        raise CapacityError("Invalid billing mode", "PAY_PER_REQUEST or PROVISIONED")
    check_index_counts(len(spec.gsis), len(spec.lsis))
    check_unique_index_names([i.name for i in (*spec.gsis, *spec.lsis)])
    for lsi in spec.lsis:
        check_lsi(lsi, spec)
    check_projected_total([*spec.gsis, *spec.lsis], already=0)
    keys: list[tuple[KeySpec, str]] = [(spec.partition_key, "the table's partition key")]
    if spec.sort_key:
        keys.append((spec.sort_key, "the table's sort key"))
    for kind, indexes in (("GSI", spec.gsis), ("LSI", spec.lsis)):
        for idx in indexes:
            keys.append((idx.partition_key, f"the partition key of {kind} {idx.name}"))
            if idx.sort_key:
                keys.append((idx.sort_key, f"the sort key of {kind} {idx.name}"))
    params: dict[str, Any] = {
        "TableName": spec.name,
        "AttributeDefinitions": definitions(keys),
        "KeySchema": key_schema(spec.partition_key, spec.sort_key),
        "BillingMode": spec.billing_mode,
    }
    if spec.billing_mode == "PROVISIONED":
        params["ProvisionedThroughput"] = provisioned("the table", spec.provisioned)
    else:
        if spec.provisioned is not None:
            raise CapacityError(
                "Provisioned capacity given for an on-demand table",
                "choose PROVISIONED billing, or leave capacity units out",
            )
        maximum = on_demand("the table", spec.on_demand_max)
        if maximum:
            params["OnDemandThroughput"] = maximum
    if spec.gsis:
        params["GlobalSecondaryIndexes"] = [
            index_request(g, spec.billing_mode, local=False) for g in spec.gsis
        ]
    if spec.lsis:
        params["LocalSecondaryIndexes"] = [
            index_request(i, spec.billing_mode, local=True) for i in spec.lsis
        ]
    if spec.stream_view_type is not None:
        params["StreamSpecification"] = stream_specification(spec.stream_view_type)
    params["TableClass"] = check_table_class(spec.table_class)
    params["DeletionProtectionEnabled"] = spec.deletion_protection
    if spec.tags:
        params["Tags"] = tag_list(spec.tags)
    check_definitions_match(params)
    return params


def check_lsi(lsi: IndexSpec, spec: TableSpec) -> None:
    if spec.sort_key is None:
        raise IndexRuleError(
            f"LSI {lsi.name} needs a table with a sort key",
            "a local secondary index gives the table's items another sort key; "
            "add a sort key to the table or make it a GSI",
        )
    if lsi.partition_key != spec.partition_key:
        raise IndexRuleError(
            f"LSI {lsi.name} must use the table's partition key",
            f"local secondary indexes share the table's partition key "
            f"({spec.partition_key.name}, {spec.partition_key.type}); use a GSI for another one",
        )
    if lsi.sort_key is None:
        raise IndexRuleError(
            f"LSI {lsi.name} needs a sort key",
            "an LSI is the table's partition key + another sort key",
        )


def check_index_counts(gsis: int, lsis: int) -> None:
    if gsis > MAX_GSIS:
        raise IndexRuleError(
            f"Too many GSIs ({gsis})",
            f"DynamoDB allows at most {MAX_GSIS} global secondary indexes per table (default quota)",
        )
    if lsis > MAX_LSIS:
        raise IndexRuleError(
            f"Too many LSIs ({lsis})",
            f"DynamoDB allows at most {MAX_LSIS} local secondary indexes per table",
        )


def check_unique_index_names(names: Sequence[str]) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise IndexRuleError(
            f"Index name used twice: {', '.join(dupes)}",
            "every index of a table (GSI or LSI) needs its own name",
        )


def check_projected_total(indexes: Sequence[IndexSpec], already: int) -> None:
    total = already + sum(len(i.non_key_attributes) for i in indexes if i.projection == "INCLUDE")
    if total > MAX_PROJECTED:
        raise IndexRuleError(
            f"Too many projected attributes ({total})",
            f"INCLUDE projections may list at most {MAX_PROJECTED} non-key attributes summed over "
            "all the table's secondary indexes (the same attribute in two indexes counts twice)",
        )


def check_table_class(table_class: str) -> str:
    if table_class not in TABLE_CLASSES:
        raise TableRuleError(f"Invalid table class {table_class!r}", " or ".join(TABLE_CLASSES))
    return table_class


def stream_specification(view_type: str | None) -> dict[str, Any]:
    if view_type is None:
        return {"StreamEnabled": False}
    if view_type not in STREAM_VIEW_TYPES:
        raise TableRuleError(
            f"Invalid stream view type {view_type!r}", ", ".join(STREAM_VIEW_TYPES)
        )
    return {"StreamEnabled": True, "StreamViewType": view_type}


def check_tag(key: str, value: str) -> None:
    if not key or len(key) > TAG_KEY_MAX:
        raise TableRuleError(f"Invalid tag key {key!r}", f"tag keys are 1-{TAG_KEY_MAX} characters")
    if key.lower().startswith("aws:"):
        raise TableRuleError(f"Invalid tag key {key!r}", "the aws: prefix is reserved for AWS")
    if len(value) > TAG_VALUE_MAX:
        raise TableRuleError(
            f"Tag value too long for {key}", f"tag values are at most {TAG_VALUE_MAX} characters"
        )


def tag_list(tags: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    pairs = list(tags)
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise TableRuleError(f"Tag key given twice: {', '.join(dupes)}", "each key once")
    if len(pairs) > MAX_TAGS:
        raise TableRuleError(f"Too many tags ({len(pairs)})", f"at most {MAX_TAGS} per table")
    for key, value in pairs:
        check_tag(key, value)
    return [{"Key": k, "Value": v} for k, v in pairs]


def check_definitions_match(params: Mapping[str, Any]) -> None:
    """AttributeDefinitions must define every key attribute of the table and its indexes, and
    nothing else (DynamoDB refuses unused definitions)."""
    defined = [d["AttributeName"] for d in params.get("AttributeDefinitions", [])]
    used: set[str] = {k["AttributeName"] for k in params.get("KeySchema", [])}
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for idx in params.get(kind, []):
            used |= {k["AttributeName"] for k in idx["KeySchema"]}
    dupes = sorted({n for n in defined if defined.count(n) > 1})
    missing = sorted(used - set(defined))
    unused = sorted(set(defined) - used)
    if dupes or missing or unused:
        problems = []
        if missing:
            problems.append("not defined: " + ", ".join(missing))
        if unused:
            problems.append("defined but not in any key: " + ", ".join(unused))
        if dupes:
            problems.append("defined twice: " + ", ".join(dupes))
        raise AttributeDefinitionError(
            "Attribute definitions do not match the key schemas",
            "; ".join(problems) + " (define exactly the key attributes of the table and indexes)",
        )


def check_not_busy(desc: Mapping[str, Any]) -> None:
    """One update at a time: the table and all its GSIs ACTIVE, none backfilling."""
    name = desc.get("TableName", "the table")
    status = str(desc.get("TableStatus", "ACTIVE"))
    busy = [] if status == "ACTIVE" else [f"table {status}"]
    for gsi in desc.get("GlobalSecondaryIndexes", []):
        if gsi.get("IndexStatus", "ACTIVE") != "ACTIVE" or gsi.get("Backfilling"):
            state = "BACKFILLING" if gsi.get("Backfilling") else gsi.get("IndexStatus")
            busy.append(f"GSI {gsi['IndexName']} {state}")
    if busy:
        raise TableUpdateInProgress(
            f"{name} is being updated ({', '.join(busy)})",
            "DynamoDB runs one table update at a time; wait until the table and all its indexes "
            "are ACTIVE (the Settings tab follows it), then try again",
            code="TableBusy",
        )


def existing_keys(desc: Mapping[str, Any]) -> list[tuple[KeySpec, str]]:
    """Every key attribute of a described table and its indexes, typed from its
    AttributeDefinitions, with where it is used (for `definitions`)."""
    types = {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}
    indexes = (*desc.get("GlobalSecondaryIndexes", []), *desc.get("LocalSecondaryIndexes", []))
    keys: list[tuple[KeySpec, str]] = []
    for where, raw in [("the table", desc), *((f"index {i['IndexName']}", i) for i in indexes)]:
        for attr in [k["AttributeName"] for k in raw.get("KeySchema", [])]:
            if attr not in types:
                raise AttributeDefinitionError(
                    f"No type known for {attr} ({where})",
                    "DescribeTable did not define it; refresh and try again",
                )
            keys.append((KeySpec(attr, cast(KeyType, types[attr])), where))
    return keys
