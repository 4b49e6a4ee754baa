"""The status line: profile, region, endpoint, and a READ-ONLY badge that cannot be missed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ddbconsole.config import Settings


def status_text(settings: Settings, region: str | None = None, width: int | None = None) -> Text:
    """The status line; at `width` columns the endpoint is kept whole and the rest abbreviated
    (labels dropped, the role by its name, then the profile and region go) until it fits."""
    for level in range(4):
        text = _status(settings, region, level)
        if width is None or text.cell_len <= width:
            return text
    return text


def _status(settings: Settings, region: str | None, level: int) -> Text:
    profile = settings.profile
    text = Text()
    if settings.read_only:
        text.append(" READ-ONLY " if level < 3 else " RO ", style="bold white on red")
        text.append(" ")
    if settings.demo:
        text.append(" DEMO ", style="bold black on yellow")
        text.append(" ")
    parts: list[tuple[str, str]] = []
    if level < 2:
        name = profile.name
        if profile.aws_profile and profile.aws_profile != profile.name:
            name += f" ({profile.aws_profile})"
        parts.append(("profile", name))
    if level < 3:
        parts.append(("region", region or profile.region or "(from AWS config)"))
    parts.append(("endpoint", profile.endpoint_for("dynamodb") or "AWS"))
    if profile.role_arn:
        role = profile.role_arn if level == 0 else profile.role_arn.rsplit("/", 1)[-1]
        parts.append(("role", role))
    for i, (label, value) in enumerate(parts):
        if level == 0:
            text.append(("  " if i else "") + f"{label} ", style="dim")
        elif i:
            text.append(" · ", style="dim")
        text.append(value)
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[Settings, str | None] | None = None

    def show(self, settings: Settings, region: str | None = None) -> None:
        self._shown = (settings, region)
        self.update(status_text(settings, region, self.content_size.width or None))
        self.set_class(settings.read_only, "read-only")

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)
