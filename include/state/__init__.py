"""The integration's state store (SQLAlchemy Core + Alembic): cross-references, watermarks,
monitored-field hashes, export claims, run log, per-record errors, an event queue and the staged
plans of runs (``StateStore.plans``).

``StateStore.from_env()`` opens ``INTEGRATION_STATE_DB_URL`` (default: a SQLite file under
``<repo>/var``); ``upgrade(url)`` runs the migrations. See ``docs/STATE.md``.
"""

from include.state.engine import ENV_VAR, default_url
from include.state.migrate import upgrade
from include.state.plans import StagedPlans
from include.state.records import (
    Claim,
    CrossReference,
    Event,
    PlanProgress,
    RecordError,
    RunRecord,
    SenderKey,
    StagedBatch,
    StagedPlan,
)
from include.state.store import StateStore

__all__ = [
    "ENV_VAR",
    "Claim",
    "CrossReference",
    "Event",
    "PlanProgress",
    "RecordError",
    "RunRecord",
    "SenderKey",
    "StagedBatch",
    "StagedPlan",
    "StagedPlans",
    "StateStore",
    "default_url",
    "upgrade",
]
