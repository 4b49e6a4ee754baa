"""export/import through the real `ddbconsole` console script, against the moto server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3

from ddbconsole.demo.server import MotoProcess
from tests.services.test_transfer import FIDELITY, canonical_lines, make_table, plain_lines
from tests.unit.test_cli_items import ddb


def test_export_import_round_trip(moto_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([FIDELITY, *plain_lines(120)]) + "\n", encoding="utf-8")
    first, second = make_table(moto_url), make_table(moto_url)
    done = ddb(moto_url, "import", first, str(source))
    assert done.returncode == 0, done.stderr
    assert "imported 121 of 121" in done.stderr and "holds 121 items" in done.stderr
    out = tmp_path / "out.csv"
    exported = ddb(moto_url, "export", first, "-o", str(out), "--format", "csv", "--segments", "2")
    assert exported.returncode == 0, exported.stderr
    back = ddb(moto_url, "import", second, str(out), "--format", "csv", "--concurrency", "3")
    assert back.returncode == 0, back.stderr
    final = tmp_path / "final.jsonl"
    assert ddb(moto_url, "export", second, "-o", str(final)).returncode == 0
    assert canonical_lines(final) == canonical_lines(source)


def test_import_failures_exit_1(moto_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"pk": "a"}\n{"pk": 1}\n', encoding="utf-8")
    failures = tmp_path / "f.jsonl"
    done = ddb(moto_url, "import", make_table(moto_url), str(source), "--failures", str(failures))
    assert done.returncode == 1
    assert [json.loads(x)["record"] for x in failures.read_text().splitlines()] == [2]


def test_query_export(moto_url: str, tmp_path: Path) -> None:
    out = tmp_path / "q.jsonl"
    done = ddb(moto_url, "export", "Orders", "-o", str(out), "--pk", "USER#user-0001")
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()  # the seed's partition keys are USER#user-NNNN
    assert lines and all('"USER#user-0001"' in line for line in lines)


def test_import_read_only_exit_3(moto_server: MotoProcess, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"UserId": "x"}\n', encoding="utf-8")
    moto_server.reset_requests()
    done = ddb(moto_server.url, "--read-only", "import", "Users", str(source))
    assert done.returncode == 3, done.stderr
    assert moto_server.requests() == []


def test_export_to_standard_output(moto_url: str, tmp_path: Path) -> None:
    """`-o -` is standard output, as for Unix tools: no file named '-' appears."""
    import subprocess

    work = tmp_path / "work"
    work.mkdir()
    for target in ("-", "/dev/fd/1"):
        command = ["ddbconsole", "--endpoint-url", moto_url, "--region", "us-east-1"]
        done = subprocess.run(
            [*command, "export", "Orders", "-o", target, "--pk", "USER#user-0001"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=work,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines and all('"USER#user-0001"' in line for line in lines)
        assert "exported" in done.stderr  # the summary goes to stderr, the items to stdout
    assert list(work.iterdir()) == []


def test_a_rate_that_would_take_days_is_refused(moto_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(plain_lines(10)) + "\n", encoding="utf-8")
    name = make_table(moto_url)
    started = time.monotonic()
    done = ddb(moto_url, "import", name, str(source), "--rate", "1e-300")
    assert done.returncode == 2
    assert "Rate too low" in done.stderr and "give at least 0.001" in done.stderr
    assert time.monotonic() - started < 30
    # Nothing was written, and a sane rate then imports the file.
    table = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    assert table.scan(TableName=name, Select="COUNT")["Count"] == 0
    assert ddb(moto_url, "import", name, str(source), "--rate", "0.5").returncode == 0


def test_local_flag_exports_below_the_threshold(moto_url: str, tmp_path: Path) -> None:
    """moto reports TableSizeBytes 0, so the advice itself is tested in tests/services
    (test_s3jobs.py); here --local is accepted and changes nothing below the threshold."""
    out = tmp_path / "small.jsonl"
    done = ddb(moto_url, "export", "Users", "-o", str(out), "--local")
    assert done.returncode == 0, done.stderr
    assert out.read_text().count("\n") > 0
