"""Schemathesis against the service's own ``/openapi.json`` (issue 4): every documented
operation, with a valid bearer token and no quota in the way, many generated requests each
(valid and invalid); no 5xx, and every response matches what the schema documents — status
code, content type, headers and body (all of schemathesis' checks).

The rate limiter runs at its defaults (``CDE_RATE_LIMIT_PER_MINUTE`` 600, burst 60), as
clients meet it: past the burst most requests are answered 429, and those are checked like
any other answer (the status and its failure envelope documented, ``Retry-After`` declared
and an integer). What gets past the limiter is bounded by its refill (10 a second), not by
the number of examples: waiting out each 429 would check no more answers per second. With
50 examples an operation (below) the fuzzing takes 20-30 s here; run once with 100
(schemathesis' default), it took about as long (~1,300 requests, about half of the
``/kocek/`` ones answered 429) and every status it met was documented: 401 and 429 on every
``/kocek/`` operation, the success on all but the batch reads (a drawn batch id only finds
404), 400 on both POSTs, 422 on the recommendation POST and the list, 404 on the reads by
id, 405 for the undocumented methods.

Two former defects of the served document (200 bodies documented as strings; null sections
and integer codes undocumented) are pinned by the tests at the end; ``_corrected`` repairs
them if they ever come back, so that the fuzzing still checks the responses against what
the API really promises while those tests fail loudly.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs  # schemathesis' own JSON Schema validator
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from schemathesis import checks

from cde.bootstrap import bootstrap
from cde.entrypoints.http import schemas
from cde.entrypoints.http.app import create_app
from cde.service.ports import Caller
from cde.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SEED = (REPO / "examples" / "seed_request.json").read_bytes()
TOKEN = "schemathesis-token"
PLATFORM_HEADERS = {  # who acts, as the Kocek platform says (not in the schema)
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
}
HEADERS = {"Authorization": f"Bearer {TOKEN}", **PLATFORM_HEADERS}

# The application builds its own container (from these settings) when its lifespan starts,
# which schemathesis runs around the test: nothing touches the disk at import time.
DATA_DIR = Path(tempfile.gettempdir()) / f"cde-schemathesis-{uuid.uuid4().hex}"
SETTINGS = Settings(  # type: ignore[call-arg]
    _env_file=None,
    data_dir=DATA_DIR,
    database_url=None,
    api_tokens=(TOKEN,),  # the default tenant: no quota
    service_enabled=True,
    policy_file=None,
    bench_routes=False,
)
APP = create_app(settings=SETTINGS)

# What each operation's 200 answers with: the routes' own ``response_model``s.
ROUTE = "/kocek/cde/credit-recommendation"
SUCCESS_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("post", ROUTE): schemas.CreatedEnvelope,
    ("get", ROUTE): schemas.ListEnvelope,
    ("get", ROUTE + "/{record_id}"): schemas.DetailEnvelope,
    ("get", "/kocek/quota"): schemas.QuotaEnvelope,
    ("post", "/kocek/cde/batches"): schemas.BatchEnvelope,
    ("get", "/kocek/cde/batches/{batch_id}"): schemas.BatchEnvelope,
    ("post", "/kocek/cde/outcomes"): schemas.OutcomeReportEnvelope,
    ("get", "/kocek/cde/outcomes"): schemas.OutcomeListEnvelope,
    ("get", "/kocek/cde/reports/challenger"): schemas.ChallengerReportEnvelope,
    ("get", "/kocek/cde/reports/stability"): schemas.StabilityEnvelope,
}
# Operations whose success is not a JSON envelope (a stream of JSON lines).
STREAMS = {("get", "/kocek/cde/batches/{batch_id}/results")}
# Operations whose success is a document (the memo PDF); their failures are JSON envelopes.
DOCUMENTS = {("get", ROUTE + "/{record_id}/memo.pdf"): "application/pdf"}
PROBES = {
    "/health": {
        "type": "object",
        "required": ["status", "version"],
        "properties": {"status": {"const": "ok"}, "version": {"type": "string"}},
    },
    "/ready": {
        "type": "object",
        "required": ["status", "database"],
        "properties": {"status": {"type": "string"}, "database": {"type": "string"}},
    },
}
# Top-level members of the application that the service reads ``null`` as empty
# (``Application._nulls_are_empty``; API.md: "any field may be null"). ``character`` is
# not one: it identifies the applicant, and a null one is a 422 naming it.
NULLABLE_MEMBERS = ("income", "expenses", "collaterals", "internal_data")

# Values the service accepts (API.md: numbers as JSON numbers or strings, flags as 1/0, …)
# where the documented schema allows only strings/booleans: (component, property, a value
# it accepts, the schema that the document should also allow).
_TEXT = {"type": "integer"}  # text fields read integers as their digits
_FLAG = {"enum": [0, 1]}  # true/false fields read 1/0
ACCEPTED_BEYOND_SCHEMA: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("Application", "loan_id", 123, _TEXT),
    ("Application", "customer_id", 456, _TEXT),
    ("Character", "name", 5, _TEXT),
    ("Character", "nik", 5171011004840001, _TEXT),
    ("Character", "occupation", 7, _TEXT),
    ("Character", "kyc_status", 1, _FLAG),
    ("IncomeItem", "key", 1, _TEXT),
    ("IncomeItem", "value", 150000, {"type": "number", "minimum": 0}),
    ("Collateral", "name", 1, _TEXT),
    ("Collateral", "type", 1, _TEXT),
    ("Collateral", "code", 1, _TEXT),
    ("Collateral", "information", 1, _TEXT),
    ("Collateral", "estimated_price", 15000000, {"type": "number", "minimum": 0}),
    ("Collateral", "is_verified", 0, _FLAG),
    ("Collateral", "is_tax_paid", 1, _FLAG),
    ("LoanRequest", "purpose", 7, _TEXT),
    ("LoanRequest", "loan_interest_method_label", 0, _TEXT),
    ("InternalData", "collectability", 4, {"enum": [1, 2, 3, 4, 5]}),
]


def _served() -> dict[str, Any]:
    """The document ``GET /openapi.json`` serves (the route returns ``app.openapi()``)."""
    return copy.deepcopy(APP.openapi())


def _allows_null(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return any(option.get("type") == "null" for option in options)


def _corrected(spec: dict[str, Any]) -> dict[str, Any]:
    """The served document with its two known defects corrected (each a no-op once fixed):
    200 bodies described by the routes' response models instead of ``{"type": "string"}``,
    and ``null`` allowed where the service accepts it."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    _, defs = models_json_schema(
        [(model, "serialization") for model in SUCCESS_MODELS.values()],
        ref_template="#/components/schemas/{model}",
    )
    for name, definition in defs.get("$defs", {}).items():
        components.setdefault(name, definition)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            # (only 200s with a JSON body: a route may answer 202, or 200 with NDJSON)
            content = (
                operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
            )
            if content.get("schema") != {"type": "string"}:
                continue
            model = SUCCESS_MODELS.get((method, path))
            if model is not None:
                content["schema"] = {"$ref": f"#/components/schemas/{model.__name__}"}
            elif path in PROBES:
                content["schema"] = PROBES[path]
    properties = components["Application"]["properties"]
    for name in NULLABLE_MEMBERS:
        if not _allows_null(properties[name]):
            properties[name] = {"anyOf": [properties[name], {"type": "null"}]}
    for component, name, value, extra in ACCEPTED_BEYOND_SCHEMA:
        documented = components[component]["properties"][name]
        if not _valid(documented, value):
            components[component]["properties"][name] = {"anyOf": [documented, extra]}
    return spec


