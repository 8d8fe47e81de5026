"""The workspace's Jinja2 environment (templates in ``cde/entrypoints/web/templates``,
autoescaped) and the formatting its pages use: money, numbers, percentages and times in
the reader's language and the service's time zone. Only what this package renders itself
(the memo's Markdown, the dashboard's charts) is marked safe."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cde.domain import text
from cde.domain.text import Lang

__all__ = ["Formatter", "environment"]


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("cde.entrypoints.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


class Formatter:
    """Figures for people, in ``lang`` (Indonesian or English notation)."""

    def __init__(self, lang: Lang, zone: ZoneInfo) -> None:
        self.lang = lang
        self.zone = zone

    def rupiah(self, value: int | float | Decimal | None) -> str:
        return "—" if value is None else text.rupiah(value, self.lang)

    def number(self, value: int | float | Decimal | None, decimals: int = 0) -> str:
        return "—" if value is None else text.number(value, self.lang, decimals)

    def percent(self, value: int | float | Decimal | None) -> str:
        return "—" if value is None else text.percent(value, self.lang)

    def probability(self, value: float | Decimal | None) -> str:
        return "—" if value is None else text.probability(value, self.lang)

    def months(self, value: int | None) -> str:
        return "—" if value is None else text.months(value, self.lang)

    def when(self, moment: datetime | None) -> str:
        """``23 Nov 2026 10.00`` in the service's time zone."""
        if moment is None:
            return "—"
        return str(format_datetime(moment, "d MMM yyyy HH:mm", tzinfo=self.zone, locale=self.lang))

    def day(self, value: date | None) -> str:
        return "—" if value is None else str(format_date(value, "d MMM yyyy", locale=self.lang))
