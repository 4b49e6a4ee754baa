"""The S3 jobs screen pages through ListExports and ListImports on demand: the first page (25) of
each at first, the next pages with `m` or when the cursor reaches the last row, until every job in
moto is shown (the demo's stand-in pages ListExports as DynamoDB does, by MaxResults)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3

from ddbconsole.demo.server import MotoProcess
from ddbconsole.models import ExportInfo
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.backups.jobs_screen import JobsScreen
from tests.helpers import create_pk_table, static_text, wait_for
from tests.ui.test_tables_admin import SIZE, main


def all_export_arns(ddb: Any) -> set[str]:
    arns: set[str] = set()
    params: dict[str, Any] = {"MaxResults": 25}
    while True:
        page = ddb.list_exports(**params)
        arns.update(s["ExportArn"] for s in page["ExportSummaries"])
        if not page.get("NextToken"):
            return arns
        params["NextToken"] = page["NextToken"]


def list_operations(server: MotoProcess) -> list[str]:
    ops = ("ListExports", "ListImports")
    return [r["operation"] for r in server.requests() if r["operation"] in ops]


def many_exports(url: str, count: int) -> list[str]:
    """`count` exports of a new table (PITR on), in the order started; their ARNs."""
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    table = f"uijobs-{uuid.uuid4().hex[:8]}"
    create_pk_table(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}})
    ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    bucket = f"uijobs-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    return [
        ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket=bucket, S3Prefix=f"p{n}")[
            "ExportDescription"
        ]["ExportArn"]
        for n in range(count)
    ]


async def test_a_job_just_started_shows_even_beyond_the_first_page(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess
) -> None:
    """The stand-in lists the oldest first: the newest export is on the last page, yet the
    screen opened for it (as the export form opens it) shows it, selected."""
    *_, newest = many_exports(moto_server.url, 27)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main(app).is_mounted)
        await app.push_screen(JobsScreen(started=ExportInfo(arn=newest, status="IN_PROGRESS")))
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_for(pilot, lambda: any(j.arn == newest for j in jobs.jobs))
        assert jobs.more  # it was not on the first page
        row = jobs.query_one("#jobs").cursor_row  # type: ignore[attr-defined]
        assert jobs.jobs[row].arn == newest


async def test_jobs_beyond_the_first_page_load_on_demand(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess
) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=moto_server.url, region_name="us-east-1")
    many_exports(moto_server.url, 30)
    expected = all_export_arns(ddb)
    assert len(expected) >= 30

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main(app).is_mounted)
        moto_server.reset_requests()
        await pilot.press("J")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen))
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_for(pilot, lambda: bool(jobs.jobs))
        exports = [j for j in jobs.jobs if isinstance(j, ExportInfo)]
        assert len(exports) == 25 and jobs.more  # one page, and the screen knows there is more
        assert list_operations(moto_server) == ["ListExports", "ListImports"]
        assert "more: press m" in static_text(jobs.query_one("#jobs-status"))

        first = len(jobs.jobs)
        await pilot.press("m")  # the key reads the next page
        await wait_for(pilot, lambda: len(jobs.jobs) > first)
        grid = jobs.query_one("#jobs")
        while jobs.more:  # moving to the last row reads on, as scrolling would
            shown = len(jobs.jobs)
            await pilot.press("G")
            await wait_for(pilot, lambda n=shown: len(jobs.jobs) > n or not jobs.more)  # type: ignore[misc]
        shown_arns = {j.arn for j in jobs.jobs if isinstance(j, ExportInfo)}
        assert shown_arns >= expected  # every export in moto, each once
        assert len(shown_arns) == sum(isinstance(j, ExportInfo) for j in jobs.jobs)
        assert "ListExports" in list_operations(moto_server)[2:]
        assert "more" not in static_text(jobs.query_one("#jobs-status"))
        assert grid.row_count == len(jobs.jobs)  # type: ignore[attr-defined]
