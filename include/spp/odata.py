"""SuiteProjects Pro's OData v4 feed of published reports (Business Intelligence Connector), read over httpx.

:class:`SppODataReader` reads one collection (``<base URL>/odata/v4/reports`` or ``/listviews``):

* :meth:`~SppODataReader.list_resources` — the service document (or the undocumented ``/list``);
* :meth:`~SppODataReader.metadata` — ``$metadata`` (EDMX 4.0 XML), read once per reader (again only after a
  republish) and parsed with the project's hostile-XML-safe parser (:mod:`include.xml_safety`: a DTD or
  entity declaration is refused); it gives every resource's columns, their order and their ``Edm`` types;
* :meth:`~SppODataReader.iter_pages` / :meth:`~SppODataReader.iter_rows` — a report as a stream of pages
  (one page in memory at a time), every value converted to its ``Edm`` type (:data:`EDM_TYPES`).

Paging: SPP documents client-driven paging (``$top``/``$skip``) and does not confirm server-driven paging
(``@odata.nextLink``); the reader supports both (reference §5). It asks for windows of ``page_size`` rows
(``$skip=k&$top=page_size``, plus the ``Prefer: odata.maxpagesize`` preference) and follows every
``@odata.nextLink`` inside a window; a window that came back short ends the read, a full one is followed by
the next window, and one that came back *longer* than asked (a server ignoring ``$top`` and paging by
itself) also ends it — its links already led to the end. A caller's ``top`` caps the rows in all.

Failures (:class:`SppODataError` and subclasses; messages never hold the password):

* HTTP 5xx, 429 and connection errors are retried with backoff through the shared
  :class:`include.retry.RetryPolicy` (every request is a GET, so always idempotent);
* 401/403 → :class:`SppODataAuthError` naming the user and the company;
* 410 Gone (the report was republished while it was read, reference §5.1) → the read starts again from the
  first page **once** (``on_restart`` is called first and every :class:`Page` carries its ``attempt``, so a
  consumer drops what it staged); a second 410 → :class:`SppODataRepublished` naming the report;
* hostile or malformed ``$metadata`` → :class:`SppODataMetadataError`; a page that is not JSON of the OData
  shape, or a value that does not fit its type → :class:`SppODataPayloadError` naming the URL;
* a ``@odata.nextLink`` to another scheme, host or port than the service root is refused (the reader
  would send the Basic credentials there).

Why not a library. ``pyodata`` reads OData V2 only (reference §8.1). ``python-odata`` 0.8.1 (tuomur, the V4
candidate) was installed into a scratch virtualenv, its source read, and probed against a small local V4 feed
(pages capped at 10 rows by the server, 25 rows in all). It was rejected:

* paging: ``Query.__iter__`` follows ``@odata.nextLink`` only when the query has no ``$top``
  (``'$top' not in options``): with ``$top=25`` it returned the first 10 rows and stopped, so SPP's
  documented ``$top``/``$skip`` paging and server-driven links cannot be combined, and a short page never ends
  a read;
* types: ``Edm.Date`` (and ``Edm.Double``, ``Edm.Byte``…) have no property class and stay ``str``
  (``'2026-02-28'``); ``Edm.Decimal`` goes through ``response.json()`` (a ``float``) before
  ``Decimal(str(float))``: ``12345678901234.1234`` came back as ``Decimal('12345678901234.123')``;
  ``Edm.DateTimeOffset`` is parsed by dateutil without requiring an offset;
* safety: ``$metadata`` is parsed with a plain ``lxml.etree.fromstring``: a document with a DOCTYPE and an
  ``<!ENTITY>`` was accepted;
* it is ORM-style reflection (entity classes built from ``$metadata``), on ``requests`` with
  ``rich``/``python-dateutil``/``Mako`` as extra dependencies, with no place for the shared retry policy, and
  401, 410 and 5xx all become one ``ODataError`` (its text carries the server's ``WWW-Authenticate``).

The feed is GET-only with four query options, so a reader over httpx (already pinned) does it all, tested with
``httpx.MockTransport``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import httpx
from lxml import etree

from include.retry import RetryPolicy
from include.spp.errors import SppAuthError, SppError, scrub
from include.xml_safety import UnsafeXmlError, parse_xml

logger = logging.getLogger(__name__)

EDMX_NS = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NS = "http://docs.oasis-open.org/odata/ns/edm"
_NS = {"edmx": EDMX_NS, "edm": EDM_NS}
DEFAULT_PAGE_SIZE = 1000
GONE_MESSAGE = "Report has been republished. You need to reload the report."
_SHOWN = 80  # characters of a bad value or of server text quoted in an error


# -- errors ------------------------------------------------------------------------------------
class SppODataError(SppError):
    """A request to the OData feed failed; ``url`` is the request's URL (never with credentials)."""

    def __init__(self, message: str, *, code: int | None = None, url: str | None = None) -> None:
        super().__init__(message, code=code)
        self.url = url


