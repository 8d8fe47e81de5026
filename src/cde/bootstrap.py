"""The one place that wires adapters into the service (composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from uuid6 import uuid7

from cde.adapters.db.engine import create_db_engine, migrate
from cde.adapters.db.repository import (
    GroupCommitWriter,
    SqlRecommendations,
    SqlServiceSettings,
    SqlTokenStore,
)
from cde.policies import Policy, default_policy, load_policy
from cde.service.recommendations import Recommender, ServiceSwitch, Tokens
from cde.settings import Settings

__all__ = ["Container", "bootstrap", "new_id", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A time-ordered UUID (v7): sorting by id sorts by creation time."""
    return str(uuid7())


@dataclass
class Container:
    settings: Settings
    engine: Engine
    policy: Policy
    recommender: Recommender
    switch: ServiceSwitch
    tokens: Tokens
    writer: GroupCommitWriter | None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, run_migrations: bool = True) -> Container:
    settings = settings or Settings()
    policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
    engine = create_db_engine(
        settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    if run_migrations:
        migrate(engine)
    writer = GroupCommitWriter(engine)
    return Container(
        settings=settings,
        engine=engine,
        policy=policy,
        recommender=Recommender(
            SqlRecommendations(engine, writer), policy, utc_now, settings.zone, new_id
        ),
        switch=ServiceSwitch(SqlServiceSettings(engine), settings.service_enabled, utc_now),
        tokens=Tokens(SqlTokenStore(engine), settings.api_tokens, utc_now),
        writer=writer,
    )
