"""One request of a change, as it will be sent (services/plans.py builds Plans of them)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple


class PlannedRequest(NamedTuple):
    """One request a change will send, exactly as sent: shown to the user before confirming.

    `operation` is the API name (UpdateTable); `params` are the call's parameters.
    """

    service: str  # dynamodb | application-autoscaling
    operation: str
    params: dict[str, Any]

    @property
    def method(self) -> str:
        """The (aio)botocore client method name: UpdateTable -> update_table."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.operation).lower()
