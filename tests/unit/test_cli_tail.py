"""`ddbconsole tail` through the real command line, against the moto server: records in order with
exact images, filters, following (a write shows within 2 seconds), Ctrl-C and a closed stdout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ddbconsole import codec
from tests.streams_helpers import client, stream_table

ROOT = Path(__file__).parents[2]
BIG = "12345678901234567890123456789012345678"


def _argv(url: str, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ddbconsole",
        "--endpoint-url",
        url,
        "--region",
        "us-east-1",
        *args,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_argv(url, *args), capture_output=True, text=True, timeout=60, env=_env())


def _writes(url: str, table: str) -> dict[str, Any]:
    ddb = client("dynamodb", url)
    item = {"pk": {"S": "a"}, "n": {"N": BIG}, "b": {"B": b"\x00\xff"}, "s": {"SS": ["x"]}}
    ddb.put_item(TableName=table, Item=item)
    ddb.update_item(
        TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET m = :m",
        ExpressionAttributeValues={":m": {"M": {"deep": {"L": [{"N": "0.5"}]}}}},
    )  # fmt: skip
    ddb.put_item(TableName=table, Item={"pk": {"S": "other"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    return item


def _image(line: str, field: str) -> Any:
    """One image of a jsonl line, read back losslessly with the editor's codec."""
    value = json.loads(line)[field]
    return None if value is None else codec.loads(json.dumps(value))


def test_tail_from_start_prints_every_record_losslessly(moto_url: str) -> None:
    table = stream_table(moto_url)
    item = _writes(moto_url, table)
    done = run(moto_url, "tail", table, "--from-start")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["INSERT", "MODIFY", "INSERT", "REMOVE"]
    # Numbers keep every digit (json.loads would make a float of them): read with the codec.
    assert f'"n":{BIG}' in lines[0]
    assert _image(lines[0], "new") == item and _image(lines[0], "old") is None
    assert _image(lines[1], "old") == item
    assert _image(lines[1], "new") == {**item, "m": {"M": {"deep": {"L": [{"N": "0.5"}]}}}}
    assert _image(lines[3], "new") is None

    ddb_json = run(moto_url, "tail", table, "--from-start", "--output", "dynamodb-json")
    first = json.loads(ddb_json.stdout.splitlines()[0])
    assert first["new"]["n"] == {"N": BIG} and first["new"]["b"] == {"B": "AP8="}


def test_filters_and_text_output(moto_url: str) -> None:
    table = stream_table(moto_url)
    _writes(moto_url, table)
    events = run(moto_url, "tail", table, "--from-start", "--event", "REMOVE,MODIFY")
    assert [json.loads(x)["event"] for x in events.stdout.splitlines()] == ["MODIFY", "REMOVE"]
    key = run(moto_url, "tail", table, "--from-start", "--key", '{"pk": "other"}')
    assert [json.loads(x)["keys"] for x in key.stdout.splitlines()] == [{"pk": "other"}]
    changed = run(moto_url, "tail", table, "--from-start", "--attribute", "m")
    # The MODIFY that set m, and the REMOVE of the item holding it (the INSERT had no m).
    assert [json.loads(x)["event"] for x in changed.stdout.splitlines()] == ["MODIFY", "REMOVE"]
    text = run(moto_url, "tail", table, "--from-start", "--output", "text", "--event", "MODIFY")
    assert '+m={"deep":[0.5]}' in text.stdout and "MODIFY" in text.stdout


def test_errors_are_one_line(moto_url: str) -> None:
    no_stream = stream_table(moto_url, None)
    done = run(moto_url, "tail", no_stream)
    assert (
        done.returncode == 1 and "has no stream" in done.stderr and "Traceback" not in done.stderr
    )
    table = stream_table(moto_url)
    bad = run(moto_url, "tail", table, "--since", "soon")
    assert bad.returncode == 2 and "Invalid duration" in bad.stderr
    bad_key = run(moto_url, "tail", table, "--key", '{"nope": 1}')
    assert bad_key.returncode == 2 and "not a key attribute" in bad_key.stderr
    keys_only = stream_table(moto_url, "KEYS_ONLY")
    client("dynamodb", moto_url).put_item(
        TableName=keys_only, Item={"pk": {"S": "k"}, "v": {"N": "1"}}
    )
    lacking = run(moto_url, "--read-only", "tail", keys_only, "--from-start")
    assert lacking.returncode == 0 and "only the keys" in lacking.stderr
    assert json.loads(lacking.stdout)["keys"] == {"pk": "k"}


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    import select

    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"no line within {timeout}s"
    return proc.stdout.readline()


def test_follow_shows_another_clients_writes_within_two_seconds(moto_url: str) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "start"}})
    proc = subprocess.Popen(
        _argv(moto_url, "tail", table, "--since", "5m", "--follow"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        assert json.loads(_readline(proc, 20))["keys"] == {"pk": "start"}  # the tail is running
        for n, write in enumerate(
            [
                lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "x"}, "v": {"N": BIG}}),
                lambda: ddb.update_item(
                    TableName=table,
                    Key={"pk": {"S": "x"}},
                    UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}},
                ),
                lambda: ddb.delete_item(TableName=table, Key={"pk": {"S": "x"}}),
            ]
        ):
            time.sleep(0.3 * n)
            written = time.monotonic()
            write()
            line = _readline(proc, 5)
            assert time.monotonic() - written < 2.0
            assert json.loads(line)["event"] == ["INSERT", "MODIFY", "REMOVE"][n]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        assert proc.returncode == 130
        assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


def test_closed_stdout_ends_quietly(moto_url: str) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    pipeline = subprocess.run(
        ["sh", "-c", '"$@" | head -n 1', "sh", *_argv(moto_url, "tail", table, "--from-start")],
        capture_output=True, text=True, timeout=60, env=_env(),
    )  # fmt: skip
    assert pipeline.returncode == 0 and json.loads(pipeline.stdout)["keys"] == {"pk": "a"}
    # Following: the reader goes away, the next record ends the tail quietly with 141.
    proc = subprocess.Popen(
        _argv(moto_url, "tail", table, "--from-start", "--follow"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        _readline(proc, 20)
        assert proc.stdout is not None
        proc.stdout.close()
        for n in range(3):
            ddb.put_item(TableName=table, Item={"pk": {"S": f"after-{n}"}})
        proc.wait(timeout=15)
        assert proc.returncode == 141
        assert proc.stderr is not None and proc.stderr.read() == ""
    finally:
        proc.kill()
        proc.wait()
