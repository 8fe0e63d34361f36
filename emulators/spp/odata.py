"""The local SPP's OData v4 service for published reports (the Business Intelligence Connector).

Same process and port as ``/api.pl``. Routes (GET only, HTTP Basic ``Company\\User``)::

    /odata/v4/{reports|listviews}              service document
    /odata/v4/{reports|listviews}/$metadata    EDMX 4.0, one EntityType per resource, columns in report order
    /odata/v4/{reports|listviews}/list         the resources the user may read (titles, publications)
    /odata/v4/{reports|listviews}/{resource}   {"@odata.context", "value": [...]} with $top, $skip,
                                               $select, $filter, $orderby, $count and @odata.nextLink

Published reports live in two tables of their own on the SPP store's engine (``odata_reports``: layout,
scopes, publication id, schedule, times; ``odata_rows``: the rows of the current publication as JSON).
``$filter`` is parsed by ``odata-query`` and turned into SQL over the JSON columns, typed by the report's
Edm types. A next link names the publication it belongs to; after a refresh or republish that
publication is gone and the link answers 410 (reference spp-odata-v4.md §5.1, §9.7).

Control routes (no auth): ``POST /_emulator/odata/refresh?report=``, ``/republish?report=[&drop=]``,
``/synthetic?rows=N[&change_pct=&remove_pct=&add_pct=&resource=&seed=]``, ``/config`` (JSON
``page_size``, ``server_paging``), ``GET /_emulator/odata/reports``. Everything else: docs/EMULATORS.md.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hmac
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import quoteattr

from odata_query import ast as odata_ast
from odata_query import exceptions as odata_errors
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.sqlalchemy.core import AstToSqlAlchemyCoreVisitor
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from emulators.control import EmulatorControl, FaultRule, Stats
from emulators.settings import SppSettings
from emulators.spp import reports as rp
from emulators.spp.session import RateLimiter
from emulators.store import RecordStore, counters, utcnow

COLLECTIONS = ("reports", "listviews")
DEFAULT_PAGE_SIZE = 1000
OPERATION = "OData"  # the fault rules' ``operation`` for OData requests (``record_type`` = resource)
FAULT_KINDS = frozenset({"slow", "http_error", "drop_after_commit", "rate_limit", "truncated"})
GONE_MESSAGE = "Report has been republished. You need to reload the report."
REALM = 'Basic realm="SuiteProjects Pro OData", charset="UTF-8"'
JSON_MEDIA_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false"
EDMX_NS = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NS = "http://docs.oasis-open.org/odata/ns/edm"
SCHEMA_NAMESPACE = "SuiteProjectsPro"
_PUBLICATION_COUNTER = "odata_publication"
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

metadata = MetaData()

odata_reports = Table(
    "odata_reports",
    metadata,
    Column("resource", String(64), primary_key=True),
    Column("collection", String(16), nullable=False),
    Column("title", String(255), nullable=False),
    Column("columns", JSON, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("visible_to", JSON, nullable=False),
    Column("refresh_schedule", String(128), nullable=False),
    Column("publication_id", Integer, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("last_refreshed", DateTime, nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("params", JSON, nullable=False),  # kind (seeded|synthetic), source mark, synthetic knobs
)

# publication ids never repeat in one database (a clear keeps this), so a stale next link cannot match
odata_counter = Table(
    "odata_counter",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

odata_rows = Table(
    "odata_rows",
    metadata,
    Column("publication_id", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", JSON, nullable=False),
)


class ODataError(Exception):
    """An error answered as OData JSON ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or str(status)


# -- statistics -------------------------------------------------------------------------------


class OdataStats(Stats):
    """The service's counters plus an ``odata`` section: requests (by route kind and resource), rows
    served, 410s, 401s, and OData requests in flight / at peak."""

    def reset(self) -> None:
        super().reset()
        self.odata_requests: Counter[str] = Counter()
        self.odata_by_resource: Counter[str] = Counter()
        self.odata_rows_served = 0
        self.odata_pages = 0
        self.odata_gone = 0
        self.odata_unauthorized = 0
        self.odata_in_flight = 0
        self.odata_peak_concurrency = 0

    def odata_enter(self) -> None:
        self.enter()
        self.odata_in_flight += 1
        self.odata_peak_concurrency = max(self.odata_peak_concurrency, self.odata_in_flight)

    def odata_leave(self) -> None:
        self.leave()
        self.odata_in_flight -= 1

    def to_json(self) -> dict[str, Any]:
        body = super().to_json()
        body["odata"] = {
            "requests": dict(self.odata_requests),
            "requests_total": sum(self.odata_requests.values()),
            "by_resource": dict(self.odata_by_resource),
            "rows_served": self.odata_rows_served,
            "pages": self.odata_pages,
            "gone": self.odata_gone,
            "unauthorized": self.odata_unauthorized,
            "in_flight": self.odata_in_flight,
            "peak_concurrency": self.odata_peak_concurrency,
        }
        return body


