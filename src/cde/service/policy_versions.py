"""Policy versions stored per tenant: the lifecycle of a credit policy (issue 13, item 8).

A version is submitted as text (TOML or JSON, validated as ``cde policy check`` does) and
stored as a ``draft``; a backtest report (``cde backtest --format json``) of that very
policy is attached to it; a second person whose role is one of
``CDE_POLICY_APPROVER_ROLES`` approves it (maker–checker: never the submitter) or rejects
it; an ``approved`` version is activated — the tenant's POSTs, portfolio batches and
narratives are decided under it from then on, and the version active before is
``retired``; ``rollback`` retires the active version and puts back the one it replaced.
Every step writes an entry to the hash-chained audit trail (who, which version, the
sha256 of the policy text or of the backtest report).

Which policy decides for a tenant is :class:`TenantPolicies`: the tenant's active version
if it has one, else the deployment's policy (``CDE_POLICY_FILE`` or the shipped one).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from cde.errors import InvalidInputError
from cde.policies import Policy, PolicyError, parse_policy
from cde.service.audit import AuditEntry, AuditLog
from cde.service.ports import Clock
from cde.service.tenants import Tenant, TenantStore

__all__ = [
    "BACKTEST_KEYS",
    "PolicyVersion",
    "PolicyVersionError",
    "PolicyVersionStore",
    "PolicyVersions",
    "TenantPolicies",
    "parse_policy_text",
]

Format = Literal["toml", "json"]
Status = Literal["draft", "approved", "active", "retired", "rejected"]
BACKTEST_KEYS = ("book", "decisions", "ranking")


class PolicyVersionError(InvalidInputError):
    """A lifecycle step that is refused (unknown version, wrong status, maker–checker)."""


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    id: str
    tenant_id: str
    name: str
    version: str
    format: str  # toml | json
    text: str
    sha256: str
    status: str  # draft | approved | active | retired | rejected
    created_by: str
    created_at: Any  # datetime (aware UTC)
    previous_id: str | None = None  # the version active before this one was activated
    backtest: str | None = None  # the attached report's JSON
    backtest_sha256: str | None = None
    backtest_by: str | None = None
    backtest_at: Any = None
    approved_by: str | None = None
    approved_role: str | None = None
    approved_at: Any = None
    rejected_by: str | None = None
    rejected_role: str | None = None
    rejected_at: Any = None
    rejected_reason: str | None = None
    activated_by: str | None = None
    activated_at: Any = None
    retired_by: str | None = None
    retired_at: Any = None

    def summary(self) -> dict[str, Any]:
        """Everything but the texts (the policy and the report), for listings and JSON."""
        data: dict[str, Any] = {}
        for key in self.__slots__:
            if key in ("text", "backtest"):
                continue
            value = getattr(self, key)
            data[key] = value.isoformat() if hasattr(value, "isoformat") else value
        return data


class PolicyVersionStore(Protocol):
    """SQL adapter :class:`cde.adapters.db.policy_versions.SqlPolicyVersions`; the fake
    ``FakePolicyVersions`` in ``tests/fakes.py``."""

    def add(self, version: PolicyVersion) -> bool:
        """Store a new version; False (nothing stored) when the tenant already has one of
        that name and version."""

    def get(self, version_id: str) -> PolicyVersion | None: ...

    def of_tenant(self, tenant_id: str) -> list[PolicyVersion]:
        """The tenant's versions, oldest first."""

    def active_id(self, tenant_id: str) -> str | None:
        """The id of the tenant's active version (one indexed read), or None."""

    def update(self, changes: list[tuple[PolicyVersion, str]]) -> bool:
        """Store each version's new state, if its stored status is still the one given,
        all in one transaction; False (nothing changed) if any is not, or if the result
        would give a tenant two active versions."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_policy_text(text: str, fmt: str, source: str = "<stored policy>") -> Policy:
    """Validate a stored policy's text. A ``[scorecard]`` ``file`` must be an absolute
    path: a stored policy has no folder of its own to read a relative one from.

    Raises :class:`~cde.policies.PolicyError` listing every problem.
    """
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except ValueError as exc:
        raise PolicyError(source, [("(syntax)", str(exc))]) from None
    if not isinstance(data, dict):
        raise PolicyError(source, [("(top level)", "expected a table of settings")])
    card = data.get("scorecard")
    file = card.get("file") if isinstance(card, dict) else None
    if isinstance(file, str) and not Path(file).is_absolute():
        problems = [
            (
                "scorecard.file",
                f"{file!r} is relative: a stored policy must name its scorecard by an "
                "absolute path (readable by every process of the deployment)",
            )
        ]
        try:
            parse_policy({k: v for k, v in data.items() if k != "scorecard"}, source)
        except PolicyError as exc:
            problems = exc.problems + problems
        raise PolicyError(source, problems)
    return parse_policy(data, source)


class PolicyVersions:
    """The use cases of ``cde policy submit|attach-backtest|approve|reject|activate|
    rollback|versions|version``."""

    def __init__(
        self,
        store: PolicyVersionStore,
        tenants: TenantStore,
        audit: AuditLog,
        clock: Clock,
        new_id: Callable[[], str],
        approver_roles: tuple[str, ...],
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.tenants = tenants
        self.audit = audit
        self.clock = clock
        self.new_id = new_id
        self.approver_roles = approver_roles
        self.on_change = on_change  # told of a tenant whose active version changed

    # --- reading ------------------------------------------------------------------------

    def tenant(self, name: str) -> Tenant:
        tenant = self.tenants.by_name(name)
        if tenant is None:
            raise PolicyVersionError(f"no tenant named {name!r}")
        return tenant

    def show(self, version_id: str) -> PolicyVersion:
        found = self.store.get(version_id)
        if found is None:
            raise PolicyVersionError(f"no policy version {version_id!r}")
        return found

    def versions(self, tenant_name: str) -> list[PolicyVersion]:
        return self.store.of_tenant(self.tenant(tenant_name).id)

    # --- the steps ----------------------------------------------------------------------

    def submit(self, tenant_name: str, text: str, fmt: str, by: str) -> PolicyVersion:
        """Validate ``text`` and store it as a draft of the tenant's."""
        by = _who(by)
        if fmt not in ("toml", "json"):
            raise PolicyVersionError(f"a policy is TOML or JSON, not {fmt!r}")
        tenant = self.tenant(tenant_name)
        policy = parse_policy_text(text, fmt)
        draft = PolicyVersion(
            id=self.new_id(),
            tenant_id=tenant.id,
            name=policy.name,
            version=policy.version,
            format=fmt,
            text=text,
            sha256=_sha256(text),
            status="draft",
            created_by=by,
            created_at=self.clock(),
        )
        if not self.store.add(draft):
            raise PolicyVersionError(
                f"tenant {tenant.name!r} already has policy {policy.name} version "
                f"{policy.version}: bump the version"
            )
        self._audit("submit", draft, by, None, draft.sha256)
        return draft

    def attach_backtest(self, version_id: str, report_text: str, by: str) -> PolicyVersion:
        """Attach a backtest report (``cde backtest --format json``) of this policy to a
        draft (replacing one attached before)."""
        by = _who(by)
        draft = self._in(version_id, "draft", "given a backtest")
        try:
            report = json.loads(report_text)
        except ValueError as exc:
            raise PolicyVersionError(f"the backtest report is not JSON: {exc}") from None
        if not isinstance(report, dict):
            raise PolicyVersionError("the backtest report is not a JSON object")
        missing = [k for k in BACKTEST_KEYS if k not in report]
        if missing:
            raise PolicyVersionError(
                "not a backtest report (`cde backtest --format json`): no "
                + ", ".join(repr(k) for k in missing)
            )
        named = report.get("policy")
        name = named.get("name") if isinstance(named, dict) else None
        version = named.get("version") if isinstance(named, dict) else None
        if (name, version) != (draft.name, draft.version):
            raise PolicyVersionError(
                f"the backtest is of policy {name} version {version}, not of the draft's "
                f"{draft.name} version {draft.version}"
            )
        digest = _sha256(report_text)
        done = replace(
            draft,
            backtest=report_text,
            backtest_sha256=digest,
            backtest_by=by,
            backtest_at=self.clock(),
        )
        self._save([(done, "draft")], version_id)
        self._audit("attach-backtest", done, by, None, digest)
        return done

    def approve(self, version_id: str, by: str, role: str) -> PolicyVersion:
        """The checker's approval: a second person, in an approving role, of a draft with
        a backtest attached."""
        by = _who(by)
        draft = self._in(version_id, "draft", "approved")
        self._checker(draft, by, role, "approve")
        if draft.backtest is None:
            raise PolicyVersionError(
                f"policy version {version_id} has no backtest attached: attach one "
                "(`cde policy attach-backtest`) before approving"
            )
        done = replace(
            draft, status="approved", approved_by=by, approved_role=role, approved_at=self.clock()
        )
        self._save([(done, "draft")], version_id)
        self._audit("approve", done, by, role, done.sha256)
        return done

    def reject(self, version_id: str, by: str, role: str, reason: str) -> PolicyVersion:
        """The checker refuses a draft (or an approved version not yet activated)."""
        by = _who(by)
        if not reason.strip() or "\x00" in reason:
            raise PolicyVersionError("give the reason for rejecting (--reason TEXT)")
        found = self.show(version_id)
        if found.status not in ("draft", "approved"):
            raise PolicyVersionError(
                f"policy version {version_id} is {found.status}: only a draft or an "
                "approved version can be rejected"
            )
        self._checker(found, by, role, "reject")
        done = replace(
            found,
            status="rejected",
            rejected_by=by,
            rejected_role=role,
            rejected_at=self.clock(),
            rejected_reason=reason.strip(),
        )
        self._save([(done, found.status)], version_id)
        self._audit("reject", done, by, role, done.sha256)
        return done

    def activate(self, version_id: str, by: str) -> PolicyVersion:
        """An approved version decides the tenant's applications from now on; the one
        active before (if any) is retired."""
        by = _who(by)
        chosen = self._in(version_id, "approved", "activated")
        now = self.clock()
        changes: list[tuple[PolicyVersion, str]] = []
        previous_id = self.store.active_id(chosen.tenant_id)
        if previous_id is not None:
            previous = self.show(previous_id)
            changes.append(
                (replace(previous, status="retired", retired_by=by, retired_at=now), "active")
            )
        done = replace(
            chosen, status="active", activated_by=by, activated_at=now, previous_id=previous_id
        )
        changes.append((done, "approved"))
        self._save(changes, version_id)
        self._audit("activate", done, by, None, done.sha256)
        self._changed(done.tenant_id)
        return done

    def rollback(self, tenant_name: str, by: str) -> tuple[PolicyVersion, PolicyVersion]:
        """Retire the tenant's active version and activate again the one it replaced;
        (retired, reactivated)."""
        by = _who(by)
        tenant = self.tenant(tenant_name)
        active_id = self.store.active_id(tenant.id)
        if active_id is None:
            raise PolicyVersionError(
                f"tenant {tenant.name!r} has no active stored policy version: nothing to roll back"
            )
        active = self.show(active_id)
        back = self.store.get(active.previous_id) if active.previous_id else None
        if back is None or back.status != "retired":
            raise PolicyVersionError(
                f"nothing to roll back to: policy {active.name} version {active.version} "
                f"({active.id}) was the first version activated for tenant {tenant.name!r}"
            )
        now = self.clock()
        retired = replace(active, status="retired", retired_by=by, retired_at=now)
        again = replace(back, status="active", activated_by=by, activated_at=now)
        self._save([(retired, "active"), (again, "retired")], active.id)
        self._audit("rollback", again, by, None, again.sha256, retired.id)
        self._changed(tenant.id)
        return retired, again

    # --- helpers ------------------------------------------------------------------------

    def _in(self, version_id: str, status: str, doing: str) -> PolicyVersion:
        found = self.show(version_id)
        if found.status != status:
            raise PolicyVersionError(
                f"policy version {version_id} is {found.status}: only a {status} version "
                f"can be {doing}"
            )
        return found

    def _checker(self, found: PolicyVersion, by: str, role: str, doing: str) -> None:
        if by == found.created_by:
            raise PolicyVersionError(
                f"{by} submitted policy version {found.id} and may not {doing} it: "
                "a second person must (maker–checker)"
            )
        if role not in self.approver_roles:
            raise PolicyVersionError(
                f"role {role!r} may not {doing} a policy version (CDE_POLICY_APPROVER_ROLES: "
                f"{', '.join(self.approver_roles) or 'none'})"
            )

    def _save(self, changes: list[tuple[PolicyVersion, str]], version_id: str) -> None:
        if not self.store.update(changes):
            raise PolicyVersionError(
                f"policy version {version_id} was changed by someone else meanwhile: "
                "look again (`cde policy version`) and retry"
            )

    def _changed(self, tenant_id: str) -> None:
        if self.on_change is not None:
            self.on_change(tenant_id)

    def _audit(
        self,
        action: str,
        version: PolicyVersion,
        by: str,
        role: str | None,
        sha256: str,
        other_id: str | None = None,
    ) -> None:
        """One audit entry: ``method`` POLICY, ``route`` the step and the version
        (``policy-versions/{id}/{action} {name}@{version}``; a rollback also names the
        version it retired), ``record_id`` the version's id, ``body_sha256`` the policy
        text's sha256 (the report's for ``attach-backtest``)."""
        route = f"policy-versions/{version.id}/{action} {version.name}@{version.version}"
        if other_id is not None:
            route += f" (retired {other_id})"
        self.audit.append(
            AuditEntry(
                at=self.clock(),
                request_id=f"policy-{action}-{self.new_id()}"[:64],
                tenant_id=version.tenant_id,
                user_id=by[:255],
                user_name=None,
                user_role=role[:100] if role else None,
                claimed_ip=None,
                remote_addr=None,
                method="POLICY",
                route=route[:255],
                status_code=200,
                outcome=action,
                record_id=version.id,
                body_sha256=sha256,
            )
        )


