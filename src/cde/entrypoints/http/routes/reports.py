"""``/kocek/cde/reports`` (ours): reports on the tenant's live traffic, each for a period of
days in the service's time zone (``from`` and ``to`` both included)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from cde.entrypoints.http import schemas
from cde.entrypoints.http.deps import ContainerDep, LangDep, Reader
from cde.entrypoints.http.views import success
from cde.portfolio.stability import MAX_PERIOD_DAYS, period

__all__ = ["router"]

router = APIRouter(prefix="/kocek/cde/reports", tags=["reports"])

FromQuery = Annotated[
    date,
    Query(
        alias="from",
        description="The first day (YYYY-MM-DD, in CDE_TIMEZONE), included.",
    ),
]
ToQuery = Annotated[
    date,
    Query(description="The last day (YYYY-MM-DD, in CDE_TIMEZONE), included."),
]


@router.get(
    "/challenger",
    response_model=schemas.ChallengerReportEnvelope,
    responses=schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {422: schemas.fail("A missing or bad date (from, to), or from after to, named")},
    ),
    summary="Champion–challenger: the swap set between the two on the tenant's live traffic",
)
def challenger_report(
    c: ContainerDep, lang: LangDep, principal: Reader, first: FromQuery, to: ToQuery
) -> Response:
    report = c.challenger.report(principal.tenant.id, first, to)
    key = "challenger_none" if report["note"] == "no_challenger" else "challenger_report"
    return success(200, report, key, lang)


def _day(description: str) -> object:
    return Query(description=f"{description} (YYYY-MM-DD, in CDE_TIMEZONE), included.")


@router.get(
    "/stability",
    response_model=schemas.StabilityEnvelope,
    responses=schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {
            422: schemas.fail(
                "A missing or bad date, a period's from after its to, or a period longer "
                f"than {MAX_PERIOD_DAYS} days; the parameter named"
            )
        },
    ),
    summary="Stability (PSI of the score, PD and features), weekly approval and fairness",
)
def stability_report(
    c: ContainerDep,
    lang: LangDep,
    principal: Reader,
    baseline_from: Annotated[date, _day("The baseline period's first day")],
    baseline_to: Annotated[date, _day("The baseline period's last day")],
    current_from: Annotated[date, _day("The current period's first day")],
    current_to: Annotated[date, _day("The current period's last day")],
) -> Response:
    baseline = period(
        baseline_from, baseline_to, first_name="baseline_from", last_name="baseline_to"
    )
    current = period(current_from, current_to, first_name="current_from", last_name="current_to")
    return success(
        200, c.monitoring.stability(principal.tenant, baseline, current), "stability_report", lang
    )
