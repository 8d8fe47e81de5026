"""The statuses ``/openapi.json`` documents for each operation: every status a route can
answer, with the body it answers it with, so that a client generated from the document has
a type for each. ``schemathesis`` (``test_schemathesis.py``) checks the statuses it meets;
these pin the ones fuzzing does not provoke (403 with the service off, 413, 500, 503).

What each route can answer, read from ``app.py`` and the middleware:

- every ``/kocek/...`` route: 401 (``authenticate``), 429 with ``Retry-After`` (the
  tenant's rate limit), 503 (the database is unreachable: the guards read it), 500 (the
  catch-all);
- every ``/kocek/cde/...`` route also 403 (service switch, tenant inactive, roles);
  ``/kocek/quota`` is not behind the switch (it reports it);
- every POST also 413 (``BodyLimit``, before authentication) and 400 (its body refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cde.entrypoints.http.app import create_app
from cde.settings import Settings

FAIL = {"$ref": "#/components/schemas/FailEnvelope"}
UNAUTHENTICATED = {"$ref": "#/components/schemas/UnauthenticatedBody"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document ``GET /openapi.json`` serves."""
    from fastapi.testclient import TestClient

    data_dir: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, database_url=None, api_tokens=("t",)
    )
    with TestClient(create_app(settings=settings)) as client:  # the lifespan runs
        response = client.get("/openapi.json")
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


def _operations(spec: dict[str, Any], prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        (method.upper(), path, operation)
        for path, operations in spec["paths"].items()
        if path.startswith(prefix)
        for method, operation in operations.items()
    ]
    assert found, prefix
    return found


def _body(response: dict[str, Any]) -> Any:
    return response["content"]["application/json"]["schema"]


def test_every_kocek_operation_documents_401_429_500_and_503(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec, "/kocek/"):
        responses = operation["responses"]
        where = f"{method} {path}"
        for status in ("401", "429", "500", "503"):
            assert status in responses, (where, status)
            assert responses[status].get("description"), (where, status)
        assert _body(responses["401"]) == UNAUTHENTICATED, where  # the Kocek 401 body
        for status in ("429", "500", "503"):
            assert _body(responses[status]) == FAIL, (where, status)


def test_every_429_declares_its_retry_after_header(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec, "/kocek/"):
        header = operation["responses"]["429"].get("headers", {}).get("Retry-After")
        assert header is not None, f"{method} {path}"
        assert header["required"] is True  # the limiter always sends it
        assert header["schema"]["type"] == "integer"  # whole seconds
        assert header["description"]


def test_every_operation_behind_the_service_switch_documents_403(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec, "/kocek/cde/"):
        assert _body(operation["responses"]["403"]) == FAIL, f"{method} {path}"
    # The quota route does not pass the switch (it reports whether the service is on).
    assert "403" not in spec["paths"]["/kocek/quota"]["get"]["responses"]


def test_every_operation_that_reads_a_body_documents_413_and_400(spec: dict[str, Any]) -> None:
    posts = [op for op in _operations(spec, "/") if op[0] == "POST"]
    assert {path for _, path, _ in posts} == {
        "/kocek/cde/credit-recommendation",
        "/kocek/cde/batches",
        "/kocek/cde/outcomes",
    }
    for method, path, operation in posts:
        for status in ("400", "413"):
            assert _body(operation["responses"][status]) == FAIL, (method, path, status)
    for method, path, operation in _operations(spec, "/"):
        if method != "POST":  # the body limit only reads the bodies of POST/PUT/PATCH
            assert "413" not in operation["responses"], f"{method} {path}"


def test_the_recommendation_post_documents_its_own_refusals(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/kocek/cde/credit-recommendation"]["post"]["responses"]
    for status in ("409", "422"):  # Idempotency-Key still running; invalid application
        assert _body(responses[status]) == FAIL, status


def test_reads_by_id_document_404(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec, "/kocek/"):
        if "{" in path:
            assert _body(operation["responses"]["404"]) == FAIL, f"{method} {path}"


def test_ready_documents_its_503(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/ready"]["get"]["responses"]
    assert _body(responses["503"]) == {"$ref": "#/components/schemas/NotReady"}


def test_no_operation_documents_fastapis_validation_error(spec: dict[str, Any]) -> None:
    """FastAPI adds a '422 Validation Error' (HTTPValidationError) to every operation with
    a parameter; the reads by id take any string, so they never answer 422, and the
    service's own 422 is the failure envelope: ``app.openapi()`` removes FastAPI's."""
    undue = [
        f"{method} {path}"
        for method, path, operation in _operations(spec, "/")
        for status, response in operation["responses"].items()
        if "content" in response
        and "application/json" in response["content"]
        and _body(response) == {"$ref": "#/components/schemas/HTTPValidationError"}
    ]
    assert undue == []


def test_the_stability_report_documents_its_periods_and_its_422(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/kocek/cde/reports/stability"]["get"]
    assert _body(operation["responses"]["200"]) == {
        "$ref": "#/components/schemas/StabilityEnvelope"
    }
    assert _body(operation["responses"]["422"]) == FAIL  # a bad date or period, named
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert list(parameters) == ["baseline_from", "baseline_to", "current_from", "current_to"]
    for parameter in parameters.values():
        assert parameter["required"] is True
        assert parameter["schema"]["format"] == "date"
