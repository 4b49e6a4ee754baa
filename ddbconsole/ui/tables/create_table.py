"""The create-table form: name (checked as you type), keys, billing and capacity, GSIs and LSIs as
rows (added and removed by keyboard), table class, deletion protection, stream and tags.

Review builds the exact CreateTable request with the service's rules (nothing is sent), then shows
it as JSON and as the equivalent `aws dynamodb create-table` command. Confirming creates the table
from inside the form, so a refusal (a name taken meanwhile) keeps everything typed; on success the
form closes with the table's name and the caller follows its status to ACTIVE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models import (
    IndexSpec,
    KeySpec,
    KeyType,
    ProjectionType,
    TableSpec,
    Throughput,
)
from ddbconsole.services.capacity_rules import NO_MAXIMUM
from ddbconsole.services.plans import Plan
from ddbconsole.services.table_rules import (
    PROJECTIONS,
    STREAM_VIEW_TYPES,
    TABLE_CLASSES,
    name_problem,
)
from ddbconsole.ui.common.form_keys import ENTER_REVIEWS
from ddbconsole.ui.common.plan_form import FieldError, FormScreen, confirm_and_send, parse_int

if TYPE_CHECKING:
    from ddbconsole.services.table_admin import TableAdminService

KEY_TYPES: list[tuple[str, str]] = [("S string", "S"), ("N number", "N"), ("B binary", "B")]
BILLING: list[tuple[str, str]] = [
    ("On-demand (pay per request)", "PAY_PER_REQUEST"),
    ("Provisioned (capacity units)", "PROVISIONED"),
]
STREAM_OFF = "OFF"
STREAMS: list[tuple[str, str]] = [("off", STREAM_OFF)] + [(v, v) for v in STREAM_VIEW_TYPES]

FORM_CSS = """
    {name} {{ align: center middle; }}
    {name} > VerticalScroll {{ width: 118; max-width: 100%; height: auto; max-height: 95%;
        border: thick $accent;
        background: $surface; padding: 1 2; }}
    {name} .intro {{ color: $text-muted; margin-bottom: 1; }}
    {name} .field {{ height: auto; margin-bottom: 1; }}
    {name} .field-label {{ width: 22; padding-top: 0; }}
    {name} .field Input {{ width: 24; background: $boost; margin-right: 1; }}
    {name} .field Input.wide {{ width: 60; }}
    {name} .field Input.narrow {{ width: 10; }}
    {name} .field Select {{ width: 34; margin-right: 1; }}
    {name} .field Select.type {{ width: 14; }}
    {name} .hint {{ color: $text-muted; width: 1fr; }}
    {name} .ok {{ color: $success; }}
    {name} .bad {{ color: $error; }}
    {name} IndexRow {{ height: auto; border: round $panel-lighten-2; padding: 0 1;
        margin-bottom: 1; }}
    {name} IndexRow .field {{ margin-bottom: 0; }}
    {name} .note {{ color: $text-muted; width: auto; margin-right: 1; }}
    {name} #indexes {{ height: auto; }}
    {name} #fields {{ height: auto; }}
    {name} #form-error {{ color: $error; height: auto; margin-top: 1; display: none; }}
    {name} #form-status {{ color: $text-muted; height: auto; margin-top: 1; display: none; }}
    {name} .buttons {{ height: auto; margin-top: 1; }}
    {name} Button {{ margin-right: 2; }}
    {name} Checkbox {{ margin-bottom: 1; }}
