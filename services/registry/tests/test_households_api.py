"""The registry's household endpoints through the real lifespan, database and NATS."""

from __future__ import annotations

import json

from nats.js import JetStreamContext

from shared.testing.services import DevKeys, ServiceStarter
from shared.testing.waiting import wait_until


async def test_registering_a_household_publishes_a_pseudonymous_event(
    start_service: ServiceStarter, dev_keys: DevKeys, jetstream_ops: JetStreamContext
) -> None:
    async with start_service("registry") as registry:
        headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "reg-1"}
        body = {"caseworker_reference": "CR-2026-001", "size": 3, "residence_comune": "Soresina"}
        created = await registry.client.post("/v1/households", json=body, headers=headers)
        assert created.status_code == 201, created.text
        household = created.json()
        assert household["status"] == "submitted"

        fetched = await registry.client.get(
            f"/v1/households/{household['id']}", headers=dev_keys.headers("caseworker")
        )
        assert fetched.status_code == 200
        assert fetched.json()["caseworker_reference"] == "CR-2026-001"

        async def published() -> bool:
            return (await registry.runtime.relay.backlog()).count == 0

        await wait_until(published)
        info = await jetstream_ops.stream_info("REGISTRY")
        assert info.state.messages == 1
        msg = await jetstream_ops.get_msg("REGISTRY", 1)
        assert msg.subject == "registry.household.registered.v1"
        assert msg.headers is not None
        payload = json.loads(msg.data or b"")
        assert msg.headers["Nats-Msg-Id"] == payload["event_id"]
        assert payload["household_id"] == household["id"]
        assert "CR-2026-001" not in (msg.data or b"").decode()


async def test_unknown_comune_is_a_problem_naming_the_field(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry") as registry:
        headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "reg-2"}
        body = {"caseworker_reference": "CR-2", "size": 1, "residence_comune": "Milano"}
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
