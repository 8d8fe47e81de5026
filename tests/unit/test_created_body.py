"""A POST's answer is built around the result as serialised for storing (issue 15: the
result is serialised once): byte for byte what the Kocek envelope was before."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from cde.domain.engine import evaluate
from cde.entrypoints.http.views import created_body, created_view, success
from cde.policies import default_policy
from clocks import TEST_TODAY
from generate_applications import generate, seed_application


def _old(record_id: str, status: str, result: dict[str, Any], lang: Any) -> bytes:
    return bytes(success(200, created_view(record_id, status, result), "created", lang).body)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_answer_is_the_envelope_byte_for_byte(lang: Any) -> None:
    policy = default_policy()
    for raw in [seed_application(), *generate(40, 15)]:
        result = evaluate(raw, policy=policy, today=TEST_TODAY, lang=lang)
        stored = orjson.dumps(result)
        record_id = "01a2b3c4-0000-7000-8000-000000000001"
        assert created_body(record_id, "success", result, stored, lang) == _old(
            record_id, "success", result, lang
        )


def test_what_cannot_be_spliced_is_built_the_slow_way() -> None:
    narrated = {"narrative": {"text": "pending"}, "decision": {"outcome": "approve"}}
    own_keys = {"status": "theirs", "decision": {}}
    for status, result in (("processing", narrated), ("success", own_keys), ("success", {})):
        body = created_body("r1", status, result, orjson.dumps(result), "id")
        assert body == _old("r1", status, result, "id")
    assert created_body("r1", "success", {"a": 1}, b"", "en") == _old(
        "r1", "success", {"a": 1}, "en"
    )
