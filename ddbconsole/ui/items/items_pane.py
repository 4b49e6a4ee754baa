"""The Items tab: scan or query the table or an index, page by page, and act on items."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from ddbconsole import codec
from ddbconsole.errors import DdbConsoleError, ItemConflict, ItemMissing
from ddbconsole.filters import key_value, parse_filter, parse_projection, sort_condition
from ddbconsole.models import Page, QuerySpec, ScanSpec, TableInfo
from ddbconsole.services.items import key_of
from ddbconsole.services.paging import Fetch, Pager, read_on
from ddbconsole.services.readonly import is_select
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.grid import StableGrid
from ddbconsole.ui.common.plan_form import confirm_and_send
from ddbconsole.ui.items.cells import cell, column_label, columns_for
from ddbconsole.ui.items.grid_tools import copy_json, copy_key, jump_to, plural, write_summary
from ddbconsole.ui.items.query_bar import TABLE, query_bar
from ddbconsole.ui.keys import ITEM_ACTIONS
from ddbconsole.ui.streams import item_actions

if TYPE_CHECKING:
    from ddbconsole.ui.items.item_editor import Mode
    from ddbconsole.ui.items.partiql import Request

MARK = "__mark__"  # the grid's first column: ● on rows marked for batch delete


class ItemsPane(ConsoleBase, Vertical):
    # Marking is only for the batch delete: hidden with it in read-only mode.
    WRITE_ACTIONS = write_actions(ITEM_ACTIONS) | {"mark_item"}
    # Three one-line rows (keys, sort key, filter), so that at 80x24 no field is squeezed out.
    DEFAULT_CSS = """
    ItemsPane { height: 1fr; }
    ItemsPane #query-bar { height: auto; }
    ItemsPane .row { height: 1; }
    ItemsPane .row > * { margin-right: 1; }
    ItemsPane #mode { width: 10; }
    ItemsPane #index { width: 1fr; max-width: 30; }
    ItemsPane #sk-op { width: 15; }
    ItemsPane #pk { width: 2fr; min-width: 14; }
    ItemsPane #sk, ItemsPane #sk2 { width: 1fr; }
    ItemsPane #filter { width: 2fr; }
    ItemsPane #projection { width: 1fr; }
    ItemsPane Checkbox { width: auto; border: none; padding: 0 1; }
    ItemsPane DataTable { height: 1fr; }
    ItemsPane #page-info { height: 1; padding: 0 1; background: $panel; }
    ItemsPane #search { display: none; }
    ItemsPane #search.-shown { display: block; }
    """
    BINDINGS = [make_binding(a) for a in ITEM_ACTIONS]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table: TableInfo | None = None
        self.pager: Pager | None = None
        self.source = ""  # what the current pager reads: "Scan Orders", "PartiQL", ...
        self.replayable = True  # False for a PartiQL write: reloading must not send it again
        self.row_items: list[dict[str, Any]] = []
        self.marked: dict[str, dict[str, Any]] = {}  # canonical key -> key, across pages
        self.loaded_for: str | None = None
        # What the grid shows (source, pager, replayable, page): put back when a request fails.
        self._shown: tuple[str, Pager | None, bool, Page | None] = ("", None, True, None)

    def compose(self) -> ComposeResult:
        yield from query_bar()
        yield Input(placeholder="search loaded rows (enter: next, esc: back)", id="search",
                    compact=True)  # fmt: skip
        with Vertical(classes="grid-frame"):  # the grid's focus ring (see StableGrid)
            yield StableGrid(id="items", cursor_type="row", zebra_stripes=True)
        yield Static("Select a table.", id="page-info")

    # --- the table ----------------------------------------------------------------------------

    def set_table(self, info: TableInfo) -> None:
        changed = self.table is None or self.table.name != info.name
        self.table = info
        if not changed:
            return
        self.marked.clear()
        self._shown = ("", None, True, None)  # the grid's rows are of the old table
        index = self.query_one("#index", Select)
        index.set_options(
            [("table", TABLE)] + [(f"{i.kind} {i.name}", i.name) for i in info.indexes]
        )
        index.value = TABLE
        for box in self.query("#query-bar Input").results(Input):
            box.value = ""  # another table's filter or key would be wrong here
        self.query_one("#sk-op", Select).value = "="
        self.query_one("#mode", Select).value = "scan"
        self._update_key_hints()
        self.loaded_for = None

    def ensure_loaded(self) -> None:
        """Scan the first page of a newly selected table once the tab is shown."""
        if self.table is not None and self.loaded_for != self.table.name:
            self.loaded_for = self.table.name
            self.run_query()

    def show_key(self, key: dict[str, Any]) -> None:
        item_actions.show_key(self, key)  # a stream record's "go to item"

    def _index(self) -> str | None:
        value = self.query_one("#index", Select).value
        return None if value == TABLE or value is Select.BLANK else str(value)

    def _update_key_hints(self) -> None:
        if self.table is None:
            return
        index = self._index()
        keys = self.table.index(index).keys if index else self.table.keys
        pk = keys[0]
        self.query_one("#pk", Input).placeholder = f"{pk.name} ({pk.type}) =  partition key"
        sk = keys[1] if len(keys) > 1 else None
        self.query_one("#sk", Input).placeholder = f"{sk.name} ({sk.type})" if sk else "no sort key"
        self.query_one("#sk", Input).disabled = sk is None
        self.query_one("#sk2", Input).disabled = sk is None
        self.query_one("#sort-row").display = sk is not None  # no sort key: no sort key fields

    @on(Select.Changed, "#index")
    def index_changed(self) -> None:
        self._update_key_hints()

    @on(Input.Changed, "#pk")
    def pk_typed(self, event: Input.Changed) -> None:
        # Typing a partition key value means the user wants a query.
        if event.value.strip():
            self.query_one("#mode", Select).value = "query"

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "search":
            grid = self.query_one(DataTable)
            return jump_to(self, grid, self.row_items, event.value, grid.cursor_row + 1)
        self.run_query()
        self.query_one(DataTable).focus()

    # --- search and copy: the rows already loaded (ui/items/grid_tools.py) -------------------

    def action_search_rows(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-shown")
        search.focus()
        search.action_select_all()

    @on(Input.Changed, "#search")
    def search_typed(self, event: Input.Changed) -> None:
        event.stop()
        grid = self.query_one(DataTable)
        jump_to(self, grid, self.row_items, event.value, grid.cursor_row)

    def leave_input(self, widget: Input) -> None:
        """Esc in a field of this pane: back to the grid (the search line closes)."""
        widget.set_class(False, "-shown")  # only the search line has it
        self.query_one(DataTable).focus()

    def action_copy_item(self) -> None:
        if (item := self._need_item()) is not None:
            copy_json(self, item, "item JSON")

    def action_copy_key(self) -> None:
        if (item := self._need_item()) is not None and self.table is not None:
            copy_key(self, self.table, item)

    # --- building the request -----------------------------------------------------------------

    def _fetcher(self) -> tuple[str, Callable[[Any], Awaitable[Page]]]:
        """Read the form into a scan or query; UserInputError (form kept as typed) if it is wrong."""
        assert self.table is not None
        table = self.table
        index = self._index()
        items = self.ctx.services.items
        limit = self.ctx.settings.page_size
        where = f"{table.name}" + (f" / {index}" if index else "")
        if self.query_one("#mode", Select).value == "scan":
            flt = parse_filter(self.query_one("#filter", Input).value)
            spec = ScanSpec(
                index=index, filters=flt.terms, match_any=flt.match_any,
                projection=parse_projection(self.query_one("#projection", Input).value),
                consistent=self.query_one("#consistent", Checkbox).value, limit=limit,
            )  # fmt: skip
            scan: Fetch = lambda start: items.scan_page(table, spec, start)  # noqa: E731
            return f"Scan {where}", read_on(scan, limit) if spec.filters else scan
        qspec = self._query_spec(limit)
        query: Fetch = lambda start: items.query_page(table, qspec, start)  # noqa: E731
        return f"Query {where}", read_on(query, limit) if qspec.filters else query

    def _query_spec(self, limit: int | None) -> QuerySpec:
        """The query the form describes; UserInputError (form kept as typed) if it is wrong."""
        assert self.table is not None
        index = self._index()
        keys = self.table.index(index).keys if index else self.table.keys
        pk = key_value(self.query_one("#pk", Input).value, keys[0].type, "partition key")
        if pk is None:
            raise DdbConsoleError(
                "A query needs the partition key", f"type a value for {keys[0].name}"
            )
        sort = None
        if len(keys) > 1:
            sort = sort_condition(
                str(self.query_one("#sk-op", Select).value),
                keys[1].type,
                self.query_one("#sk", Input).value,
                self.query_one("#sk2", Input).value,
            )
        flt = parse_filter(self.query_one("#filter", Input).value)
        return QuerySpec(
            partition_value=pk, index=index, sort=sort, filters=flt.terms, match_any=flt.match_any,
            projection=parse_projection(self.query_one("#projection", Input).value),
            ascending=not self.query_one("#desc", Checkbox).value,
            consistent=self.query_one("#consistent", Checkbox).value, limit=limit,
        )  # fmt: skip

    def show_partition(self, index: str | None, key: str) -> None:
        """Query one partition of the table or an index (the Diagnose screen's hot key)."""
        self.loaded_for = self.table.name if self.table else None
        self.query_one("#index", Select).value = index or TABLE
        for box in self.query("#query-bar Input").results(Input):
            box.value = ""
        self.query_one("#pk", Input).value = key
        self.query_one("#mode", Select).value = "query"
        self._update_key_hints()
        self.run_query()
        self.query_one(DataTable).focus()

    def run_query(self) -> None:
        if self.table is None:
            return
        try:
            source, fetch = self._fetcher()
        except DdbConsoleError as exc:
            self.ctx.report_error(exc)
            return
        self.start_pager(source, fetch)

    def start_pager(
        self, source: str, fetch: Callable[[Any], Awaitable[Page]], *, replayable: bool = True
    ) -> None:
        self.source = source
        self.replayable = replayable
        self.pager = Pager(fetch)
        self._page_worker("first")

    @work(exclusive=True, exit_on_error=False, group="items")
    async def _page_worker(self, direction: str) -> None:
        pager = self.pager
        if pager is None:
            return
        self.query_one("#page-info", Static).update(Text(f"{self.source}: loading…", style="dim"))
        selected = self.current_item() if direction == "reload" else None
        row = self.query_one(DataTable).cursor_row
        try:
            if direction == "first":
                page: Page | None = await pager.first()
            elif direction == "next":
                page = await pager.next()
            elif direction == "prev":
                page = await pager.prev()
            else:
                page = await pager.reload()
        except Exception as exc:
            if pager is self.pager:
                self._page_failed(exc)
            raise  # reported by the base (ConsoleBase)
        if page is not None and pager is self.pager:
            self.show_page(page)
            if selected is not None:  # same page again: stay on the item (or the row) shown
                self._move_to(selected, row)

    def _move_to(self, item: dict[str, Any], row: int) -> None:
        key_id = self._key_id(item)
        ids = [self._key_id(i) for i in self.row_items]
        if key_id is not None and key_id in ids:
            row = ids.index(key_id)
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, min(row, table.row_count - 1)))

    def _page_failed(self, exc: Exception) -> None:
        """The grid keeps what it showed: put back its source, pager and info line, plus the error."""
        source, page = self.source, None
        if self._shown[1] is not None:  # else nothing is shown yet: r retries the failed request
            self.source, self.pager, self.replayable, page = self._shown
        err = self.describe(exc)
        info = self._info_text(page) or Text()
        info.append(f"{'  ' if info else ''}{source} failed: {err.title}", style="bold red")
        self.query_one("#page-info", Static).update(info)

    def show_page(self, page: Page) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        self.row_items = list(page.items)
        if self.table is not None and self.source.startswith(("Scan", "Query")):
            names = columns_for(self.table, self._index(), page.items)
        else:
            names = list(dict.fromkeys(n for item in page.items for n in item))
        # Widths are given, not measured later: Textual measures auto-width columns on an idle
        # pass but caches cells drawn before it, so a busy app showed rows cut to header width.
        table.add_column(Text(" "), key=MARK, width=1)  # the batch-delete mark, always there
        rendered = [
            [cell(item[n]) if n in item else Text("") for n in names] for item in page.items
        ]
        for c, name in enumerate(names):
            label = column_label(name, page.items)
            width = max([label.cell_len, *(row[c].cell_len for row in rendered)])
            table.add_column(label, key=name, width=width)
        for i, (item, cells) in enumerate(zip(page.items, rendered, strict=True)):
            mark = Text("●", style="bold red") if self._is_marked(item) else Text(" ")
            table.add_row(mark, *cells, key=str(i))
        keys = self.table.keys if self.table is not None else ()
        table.fixed_columns = 1 + sum(1 for k in keys if k.name in names[: len(keys)])
        self._shown = (self.source, self.pager, self.replayable, page)
        self._update_info(page)

    def _update_info(self, page: Page | None = None) -> None:
        info = self._info_text(page)
        if info is not None:
            self.query_one("#page-info", Static).update(info)

    def _info_text(self, page: Page | None = None) -> Text | None:
        pager = self.pager
        page = page or (pager.current if pager else None)
        if pager is None or page is None:
            return None
        if not self.replayable:  # a PartiQL write: what it did, not an empty grid
            return Text(write_summary(self.source.removeprefix("PartiQL ")), style="bold green")
        info = Text(f"{self.source}  ", style="bold")
        info.append(f"page {pager.index + 1}  ")
        info.append(f"Count {page.count}")
        if page.scanned_count is not None:
            info.append(f" / Scanned {page.scanned_count}")
        info.append(f"  consumed {page.consumed.describe() if page.consumed else '-'}")
        if page.requests > 1:  # a filter read on (services/paging.py, read_on)
            info.append(f" in {page.requests} requests (read on for matches)", style="yellow")
        info.append("  more: ] next" if pager.has_next else "  (last page)", style="dim")
        if pager.has_prev:
            info.append("  [ prev", style="dim")
        if self.marked:
            info.append(f"  {len(self.marked)} marked", style="bold red")
        return info

    # --- selection ----------------------------------------------------------------------------

    def current_item(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.row_items or table.cursor_row < 0 or table.cursor_row >= len(self.row_items):
            return None
        return self.row_items[table.cursor_row]

    def _key_id(self, item: dict[str, Any]) -> str | None:
        if self.table is None:
            return None
        try:
            key = key_of(self.table, item)
        except DdbConsoleError:
            return None  # a projection or PartiQL result without the full key
        return json.dumps(codec.to_dynamodb_json(key), sort_keys=True)

    def _is_marked(self, item: dict[str, Any]) -> bool:
        key_id = self._key_id(item)
        return key_id is not None and key_id in self.marked

    def _need_item(self) -> dict[str, Any] | None:
        item = self.current_item()
        if item is None:
            self.notify("No item selected", severity="warning")
        return item

    # --- actions ------------------------------------------------------------------------------

    def action_focus_query(self) -> None:
        mode = self.query_one("#mode", Select).value
        self.query_one("#pk" if mode == "query" else "#filter", Input).focus()

    def action_next_page(self) -> None:
        if self.pager and self.pager.has_next:
            self._page_worker("next")

    def action_prev_page(self) -> None:
        if self.pager and self.pager.has_prev:
            self._page_worker("prev")

    def reload_page(self) -> None:
        if self.pager and not self.replayable:
            self.notify("A PartiQL write is not sent again: f and enter scan", severity="warning")
        elif self.pager:
            self._page_worker("reload")

    @on(DataTable.RowSelected, "#items")
    def row_selected(self) -> None:
        self.action_view_item()

    def _open_editor(self, item: dict[str, Any] | None, mode: Mode) -> None:
        from ddbconsole.ui.items.item_editor import ItemEditorScreen

        assert self.table is not None
        screen = ItemEditorScreen(self.table, item, mode=mode)
        self.app.push_screen(screen, self._editor_closed)

    def _editor_closed(self, saved: bool | None) -> None:
        if saved:
            self.reload_page()

    def action_view_item(self) -> None:
        item = self._need_item()
        if item is not None and self.table is not None:
            self._open_editor(item, "view")

    def action_edit_item(self) -> None:
        item = self._need_item()
        if item is not None and self.table is not None:
            self._open_editor(item, "edit")

    def action_new_item(self) -> None:
        if self.table is not None:
            self._open_editor(None, "new")

    def action_duplicate_item(self) -> None:
        item = self._need_item()
        if item is not None and self.table is not None:
            self._open_editor(item, "duplicate")

    def action_mark_item(self) -> None:
        item = self._need_item()
        if item is None:
            return
        key_id = self._key_id(item)
        if key_id is None or self.table is None:
            self.notify(
                "This row lacks its key attributes; it cannot be marked", severity="warning"
            )
            return
        if key_id in self.marked:
            del self.marked[key_id]
        else:
            self.marked[key_id] = key_of(self.table, item)
        table = self.query_one(DataTable)
        row = table.cursor_row
        if self.pager and self.pager.current:
            self.show_page(self.pager.current)
            table.move_cursor(row=min(row + 1, table.row_count - 1))

    def action_delete_item(self) -> None:
        item = self._need_item()
        if item is None or self.table is None:
            return
        try:
            key = key_of(self.table, item)
        except DdbConsoleError as exc:
            self.ctx.report_error(exc)
            return
        self._delete_worker(key, item)

    @work(exclusive=True, exit_on_error=False, group="item-write")
    async def _delete_worker(self, key: dict[str, Any], item: dict[str, Any]) -> None:
        assert self.table is not None
        plan = self.ctx.services.items.plan_delete_item(self.table.name, key, item)
        try:
            sent, _ = await confirm_and_send(self, plan)
        except ItemConflict as conflict:  # the row was stale: show what the server holds now
            self.reload_page()
            what = "was deleted" if conflict.current is None else "changed since it was loaded"
            self.notify(
                f"The item {what}; nothing was deleted. The grid now shows the server's version:"
                " press d again to delete that.",
                title="Item changed",
                severity="warning",
                timeout=10,
            )
            return
        except ItemMissing:
            self.reload_page()
            raise
        if not sent:
            return
        self.notify("Item deleted", title="DeleteItem")
        self.marked.pop(self._key_id(item) or "", None)
        self.reload_page()

    def action_delete_marked(self) -> None:
        if self.table is None:
            return
        if not self.marked:
            self.notify("Mark items with space first", severity="warning")
            return
        self._batch_delete_worker(list(self.marked.values()))

    @work(exclusive=True, exit_on_error=False, group="item-write")
    async def _batch_delete_worker(self, keys: list[dict[str, Any]]) -> None:
        assert self.table is not None
        info = self.query_one("#page-info", Static)

        def progress(done: int, total: int) -> None:
            info.update(Text(f"Deleting: {done}/{total}", style="bold yellow"))

        plan = self.ctx.services.items.plan_batch_delete(self.table.name, keys, progress)
        sent, result = await confirm_and_send(self, plan, backup_first=self.table.name)
        if not sent:
            return
        failed = {json.dumps(codec.to_dynamodb_json(f.key), sort_keys=True) for f in result.failed}
        self.marked = {k: v for k, v in self.marked.items() if k in failed}
        if result.ok:
            self.notify(
                f"Deleted {plural(result.succeeded, 'item')} in {plural(result.requests, 'request')}"
                f" ({plural(result.retries, 'retry', 'retries')})",
                title="BatchWriteItem",
            )
        else:
            reasons = sorted({f.reason for f in result.failed})
            self.notify(
                f"{len(result.failed)} of {result.requested} not deleted (still marked): {'; '.join(reasons)}",
                title="Batch delete incomplete",
                severity="error",
                timeout=15,
            )
        self.reload_page()

    def action_item_history(self) -> None:
        item_actions.open_history(self)

    def action_undo(self) -> None:
        item_actions.undo(self)

    def action_export_table(self) -> None:
        from ddbconsole.ui.items.transfer import open_transfer

        open_transfer(self, "export")

    def action_import_table(self) -> None:
        from ddbconsole.ui.items.transfer import open_transfer

        open_transfer(self, "import")

    def action_partiql(self) -> None:
        from ddbconsole.ui.items.partiql import PartiQLScreen

        self.app.push_screen(
            PartiQLScreen(self.table.name if self.table else None), self._run_partiql
        )

    def _run_partiql(self, request: Request | None) -> None:
        if not request:
            return
        statement, parameters, confirmed = request
        services = self.ctx.services
        items = services.items
        first = True

        async def fetch(token: Any) -> Page:
            nonlocal first
            remember, first = first, False
            if confirmed is not None and token is None:  # the write the user confirmed, as shown
                return await item_actions.send_partiql_write(self, confirmed)
            return await items.execute_statement(statement, parameters, token, remember=remember)

        label = " ".join(statement.split())
        self.start_pager(f"PartiQL {label[:60]}", fetch, replayable=is_select(statement))
