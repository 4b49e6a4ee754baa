"""The status line: profile, region, endpoint, and a READ-ONLY badge that cannot be missed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ddbconsole.config import Settings


def status_text(settings: Settings, region: str | None = None) -> Text:
    profile = settings.profile
    text = Text()
    if settings.read_only:
        text.append(" READ-ONLY ", style="bold white on red")
        text.append(" ")
    if settings.demo:
        text.append(" DEMO ", style="bold black on yellow")
        text.append(" ")
    text.append("profile ", style="dim")
    text.append(
        profile.name
        + (
            f" ({profile.aws_profile})"
            if profile.aws_profile and profile.aws_profile != profile.name
            else ""
        )
    )
    text.append("  region ", style="dim")
    text.append(region or profile.region or "(from AWS config)")
    endpoint = profile.endpoint_for("dynamodb")
    text.append("  endpoint ", style="dim")
    text.append(endpoint or "AWS")
    if profile.role_arn:
        text.append("  role ", style="dim")
        text.append(profile.role_arn)
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def show(self, settings: Settings, region: str | None = None) -> None:
        self.update(status_text(settings, region))
        self.set_class(settings.read_only, "read-only")