# -- the report store -------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    resource: str
    collection: str
    title: str
    columns: tuple[rp.Column, ...]
    scopes: tuple[str, ...]
    visible_to: tuple[str, ...]
    refresh_schedule: str
    publication_id: int
    published_at: dt.datetime
    last_refreshed: dt.datetime
    row_count: int
    params: dict[str, Any]

    def column(self, name: str) -> rp.Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def summary(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "collection": self.collection,
            "title": self.title,
            "publication_id": self.publication_id,
            "scope": list(self.scopes),
            "refresh_schedule": self.refresh_schedule,
            "last_published": rp.edm_datetime(self.published_at),
            "last_refreshed": rp.edm_datetime(self.last_refreshed),
            "rows": self.row_count,
            "columns": [c.to_json() for c in self.columns],
        }


def _report(row: Any) -> Report:
    return Report(
        resource=row.resource,
        collection=row.collection,
        title=row.title,
        columns=tuple(rp.Column.from_json(c) for c in row.columns),
        scopes=tuple(row.scopes),
        visible_to=tuple(row.visible_to),
        refresh_schedule=row.refresh_schedule,
        publication_id=int(row.publication_id),
        published_at=row.published_at,
        last_refreshed=row.last_refreshed,
        row_count=int(row.row_count),
        params=dict(row.params or {}),
    )


