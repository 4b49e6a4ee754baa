"""Modal pickers for switching profile and region at run time."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ddbconsole.config import Profile, check_region
from ddbconsole.errors import ConfigError

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-east-1",
    "me-south-1", "me-central-1", "af-south-1", "il-central-1",
)  # fmt: skip

PICKER_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 64; height: auto; max-height: 80%; border: thick $accent;
    background: $surface; padding: 1 2; }}
{name} OptionList {{ height: auto; max-height: 20; }}
{name} .error {{ color: $error; }}
"""


class ProfilePicker(ModalScreen[Profile | None]):
    DEFAULT_CSS = PICKER_CSS.format(name="ProfilePicker")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_picker")]

    def __init__(self, profiles: dict[str, Profile], current: str, source: str) -> None:
        super().__init__()
        self.profiles = profiles
        self.current = current
        self.source = source

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Switch profile[/b]")
            if self.profiles:
                yield OptionList(
                    *[
                        Option(f"{'● ' if n == self.current else '  '}{n}", id=n)
                        for n in sorted(self.profiles)
                    ],
                    id="profiles",
                )
            else:
                yield Label(f"No profiles under profiles: in {self.source}.", classes="error")
            yield Label("…or type an AWS profile name (from ~/.aws/config):")
            yield Input(placeholder="aws profile name", id="aws-profile")

    @on(OptionList.OptionSelected, "#profiles")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.profiles[str(event.option.id)])

    @on(Input.Submitted, "#aws-profile")
    def typed(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if name:
            self.dismiss(Profile(name=name, aws_profile=name))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RegionPicker(ModalScreen[str | None]):
    DEFAULT_CSS = PICKER_CSS.format(name="RegionPicker")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_picker")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Switch region[/b] (now {self.current or 'unset'})")
            yield Input(placeholder="type a region, e.g. eu-west-1", id="region")
            yield Label("", id="region-error", classes="error")
            yield OptionList(*[Option(r, id=r) for r in REGIONS], id="regions")

    @on(Input.Changed, "#region")
    def narrow(self, event: Input.Changed) -> None:
        options = self.query_one("#regions", OptionList)
        options.clear_options()
        options.add_options([Option(r, id=r) for r in REGIONS if event.value.strip() in r])

    @on(Input.Submitted, "#region")
    def typed(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(check_region(event.value.strip()))
        except ConfigError as exc:
            # Keep what was typed; say what is wrong.
            self.query_one("#region-error", Label).update(exc.title)

    @on(OptionList.OptionSelected, "#regions")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
