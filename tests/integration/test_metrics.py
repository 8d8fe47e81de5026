"""Prometheus metrics: requests counted by route template and status, latency histograms,
decisions and jobs, the queue depth asked for at scrape time, and the multi-process mode
summing what several processes recorded."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from cde.bootstrap import Container
from cde.entrypoints.http.app import create_app
from cde.observability.metrics import (
    MULTIPROC_ENV,
    Metrics,
    metrics_response,
    observe_decision,
    observe_job,
    observe_result,
    prepare_multiprocess_dir,
    set_queue_depth_source,
)
from cde.observability.routes import router

with warnings.catch_warnings():
    # starlette warns that plain httpx (rather than httpx2) is deprecated for its TestClient
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
# Templates of this test's own: the default registry is shared by the whole test process.
ITEM = "/test-metrics/items/{item_id}"
BOOM = "/test-metrics/boom"


def sample(body: str, name: str, **labels: str) -> float:
    """The value of one sample in an exposition, 0 when absent."""
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    app = FastAPI()
    app.add_middleware(Metrics)
    app.include_router(router)

    @app.get(ITEM)
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.get(BOOM)
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    set_queue_depth_source(None)


def test_requests_are_counted_by_route_template_method_and_status(client: TestClient) -> None:
    before = scrape(client)
    for item_id in ("1", "2", "three"):
        assert client.get(f"/test-metrics/items/{item_id}").status_code == 200
    assert client.post("/test-metrics/items/4").status_code == 405
    assert client.get("/test-metrics/no-such-route/5171011004840001").status_code == 404
    assert client.get(BOOM).status_code == 500
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    requests = "cde_http_requests_total"
    assert delta(requests, route=ITEM, method="GET", status="200") == 3
    assert delta(requests, route=ITEM, method="POST", status="405") == 1
    assert delta(requests, route="unmatched", method="GET", status="404") == 1
    assert delta(requests, route=BOOM, method="GET", status="500") == 1
    # The raw paths never become labels.
    assert "/test-metrics/items/1" not in after
    assert "no-such-route" not in after
    # The histogram: 3 observations, each under 5 s, a positive sum.
    histogram = "cde_http_request_duration_seconds"
    assert delta(f"{histogram}_count", route=ITEM, method="GET") == 3
    assert delta(f"{histogram}_bucket", route=ITEM, method="GET", le="5.0") == 3
    assert delta(f"{histogram}_bucket", route=ITEM, method="GET", le="+Inf") == 3
    assert delta(f"{histogram}_sum", route=ITEM, method="GET") > 0
    assert "# TYPE cde_http_request_duration_seconds histogram" in after
    buckets = {
        s.labels["le"]
        for family in text_string_to_metric_families(after)
        for s in family.samples
        if s.name == f"{histogram}_bucket"
    }
    assert {"0.001", "0.005", "0.1", "1.0", "5.0", "+Inf"} <= buckets
    # The scrapes themselves are counted under their route.
    assert delta(requests, route="/metrics", method="GET", status="200") == 1


def test_decisions_and_jobs_are_counted(client: TestClient) -> None:
    before = scrape(client)
    observe_decision("decline", "E")
    observe_decision("decline", "E")
    observe_decision("approve", None)
    observe_result(
        {"decision": {"outcome": "approve_with_conditions"}, "assessment": {"grade": "B"}}
    )
    observe_result({"status": "fail"})  # no decision: nothing
    observe_job("test-metrics-batch", "succeeded", 0.2)
    observe_job("test-metrics-batch", "failed", 42.0)
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    decisions = "cde_decisions_total"
    assert delta(decisions, outcome="decline", grade="E") == 2
    assert delta(decisions, outcome="approve", grade="none") == 1
    assert delta(decisions, outcome="approve_with_conditions", grade="B") == 1
    jobs = "cde_job_duration_seconds"
    assert delta(f"{jobs}_count", kind="test-metrics-batch", outcome="succeeded") == 1
    assert delta(f"{jobs}_bucket", kind="test-metrics-batch", outcome="failed", le="15.0") == 0
    assert delta(f"{jobs}_bucket", kind="test-metrics-batch", outcome="failed", le="60.0") == 1
    assert delta(f"{jobs}_sum", kind="test-metrics-batch", outcome="failed") == 42.0


def test_the_queue_depth_is_asked_for_at_each_scrape(client: TestClient) -> None:
    assert "cde_jobs_queued" not in scrape(client)  # no source yet: no value, not 0
    depth = iter([7, 3])
    set_queue_depth_source(lambda: next(depth))
    first = scrape(client)
    assert "# TYPE cde_jobs_queued gauge" in first
    assert sample(first, "cde_jobs_queued") == 7
    assert sample(scrape(client), "cde_jobs_queued") == 3

    def broken() -> int:
        raise ConnectionError("database down")

    set_queue_depth_source(broken)
    assert "cde_jobs_queued" not in scrape(client)  # the scrape still answers
    set_queue_depth_source(None)
    assert "cde_jobs_queued" not in scrape(client)


def test_a_stopped_app_leaves_no_queue_depth_source(
    container: Container, client: TestClient
) -> None:
    """The service's app gives its queue's depth while it runs, and takes it back when it
    stops: a closed container's queue must not answer for the process."""
    set_queue_depth_source(None)
    with TestClient(create_app(container)):
        assert sample(scrape(client), "cde_jobs_queued") == 0
    assert "cde_jobs_queued" not in scrape(client)


