"""A tenant's stored policy versions end to end, on SQLite and on PostgreSQL: ``cde policy
submit`` → ``attach-backtest`` (a real ``cde backtest --format json`` of a generated book)
→ ``approve`` by a second person in an approving role → ``activate`` → the tenant's POSTs
are decided under it while another tenant's are decided under the deployment's policy →
``rollback``; every refusal is a usage error (exit 2, no traceback); every step is in the
audit trail and ``cde audit verify`` still passes; a second container on the same database
(another process of the deployment) sees an activation.

The policies: the shipped default with ``max_plafon`` lowered to Rp 10 juta (``ketat``
2026.12.1) and to Rp 15 juta (2026.12.2). ``clean_application`` (Rp 20 juta) is approved
as requested under the default and approved with the plafon cut to 10 or 15 juta under
them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner, Result

from cde.bootstrap import Container
from cde.entrypoints.cli import app
from clocks import TEST_TODAY
from conftest import MakeClient
from generate_loan_book import loan_book, write_book

SINGLE = "/kocek/cde/credit-recommendation"
HEADERS = {
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
    "Content-Type": "application/json",
}
NAME = "kebijakan-ketat"


def _clean_application() -> dict[str, Any]:
    """``tests/unit/builders.py``'s ``clean_application`` (that folder is not on the path)."""
    path = Path(__file__).parents[1] / "unit" / "builders.py"
    spec = importlib.util.spec_from_file_location("_unit_builders", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: dict[str, Any] = module.clean_application()
    return app


APP = orjson.dumps(_clean_application())


def _variant(version: str, max_plafon: int) -> str:
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    changed = (
        text.replace('name = "cde-default"', f'name = "{NAME}"')
        .replace('version = "2026.11.1"', f'version = "{version}"')
        .replace("max_plafon = 500000000", f"max_plafon = {max_plafon}")
    )
    assert changed.count(NAME) == 1
    assert changed.count(version) == 1
    assert f"max_plafon = {max_plafon}" in changed
    return changed


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The two versions, a generated book, and a real backtest report of each (and one
    of the shipped default, for a backtest of another policy)."""
    folder = tmp_path_factory.mktemp("lifecycle")
    apps, outcomes = write_book(loan_book(60, 5), folder)
    out: dict[str, Path] = {}
    for key, version, plafon in (("v1", "2026.12.1", 10_000_000), ("v2", "2026.12.2", 15_000_000)):
        out[key] = folder / f"{key}.toml"
        out[key].write_text(_variant(version, plafon), "utf-8")
    for key, policy in (("v1", out["v1"]), ("v2", out["v2"]), ("default", None)):
        args = ["backtest", str(apps), "--outcomes", str(outcomes), "--today", str(TEST_TODAY)]
        args += ["--format", "json"] + (["--policy", str(policy)] if policy else [])
        run = CliRunner().invoke(app, args, env={"CDE_POLICY_FILE": None})
        assert run.exit_code == 0, run.output
        out[f"{key}_backtest"] = folder / f"{key}-backtest.json"
        out[f"{key}_backtest"].write_text(run.stdout, "utf-8")
    return out


class Cli:
    def __init__(self, env: dict[str, str | None]) -> None:
        self.env = env

    def run(self, *args: str | Path) -> Result:
        result = CliRunner().invoke(app, [str(a) for a in args], env=self.env)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert "Traceback" not in result.output
        return result

    def ok(self, *args: str | Path) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    def refused(self, *args: str | Path) -> str:
        result = self.run(*args)
        assert result.exit_code == 2, result.output
        return " ".join(result.stderr.split())

    def promoted(self, tenant: str, key: str, files: dict[str, Path]) -> str:
        """Submit, attach its backtest, approve and activate version ``key``; its id."""
        version_id = self.ok("policy", "submit", files[key], "--tenant", tenant, "--by", "andi")
        self.ok("policy", "attach-backtest", version_id, files[f"{key}_backtest"], "--by", "andi")
        self.ok("policy", "approve", version_id, "--by", "rina", "--role", "Manajer")
        self.ok("policy", "activate", version_id, "--by", "budi")
        return version_id


@pytest.fixture
def cli(database_env: dict[str, str]) -> Cli:
    return Cli({**database_env, "CDE_POLICY_FILE": None, "CDE_POLICY_REFRESH_SECONDS": "0"})


def decided(client: Any, key: str) -> dict[str, Any]:
    response = client.post(
        SINGLE, content=APP, headers={**HEADERS, "Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return {
        "policy": (data["policy"]["name"], data["policy"]["version"]),
        "outcome": data["decision"]["outcome"],
        "plafon": data["decision"]["plafon"],
    }


DEFAULT = {"policy": ("cde-default", "2026.11.1"), "outcome": "approve", "plafon": 20_000_000}
V1 = {"policy": (NAME, "2026.12.1"), "outcome": "approve_with_conditions", "plafon": 10_000_000}
V2 = {"policy": (NAME, "2026.12.2"), "outcome": "approve_with_conditions", "plafon": 15_000_000}


def tenants(container: Container) -> tuple[str, str]:
    _, key_a = container.tenant_admin.create("Koperasi Maju", None)
    _, key_b = container.tenant_admin.create("Koperasi Sejahtera", None)
    return key_a, key_b


def test_the_lifecycle_end_to_end(
    make_client: MakeClient, cli: Cli, files: dict[str, Path]
) -> None:
    container, client = make_client(rate_limit_per_minute=0, policy_refresh_seconds=0)
    key_a, key_b = tenants(container)
    assert decided(client, key_a) == DEFAULT

    v1 = cli.promoted("Koperasi Maju", "v1", files)
    assert decided(client, key_a) == V1  # the result names the stored version
    assert decided(client, key_b) == DEFAULT  # another tenant: the deployment's policy

    v2 = cli.promoted("Koperasi Maju", "v2", files)
    assert decided(client, key_a) == V2
    listed = [
        json.loads(line)
        for line in cli.ok("policy", "versions", "--tenant", "Koperasi Maju", "--json").splitlines()
    ]
    assert [(v["id"], v["status"], v["previous_id"]) for v in listed] == [
        (v1, "retired", None),
        (v2, "active", v1),
    ]

    out = cli.ok("policy", "rollback", "--tenant", "Koperasi Maju", "--by", "budi")
    assert f"retired {v2}" in out
    assert f"active again {v1}" in out
    assert decided(client, key_a) == V1
    assert decided(client, key_b) == DEFAULT
    refused = cli.refused("policy", "rollback", "--tenant", "Koperasi Maju", "--by", "budi")
    assert "nothing to roll back to" in refused
    assert "first version activated" in refused

    shown = json.loads(cli.ok("policy", "version", v1))
    assert shown["status"] == "active"
    assert (shown["created_by"], shown["approved_by"], shown["approved_role"]) == (
        "andi",
        "rina",
        "Manajer",
    )
    assert cli.ok("policy", "version", v1, "--text") == files["v1"].read_text("utf-8").strip()

    # the audit trail: every step, who did it, which version, the sha256s
    steps = [
        (
            e.entry.outcome,
            e.entry.record_id,
            e.entry.user_id,
            e.entry.user_role,
            e.entry.body_sha256,
        )
        for e in container.audit.entries()
        if e.entry.method == "POLICY"
    ]
    v1_sha = shown["sha256"]
    v1_report = shown["backtest_sha256"]
    assert v1_report == _sha(files["v1_backtest"])
    assert v1_sha == _sha(files["v1"])
    v2_sha, v2_report = _sha(files["v2"]), _sha(files["v2_backtest"])
    assert steps == [
        ("submit", v1, "andi", None, v1_sha),
        ("attach-backtest", v1, "andi", None, v1_report),
        ("approve", v1, "rina", "Manajer", v1_sha),
        ("activate", v1, "budi", None, v1_sha),
        ("submit", v2, "andi", None, v2_sha),
        ("attach-backtest", v2, "andi", None, v2_report),
        ("approve", v2, "rina", "Manajer", v2_sha),
        ("activate", v2, "budi", None, v2_sha),
        ("rollback", v1, "budi", None, v1_sha),
    ]
    tenant_a = container.tenants.by_name("Koperasi Maju")
    assert tenant_a is not None
    assert {e.entry.tenant_id for e in container.audit.entries() if e.entry.method == "POLICY"} == {
        tenant_a.id
    }
    assert "audit trail intact" in cli.ok("audit", "verify")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_refusal_names_what_is_wrong(
    make_client: MakeClient, cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    container, _ = make_client()
    tenants(container)
    maju = ("--tenant", "Koperasi Maju")
    v1 = cli.ok("policy", "submit", files["v1"], *maju, "--by", "andi")

    # a duplicate version, for the same tenant (another tenant may have it)
    assert "already has policy kebijakan-ketat version 2026.12.1" in cli.refused(
        "policy", "submit", files["v1"], *maju, "--by", "sari"
    )
    cli.ok("policy", "submit", files["v1"], "--tenant", "Koperasi Sejahtera", "--by", "sari")

    # an invalid policy: every problem listed; a relative scorecard file refused
    broken = tmp_path / "broken.toml"
    broken.write_text(
        _variant("2026.12.9", 10_000_000)
        .replace("dsr_healthy_pct = 30", 'dsr_healthy_pct = "tiga puluh"')
        .replace('approve_min_grade = "B"', 'approve_min_grade = "Z"'),
        "utf-8",
    )
    said = cli.refused("policy", "submit", broken, *maju, "--by", "andi")
    assert "capacity.dsr_healthy_pct" in said
    assert "decision.approve_min_grade" in said
    relative = tmp_path / "relative.toml"
    relative.write_text(
        _variant("2026.12.8", 10_000_000) + '\n[scorecard]\nfile = "kartu.json"\n', "utf-8"
    )
    assert "scorecard.file: 'kartu.json' is relative" in cli.refused(
        "policy", "submit", relative, *maju, "--by", "andi"
    )
    assert "no tenant named 'Koperasi Hilang'" in cli.refused(
        "policy", "submit", files["v1"], "--tenant", "Koperasi Hilang", "--by", "andi"
    )
    assert "cannot read the policy file" in cli.refused(
        "policy", "submit", tmp_path / "none.toml", *maju, "--by", "andi"
    )

    # approving: no backtest yet; then the backtest of another policy; then not a report
    assert "has no backtest attached" in cli.refused(
        "policy", "approve", v1, "--by", "rina", "--role", "Manajer"
    )
    assert "the backtest is of policy cde-default version 2026.11.1" in cli.refused(
        "policy", "attach-backtest", v1, files["default_backtest"], "--by", "andi"
    )
    not_report = tmp_path / "not-report.json"
    not_report.write_text('{"policy": {"name": "kebijakan-ketat"}}', "utf-8")
    assert "not a backtest report" in cli.refused(
        "policy", "attach-backtest", v1, not_report, "--by", "andi"
    )
    cli.ok("policy", "attach-backtest", v1, files["v1_backtest"], "--by", "andi")

    # activating a draft
    assert f"policy version {v1} is draft: only a approved version" in cli.refused(
        "policy", "activate", v1, "--by", "budi"
    )
    # maker–checker: the submitter; a role not allowed
    assert "andi submitted policy version" in cli.refused(
        "policy", "approve", v1, "--by", "andi", "--role", "Manajer"
    )
    assert "role 'Pengawas' may not approve" in cli.refused(
        "policy", "approve", v1, "--by", "rina", "--role", "Pengawas"
    )
    # rollback with nothing active
    assert "has no active stored policy version" in cli.refused(
        "policy", "rollback", *maju, "--by", "budi"
    )
    # rejecting needs a reason and a checker; a rejected version goes no further
    assert "give the reason" in cli.refused(
        "policy", "reject", v1, "--by", "rina", "--role", "Ketua", "--reason", " "
    )
    cli.ok("policy", "reject", v1, "--by", "rina", "--role", "Ketua", "--reason", "terlalu ketat")
    assert "is rejected" in cli.refused("policy", "approve", v1, "--by", "rina", "--role", "Ketua")
    assert "no policy version 'nope'" in cli.refused("policy", "activate", "nope", "--by", "budi")
    assert "--by" in cli.refused("policy", "activate", v1, "--by", " ")
    # nothing refused reached the audit trail; what was done did
    policy_steps = [
        e.entry.outcome for e in container.audit.entries() if e.entry.method == "POLICY"
    ]
    assert policy_steps == ["submit", "submit", "attach-backtest", "reject"]


def test_another_process_sees_the_activation(
    make_client: MakeClient, cli: Cli, files: dict[str, Path]
) -> None:
    first, client_first = make_client(rate_limit_per_minute=0, policy_refresh_seconds=0)
    key_a, _ = tenants(first)
    # a second process with the default refresh window, its clock in the test's hands
    second, client_second = make_client(rate_limit_per_minute=0, policy_refresh_seconds=5)
    now = [100.0]
    second.tenant_policies.monotonic = lambda: now[0]
    assert decided(client_second, key_a) == DEFAULT

    cli.promoted("Koperasi Maju", "v1", files)  # a third process: the CLI
    assert decided(client_first, key_a) == V1  # reads the active version on every POST
    now[0] += 4.9
    assert decided(client_second, key_a) == DEFAULT  # within its 5 s window
    now[0] += 0.2
    assert decided(client_second, key_a) == V1  # past it: seen

    # an activation made in this process is seen at once
    second_id = second.policy_versions.submit(
        "Koperasi Maju", files["v2"].read_text("utf-8"), "toml", "andi"
    ).id
    second.policy_versions.attach_backtest(
        second_id, files["v2_backtest"].read_text("utf-8"), "andi"
    )
    second.policy_versions.approve(second_id, "rina", "Pengurus")
    second.policy_versions.activate(second_id, "budi")
    assert decided(client_second, key_a) == V2
    assert decided(client_first, key_a) == V2
