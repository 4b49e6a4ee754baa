"""Undo of the console's own writes and restore of an earlier image, against moto: the journal's
pre-images, conditional writes that bring items back byte-identical, refusal (both versions) when
someone changed the item meanwhile, read-only refusal before any request, the journal file (0600,
only when asked for), and the requests that reached the server equal to the Plans."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from ddbconsole.config import Profile, Settings
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ItemConflict, ReadOnlyViolation
from ddbconsole.models import TableInfo
from ddbconsole.services import Services
from ddbconsole.services.plans import execute
from ddbconsole.services.restore import plan_write_image
from tests.conftest import FAST_RETRIES
from tests.plans_helpers import reached_bodies
from tests.streams_helpers import client, stream_table

BIG = "99999999999999999999999999999999999999"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _item(pk: str, **extra: Any) -> dict[str, Any]:
    return {
        "pk": {"S": pk},
        "n": {"N": BIG},
        "tiny": {"N": "1E-130"},
        "ss": {"SS": ["b", "a"]},
        "ns": {"NS": ["1", "0.5"]},
        "bs": {"BS": [b"\x00", b"\xff"]},
        "b": {"B": b"\x00\x01\xfe"},
        "m": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": True}, {"S": ""}]}}},
        **extra,
    }


def _raw(url: str, table: str, pk: str) -> dict[str, Any] | None:
    """The item as another client reads it (boto3: binary as Binary, numbers as strings)."""
    got = client("dynamodb", url).get_item(
        TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True
    )
    item = got.get("Item")
    if item is None:
        return None
    return {k: _plain(v) for k, v in item.items()}


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    ((tag, raw),) = value.items()
    if tag == "B":
        return {"B": bytes(raw)}
    if tag == "BS":
        return {"BS": [bytes(b) for b in raw]}
    if tag == "M":
        return {"M": {k: _plain(v) for k, v in raw.items()}}
    if tag == "L":
        return {"L": [_plain(v) for v in raw]}
    return value


async def _table(services: Services, url: str) -> TableInfo:
    return await services.tables.describe(stream_table(url))


async def _undo(services: Services, server: MotoProcess, table: TableInfo) -> Any:
    entry = services.journal.last()
    assert entry is not None
    plan = services.journal.plan_undo(services.items, table, entry)
    server.reset_requests()
    result = await services.execute(plan)
    assert [(r.operation, r.params) for r in plan] == [
        (op, body) for op, body in _wire(server)
    ]  # what reached the server is exactly the plan
    return result


def _wire(server: MotoProcess) -> list[tuple[str, Any]]:
    """The writes that reached the server, binary decoded from the wire's base64."""
    return [(op, _from_wire(op, body)) for op, body in reached_bodies(server, WRITES)]


def _from_wire(op: str, body: dict[str, Any]) -> dict[str, Any]:
    import base64

    def value(v: dict[str, Any]) -> dict[str, Any]:
        ((tag, raw),) = v.items()
        if tag == "B":
            return {"B": base64.b64decode(raw)}
        if tag == "BS":
            return {"BS": [base64.b64decode(b) for b in raw]}
        if tag == "M":
            return {"M": {k: value(x) for k, x in raw.items()}}
        if tag == "L":
            return {"L": [value(x) for x in raw]}
        return v

    out = dict(body)
    for field in ("Item", "Key"):
        if field in out:
            out[field] = {k: value(v) for k, v in out[field].items()}
    if "ExpressionAttributeValues" in out:
        out["ExpressionAttributeValues"] = {
            k: value(v) for k, v in out["ExpressionAttributeValues"].items()
        }
    return out


