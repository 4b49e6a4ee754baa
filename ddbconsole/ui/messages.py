"""Messages that cross screens. Small dataclass-like messages; frequent ones may coalesce."""

from __future__ import annotations

from datetime import datetime

from textual.message import Message

from ddbconsole.models import TableInfo


class TablesLoaded(Message):
    """A page (or all) of table names arrived."""

    def __init__(self, names: tuple[str, ...], done: bool) -> None:
        super().__init__()
        self.names = names
        self.done = done


class TableDescribed(Message):
    """A full description of the selected table arrived."""

    def __init__(self, info: TableInfo) -> None:
        super().__init__()
        self.info = info

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TableDescribed) and message.info.name == self.info.name


class TableChanged(Message):
    """The console changed this table (a write went through): every pane that shows it re-reads it,
    so no tab shows the state from before the change."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class SwitchRecorded(Message):
    """The Capacity tab's last switch to on-demand (DescribeTable's, else ddbconsole's record), so
    the Settings tab shows the same time."""

    def __init__(self, name: str, at: datetime | None, from_record: bool) -> None:
        super().__init__()
        self.name = name
        self.at = at
        self.from_record = from_record
