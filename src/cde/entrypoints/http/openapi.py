"""The OpenAPI document: FastAPI's, plus what it cannot know.

The application's real schema (from the reader's pydantic models, the null sections it
accepts), the bearer scheme on every ``/kocek/`` operation, the seed as the POST's example,
and without FastAPI's own 422 (``HTTPValidationError``): this service's 422 is the failure
envelope, declared where it occurs.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cde.domain.application import Application

__all__ = ["install"]

_SEED = orjson.loads(
    resources.files("cde.entrypoints.http").joinpath("seed_request.json").read_bytes()
)
# The reader treats these sections as empty when null (``character`` identifies the
# applicant: it is required, never null).
_NULLABLE = ("income", "expenses", "collaterals", "internal_data")


def _is_fastapi_422(response: Any) -> bool:
    """Whether an OpenAPI response is the 422 FastAPI adds by itself (HTTPValidationError)."""
    if not isinstance(response, dict):
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema == {"$ref": "#/components/schemas/HTTPValidationError"})


def document(app: FastAPI) -> dict[str, Any]:
    """The document for ``app``'s routes (see the module's docstring)."""
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schema = Application.model_json_schema(
        mode="validation", ref_template="#/components/schemas/{model}"
    )
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    for section in _NULLABLE:
        schema["properties"][section] = {"anyOf": [schema["properties"][section], {"type": "null"}]}
    components["Application"] = schema
    spec["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            if path.startswith("/kocek/"):
                operation["security"] = [{"bearer": []}]
            declared = operation.get("responses", {})
            if _is_fastapi_422(declared.get("422")):
                del declared["422"]
    if not any(
        _is_fastapi_422(response)
        for operations in spec["paths"].values()
        for operation in operations.values()
        for response in operation.get("responses", {}).values()
    ):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    # The seed as the example, set after generation so its nulls survive.
    post = spec["paths"]["/kocek/cde/credit-recommendation"]["post"]
    post["requestBody"]["content"]["application/json"]["example"] = _SEED
    return spec


def install(app: FastAPI) -> None:
    """Serve :func:`document` (built once) as ``app.openapi()``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