def _who(by: str) -> str:
    by = by.strip()
    if not by:
        raise PolicyVersionError("name who does it (--by USER)")
    if len(by) > 255 or not by.isprintable():
        raise PolicyVersionError("a user name is 1 to 255 printable characters")
    return by


class TenantPolicies:
    """The policy that decides a tenant's applications: its active stored version, else
    the deployment's ``default``.

    The tenant's active version id is read from the store (one indexed query) at most
    every ``refresh_seconds`` per tenant (0: on every call), so an activation or a
    rollback made by another process is seen within that time; this process's own
    changes are seen at once (:meth:`forget`). A version is parsed once and kept by its
    id (the text of a stored version never changes).
    """

    def __init__(
        self,
        store: PolicyVersionStore,
        default: Policy,
        refresh_seconds: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.default = default
        self.refresh_seconds = refresh_seconds
        self.monotonic = monotonic
        self._active: dict[str, tuple[float, str | None]] = {}
        self._parsed: dict[str, Policy] = {}
        self._lock = threading.Lock()

    def __call__(self, tenant_id: str) -> Policy:
        return self.for_tenant(tenant_id)

    def for_tenant(self, tenant_id: str) -> Policy:
        version_id = self._active_id(tenant_id)
        if version_id is None:
            return self.default
        parsed = self._parsed.get(version_id)
        if parsed is not None:
            return parsed
        stored = self.store.get(version_id)
        if stored is None:  # deleted meanwhile: the deployment's policy decides
            return self.default
        parsed = parse_policy_text(stored.text, stored.format, f"policy version {stored.id}")
        with self._lock:
            self._parsed[version_id] = parsed
        return parsed

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            self._active.pop(tenant_id, None)

    def _active_id(self, tenant_id: str) -> str | None:
        now = self.monotonic()
        if self.refresh_seconds > 0:
            cached = self._active.get(tenant_id)
            if cached is not None and now - cached[0] < self.refresh_seconds:
                return cached[1]
        version_id = self.store.active_id(tenant_id)
        if self.refresh_seconds > 0:
            with self._lock:
                self._active[tenant_id] = (now, version_id)
        return version_id
