"""Kafka over SASL_SSL for ``planetmail up --secure``: a local CA, the broker's certificate, SCRAM users.

One SASL_SSL listener serves clients AND the broker itself: inter-broker traffic (the controller talking
to its own broker) also authenticates with SCRAM-SHA-512, as user ``broker``, and verifies the broker
certificate against the local CA. No plaintext port is open in secure mode.

SCRAM credentials are created in ZooKeeper (``kafka.admin.ConfigCommand --zookeeper``) before the broker
starts; the passwords live only in ``local.json`` (0600) and, for the broker's own login, in its
``kafka.properties`` (0600), and are handed to ConfigCommand in a 0600 file, never on a command line.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import secrets
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from planetmail.coordination.client import zookeeper
from planetmail_local.stack.config import KAFKA_CHROOT, SECURE_PROTOCOL, StackConfig
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.process import own_process

MECHANISM = "SCRAM-SHA-512"
CLIENT_USER = "planetmail"
BROKER_USER = "broker"
CERTIFICATE_DAYS = 825
CONFIG_COMMAND = "kafka.admin.ConfigCommand"


@dataclasses.dataclass(frozen=True)
class BrokerTls:
    ca_file: Path
    key_file: Path
    chain_file: Path

    @classmethod
    def of(cls, config: StackConfig) -> BrokerTls:
        return cls(config.tls_dir / "ca.pem", config.tls_dir / "broker-key.pem",
                   config.tls_dir / "broker-chain.pem")

    def exists(self) -> bool:
        return all(path.is_file() for path in (self.ca_file, self.key_file, self.chain_file))


def ensure_certificates(config: StackConfig) -> BrokerTls:
    """The CA and the broker certificate (for ``host`` and localhost), generated once per state folder."""
    tls = BrokerTls.of(config)
    if tls.exists():
        return tls
    config.tls_dir.mkdir(parents=True, exist_ok=True)
    config.tls_dir.chmod(0o700)
    ca_key, ca_cert = _certificate_authority()
    broker_key = _rsa_key()
    broker_cert = _broker_certificate(broker_key, ca_key, ca_cert, config.host)
    _write_private(tls.key_file, broker_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    _write_private(tls.chain_file, _pem(broker_cert) + _pem(ca_cert))
    tls.ca_file.write_bytes(_pem(ca_cert))
    return tls


def client_credentials(config: StackConfig, previous: dict[str, Any]) -> dict[str, Any]:
    """The ``local.json`` keys every planetmail client reads its Kafka security settings from.

    Passwords are kept across ``up`` runs; plaintext mode says so explicitly, so a client never keeps
    a stale SASL_SSL setting after the stack went back to plaintext.
    """
    if not config.secure:
        return {"kafka_security_protocol": "PLAINTEXT"}
    return {
        "kafka_security_protocol": SECURE_PROTOCOL,
        "kafka_sasl_mechanism": MECHANISM,
        "kafka_sasl_username": CLIENT_USER,
        "kafka_sasl_password": previous.get("kafka_sasl_password") or secrets.token_urlsafe(24),
        "kafka_broker_password": previous.get("kafka_broker_password") or secrets.token_urlsafe(24),
        "kafka_ssl_cafile": str(BrokerTls.of(config).ca_file),
    }


def scram_users(local: dict[str, Any]) -> dict[str, str]:
    """user -> password of the SCRAM users the broker needs, from ``local.json``."""
    return {CLIENT_USER: str(local["kafka_sasl_password"]), BROKER_USER: str(local["kafka_broker_password"])}


def listener_properties(config: StackConfig, local: dict[str, Any]) -> dict[str, object]:
    """The broker's listener settings: PLAINTEXT, or SASL_SSL with the PEM keystore given as strings."""
    address = f"{config.host}:{config.kafka_port}"
    if not config.secure:
        return {"listeners": f"PLAINTEXT://{address}"}
    tls = BrokerTls.of(config)
    jaas = (f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{BROKER_USER}" '
            f'password="{local["kafka_broker_password"]}";')
    return {
        "listeners": f"{SECURE_PROTOCOL}://{address}",
        "security.inter.broker.protocol": SECURE_PROTOCOL,
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        f"listener.name.sasl_ssl.{MECHANISM.lower()}.sasl.jaas.config": jaas,
        # A file-based PEM keystore insists on an encrypted key; as strings an unencrypted one is fine.
        "ssl.keystore.type": "PEM",
        "ssl.keystore.key": _property_text(tls.key_file),
        "ssl.keystore.certificate.chain": _property_text(tls.chain_file),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": tls.ca_file,
    }


