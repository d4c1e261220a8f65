"""Registration, validation, duplicates, draft and submit, through the real lifespan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry

Body = Callable[..., dict[str, Any]]
Member = Callable[..., dict[str, Any]]


async def test_register_returns_the_caseworker_view_with_eligibility_and_priority(
    started: Started, member: Member
) -> None:
    async with started() as registry:
        created = await registry.registered(
            members=[member("child", birth_date="2015-03-03")],
            eviction={"kind": "sfratto", "ordered_on": "2026-01-10"},
        )
        assert created["state"] == "submitted"
        assert created["size"] == 2
        assert {p["status"] for p in created["programmes"]} == {"submitted"}
        assert {e["programme"]: e["eligible"] for e in created["eligibility"]} == {
            "agency": True,
            "sap": True,
            "sas": True,
        }
        codes = [line["code"] for line in created["priority"]["lines"]]
        assert codes == ["eviction_or_release_order", "single_parent_with_minors"]
        assert created["priority"]["score"] == 45
        assert created["max_rent_cents"] == 36000
        assert created["entity_version"] == 1


async def test_a_wrong_check_character_is_422_without_echoing_the_code(
    started: Started, body: Body, cf: Callable[..., str]
) -> None:
    async with started() as registry:
        bad = cf(valid=False)
        response = await registry.register(
            body(applicant={**body()["applicant"], "codice_fiscale": bad})
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        error = response.json()["errors"][0]
        assert error["pointer"] == "/body/applicant/codice_fiscale"
        assert bad not in response.text


async def test_an_omocodia_code_is_accepted(started: Started, body: Body) -> None:
    async with started() as registry:
        from shared.fiscal_codes import codice_fiscale_check_char

        # Omocodia: digits replaced from the right by letters (0 -> L, ..., 9 -> V).
        first15 = "RSSMRA80A01D15L"
        code = first15 + codice_fiscale_check_char(first15)
        applicant = {**body()["applicant"], "codice_fiscale": code.lower()}
        created = await registry.registered(body(applicant=applicant))
        assert created["applicant"]["codice_fiscale"] == code


async def test_a_code_on_an_active_application_is_409_naming_only_its_id(
    started: Started, body: Body, member: Member
) -> None:
    async with started() as registry:
        first = await registry.registered()
        code = first["applicant"]["codice_fiscale"]
        clash = body(members=[member("spouse", codice_fiscale=code, given_name="Zeno")])
        response = await registry.register(clash)
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"] == "urn:problem:housing:duplicate-application"
        assert problem["existing_application_id"] == first["id"]
        assert code not in response.text
        assert "Maria" not in response.text
        assert "Zeno" not in response.text

        withdrawn = await registry.client.post(
            f"/v1/households/{first['id']}/withdraw", headers=registry.staff()
        )
        assert withdrawn.status_code == 200
        again = await registry.register(clash)
        assert again.status_code == 201, again.text


async def test_the_same_code_twice_in_one_household_is_422(
    started: Started, body: Body, member: Member
) -> None:
    async with started() as registry:
        data = body()
        data["members"] = [member("child", codice_fiscale=data["applicant"]["codice_fiscale"])]
        response = await registry.register(data)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "duplicate_in_household"


async def test_incoherent_data_is_422_naming_each_field(
    started: Started, body: Body, member: Member
) -> None:
    async with started() as registry:
        cases = [
            (
                body(members=[member("child", birth_date="2999-01-01")]),
                "/body/members/0/birth_date",
                "birth_date_in_future",
            ),
            (
                body(
                    isee={"value_cents": 100, "issued_on": "2999-01-01", "equivalence_scale": "1"}
                ),
                "/body/isee/issued_on",
                "isee_date_in_future",
            ),
            (
                body(
                    isee={"value_cents": 100, "issued_on": "2020-01-01", "equivalence_scale": "1"}
                ),
                "/body/isee/issued_on",
                "isee_expired",
            ),
            (body(residence_comune="Milano"), "/body/residence_comune", "comune_not_in_ambito"),
            (
                body(needs={"wheelchair": True, "step_free": False}),
                "/body/needs/step_free",
                "wheelchair_needs_step_free",
            ),
        ]
        for data, pointer, code in cases:
            response = await registry.register(data)
            assert response.status_code == 422, (pointer, response.text)
            errors = response.json()["errors"]
            assert {"pointer": pointer, "code": code} in [
                {"pointer": e["pointer"], "code": e["code"]} for e in errors
            ], errors
            assert "Milano" not in response.text
        negative = await registry.register(body(net_monthly_income_cents=-1))
        assert negative.status_code == 422
        assert negative.json()["errors"][0]["pointer"] == "/body/net_monthly_income_cents"
        assert "-1" not in str(negative.json()["errors"])


async def test_a_draft_publishes_nothing_until_submitted(started: Started, body: Body) -> None:
    async with started() as registry:
        from shared.testing.inspect import rows

        draft = await registry.registered(body(submit=False))
        assert draft["state"] == "draft"
        assert {p["status"] for p in draft["programmes"]} == {"draft"}
        assert [
            r for r in sorted(await rows(registry.svc, "outbox_event"), key=lambda r: r["seq"])
        ] == []

        submitted = await registry.client.post(
            f"/v1/households/{draft['id']}/submit", headers=registry.staff()
        )
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["state"] == "submitted"
        subjects = [
            r["subject"]
            for r in sorted(await rows(registry.svc, "outbox_event"), key=lambda r: r["seq"])
        ]
        assert subjects == [
            "registry.household.registered.v1",
        ]
        again = await registry.client.post(
            f"/v1/households/{draft['id']}/submit", headers=registry.staff()
        )
        assert again.status_code == 409


async def test_registration_needs_an_idempotency_key_and_replays_the_same_response(
    started: Started, body: Body
) -> None:
    async with started() as registry:
        data = body()
        missing = await registry.client.post("/v1/households", json=data, headers=registry.staff())
        assert missing.status_code == 400
        headers = registry.staff(**{"Idempotency-Key": "same"})
        first = await registry.client.post("/v1/households", json=data, headers=headers)
        second = await registry.client.post("/v1/households", json=data, headers=headers)
        assert first.status_code == second.status_code == 201
        assert second.headers["idempotent-replayed"] == "true"
        assert first.content == second.content
        other = await registry.client.post(
            "/v1/households", json={**data, "reference": "CR-2"}, headers=headers
        )
        assert other.status_code == 422
