"""The bare pipeline ``planetmail bench --baseline`` measures planetmail against: the same stages, no
guarantees.

FastAPI intake → Kafka → a plain consumer that classifies → Kafka → a plain consumer that sends SMTP.
No authentication, parsing, dedupe, status rows, ledger, lifecycle events, retries, dead letters or
reply policy; leader-acknowledged produces (``acks=1``) and auto-committed offsets. Each stage is one
process, run as ``python -m planetmail_local.bench.bare STAGE ...``. The classifier is a bare TF-IDF +
LinearSVC trained at start-up on the repository's corpus (before the run is measured), so the figure
is what the stages cost, not what planetmail's model costs.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kafka import KafkaConsumer, KafkaProducer

from planetmail.inbound import new_tracking_id
from planetmail.kafka import connection_options
from planetmail.settings import Settings

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
SENDER = "readers@dailyplanet.example"


def intake_app(settings: Settings, topic: str) -> Any:
    """Every POST is accepted as it is: its bytes go to Kafka under a new tracking id."""
    producer = KafkaProducer(**connection_options(settings), acks=1, linger_ms=5)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/{path:path}")
    async def accept(request: Request) -> JSONResponse:
        tracking_id = new_tracking_id()
        producer.send(topic, key=tracking_id.encode(), value=await request.body()).get(timeout=10)
        return JSONResponse({"id": tracking_id, "status": "received"}, status_code=202)

    return app


def train_bare_classifier() -> Any:
    """TF-IDF + LinearSVC on the repository's corpus: the baseline of every classification figure."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    rows = [json.loads(line) for path in sorted((REPO_DATA / "corpus").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    model = make_pipeline(TfidfVectorizer(sublinear_tf=True), LinearSVC())
    model.fit([f"{row['subject']} {row['body']}" for row in rows], [row["category"] for row in rows])
    return model


def classify(settings: Settings, source: str, target: str, group: str) -> None:
    """Consume raw requests, label each, produce (id, category) to the acknowledgement topic."""
    model = train_bare_classifier()
    consumer = KafkaConsumer(source, **connection_options(settings), group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=True)
    producer = KafkaProducer(**connection_options(settings), acks=1, linger_ms=5)
    print("ready", flush=True)
    while True:
        batch = [record for records in consumer.poll(timeout_ms=500).values() for record in records]
        if not batch:
            continue
        texts = [record.value.decode("utf-8", "replace")[:20_000] for record in batch]
        for record, category in zip(batch, model.predict(texts), strict=True):
            producer.send(target, key=record.key, value=str(category).encode())
        producer.flush()


def send(settings: Settings, source: str, group: str) -> None:
    """Consume labelled ids and send one acknowledgement each over one kept-open SMTP connection."""
    consumer = KafkaConsumer(source, **connection_options(settings), group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=True)
    print("ready", flush=True)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        for record in consumer:
            smtp.send_message(acknowledgement(record.key.decode(), record.value.decode()))


def acknowledgement(tracking_id: str, category: str) -> EmailMessage:
    """The bench follows acknowledgements by the id at the end of the subject, as planetmail's."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "reader@example.org"
    message["Subject"] = f"We received your message ({category}) [{tracking_id}]"
    message.set_content("Thank you for writing to the Daily Planet.")
    return message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planetmail_local.bench.bare")
    parser.add_argument("stage", choices=("intake", "classify", "send"))
    parser.add_argument("--prefix", required=True, help="topic and consumer-group prefix of this run")
    parser.add_argument("--port", type=int, default=0, help="intake's HTTP port")
    args = parser.parse_args(argv)
    settings = Settings.load()
    received, labelled = f"{args.prefix}received", f"{args.prefix}labelled"
    if args.stage == "intake":
        import uvicorn

        uvicorn.run(intake_app(settings, received), host="127.0.0.1", port=args.port, log_level="warning")
    elif args.stage == "classify":
        classify(settings, received, labelled, f"{args.prefix}classify")
    else:
        send(settings, labelled, f"{args.prefix}send")
    return 0


if __name__ == "__main__":
    sys.exit(main())
