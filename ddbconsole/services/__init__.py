"""The async service layer. Never imports Textual (a test checks)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ddbconsole.config import Settings
from ddbconsole.services.oplog import OperationLog
from ddbconsole.services.session import AwsSession, Hook
from ddbconsole.services.tables import TableService

if TYPE_CHECKING:
    from ddbconsole.services.alarm_presets import AlarmPresetService
    from ddbconsole.services.alarms import AlarmService
    from ddbconsole.services.analysis import AnalysisService
    from ddbconsole.services.autoscaling import AutoScalingService
    from ddbconsole.services.backups import BackupService
    from ddbconsole.services.capacity import CapacityService
    from ddbconsole.services.diagnose import DiagnoseService
    from ddbconsole.services.hotkeys import HotKeyService
    from ddbconsole.services.items import ItemService
    from ddbconsole.services.journal import Journal
    from ddbconsole.services.metrics import MetricsService
    from ddbconsole.services.plans import Plan
    from ddbconsole.services.s3jobs import S3JobService
    from ddbconsole.services.streams import StreamService
    from ddbconsole.services.table_admin import TableAdminService
    from ddbconsole.services.transfer import TransferService


class Services:
    """Everything the UI and the CLI call, over one AwsSession.

    Only what the table list needs is imported up front; the other services load on first use
    (start-up time: the console should paint its table list no slower than the AWS CLI lists it).
    """

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

    async def execute(self, plan: Plan) -> Any:
        """Send exactly `plan`'s requests, in order (services/plans.py `execute`)."""
        from ddbconsole.services.plans import execute

        return await execute(self.session, plan)

    @cached_property
    def admin(self) -> TableAdminService:
        """Create, delete and configure tables."""
        from ddbconsole.services.table_admin import TableAdminService

        return TableAdminService(self.session)

    @cached_property
    def backups(self) -> BackupService:
        """On-demand backups, point-in-time recovery and restores."""
        from ddbconsole.services.backups import BackupService

        return BackupService(self.session, self.admin)

    @cached_property
    def s3jobs(self) -> S3JobService:
        """DynamoDB's export to S3 and import from S3, and reading a finished export."""
        from ddbconsole.services.s3jobs import S3JobService

        return S3JobService(self.session)

    @cached_property
    def items(self) -> ItemService:
        from ddbconsole.services.items import ItemService

        service = ItemService(self.session)
        service.journal = self.journal
        return service

    @cached_property
    def journal(self) -> Journal:
        """The undo journal of this session's item writes (in memory; a 0600 file if configured)."""
        from ddbconsole.services.journal import JOURNAL_FILE, Journal

        path = None
        if self.settings.undo_journal_file:
            from ddbconsole.locations import state_dir

            path = state_dir() / JOURNAL_FILE
        return Journal(path)

    @cached_property
    def transfer(self) -> TransferService:
        """Bulk export and import."""
        from ddbconsole.services.transfer import TransferService

        return TransferService(self.session, self.items)

    @cached_property
    def autoscaling(self) -> AutoScalingService:
        from ddbconsole.services.autoscaling import AutoScalingService

        return AutoScalingService(self.session)

    @cached_property
    def alarms(self) -> AlarmService:
        from ddbconsole.services.alarms import AlarmService

        return AlarmService(self.session)

    @cached_property
    def alarm_presets(self) -> AlarmPresetService:
        from ddbconsole.services.alarm_presets import AlarmPresetService

        return AlarmPresetService(self.session)

    @cached_property
    def metrics(self) -> MetricsService:
        from ddbconsole.services.metrics import MetricsService

        return MetricsService(self.session)

    @cached_property
    def capacity(self) -> CapacityService:
        from ddbconsole.services.capacity import CapacityService

        return CapacityService(
            self.session,
            autoscaling=self.autoscaling,
            metrics=self.metrics,
            prices=self.settings.prices,
        )

    @cached_property
    def streams(self) -> StreamService:
        """DynamoDB Streams: the tail, item history."""
        from ddbconsole.services.streams import StreamService

        return StreamService(self.session)

    @cached_property
    def hotkeys(self) -> HotKeyService:
        """Contributor Insights: status, enable/disable (Plans), top contributors."""
        from ddbconsole.services.hotkeys import HotKeyService

        return HotKeyService(self.session)

    @cached_property
    def diagnose(self) -> DiagnoseService:
        """Throttling: which limit, which key, what to do."""
        from ddbconsole.services.diagnose import DiagnoseService

        return DiagnoseService(self.metrics, self.hotkeys)

    @cached_property
    def analysis(self) -> AnalysisService:
        """Sampled key analysis: a bounded parallel scan measuring storage skew."""
        from ddbconsole.services.analysis import AnalysisService

        return AnalysisService(self.session)

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
