"""backup, restore-pitr, s3-export and s3-import through the real `ddbconsole` console script,
against the moto server (run with the worktree first on PYTHONPATH: see `ddb` below)."""

from __future__ import annotations

import gzip
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from tests.helpers import create_pk_table
from tests.services.test_backups import all_items, tricky_items
from tests.unit.test_cli_items import ddb as run_cli


def ddb(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script, running this checkout (see tests/unit/test_cli_items.py)."""
    return run_cli(url, *args)


@pytest.fixture
def client(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


def new_table(client: Any) -> str:
    name = f"clibk-{uuid.uuid4().hex[:8]}"
    create_pk_table(client, name)
    for item in tricky_items():
        client.put_item(TableName=name, Item=item)
    return name


def test_backup_create_list_restore_delete(moto_url: str, client: Any) -> None:
    table = new_table(client)
    made = ddb(moto_url, "backup", "create", table)
    assert made.returncode == 0, made.stderr
    arn = made.stdout.strip()
    assert arn.startswith("arn:aws:dynamodb:") and f"table/{table}/backup/" in arn
    listed = ddb(moto_url, "backup", "list", table, "--output", "json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["arn"] == arn and entry["name"].startswith(f"{table}-")
    client.delete_item(TableName=table, Key={"pk": {"S": "fidelity"}})
    restored = ddb(moto_url, "backup", "restore", arn, "--to-table", f"{table}-r", "--wait")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.split() == [f"{table}-r", "ACTIVE"]
    assert len(all_items(client, f"{table}-r")) == len(tricky_items())
    again = ddb(moto_url, "backup", "restore", arn, "--to-table", table)
    assert again.returncode == 2 and "already exists" in again.stderr
    deleted = ddb(moto_url, "backup", "delete", arn)
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(ddb(moto_url, "backup", "list", table, "--output", "json").stdout) == []


def test_restore_pitr_needs_pitr_then_restores_latest(moto_url: str, client: Any) -> None:
    table = new_table(client)
    off = ddb(moto_url, "restore-pitr", table, "--to-table", f"{table}-p")
    assert off.returncode == 2 and "Point-in-time recovery is off" in off.stderr
    client.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    bad = ddb(moto_url, "restore-pitr", table, "--to-table", f"{table}-p", "--time", "yesterday")
    assert bad.returncode == 2 and "Invalid --time" in bad.stderr
    done = ddb(moto_url, "restore-pitr", table, "--to-table", f"{table}-p", "--latest", "--wait")
    assert done.returncode == 0, done.stderr
    assert all_items(client, f"{table}-p") == all_items(client, table)


def test_s3_export_start_wait_download_and_import(
    moto_url: str, client: Any, tmp_path: Path
) -> None:
    table = new_table(client)
    client.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    bucket = f"cli-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    started = ddb(
        moto_url, "s3-export", "start", table, "--bucket", bucket, "--wait", "--output", "json"
    )
    assert started.returncode == 0, started.stderr
    export = json.loads(started.stdout)
    assert export["status"] == "COMPLETED" and export["item_count"] == len(tricky_items())
    listed = ddb(moto_url, "s3-export", "list", table)
    assert export["arn"] in listed.stdout
    out = tmp_path / "dl.json"
    got = ddb(moto_url, "s3-export", "download", export["arn"], "-o", str(out),
              "--format", "dynamodb-json")  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert f"downloaded {len(tricky_items())} items" in got.stderr
    # ... uploaded as it is, gzipped, and imported by ImportTable
    s3.put_object(Bucket=bucket, Key="again/0.json.gz", Body=gzip.compress(out.read_bytes()))
    imported = ddb(moto_url, "s3-import", "start", "--bucket", bucket, "--prefix", "again/",
                   "--table", f"{table}-i", "--pk", "pk:S", "--compression", "GZIP", "--wait")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split("\t")[:3] == [f"{table}-i", "COMPLETED", str(len(tricky_items()))]
    assert all_items(client, f"{table}-i") == all_items(client, table)
    assert f"{table}-i" in ddb(moto_url, "s3-import", "list").stdout
    nobucket = ddb(moto_url, "s3-export", "start", table, "--bucket", "no-such-bkt-zz")
    assert nobucket.returncode == 2 and "does not exist" in nobucket.stderr


def test_writes_exit_3_in_read_only_mode(moto_server: MotoProcess, client: Any) -> None:
    moto_server.reset_requests()
    for args in (
        ("backup", "create", "Users"),
        ("backup", "delete", "arn:aws:dynamodb:us-east-1:123456789012:table/Users/backup/x"),
        ("restore-pitr", "Users", "--to-table", "Users-x"),
        ("s3-export", "start", "Users", "--bucket", "b"),
        ("s3-import", "start", "--bucket", "b", "--table", "T-x", "--pk", "id"),
    ):
        done = ddb(moto_server.url, "--read-only", *args)
        assert done.returncode == 3, (args, done.stderr)
        assert "Read-only mode" in done.stderr
    assert moto_server.requests() == []
    assert ddb(moto_server.url, "--read-only", "backup", "list", "Users").returncode == 0
