"""Pure rendering rules: the status line keeps the endpoint whole, chart titles fit, chart lines
break at gaps in the data, help ids are never cut."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ddbconsole.ui.tables.status_bar import status_text
from tests.conftest import make_settings

ENDPOINT = "http://dynamodb-local.internal.example:8000"


def _settings(read_only: bool = True):  # type: ignore[no-untyped-def]
    settings = make_settings(ENDPOINT, read_only=read_only)
    profile = replace(
        settings.profile,
        name="production-eu",
        aws_profile="prod-operator-sso",
        region="eu-west-1",
        role_arn="arn:aws:iam::123456789012:role/ddbconsole-on-call-readonly",
    )
    return settings.with_profile(profile)


def test_full_status_line_when_it_fits() -> None:
    text = status_text(_settings(), "eu-west-1", width=400).plain
    for part in ("READ-ONLY", "profile production-eu (prod-operator-sso)", "region eu-west-1",
                 f"endpoint {ENDPOINT}", "role arn:aws:iam::123456789012:role/"):  # fmt: skip
        assert part in text, text


def test_small_terminal_keeps_the_endpoint_whole() -> None:
    for width in (118, 98, 78):
        text = status_text(_settings(), "eu-west-1", width=width).plain
        assert ENDPOINT in text, (width, text)
        assert len(text) <= width, (width, text)
        assert "READ-ONLY" in text or " RO " in text
    narrow = status_text(_settings(), "eu-west-1", width=98).plain
    assert "ddbconsole-on-call-readonly" in narrow and "arn:aws" not in narrow


def test_chart_titles_fit_narrow_charts() -> None:
    from ddbconsole.ui.metrics.metric_charts import fit_title

    title = "Throttles (count per 1 min) · GSI ByStatus"
    assert fit_title(title, 80) == title
    assert fit_title(title, 30) == "Throttles · GSI ByStatus"
    short = fit_title(title, 14)
    assert short.startswith("Throttles") and len(short) <= 12 and short.endswith("…")


@pytest.mark.parametrize("width", [None, 80])
def test_help_ids_are_not_cut_at_80_columns(width: int | None) -> None:
    import io

    from rich.console import Console

    from ddbconsole.ui.common.help import help_table
    from ddbconsole.ui.keys import ALL_ACTIONS

    console = Console(width=72, file=io.StringIO(), color_system=None, record=True)
    console.print(help_table({}, read_only=False, width=width))
    text = console.export_text()
    lines = text.splitlines()
    for action in ALL_ACTIONS:
        assert any(line.rstrip().endswith(action.id) for line in lines), action.id
    assert "question_mark" not in text and "?" in text
    if width is not None:
        # narrow: a description wraps at the terminal's width, not at a fifth of it
        desc = next(a for a in ALL_ACTIONS if a.id == "help").help
        assert any(desc in line for line in lines), desc


def test_chart_lines_are_cut_at_gaps() -> None:
    from ddbconsole.ui.metrics.metric_charts import segments

    xs = (0.0, 60.0, 120.0, 600.0, 660.0, 720.0)
    ys = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    assert segments(xs, ys) == [(xs[:3], ys[:3]), (xs[3:], ys[3:])]
    assert segments(xs[:3], ys[:3]) == [(xs[:3], ys[:3])]
    flat = (0.0, 3600.0)  # a configured-capacity line: two points, one segment
    assert segments(flat, (5.0, 5.0)) == [(flat, (5.0, 5.0))]
