"""Every hostile message (tests/fixtures/hostile and the generated cases of issue 15) through every
route of the collector in-process, storage replaced by the size and cap checks it runs: a 2xx or a
4xx problem, never a 500. The same cases run through the real gateway and Kafka with
``planetmail fuzz-intake`` (figures in the README)."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fuzzing import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector import app as app_module
from collector import limits, webhooks
from collector.app import create_app
from collector.claimcheck import fitted
from collector.delivery import Delivery
from collector.intake import Acceptance
from collector.runtime import Runtime
from planetmail.settings import Secret, Settings
from planetmail_local import hostile

TOPIC = "arn:aws:sns:us-east-1:123456789012:planetmail-inbound"
CREDS = {"api_token": "hostile-token", "sendgrid": "sg:pw", "postmark": "pm:pw", "mailgun_key": "mg-key"}
ACCEPTED: list[Delivery] = []


def _accept(delivery: Delivery, runtime: Any, *_: Any) -> Acceptance:
    """What intake.accept checks before anything is stored (the stored path is tested in integration)."""
    limits.check_delivery(delivery)
    fitted(delivery.email, runtime.settings.inline_body_limit)
    ACCEPTED.append(delivery)
    return Acceptance(delivery.email.id, duplicate=False)


@pytest.fixture(scope="module")
def trust_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sns-trust")


@pytest.fixture(scope="module")
def credentials(trust_dir: Path) -> hostile.Credentials:
    key, url = hostile.sns_signer(trust_dir)
    return hostile.Credentials(**CREDS, sns_key=key, sns_cert_url=url, sns_topic=TOPIC)


@pytest.fixture(scope="module")
def client(credentials: hostile.Credentials, trust_dir: Path, tmp_path_factory) -> Iterator[TestClient]:
    loaded = Settings.load(environ={}, state_dir=tmp_path_factory.mktemp("state"), zookeeper="127.0.0.1:1")
    configured = dataclasses.replace(
        loaded, api_token=Secret(CREDS["api_token"]), sns_topic_arns=TOPIC, sns_cert_dir=str(trust_dir),
        webhook_credentials={"sendgrid": Secret(CREDS["sendgrid"]), "postmark": Secret(CREDS["postmark"]),
                             "mailgun": Secret(CREDS["mailgun_key"])},
    )
    patch = pytest.MonkeyPatch()
    patch.setattr(app_module, "accept", _accept)
    patch.setattr(webhooks, "accept", _accept)
    patch.setattr(webhooks, "_accept_once", lambda delivery, key, runtime: _accept(delivery, runtime))
    application = create_app(Runtime(configured, fetch=_never_fetch))
    with TestClient(application, raise_server_exceptions=False) as test:
        yield test
    patch.undo()


def _never_fetch(url: str) -> bytes:
    raise AssertionError(f"the collector fetched {url}")


def _post(client: TestClient, case: hostile.HttpCase) -> tuple[int, dict[str, Any], float]:
    started = time.process_time()
    response = client.post(case.path, content=case.body, headers=case.headers)
    return response.status_code, response.json(), time.process_time() - started


MESSAGES = hostile.all_messages()
ROUTES = tuple(hostile.WRAPPERS)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_hostile_message_through_every_route_is_2xx_or_a_4xx_problem(
    client: TestClient, credentials: hostile.Credentials, name: str, route: str
) -> None:
    status, body, _ = _post(client, hostile.WRAPPERS[route](name, MESSAGES[name], credentials))

    assert status < 500, body
    assert status in (200, 202) or body["status"] == status  # a problem document names its status


@pytest.mark.parametrize("name", sorted(hostile.form_attacks(hostile.Credentials(**CREDS))))
def test_envelope_attacks_are_refused_with_a_4xx(client: TestClient, credentials, name: str) -> None:
    status, body, _ = _post(client, hostile.form_attacks(credentials)[name])

    assert 400 <= status < 500, body


@pytest.mark.parametrize(("name", "cap"), [
    ("from_5000_parentheses", "MAX_COMMENT_DEPTH"),
    ("mime_nested_1000_deep", "MAX_MIME_CONTAINERS"),
    ("content_type_4000_params", "MAX_CONTENT_PARAMS"),
    ("encoded_filename_words", "MAX_ENCODED_WORDS"),
    ("from_20000_encoded_words", "MAX_ENCODED_WORDS"),
    ("attachments_20000", "MAX_BOUNDARY_LINES"),
    ("headers_5000", "MAX_HEADER_COUNT"),
    ("to_10000_addresses", "MAX_HEADER_VALUE_BYTES"),
    ("to_1000_addresses", "MAX_ADDRESSES"),
    ("subject_100k", "MAX_HEADER_VALUE_BYTES"),
])
def test_each_cap_is_named_in_the_400(client: TestClient, credentials, name: str, cap: str) -> None:
    """Each of these made the old collector answer 500 (RecursionError, AssertionError) or spend
    10-30 s of CPU; now the cap is checked first and named."""
    status, body, _ = _post(client, hostile.api_case(name, MESSAGES[name], credentials))

    assert (status, cap in body["detail"]) == (400, True), body


MIME_ROUTES = tuple(route for route in ROUTES if route != "postmark")
"""Postmark's webhook carries the message as parsed fields; the others carry its MIME."""


