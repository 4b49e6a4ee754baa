"""The async service layer. Never imports Textual (a test checks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ddbconsole.config import Settings
from ddbconsole.services.alarm_presets import AlarmPresetService
from ddbconsole.services.alarms import AlarmService
from ddbconsole.services.autoscaling import AutoScalingService
from ddbconsole.services.capacity import CapacityService
from ddbconsole.services.items import ItemService
from ddbconsole.services.metrics import MetricsService
from ddbconsole.services.oplog import OperationLog
from ddbconsole.services.session import AwsSession, Hook
from ddbconsole.services.table_admin import TableAdminService
from ddbconsole.services.tables import TableService


class Services:
    """Everything the UI and the CLI call, over one AwsSession."""

    def __init__(
        self,
        settings: Settings,
        *,
        retries: dict[str, Any] | None = None,
        hooks: Sequence[Hook] = (),
        oplog_file: bool = True,
        prepare_early: bool = True,
    ) -> None:
        self.settings = settings
        # Every AWS call is recorded (and, unless oplog_file=False, appended to the state dir).
        self.oplog = OperationLog(write_file=oplog_file, profile=settings.profile)
        self.session = AwsSession(
            settings.profile,
            read_only=settings.read_only,
            retries=retries,
            hooks=[*self.oplog.hooks(), *hooks],
            prepare_early=prepare_early,
        )
        self.tables = TableService(self.session)
        self.admin = TableAdminService(self.session)  # issue 4: create/delete/configure tables
        self.items = ItemService(self.session)
        self.autoscaling = AutoScalingService(self.session)
        self.alarms = AlarmService(self.session)
        self.alarm_presets = AlarmPresetService(self.session)
        self.metrics = MetricsService(self.session)
        self.capacity = CapacityService(
            self.session, autoscaling=self.autoscaling, metrics=self.metrics, prices=settings.prices
        )

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    async def close(self) -> None:
        try:
            await self.session.close()
        finally:
            await self.oplog.aclose()

    async def __aenter__(self) -> Services:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