class SppODataAuthError(SppODataError, SppAuthError):
    """HTTP 401/403: the company, user or password is wrong, or the user may not read the feed."""


class SppODataRepublished(SppODataError):
    """HTTP 410 Gone again after the one restart: the report keeps being republished."""


class SppODataMetadataError(SppODataError):
    """``$metadata`` was refused (DTD/entities), malformed, not EDMX 4, or lacks the resource."""


class SppODataPayloadError(SppODataError):
    """A data page is not JSON of the OData shape, or a value does not fit its column's type."""


class _Transient(Exception):
    """A failed attempt worth another one (5xx, 429, connection error)."""

    def __init__(self, error: SppODataError) -> None:
        super().__init__(str(error))
        self.error = error


class _Gone(Exception):
    """HTTP 410 on a data request."""


# -- values ------------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise TypeError


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):  # IEEE754Compatible=true sends Int64 as a string
        return int(value.strip())
    raise TypeError


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int | Decimal):
        return float(value)
    if isinstance(value, str):  # "INF", "-INF", "NaN" are OData's spellings
        return float(value.strip())
    raise TypeError


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeError


def _to_date(value: Any) -> dt.date:
    if isinstance(value, str) and len(value.strip()) == 10:
        return dt.date.fromisoformat(value.strip())
    raise TypeError


def _to_time(value: Any) -> dt.time:
    if isinstance(value, str):
        return dt.time.fromisoformat(value.strip())
    raise TypeError


EDM_TYPES: dict[str, Callable[[Any], Any]] = {
    "Edm.String": _to_str,
    "Edm.Guid": _to_str,
    "Edm.Duration": _to_str,  # ISO 8601 duration text, kept as sent
    "Edm.Binary": _to_str,  # base64url text, kept as sent
    "Edm.Byte": _to_int,
    "Edm.SByte": _to_int,
    "Edm.Int16": _to_int,
    "Edm.Int32": _to_int,
    "Edm.Int64": _to_int,
    "Edm.Decimal": _to_decimal,
    "Edm.Double": _to_float,
    "Edm.Single": _to_float,
    "Edm.Boolean": _to_bool,
    "Edm.Date": _to_date,
    "Edm.TimeOfDay": _to_time,
    # Edm.DateTimeOffset is converted by the reader (it knows the zone of values without an offset)
}
"""``Edm`` type → converter of a JSON value; other types (enums, complex types) are kept as sent."""


def _to_datetime(value: Any, assume_tz: dt.tzinfo) -> dt.datetime:
    if not isinstance(value, str):
        raise TypeError
    parsed = dt.datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=assume_tz)


# -- what the service describes -----------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One property of a resource's entity type, in ``$metadata`` order."""

    name: str
    edm_type: str
    nullable: bool = True


@dataclass(frozen=True)
class ResourceSchema:
    """A resource (entity set) and the columns of its entity type."""

    name: str
    entity_type: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


@dataclass(frozen=True)
class Metadata:
    """A collection's ``$metadata``: every resource the EDMX describes, by name."""

    url: str
    resources: Mapping[str, ResourceSchema]

    def resource(self, name: str) -> ResourceSchema:
        """The resource ``name``; an error naming the described ones when there is none."""
        try:
            return self.resources[name]
        except KeyError:
            known = ", ".join(sorted(self.resources)) or "none"
            raise SppODataMetadataError(
                f"{self.url} does not describe the resource {name!r} (it describes: {known}); "
                "is the report published with the Business Intelligence Connector scope?",
                url=self.url,
            ) from None


@dataclass(frozen=True)
class Resource:
    """An entry of the service document (or of ``/list``)."""

    name: str
    url: str
    kind: str = "EntitySet"
    title: str | None = None


@dataclass
class Page:
    """One response of a read: its typed rows, its number in the read (1-based) and the read's attempt
    (2 after a restart caused by a republished report: drop everything attempt 1 gave)."""

    resource: str
    number: int
    url: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    attempt: int = 1


