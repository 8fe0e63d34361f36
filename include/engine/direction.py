"""Import and export as strategies: everything that differs between the two directions, in one place.

An **import** reads NetSuite and writes SuiteProjects Pro; an **export** reads SuiteProjects Pro and
writes NetSuite. The engine, the operators and the DAG factory ask the workflow's ``Direction`` and
never branch on its name: which system is the source, how a cross-reference row is oriented, which
keys make a write idempotent, whether the new target id is written back to the source (pullback),
which phase talks to NetSuite (and so holds a slot of the ``netsuite`` pool), and how many load
threads a run keeps busy.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from include import registry
from include.registry import CLAIMED_SENTINEL  # "export started, outcome unknown": never an id

if TYPE_CHECKING:
    from include.engine.endpoints import Source, Target
    from include.mapping.model import MatchRule, ReportSpec, Workflow
    from include.state import CrossReference, StateStore


class Direction(ABC):
    """What one direction of synchronisation does differently."""

    name: ClassVar[str]
    source_system: ClassVar[str]
    target_system: ClassVar[str]
    # The cross-reference look-ups that turn a source id into a target id, and back.
    xref_side: ClassVar[str]
    xref_back_side: ClassVar[str]
    # Which task of a workflow's DAG talks to NetSuite: it holds slots of the ``netsuite`` pool.
    netsuite_phase: ClassVar[str]
    # The environment variable (and its default) of the requests a run keeps in flight while loading.
    load_threads_variable: ClassVar[str]
    default_load_threads: ClassVar[int]
    # A group runs its workflows stage by stage: imports (0), then exports (1), which reference
    # what imports link, then OneView reports (2), which reference what both link.
    group_stage: ClassVar[int]

    def pool(self, phase: str, netsuite_pool: str) -> str:
        """The pool of a DAG task (``plan`` or ``load``): the NetSuite pool if it talks to NetSuite."""
        return netsuite_pool if phase == self.netsuite_phase else "default_pool"

    def load_threads(self) -> int:
        """Load threads of a run (read when DAG files are parsed, like the pool they mirror)."""
        raw = os.environ.get(self.load_threads_variable, str(self.default_load_threads))
        return max(1, int(raw))

    def linked(self, state: StateStore, entity: str, ids: list[str]) -> dict[str, str]:
        """Source id → target id, for the records of ``entity`` the cross-reference links."""
        return linked_ids(state, entity, self.xref_side, ids)

    def owners(self, state: StateStore, entity: str, target_ids: list[str]) -> dict[str, str]:
        """Target id → the source id the cross-reference links it to."""
        return linked_ids(state, entity, self.xref_back_side, target_ids)

    @abstractmethod
    def endpoints(
        self, workflow: Workflow, netsuite: Any, spp: Any, odata: Any = None
    ) -> tuple[Source, Target]:
        """The workflow's source and target over the clients (``odata``: the SPP reports reader)."""

    @abstractmethod
    def xref(self, entity: str, source_id: str, target_id: str, external_id: str | None) -> CrossReference:
        """The cross-reference row linking a source record to its target record."""

    @abstractmethod
    def identity(
        self, workflow: Workflow, target: dict[str, Any], target_id: str | None, source_id: str
    ) -> dict[str, Any]:
        """The target document with the keys that make its write idempotent."""

    def recorded_target_id(self, workflow: Workflow, doc: dict[str, Any]) -> str | None:
        """The target id the source record itself says it has (an exported SPP record's NetSuite ID)."""
        return None

    def written_external_id(self, workflow: Workflow, source_id: str) -> str | None:
        """The external id a write stamps on the target record (None: the record keeps its own)."""
        return workflow.external_id_for(source_id)

    def needs_lookup(self, workflow: Workflow, rule: MatchRule) -> bool:
        """Whether first-time matching must ask the target about this match rule."""
        return True

    def pulls_back(self, workflow: Workflow) -> bool:
        """The new target id is written back into the source record after the write."""
        return False

    def marks_exports(self, workflow: Workflow) -> bool:
        """Written records are marked exported in the source (SPP ``ImportExport``), so the
        incremental reads of a create-only workflow leave them out."""
        return False

    def retires(self, workflow: Workflow) -> bool:
        """Target records whose source vanished are inactivated or deleted (after a whole read)."""
        return False

    def retirement(self, workflow: Workflow, source_id: str) -> dict[str, Any]:
        """The document that retires the target record of ``source_id``."""
        raise NotImplementedError(f"{workflow.id}: {self.name} workflows retire nothing")


