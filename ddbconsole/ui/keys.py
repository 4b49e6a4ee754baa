"""Every action's id, default key, footer label and plain-English palette name, in one place.

Pure data (no Textual import), so the CLI can validate the config's `keys:` remaps before starting.
Users remap by id in the config (`keys: {refresh: f5}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ddbconsole.config import Settings
from ddbconsole.errors import ConfigError


@dataclass(frozen=True)
class Action:
    id: str
    key: str
    action: str
    label: str  # short, for the footer
    title: str  # plain English, for the command palette and help
    help: str
    show: bool = True
    write: bool = False  # hidden and refused in read-only mode


APP_ACTIONS: tuple[Action, ...] = (
    Action("quit", "ctrl+q", "quit", "Quit", "Quit", "Leave ddbconsole", show=False),
    Action("help", "question_mark", "help", "Help", "Show help", "List every key and command"),
    Action(
        "command_palette",
        "colon,ctrl+p",  # the id is Textual's own palette binding's: its ctrl+p must stay
        "command_palette",
        "Commands",
        "Open command palette",
        "Run any action by name",
        show=False,  # the footer shows Textual's own "^p Commands" at its right: once is enough
    ),
    Action(
        "switch_profile",
        "P",
        "switch_profile",
        "Profile",
        "Switch profile",
        "Connect through another configured profile",
        show=False,
    ),
    Action(
        "switch_region",
        "R",
        "switch_region",
        "Region",
        "Switch region",
        "Connect to another AWS region",
        show=False,
    ),
    # Metrics: app-level screens.
    Action(
        "overview",
        "O",
        "overview",
        "Overview",
        "All-tables overview",
        "Every table's capacity, throttles, errors and alarms, most urgent first",
        show=False,
    ),
    # Motion keys as in vi, k9s and lazygit, for whichever list or grid has focus.
    Action("cursor_down", "j", "cursor('down')", "Down", "Cursor down", "Next row", show=False),
    Action("cursor_up", "k", "cursor('up')", "Up", "Cursor up", "Previous row", show=False),
    Action(
        "cursor_top", "g", "cursor('top')", "Top", "First row", "Go to the first row", show=False
    ),
    Action(
        "cursor_bottom",
        "G",
        "cursor('bottom')",
        "Bottom",
        "Last row",
        "Go to the last row",
        show=False,
    ),
    Action(
        "oplog",
        "L",
        "oplog",
        "Op log",
        "Operation log",
        "Every AWS call this console made, with the equivalent AWS CLI command",
        show=False,
    ),
)

# The footer shows the keys used every day; the rest (show=False) are on the help screen and in
# the palette (with their keys), and the tab keys are in the tab titles: at 160 columns the footer
# fits, and it is rebuilt quickly on every focus change.
MAIN_ACTIONS: tuple[Action, ...] = (
    Action("back_or_quit", "q", "back_or_quit", "Quit", "Quit", "Quit from the main screen"),
    Action("refresh", "r", "refresh", "Refresh", "Refresh", "Reload the table list, the table and the tab shown"),
    Action(
        "filter_tables",
        "slash",
        "filter_tables",
        "Filter",
        "Filter tables",
        "Type to narrow the table list",
    ),
    Action("focus_tables", "t", "focus_tables", "Tables", "Focus table list", "Move to the tables", show=False),
    Action("leave_input", "escape", "leave_input", "Back", "Leave the field",
           "Leave a text field; again on the table list clears its filter", show=False),
    Action("toggle_tables", "backslash", "toggle_tables", "Hide tables", "Hide or show table list",
           "More room for the tab: hide the table list (again to show it)", show=False),
    Action("diagnose", "H", "diagnose", "Diagnose", "Diagnose throttling",
           "Why the selected table is throttled, which key is hot, and what to do"),
    Action("tab_items", "1", "show_tab('items')", "Items", "Show items", "Items tab", show=False),
    Action(
        "tab_capacity", "2", "show_tab('capacity')", "Capacity", "Show capacity", "Capacity tab", show=False),
    Action("tab_metrics", "3", "show_tab('metrics')", "Metrics", "Show metrics", "Metrics tab", show=False),
    Action(
        "tab_settings",
        "4",
        "show_tab('settings')",
        "Settings",
        "Show table settings",
        "Settings tab", show=False),
    Action("tab_stream", "5", "show_tab('stream')", "Stream", "Show stream",
           "Stream tab: what just changed in the table, live", show=False),
    # Tables: create and delete act on the whole account, so they live on the main screen.
    Action("new_table", "C", "new_table", "Create table", "Create table",
           "Form for a new table: keys, billing, indexes, stream, tags; shows the request first",
           write=True, show=False),
    Action("delete_table", "ctrl+d", "delete_table", "Delete table", "Delete table",
           "Delete the selected table (type its name to confirm; refused while protected)",
           write=True, show=False),
    # Backups and DynamoDB's S3 export/import: screens of their own (ui/backups/).
    Action("backups", "K", "backups", "Backups", "Backups and restores",
           "The selected table's backups and PITR window: back up, restore, export to S3",
           show=False),
    Action("s3_jobs", "J", "s3_jobs", "S3 jobs", "S3 export and import jobs",
           "DynamoDB's exports to and imports from S3: follow, download, import", show=False),
)  # fmt: skip

ITEM_ACTIONS: tuple[Action, ...] = (
    Action("item_query", "f", "focus_query", "Query", "Query or filter items",
           "Edit the scan/query form (Enter runs it)"),
    Action("item_next_page", "right_square_bracket", "next_page", "Next page", "Next page",
           "Load the next page (one request)"),
    Action("item_prev_page", "left_square_bracket", "prev_page", "Prev page", "Previous page",
           "Back one page (cached, or one request)", show=False),
    Action("item_view", "enter", "view_item", "View", "View item", "Show the item as JSON", show=False),
    Action("item_edit", "e", "edit_item", "Edit", "Edit item", "Edit the item as JSON", write=True),
    Action("item_new", "n", "new_item", "New", "New item", "Create an item from the key template",
           write=True),
    Action("item_duplicate", "c", "duplicate_item", "Duplicate", "Duplicate item",
           "A new item starting from this one", write=True, show=False),
    Action("item_delete", "d", "delete_item", "Delete", "Delete item", "Delete this item", write=True),
    Action("item_mark", "space", "mark_item", "Mark", "Mark item", "Mark or unmark for batch delete"),
    Action("item_delete_marked", "D", "delete_marked", "Delete marked", "Delete marked items",
           "Batch-delete every marked item", write=True, show=False),
    Action("item_search", "slash", "search_rows", "Search", "Search loaded rows",
           "Find text in the rows of this page (enter: next match, esc: back to the grid)"),
    Action("item_copy", "y", "copy_item", "Copy", "Copy item JSON",
           "Copy the item as JSON to the clipboard (through the terminal, OSC 52)"),
    Action("item_copy_key", "Y", "copy_key", "Copy key", "Copy item key",
           "Copy the item's key as JSON to the clipboard", show=False),
    Action("partiql", "x", "partiql", "PartiQL", "PartiQL console", "Run PartiQL statements"),
    Action("item_export", "o", "export_table", "Export", "Export table",
           "Write every item to a file (JSON lines, DynamoDB JSON, CSV), parallel scan"),
    Action("item_import", "I", "import_table", "Import", "Import into table",
           "Put items from a file (validated, batched, resumable, failure file)", write=True, show=False),
    Action("item_history", "h", "item_history", "History", "Item history",
           "This item's changes from the table's stream (24 hours), and restore an earlier image"),
    Action("item_undo", "u", "undo", "Undo", "Undo last change",
           "Undo this session's last item write (conditional on the item being as written)",
           write=True),
)  # fmt: skip

# Stream tab: the table's stream, live (see docs/ARCHITECTURE.md, Streams and undo).
STREAM_ACTIONS: tuple[Action, ...] = (
    Action("stream_pause", "s", "toggle_pause", "Pause", "Pause or follow the stream",
           "Freeze the view (records are still collected) or follow the newest again"),
    Action("stream_filter", "f", "focus_filter", "Filter", "Filter stream records",
           "Event (INSERT MODIFY REMOVE EXPIRED), key:{JSON}, prefix:TEXT, attr:NAME"),
    Action("stream_detail", "enter", "view_record", "Detail", "Show stream record",
           "The record's diff and its old and new images", show=False),
    Action("stream_goto", "g", "goto_item", "Go to item", "Go to the record's item",
           "Show the record's item in the Items tab"),
    Action("stream_from_start", "a", "from_start", "All 24 h", "Read the whole stream",
           "Start over from the oldest record the stream keeps (24 hours)"),
    Action("stream_enable", "E", "enable_stream", "Enable stream", "Enable the table's stream",
           "Turn on a NEW_AND_OLD_IMAGES stream (shows the request first)", write=True),
)  # fmt: skip

# Capacity tab. The target row (table or a GSI) is the pane's cursor, changeable in forms.
CAPACITY_ACTIONS: tuple[Action, ...] = (
    Action("cap_switch_billing", "b", "switch_billing", "Billing mode", "Switch billing mode",
           "On-demand <-> provisioned (4 switches to on-demand per 24 h)", write=True),
    Action("cap_throughput", "w", "edit_throughput", "Throughput", "Edit provisioned throughput",
           "Read/write capacity units of the table or a GSI", write=True),
    Action("cap_on_demand_max", "m", "edit_on_demand_max", "On-demand max",
           "Edit on-demand maximum throughput", "Cap on-demand request units per second",
           write=True),
    Action("cap_autoscaling", "a", "edit_autoscaling", "Auto scaling", "Enable or edit auto scaling",
           "Target tracking for read and/or write of the table or a GSI", write=True),
    Action("cap_disable_autoscaling", "A", "disable_autoscaling", "Disable AS",
           "Disable auto scaling", "Remove target tracking from the table or a GSI", write=True, show=False),
    Action("cap_restore_autoscaling", "u", "restore_autoscaling", "Restore AS",
           "Restore remembered auto scaling",
           "Re-apply the auto scaling saved when the table went on-demand", write=True, show=False),
    Action("cap_cost", "dollar_sign", "refresh_cost", "Cost", "Refresh cost what-if",
           "Re-estimate each capacity choice's monthly cost from CloudWatch", show=False),
)  # fmt: skip

# Metrics tab. Alarm keys are upper case: n/e/d belong to items in the Items tab.
METRICS_ACTIONS: tuple[Action, ...] = (
    Action("metrics_range_longer", "greater_than_sign", "range_longer", "Range +",
           "Longer metrics range", "Widen the charts' time range (15 min .. 14 days)"),
    Action("metrics_range_shorter", "less_than_sign", "range_shorter", "Range -",
           "Shorter metrics range", "Narrow the charts' time range", show=False),
    Action("metrics_period", "p", "next_period", "Period", "Change metrics period",
           "Cycle the period: auto, 1 min, 5 min, 15 min, 1 h, 6 h, 1 day"),
    Action("metrics_scope", "i", "next_scope", "Table/GSI", "Show table or GSI metrics",
           "Cycle the capacity charts between the table and each GSI"),
    Action("metrics_pause", "s", "toggle_pause", "Pause", "Pause or resume metrics",
           "Stop or restart the automatic refresh"),
    Action("metrics_refresh", "f5", "refresh_now", "Refresh now", "Refresh metrics now",
           "Fetch the metrics and alarms now (one GetMetricData call)", show=False),
    Action("alarm_new", "N", "new_alarm", "New alarm", "Create alarm",
           "Create an alarm from a preset (capacity, throttling, errors, latency)", write=True),
    Action("alarm_edit", "E", "edit_alarm", "Edit alarm", "Edit alarm thresholds",
           "Change the selected alarm's threshold, duration or SNS topic", write=True),
    Action("alarm_delete", "X", "delete_alarm", "Delete alarm", "Delete alarm",
           "Delete the selected alarm", write=True),
)  # fmt: skip

# Settings tab: every change shows the exact request and asks before sending.
TABLE_ACTIONS: tuple[Action, ...] = (
    Action("table_ttl", "T", "edit_ttl", "TTL", "Change time to live",
           "Enable or disable TTL and its attribute (AWS allows one change per hour)", write=True),
    Action("table_pitr", "B", "toggle_pitr", "PITR", "Toggle point-in-time recovery",
           "Turn continuous backups (point-in-time recovery) on or off", write=True),
    Action("table_stream", "S", "edit_stream", "Stream", "Change stream",
           "Enable the stream with a view type, or disable it", write=True),
    Action("table_protection", "g", "toggle_deletion_protection", "Protection",
           "Toggle deletion protection", "Turn deletion protection on or off", write=True),
    Action("table_class", "k", "toggle_table_class", "Class", "Change table class",
           "Switch between STANDARD and STANDARD_INFREQUENT_ACCESS", write=True),
    Action("table_tags", "number_sign", "edit_tags", "Tags", "Edit tags",
           "Add, change or remove the table's tags", write=True),
    Action("table_add_gsi", "plus", "add_gsi", "Add GSI", "Add global secondary index",
           "Create a GSI on this table (its backfill is followed live)", write=True),
    Action("table_delete_gsi", "minus", "delete_gsi", "Delete GSI", "Delete global secondary index",
           "Delete one of the table's GSIs", write=True),
)  # fmt: skip

# The Backups screen of one table.
BACKUP_ACTIONS: tuple[Action, ...] = (
    Action("backups_close", "escape,q", "close", "Back", "Close backups", "Back to the tables"),
    Action("backups_refresh", "r", "refresh", "Refresh", "Refresh backups",
           "List the backups and the PITR window again"),
    Action("backup_create", "n", "create_backup", "Back up", "Create on-demand backup",
           "Back up the table now (named <table>-<UTC timestamp>)", write=True),
    Action("backup_delete", "d", "delete_backup", "Delete", "Delete backup",
           "Delete the selected backup (type its name to confirm)", write=True),
    Action("backup_restore", "enter", "restore_backup", "Restore", "Restore backup to a new table",
           "RestoreTableFromBackup: billing, indexes and encryption may differ; followed to ACTIVE",
           write=True),
    Action("backup_restore_pitr", "p", "restore_pitr", "Restore to time",
           "Restore to a point in time",
           "RestoreTableToPointInTime into a new table: a time in the window, or the latest",
           write=True),
    Action("backup_more", "m", "more_backups", "More", "Load more backups",
           "The next page of ListBackups"),
    Action("s3_export", "x", "export_s3", "Export to S3", "Export table to S3",
           "DynamoDB's own export (no table capacity read); needs PITR on", write=True),
    Action("backups_jobs", "j", "open_jobs", "S3 jobs", "Show S3 jobs",
           "Exports and imports: status, counts, times; download a finished export"),
)  # fmt: skip

# The S3 jobs screen (exports and imports of the account and region).
JOB_ACTIONS: tuple[Action, ...] = (
    Action("jobs_close", "escape,q", "close", "Back", "Close S3 jobs", "Back to where you were"),
    Action("jobs_refresh", "r", "refresh", "Refresh", "Refresh S3 jobs",
           "List the exports and imports again (followed while any runs)"),
    Action("s3_download", "enter", "download", "Download", "Download a finished export",
           "Read the export's manifest and data files from S3 into a local file"),
    Action("jobs_more", "m", "more", "More", "Load more S3 jobs",
           "Read the next page of exports and imports (also when the cursor reaches the end)"),
    Action("s3_import", "i", "import_s3", "Import from S3", "Import from S3 into a new table",
           "ImportTable: CSV, DynamoDB JSON or Ion, optionally compressed; followed", write=True),
)  # fmt: skip

# The Diagnose screen (one per table): throttling reasons, hot keys, advice, key analysis.
DIAGNOSE_ACTIONS: tuple[Action, ...] = (
    Action("diag_close", "escape,q", "close", "Back", "Close diagnosis", "Back to the tables"),
    Action("diag_refresh", "r", "refresh", "Refresh", "Refresh diagnosis",
           "Read the metrics and Contributor Insights again"),
    Action("diag_range_longer", "greater_than_sign", "range_longer", "Range +",
           "Longer diagnosis range", "Widen the range the reasons and hot keys cover"),
    Action("diag_range_shorter", "less_than_sign", "range_shorter", "Range -",
           "Shorter diagnosis range", "Narrow the range the reasons and hot keys cover"),
    Action("diag_scope", "i", "next_scope", "Table/GSI", "Diagnose table or GSI",
           "Cycle the hot keys and Contributor Insights changes between the table and each GSI"),
    Action("diag_open_key", "enter", "open_key", "Query key", "Query hot key in Items",
           "Open the selected key's partition as a query in the Items tab"),
    Action("diag_insights", "I", "toggle_insights", "Insights on/off",
           "Turn Contributor Insights on or off",
           "Enable or disable Contributor Insights for the table or GSI (billed; shown first)",
           write=True),
    Action("diag_insights_mode", "M", "switch_insights_mode", "Insights mode",
           "Change Contributor Insights mode",
           "Accessed and throttled keys, or throttled keys only", write=True),
    Action("diag_analyze", "z", "analyze", "Analyze keys", "Sampled key analysis",
           "A bounded parallel scan: items and bytes per partition key (storage skew)"),
    Action("diag_cancel", "x", "cancel_analysis", "Cancel", "Cancel key analysis",
           "Stop the sampled key analysis and show what it read"),
)  # fmt: skip

ALL_ACTIONS: tuple[Action, ...] = (
    APP_ACTIONS
    + MAIN_ACTIONS
    + ITEM_ACTIONS
    + CAPACITY_ACTIONS
    + METRICS_ACTIONS
    + TABLE_ACTIONS
    + BACKUP_ACTIONS
    + JOB_ACTIONS
    + STREAM_ACTIONS
    + DIAGNOSE_ACTIONS
)
ACTION_IDS = frozenset(a.id for a in ALL_ACTIONS)
ACTION_TITLES = {a.id: a.title for a in ALL_ACTIONS}


def keys_of(action: Action, remaps: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The action's keys as Textual names them (a remap in the config replaces the default)."""
    spec = (remaps or {}).get(action.id) or action.key
    return tuple(k.strip() for k in spec.split(",") if k.strip())


def check_keymap(settings: Settings) -> None:
    """Refuse remaps of unknown action ids, naming the key and the file."""
    source = str(settings.config_path) if settings.config_path else "config"
    for action_id, key in settings.keys.items():
        if action_id not in ACTION_IDS:
            raise ConfigError(
                f"{source}: unknown key 'keys.{action_id}'",
                "action ids: " + ", ".join(sorted(ACTION_IDS)),
                code="ConfigUnknownKey",
            )
        if not key.strip():
            raise ConfigError(f"{source}: key 'keys.{action_id}' is empty", "give a key such as f5")
