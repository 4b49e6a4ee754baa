"""Where an export writes: through a symlink to its target, straight into a pipe, never a
replacement of the path's own node. Against the moto server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import boto3

from ddbconsole.services import Services
from ddbconsole.services.transfer import partial_path
from tests.services.test_transfer import make_table


async def _table(services: Services, url: str, n: int = 30) -> str:
    name = make_table(url)
    client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    for i in range(n):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i:02d}"}})
    return name


async def test_a_symlink_is_written_through_to_its_target(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    info = await services.tables.describe(await _table(services, moto_url))
    real = tmp_path / "data" / "real.jsonl"
    real.parent.mkdir()
    real.write_text("the previous export\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    result = await services.transfer.export(info, link)
    assert link.is_symlink() and link.resolve() == real
    assert len(real.read_text().splitlines()) == 30
    assert result.path == real
    assert not partial_path(real).exists() and not partial_path(link).exists()

    # A link to a file that does not exist yet: the file is created where the link points.
    fresh = tmp_path / "data" / "fresh.csv"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(fresh)
    await services.transfer.export(info, dangling, fmt="csv")
    assert dangling.is_symlink()
    assert fresh.read_text().splitlines()[0] == "pk:S"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["fresh.csv", "real.jsonl"]


async def test_a_named_pipe_is_written_directly(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    info = await services.tables.describe(await _table(services, moto_url))
    for fmt in ("jsonl", "csv"):
        fifo = tmp_path / f"pipe-{fmt}"
        os.mkfifo(fifo)
        received: list[str] = []

        def read(path: Path = fifo, into: list[str] = received) -> None:
            with open(path, encoding="utf-8") as reader:
                into.append(reader.read())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        result = await services.transfer.export(info, fifo, fmt=fmt)
        reader.join(timeout=10)
        lines = received[0].splitlines()
        assert result.items == 30
        if fmt == "csv":
            assert lines.pop(0) == "pk:S"
        assert len(lines) == 30
        assert fifo.is_fifo()  # still the pipe, not a regular file put in its place
        assert not partial_path(fifo).exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