class Import(Direction):
    """NetSuite → SuiteProjects Pro: create with ``Add lookup="externalid"``, update by SPP id."""

    name: ClassVar[str] = "import"
    source_system: ClassVar[str] = "netsuite"
    target_system: ClassVar[str] = "spp"
    xref_side: ClassVar[str] = "to_spp"
    xref_back_side: ClassVar[str] = "to_netsuite"
    netsuite_phase: ClassVar[str] = "plan"
    load_threads_variable: ClassVar[str] = "INTEGRATION_SPP_THREADS"
    default_load_threads: ClassVar[int] = 4
    group_stage: ClassVar[int] = 0

    def endpoints(
        self, workflow: Workflow, netsuite: Any, spp: Any, odata: Any = None
    ) -> tuple[Source, Target]:
        from include.engine.endpoints import NetSuiteSource, SppTarget

        return NetSuiteSource(netsuite, workflow), SppTarget(spp, workflow)

    def xref(self, entity: str, source_id: str, target_id: str, external_id: str | None) -> CrossReference:
        from include.state import CrossReference  # not at DAG parse time

        return CrossReference(
            entity=entity, netsuite_id=source_id, spp_id=target_id, spp_external_id=external_id
        )

    def written_external_id(self, workflow: Workflow, source_id: str) -> str | None:
        return workflow.external_id_for(source_id) if workflow.stamps_external_id else None

    def identity(
        self, workflow: Workflow, target: dict[str, Any], target_id: str | None, source_id: str
    ) -> dict[str, Any]:
        out = dict(target)
        external_id = self.written_external_id(workflow, source_id)
        if external_id is not None:
            out["externalid"] = external_id
        if target_id:
            out["id"] = target_id
        return out


class Export(Direction):
    """SuiteProjects Pro → NetSuite: ``upsertList`` keyed by a deterministic externalId, then the
    pullback of the new internalId into the SPP record's NetSuite ID field."""

    name: ClassVar[str] = "export"
    source_system: ClassVar[str] = "spp"
    target_system: ClassVar[str] = "netsuite"
    xref_side: ClassVar[str] = "to_netsuite"
    xref_back_side: ClassVar[str] = "to_spp"
    netsuite_phase: ClassVar[str] = "load"
    load_threads_variable: ClassVar[str] = "INTEGRATION_NETSUITE_THREADS"
    default_load_threads: ClassVar[int] = 10
    group_stage: ClassVar[int] = 1

    def endpoints(
        self, workflow: Workflow, netsuite: Any, spp: Any, odata: Any = None
    ) -> tuple[Source, Target]:
        from include.engine.endpoints import NetSuiteTarget, SppSource

        return SppSource(spp, workflow), NetSuiteTarget(netsuite, workflow)

    def xref(self, entity: str, source_id: str, target_id: str, external_id: str | None) -> CrossReference:
        from include.state import CrossReference  # not at DAG parse time

        return CrossReference(
            entity=entity, netsuite_id=target_id, spp_id=source_id, netsuite_external_id=external_id
        )

    def identity(
        self, workflow: Workflow, target: dict[str, Any], target_id: str | None, source_id: str
    ) -> dict[str, Any]:
        out = self._typed(workflow, dict(target))
        if target_id:
            # A linked record is updated where it is, by its internalId, whoever created it: an
            # upsert by this workflow's externalId would create a twin of a record NetSuite made.
            out.pop("externalId", None)
            out["internalId"] = target_id
            return out
        out["externalId"] = workflow.external_id_for(source_id)  # the upsert key
        out.pop("internalId", None)
        return out

    def _typed(self, workflow: Workflow, doc: dict[str, Any]) -> dict[str, Any]:
        """A custom record names its type (``recType``) in every write; the entity declares which."""
        type_id = registry.custom_record_type_id(workflow.entity)
        if type_id is not None and workflow.target.type == "customRecord":
            doc["recType"] = {"internalId": type_id}
        return doc

    def recorded_target_id(self, workflow: Workflow, doc: dict[str, Any]) -> str | None:
        if not workflow.netsuite_id_field:
            return None
        value = str(doc.get(workflow.netsuite_id_field) or "").strip()
        return value if value and value != CLAIMED_SENTINEL else None

    def needs_lookup(self, workflow: Workflow, rule: MatchRule) -> bool:
        # The SPP record's own NetSuite ID field was read with it (``recorded_target_id``), and a
        # record carrying the workflow's own externalId is found by the upsert itself: only the
        # other rules (natural keys, foreign externalIds) ask NetSuite.
        if rule.kind == "netsuite_id":
            return False
        return not (rule.target == "externalId" and rule.template == workflow.external_id)

    def pulls_back(self, workflow: Workflow) -> bool:
        return bool(workflow.netsuite_id_field)

    def marks_exports(self, workflow: Workflow) -> bool:
        if _shares_source_records(workflow):  # SPP keeps one mark per object: another export's
            return False
        return bool(workflow.netsuite_id_field) and not workflow.policy.update

    def skips_exported_by_id(self, workflow: Workflow) -> bool:
        """A create-only export without the marks (``shares_source_records``): its incremental reads
        leave out the records whose own NetSuite ID field is set, as the marks would."""
        shared = _shares_source_records(workflow)
        return shared and bool(workflow.netsuite_id_field) and not workflow.policy.update


