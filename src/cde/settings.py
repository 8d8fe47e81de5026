"""Settings, from the environment (``CDE_`` prefix) or a ``.env`` file.

One pydantic-settings class; every setting is documented in the README's table.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CDE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Where the embedded SQLite database lives.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/cde.db"
    )
    api_tokens: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Comma-separated bearer tokens accepted on /kocek routes."
    )
    service_enabled: bool = Field(True, description="Master switch for the /kocek/cde routes.")
    timezone: str = Field("Asia/Jakarta", description="Time zone of `date` and of 'today'.")
    cooperative_name: str | None = Field(
        None,
        max_length=200,
        description="The cooperative's name on the memo PDF of the default tenant (the one "
        "CDE_API_TOKENS act as) and of `cde evaluate --format pdf`; other tenants' own names.",
    )
    policy_file: Path | None = Field(None, description="Credit policy file; default shipped.")
    scorecard_file: Path | None = Field(
        None,
        description="Scorecard file (JSON) to score every decision with, in place of the one "
        "the policy names; the policy's PD cut-offs, if any, apply.",
    )
    challenger_policy: Path | None = Field(
        None,
        description="A challenger policy file decided beside the champion on a share of live "
        "traffic (CDE_CHALLENGER_SHARE), stored, never answered; may name its own [scorecard].",
    )
    challenger_scorecard: Path | None = Field(
        None, description="A scorecard for the challenger in place of the one its policy names."
    )
    challenger_share: float = Field(
        0,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Percent (0-100) of live applications the challenger shadows, chosen by "
        "a hash of tenant and loan_id; 0 (default) turns it off.",
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest accepted request body.")
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = Field(
        "FULL", description="SQLite synchronous mode (WAL): FULL survives power loss."
    )
    bench_routes: bool = Field(False, description="Expose /bench/baseline (benchmarks only).")
    log_level: str = Field("info", description="Log level of the service.")
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="Log lines: json (one object a line), text (readable), or auto: text "
        "when stderr is a terminal, json otherwise.",
    )
    progress: bool | None = Field(
        None, description="`cde batch` progress bar (default: when stderr is a terminal)."
    )

    # --- JWT (platforms with their own identity provider) -----------------------------------
    jwt_secret: str | None = Field(None, description="HS256 shared secret (32+ characters).")
    jwt_public_key_file: Path | None = Field(None, description="RS256/ES256 PEM public key.")
    jwt_jwks_file: Path | None = Field(None, description="JWKS file; keys chosen by kid.")
    jwt_issuer: str | None = Field(None, description="Required `iss` when set.")
    jwt_audience: str | None = Field(None, description="Required `aud` when set.")
    jwt_tenant_claim: str = Field("tenant", description="Claim naming the tenant.")
    jwt_user_claim: str = Field("sub", description="Claim with the user id.")
    jwt_name_claim: str = Field("name", description="Claim with the user's name.")
    jwt_role_claim: str = Field("role", description="Claim with the user's role.")

    # --- roles, limits, instruction files, CORS ------------------------------------------
    request_roles: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Roles allowed to request a recommendation (empty: any)."
    )
    read_roles: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Roles allowed to read recommendations (empty: any)."
    )
    policy_approver_roles: Annotated[tuple[str, ...], NoDecode] = Field(
        ("Pengurus", "Ketua", "Manajer", "Komite Kredit"),
        description="Roles that may approve or reject a stored policy version (the checker).",
    )
    policy_refresh_seconds: float = Field(
        2.0,
        ge=0,
        le=300,
        description="How long a process keeps a tenant's active policy version before "
        "reading it again (0: on every request).",
    )
    rate_limit_per_minute: int = Field(600, ge=0, description="Per tenant; 0 turns it off.")
    rate_limit_burst: int = Field(60, ge=1, description="Requests a tenant may burst.")
    max_json_depth: int = Field(32, ge=4, le=512, description="Deepest JSON nesting accepted.")
    custom_instructions_enabled: bool = Field(
        False, description="Allow X-Cde-Custom-System-Instruction-File (testing only)."
    )
    instruction_dir: Path | None = Field(None, description="Where instruction files live.")
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Origins allowed by CORS (none: CORS off)."
    )

    # --- the analyst's workspace (/ui): its session cookie ------------------------------------
    ui_session_secret: SecretStr | None = Field(
        None,
        min_length=32,
        description="Signs the workspace's session cookie (32+ characters); default: a random "
        "one kept in <data_dir>/ui_session_secret (mode 0600), shared by the processes "
        "that share the data directory.",
    )
    ui_session_minutes: int = Field(
        480, ge=1, le=10_080, description="How long a workspace sign-in lasts (minutes)."
    )
    ui_cookie_secure: bool | None = Field(
        None,
        description="The session cookie's Secure flag; default: when the request came over "
        "TLS (as uvicorn sees it, X-Forwarded-Proto from FORWARDED_ALLOW_IPS included).",
    )

    # --- batches and background jobs ----------------------------------------------------------
    max_batch_items: int = Field(100_000, ge=1, description="Most applications in one batch.")
    max_batch_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        description="Largest batch body (POST /kocek/cde/batches and /kocek/cde/outcomes).",
    )
    run_jobs_in_process: bool | None = Field(
        None, description="Work jobs inside `cde serve` (default: yes on SQLite, no on PostgreSQL)."
    )
    job_threads: int = Field(1, ge=1, le=32, description="Job threads per process.")
    job_lease_seconds: float = Field(
        30, gt=0, description="Embedded queue: a job whose worker is silent this long is retaken."
    )
    job_stalled_seconds: float = Field(
        10, gt=0, description="procrastinate: a worker silent this long is presumed dead."
    )

    # --- narratives: the rules (default) or a language model ---------------------------------
    narrator: Literal["rules", "llm"] = Field(
        "rules", description="Who writes the 5C texts and the memo (docs/llm.md)."
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1."
    )
    llm_model: str | None = Field(None, description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key (local servers: none).")
    llm_timeout_seconds: float = Field(30, gt=0, le=600, description="Per call to the model.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries with backoff per call.")
    llm_response_format: Literal["json_object", "json_schema", "none"] = Field(
        "json_object", description="How JSON output is requested from the model."
    )
    llm_breaker_failures: int = Field(
        5, ge=1, description="Failed calls in a row that open the circuit breaker."
    )
    llm_breaker_reset_seconds: float = Field(
        60, gt=0, description="How long an open breaker stops calls to the model."
    )
    llm_instruction_file: Path | None = Field(
        None, description="Default system-instruction file; default shipped."
    )
    llm_max_wait_seconds: float = Field(
        60, ge=0, le=600, description="Longest `?wait=` a POST may ask for."
    )
    llm_stale_seconds: float = Field(
        600, gt=0, description="A narrative still processing after this gets the rules one."
    )

    @model_validator(mode="after")
    def _llm_complete(self) -> Settings:
        if self.narrator == "llm" and not (self.llm_base_url and self.llm_model):
            raise ValueError("CDE_NARRATOR=llm needs CDE_LLM_BASE_URL and CDE_LLM_MODEL")
        return self

    @model_validator(mode="after")
    def _challenger_complete(self) -> Settings:
        if self.challenger_policy is None and self.challenger_share > 0:
            raise ValueError(
                f"CDE_CHALLENGER_SHARE={self.challenger_share:g} needs CDE_CHALLENGER_POLICY "
                "(the challenger's policy file)"
            )
        if self.challenger_policy is None and self.challenger_scorecard is not None:
            raise ValueError("CDE_CHALLENGER_SCORECARD needs CDE_CHALLENGER_POLICY")
        return self

    @field_validator(
        "api_tokens",
        "request_roles",
        "read_roles",
        "policy_approver_roles",
        "cors_origins",
        mode="before",
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(t.strip() for t in value.split(",") if t.strip())
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def log_json(self, stream: TextIO | None = None) -> bool:
        """Whether log lines are JSON: ``log_format``, or for ``auto`` whether ``stream``
        (stderr by default) is not a terminal."""
        if self.log_format != "auto":
            return self.log_format == "json"
        stream = sys.stderr if stream is None else stream
        try:
            return not stream.isatty()
        except (AttributeError, ValueError):  # closed or replaced by something without one
            return True

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def jobs_in_process(self) -> bool:
        return self.is_sqlite if self.run_jobs_in_process is None else self.run_jobs_in_process

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cde.db').as_posix()}"