def parse_metadata(data: bytes, url: str) -> Metadata:
    """The resources an EDMX 4.0 document describes. Refuses DTDs/entities, malformed XML and non-EDMX."""
    try:
        root = parse_xml(data)
    except UnsafeXmlError as exc:
        raise SppODataMetadataError(f"{url}: metadata refused: {exc}", url=url) from None
    except etree.XMLSyntaxError as exc:
        raise SppODataMetadataError(f"{url}: metadata is not well-formed XML: {exc}", url=url) from None
    if root.tag != f"{{{EDMX_NS}}}Edmx":
        raise SppODataMetadataError(f"{url}: metadata is not an EDMX document (root {root.tag!r})", url=url)
    version = root.get("Version", "")
    if not version.startswith("4."):
        raise SppODataMetadataError(f"{url}: metadata is EDMX {version or '?'}, not 4.x (OData v4)", url=url)

    types: dict[str, etree._Element] = {}  # qualified name (and alias-qualified) → EntityType element
    for schema in root.iterfind("edmx:DataServices/edm:Schema", _NS):
        prefixes = [p for p in (schema.get("Namespace"), schema.get("Alias")) if p]
        for entity_type in schema.iterfind("edm:EntityType", _NS):
            name = entity_type.get("Name", "")
            types[name] = entity_type
            for prefix in prefixes:
                types[f"{prefix}.{name}"] = entity_type

    def columns_of(entity_type: etree._Element, seen: frozenset[str] = frozenset()) -> list[Column]:
        base = entity_type.get("BaseType")
        inherited = columns_of(types[base], seen | {base}) if base in types and base not in seen else []
        own = [
            Column(
                name=prop.get("Name", ""),
                edm_type=prop.get("Type", "Edm.String"),
                nullable=prop.get("Nullable", "true").lower() != "false",
            )
            for prop in entity_type.iterfind("edm:Property", _NS)
        ]
        return inherited + own

    resources: dict[str, ResourceSchema] = {}
    for entity_set in root.iterfind("edmx:DataServices/edm:Schema/edm:EntityContainer/edm:EntitySet", _NS):
        name, type_name = entity_set.get("Name", ""), entity_set.get("EntityType", "")
        if type_name in types:
            resources[name] = ResourceSchema(name, type_name, tuple(columns_of(types[type_name])))
    in_sets = {id(types[schema.entity_type]) for schema in resources.values()}
    for type_name, entity_type in types.items():  # a type no set names: by its own name
        if "." not in type_name and type_name not in resources and id(entity_type) not in in_sets:
            resources[type_name] = ResourceSchema(type_name, type_name, tuple(columns_of(entity_type)))
    return Metadata(url=url, resources=resources)