def create_scram_users(config: StackConfig, java: list[str], users: dict[str, str]) -> None:
    """Upsert each user's SCRAM-SHA-512 credential in ZooKeeper (ConfigCommand JVMs, run in parallel).

    The tool's output goes to the ``kafka-security`` log with every password masked (it echoes a
    malformed credential property in full).
    """
    with zookeeper(config.settings(), connect_timeout=10) as client:
        client.ensure_path(KAFKA_CHROOT)
    running = [(user, _config_command(config, java, user, password)) for user, password in users.items()]
    try:
        failed = [user for user, command in running if command.wait() != 0]
    finally:  # a timed-out first command must not leave the other password files behind
        for _, command in running:
            command.password_file.unlink(missing_ok=True)
    log = config.log_file("kafka-security")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(_masked("".join(command.output for _, command in running), users.values()))
    if failed:
        raise StackError(f"creating the SCRAM credentials of {', '.join(failed)} in ZooKeeper failed; "
                        f"see {log}")


class _ConfigCommand:
    """One ``ConfigCommand --alter`` upserting a user, started at once so several run in parallel."""

    def __init__(self, argv: list[str], password_file: Path) -> None:
        self.password_file = password_file
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""

    def wait(self) -> int:
        try:
            self.output, _ = self.process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()
        return self.process.returncode


def _config_command(config: StackConfig, java: list[str], user: str, password: str) -> _ConfigCommand:
    # ConfigCommand reads ``mechanism=password=...`` from a file (no brackets, unlike --add-config).
    password_file = _write_private(config.conf_dir / f"scram-{user}.properties",
                                   f"{MECHANISM}=password={password}\n".encode())
    argv = [*java, CONFIG_COMMAND, "--zookeeper", f"{config.zookeeper}{KAFKA_CHROOT}", "--alter",
            "--add-config-file", str(password_file), "--entity-type", "users", "--entity-name", user]
    return _ConfigCommand(argv, password_file)


def _masked(text: str, passwords: Iterable[str]) -> str:
    for password in passwords:
        text = text.replace(password, "**********")
    return text


def running_mode_conflict(config: StackConfig) -> str | None:
    """Why the running broker cannot serve the requested mode (it is never reconfigured live), or None."""
    if own_process(config.pid_file("kafka")) is None:
        return None
    properties = config.conf_dir / "kafka.properties"
    try:
        running_secure = f"{SECURE_PROTOCOL}://" in properties.read_text(encoding="utf-8")
    except OSError:
        return None
    if running_secure == config.secure:
        return None
    running = SECURE_PROTOCOL if running_secure else "PLAINTEXT"
    wanted = "--secure" if config.secure else "--plaintext"
    return (f"the Kafka broker of this stack runs {running}; "
            f"run 'planetmail down' then 'planetmail up {wanted}'")


def _certificate_authority() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "planetmail local CA")])
    certificate = (
        _builder(name, name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=True, crl_sign=True, encipher_only=False,
                                     decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _broker_certificate(key: rsa.RSAPrivateKey, ca_key: rsa.RSAPrivateKey, ca: x509.Certificate,
                        host: str) -> x509.Certificate:
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(host))]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    return (
        _builder(subject, ca.subject, key)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                              x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _builder(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
    )


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(content)
    return path


def _property_text(path: Path) -> str:
    """A PEM file as one Java-properties value (newlines escaped)."""
    return path.read_text(encoding="utf-8").strip().replace("\n", "\\n")
