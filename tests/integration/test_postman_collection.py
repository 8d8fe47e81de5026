"""``docs/postman_collection.json``: valid JSON, Postman schema v2.1.0, bearer auth with the
collection's variables, and a request for every route the app exposes under ``/kocek``
plus ``/health`` and ``/ready`` (and none for a route that does not exist)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cde.entrypoints.http.app import create_app
from cde.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "docs" / "postman_collection.json"
SEED = ROOT / "examples" / "seed_request.json"
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
PARAM = re.compile(r"^(\{[^/{}]+\}|\{\{[^/{}]+\}\}|:[^/]+)$")


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return json.loads(COLLECTION.read_text("utf-8"))


def _requests(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "item" in item:
            yield from _requests(item["item"])
        else:
            yield item


def _path(url: dict[str, Any] | str) -> str:
    raw = url if isinstance(url, str) else url["raw"]
    path = raw.split("?", 1)[0].replace("{{baseUrl}}", "")
    return "/" + path.strip("/")


def _matches(template: str, path: str) -> bool:
    """``/a/{record_id}`` (the app) against ``/a/{{recommendation_id}}`` (Postman)."""
    left, right = template.strip("/").split("/"), path.strip("/").split("/")
    return len(left) == len(right) and all(
        a == b or (PARAM.match(a) is not None and PARAM.match(b) is not None)
        for a, b in zip(left, right, strict=True)
    )


def _routes(tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(settings=Settings(data_dir=tmp_path))
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/kocek") or path in ("/health", "/ready")
        for method in operations
    }


def test_valid_json_schema_v2_1_0(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"] == SCHEMA
    assert collection["info"]["name"]
    assert isinstance(collection["item"], list)
    assert collection["item"]


def test_variables_and_collection_bearer_auth(collection: dict[str, Any]) -> None:
    variables = {v["key"]: v.get("value") for v in collection["variable"]}
    assert variables["baseUrl"] == "http://127.0.0.1:8000"
    assert {"access_token", "recommendation_id"} <= set(variables)
    auth = collection["auth"]
    assert auth["type"] == "bearer"
    assert {"key": "token", "value": "{{access_token}}", "type": "string"} in auth["bearer"]
    for item in _requests(collection["item"]):
        assert item["request"]["url"]["raw"].startswith("{{baseUrl}}/"), item["name"]


def test_covers_every_kocek_route_and_health_ready(
    collection: dict[str, Any], tmp_path: Path
) -> None:
    routes = _routes(tmp_path)
    assert ("POST", "/kocek/cde/credit-recommendation") in routes
    assert {("GET", "/health"), ("GET", "/ready")} <= routes
    requests = {
        (item["request"]["method"], _path(item["request"]["url"]))
        for item in _requests(collection["item"])
    }
    missing = [
        (method, template)
        for method, template in sorted(routes)
        if not any(m == method and _matches(template, p) for m, p in requests)
    ]
    assert not missing, f"routes without a request in the collection: {missing}"
    stale = [
        (method, p)
        for method, p in sorted(requests)
        if not any(m == method and _matches(t, p) for m, t in routes)
    ]
    assert not stale, f"requests for routes the app does not have: {stale}"


def test_post_request_is_the_seed_with_the_kocek_headers(collection: dict[str, Any]) -> None:
    (post,) = [
        i
        for i in _requests(collection["item"])
        if i["request"]["method"] == "POST"
        and i["request"]["url"]["path"] == ["kocek", "cde", "credit-recommendation"]
    ]
    request = post["request"]
    assert json.loads(request["body"]["raw"]) == json.loads(SEED.read_text("utf-8"))
    headers = {h["key"]: h for h in request["header"]}
    for key in ("User-ID", "User-Name", "User-Role", "IP", "Accept-Language"):
        assert not headers[key].get("disabled", False), key
    assert headers["X-Cde-Custom-System-Instruction-File"]["disabled"] is True
    script = "\n".join(
        line
        for event in post["event"]
        if event["listen"] == "test"
        for line in event["script"]["exec"]
    )
    assert 'pm.collectionVariables.set("recommendation_id", body.data.id)' in script


def test_list_query_parameters(collection: dict[str, Any]) -> None:
    (listing,) = [
        i
        for i in _requests(collection["item"])
        if i["request"]["method"] == "GET"
        and _path(i["request"]["url"]) == "/kocek/cde/credit-recommendation"
    ]
    query = {q["key"]: q for q in listing["request"]["url"]["query"]}
    assert set(query) == {"loan_id", "customer_id", "status", "page", "limit"}
    assert all(query[k].get("disabled") is True for k in ("loan_id", "customer_id", "status"))


def test_every_request_has_a_parseable_example(collection: dict[str, Any]) -> None:
    for item in _requests(collection["item"]):
        assert item["response"], item["name"]
        for example in item["response"]:
            assert isinstance(example["code"], int)
            body = json.loads(example["body"])
            assert "status" in body, (item["name"], example["name"])
