"""The ``context`` object handlers receive, with Lambda's attributes."""

from __future__ import annotations

import time
from typing import Any


class LambdaContext:
    def __init__(
        self,
        *,
        function_name: str,
        memory_limit_in_mb: int,
        invoked_function_arn: str,
        aws_request_id: str,
        deadline_epoch_seconds: float,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = invoked_function_arn
        self.aws_request_id = aws_request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{aws_request_id}"
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = deadline_epoch_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))
