"""``python -m planetmail_local.observability``: the dashboard, as ``planetmail dashboard`` serves it."""

from planetmail_local.cli.dashboard import dashboard

dashboard(prog_name="python -m planetmail_local.observability")