async def test_undo_of_a_delete_brings_the_item_back_byte_identical(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    item = _item("d")
    await services.items.put_new(table, item)
    before = _raw(moto_url, table.name, "d")
    await services.items.delete_item(table.name, {"pk": {"S": "d"}}, expected=item)
    assert _raw(moto_url, table.name, "d") is None
    entry = services.journal.last()
    assert entry is not None and entry.operation == "DeleteItem" and entry.after is None
    await _undo(services, moto_server, table)
    assert _raw(moto_url, table.name, "d") == before
    # ...and undo again undoes the create: the item is gone, conditional on it being as created.
    await _undo(services, moto_server, table)
    assert _raw(moto_url, table.name, "d") is None
    assert services.journal.last() is None


async def test_undo_of_a_save_and_of_a_key_change(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    item = _item("s")
    await services.items.put_new(table, item)
    changed = {**item, "n": {"N": "1"}, "extra": {"S": "x"}}
    del changed["ss"]
    await services.items.save(table, item, changed)
    await _undo(services, moto_server, table)
    assert _raw(moto_url, table.name, "s") == _raw_of(item)
    moved = {**item, "pk": {"S": "s2"}}
    await services.items.save(table, item, moved)  # a key change: delete + put
    assert [e.operation for e in services.journal.pending()[:2]] == ["TransactWriteItems"] * 2
    await _undo(services, moto_server, table)  # the put of s2
    await _undo(services, moto_server, table)  # the delete of s
    assert _raw(moto_url, table.name, "s") == _raw_of(item)
    assert _raw(moto_url, table.name, "s2") is None


def _raw_of(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in item.items()}


async def test_undo_is_refused_with_both_versions_when_someone_changed_the_item(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    await services.items.put_new(table, _item("c"))
    await services.items.delete_item(table.name, {"pk": {"S": "c"}})
    # Someone creates it again meanwhile.
    theirs = {"pk": {"S": "c"}, "who": {"S": "them"}}
    client("dynamodb", moto_url).put_item(TableName=table.name, Item=theirs)
    entry = services.journal.last()
    assert entry is not None
    plan = services.journal.plan_undo(services.items, table, entry)
    moto_server.reset_requests()
    with pytest.raises(ItemConflict) as err:
        await services.execute(plan)
    assert err.value.current == theirs and err.value.attempted == entry.before
    assert reached_bodies(moto_server, WRITES) == []  # nothing written
    # An attribute someone added (the condition cannot see it) is caught by the read first.
    await services.items.save(table, theirs, {**theirs, "who": {"S": "me"}})
    client("dynamodb", moto_url).update_item(
        TableName=table.name, Key={"pk": {"S": "c"}}, UpdateExpression="SET added = :a",
        ExpressionAttributeValues={":a": {"N": "1"}},
    )  # fmt: skip
    entry = services.journal.last()
    assert entry is not None
    with pytest.raises(ItemConflict) as err:
        await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert err.value.current is not None and "added" in err.value.current
    # The operator chooses to overwrite the version shown: conditional on that version.
    await services.execute(
        services.journal.plan_undo(services.items, table, entry, over=err.value.current)
    )
    assert _raw(moto_url, table.name, "c") == theirs


async def test_undo_of_a_batch_delete_uses_the_items_read_before(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    for pk in ("b1", "b2", "b3"):
        await services.items.put_new(table, _item(pk))
    moto_server.reset_requests()
    plan = services.items.plan_batch_delete(
        table.name, [{"pk": {"S": p}} for p in ("b1", "b2", "b3")]
    )
    result = await execute(services.session, plan)
    assert result.ok
    ops = [r["operation"] for r in moto_server.requests()]
    assert ops.index("BatchGetItem") < ops.index("BatchWriteItem")  # the read before the batch
    entries = services.journal.pending()[:3]
    assert {e.key["pk"]["S"] for e in entries} == {"b1", "b2", "b3"}
    assert all(
        e.operation == "BatchWriteItem" and e.before == _item(e.key["pk"]["S"]) for e in entries
    )
    await _undo(services, moto_server, table)
    assert _raw(moto_url, table.name, "b3") == _raw_of(_item("b3"))


async def test_restore_from_the_stream_history(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table.name, Item={"pk": {"S": "h"}, "v": {"N": BIG}})
    ddb.put_item(TableName=table.name, Item={"pk": {"S": "h"}, "v": {"N": "2"}, "x": {"SS": ["a"]}})
    _, history = await services.streams.item_history(table.name, {"pk": {"S": "h"}})
    first, latest = history[0], history[-1]
    plan = plan_write_image(
        services.items, table, first.keys, first.new, latest.new, title="Restore?", done="ok"
    )
    # Someone changes it first: refused, both versions known, nothing written.
    ddb.update_item(
        TableName=table.name, Key={"pk": {"S": "h"}}, UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "3"}},
    )  # fmt: skip
    moto_server.reset_requests()
    with pytest.raises(ItemConflict) as err:
        await services.execute(plan)
    assert err.value.current is not None and err.value.current["v"] == {"N": "3"}
    assert err.value.attempted == first.new
    assert reached_bodies(moto_server, WRITES) == []
    # Against the latest image, the restore goes through and is itself undoable.
    _, history = await services.streams.item_history(table.name, {"pk": {"S": "h"}})
    plan = plan_write_image(
        services.items, table, first.keys, first.new, history[-1].new, title="Restore?", done="ok"
    )
    moto_server.reset_requests()
    await services.execute(plan)
    assert reached_bodies(moto_server, WRITES) == [("PutItem", _json(plan[0].params))]
    assert _raw(moto_url, table.name, "h") == {"pk": {"S": "h"}, "v": {"N": BIG}}
    entry = services.journal.last()
    assert entry is not None and entry.after == first.new


def _json(params: dict[str, Any]) -> Any:
    import json

    from ddbconsole.services.oplog import json_default

    return json.loads(json.dumps(params, default=json_default))


async def test_read_only_refuses_undo_before_any_request(
    moto_url: str, ro_services: Services, moto_server: MotoProcess
) -> None:
    from ddbconsole.services.journal import Journal

    table = await ro_services.tables.describe(stream_table(moto_url))
    journal = Journal()
    entry = journal.record(table.name, {"pk": {"S": "r"}}, None, {"pk": {"S": "r"}}, "PutItem")
    plan = journal.plan_undo(ro_services.items, table, entry)
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await ro_services.execute(plan)
    assert [r["operation"] for r in moto_server.requests()] == []


async def test_journal_file_only_when_asked_and_private(moto_url: str, isolated_env: Path) -> None:
    profile = Profile(name="test", region="us-east-1", endpoint_url=moto_url)
    for wanted in (False, True):
        settings = Settings(profiles={"test": profile}, profile=profile, undo_journal_file=wanted)
        async with Services(settings, retries=FAST_RETRIES) as svc:
            table = await svc.tables.describe(stream_table(moto_url))
            await svc.items.put_new(table, {"pk": {"S": "secret-value-42"}})
            svc.oplog.flush()
        path = isolated_env / ".local" / "state" / "ddbconsole" / "undo-journal.jsonl"
        assert path.exists() == wanted
        oplog = isolated_env / ".local" / "state" / "ddbconsole" / "operations.jsonl"
        assert "secret-value-42" not in oplog.read_text()  # the op log holds no item contents
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secret-value-42" in path.read_text()
