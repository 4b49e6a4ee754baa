"""Messages that cross screens. Small dataclass-like messages; frequent ones may coalesce."""

from __future__ import annotations

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
