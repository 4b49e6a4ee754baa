"""The async service layer. Never imports Textual (a test checks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ddbconsole.config import Settings
from ddbconsole.services.alarms import AlarmService
from ddbconsole.services.autoscaling import AutoScalingService
from ddbconsole.services.items import ItemService
from ddbconsole.services.session import AwsSession, Hook
from ddbconsole.services.tables import TableService


class Services:
    """Everything the UI and the CLI call, over one AwsSession."""

    def __init__(
        self,
        settings: Settings,
        *,
        retries: dict[str, Any] | None = None,
        hooks: Sequence[Hook] = (),
    ) -> None:
        self.settings = settings
        self.session = AwsSession(
            settings.profile, read_only=settings.read_only, retries=retries, hooks=hooks
        )
        self.tables = TableService(self.session)
        self.items = ItemService(self.session)
        self.autoscaling = AutoScalingService(self.session)
        self.alarms = AlarmService(self.session)

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    async def close(self) -> None:
        await self.session.close()

    async def __aenter__(self) -> Services:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
