"""Response models: they document the API in ``/openapi.json`` (the routes build their
bodies with orjson directly, so these are not a validation step on the hot path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AUTHENTICATED",
    "BEHIND_THE_SWITCH",
    "BatchEnvelope",
    "ChallengerReportEnvelope",
    "CreatedEnvelope",
    "DetailEnvelope",
    "FailEnvelope",
    "ListEnvelope",
    "NotReady",
    "OutcomeListEnvelope",
    "OutcomeReportEnvelope",
    "QuotaEnvelope",
    "Responses",
    "StabilityEnvelope",
    "UnauthenticatedBody",
    "fail",
    "json_bodies",
    "responses",
]


class FieldProblem(BaseModel):
    field: str = Field(examples=["character.age"])
    message: str


class FailEnvelope(BaseModel):
    status: Literal["fail"] = "fail"
    message: str = Field(examples=["Data permohonan tidak valid"])
    error: str | None = None
    errors: list[FieldProblem] | None = None


class UnauthenticatedBody(BaseModel):
    code: Literal[401] = 401
    message: Literal["Unauthenticated"] = "Unauthenticated"
    status: Literal[False] = False


class Recommendation(BaseModel):
    plafon: str = Field(examples=["8000000"])
    tenure: str = Field(examples=["18"])


class FiveC(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    character: str
    capacity: str
    capital: str
    collateral: str
    condition: str


class CreatedData(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")
    id: str
    status: Literal["success", "processing", "fail"]
    five_c: FiveC | None = Field(
        None, alias="5c", description="Absent while `status` is `processing`."
    )
    recommendation: Recommendation | None = Field(
        None, description="Absent while `status` is `processing`."
    )
    decision: dict[str, Any]
    assessment: dict[str, Any]
    data_quality: list[dict[str, Any]]
    analytic: str | None = Field(None, description="Absent while `status` is `processing`.")
    policy: dict[str, str]
    narrative_source: Literal["rules", "llm"] | None = Field(
        None, description="Absent while `status` is `processing`."
    )
    narrative: dict[str, Any] | None = Field(
        None,
        description="With the LLM narrator: model, instruction file, the grounding guard's "
        "findings per attempt, and `fallback_reason` when the rules narrative was served.",
    )
    engine_version: str


class CreatedEnvelope(BaseModel):
    data: CreatedData
    message: str = Field(examples=["Berhasil mendapatkan rekomendasi kredit"])
    status: Literal["success"] = "success"


class Detail(BaseModel):
    id: str
    status: Literal["success", "processing", "fail"]
    date: str = Field(examples=["Senin 21 Oktober 2024 00:15"])
    datetime: str = Field(examples=["2024-10-21T00:15:00Z"])
    payload: dict[str, Any]
    result: dict[str, Any] | None


class DetailEnvelope(BaseModel):
    data: Detail
    message: str = Field(examples=["Berhasil menampilkan detail rekomendasi kredit."])
    status: Literal["success"] = "success"


class ListItem(BaseModel):
    id: str
    date: str
    datetime: str
    status: Literal["success", "processing", "fail"]
    loan_id: str
    customer_id: str


class ListMeta(BaseModel):
    limit: int
    page: int
    total: int


class ListEnvelope(BaseModel):
    data: list[ListItem]
    meta: ListMeta
    message: str
    status: Literal["success"] = "success"


class Quota(BaseModel):
    feature: Literal["cde_feature"] = "cde_feature"
    is_active: bool
    total_quota: int | None = Field(description="null: unlimited")
    used_quota: int
    remaining_quota: int | None
    unlimited: bool


class QuotaEnvelope(BaseModel):
    data: Quota
    message: str
    status: Literal["success"] = "success"


class BatchSummary(BaseModel):
    outcomes: dict[str, int]
    grades: dict[str, int]
    total_plafon: int


class BatchView(BaseModel):
    id: str
    status: Literal["queued", "running", "done"]
    date: str
    datetime: str
    as_of: str
    total: int
    done: int
    failed: int
    pending: int
    summary: BatchSummary | None


class BatchEnvelope(BaseModel):
    data: BatchView
    message: str
    status: Literal["success"] = "success"


class OutcomeLineError(BaseModel):
    line: int = Field(description="The line of the body (JSON lines) or the array position")
    loan_id: str | None
    errors: list[FieldProblem]


class OutcomeReport(BaseModel):
    received: int = Field(description="Records read (blank lines are not records)")
    accepted: int = Field(description="Records stored: new + replaced + unchanged")
    new: int
    replaced: int = Field(description="Loans whose earlier outcome was replaced (kept in history)")
    unchanged: int = Field(description="Repeats of the outcome already stored")
    invalid: int
    unknown_loan_ids: list[str] = Field(
        description="Accepted, but no stored recommendation of the tenant has this loan_id yet"
    )
    errors: list[OutcomeLineError]


class OutcomeReportEnvelope(BaseModel):
    data: OutcomeReport
    message: str = Field(examples=["Hasil pinjaman diterima"])
    status: Literal["success"] = "success"


class OutcomeChangeView(BaseModel):
    revision: int
    bad: bool
    kolektibilitas: int | None
    observed_at: str | None
    applied_at: str | None
    recorded_at: str
    recorded_by: dict[str, str | None]
    replaced_at: str
    replaced_by: dict[str, str | None]


class OutcomeView(BaseModel):
    loan_id: str
    bad: bool
    kolektibilitas: int | None = Field(description="1-5, when it was given")
    observed_at: str | None = Field(examples=["2026-10-31"])
    applied_at: str | None = Field(examples=["2025-10-21"])
    received_at: str = Field(examples=["2026-11-03T02:15:00Z"])
    updated_at: str
    revision: int
    history: list[OutcomeChangeView] = Field(description="The replaced values, oldest first")


class OutcomeListEnvelope(BaseModel):
    data: list[OutcomeView]
    meta: ListMeta
    message: str
    status: Literal["success"] = "success"


class ScorecardNamed(BaseModel):
    name: str
    version: str


class PolicyNamed(BaseModel):
    name: str = Field(examples=["cde-default"])
    version: str = Field(examples=["2026.11.1"])
    scorecard: ScorecardNamed | None = Field(description="The scorecard it decides with, if any")


class SwapSet(BaseModel):
    """What ``cde simulate`` reports (docs/portfolio.md), champion as the baseline."""

    applications: int
    unreadable: int = Field(description="Applications one of the two could not decide")
    table: dict[str, dict[str, int]] = Field(description="Outcome counts, champion → challenger")
    swap: dict[str, int] = Field(
        description="approved_both, declined_both, swapped_out, swapped_in"
    )
    approval: dict[str, Any]
    plafon: dict[str, Any]
    drivers: dict[str, list[dict[str, Any]]]
    bad: dict[str, Any] | None = Field(
        None, description="Bad rate of each cell; present when the tenant recorded outcomes"
    )


class OtherPair(BaseModel):
    champion: PolicyNamed
    challenger: PolicyNamed
    shadowed: int


class ChallengerReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    tenant_id: str
    from_: str = Field(alias="from", examples=["2026-12-01"])
    to: str = Field(examples=["2026-12-31"])
    timezone: str = Field(examples=["Asia/Jakarta"])
    configured: bool = Field(description="Whether this service has a challenger configured")
    share: float = Field(description="Percent of live applications shadowed (0: none)")
    champion: PolicyNamed | None
    challenger: PolicyNamed | None
    shadowed: int = Field(description="Applications of this pair decided in the period")
    failed: int = Field(description="Of those, the ones the challenger failed on")
    with_outcome: int = Field(description="Of those, the ones whose loan has an outcome")
    note: Literal["no_challenger", "none_shadowed"] | None = Field(
        description="Why the report is empty, when it is"
    )
    swap_set: SwapSet
    other_pairs: list[OtherPair] = Field(
        description="Results of other champion/challenger pairs in the period (not compared)"
    )


class ChallengerReportEnvelope(BaseModel):
    data: ChallengerReport
    message: str
    status: Literal["success"] = "success"


class StabilityRate(BaseModel):
    """``events`` of ``count``, the rate with its Wilson 95 % interval; ``small`` under 30."""

    count: int
    events: int
    rate: float | None
    low: float | None
    high: float | None
    small: bool


class StabilityPeriod(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from", examples=["2026-01-01"])
    to: str = Field(examples=["2026-03-31"])
    days: int
    applications: int = Field(description="The tenant's stored decisions in the period")
    with_outcome: int = Field(description="Of those, the ones whose loan has an outcome")
    bad: StabilityRate


class StabilityPeriods(BaseModel):
    baseline: StabilityPeriod
    current: StabilityPeriod


class PsiBin(BaseModel):
    bin: str = Field(examples=["<= 42", "42 < x <= 55", "> 80", "modal_kerja", "(missing)"])
    baseline: int
    current: int


class PsiSection(BaseModel):
    psi: float = Field(description="Σ (current share − baseline share) · ln(current / baseline)")
    level: Literal["stable", "shift", "significant"] = Field(
        description="stable < 0.10 <= shift < 0.25 <= significant (Siddiqi 2006)"
    )
    noise: float = Field(description="The PSI two samples of one population show on average")
    chance_95: float = Field(description="The PSI such samples stay under 95 times in 100")
    baseline_count: int
    current_count: int
    baseline_mean: float | None
    current_mean: float | None
    bins: list[PsiBin] = Field(description="At the baseline's deciles, or by category")


class Characteristic(PsiSection):
    feature: str = Field(examples=["dsr_pct"])
    kind: Literal["numerical", "categorical"]
    label: str


class WeekLine(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    week: str = Field(examples=["2026-W48", "baseline"])
    from_: str = Field(alias="from")
    to: str
    applications: int
    approval: StabilityRate
    outcomes: dict[str, int] = Field(description="approve, approve_with_conditions, decline")
    mix: dict[str, float | None] = Field(description="Each outcome's share (null: no decision)")


class StabilityWeekly(BaseModel):
    baseline: WeekLine
    current: list[WeekLine] = Field(description="Every ISO week of the current period")


class FairnessGroup(BaseModel):
    group: str = Field(examples=["perempuan", "25-34"])
    applicants: int
    approval: StabilityRate
    mean_plafon: int | None = Field(description="Of the approved")
    bad: StabilityRate = Field(description="Of the loans with an outcome")
    adverse_impact: float | None = Field(description="The approval rate over the highest group's")
    flagged: bool = Field(description="adverse_impact under 0.8")


class StabilityThresholds(BaseModel):
    shift: float
    significant: float
    adverse_impact: float
    small_group: int
    source: str


class StabilityRead(BaseModel):
    unreadable: int = Field(description="Stored results without a decision, left out")
    not_reassessed: int = Field(description="Applications without features (unreadable now)")


class StabilityReport(BaseModel):
    tenant: str
    read: StabilityRead
    periods: StabilityPeriods
    thresholds: StabilityThresholds
    score: PsiSection | None = Field(description="null when a period has no decision")
    pd: PsiSection | None = Field(description="null unless both periods have scorecard PDs")
    characteristics: list[Characteristic]
    weekly: StabilityWeekly
    fairness: dict[str, list[FairnessGroup]] = Field(description="gender and age (bands)")
    warnings: list[str]


class StabilityEnvelope(BaseModel):
    data: StabilityReport
    message: str
    status: Literal["success"] = "success"


class QueueDown(BaseModel):
    backend: Literal["embedded", "procrastinate"]
    ok: Literal[False] = False


class NotReady(BaseModel):
    """``/ready``'s 503: the database does not answer (``queue`` null), or the job queue."""

    status: Literal["unavailable"] = "unavailable"
    database: Literal["unreachable", "ok"]
    queue: QueueDown | None


