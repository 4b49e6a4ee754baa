"""What reached the moto server, decoded: for comparing with the Plans the console showed."""

from __future__ import annotations

import base64
import json
from typing import Any

from ddbconsole.demo.server import MotoProcess


def reached_bodies(server: MotoProcess, operations: set[str]) -> list[tuple[str, Any]]:
    return [
        (r["operation"], json.loads(base64.b64decode(r["body"])))
        for r in server.requests(bodies=True)
        if r["operation"] in operations
    ]