class OneView(Export):
    """A published SPP report (OData v4) → NetSuite custom records: an export whose source is a
    report. Each row is upserted by an externalId made from its key columns, with the custom
    record type's ``recType``; nothing is written back to SPP; rows that vanished from the
    report are inactivated or deleted (the mapping's ``vanished``) once the report is read whole.
    """

    name: ClassVar[str] = "oneview"
    group_stage: ClassVar[int] = 2

    def endpoints(
        self, workflow: Workflow, netsuite: Any, spp: Any, odata: Any = None
    ) -> tuple[Source, Target]:
        from include.engine.endpoints import CustomRecordTarget, ReportSource

        if odata is None:
            raise ValueError(
                f"{workflow.id}: a OneView workflow reads SPP's published reports; it needs an OData "
                "reader (the spp_odata connection)"
            )
        return ReportSource(odata, workflow), CustomRecordTarget(netsuite, workflow)

    def identity(
        self, workflow: Workflow, target: dict[str, Any], target_id: str | None, source_id: str
    ) -> dict[str, Any]:
        # every row's record is this workflow's own: always the externalId upsert (a record
        # deleted in NetSuite by hand comes back)
        out = super().identity(workflow, target, None, source_id)
        report = _report(workflow)
        out["recType"] = {"internalId": report.record_type_id}
        if report.vanished == "inactivate":
            out["isInactive"] = False  # a row back in the report brings its record back
        return out

    def recorded_target_id(self, workflow: Workflow, doc: dict[str, Any]) -> str | None:
        return None

    def needs_lookup(self, workflow: Workflow, rule: MatchRule) -> bool:
        return False

    def pulls_back(self, workflow: Workflow) -> bool:
        return False

    def marks_exports(self, workflow: Workflow) -> bool:
        return False

    def retires(self, workflow: Workflow) -> bool:
        return _report(workflow).vanished != "keep"

    def retirement(self, workflow: Workflow, source_id: str) -> dict[str, Any]:
        report = _report(workflow)
        doc: dict[str, Any] = {"externalId": workflow.external_id_for(source_id)}
        if report.vanished == "inactivate":
            doc.update(recType={"internalId": report.record_type_id}, isInactive=True)
        return doc


def _report(workflow: Workflow) -> ReportSpec:
    if workflow.report is None:
        raise ValueError(f"{workflow.id} is not a OneView workflow")
    return workflow.report


IMPORT, EXPORT, ONEVIEW = Import(), Export(), OneView()
DIRECTIONS: dict[str, Direction] = {d.name: d for d in (IMPORT, EXPORT, ONEVIEW)}


def _shares_source_records(workflow: Workflow) -> bool:
    declared = registry.ENTITIES.get(workflow.entity)  # OneView rows are no registry entity
    return declared is not None and declared.shares_source_records


def direction_of(workflow: Workflow) -> Direction:
    """The strategy of a workflow's ``direction`` (the loader accepts only these names)."""
    return DIRECTIONS[workflow.direction]


def linked_ids(state: StateStore, entity: str, side: str, ids: list[str]) -> dict[str, str]:
    """Cross-reference look-up: NetSuite ids → SPP ids (``to_spp``) or SPP ids → NetSuite ids."""
    wanted = [str(i) for i in ids if i not in (None, "")]
    if side == "to_spp":
        return {k: v.spp_id for k, v in state.xref_by_netsuite(entity, wanted).items() if v.spp_id}
    return {k: v.netsuite_id for k, v in state.xref_by_spp(entity, wanted).items() if v.netsuite_id}
