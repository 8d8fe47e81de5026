"""The LLM adapter: one Chat Completions call through the official ``openai`` SDK.

Works with any OpenAI-compatible endpoint (OpenAI, Gemini's OpenAI-compatible endpoint,
vLLM, Ollama, llama.cpp's server): ``CDE_LLM_BASE_URL``, ``CDE_LLM_MODEL``,
``CDE_LLM_API_KEY``. The SDK applies the timeout and retries with exponential backoff
(timeouts, connection errors, 408/409/429/5xx, honouring ``Retry-After``); a circuit
breaker (pybreaker) stops asking a provider that keeps failing for a while, so requests
fall back to the rules narrative at once instead of waiting for every timeout.
"""

from __future__ import annotations

from typing import Any, Literal

import openai
import pybreaker

from cde.service.narrators import ProviderError, output_json_schema

__all__ = ["OpenAIChat", "ResponseFormat"]

ResponseFormat = Literal["json_object", "json_schema", "none"]


def _is_not_an_outage(exc: BaseException) -> bool:
    """Errors that say nothing about the provider's health do not open the breaker."""
    return isinstance(exc, ProviderError) and exc.reason in ("refused", "invalid_output")


def _response_format(kind: ResponseFormat) -> dict[str, Any] | None:
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {
                "name": "cde_narrative",
                "schema": output_json_schema(),  # output schema version 2
            },
        }
    return None


class OpenAIChat:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None,
        timeout_seconds: float = 30,
        max_retries: int = 2,
        response_format: ResponseFormat = "json_object",
        breaker_failures: int = 5,
        breaker_reset_seconds: float = 60,
    ) -> None:
        self.model = model
        self.client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",  # local servers (Ollama, vLLM) take any key
            timeout=timeout_seconds,
            max_retries=max_retries,
        )
        self.response_format = _response_format(response_format)
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=breaker_failures,
            reset_timeout=breaker_reset_seconds,
            exclude=[_is_not_an_outage],
            name="llm",
        )

    def circuit(self) -> str:
        return str(self.breaker.current_state)

    def complete(
        self, messages: list[dict[str, str]], *, temperature: float | None, max_tokens: int | None
    ) -> str:
        try:
            result: str = self.breaker.call(self._call, messages, temperature, max_tokens)
        except pybreaker.CircuitBreakerError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ProviderError):  # the failure that opened the circuit
                raise cause from None
            raise ProviderError("circuit_open", "the provider failed repeatedly") from None
        return result

    def _call(
        self, messages: list[dict[str, str]], temperature: float | None, max_tokens: int | None
    ) -> str:
        options: dict[str, Any] = {}
        if temperature is not None:
            options["temperature"] = temperature
        if max_tokens is not None:
            options["max_tokens"] = max_tokens
        if self.response_format is not None:
            options["response_format"] = self.response_format
        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                **options,
            )
        except openai.APITimeoutError as exc:
            raise ProviderError("timeout", str(exc)) from None
        except openai.RateLimitError as exc:
            raise ProviderError("rate_limited", str(exc)) from None
        except openai.APIConnectionError as exc:
            raise ProviderError("unavailable", str(exc)) from None
        except openai.APIStatusError as exc:
            reason: Literal["unavailable", "refused"] = (
                "unavailable" if exc.status_code >= 500 else "refused"
            )
            raise ProviderError(reason, f"HTTP {exc.status_code}: {exc.message}") from None
        except (openai.APIError, ValueError) as exc:  # a 200 that is not a chat completion
            raise ProviderError("invalid_output", f"{type(exc).__name__}: {exc}") from None
        # a body of the wrong shape comes back unvalidated (choices None, or a plain str)
        choices = getattr(completion, "choices", None)
        content = choices[0].message.content if choices else None
        if not isinstance(content, str) or not content:
            raise ProviderError("invalid_output", "the answer is not a chat completion with text")
        return content