def test_metrics_is_not_in_the_openapi_document(client: TestClient) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


# --- several processes ------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import os, sys
    from cde.observability.metrics import observe_decision, observe_job, observe_request

    for _ in range(int(sys.argv[1])):
        observe_decision("approve", "B")
        observe_job("test-metrics-rescore", "succeeded", 0.3)
        observe_request("/kocek/cde/credit-recommendation/{record_id}", "GET", 200, 0.004)
    print(os.getpid())
    """
)


def test_prepare_multiprocess_dir_creates_or_empties_it_and_sets_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, "unset")  # restored afterwards
    fresh = tmp_path / "new" / "metrics"
    prepare_multiprocess_dir(fresh)
    assert fresh.is_dir()
    assert os.environ[MULTIPROC_ENV] == str(fresh)
    (fresh / "counter_123.db").write_bytes(b"stale")
    (fresh / "histogram_123.db").write_bytes(b"stale")
    (fresh / "README").write_text("not ours")
    prepare_multiprocess_dir(fresh)
    assert sorted(p.name for p in fresh.iterdir()) == ["README"]


def test_several_processes_are_summed_in_multiprocess_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "prometheus"
    monkeypatch.setenv(MULTIPROC_ENV, str(directory))  # restored afterwards
    prepare_multiprocess_dir(directory)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(n)], env=env, stdout=subprocess.PIPE, text=True
        )
        for n in (3, 4)
    ]
    pids = set()
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        pids.add(out.strip())
    assert len(pids) == 2
    # One set of files per process.
    assert {p.name for p in directory.glob("counter_*.db")} == {f"counter_{pid}.db" for pid in pids}

    set_queue_depth_source(lambda: 11)
    try:
        body, content_type = metrics_response()
    finally:
        set_queue_depth_source(None)
    text = body.decode()
    assert content_type.startswith("text/plain; version=0.0.4")
    assert sample(text, "cde_decisions_total", outcome="approve", grade="B") == 7
    assert (
        sample(
            text, "cde_job_duration_seconds_count", kind="test-metrics-rescore", outcome="succeeded"
        )
        == 7
    )
    assert sample(
        text, "cde_job_duration_seconds_sum", kind="test-metrics-rescore"
    ) == pytest.approx(2.1)
    route = "/kocek/cde/credit-recommendation/{record_id}"
    assert sample(text, "cde_http_requests_total", route=route, method="GET", status="200") == 7
    assert (
        sample(
            text, "cde_http_request_duration_seconds_bucket", route=route, method="GET", le="0.005"
        )
        == 7
    )
    assert sample(text, "cde_jobs_queued") == 11  # computed by the scraping process

    # Without the variable, this process reports its own registry: none of the children's.
    monkeypatch.delenv(MULTIPROC_ENV)
    own, _ = metrics_response()
    assert sample(own.decode(), "cde_job_duration_seconds_count", kind="test-metrics-rescore") == 0
