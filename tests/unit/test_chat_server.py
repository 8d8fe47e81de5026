"""The Chat Completions stand-in (tests/chat_server.py), driven by the real ``openai`` SDK:
scripted answers round-trip, requests are recorded, and each scripted failure surfaces as
the SDK exception a hosted endpoint's failure would."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

# tests/ holds helpers shared by the test folders (tests/chat_server.py); it is no package,
# but on pytest's pythonpath (pyproject.toml).
import chat_server
from chat_server import ChatServer, Reply, Request

MODEL = "gpt-4o-mini"
FACTS = {"anggota": "Siti Rahayu", "penghasilan": 4_500_000, "catatan": "warung kopi, café"}
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Answer with one JSON object."},
    {"role": "user", "content": json.dumps(FACTS, ensure_ascii=False)},
]


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as running:
        yield running


def client_for(server: ChatServer, **options: Any) -> OpenAI:
    options.setdefault("max_retries", 0)
    return OpenAI(base_url=server.base_url, api_key="test", **options)


def ask(client: OpenAI, **extra: Any) -> Any:
    return client.chat.completions.create(  # type: ignore[call-overload]
        model=MODEL,
        messages=MESSAGES,
        response_format={"type": "json_object"},
        **extra,
    )


# --- the happy path --------------------------------------------------------------------------


def test_it_listens_on_loopback_with_an_os_chosen_port(server: ChatServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.endswith("/v1")
    assert server.port > 0
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"


def test_a_scripted_json_content_round_trips_through_the_sdk(server: ChatServer) -> None:
    answer = {"keputusan": "setuju", "plafon": 10_000_000, "alasan": "usaha café stabil"}
    server.script(Reply.json(answer))

    completion = ask(client_for(server))

    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert json.loads(completion.choices[0].message.content or "") == answer
    assert "café" in (completion.choices[0].message.content or "")  # not \u-escaped
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert completion.id.startswith("chatcmpl-")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.refusal is None
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert (
        completion.usage.completion_tokens == len(completion.choices[0].message.content or "") // 4
    )
    assert completion._request_id is not None
    assert completion._request_id.startswith("req_")


def test_the_server_records_what_the_sdk_sent(server: ChatServer) -> None:
    server.script(Reply.json({"ok": True}))

    ask(client_for(server), temperature=0)

    assert len(server.requests) == 1
    request = server.requests[0]
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.model == MODEL
    assert request.messages == MESSAGES
    assert request.body["response_format"] == {"type": "json_object"}
    assert request.body["temperature"] == 0
    assert request.headers["authorization"] == "Bearer test"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-stainless-retry-count"] == "0"
    assert request.user_json() == FACTS
    assert request.system_text() == "Answer with one JSON object."


def test_a_json_schema_response_format_reaches_the_server_as_sent(server: ChatServer) -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "decision",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}},
                "required": ["ok"],
                "additionalProperties": False,
            },
        },
    }
    server.script(Reply.json({"ok": True}))

    client_for(server).chat.completions.create(  # type: ignore[call-overload]
        model=MODEL,
        messages=MESSAGES,
        response_format=response_format,
    )

    assert server.requests[0].body["response_format"] == response_format


def test_a_callable_reply_is_built_from_the_request(server: ChatServer) -> None:
    seen: list[Request] = []

    def echo_the_member(request: Request) -> Reply:
        seen.append(request)
        facts = request.user_json()
        return Reply.json({"nama": facts["anggota"], "dobel": facts["penghasilan"] * 2})

    server.script(echo_the_member)

    completion = ask(client_for(server))

    assert json.loads(completion.choices[0].message.content or "") == {
        "nama": "Siti Rahayu",
        "dobel": 9_000_000,
    }
    assert len(seen) == 1
    assert seen[0].user_json() == FACTS
    assert seen[0].system_text() == "Answer with one JSON object."


def test_the_default_answers_once_the_script_is_used_up(server: ChatServer) -> None:
    server.default = lambda request: Reply.json({"default": True, "model": request.model})
    server.script(Reply.json({"scripted": 1}), Reply.json({"scripted": 2}))
    client = client_for(server)

    answers = [json.loads(ask(client).choices[0].message.content or "") for _ in range(4)]

    assert answers == [
        {"scripted": 1},
        {"scripted": 2},
        {"default": True, "model": MODEL},
        {"default": True, "model": MODEL},
    ]
    assert server.pending == 0


def test_a_finish_reason_and_empty_content_are_passed_on(server: ChatServer) -> None:
    server.script(Reply(content='{"ok": tr', finish_reason="length"), Reply())
    client = client_for(server)

    cut = ask(client)
    empty = ask(client)

    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == '{"ok": tr'
    assert empty.choices[0].message.content is None


def test_clear_drops_the_script_and_the_recorded_requests(server: ChatServer) -> None:
    server.script(Reply.json({"first": True}))
    ask(client_for(server))
    server.script(Reply.json({"never": True}))

    server.clear()

    assert server.requests == []
    assert server.pending == 0
    with pytest.raises(openai.InternalServerError, match="no scripted reply left"):
        ask(client_for(server))


def test_the_models_endpoint_lists_one_model(server: ChatServer) -> None:
    models = list(client_for(server).models.list())

    assert [model.id for model in models] == [chat_server.DEFAULT_MODEL]
    assert server.requests[0].method == "GET"


# --- retries ---------------------------------------------------------------------------------


def test_a_500_then_a_200_succeeds_when_the_sdk_may_retry(server: ChatServer) -> None:
    server.script(Reply.error(500), Reply.json({"ok": True}))

    completion = ask(client_for(server, max_retries=1))

    assert json.loads(completion.choices[0].message.content or "") == {"ok": True}
    assert len(server.requests) == 2
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]
    assert server.requests[0].body == server.requests[1].body


def test_a_429_with_retry_after_then_a_200_succeeds(server: ChatServer) -> None:
    server.script(Reply.error(429, "Rate limit reached", retry_after=0), Reply.json({"ok": 1}))

    completion = ask(client_for(server, max_retries=1))

    assert json.loads(completion.choices[0].message.content or "") == {"ok": 1}
    assert len(server.requests) == 2


def test_a_fractional_retry_after_is_honoured_by_the_sdk(server: ChatServer) -> None:
    # Retry-After: 0 is no hint to the SDK (it wants 0 < value <= 120) and it backs off
    # 0.375-0.5 s; a small fraction is taken as is.
    server.script(Reply.error(429, retry_after=0.01), Reply.json({"ok": 1}))

    started = time.monotonic()
    ask(client_for(server, max_retries=1))

    assert time.monotonic() - started < 0.3
    assert len(server.requests) == 2


# --- failures as the SDK reports them --------------------------------------------------------


def test_a_500_without_retries_raises_internal_server_error(server: ChatServer) -> None:
    server.script(Reply.error(500, "boom"))

    with pytest.raises(openai.InternalServerError) as caught:
        ask(client_for(server, max_retries=0))

    assert caught.value.status_code == 500
    assert caught.value.type == "server_error"
    assert caught.value.body == {
        "message": "boom",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (422, openai.UnprocessableEntityError),
        (429, openai.RateLimitError),
        (503, openai.InternalServerError),
    ],
)
def test_each_error_status_maps_to_its_sdk_exception(
    server: ChatServer, status: int, exception: type[openai.APIStatusError]
) -> None:
    server.script(Reply.error(status, f"scripted {status}"))

    with pytest.raises(exception, match=f"scripted {status}") as caught:
        ask(client_for(server))

    assert caught.value.status_code == status


def test_no_script_and_no_default_is_a_500(server: ChatServer) -> None:
    with pytest.raises(openai.InternalServerError, match="no scripted reply left"):
        ask(client_for(server))


def test_a_reply_callable_that_raises_is_a_500_and_is_recorded(server: ChatServer) -> None:
    def broken(request: Request) -> Reply:
        raise KeyError("missing fact")

    server.script(broken)

    with pytest.raises(openai.InternalServerError, match="reply callable raised"):
        ask(client_for(server))

    assert len(server.errors) == 1
    assert isinstance(server.errors[0], KeyError)


def test_a_slow_answer_times_the_client_out_and_stop_stays_prompt() -> None:
    server = ChatServer().start()
    try:
        server.script(Reply.json({"late": True}, delay=2))
        started = time.monotonic()

        with pytest.raises(openai.APITimeoutError):
            ask(client_for(server, timeout=0.5, max_retries=0))

        assert time.monotonic() - started < 1.5
    finally:
        stopping = time.monotonic()
        server.stop()
        assert time.monotonic() - stopping < 1.0


def test_stop_returns_promptly_while_a_handler_sleeps() -> None:
    server = ChatServer(Reply.json({"late": True}, delay=5)).start()
    client = client_for(server, timeout=10)
    failures: list[BaseException] = []

    def call() -> None:
        try:
            ask(client)
        except BaseException as error:
            failures.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    deadline = time.monotonic() + 2
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests, "the request reached the server"

    stopping = time.monotonic()
    server.stop()
    assert time.monotonic() - stopping < 1.0

    caller.join(timeout=2)
    assert not caller.is_alive()
    assert len(failures) == 1
    assert isinstance(failures[0], openai.APIConnectionError)


def test_a_delay_does_not_block_other_requests(server: ChatServer) -> None:
    server.default = lambda request: Reply.json(
        {"who": request.user_json()["who"]},
        delay=1.5 if request.user_json()["who"] == "slow" else 0,
    )
    client = client_for(server, timeout=5)
    finished: dict[str, float] = {}
    started = time.monotonic()

    def call(who: str) -> None:
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": json.dumps({"who": who})}]
        )
        finished[who] = time.monotonic() - started

    slow = threading.Thread(target=call, args=("slow",))
    slow.start()
    time.sleep(0.1)
    call("fast")
    slow.join(timeout=5)

    assert finished["fast"] < 1.0
    assert finished["slow"] >= 1.5


def test_a_missing_api_key_is_a_401() -> None:
    with ChatServer(Reply.json({"ok": True})) as server:
        # plain HTTP: no Authorization header at all
        response = httpx.post(
            f"{server.base_url}/chat/completions", json={"model": MODEL, "messages": MESSAGES}
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["type"] == "invalid_request_error"
        assert "API key" in response.json()["error"]["message"]

        # the SDK always sends its key, unless told to omit the header
        with pytest.raises(openai.AuthenticationError, match="didn't provide an API key"):
            ask(client_for(server), extra_headers={"Authorization": openai.omit})

        # an unauthorised request takes no scripted reply, but is recorded
        assert [r.headers.get("authorization") for r in server.requests] == [None, None]


def test_a_200_with_a_body_that_is_not_json_makes_the_sdk_raise(server: ChatServer) -> None:
    server.script(Reply(raw_body=b'{"id": "chatcmpl-1", "choi'))

    # the SDK does not wrap it: the decoder's own error escapes create()
    with pytest.raises(json.JSONDecodeError):
        ask(client_for(server))


def test_a_200_of_the_wrong_shape_fails_validation_only_when_strict(server: ChatServer) -> None:
    server.script(Reply(raw_body=b'{"unexpected": 1}'), Reply(raw_body=b'{"unexpected": 1}'))

    lax = ask(client_for(server))
    assert lax.choices is None  # built without validation

    with pytest.raises(openai.APIResponseValidationError):
        ask(client_for(server, _strict_response_validation=True))


def test_a_real_completion_passes_strict_validation(server: ChatServer) -> None:
    server.script(Reply.json({"ok": True}))

    completion = ask(client_for(server, _strict_response_validation=True))

    assert completion.choices[0].message.content == '{"ok": true}'


def test_an_html_200_is_returned_as_text_by_the_lax_sdk(server: ChatServer) -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    server.script(
        Reply(raw_body=page, content_type="text/html"),
        Reply(raw_body=page, content_type="text/html"),
    )

    assert ask(client_for(server)) == page.decode()
    with pytest.raises(openai.APIResponseValidationError, match="text/html"):
        ask(client_for(server, _strict_response_validation=True))


def test_a_truncated_error_body_is_still_a_status_error(server: ChatServer) -> None:
    server.script(Reply(status=503, raw_body=b'{"error": {"mess'))

    with pytest.raises(openai.InternalServerError) as caught:
        ask(client_for(server))

    assert caught.value.status_code == 503
    assert caught.value.body == '{"error": {"mess'


def test_a_dropped_connection_is_a_connection_error(server: ChatServer) -> None:
    server.script(Reply(disconnect=True))

    with pytest.raises(openai.APIConnectionError) as caught:
        ask(client_for(server))

    assert not isinstance(caught.value, openai.APITimeoutError)


# --- protocol details ------------------------------------------------------------------------


def test_the_raw_completion_has_the_chat_completion_shape(server: ChatServer) -> None:
    server.script(Reply(content="halo dunia!"))

    response = httpx.post(
        f"{server.base_url}/chat/completions",
        headers={"Authorization": "Bearer k"},
        json={"model": "m-1", "messages": [{"role": "user", "content": "12345678"}]},
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["id"] == "chatcmpl-1"
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["model"] == "m-1"
    assert body["system_fingerprint"]
    assert body["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "halo dunia!",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    usage = body["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (2, 2, 4)


def test_a_body_that_is_not_json_is_a_400(server: ChatServer) -> None:
    server.script(Reply.json({"kept": True}))

    response = httpx.post(
        f"{server.base_url}/chat/completions",
        headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
        content=b"{not json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert server.requests[0].raw_body == b"{not json"
    assert server.requests[0].body == {}
    assert server.pending == 1  # a refused request takes no scripted reply


def test_an_unknown_path_is_a_404(server: ChatServer) -> None:
    response = httpx.post(
        f"{server.base_url}/completions", headers={"Authorization": "Bearer k"}, json={}
    )

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (POST /v1/completions)"


def test_streaming_is_refused_with_a_400(server: ChatServer) -> None:
    server.script(Reply.json({"kept": True}))

    with pytest.raises(openai.BadRequestError, match="does not stream"):
        client_for(server).chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )

    assert server.pending == 1


def test_the_request_helpers_read_content_parts_and_developer_messages() -> None:
    request = Request(
        path="/v1/chat/completions",
        headers={},
        body={
            "model": "m",
            "messages": [
                {"role": "developer", "content": "Rule one."},
                {"role": "system", "content": [{"type": "text", "text": "Rule two."}]},
                {"role": "user", "content": '{"n": 1}'},
                {"role": "assistant", "content": "noted"},
                {"role": "user", "content": [{"type": "text", "text": '{"n": 2}'}]},
            ],
        },
    )

    assert request.model == "m"
    assert request.system_text() == "Rule one.\nRule two."
    assert request.user_json() == {"n": 2}
    with pytest.raises(LookupError):
        Request(path="/", headers={}, body={}).user_json()


def test_the_server_can_be_started_again_after_stopping() -> None:
    server = ChatServer(Reply.json({"ok": True}))
    with server:
        ask(client_for(server))
    with server:
        ask(client_for(server))
    assert len(server.requests) == 2
    server.stop()  # stopping twice is harmless
