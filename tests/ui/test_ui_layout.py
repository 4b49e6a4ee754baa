"""The ui/ package keeps its shape (docs/ARCHITECTURE.md, Layers and Layout): nothing under ui/
imports ui/app.py, screens and widgets reach the app through ConsoleContext, and files stay
readable in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import ddbconsole.ui

UI = Path(ddbconsole.ui.__file__).parent
MAX_LINES = 600


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_nothing_under_ui_imports_the_app() -> None:
    offenders = [
        str(path.relative_to(UI))
        for path in sorted(UI.rglob("*.py"))
        if path.name != "app.py"
        and {"ddbconsole.ui.app", "ddbconsole.ui.app.DdbConsoleApp"} & _imports(path)
    ]
    assert offenders == []


def test_ui_is_grouped_by_feature() -> None:
    assert not (UI / "screens").exists() and not (UI / "widgets").exists()
    for feature in ("common", "items", "tables", "capacity", "metrics"):
        assert (UI / feature / "__init__.py").is_file()


def test_ui_files_stay_small() -> None:
    long = {
        str(path.relative_to(UI)): n
        for path in sorted(UI.rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
