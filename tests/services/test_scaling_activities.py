"""DescribeScalingActivities failing on the server (moto answers 500): one request, no retries,
and not asked again on the next Capacity load."""

from __future__ import annotations

from typing import Any

import boto3

from ddbconsole.demo.server import MotoProcess
from ddbconsole.services import Services
from tests.conftest import make_settings
from tests.services.test_capacity import make_table


def _activity_requests(moto_server: MotoProcess) -> int:
    return sum(r["operation"] == "DescribeScalingActivities" for r in moto_server.requests())


async def test_failing_activities_cost_one_request_per_session(
    moto_url: str, moto_server: MotoProcess
) -> None:
    ddb: Any = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    table = make_table(ddb)
    services = Services(make_settings(moto_url))  # the default retries, as the console runs
    try:
        moto_server.reset_requests()
        first = await services.capacity.scaling_activities(table)
        assert first.unavailable == "scaling activities unavailable on this endpoint (HTTP 500)"
        assert _activity_requests(moto_server) == 1  # no retries of the 500
        second = await services.capacity.scaling_activities(table)
        assert second.unavailable == first.unavailable
        assert _activity_requests(moto_server) == 1  # not asked again
    finally:
        await services.close()