class ReportStore:
    """Published reports on the SPP store's engine (callers hold the service lock)."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self.engine = store.engine
        metadata.create_all(self.engine)

    def clear(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(odata_rows))
            conn.execute(delete(odata_reports))

    def get(self, resource: str) -> Report | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(odata_reports).where(odata_reports.c.resource == resource)).first()
        return _report(row) if row else None

    def find(self, name: str) -> Report | None:
        """By resource name, or by title (case-insensitive) as the control routes accept both."""
        found = self.get(name)
        if found is None:
            found = next((r for r in self.all() if r.title.casefold() == name.casefold()), None)
        return found

    def all(self) -> list[Report]:
        with self.engine.connect() as conn:
            return [
                _report(r) for r in conn.execute(select(odata_reports).order_by(odata_reports.c.resource))
            ]

    def rows(self, report: Report) -> list[rp.Row]:
        stmt = (
            select(odata_rows.c.data)
            .where(odata_rows.c.publication_id == report.publication_id)
            .order_by(odata_rows.c.seq)
        )
        with self.engine.connect() as conn:
            return [dict(r.data) for r in conn.execute(stmt)]

    def _next_publication(self) -> int:
        with self.engine.begin() as conn:
            current = conn.execute(
                select(odata_counter.c.value).where(odata_counter.c.name == _PUBLICATION_COUNTER)
            ).scalar()
            if current is None:
                conn.execute(insert(odata_counter).values(name=_PUBLICATION_COUNTER, value=1))
            else:
                conn.execute(
                    update(odata_counter)
                    .where(odata_counter.c.name == _PUBLICATION_COUNTER)
                    .values(value=current + 1)
                )
        return int(current or 0) + 1

    def source_mark(self) -> int:
        """The SPP store's id counter: it only falls when the SPP data were wiped (and maybe reseeded)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(counters.c.value).where(counters.c.name == "id")).scalar()
        return int(value or 0)

    def publish(
        self,
        *,
        resource: str,
        title: str,
        columns: Iterable[rp.Column],
        rows: Iterable[rp.Row],
        scopes: Iterable[str],
        visible_to: Iterable[str] = (),
        refresh_schedule: str = "Daily at 02:00",
        params: dict[str, Any] | None = None,
        collection: str = "reports",
        refreshed: bool = True,
    ) -> Report:
        """A new publication of ``resource`` (a new publication id); the previous one's rows are dropped."""
        columns = tuple(columns)
        names = [c.name for c in columns]
        data = [{n: row.get(n) for n in names} for row in rows]
        publication = self._next_publication()
        now = utcnow()
        previous = self.get(resource)
        values = {
            "collection": collection,
            "title": title,
            "columns": [c.to_json() for c in columns],
            "scopes": list(scopes),
            "visible_to": list(visible_to),
            "refresh_schedule": refresh_schedule,
            "publication_id": publication,
            "published_at": now,
            "last_refreshed": now if refreshed or previous is None else previous.last_refreshed,
            "row_count": len(data),
            "params": params or {},
        }
        with self.engine.begin() as conn:
            for start in range(0, len(data), 5000):
                chunk = data[start : start + 5000]
                conn.execute(
                    insert(odata_rows),
                    [
                        {"publication_id": publication, "seq": start + i, "data": d}
                        for i, d in enumerate(chunk)
                    ],
                )
            if previous is None:
                conn.execute(insert(odata_reports).values(resource=resource, **values))
            else:
                conn.execute(
                    update(odata_reports).where(odata_reports.c.resource == resource).values(**values)
                )
                conn.execute(delete(odata_rows).where(odata_rows.c.publication_id == previous.publication_id))
        found = self.get(resource)
        assert found is not None
        return found

    def publish_seeded(
        self, definition: rp.ReportDefinition, columns: Iterable[rp.Column] | None = None
    ) -> Report:
        mark = self.source_mark()
        return self.publish(
            resource=definition.resource,
            title=definition.title,
            columns=columns if columns is not None else definition.columns,
            rows=definition.compute(self.store),
            scopes=definition.scopes,
            visible_to=definition.visible_to,
            refresh_schedule=definition.refresh_schedule,
            params={"kind": "seeded", "source_mark": mark},
        )

    def ensure_seeded(self) -> None:
        """Publish the seeded reports that are missing, and again all of them when the SPP data were wiped
        since they were computed (``make emulators --reseed`` seeds the store directly)."""
        existing = {r.resource: r for r in self.all()}
        mark = None
        for definition in rp.SEEDED_REPORTS:
            report = existing.get(definition.resource)
            if report is not None and report.params.get("kind") == "seeded":
                mark = self.source_mark() if mark is None else mark
                if mark >= int(report.params.get("source_mark", 0)):
                    continue
            if report is None or report.params.get("kind") == "seeded":
                self.publish_seeded(definition)

    def publish_all_seeded(self) -> list[Report]:
        return [self.publish_seeded(d) for d in rp.SEEDED_REPORTS]

    def refresh(self, report: Report) -> Report:
        """Recompute the rows from the current SPP data (seeded) or apply the next synthetic change set."""
        if report.params.get("kind") == "synthetic":
            params = dict(report.params)
            params["generation"] = int(params.get("generation", 0)) + 1
            rows = rp.synthetic_refresh(
                self.rows(report),
                change_pct=float(params.get("change_pct", 0)),
                remove_pct=float(params.get("remove_pct", 0)),
                add_pct=float(params.get("add_pct", 0)),
                generation=params["generation"],
            )
            return self._republish(report, rows=rows, params=params)
        definition = rp.seeded_report(report.resource)
        if definition is None:
            raise ODataError(400, f"report {report.resource} cannot be refreshed")
        return self.publish_seeded(definition, report.columns)

    def republish(self, report: Report, drop: Iterable[str] = ()) -> Report:
        """A new publication id for the same report (optionally without some columns)."""
        dropped = set(drop)
        unknown = dropped - {c.name for c in report.columns}
        if unknown:
            raise ODataError(400, f"unknown columns {sorted(unknown)} in report {report.resource}")
        columns = tuple(c for c in report.columns if c.name not in dropped)
        if not columns:
            raise ODataError(400, "a report needs at least one column")
        return self._republish(report, rows=self.rows(report), columns=columns, refreshed=False)

    def _republish(
        self,
        report: Report,
        *,
        rows: list[rp.Row],
        columns: tuple[rp.Column, ...] | None = None,
        params: dict[str, Any] | None = None,
        refreshed: bool = True,
    ) -> Report:
        return self.publish(
            resource=report.resource,
            title=report.title,
            columns=columns or report.columns,
            rows=rows,
            scopes=report.scopes,
            visible_to=report.visible_to,
            refresh_schedule=report.refresh_schedule,
            params=params if params is not None else report.params,
            collection=report.collection,
            refreshed=refreshed,
        )

    def load_synthetic(
        self,
        rows: int,
        *,
        resource: str = rp.SYNTHETIC_RESOURCE,
        title: str = rp.SYNTHETIC_TITLE,
        seed: int = 0,
        change_pct: float = 10.0,
        remove_pct: float = 0.0,
        add_pct: float = 0.0,
    ) -> Report:
        return self.publish(
            resource=resource,
            title=title,
            columns=rp.SYNTHETIC_COLUMNS,
            rows=rp.synthetic_rows(rows, seed),
            scopes=(rp.SCOPE_BI, rp.SCOPE_NETSUITE),
            refresh_schedule="Manual",
            params={
                "kind": "synthetic",
                "seed": seed,
                "generation": 0,
                "change_pct": change_pct,
                "remove_pct": remove_pct,
                "add_pct": add_pct,
            },
        )


