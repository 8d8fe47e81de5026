"""Reading a batch body (:func:`parse_items`) and the engine on absurd numbers found by
fuzzing batch items. :class:`BatchService` itself is tested on the in-memory fakes in
``test_batch_service.py`` and over the SQL store in
``tests/integration/test_batch_service_sql.py``."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from batch_inputs import applications, jsonl
from cde.policies import default_policy
from cde.service.batches import BatchError, parse_items

# --- parse_items ----------------------------------------------------------------------------


def test_jsonl_skips_blank_lines_and_numbers_items_from_one() -> None:
    apps = applications(3)
    body = b"\n" + orjson.dumps(apps[0]) + b"\n\n   \n" + orjson.dumps(apps[1]) + b"\r\n"
    body += orjson.dumps(apps[2])  # no final newline
    items = parse_items(body, 10)
    assert [i.seq for i in items] == [1, 2, 3]
    assert [i.loan_id for i in items] == [a["loan_id"] for a in apps]
    assert [i.customer_id for i in items] == [a["customer_id"] for a in apps]
    assert [orjson.loads(i.payload) for i in items] == apps
    assert all(i.error is None for i in items)


def test_a_json_array_is_read_item_by_item() -> None:
    apps = applications(3)
    body = b"  \n" + orjson.dumps(apps, option=orjson.OPT_INDENT_2) + b"\n"
    items = parse_items(body, 10)
    assert [i.seq for i in items] == [1, 2, 3]
    assert [orjson.loads(i.payload) for i in items] == apps
    assert [i.loan_id for i in items] == [a["loan_id"] for a in apps]
    assert all(i.error is None for i in items)


def test_unreadable_lines_become_failed_items_and_the_rest_is_kept() -> None:
    apps = applications(2)
    body = orjson.dumps(apps[0]) + b"\n{not json\n" + b"\xff\xfe\n" + orjson.dumps(apps[1])
    items = parse_items(body, 10)
    assert [i.seq for i in items] == [1, 2, 3, 4]
    assert items[0].error is None
    assert items[3].error is None
    for item in items[1:3]:
        assert item.error is not None
        assert item.error.startswith("invalid JSON")
        assert item.loan_id is None
        assert item.customer_id is None
    assert items[1].payload == "{not json"


def test_readable_non_applications_are_items_the_evaluation_will_fail() -> None:
    items = parse_items(b'{"loan_id": 7, "customer_id": null}\n5\n"x"\n[1]\n', 10)
    assert [i.error for i in items] == [None] * 4
    assert items[0].loan_id == "7"  # ids are kept as text
    assert items[0].customer_id is None
    assert [i.loan_id for i in items[1:]] == [None] * 3


def test_a_single_line_object_is_a_batch_of_one() -> None:
    app = applications(1)[0]
    items = parse_items(orjson.dumps(app), 10)
    assert len(items) == 1
    assert orjson.loads(items[0].payload) == app


def test_long_ids_are_cut_to_the_column_width() -> None:
    items = parse_items(orjson.dumps({"loan_id": "L" * 300, "customer_id": "C" * 300}), 10)
    assert items[0].loan_id == "L" * 255
    assert items[0].customer_id == "C" * 255


@pytest.mark.parametrize("body", [b"", b"   ", b"\n\n \r\n", b"[]", b" [ ] \n"])
def test_an_empty_batch_is_refused(body: bytes) -> None:
    with pytest.raises(BatchError, match="no applications"):
        parse_items(body, 10)


@pytest.mark.parametrize("as_array", [False, True])
def test_too_many_items_are_refused(as_array: bool) -> None:
    values: list[Any] = [{"loan_id": str(n)} for n in range(4)]
    body = orjson.dumps(values) if as_array else jsonl(values)
    assert len(parse_items(body, 4)) == 4
    with pytest.raises(BatchError, match="4 items; at most 3"):
        parse_items(body, 3)


@pytest.mark.parametrize(
    "body",
    [
        b"5",
        b'"applications"\n',
        b"null",
        b"true",
        b'{\n  "loan_id": "a",\n  "customer_id": "b"\n}\n',  # one pretty-printed object
    ],
)
def test_json_that_is_neither_an_array_nor_json_lines_is_refused(body: bytes) -> None:
    with pytest.raises(BatchError, match="expected a JSON array or JSON lines"):
        parse_items(body, 10)


@pytest.mark.parametrize("body", [b"[1, 2", b'[{"loan_id": "a"},]', b"[1]\n[2]\n"])
def test_a_broken_json_array_is_refused(body: bytes) -> None:
    with pytest.raises(BatchError, match="not a valid JSON array"):
        parse_items(body, 10)


# --- absurd numbers found by fuzzing batch items: refused quickly, never a crash or a hang ----


class _TooSlowError(Exception):
    pass


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("internal_data", "behaviour_pattern_avg_growth_balance"), 1e308),
        (("internal_data", "behaviour_pattern_withdrawal_ratio"), 10**30),
        (("collaterals", 0, "recognition"), 10**30),
        (("application", "interest"), 1e-300),
        (("income", 0, "value"), 1e308),  # > 60 s of CPU: a hung request or batch job
    ],
    ids=["growth-1e308", "withdrawal-1e30", "recognition-1e30", "interest-1e-300", "income-1e308"],
)
def test_the_engine_refuses_absurd_numbers_quickly(path: tuple[Any, ...], value: Any) -> None:
    import signal
    from datetime import date

    from cde.domain.application import InvalidApplicationError
    from cde.domain.engine import evaluate

    application = applications(1)[0]
    assert application["collaterals"]
    assert application["income"]
    target = application
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    def too_slow(*_: object) -> None:
        raise _TooSlowError(f"no answer in 3 s for {path} = {value!r}")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(3)
    try:
        evaluate(application, policy=default_policy(), today=date(2026, 11, 23), lang="id")
    except InvalidApplicationError:
        pass  # refused as invalid input: what it should do
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
