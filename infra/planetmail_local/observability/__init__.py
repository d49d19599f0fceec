"""Metrics, live dashboard and SLA watch of the local pipeline (issue 7)."""

from planetmail_local.observability.api import create_app
from planetmail_local.observability.observatory import Observatory

__all__ = ["Observatory", "create_app"]