# -- query options ----------------------------------------------------------------------------


def _typed(report: Report, name: str) -> Any:  # a typed SQL expression over the JSON row
    column = report.column(name)
    if column is None:
        raise ODataError(400, f"Could not find a property named '{name}' on type '{report.resource}'.")
    value: Any = odata_rows.c.data[name]
    if column.edm_type == "Edm.Decimal":
        return value.as_float()
    if column.edm_type == "Edm.Int32":
        return value.as_integer()
    if column.edm_type == "Edm.Boolean":
        return value.as_boolean()
    return value.as_string()  # String, Date (YYYY-MM-DD) and DateTimeOffset (…Z) compare as text


class _FilterVisitor(AstToSqlAlchemyCoreVisitor):
    """odata-query's Core visitor over the JSON row columns, literals in the stored text forms."""

    def __init__(self, report: Report) -> None:
        super().__init__(odata_rows)  # type: ignore[arg-type]  # annotated as a Table class
        self.report = report

    def visit_Identifier(self, node: odata_ast.Identifier) -> Any:
        return _typed(self.report, node.name)

    def visit_Float(self, node: odata_ast.Float) -> BindParameter[Any]:
        return literal(float(node.py_val))

    def visit_Date(self, node: odata_ast.Date) -> BindParameter[Any]:
        try:
            return literal(rp.edm_date(node.py_val))
        except ValueError as exc:
            raise odata_errors.ValueException(node.val) from exc

    def visit_DateTime(self, node: odata_ast.DateTime) -> BindParameter[Any]:
        try:
            value = node.py_val
        except ValueError as exc:
            raise odata_errors.ValueException(node.val) from exc
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return literal(rp.edm_datetime(value))


def _filter_clause(report: Report, expression: str) -> ColumnElement[bool]:
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(expression))
        return _FilterVisitor(report).visit(tree)  # type: ignore[no-any-return]
    except ODataError:
        raise
    except (odata_errors.ODataException, NotImplementedError, ValueError, TypeError) as exc:
        raise ODataError(400, f"invalid $filter {expression!r}: {exc}") from exc


def _order_clauses(report: Report, expression: str) -> list[ColumnElement[Any]]:
    clauses: list[ColumnElement[Any]] = []
    for part in expression.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ODataError(400, f"invalid $orderby {expression!r}")
        typed = _typed(report, words[0])
        clauses.append(typed.desc() if len(words) == 2 and words[1].lower() == "desc" else typed.asc())
    return clauses


