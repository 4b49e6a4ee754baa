"""View and edit one item as JSON (plain or DynamoDB JSON), validated as you type, saved safely."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static, TextArea

from ddbconsole import codec
from ddbconsole.errors import ItemConflict, ItemExists, UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.services.items import new_item_template, validate_item
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.items.conflict import Choice, ConflictScreen

Mode = Literal["view", "edit", "new", "duplicate"]
VALIDATE_DELAY = 0.25


class ItemEditorScreen(ConsoleBase, Screen[bool]):
    """Returns True when the grid should reload: something was written, or the server's version
    was reloaded (a conflict's "Reload theirs"), so the row behind the editor is stale."""

    DEFAULT_CSS = """
    ItemEditorScreen #title { height: 1; padding: 0 1; background: $panel; }
    ItemEditorScreen TextArea { height: 1fr; }
    ItemEditorScreen #problem { height: auto; min-height: 1; padding: 0 1; }
    ItemEditorScreen #problem.error { color: $error; }
    ItemEditorScreen #problem.ok { color: $success; }
    """
    WRITE_ACTIONS = frozenset({"save", "external_editor", "start_edit"})
    BINDINGS = [
        # priority: the TextArea (tab_behavior="indent") would take Esc and the screen never close.
        Binding("escape", "close", "Back", id="editor_close", priority=True),
        Binding("e", "start_edit", "Edit", id="editor_edit"),
        Binding("ctrl+t", "toggle_form", "Plain/DynamoDB JSON", id="editor_toggle_form"),
        Binding("ctrl+s", "save", "Save", id="editor_save"),
        # ctrl+o: ctrl+e is end-of-line in the TextArea and would never reach this binding.
        Binding("ctrl+o", "external_editor", "$EDITOR", id="editor_external"),
        Binding("h", "history", "History", id="editor_history"),
    ]

    def __init__(self, table: TableInfo, item: dict[str, Any] | None, *, mode: Mode) -> None:
        super().__init__()
        self.table = table
        self.mode: Mode = mode
        self.form: codec.Form = "plain"
        if mode == "new":
            item = new_item_template(table)
        assert item is not None
        # What the save is conditional on: the item as loaded (not for creates).
        self.original: dict[str, Any] | None = dict(item) if mode in ("view", "edit") else None
        self.loaded_text = codec.dumps(item, self.form)
        self._validate_timer: Timer | None = None
        self.reloaded = False  # the server's version replaced what the grid showed
        self.ready = mode != "edit"  # editing starts once the whole item is read (_load_whole)

    @property
    def editing(self) -> bool:
        return self.mode != "view"

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield TextArea(
            self.loaded_text, language="json", read_only=not self.editing, show_line_numbers=True,
            tab_behavior="indent", id="editor",
        )  # fmt: skip
        yield Static("", id="problem")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_title()
        self.query_one(TextArea).focus()
        if self.mode == "edit":
            self._load_whole()

    @work(exclusive=True, exit_on_error=False, group="load")
    async def _load_whole(self) -> None:
        """Before editing, the whole item as it is now (GetItem, consistent read): a row read with
        a projection, from an index or by PartiQL may lack attributes, which a save would then
        take for ones "added meanwhile". A row without its key attributes cannot be edited."""
        from ddbconsole.errors import DdbConsoleError
        from ddbconsole.services.items import key_of

        area = self.query_one(TextArea)
        area.read_only, self.ready = True, False
        shown = self.original or {}
        try:
            key = key_of(self.table, shown)
        except DdbConsoleError:
            self.notify("This row lacks its key attributes; it cannot be edited",
                        title="Not editable", severity="warning")  # fmt: skip
            self.dismiss(False)
            return
        current = await self.ctx.services.items.get_item(self.table.name, key, consistent=True)
        if current is None:
            self.notify("The item was deleted since the grid was loaded", severity="warning")
            self.dismiss(True)
            return
        if not codec.same_item(current, shown):
            missing = [n for n in current if n not in shown]
            self.notify(
                "The row was loaded with a projection (or from an index): the whole item was read"
                if missing and all(codec.same_value(shown[n], current[n]) for n in shown)
                else "The item changed since the grid was loaded: editing the current version",
                title="Whole item loaded",
            )
            self.reloaded = True
            self.original = current
            self.loaded_text = codec.dumps(current, self.form)
            area.load_text(self.loaded_text)
        area.read_only, self.ready = False, True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):
            return False  # hidden: nothing can be written in read-only mode
        if action in ("save", "external_editor"):
            return True if self.editing else None
        if action in ("start_edit", "history"):
            return True if not self.editing else None
        return True

    def _show_title(self) -> None:
        verb = {"view": "Item", "edit": "Editing", "new": "New item in", "duplicate": "Copy into"}
        form = "plain JSON" if self.form == "plain" else "DynamoDB JSON"
        title = Text(f"{verb[self.mode]} {self.table.name}", style="bold")
        title.append(f"  ({form}; ctrl+t switches)", style="dim")
        self.query_one("#title", Static).update(title)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def parse(self) -> dict[str, Any]:
        return codec.loads(self.text, self.form)

    # --- validation as you type ------------------------------------------------------------

    @on(TextArea.Changed)
    def changed(self) -> None:
        if self._validate_timer is not None:
            self._validate_timer.stop()
        self._validate_timer = self.set_timer(VALIDATE_DELAY, self.validate_now)

    def validate_now(self) -> bool:
        problem = self.query_one("#problem", Static)
        try:
            item = self.parse()
            validate_item(self.table, item)
            size = codec.item_size(item)
        except UserInputError as exc:
            problem.update(Text(str(exc)))
            problem.set_classes("error")
            return False
        changed = self.original is None or not codec.same_item(self.original, item)
        state = "changed" if changed else "unchanged"
        problem.update(Text(f"valid · {size:,} bytes of 400 KB · {state}"))
        problem.set_classes("ok")
        return True

    # --- actions ---------------------------------------------------------------------------

    def action_start_edit(self) -> None:
        self.mode = "edit"
        self._show_title()
        self.refresh_bindings()
        self._load_whole()  # then the text becomes editable

    def action_history(self) -> None:
        """This item's changes from the table's stream; restoring one reloads the editor."""
        from ddbconsole.services.items import key_of
        from ddbconsole.ui.streams.history import ItemHistoryScreen

        if self.original is None:
            return
        screen = ItemHistoryScreen(self.table, key_of(self.table, self.original))

        def closed(wrote: bool | None) -> None:
            if wrote:
                self._reload()

        self.app.push_screen(screen, closed)

    def action_toggle_form(self) -> None:
        try:
            item = self.parse()
        except UserInputError as exc:
            self.ctx.report_error(exc)  # keep the text; say what is wrong
            return
        self.form = "dynamodb" if self.form == "plain" else "plain"
        was_loaded = self.text == self.loaded_text
        self.query_one(TextArea).load_text(codec.dumps(item, self.form))
        if was_loaded:
            self.loaded_text = self.text
        self._show_title()

    def action_close(self) -> None:
        if not self.editing or self.text == self.loaded_text:
            self.dismiss(self.reloaded)
            return

        def done(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.reloaded)

        body = Text("Your edits have not been saved and will be lost.")
        self.app.push_screen(ConfirmScreen("Discard changes?", body, confirm_label="Discard"), done)

    def action_save(self) -> None:
        try:
            item = self.parse()
            validate_item(self.table, item)
        except UserInputError as exc:
            self.validate_now()
            self.ctx.report_error(exc)
            return
        self._save(item, self.original)

    @work(exclusive=True, exit_on_error=False, group="save")
    async def _save(self, item: dict[str, Any], expected: dict[str, Any] | None) -> None:
        """Create the item (new, duplicate), or save it conditional on the server still holding
        `expected`: the item as loaded, or the version a conflict dialog showed (None: deleted)."""
        items = self.ctx.services.items
        if (
            self.mode not in ("new", "duplicate")
            and expected is not None
            and expected is self.original
            and not await self._key_change_confirmed(expected, item)
        ):
            return
        try:
            if self.mode in ("new", "duplicate"):
                await items.put_new(self.table, item)
                self.notify("Item created", title="PutItem")
                self.dismiss(True)
                return
            result = await items.save(self.table, expected, item)
        except ItemConflict as conflict:
            self._show_conflict(item, conflict.current)
            return
        except ItemExists as exc:
            self.ctx.report_error(exc)
            return
        if not result.written:
            self.notify("No changes: nothing was sent", title="Save")
            self.dismiss(self.reloaded)
            return
        note = f"Saved ({result.operation})"
        if result.kept_attributes:
            note += "; kept attributes added meanwhile: " + ", ".join(result.kept_attributes)
        self.notify(note, title="Saved")
        self.dismiss(True)

    async def _key_change_confirmed(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        """A save that changes the key moves the item (the old key is deleted): say so, and offer
        an on-demand backup of the table first (ctrl+b). True to go on; unchanged keys pass."""
        from ddbconsole.services.items import key_of
        from ddbconsole.ui.common.plan_form import back_up_first

        before, after = key_of(self.table, old), key_of(self.table, new)
        if before == after:
            return True
        body = Text(
            f"The key changes from {codec.dumps(before, indent=None)} to "
            f"{codec.dumps(after, indent=None)}: the item moves (the old key is deleted, the new "
            "one written conditionally, in one transaction)."
        )
        while True:
            screen = ConfirmScreen(
                "Change the item's key?",
                body,
                confirm_label="Move item",
                extra_label="Back up first",
            )
            answer = await self.app.push_screen_wait(screen)
            if not screen.chose_extra:
                return bool(answer)
            await back_up_first(self, self.table.name)

    def _show_conflict(self, mine: dict[str, Any], theirs: dict[str, Any] | None) -> None:
        def chosen(choice: Choice | None) -> None:
            if choice == "overwrite":
                # Conditional on the version the dialog showed: if it changed again meanwhile,
                # nothing is written and the dialog comes back with the newer version.
                self._save(mine, theirs)
            elif choice == "reload":
                self._reload()

        self.app.push_screen(ConflictScreen(self.table.name, mine, theirs), chosen)

    @work(exclusive=True, exit_on_error=False, group="save")
    async def _reload(self) -> None:
        assert self.original is not None
        from ddbconsole.services.items import key_of

        key = key_of(self.table, self.original)
        current = await self.ctx.services.items.get_item(self.table.name, key, consistent=True)
        self.reloaded = True
        if current is None:
            self.notify(
                "The item was deleted meanwhile; saving will create it again", severity="warning"
            )
            self.original = None
            return
        self.original = current
        self.loaded_text = codec.dumps(current, self.form)
        self.query_one(TextArea).load_text(self.loaded_text)
        self.notify("Reloaded the server's version")

    def action_external_editor(self) -> None:
        """Edit in $VISUAL/$EDITOR; whatever comes back stays in the editor, valid or not."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile(
            "w", suffix=".json", delete=False, encoding="utf-8"
        ) as tmp:
            tmp.write(self.text)
            path = Path(tmp.name)
        try:
            argv = [*shlex.split(command), str(path)]
            if self.app.is_headless:  # no terminal to hand over (tests, scripted runs)
                code = subprocess.call(argv, stdin=subprocess.DEVNULL)
            else:
                with self.app.suspend():
                    code = subprocess.call(argv)
            if code != 0:
                self.notify(
                    f"{command} exited with {code}; the editor text is unchanged",
                    severity="warning",
                )
                return
            self.query_one(TextArea).load_text(path.read_text(encoding="utf-8"))
            self.validate_now()
        except (OSError, ValueError, SuspendNotSupported) as exc:  # ValueError: bad quoting
            self.notify(f"Could not run {command}: {exc}", severity="error")
        finally:
            path.unlink(missing_ok=True)
