"""stack/secure.py without a broker: certificates, local.json keys, the broker's listener settings."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from planetmail.kafka import connection_options
from planetmail.settings import Settings
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.local_file import write_local_file
from planetmail_local.stack.secure import (
    BROKER_USER,
    CLIENT_USER,
    ensure_certificates,
    listener_properties,
    scram_users,
)


@pytest.fixture
def secure(tmp_path: Path) -> StackConfig:
    return StackConfig(state_dir=tmp_path / ".planetmail", cache_dir=tmp_path, kafka_port=19093, secure=True)


def test_broker_certificate_is_signed_by_the_local_ca_for_its_address(secure: StackConfig) -> None:
    tls = ensure_certificates(secure)
    broker, ca = x509.load_pem_x509_certificates(tls.chain_file.read_bytes())
    broker.verify_directly_issued_by(x509.load_pem_x509_certificate(tls.ca_file.read_bytes()))
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    names = broker.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    ssl.create_default_context(cafile=str(tls.ca_file))  # a valid trust store for Python clients
    assert tls.key_file.stat().st_mode & 0o777 == 0o600


def test_certificates_are_made_once_per_state_folder(secure: StackConfig) -> None:
    first = ensure_certificates(secure).ca_file.read_bytes()
    assert ensure_certificates(secure).ca_file.read_bytes() == first


def test_local_json_makes_clients_use_sasl_ssl_and_keeps_passwords(secure: StackConfig) -> None:
    first = write_local_file(secure)
    assert write_local_file(secure)["kafka_sasl_password"] == first["kafka_sasl_password"]
    assert first["kafka_sasl_password"] != first["kafka_broker_password"]
    options = connection_options(Settings.load(environ={}, state_dir=secure.state_dir))
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == CLIENT_USER
    assert options["sasl_plain_password"] == first["kafka_sasl_password"]
    assert options["ssl_cafile"] == str(secure.tls_dir / "ca.pem")
    assert scram_users(first) == {CLIENT_USER: first["kafka_sasl_password"],
                                  BROKER_USER: first["kafka_broker_password"]}


def test_back_to_plaintext_clients_drop_sasl(secure: StackConfig) -> None:
    write_local_file(secure)
    write_local_file(dataclasses.replace(secure, secure=False))
    assert json.loads(secure.local_file.read_text())["kafka_security_protocol"] == "PLAINTEXT"
    settings = Settings.load(environ={}, state_dir=secure.state_dir)
    assert connection_options(settings)["security_protocol"] == "PLAINTEXT"
    assert not StackConfig.from_settings(settings).secure


def test_secure_broker_listens_only_on_sasl_ssl(secure: StackConfig) -> None:
    ensure_certificates(secure)
    properties = listener_properties(secure, write_local_file(secure))
    assert properties["listeners"] == "SASL_SSL://127.0.0.1:19093"
    assert properties["security.inter.broker.protocol"] == "SASL_SSL"
    jaas = str(properties["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"])
    assert f'username="{BROKER_USER}"' in jaas
    assert "\n" not in str(properties["ssl.keystore.key"]), "one properties line per value"
    assert listener_properties(dataclasses.replace(secure, secure=False), {}) == {
        "listeners": "PLAINTEXT://127.0.0.1:19093"}