# --- the statuses each kind of route answers besides its success ---------------------------
# Shared by the route declarations in ``app.py`` (``responses=``), so that a status every
# route of a kind can answer is documented once, the same way, on all of them.

Responses = dict[int | str, dict[str, Any]]


def fail(description: str) -> dict[str, Any]:
    """A response with the failure envelope."""
    return {"model": FailEnvelope, "description": description}


def responses(*parts: Mapping[int | str, dict[str, Any]]) -> Responses:
    """The parts merged (a later part's status wins), in the order of the status codes."""
    merged: Responses = {}
    for part in parts:
        merged.update(part)
    return dict(sorted(merged.items(), key=lambda item: str(item[0])))


def json_bodies(declared: Responses) -> Responses:
    """``declared`` with each model's body as JSON, for a route whose success is not JSON
    (FastAPI would document the models under the route's own media type). The models are
    components of the document through the other routes."""
    out: Responses = {}
    for status, response in declared.items():
        response = dict(response)
        model = response.pop("model", None)
        if model is not None:
            ref = {"$ref": f"#/components/schemas/{model.__name__}"}
            response["content"] = {"application/json": {"schema": ref}}
        out[status] = response
    return out


# Every ``/kocek/...`` route: the bearer token is checked first (only the body limit comes
# before it), then the tenant's rate limit; both, and the route's own work, read the
# database; and the catch-all answers any unexpected failure.
AUTHENTICATED: Responses = {
    401: {
        "model": UnauthenticatedBody,
        "description": "No bearer token, or not a valid one",
    },
    429: {
        "model": FailEnvelope,
        "description": "The tenant's rate limit (CDE_RATE_LIMIT_PER_MINUTE) is spent",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next request is accepted",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    500: fail("An unexpected failure: the error names only the request id"),
    503: fail("The database is unreachable: the error names the request id"),
}

# Every ``/kocek/cde/...`` route: also behind the service switch, the tenant's ``active``
# flag and (when CDE_REQUEST_ROLES / CDE_READ_ROLES are set) the caller's role.
BEHIND_THE_SWITCH: Responses = responses(
    AUTHENTICATED,
    {403: fail("The service is switched off, the tenant is not active, or the role is refused")},
)