def _non_negative(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.strip().isdigit():
        raise ODataError(400, f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


@dataclass
class Page:
    rows: list[rp.Row]
    count: int | None
    next_offset: int | None
    next_top: int | None
    select: list[str] | None


def _read_page(reports: ReportStore, report: Report, params: dict[str, str], page_size: int | None) -> Page:
    """One page of ``report`` for the query options in ``params`` (listviews ignore $select/$filter)."""
    is_report = report.collection == "reports"
    skip = _non_negative(params, "$skip") or 0
    top = _non_negative(params, "$top")
    token = params.get("$skiptoken")
    if token is not None:
        publication, _, offset = token.partition("-")
        if not (publication.isdigit() and offset.isdigit()):
            raise ODataError(400, f"invalid $skiptoken {token!r}")
        if int(publication) != report.publication_id:
            raise ODataError(410, GONE_MESSAGE, code="Gone")
        skip = int(offset)
    select_names: list[str] | None = None
    if is_report and params.get("$select", "").strip() not in ("", "*"):
        select_names = [n.strip() for n in params["$select"].split(",") if n.strip()]
        for name in select_names:
            _typed(report, name)
    stmt = select(odata_rows.c.data).where(odata_rows.c.publication_id == report.publication_id)
    if is_report and params.get("$filter", "").strip():
        stmt = stmt.where(_filter_clause(report, params["$filter"]))
    count: int | None = None
    count_raw = params.get("$count", "").lower()
    if count_raw not in ("", "true", "false"):
        raise ODataError(400, f"$count must be true or false, got {params['$count']!r}")
    if count_raw == "true":
        count_stmt = select(func.count()).select_from(stmt.subquery())
    order = _order_clauses(report, params["$orderby"]) if params.get("$orderby", "").strip() else []
    stmt = stmt.order_by(*order, odata_rows.c.seq)
    limit = top
    paged = page_size is not None and (top is None or top > page_size)
    if paged:
        limit = page_size
    fetch = stmt.offset(skip)
    if limit is not None:
        fetch = fetch.limit(limit + 1 if paged else limit)
    with reports.engine.connect() as conn:
        rows = [dict(r.data) for r in conn.execute(fetch)]
        if count_raw == "true":
            count = int(conn.execute(count_stmt).scalar() or 0)
    next_offset = next_top = None
    if paged and limit is not None and len(rows) > limit:
        rows = rows[:limit]
        next_offset = skip + limit
        next_top = None if top is None else top - limit
    if select_names is not None:
        rows = [{n: row.get(n) for n in select_names} for row in rows]
    return Page(rows, count, next_offset, next_top, select_names)


# -- EDMX -------------------------------------------------------------------------------------


def edmx_document(reports: Iterable[Report], collection: str) -> str:
    """EDMX 4.0 for the resources of ``collection``: one EntityType per resource, properties in report
    column order, the first column as key, and one EntitySet per resource in the container."""
    listed = list(reports)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<edmx:Edmx xmlns:edmx="{EDMX_NS}" Version="4.0">',
        "  <edmx:DataServices>",
        f'    <Schema xmlns="{EDM_NS}" Namespace="{SCHEMA_NAMESPACE}">',
    ]
    for report in listed:
        lines.append(f"      <EntityType Name={quoteattr(report.resource)}>")
        lines.append(f"        <Key><PropertyRef Name={quoteattr(report.columns[0].name)}/></Key>")
        for column in report.columns:
            extra = ' Precision="38" Scale="2"' if column.edm_type == "Edm.Decimal" else ""
            nullable = "true" if column.nullable and column is not report.columns[0] else "false"
            lines.append(
                f"        <Property Name={quoteattr(column.name)} Type={quoteattr(column.edm_type)}"
                f' Nullable="{nullable}"{extra}/>'
            )
        lines.append("      </EntityType>")
    lines.append(f'      <EntityContainer Name="{collection}">')
    for report in listed:
        lines.append(
            f"        <EntitySet Name={quoteattr(report.resource)}"
            f" EntityType={quoteattr(f'{SCHEMA_NAMESPACE}.{report.resource}')}>"
        )
        lines.append(f'          <Annotation Term="Core.Description" String={quoteattr(report.title)}/>')
        lines.append("        </EntitySet>")
    lines += ["      </EntityContainer>", "    </Schema>", "  </edmx:DataServices>", "</edmx:Edmx>", ""]
    return "\n".join(lines)


# -- the service ------------------------------------------------------------------------------


@dataclass
class OdataConfig:
    page_size: int = int(os.environ.get("SPP_ODATA_PAGE_SIZE") or DEFAULT_PAGE_SIZE)
    server_paging: bool = True  # False: no @odata.nextLink, clients page with $top/$skip only


@dataclass
class Caller:
    company: str
    user: str


class OdataService:
    """The OData routes and their control routes for one SPP app (shares its store lock, latency model,
    fault rules, request budget and statistics)."""

    def __init__(
        self,
        store: RecordStore,
        settings: SppSettings,
        control: EmulatorControl,
        lock: threading.Lock,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.reports = ReportStore(store)
        self.settings = settings
        self.control = control
        self.lock = lock
        self.limiter = limiter
        self.config = OdataConfig()
        self._readers: dict[tuple[str, str], int] = {}  # (user, resource) -> publication of the last page

    # -- hooks for the app's reset and seed ---------------------------------------------------------
    def clear(self) -> None:
        self.reports.clear()
        self.forget_readers()

    def publish_seeded(self) -> dict[str, int]:
        """Drop every published report and publish the seeded ones from the current SPP data (the app's
        seed hook); rows per resource."""
        self.clear()
        return {r.resource: r.row_count for r in self.reports.publish_all_seeded()}

    # -- helpers ------------------------------------------------------------------------------------
    @property
    def stats(self) -> Stats:
        return self.control.stats

    def _odata_stats(self) -> OdataStats | None:
        stats = self.control.stats
        return stats if isinstance(stats, OdataStats) else None

    async def _locked(self, fn: Callable[[], Any]) -> Any:
        def run() -> Any:
            with self.lock:
                return fn()

        return await asyncio.get_running_loop().run_in_executor(None, run)

    def _authenticate(self, request: Request) -> Caller | None:
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        login, sep, password = decoded.partition(":")
        company, backslash, user = login.partition("\\")  # split on the first backslash (§3, §9.2)
        if not sep or not backslash:
            return None
        s = self.settings
        ok = (
            hmac.compare_digest(company.strip().lower().encode(), s.company.lower().encode())
            & hmac.compare_digest(user.strip().lower().encode(), s.user.lower().encode())
            & hmac.compare_digest(password.encode(), s.password.encode())
        )
        return Caller(company.strip(), user.strip()) if ok else None

    def _may_read(self, caller: Caller, report: Report, collection: str) -> bool:
        if report.collection != collection:
            return False
        if collection == "reports" and rp.SCOPE_BI not in report.scopes:
            return False  # only BI Connector scope is served over OData (§6, §9.8)
        allowed = report.visible_to or (self.settings.user,)
        return caller.user.casefold() in {u.casefold() for u in allowed}

    def _visible(self, caller: Caller, collection: str) -> list[Report]:
        self.reports.ensure_seeded()
        return [r for r in self.reports.all() if self._may_read(caller, r, collection)]

    def _draw_faults(self, target: str) -> dict[str, FaultRule]:
        fired: dict[str, FaultRule] = {}
        if not any(rule.kind in FAULT_KINDS for rule in self.control.faults.rules()):
            return fired
        for rule in self.control.faults.draw(OPERATION, {target}, kinds=set(FAULT_KINDS)):
            if rule.kind not in fired:
                fired[rule.kind] = rule
                self.stats.faults_injected[rule.kind] += 1
        return fired

    # -- the OData handler --------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        stats = self._odata_stats()
        if stats is not None:
            stats.odata_enter()
        else:
            self.stats.enter()
        try:
            return await self._handle(request)
        finally:
            if stats is not None:
                stats.odata_leave()
            else:
                self.stats.leave()

    async def _handle(self, request: Request) -> Response:
        collection = request.path_params["collection"]
        path = request.path_params.get("path", "").strip("/")
        kind = (
            "service"
            if not path
            else ("metadata" if path == "$metadata" else ("list" if path == "list" else "data"))
        )
        stats = self._odata_stats()
        self.stats.requests[OPERATION] += 1
        if stats is not None:
            stats.odata_requests[kind] += 1
        if request.method not in ("GET", "HEAD"):
            return _error(
                ODataError(405, f"The service is read-only: {request.method} is not allowed."), allow=True
            )
        if collection not in COLLECTIONS:
            return _error(ODataError(404, f"Unknown collection {collection!r}."))
        caller = self._authenticate(request)
        if caller is None:
            if stats is not None:
                stats.odata_unauthorized += 1
            return _error(ODataError(401, "Authentication failed."), challenge=True)
        if self.limiter is not None and not self.limiter.admit():
            return _error(ODataError(429, "Request limit exceeded."), retry_after=True)
        fired = self._draw_faults(path or "$service")
        if "http_error" in fired:
            status = int(fired["http_error"].params.get("status", 503))
            return PlainTextResponse(f"emulated HTTP {status}", status_code=status)
        if "rate_limit" in fired:
            return _error(ODataError(429, "Request limit exceeded."), retry_after=True)
        base = f"{str(request.base_url).rstrip('/')}/odata/v4/{collection}"
        try:
            answer: tuple[Response, int] = await self._locked(
                lambda: self._answer(caller, collection, path, base, request)
            )
            response, rows = answer
        except ODataError as exc:
            if exc.status == 410 and stats is not None:
                stats.odata_gone += 1
            return _error(exc)
        if stats is not None and kind == "data":
            stats.odata_rows_served += rows
            stats.odata_pages += 1
            stats.odata_by_resource[path] += 1
        await self.control.latency.wait(rows)
        if "slow" in fired:
            await asyncio.sleep(float(fired["slow"].params.get("delay_s", 1.0)))
        if "drop_after_commit" in fired:
            from emulators.spp.app import _drop_connection  # the XML API's way to hang up

            await _drop_connection(request)
        if "truncated" in fired:
            body = bytes(response.body)
            response = Response(
                body[: max(len(body) // 2, 1)], status_code=200, media_type=response.media_type
            )
        return response

    def _answer(
        self, caller: Caller, collection: str, path: str, base: str, request: Request
    ) -> tuple[Response, int]:
        visible = self._visible(caller, collection)
        if not path:
            value = [
                {"name": r.resource, "kind": "EntitySet", "url": r.resource, "title": r.title}
                for r in visible
            ]
            return _json({"@odata.context": f"{base}/$metadata", "value": value}), 0
        if path == "$metadata":
            return Response(edmx_document(visible, collection), media_type="application/xml", headers=_V4), 0
        if path == "list":
            value = [r.summary() for r in visible]
            return _json({"@odata.context": f"{base}/$metadata#list", "value": value}), 0
        report = next((r for r in visible if r.resource == path), None)
        if report is None:
            raise ODataError(404, f"Resource not found for the segment '{path}'.", code="NotFound")
        params = dict(request.query_params)
        self._check_reader(caller, report, params)
        page_size = self._page_size(request)
        page = _read_page(self.reports, report, params, page_size)
        context = f"{base}/$metadata#{report.resource}"
        if page.select is not None:
            context += f"({','.join(page.select)})"
        body: dict[str, Any] = {"@odata.context": context}
        if page.count is not None:
            body["@odata.count"] = page.count
        body["value"] = page.rows
        if page.next_offset is not None:
            keep = {k: v for k, v in params.items() if k in ("$select", "$filter", "$orderby", "$count")}
            if page.next_top is not None:
                keep["$top"] = str(page.next_top)
            keep["$skiptoken"] = f"{report.publication_id}-{page.next_offset}"
            body["@odata.nextLink"] = (
                f"{base}/{report.resource}?{urlencode(keep, quote_via=quote, safe='$,')}"
            )
        headers = {"ETag": f'W/"{report.publication_id}"'}
        if page_size is not None and page_size != self.config.page_size:
            headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
        return _json(body, headers), len(page.rows)

    def _check_reader(self, caller: Caller, report: Report, params: dict[str, str]) -> None:
        """410 for a ``$skip`` page of a publication other than the one this user's read started on.

        A next link names its publication; a plain ``$skip`` request does not, so the service remembers,
        per user and resource, the publication its last page came from (a ``$skip=0`` request starts a
        read). Loading a synthetic report starts afresh; refresh and republish do not.
        """
        key = (caller.user.casefold(), report.resource)
        skip = params.get("$skip", "").strip()
        if "$skiptoken" not in params and skip.isdigit() and int(skip) > 0:
            seen = self._readers.get(key)
            if seen is not None and seen != report.publication_id:
                raise ODataError(410, GONE_MESSAGE, code="Gone")
        self._readers[key] = report.publication_id

    def forget_readers(self, resource: str | None = None) -> None:
        """Drop what the service remembers about reads in progress (of one resource, or of all)."""
        for key in [k for k in self._readers if resource is None or k[1] == resource]:
            del self._readers[key]

    def _page_size(self, request: Request) -> int | None:
        if not self.config.server_paging:
            return None
        size = self.config.page_size
        for part in request.headers.get("prefer", "").split(","):
            name, _, value = part.strip().partition("=")
            if name.strip().lower() == "odata.maxpagesize" and value.strip().isdigit() and int(value) > 0:
                size = min(size, int(value))
        return size

    # -- control routes -----------------------------------------------------------------------------
    def _target(self, request: Request) -> Report:
        name = request.query_params.get("report") or request.query_params.get("resource")
        if not name:
            raise ODataError(400, "name the report: ?report=<resource or title>")
        self.reports.ensure_seeded()
        report = self.reports.find(name)
        if report is None:
            raise ODataError(404, f"no published report {name!r}")
        return report

    async def _control(self, fn: Callable[[], Any]) -> JSONResponse:
        try:
            result = await self._locked(fn)
        except ODataError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return JSONResponse(result)

    async def refresh_route(self, request: Request) -> JSONResponse:
        return await self._control(lambda: self.reports.refresh(self._target(request)).summary())

    async def republish_route(self, request: Request) -> JSONResponse:
        drop = [n.strip() for n in request.query_params.get("drop", "").split(",") if n.strip()]
        return await self._control(lambda: self.reports.republish(self._target(request), drop).summary())

    async def synthetic_route(self, request: Request) -> JSONResponse:
        q = request.query_params
        try:
            rows = int(q.get("rows", "10000"))
            knobs = {k: float(q.get(k, default)) for k, default in
                     (("change_pct", "10"), ("remove_pct", "0"), ("add_pct", "0"))}  # fmt: skip
            seed = int(q.get("seed", "0"))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if rows < 0 or rows > 1_000_000:
            return JSONResponse({"error": "rows must be between 0 and 1000000"}, status_code=400)
        resource = q.get("resource", rp.SYNTHETIC_RESOURCE)
        if rp.seeded_report(resource) is not None or not resource.isidentifier():
            return JSONResponse({"error": f"resource {resource!r} is not free"}, status_code=400)
        title = q.get("title", rp.SYNTHETIC_TITLE)

        def load() -> dict[str, Any]:
            self.forget_readers(resource)  # a new report, not a republish under readers
            return self.reports.load_synthetic(
                rows, resource=resource, title=title, seed=seed, **knobs
            ).summary()

        return await self._control(load)

    async def reports_route(self, _: Request) -> JSONResponse:
        def listing() -> dict[str, Any]:
            self.reports.ensure_seeded()
            return {
                "reports": [r.summary() | {"visible_to": list(r.visible_to)} for r in self.reports.all()],
                "page_size": self.config.page_size,
                "server_paging": self.config.server_paging,
            }

        return await self._control(listing)

    async def config_route(self, request: Request) -> JSONResponse:
        try:
            raw = await request.json() if await request.body() else {}
            if "page_size" in raw:
                size = int(raw["page_size"])
                if size < 1:
                    raise ValueError("page_size must be at least 1")
                self.config.page_size = size
            if "server_paging" in raw:
                self.config.server_paging = bool(raw["server_paging"])
        except (ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"page_size": self.config.page_size, "server_paging": self.config.server_paging})

    def routes(self) -> list[Route]:
        return [
            Route("/odata/v4/{collection}", self.handle, methods=_ALL_METHODS),
            Route("/odata/v4/{collection}/{path:path}", self.handle, methods=_ALL_METHODS),
            Route("/_emulator/odata/refresh", self.refresh_route, methods=["POST"]),
            Route("/_emulator/odata/republish", self.republish_route, methods=["POST"]),
            Route("/_emulator/odata/synthetic", self.synthetic_route, methods=["POST"]),
            Route("/_emulator/odata/reports", self.reports_route, methods=["GET"]),
            Route("/_emulator/odata/config", self.config_route, methods=["POST"]),
        ]


_V4 = {"OData-Version": "4.0"}


def _json(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, media_type=JSON_MEDIA_TYPE, headers={**_V4, **(headers or {})})


def _error(
    exc: ODataError, *, challenge: bool = False, allow: bool = False, retry_after: bool = False
) -> JSONResponse:
    headers = dict(_V4)
    if challenge:
        headers["WWW-Authenticate"] = REALM
    if allow:
        headers["Allow"] = "GET, HEAD"
    if retry_after:
        headers["Retry-After"] = "60"
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status, headers=headers
    )
