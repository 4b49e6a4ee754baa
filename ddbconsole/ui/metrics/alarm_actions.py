"""The Metrics tab's alarm keys: create an alarm from a preset (N), edit a preset's thresholds (E),
delete one (X), each a Plan confirmed before it is sent. Mixed into MetricsPane, which lists the
table's alarms and polls them."""

from __future__ import annotations

from dataclasses import replace

from textual import work
from textual.widgets import DataTable

from ddbconsole.models import AlarmInfo, AlarmPreset, TableInfo
from ddbconsole.services.alarm_presets import preset_from_alarm
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.plan_form import confirm_and_send


class AlarmActions(ConsoleBase):
    table: TableInfo | None
    alarms: tuple[AlarmInfo, ...]  # as listed in the #alarms grid, row by row

    def poll_now(self) -> None:
        """Re-read the metrics and the alarms (the pane's poll)."""
        raise NotImplementedError

    def selected_alarm(self) -> AlarmInfo | None:
        grid = self.query_one("#alarms", DataTable)
        if not self.alarms or not 0 <= grid.cursor_row < len(self.alarms):
            return None
        return self.alarms[grid.cursor_row]

    def action_new_alarm(self) -> None:
        if self.table is None:
            return
        from ddbconsole.ui.metrics.alarm_form import AlarmForm

        self.app.push_screen(AlarmForm(self.table), lambda p: self._confirm_put(p, None))

    def action_edit_alarm(self) -> None:
        alarm = self._writable_alarm("edit")
        if alarm is not None and self.table is not None:
            self._edit_worker(alarm)

    @work(exclusive=True, exit_on_error=False, group="alarm-read")
    async def _edit_worker(self, alarm: AlarmInfo) -> None:
        assert self.table is not None
        tags = await self.ctx.services.alarm_presets.tags(alarm.arn) if alarm.arn else {}
        preset = preset_from_alarm(
            {
                "AlarmDescription": alarm.description,
                "AlarmActions": list(alarm.alarm_actions),
                "EvaluationPeriods": alarm.evaluation_periods,
                "Threshold": alarm.threshold,
            },
            tags,
        )
        if preset is None or preset.table != self.table.name:
            self.notify(
                f"{alarm.name} was not made from a ddbconsole preset: edit it in CloudWatch, "
                "or delete it and create one here",
                title="Cannot edit this alarm",
                severity="warning",
            )
            return
        from ddbconsole.ui.metrics.alarm_form import AlarmForm

        self.app.push_screen(
            AlarmForm(self.table, preset), lambda p: self._confirm_put(p, alarm.name)
        )

    def _writable_alarm(self, verb: str) -> AlarmInfo | None:
        alarm = self.selected_alarm()
        if alarm is None:
            self.notify("No alarm selected", severity="warning")
            return None
        if alarm.managed_by_autoscaling:
            self.notify(
                f"{alarm.name} belongs to an auto scaling policy, which rewrites it: "
                "change the policy in the Capacity tab instead",
                title=f"Cannot {verb} this alarm",
                severity="warning",
            )
            return None
        return alarm

    def _confirm_put(self, preset: AlarmPreset | None, old_name: str | None) -> None:
        if preset is not None:
            self._put_worker(preset, old_name)

    @work(exclusive=True, exit_on_error=False, group="alarm-write")
    async def _put_worker(self, preset: AlarmPreset, old_name: str | None) -> None:
        plan = self.ctx.services.alarm_presets.plan_put_alarm(preset, old_name)
        sent, name = await confirm_and_send(self, plan)
        if sent:
            self.notify(f"{name} saved", title="PutMetricAlarm")
            self.poll_now()

    def action_delete_alarm(self) -> None:
        alarm = self._writable_alarm("delete")
        if alarm is not None:
            self._delete_worker(alarm)

    @work(exclusive=True, exit_on_error=False, group="alarm-write")
    async def _delete_worker(self, alarm: AlarmInfo) -> None:
        plan = self.ctx.services.alarm_presets.plan_delete_alarms([alarm.name])
        plan = replace(plan, notes=(f"State now: {alarm.state}. {alarm.state_reason}",))
        sent, _ = await confirm_and_send(self, plan)
        if sent:
            self.notify(f"{alarm.name} deleted", title="DeleteAlarms")
            self.poll_now()
