"""Undo of PartiQL writes and of imports, against moto: the pre-image read before the write (a
consistent SELECT with the statement's own WHERE clause; a BatchGetItem before each import batch),
undo that restores it only where the item is still what the console wrote, statements whose item
cannot be known journalled as "not undoable", the bounded import journal, and the requests that
reached the server equal to the Plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ddbconsole import codec
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ItemConflict, UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.services import Services, journal_bulk
from ddbconsole.services.journal_bulk import BulkUndoResult
from ddbconsole.services.partiql_undo import target
from tests.plans_helpers import reached_bodies
from tests.services.test_undo import _raw, _raw_of
from tests.streams_helpers import client, stream_table

WRITES = {"PutItem", "DeleteItem", "BatchWriteItem", "ExecuteStatement"}


async def _table(services: Services, url: str, *, sort: bool = False) -> TableInfo:
    return await services.tables.describe(stream_table(url, None, sort=sort))


def _put(url: str, table: str, item: dict[str, Any]) -> None:
    client("dynamodb", url).put_item(TableName=table, Item=item)


# --- which item a statement writes ---------------------------------------------------------------


def test_the_target_of_a_statement_is_parsed_or_refused_with_a_reason() -> None:
    update = target(
        "UPDATE \"T\" SET a = ?, b = 'it''s' WHERE pk = ? AND \"sk\" = 1 RETURNING ALL NEW *",
        [{"S": "new"}, {"S": "key"}],
    )
    assert update.table == "T" and update.where == 'pk = ? AND "sk" = 1'
    assert update.where_parameters == ({"S": "key"},)  # the SET clause's ? comes first
    assert update.missing_key(["pk", "sk"]) == ""
    assert update.select() == ('SELECT * FROM "T" WHERE pk = ? AND "sk" = 1', [{"S": "key"}])
    insert = target(
        "INSERT INTO T VALUE {'pk': 'a', 'm': {'x': ?}, 'sk': ?, 'n': 1e3}",
        [{"S": "m"}, {"N": "5"}],
    )
    assert dict(insert.values) == {"pk": {"S": "a"}, "sk": {"N": "5"}, "n": {"N": "1e3"}}
    assert insert.missing_key(["pk", "sk"]) == ""
    reasons = {
        "UPDATE T SET a = 1": "no WHERE clause",
        "DELETE FROM T WHERE pk = 'a' OR pk = 'b'": "an OR",
        "DELETE FROM T WHERE m.pk = 'a'": "does not compare pk",
        "DELETE FROM T WHERE begins_with(pk, 'a')": "does not compare pk",
        "INSERT INTO T VALUE {'pk': 'a' || 'b'}": "cannot tell which item",
        "INSERT INTO T VALUE {'pk': {'x': 1}}": "does not give pk",
        "EXISTS(SELECT * FROM T WHERE pk = 'a')": "cannot tell which item",
        "UPDATE T SET a = ? WHERE pk = ?": "more ? than parameters",
    }
    for statement, reason in reasons.items():
        params = [{"S": "x"}] if "?" in statement else []
        assert reason in target(statement, params).missing_key(["pk"]), statement


# --- PartiQL writes --------------------------------------------------------------------------------


async def test_undo_of_partiql_update_delete_and_insert(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    name = table.name
    item = {"pk": {"S": "q"}, "n": {"N": "99999999999999999999999999999999999999"}, "s": {"S": "a"}}
    _put(moto_url, name, item)
    statement = f'UPDATE "{name}" SET s = ? WHERE pk = ?'
    plan = services.items.plan_statement(statement, [{"S": "b"}, {"S": "q"}], remember=False)
    assert any(n.startswith("Undo (u)") for n in plan.notes)
    moto_server.reset_requests()
    await services.execute(plan)
    sent = [(op, body) for op, body in reached_bodies(moto_server, {"ExecuteStatement"})]
    assert sent[0][1]["Statement"] == f'SELECT * FROM "{name}" WHERE pk = ?'  # read first
    assert sent[0][1]["ConsistentRead"] is True and sent[0][1]["Parameters"] == [{"S": "q"}]
    assert sent[1][1] == plan[0].params  # the write, exactly as planned
    entry = services.journal.last()
    assert entry is not None and entry.operation == "ExecuteStatement" and not entry.blocked
    assert entry.key == {"pk": {"S": "q"}} and entry.before == item
    assert entry.after == {**item, "s": {"S": "b"}}
    await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert _raw(moto_url, name, "q") == item

    # DELETE: the undo puts the item back as it was.
    await services.execute(
        services.items.plan_statement(f"DELETE FROM \"{name}\" WHERE pk = 'q'", remember=False)
    )
    assert _raw(moto_url, name, "q") is None
    entry = services.journal.last()
    assert entry is not None and entry.before == item and entry.after is None
    await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert _raw(moto_url, name, "q") == item

    # INSERT: the item was absent; the undo deletes it (conditional on it being as inserted).
    await services.execute(
        services.items.plan_statement(
            f"INSERT INTO \"{name}\" VALUE {{'pk': 'ins', 'v': 1}}", remember=False
        )
    )
    entry = services.journal.last()
    assert entry is not None and entry.before is None
    assert entry.after == {"pk": {"S": "ins"}, "v": {"N": "1"}}
    await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert _raw(moto_url, name, "ins") is None


async def test_undo_of_a_partiql_write_is_refused_when_someone_changed_the_item(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url)
    _put(moto_url, table.name, {"pk": {"S": "c"}, "s": {"S": "a"}})
    await services.execute(
        services.items.plan_statement(
            f"UPDATE \"{table.name}\" SET s = 'mine' WHERE pk = 'c'", remember=False
        )
    )
    theirs = {"pk": {"S": "c"}, "s": {"S": "theirs"}}
    _put(moto_url, table.name, theirs)
    entry = services.journal.last()
    assert entry is not None
    moto_server.reset_requests()
    with pytest.raises(ItemConflict) as err:
        await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert err.value.current == theirs
    assert reached_bodies(moto_server, WRITES) == []
    assert _raw(moto_url, table.name, "c") == theirs


async def test_a_partiql_write_whose_item_is_unknown_is_journalled_as_not_undoable(
    services: Services, moto_url: str, moto_server: MotoProcess
) -> None:
    table = await _table(services, moto_url, sort=True)
    _put(moto_url, table.name, {"pk": {"S": "p"}, "sk": {"S": "1"}})
    statement = f"UPDATE \"{table.name}\" SET s = 'x' WHERE pk = 'p' AND sk > '0'"
    plan = services.items.plan_statement(statement, remember=False)
    moto_server.reset_requests()
    await services.execute(plan)
    # No scan to guess the item: the WHERE clause does not pin sk, so nothing is read first.
    assert [op for op, _ in reached_bodies(moto_server, {"ExecuteStatement"})] == [
        "ExecuteStatement"
    ]
    entry = services.journal.last()
    assert entry is not None and "does not compare sk with =" in entry.blocked
    assert "not undoable" in entry.summary
    with pytest.raises(UserInputError, match="cannot be undone"):
        services.journal.plan_undo(services.items, table, entry)
    # A statement with no WHERE clause says so already in its confirmation.
    plan = services.items.plan_statement(f'DELETE FROM "{table.name}"', remember=False)
    assert "Not undoable: the statement has no WHERE clause" in plan.notes


# --- imports -------------------------------------------------------------------------------------


def _lines(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(codec.dumps(i, indent=None) + "\n" for i in items), encoding="utf-8")
    return path


def _i(pk: str, v: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "v": {"S": v}, "ns": {"NS": ["1", "0.5"]}, "b": {"B": b"\x00\xff"}}


async def _import(services: Services, table: TableInfo, path: Path, **options: Any) -> Any:
    plan = await services.transfer.plan_import(table, path, **options)
    return plan, await services.execute(plan)


async def test_undo_of_an_import_restores_what_it_overwrote_and_deletes_what_it_created(
    services: Services, moto_url: str, moto_server: MotoProcess, tmp_path: Path
) -> None:
    table = await _table(services, moto_url)
    name = table.name
    for pk in ("a0", "a1", "a2"):
        _put(moto_url, name, _i(pk, "orig"))
    rows = [_i("a0", "imp"), _i("a1", "imp1"), _i("n0", "imp"), _i("a1", "imp2")]
    rows += [_i("n1", "imp"), _i("a2", "imp"), _i("n2", "imp")]
    moto_server.reset_requests()
    plan, result = await _import(
        services, table, _lines(tmp_path / "in.jsonl", rows), undo=True, concurrency=2
    )
    assert result.written == 7 and any(n.startswith("Undo (u)") for n in plan.notes)
    ops = [r["operation"] for r in moto_server.requests()]
    assert ops.index("BatchGetItem") < ops.index("BatchWriteItem")  # read before the batch
    entry = services.journal.last()
    assert entry is not None and entry.bulk is not None
    changes = {c[0]["pk"]["S"]: (c[1], c[2]) for c in entry.bulk.changes.values()}
    assert set(changes) == {"a0", "a1", "a2", "n0", "n1", "n2"}
    assert changes["a1"] == (_i("a1", "orig"), _i("a1", "imp2"))  # first before, last after
    assert changes["n0"] == (None, _i("n0", "imp"))

    # Someone changes two items after the import: the undo leaves them and says so.
    _put(moto_url, name, _i("n1", "theirs"))
    _put(moto_url, name, _i("a2", "theirs"))
    undo = services.journal.plan_undo(services.items, table, entry)
    moto_server.reset_requests()
    done: BulkUndoResult = await services.execute(undo)
    assert (done.restored, done.unchanged) == (4, 0)
    assert {k["pk"]["S"]: c for k, c in done.conflicts} == {
        "n1": _i("n1", "theirs"),
        "a2": _i("a2", "theirs"),
    }
    for pk in ("a0", "a1"):
        assert _raw(moto_url, name, pk) == _raw_of(_i(pk, "orig"))
    for pk in ("n0", "n2"):
        assert _raw(moto_url, name, pk) is None
    assert _raw(moto_url, name, "n1") == _raw_of(_i("n1", "theirs"))
    assert _raw(moto_url, name, "a2") == _raw_of(_i("a2", "theirs"))
    writes = reached_bodies(moto_server, WRITES)
    assert len(writes) == 4 and all("ConditionExpression" in body for _, body in writes)
    assert json.dumps(undo[0].params, sort_keys=True, default=str) in {
        json.dumps(_decoded(body), sort_keys=True, default=str) for _, body in writes
    }  # the request shown is one that was sent
    # The conflicted items stay in the entry; once they are back as imported, u finishes.
    assert entry.id not in services.journal.undone and len(entry.bulk.changes) == 2
    _put(moto_url, name, _i("n1", "imp"))
    _put(moto_url, name, _i("a2", "imp"))
    again = await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert (again.restored, again.conflicts) == (2, ())
    assert _raw(moto_url, name, "a2") == _raw_of(_i("a2", "orig"))
    assert entry.id in services.journal.undone


def _decoded(body: dict[str, Any]) -> dict[str, Any]:
    from tests.services.test_undo import _from_wire

    return _from_wire("", body)


async def test_the_import_journal_is_bounded_and_says_what_undo_covers(
    services: Services, moto_url: str, moto_server: MotoProcess, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    table = await _table(services, moto_url)
    rows = [_i(f"k{n:03d}", "imp") for n in range(60)]
    # Room for the images of 20 items (the import creates them: no before images).
    monkeypatch.setattr(journal_bulk, "KEEP_BYTES", 20 * journal_bulk.codec.item_size(rows[0]))
    moto_server.reset_requests()
    await _import(services, table, _lines(tmp_path / "big.jsonl", rows), undo=True, concurrency=1)
    entry = services.journal.last()
    assert entry is not None and entry.bulk is not None
    assert len(entry.bulk.changes) == 20
    assert "journal full: undo covers the first 20 items of 60 written" in entry.summary
    # Once full (during the first batch), nothing more is read for undo: the first 25 keys only.
    gets = reached_bodies(moto_server, {"BatchGetItem"})
    assert sum(len(b["RequestItems"][table.name]["Keys"]) for _, b in gets) == 25
    done = await services.execute(services.journal.plan_undo(services.items, table, entry))
    assert done.restored == 20
    assert _raw(moto_url, table.name, "k000") is None
    assert _raw(moto_url, table.name, "k059") == _raw_of(rows[59])  # not covered: left


async def test_an_import_without_undo_reads_nothing_first(
    services: Services, moto_url: str, moto_server: MotoProcess, tmp_path: Path
) -> None:
    table = await _table(services, moto_url)
    moto_server.reset_requests()
    await services.transfer.import_file(table, _lines(tmp_path / "x.jsonl", [_i("z", "1")]))
    assert "BatchGetItem" not in [r["operation"] for r in moto_server.requests()]
    entry = services.journal.last()
    assert entry is None or entry.bulk is None


def test_an_import_entry_is_written_to_the_journal_file_item_by_item(tmp_path: Path) -> None:
    from ddbconsole.services.journal import Journal
    from ddbconsole.services.journal_bulk import BulkImages, canonical

    journal = Journal(tmp_path / "undo.jsonl")
    bulk = BulkImages()
    entry = journal.record("T", {}, None, None, "Import in.jsonl", bulk=bulk)
    key = {"pk": {"S": "a"}}
    bulk.add(key, _i("a", "new"), {canonical(key): _i("a", "old")}, {canonical(key)})
    bulk.add({"pk": {"S": "b"}}, _i("b", "new"), {}, set())  # its pre-image was not read
    bulk.write_pending()  # the importer does this after each batch, in a thread
    lines = [json.loads(line) for line in (tmp_path / "undo.jsonl").read_text().splitlines()]
    assert lines[0]["id"] == entry.id and lines[0]["operation"] == "Import in.jsonl"
    assert lines[1]["entry"] == entry.id and lines[1]["before"]["v"] == {"S": "old"}
    assert len(lines) == 2  # b is not covered: nothing to keep
    assert entry.summary.endswith("1 items; 1 not covered (their pre-image could not be read)")
    assert (tmp_path / "undo.jsonl").stat().st_mode & 0o777 == 0o600