"""


def row(label: str, *fields: Widget, hint: str | Widget = "") -> Horizontal:
    tail = hint if isinstance(hint, Widget) else Label(hint, classes="hint")
    return Horizontal(Label(label, classes="field-label"), *fields, tail, classes="field")


def key_type(value: object) -> KeyType:
    return value if value in ("S", "N", "B") else "S"  # type: ignore[return-value]


def throughput(
    read: str, write: str, read_id: str, write_id: str, provisioned: bool
) -> Throughput | None:
    """Capacity units (provisioned: both required, >= 1) or an on-demand maximum (blank: none)."""
    if provisioned:
        r = parse_int(read, read_id, "read capacity units")
        w = parse_int(write, write_id, "write capacity units")
        return Throughput(r, w)
    r = parse_int(read, read_id, "maximum read request units", blank=NO_MAXIMUM)
    w = parse_int(write, write_id, "maximum write request units", blank=NO_MAXIMUM)
    if r == NO_MAXIMUM and w == NO_MAXIMUM:
        return None
    return Throughput(None if r == NO_MAXIMUM else r, None if w == NO_MAXIMUM else w)


def parse_tags(raw: str, field: str) -> tuple[tuple[str, str], ...]:
    """`key=value, key2=value2` (or one per line); a value may contain '='."""
    out: list[tuple[str, str]] = []
    for part in raw.replace("\n", ",").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise FieldError(field, f"Invalid tag {part.strip()!r}", "write tags as key=value")
        out.append((key.strip(), value.strip()))
    return tuple(out)


class IndexRow(Vertical):
    """One GSI or LSI of the form. An LSI's partition key is the table's (not asked)."""

    def __init__(self, kind: str, number: int, removable: bool = True) -> None:
        super().__init__(id=f"idx{number}")
        self.kind = kind
        self.prefix = f"idx{number}"
        self.removable = removable

    def fid(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def compose(self) -> ComposeResult:
        p = self.fid
        pk: list[Widget] = (
            [
                Input(placeholder="partition key", id=p("pk"), compact=True),
                Select(KEY_TYPES, value="S", allow_blank=False, id=p("pk-type"), compact=True,
                       classes="type"),
            ]
            if self.kind == "GSI"
            else [Label("partition key: the table's", classes="note")]
        )  # fmt: skip
        yield row(
            f"[b]{self.kind}[/b] name",
            Input(placeholder="index name", id=p("name"), compact=True),
            *pk,
            *([Button("Remove", id=p("remove"), compact=True)] if self.removable else []),
        )
        yield row(
            "  sort key",
            Input(placeholder="(none)" if self.kind == "GSI" else "sort key", id=p("sk"),
                  compact=True),
            Select(KEY_TYPES, value="S", allow_blank=False, id=p("sk-type"), compact=True,
                   classes="type"),
            Select([(x, x) for x in PROJECTIONS], value="ALL", allow_blank=False,
                   id=p("projection"), compact=True, classes="type"),
            Input(placeholder="INCLUDE: attr1, attr2", id=p("include"), compact=True),
        )  # fmt: skip
        if self.kind == "GSI":
            yield row(
                "  read / write",
                Input(placeholder="read", id=p("read"), compact=True, classes="narrow"),
                Input(placeholder="write", id=p("write"), compact=True, classes="narrow"),
                hint="provisioned: its own capacity units; on-demand: optional maximum",
            )

    def value(self, name: str) -> str:
        return self.query_one(f"#{self.fid(name)}", Input).value.strip()

    def select(self, name: str) -> object:
        return self.query_one(f"#{self.fid(name)}", Select).value

    def read_spec(self, billing_mode: str, table_pk: KeySpec) -> IndexSpec:
        name = self.value("name")
        problem = name_problem(name, "index")
        if problem:
            raise FieldError(self.fid("name"), f"Invalid {self.kind} name {name!r}", problem)
        if self.kind == "GSI":
            pk_name = self.value("pk")
            if not pk_name:
                raise FieldError(self.fid("pk"), f"{self.kind} {name} needs a partition key", "")
            pk = KeySpec(pk_name, key_type(self.select("pk-type")))
        else:
            pk = table_pk
        sk_name = self.value("sk")
        sk = KeySpec(sk_name, key_type(self.select("sk-type"))) if sk_name else None
        projection: ProjectionType = self.select("projection")  # type: ignore[assignment]
        attrs = tuple(a.strip() for a in self.value("include").split(",") if a.strip())
        if projection != "INCLUDE" and attrs:
            raise FieldError(
                self.fid("include"),
                f"Attributes listed for {projection} projection of {name}",
                "choose INCLUDE to project them, or clear the list",
            )
        tp = None
        if self.kind == "GSI":
            tp = throughput(
                self.value("read"),
                self.value("write"),
                self.fid("read"),
                self.fid("write"),
                billing_mode == "PROVISIONED",
            )
        return IndexSpec(
            name,
            pk,
            sk,
            projection,
            attrs,
            provisioned=tp if billing_mode == "PROVISIONED" else None,
            on_demand_max=tp if billing_mode != "PROVISIONED" else None,
        )


class CreateTableScreen(FormScreen[str | None]):
    DEFAULT_CSS = FORM_CSS.format(name="CreateTableScreen")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="create_table_cancel"),
        Binding("ctrl+s", "review", "Review request", id="create_table_review"),
        Binding("ctrl+g", "add_index('GSI')", "Add GSI", id="create_table_add_gsi"),
        Binding("ctrl+l", "add_index('LSI')", "Add LSI", id="create_table_add_lsi"),
        ENTER_REVIEWS,
    ]
    REVIEW_ACTION = "review"

    def __init__(self, admin: TableAdminService) -> None:
        super().__init__()
        self.admin = admin
        self._rows = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("[b]Create table[/b]")
            yield Static(
                "Tab moves between fields; ctrl+g / ctrl+l add a GSI / LSI; ctrl+s reviews the "
                "exact request (nothing is sent before you confirm).",
                classes="intro",
            )
            yield row(
                "Table name",
                Input(placeholder="3-255 of A-Z a-z 0-9 _ - .", id="name", classes="wide"),
                hint=Label("", id="name-hint", classes="hint"),
            )
            yield row(
                "Partition key",
                Input(placeholder="e.g. pk", id="pk", compact=True),
                Select(KEY_TYPES, value="S", allow_blank=False, id="pk-type", compact=True,
                       classes="type"),
            )  # fmt: skip
            yield row(
                "Sort key",
                Input(placeholder="(none)", id="sk", compact=True),
                Select(KEY_TYPES, value="S", allow_blank=False, id="sk-type", compact=True,
                       classes="type"),
                hint="optional; needed for LSIs",
            )  # fmt: skip
            yield row(
                "Billing mode",
                Select(BILLING, value="PAY_PER_REQUEST", allow_blank=False, id="billing",
                       compact=True),
            )  # fmt: skip
            yield row(
                "Read / write",
                Input(placeholder="read", id="read", compact=True, classes="narrow"),
                Input(placeholder="write", id="write", compact=True, classes="narrow"),
                hint=Label(self._capacity_hint("PAY_PER_REQUEST"), id="capacity-hint",
                           classes="hint"),
            )  # fmt: skip
            yield row(
                "Table class",
                Select([(c, c) for c in TABLE_CLASSES], value="STANDARD", allow_blank=False,
                       id="table-class", compact=True),
            )  # fmt: skip
            yield row(
                "Stream",
                Select(STREAMS, value=STREAM_OFF, allow_blank=False, id="stream", compact=True),
                hint="the view type of the stream's records",
            )
            yield Checkbox("Deletion protection", id="protection")
            yield row(
                "Tags",
                Input(placeholder="team=core, env=prod", id="tags", classes="wide", compact=True),
            )
            yield Label("[b]Secondary indexes[/b]")
            yield Vertical(id="indexes")
            with Horizontal(classes="buttons"):
                yield Button("+ GSI", id="add-gsi", compact=True)
                yield Button("+ LSI", id="add-lsi", compact=True)
            yield Static("", id="form-error")
            yield Static("", id="form-status")
            with Horizontal(classes="buttons"):
                yield Button("Review request", variant="primary", id="review")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @staticmethod
    def _capacity_hint(mode: object) -> str:
        if mode == "PROVISIONED":
            return "capacity units, at least 1 each (required)"
        return "on-demand: optional maximum request units per second (blank: none)"

    # --- as you type ----------------------------------------------------------------------------

    @on(Input.Changed, "#name")
    def name_changed(self, event: Input.Changed) -> None:
        hint = self.query_one("#name-hint", Label)
        problem = name_problem(event.value) if event.value else None
        hint.set_class(problem is not None, "bad")
        hint.set_class(problem is None and bool(event.value), "ok")
        hint.update(problem or ("✓ valid name" if event.value else ""))

    @on(Select.Changed, "#billing")
    def billing_changed(self, event: Select.Changed) -> None:
        self.query_one("#capacity-hint", Label).update(self._capacity_hint(event.value))

    # --- index rows -----------------------------------------------------------------------------

    @on(Button.Pressed, "#add-gsi")
    async def _add_gsi(self) -> None:
        await self.action_add_index("GSI")

    @on(Button.Pressed, "#add-lsi")
    async def _add_lsi(self) -> None:
        await self.action_add_index("LSI")

    async def action_add_index(self, kind: str) -> None:
        self._rows += 1
        index_row = IndexRow(kind, self._rows)
        await self.query_one("#indexes", Vertical).mount(index_row)
        index_row.query(Input).first().focus()

    @on(Button.Pressed)
    def _remove(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.endswith("-remove"):
            target = self.query_one(f"#{button_id.removesuffix('-remove')}", IndexRow)
            target.remove()
            self.query_one("#name", Input).focus()

    # --- review, confirm, create --------------------------------------------------------------

    def text(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def read_spec(self) -> TableSpec:
        name = self.text("name")
        problem = name_problem(name)
        if problem:
            raise FieldError("name", f"Invalid table name {name!r}", problem)
        if not self.text("pk"):
            raise FieldError("pk", "The partition key is required", "type its attribute name")
        pk = KeySpec(self.text("pk"), key_type(self.query_one("#pk-type", Select).value))
        sk_name = self.text("sk")
        sk = (
            KeySpec(sk_name, key_type(self.query_one("#sk-type", Select).value))
            if sk_name
            else None
        )
        mode = str(self.query_one("#billing", Select).value)
        provisioned = mode == "PROVISIONED"
        tp = throughput(self.text("read"), self.text("write"), "read", "write", provisioned)
        stream = self.query_one("#stream", Select).value
        rows = list(self.query(IndexRow))
        return TableSpec(
            name=name,
            partition_key=pk,
            sort_key=sk,
            billing_mode="PROVISIONED" if provisioned else "PAY_PER_REQUEST",
            provisioned=tp if provisioned else None,
            on_demand_max=None if provisioned else tp,
            gsis=tuple(r.read_spec(mode, pk) for r in rows if r.kind == "GSI"),
            lsis=tuple(r.read_spec(mode, pk) for r in rows if r.kind == "LSI"),
            table_class=str(self.query_one("#table-class", Select).value),
            deletion_protection=self.query_one("#protection", Checkbox).value,
            stream_view_type=None if stream == STREAM_OFF else str(stream),
            tags=parse_tags(self.text("tags"), "tags"),
        )

    @on(Button.Pressed, "#review")
    def action_review(self) -> None:
        self.say("error", "")
        try:
            spec = self.read_spec()
            plan = self.admin.plan_create_table(spec)
        except UserInputError as exc:
            self.show_error(exc)
            return
        self.create(spec, plan)

    @work(exclusive=True, exit_on_error=False, group="table-create")
    async def create(self, spec: TableSpec, plan: Plan) -> None:
        try:
            sent, _ = await confirm_and_send(self, plan)
        except DdbConsoleError as exc:
            self.show_error(exc)
            self.ctx.report_error(exc, source="table-create")
            return
        if sent:
            self.dismiss(spec.name)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