def _valid(leaf: dict[str, Any], value: Any) -> bool:
    return bool(jsonschema_rs.validator_for(leaf).is_valid(value))


schema = schemathesis.openapi.from_dict(_corrected(_served()))
schema.app = APP  # what ``schemathesis.openapi.from_asgi`` sets: requests go over ASGI
# OpenAPI cannot say that undeclared query parameters are ignored (as FastAPI, like most
# HTTP services, does); left on, schemathesis would expect `?x=1` to be refused.
schema.config.generation.update(allow_extra_parameters=False)


@schema.auth(retry_on=[])
class _StaticToken:
    """The bearer token, through schemathesis' auth hook: it leaves the header out of the
    cases that test a missing credential (which must then be answered 401)."""

    def get(self, case: Any, ctx: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module", autouse=True)
def _remove_the_database() -> Iterator[None]:
    yield
    shutil.rmtree(DATA_DIR, ignore_errors=True)


@pytest.fixture(scope="module")
def known_ids() -> list[str]:
    """Two stored records, so that reading one can answer 200 and be checked as well."""
    container = bootstrap(SETTINGS)
    try:
        raw = orjson.loads(SEED)
        return [container.recommender.recommend(SEED, raw, Caller(), "id").record.id for _ in "ab"]
    finally:
        container.close()


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_keeps_its_documented_contract(case: Any, known_ids: list[str]) -> None:
    if case.path_parameters and "record_id" in case.path_parameters:
        # Half of the reads name a record that exists (random ids only ever find a 404).
        drawn = str(case.path_parameters["record_id"])
        if len(drawn) % 2 == 0:
            case.path_parameters["record_id"] = known_ids[len(drawn) % len(known_ids)]
    response = case.call(headers=PLATFORM_HEADERS)
    assert response.status_code < 500, (case.method, case.path, response.text)
    assert b"Traceback" not in response.content  # (bytes: a memo PDF is no text)
    excluded = []
    if case.method == "POST":
        # A schemathesis limitation, not a defect: `positive_data_acceptance` assumes that
        # whatever the JSON Schema allows is accepted, but an application's rules cannot
        # all be written in JSON Schema ("8,3" or "Rp 1.500.000" is a number, "" is not;
        # a term of 1-600 months whether sent as 12 or "12"; a readable date). The POST
        # documents 422 "Invalid application" for exactly those; the 422 body is still
        # checked against its schema, and every other check runs on every operation.
        excluded.append(checks.positive_data_acceptance)
    elif case.path.startswith("/kocek/cde/reports/"):
        # The same limitation: a period's `from` after its `to` (or one longer than the
        # report reads) is a 422 naming the parameter, and no JSON Schema relates two
        # query parameters. The 422 body is still checked against its schema.
        excluded.append(checks.positive_data_acceptance)
    case.validate_response(response, headers=PLATFORM_HEADERS, excluded_checks=excluded)


# --- the served document itself -----------------------------------------------------------


def test_the_served_document_is_what_the_fuzzing_starts_from() -> None:
    """``/openapi.json`` over HTTP is ``app.openapi()``, with every operation secured."""
    from fastapi.testclient import TestClient

    app = create_app(settings=SETTINGS)
    with TestClient(app) as client:  # runs the lifespan: the database is the test's
        served = client.get("/openapi.json").json()
    assert served == orjson.loads(orjson.dumps(app.openapi()))
    operations = {(m, p) for p, ops in served["paths"].items() for m in ops}
    assert operations == set(SUCCESS_MODELS) | STREAMS | set(DOCUMENTS) | {
        ("get", "/health"),
        ("get", "/ready"),
    }
    for path, ops in served["paths"].items():
        for operation in ops.values():
            assert ("security" in operation) == path.startswith("/kocek/")


def test_every_200_is_documented_with_its_response_model() -> None:
    spec = _served()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if (method, path) in STREAMS:
                content = operation["responses"]["200"]["content"]
                assert "application/x-ndjson" in content, (method, path)
                continue
            if (method, path) in DOCUMENTS:
                content = operation["responses"]["200"]["content"]
                assert list(content) == [DOCUMENTS[method, path]], (method, path)
                continue
            success = operation["responses"].get("200") or operation["responses"]["202"]
            documented = success["content"]["application/json"]["schema"]
            assert documented != {"type": "string"}, (method, path)


def test_the_application_schema_allows_the_nulls_the_service_accepts() -> None:
    properties = _served()["components"]["schemas"]["Application"]["properties"]
    for name in NULLABLE_MEMBERS:
        assert _allows_null(properties[name]), name


def _seed_with(component: str, name: str, value: Any) -> dict[str, Any]:
    raw = orjson.loads(SEED)
    where = {
        "Application": [raw],
        "Character": [raw["character"]],
        "IncomeItem": [raw["income"][0]],
        "Collateral": [raw["collaterals"][0]],
        "LoanRequest": [raw["application"]],
        "InternalData": [raw["internal_data"]],
    }[component]
    for target in where:
        target[name] = value
    return raw


def _post_past_the_rate_limit(client: Any, body: dict[str, Any]) -> Any:
    """POST ``body``, waiting out the rate limit as a client does (the fuzzing above may
    have spent the tenant's bucket: this test is about what is accepted, not how often)."""
    for _ in range(10):
        response = client.post(ROUTE, json=body, headers=HEADERS)
        if response.status_code != 429:
            return response
        time.sleep(int(response.headers["Retry-After"]))
    return response


def test_the_service_accepts_these_values_beyond_the_documented_schema() -> None:
    """The premise of the xfail below (and of ``_corrected``): each value is accepted."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings=SETTINGS)) as client:
        for member in NULLABLE_MEMBERS:
            body = dict(orjson.loads(SEED), **{member: None})
            response = _post_past_the_rate_limit(client, body)
            assert response.status_code == 200, (member, response.text)
        for component, name, value, _ in ACCEPTED_BEYOND_SCHEMA:
            body = _seed_with(component, name, value)
            response = _post_past_the_rate_limit(client, body)
            assert response.status_code == 200, (component, name, response.text)


def test_the_application_schema_allows_what_the_service_accepts() -> None:
    components = _served()["components"]["schemas"]
    refused = [
        f"{component}.{name}={value!r}"
        for component, name, value, _ in ACCEPTED_BEYOND_SCHEMA
        if not _valid(components[component]["properties"][name], value)
    ]
    assert refused == []
