"""The ``cde`` command line: thin, every command calls the domain or a service.

Exit codes: 0 success; 1 the application itself is invalid (each bad field is listed on
stderr); 2 a usage problem (unreadable file, bad option, invalid policy file).

This package builds the root typer ``app`` and registers every command; they live in:

- ``evaluate.py``: ``cde evaluate`` and ``cde batch``;
- ``serve.py``: ``cde serve`` and ``cde worker``;
- ``admin.py``: ``cde service``, ``cde tenant``, ``cde audit`` and ``cde purge``;
- ``outcomes.py``: ``cde outcomes`` (loan outcomes in, for the scorecard);
- ``portfolio.py``: ``cde backtest`` and ``cde simulate`` (a loan book replayed);
- ``reports.py``: ``cde report`` (reports on live traffic: ``challenger``, ``stability``);
- ``policy.py``: ``cde policy`` and ``cde version``;
- ``policy_versions.py``: ``cde policy submit|attach-backtest|approve|reject|activate|
  rollback|versions|version`` (a tenant's stored policy versions), on ``policy_app``;
- ``schedule.py``: ``cde schedule``;
- ``scorecard.py``: ``cde scorecard train`` and ``cde scorecard show``;
- ``_common.py``: what several commands share (options, settings, usage errors).

``clock`` is the one source of "now" of every command (tests replace it with
``monkeypatch.setattr(cde.entrypoints.cli, "clock", ...)``): "today" of an evaluation
without --today, and the clock of the service the commands bootstrap. The commands read
it from here at each call (``_common._clock``).
"""

from __future__ import annotations

import typer

from cde.bootstrap import utc_now
from cde.entrypoints.cli.admin import audit_app, purge_command, service_app, tenant_app
from cde.entrypoints.cli.evaluate import batch_command, evaluate_command
from cde.entrypoints.cli.outcomes import outcomes_app
from cde.entrypoints.cli.policy import policy_app, version_command
from cde.entrypoints.cli.policy_versions import policy_submit as policy_submit  # registers
from cde.entrypoints.cli.portfolio import backtest_command, simulate_command
from cde.entrypoints.cli.reports import report_app
from cde.entrypoints.cli.schedule import schedule_command
from cde.entrypoints.cli.scorecard import scorecard_app
from cde.entrypoints.cli.serve import serve_command, worker_command
from cde.service.ports import Clock

__all__ = ["app", "clock", "main"]

clock: Clock = utc_now

app = typer.Typer(
    name="cde",
    help="Credit Decision Engine: 5C analysis, plafon and tenor for Indonesian cooperatives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(policy_app, name="policy")
app.add_typer(service_app, name="service")
app.add_typer(tenant_app, name="tenant")
app.add_typer(audit_app, name="audit")
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(outcomes_app, name="outcomes")
app.add_typer(report_app, name="report")
# Registration order is the order of `cde --help`.
app.command("schedule", help="Print the amortisation schedule of a loan.")(schedule_command)
app.command("evaluate")(evaluate_command)
app.command("batch")(batch_command)
app.command("backtest")(backtest_command)
app.command("simulate")(simulate_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("purge")(purge_command)
app.command("version")(version_command)


def main() -> None:
    app()