# -- the reader --------------------------------------------------------------------------------
def odata_retry_policy(
    *,
    max_retries: int = 5,
    base_s: float = 1.0,
    max_s: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> RetryPolicy:
    """The shared policy for the feed: every request is a GET, so every transient failure is retried."""
    return RetryPolicy(
        retryable=lambda error: isinstance(error, _Transient),
        max_retries=max_retries,
        base_s=base_s,
        max_s=max_s,
        jitter=0.5,
        sleep=sleep,
        logger=logger,
        label="SPP OData",
    )


class SppODataReader:
    """Reads one OData v4 collection of a SuiteProjects Pro account.

    :param service_root: ``<base URL>/odata/v4/reports`` (or ``/listviews``).
    :param company: company ID (the part before the backslash of ``Company\\User``).
    :param user: user ID.
    :param password: that user's password (only ever in the ``Authorization`` header).
    :param page_size: rows per request (``$top`` window and ``Prefer: odata.maxpagesize``).
    :param timeout_s: per-request timeout.
    :param max_retries: retries after the first attempt for 5xx, 429 and connection errors.
    :param backoff_base_s: first backoff ceiling; doubles per retry (with jitter) up to ``backoff_max_s``.
    :param restart_wait_s: pause before the one restart after a 410 Gone.
    :param assume_tz: the zone of ``Edm.DateTimeOffset`` values sent without an offset.
    :param sleep: how to wait (tests pass a list's ``append``).
    :param transport: an httpx transport (``httpx.MockTransport`` in tests); the default one otherwise.
    :param credentials_from: where the credentials come from (e.g. ``Airflow connection
        'spp_odata_default'``), named in authentication errors.
    """

    def __init__(
        self,
        service_root: str,
        *,
        company: str,
        user: str,
        password: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_s: float = 60.0,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        restart_wait_s: float = 5.0,
        assume_tz: dt.tzinfo = dt.UTC,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        credentials_from: str | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be positive, got {page_size}")
        if not company or not user or "\\" in company:
            raise ValueError("company and user must both be given (the login is Company\\User)")
        self.service_root = service_root.rstrip("/")
        root = urlsplit(self.service_root)
        if root.scheme not in ("http", "https") or not root.netloc:
            raise ValueError(f"service_root {service_root!r} is not an http(s) URL")
        self._origin = (root.scheme, root.netloc.lower())
        self.company = company
        self.user = user
        self._password = password
        self.page_size = page_size
        self.credentials_from = credentials_from
        self.restart_wait_s = restart_wait_s
        self.assume_tz = assume_tz
        self._sleep = sleep
        self.retry_policy = odata_retry_policy(
            max_retries=max_retries, base_s=backoff_base_s, max_s=backoff_max_s, sleep=sleep
        )
        self._client = httpx.Client(
            auth=httpx.BasicAuth(f"{company}\\{user}", password),
            headers={"OData-Version": "4.0", "OData-MaxVersion": "4.0"},
            timeout=timeout_s,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        login = f"{self.company}\\{self.user}"
        return f"SppODataReader(service_root={self.service_root!r}, login={login!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SppODataReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the collection ------------------------------------------------------------------------
    def list_resources(self, *, source: Literal["service", "list"] = "service") -> list[Resource]:
        """The resources this user may read: the service document, or ``/list`` (undocumented format,
        read defensively: entries with ``name``/``url``/``title``, or bare names)."""
        url = self.service_root if source == "service" else f"{self.service_root}/list"
        payload = self._json(self._get(url, what="service document", accept="application/json"), url)
        entries = payload.get("value") if isinstance(payload, dict) else payload
        if not isinstance(entries, list):
            raise SppODataPayloadError(f"{url}: no 'value' list of resources", url=url)
        resources = []
        for entry in entries:
            if isinstance(entry, str):
                entry = {"name": entry}
            if not isinstance(entry, dict):
                raise SppODataPayloadError(f"{url}: a resource entry is {_shown(entry)}", url=url)
            name = entry.get("name") or entry.get("url") or entry.get("id")
            if not name:
                raise SppODataPayloadError(f"{url}: a resource entry has no name: {_shown(entry)}", url=url)
            title = entry.get("title")
            resources.append(
                Resource(
                    name=str(name),
                    url=urljoin(f"{self.service_root}/", str(entry.get("url") or name)),
                    kind=str(entry.get("kind") or "EntitySet"),
                    title=None if title is None else str(title),
                )
            )
        return resources

    def server_time(self) -> dt.datetime:
        """The service's clock: the ``Date`` header of a service-document request (this machine's
        clock, in UTC, when the server sends none)."""
        from email.utils import parsedate_to_datetime

        response = self._get(self.service_root, what="service document", accept="application/json")
        stamp = response.headers.get("Date")
        if stamp:
            try:
                return parsedate_to_datetime(stamp).astimezone(dt.UTC)
            except (TypeError, ValueError):
                logger.warning("SPP OData: unreadable Date header %r; using this machine's clock", stamp)
        return dt.datetime.now(dt.UTC)

    def wait_before_restart(self) -> None:
        """The pause a consumer makes before reading a republished report again (``restart_wait_s``)."""
        self._sleep(self.restart_wait_s)

    def metadata(self) -> Metadata:
        """The collection's ``$metadata``, read on first use and kept (read again only when a 410 Gone
        says a report was republished: its layout may have changed)."""
        return self._metadata

    @cached_property
    def _metadata(self) -> Metadata:
        url = f"{self.service_root}/$metadata"
        response = self._get(url, what="$metadata", accept="application/xml")
        return parse_metadata(response.content, url)

    def columns(self, resource: str) -> tuple[Column, ...]:
        """The columns of ``resource`` in ``$metadata`` order."""
        return self.metadata().resource(resource).columns

    # -- reading a resource --------------------------------------------------------------------
    def iter_rows(
        self,
        resource: str,
        *,
        select: Sequence[str] | None = None,
        filter: str | None = None,  # noqa: A002 - the OData option's name
        orderby: str | None = None,
        top: int | None = None,
        page_size: int | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every row of ``resource`` as a dict of typed values (keys in ``$metadata`` order); see
        :meth:`iter_pages` for the options. Rows already given before a 410 restart are given again:
        a consumer that keeps them must pass ``on_restart`` and drop them there."""
        for page in self.iter_pages(
            resource, select=select, filter=filter, orderby=orderby, top=top, page_size=page_size,
            on_restart=on_restart,
        ):  # fmt: skip
            yield from page.rows

    def iter_pages(
        self,
        resource: str,
        *,
        select: Sequence[str] | None = None,
        filter: str | None = None,  # noqa: A002 - the OData option's name
        orderby: str | None = None,
        top: int | None = None,
        page_size: int | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> Iterator[Page]:
        """``resource`` page by page (one in memory at a time), ``$metadata`` read first (once per reader).

        :param select: ``$select`` columns (reports only; list views ignore it).
        :param filter: ``$filter`` expression, e.g. ``Name eq 'Smith'`` (reports only).
        :param orderby: ``$orderby``; SPP does not document it (reference §4): sent only when given.
        :param top: the most rows to read in all (None: every row).
        :param page_size: rows per request instead of the reader's.
        :param on_restart: called when a 410 Gone restarts the read from the first page (once).
        """
        if top is not None and top < 0:
            raise ValueError(f"top must not be negative, got {top}")
        size = page_size or self.page_size
        if size < 1:
            raise ValueError(f"page_size must be positive, got {size}")
        schema = self.metadata().resource(resource)
        logger.info(
            "SPP OData %s: reading %s (columns: %s)",
            self.service_root,
            resource,
            ", ".join(schema.column_names),
        )
        query = {"$select": ",".join(select) if select else None, "$filter": filter, "$orderby": orderby}
        for attempt in (1, 2):
            pages = rows = 0
            try:
                for page in self._read(schema, query, top, size, attempt):
                    pages, rows = pages + 1, rows + len(page.rows)
                    yield page
            except _Gone:
                if attempt == 2:
                    raise SppODataRepublished(
                        f"report {resource!r} at {self.service_root} was republished again while it was "
                        f"read (HTTP 410 Gone after one restart from the first page): {GONE_MESSAGE} "
                        "Retry once its publication has finished.",
                        code=410,
                        url=f"{self.service_root}/{resource}",
                    ) from None
                logger.warning(
                    "SPP OData: report %s was republished while it was read (HTTP 410 after %d pages, "
                    "%d rows): restarting from the first page in %.1fs",
                    resource, pages, rows, self.restart_wait_s,
                )  # fmt: skip
                self.__dict__.pop("_metadata", None)  # a republished report may have a new layout
                if on_restart is not None:
                    on_restart()
                self._sleep(self.restart_wait_s)
                schema = self.metadata().resource(resource)
                continue
            logger.info("SPP OData: %s read in %d pages, %d rows", resource, pages, rows)
            return

    def _read(
        self,
        schema: ResourceSchema,
        query: Mapping[str, str | None],
        top: int | None,
        size: int,
        attempt: int,
    ) -> Iterator[Page]:
        """One attempt at reading ``schema``'s resource: ``$top``/``$skip`` windows, nextLinks inside."""
        base = f"{self.service_root}/{quote(schema.name, safe='')}"
        skip = number = given = 0
        while top is None or given < top:
            want = size if top is None else min(size, top - given)
            params = {"$top": str(want), "$skip": str(skip), **{k: v for k, v in query.items() if v}}
            url: str | None = f"{base}?{_query_string(params)}"
            in_window = 0
            while url is not None:
                payload = self._json(self._get(url, what=schema.name, page_size=size, data=True), url)
                raw, next_link = self._rows(payload, url)
                number += 1
                rows = [self._typed(row, schema, url) for row in raw[: None if top is None else top - given]]
                in_window, given = in_window + len(raw), given + len(rows)
                yield Page(resource=schema.name, number=number, url=url, rows=rows, attempt=attempt)
                if top is not None and given >= top:
                    return
                url = self._follow(url, next_link) if next_link else None
            if in_window != want:  # short: the end; longer: the server paged by itself to the end
                return
            skip += want

    # -- one response --------------------------------------------------------------------------
    def _get(
        self, url: str, *, what: str, accept: str = "application/json", page_size: int = 0, data: bool = False
    ) -> httpx.Response:
        headers = {"Accept": accept}
        if page_size:
            headers["Prefer"] = f"odata.maxpagesize={page_size}"

        def attempt() -> httpx.Response:
            try:
                response = self._client.get(url, headers=headers)
            except httpx.TransportError as exc:
                raise _Transient(
                    SppODataError(f"SPP OData {what}: {type(exc).__name__} talking to {url}", url=url)
                ) from None
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(self._http_error(response, url, what))
            return response

        try:
            response = self.retry_policy.call(attempt, what=f"GET {what}")
        except _Transient as failure:  # out of attempts
            raise failure.error from None
        status = response.status_code
        if status == 200:
            return response
        if status in (401, 403):
            raise SppODataAuthError(
                f"SPP OData refused user {self.user!r} of company {self.company!r} (HTTP {status}) at {url}: "
                + (
                    "check the company ID, user ID and password (login Company\\User)"
                    if status == 401
                    else "the user may not read this feed (Download or Publish Reports permission?)"
                )
                + (f" (credentials from {self.credentials_from})" if self.credentials_from else ""),
                code=status,
                url=url,
            )
        if status == 410 and data:
            raise _Gone()
        raise self._http_error(response, url, what)

    def _http_error(self, response: httpx.Response, url: str, what: str) -> SppODataError:
        text = scrub(" ".join(response.text.split())[:_SHOWN], (self._password,))
        hint = (
            " (not published to this feed, or without the BI Connector scope?)"
            if response.status_code == 404
            else ""
        )
        return SppODataError(
            f"SPP OData {what}: HTTP {response.status_code} at {url}{hint}" + (f": {text}" if text else ""),
            code=response.status_code,
            url=url,
        )

    def _json(self, response: httpx.Response, url: str) -> Any:
        try:
            return json.loads(response.content, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SppODataPayloadError(f"{url}: the response is not valid JSON ({exc})", url=url) from None

    def _rows(self, payload: Any, url: str) -> tuple[list[Any], str | None]:
        if isinstance(payload, list):
            rows, next_link = payload, None
        elif isinstance(payload, dict) and isinstance(payload.get("value"), list):
            rows, next_link = payload["value"], payload.get("@odata.nextLink")
        else:
            raise SppODataPayloadError(f"{url}: the response holds no 'value' list of rows", url=url)
        if next_link is not None and not isinstance(next_link, str):
            raise SppODataPayloadError(f"{url}: @odata.nextLink is {_shown(next_link)}, not a URL", url=url)
        return rows, next_link or None

    def _follow(self, url: str, next_link: str) -> str:
        target = urljoin(url, next_link)
        parts = urlsplit(target)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise SppODataPayloadError(
                f"{url}: @odata.nextLink {_shown(next_link)} leaves {self.service_root}; not followed "
                "(the credentials would go with it)",
                url=url,
            )
        if target == url:
            raise SppODataPayloadError(f"{url}: @odata.nextLink points back at the same page", url=url)
        return target

    def _typed(self, row: Any, schema: ResourceSchema, url: str) -> dict[str, Any]:
        if not isinstance(row, dict):
            raise SppODataPayloadError(f"{url}: a row is {_shown(row)}, not an object", url=url)
        out: dict[str, Any] = {}
        for column in schema.columns:
            if column.name in row:
                out[column.name] = self._value(row[column.name], column, schema.name, url)
        for key, value in row.items():  # columns $metadata does not describe: as sent
            if key not in out and not key.startswith("@") and "@odata." not in key:
                out[key] = value
        return out

    def _value(self, value: Any, column: Column, resource: str, url: str) -> Any:
        if value is None:
            return None
        try:
            if column.edm_type == "Edm.DateTimeOffset":
                return _to_datetime(value, self.assume_tz)
            convert = EDM_TYPES.get(column.edm_type)
            return value if convert is None else convert(value)
        except (TypeError, ValueError, decimal.InvalidOperation):
            raise SppODataPayloadError(
                f"{url}: {resource}.{column.name} ({column.edm_type}) holds {_shown(value)}, "
                f"not a valid {column.edm_type}",
                url=url,
            ) from None


def _query_string(params: Mapping[str, str]) -> str:
    """``$name=value`` pairs, spaces as ``%20`` and ``$ , '`` kept readable (reference §4)."""
    readable = "$,'()"
    return "&".join(f"{quote(k, safe='$')}={quote(v, safe=readable)}" for k, v in params.items())


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "EDM_TYPES",
    "Column",
    "Metadata",
    "Page",
    "Resource",
    "ResourceSchema",
    "SppODataAuthError",
    "SppODataError",
    "SppODataMetadataError",
    "SppODataPayloadError",
    "SppODataReader",
    "SppODataRepublished",
    "odata_retry_policy",
    "parse_metadata",
]
