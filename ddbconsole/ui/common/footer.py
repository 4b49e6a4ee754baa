"""The footer: the keys of the focused widget, its screen and the app, on one line.

Textual's `Footer` rebuilds itself (one widget per key, each styled on mount) whenever the screen
says its bindings may have changed, which it does after every focus change, even when the keys
shown stay the same: that was most of the time a tab switch took (docs/ARCHITECTURE.md,
"Responsiveness"). This footer is one widget drawing one line of text. It works out the keys to show
when the screen publishes `bindings_updated_signal` and repaints only if they differ from what it
shows. It looks like Textual's footer (the same theme variables and spacing, the palette key on the
right) and, like it, a click on a key presses that key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


class FooterItem(NamedTuple):
    key: str  # what a click presses
    display: str  # the key as shown ("^p")
    description: str
    enabled: bool
    tooltip: str


class KeyFooter(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key--key",
        "footer-key--description",
        "footer-key--separator",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        padding-right: 1;  /* after the palette key */
        & > .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .footer-key--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.items: tuple[FooterItem, ...] = ()  # the keys shown, left to right
        self.palette: FooterItem | None = None  # the command palette's key, on the right
        self._spans: list[tuple[int, int, FooterItem]] = []  # columns of each key, when drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.call_after_refresh(self.bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        items: list[FooterItem] = []
        palette: FooterItem | None = None
        seen: set[str] = set()
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else ""
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items():
            item = FooterItem(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                enabled,
                tooltip or binding.tooltip or binding.description,
            )
            if key == palette_key:
                palette = item
            if binding.show and binding.action not in seen:  # one key per action, as Footer
                seen.add(binding.action)
                items.append(item)
        if (tuple(items), palette) != (self.items, self.palette):
            self.items, self.palette = tuple(items), palette
            self.refresh()

    def _piece(self, item: FooterItem) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        text = Text.assemble(
            (f" {item.display} ", key_style), (f"{item.description} ", description_style)
        )
        if not item.enabled:
            text.stylize("dim")
        return text

    def render(self) -> Text:
        width = self.size.width
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for item in self.items:
            piece = self._piece(item)
            self._spans.append((line.cell_len, line.cell_len + piece.cell_len, item))
            line.append_text(piece)
        if self.palette is not None:
            item = self.palette  # as Textual's footer draws it: "▏^p Commands", then the padding
            right = Text.assemble(
                ("▏", self.get_component_rich_style("footer-key--separator")),
                (item.display, self.get_component_rich_style("footer-key--key")),
                (f" {item.description}", self.get_component_rich_style("footer-key--description")),
            )
            start = max(width - right.cell_len, 0)
            line.truncate(start, pad=True)
            self._spans = [(a, min(b, start), i) for a, b, i in self._spans if a < start]
            self._spans.append((start + 1, width, self.palette))
            line.append_text(right)
        return line

    def item_at(self, x: int) -> FooterItem | None:
        return next((item for a, b, item in self._spans if a <= x < b), None)

    @property
    def right_edge(self) -> int:
        """The column after the last key on the left (the keys fit if it is left of the palette)."""
        return sum(self._piece(item).cell_len for item in self.items)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self.item_at(event.x)
        self.tooltip = item.tooltip if item is not None else None

    def on_click(self, event: events.Click) -> None:
        item = self.item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
