"""Every route of the deployed API (template.yaml's CollectorFunction behind the API-gateway emulator)
× missing, wrong and right credentials.

Refused requests go to a collector of their own whose topics, bucket and tables must stay empty: a
401 is an application/problem+json with a challenge where HTTP has one (Bearer, Basic) and leaves
nothing behind. Accepted requests go to a second collector and must land on its mail.received.
GET /healthz is public on purpose (load balancers and uptime probes call it without credentials).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from security_traffic import (
    NO_FOOTPRINT,
    RIGHT,
    WRONG,
    GatewayCollector,
    collector_behind_gateway,
    footprint,
    mailgun_request,
    other_route_credentials,
    provider_requests,
    read_request,
    received_ids,
    send,
    ses_document,
    ses_fixture_request,
    ses_foreign_certificate,
    ses_request,
    ses_tampered,
    ses_without_signature,
    unsigned_mailgun,
    with_headers,
)

from planetmail.settings import Settings
from planetmail_local.bench.traffic import InboundRequest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STATUS_PATH = "/v1/emails/01JCSECURITYMATRIXUNKNOWN0"
BEARER_CHALLENGE = 'Bearer realm="planetmail"'
BASIC_CHALLENGE = 'Basic realm="planetmail"'

RefusedCase = tuple[Callable[[], InboundRequest], str | None, str]
"""(request factory, expected WWW-Authenticate or None, a word of the expected detail)"""

REFUSED: dict[str, RefusedCase] = {
    "api-missing": (lambda: with_headers(provider_requests(RIGHT)["api"], {}), BEARER_CHALLENGE, "missing"),
    "api-wrong-token": (lambda: provider_requests(WRONG)["api"], BEARER_CHALLENGE, "not valid"),
    "api-token-as-basic": (
        lambda: with_headers(provider_requests(RIGHT)["api"], {"Authorization": f"Basic {RIGHT.api_token}"}),
        BEARER_CHALLENGE, "Bearer"),
    "status-missing": (lambda: read_request(STATUS_PATH, {}), BEARER_CHALLENGE, "missing"),
    "status-wrong-token": (
        lambda: read_request(STATUS_PATH, {"Authorization": f"Bearer {WRONG.api_token}"}),
        BEARER_CHALLENGE, "not valid"),
    "sendgrid-missing": (
        lambda: with_headers(provider_requests(RIGHT)["sendgrid"], {}), BASIC_CHALLENGE, "Basic"),
    "sendgrid-wrong-password": (lambda: provider_requests(WRONG)["sendgrid"], BASIC_CHALLENGE, "wrong"),
    "sendgrid-postmark-credentials": (
        lambda: other_route_credentials(provider_requests(RIGHT)["sendgrid"], "postmark"),
        BASIC_CHALLENGE, "wrong"),
    "postmark-missing": (
        lambda: with_headers(provider_requests(RIGHT)["postmark"], {}), BASIC_CHALLENGE, "Basic"),
    "postmark-wrong-password": (lambda: provider_requests(WRONG)["postmark"], BASIC_CHALLENGE, "wrong"),
    "postmark-sendgrid-credentials": (
        lambda: other_route_credentials(provider_requests(RIGHT)["postmark"], "sendgrid"),
        BASIC_CHALLENGE, "wrong"),
    "mailgun-missing": (lambda: unsigned_mailgun(provider_requests(RIGHT)["mailgun"]), None, "lacks"),
    "mailgun-wrong-key": (lambda: provider_requests(WRONG)["mailgun"], None, "does not match"),
    "mailgun-stale-timestamp": (
        lambda: mailgun_request({"from": "lois@example.org", "body-plain": "hi"},
                                timestamp=int(time.time()) - 3600),
        None, "timestamp"),
    "ses-missing-signature": (ses_without_signature, None, "Signature"),
    "ses-tampered-message": (ses_tampered, None, "does not verify"),
    "ses-invalid-signature-fixture": (
        lambda: ses_fixture_request("ses/invalid_signature.json"), None, "signature"),
    "ses-certificate-off-the-allow-list": (ses_foreign_certificate, None, "SigningCertURL"),
}


@pytest.fixture(scope="module")
def refusing(
    stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayCollector]:
    with collector_behind_gateway(stack_settings, tmp_path_factory.mktemp("refusing")) as collector:
        yield collector


@pytest.fixture(scope="module")
def accepting(
    stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayCollector]:
    with collector_behind_gateway(stack_settings, tmp_path_factory.mktemp("accepting")) as collector:
        yield collector


@pytest.mark.parametrize("case", list(REFUSED))
def test_missing_or_wrong_credentials_are_a_401_problem_and_nothing_is_written(
    refusing: GatewayCollector, case: str
) -> None:
    build, challenge, detail = REFUSED[case]

    response = send(refusing.url, build())

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert response.headers.get("www-authenticate") == challenge
    assert footprint(refusing.settings) == NO_FOOTPRINT


@pytest.mark.parametrize("provider", ["api", "sendgrid", "postmark", "mailgun"])
def test_right_credentials_are_accepted_onto_mail_received(accepting: GatewayCollector, provider: str):
    response = send(accepting.url, provider_requests(RIGHT)[provider])

    assert response.status_code == 202, response.text
    assert response.json()["id"] in received_ids(accepting.settings)


def test_a_valid_ses_signature_is_accepted_onto_mail_received(accepting: GatewayCollector) -> None:
    response = send(accepting.url, ses_request(ses_document()))

    assert response.status_code == 202, response.text
    assert response.json()["id"] in received_ids(accepting.settings)


def test_the_status_route_answers_the_right_bearer_token(accepting: GatewayCollector) -> None:
    tracking_id = send(accepting.url, provider_requests(RIGHT)["api"]).json()["id"]
    bearer = {"Authorization": f"Bearer {RIGHT.api_token}"}

    response = send(accepting.url, read_request(f"/v1/emails/{tracking_id}", bearer))

    assert response.status_code == 200, response.text
    assert response.json()["id"] == tracking_id


def test_a_replayed_mailgun_token_is_refused_and_writes_nothing(accepting: GatewayCollector) -> None:
    fields = {"from": "lois@example.org", "body-plain": "hi", "Message-Id": "<one@example.org>"}
    first = mailgun_request(fields)
    assert send(accepting.url, first).status_code == 202
    before = footprint(accepting.settings)
    assert first.form is not None
    replay = InboundRequest("mailgun", first.path, {}, form={**first.form, "Message-Id": "<two@example.org>"})

    response = send(accepting.url, replay)

    assert response.status_code == 401, response.text
    assert "already used" in response.json()["detail"]
    assert footprint(accepting.settings) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_healthz_is_public(refusing: GatewayCollector, headers: dict[str, str]) -> None:
    response = send(refusing.url, read_request("/healthz", headers))

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
