"""DESIGN.md: services/ (and the shared modules) never import Textual."""

from __future__ import annotations

import subprocess
import sys


def test_services_do_not_import_textual() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import ddbconsole.services as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'ddbconsole.services.'):\n"
        "    importlib.import_module(m.name)\n"
        "for name in ('codec', 'models', 'errors', 'config', 'locations'):\n"
        "    try:\n"
        "        importlib.import_module('ddbconsole.' + name)\n"
        "    except ModuleNotFoundError:\n"
        "        pass\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_import_is_light() -> None:
    """Startup: importing the CLI pulls in neither Textual, aiobotocore nor moto."""
    code = (
        "import sys, ddbconsole.cli\n"
        "heavy = [m for m in ('textual', 'aiobotocore', 'moto', 'boto3') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