@pytest.mark.parametrize("route", MIME_ROUTES)
def test_mime_parameters_without_a_value_are_accepted_with_the_text_and_attachment(
    client: TestClient, credentials: hostile.Credentials, route: str
) -> None:
    """CPython's header parser raises IndexError on ``filename*`` (python/cpython#151857): every route
    refused this reader's letter with a 400 until the collector read such headers without them."""
    ACCEPTED.clear()
    status, body, _ = _post(client, hostile.WRAPPERS[route]("valueless", MESSAGES["valueless_parameters.eml"],
                                                            credentials))

    assert status in (200, 202), body
    assert "charges the year twice" in ACCEPTED[0].email.text
    assert [a.meta.content_type for a in ACCEPTED[0].attachments] == ["application/pdf"]


def test_html_that_broke_the_html_parser_is_accepted_with_its_text(client: TestClient, credentials) -> None:
    ACCEPTED.clear()
    for name in ("html_cdata_assertion", "html_20000_unclosed_tags"):
        status, body, _ = _post(client, hostile.api_case(name, MESSAGES[name], credentials))
        assert status == 202, body
    assert [delivery.email.text for delivery in ACCEPTED] == ["", ""]


def test_control_characters_that_grow_six_fold_in_json_still_fit_a_record(client, credentials) -> None:
    ACCEPTED.clear()
    case = hostile.api_case("control", MESSAGES["control_characters_256k"], credentials)
    status, _, _ = _post(client, case)

    assert status == 202
    record, truncated = fitted(ACCEPTED[0].email, 256 * 1024)
    assert truncated and len(record.model_dump_json(by_alias=True).encode()) <= 768 * 1024


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), name=st.sampled_from(sorted(MESSAGES)),
       route=st.sampled_from(ROUTES))
def test_random_mutations_are_2xx_or_4xx(client: TestClient, credentials, seed: int, name: str,
                                         route: str) -> None:
    raw = hostile.mutate(MESSAGES[name], random.Random(seed))
    status, body, _ = _post(client, hostile.WRAPPERS[route](name, raw, credentials))

    assert status < 500, body


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2000), route=st.sampled_from(ROUTES))
def test_arbitrary_bytes_are_2xx_or_4xx(client: TestClient, credentials, raw: bytes, route: str) -> None:
    status, body, _ = _post(client, hostile.WRAPPERS[route]("binary", raw, credentials))

    assert status < 500, body


def test_mailgun_form_parts_are_counted_before_the_form_is_parsed(client: TestClient, credentials) -> None:
    """50,000 parts took 9.4 s to parse before the signature inside them was even checked."""
    status, body, _ = _post(client, hostile.form_attacks(credentials)["mailgun_50000_unsigned_parts"])

    assert (status, "MAX_FORM_PARTS" in body["detail"]) == (400, True), body


def test_a_non_ascii_mailgun_signature_is_a_401(client: TestClient, credentials) -> None:
    """hmac.compare_digest(str, str) raised TypeError on it: a 500."""
    status, body, _ = _post(client, hostile.form_attacks(credentials)["mailgun_non_ascii_signature"])

    assert status == 401 and "signature" in body["detail"], body


def test_a_mailgun_request_is_authenticated_before_its_form_is_parsed(
    client: TestClient, credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collector import forms

    def never(*_: object) -> None:
        raise AssertionError("the form was parsed before the signature was checked")

    wrong = dataclasses.replace(credentials, mailgun_key="not-the-key")
    case = hostile.mailgun_case("big", MESSAGES["attachments_20000"], wrong)
    monkeypatch.setattr(forms, "parse", never)
    status, body, _ = _post(client, case)

    assert status == 401 and "signature" in body["detail"], body
