"""The registry's household endpoints through the real lifespan, database and NATS."""

from __future__ import annotations

import json

from nats.js import JetStreamContext

from shared.fiscal_codes import codice_fiscale_check_char
from shared.testing.services import DevKeys, ServiceStarter
from shared.testing.waiting import wait_until

CODE = "VRDLGU70C41D150" + codice_fiscale_check_char("VRDLGU70C41D150")
BODY = {
    "reference": "CR-2026-001",
    "applicant": {
        "given_name": "Luigia",
        "family_name": "Verdi",
        "codice_fiscale": CODE,
        "birth_date": "1970-03-01",
    },
    "residence_comune": "Soresina",
    "legal_status": {"citizenship": "italian"},
    "isee": {"value_cents": 800_000, "issued_on": "2026-02-01", "equivalence_scale": "1"},
    "net_monthly_income_cents": 110_000,
}


async def test_registering_a_household_publishes_a_pseudonymous_event(
    start_service: ServiceStarter, dev_keys: DevKeys, jetstream_ops: JetStreamContext
) -> None:
    async with start_service("registry") as registry:
        headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "reg-1"}
        created = await registry.client.post("/v1/households", json=BODY, headers=headers)
        assert created.status_code == 201, created.text
        household = created.json()
        assert household["state"] == "submitted"

        fetched = await registry.client.get(
            f"/v1/households/{household['id']}", headers=dev_keys.headers("caseworker")
        )
        assert fetched.status_code == 200
        assert fetched.json()["reference"] == "CR-2026-001"

        async def published() -> bool:
            return (await registry.runtime.relay.backlog()).count == 0

        await wait_until(published, within=30)
        info = await jetstream_ops.stream_info("REGISTRY")
        assert info.state.messages == 1
        msg = await jetstream_ops.get_msg("REGISTRY", 1)
        assert msg.subject == "registry.household.registered.v1"
        assert msg.headers is not None
        payload = json.loads(msg.data or b"")
        assert msg.headers["Nats-Msg-Id"] == payload["event_id"]
        assert payload["household_id"] == household["id"]
        profile = payload["profile"]
        assert profile["size"] == 1
        assert profile["max_rent_eur"] == "330.00"
        assert profile["acceptable_comuni"] == ["Soresina"]
        text = (msg.data or b"").decode()
        for secret in ("CR-2026-001", CODE, "Luigia", "Verdi", "800000", "110000"):
            assert secret not in text


async def test_unknown_comune_is_a_problem_naming_the_field(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry") as registry:
        headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "reg-2"}
        body = {**BODY, "residence_comune": "Milano"}
        response = await registry.client.post("/v1/households", json=body, headers=headers)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["errors"][0]["pointer"] == "/body/residence_comune"
        assert problem["errors"][0]["code"] == "comune_not_in_ambito"
        assert "Milano" not in response.text


async def test_requests_without_credentials_are_401_and_wrong_role_403(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry") as registry:
        anonymous = await registry.client.get("/v1/households")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
        other = dev_keys.signer.mint(sub="svc-landlords", audience="registry")
        denied = await registry.client.get(
            "/v1/households", headers={"Authorization": f"Bearer {other}"}
        )
        assert denied.status_code == 403


async def test_a_household_is_registered_with_no_broker_at_all(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry", broker=False) as registry:
        headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "reg-3"}
        created = await registry.client.post("/v1/households", json=BODY, headers=headers)
        assert created.status_code == 201
        assert (await registry.runtime.relay.backlog()).count == 1
