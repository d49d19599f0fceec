"""``python -m planetmail_local.smtp_sink``: the SMTP server and the web viewer in one process."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from aiosmtpd.controller import Controller

from planetmail_local.smtp_sink.faults import FaultPlan
from planetmail_local.smtp_sink.handler import SinkHandler
from planetmail_local.smtp_sink.store import MessageStore
from planetmail_local.smtp_sink.viewer import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--viewer-port", type=int, default=8025)
    parser.add_argument("--mail-dir", type=Path, default=Path(".planetmail/data/smtp"))
    args = parser.parse_args()
    store, faults = MessageStore(args.mail_dir), FaultPlan()
    controller = Controller(SinkHandler(store, faults), hostname=args.host, port=args.port,
                            data_size_limit=50 * 1024 * 1024)
    controller.start()
    try:
        uvicorn.run(create_app(store, faults), host=args.host, port=args.viewer_port, log_level="warning")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
