"""A synchronous SuiteProjects Pro XML API client, usable with or without Airflow.

Each call is one HTTP ``POST /api.pl`` carrying ``<Auth>`` and one or more commands (the XML
API is stateless between requests). Reads page with ``limit="offset,N"`` until a short page
and de-duplicate by ``id``; id look-ups put many ``Read`` commands in one request; writes put
up to ``objects_per_command`` objects in each command and up to ``write_batch_size`` records
in each request, and come back as one ``WriteResult`` per input record, in input order.

Retries (the shared :class:`include.retry.RetryPolicy`: exponential backoff with equal jitter, at
most ``max_retries`` more attempts):

* rate limit (status 556 on ``Auth``, or HTTP 429) and connection failures that happened
  before the request was sent: always retried — the server did not run any command;
* HTTP 5xx, timeouts and connections dropped after the request was sent: the server may have
  run the commands. Retried only for idempotent requests: reads, ``Time``/``Whoami``,
  ``Add``/``CreateUser`` with ``lookup="externalid"`` when every record has an ``externalid``
  (an upsert: replaying it updates the record the first attempt created), and ``Add`` of
  ``ImportExport`` marks (``mark_exported``: the server upserts them on application, type,
  id). ``Add`` without lookup would create duplicates, and ``Modify``/``Delete``/``Submit``/
  ``Approve`` could overwrite a concurrent change or report a false failure, so those raise
  ``SppWriteOutcomeUnknown`` instead of guessing.

When a write call fails part-way, the raised ``SppError`` carries ``results``: the outcome of
every input record (committed ones included), so no created id is lost.

Credentials appear only in the request body: never in ``repr``, log lines or exception text.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import requests
from lxml import etree

from include.results import WriteResult
from include.retry import RetryPolicy
from include.spp import xml
from include.spp.errors import (
    AUTH_FAILURE_CODES,
    RATE_LIMIT_CODE,
    WRONG_DOMAIN_CODE,
    SppAuthError,
    SppError,
    SppRateLimited,
    SppRequestError,
    SppWriteOutcomeUnknown,
    describe_status,
    scrub,
)

try:  # httpx is optional: a caller may hand in an httpx.Client instead of a requests.Session
    import httpx
except ImportError:  # pragma: no cover - httpx is in the pinned requirements
    httpx = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MAX_OBJECTS_PER_COMMAND = 1000  # XML API limit for reads and every write command
LOOKUPS_PER_REQUEST = 100  # id look-ups (one Read each) per HTTP request
# Commands per request besides Auth: no documented cap (reference §8; the local service refuses
# more than 1,000 in all), so stay well below.
MAX_COMMANDS_PER_REQUEST = 500
MAX_BACKOFF_S = 60.0

# WriteResult.code values for records the server never answered for.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
NOT_SENT = "NOT_SENT"


class _Retryable(Exception):
    """A failed attempt that may be retried; ``executed_maybe`` says whether commands might have run."""

    def __init__(self, error: SppError, *, executed_maybe: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.executed_maybe = executed_maybe


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, _Retryable)


def _executed_maybe(error: BaseException) -> bool:
    return isinstance(error, _Retryable) and error.executed_maybe


def spp_retry_policy(
    *, max_retries: int = 5, base_s: float = 1.0, max_s: float = MAX_BACKOFF_S
) -> RetryPolicy:
    """The shared policy with the XML API's classification (see module docs) and equal jitter: at
    least half of each exponential delay, so clients spread out but still back off from a 556.
    """
    return RetryPolicy(
        retryable=_is_retryable,
        outcome_unknown=_executed_maybe,
        max_retries=max_retries,
        base_s=base_s,
        max_s=max_s,
        jitter=0.5,
        logger=logger,
        label="SPP",
    )


class SppClient:
    """Client for one SuiteProjects Pro account's XML API endpoint.

    :param base_url: scheme and host of the account (``https://<company>.app.netsuitesuiteprojectspro.com``);
        ``/api.pl`` is appended unless already present.
    :param company: company id used at login.
    :param user: integration user's login name.
    :param password: that user's password.
    :param api_namespace: API namespace issued by SPP Support (usually ``default``).
    :param api_key: API key issued with the namespace.
    :param timeout_s: per-HTTP-request timeout.
    :param max_retries: retries after the first attempt for retryable failures (see module docs).
    :param backoff_base_s: first backoff delay; doubles per retry, with jitter, capped at ``backoff_max_s``.
    :param backoff_max_s: the largest backoff delay (60 s).
    :param page_size: objects per Read page (1..1000).
    :param session: a ``requests.Session`` or ``httpx.Client`` to send with; one is created otherwise.
    :param server_timezone: the zone the account's dates are in; naive datetimes given to
        filters are taken to be in it, aware ones are converted to it.
    :param write_batch_size: records per write request (several commands per request).
    :param objects_per_command: objects per write command (1..1000). Outcomes are read per
        object when the server echoes one element per input object (the local service does);
        the XML API documents status per *command* only, so against a server that answers a
        failed command with a bare status every record of that command is reported failed.
        ``objects_per_command=1`` gives exact per-record attribution at some speed cost.
    """

    def __init__(
        self,
        base_url: str,
        company: str,
        user: str,
        password: str,
        api_namespace: str,
        api_key: str,
        *,
        api_version: str = "1.0",
        client_name: str = "netsuite-spp-airflow",
        client_version: str = "0.1",
        timeout_s: float = 120.0,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = MAX_BACKOFF_S,
        page_size: int = 1000,
        session: requests.Session | httpx.Client | None = None,
        server_timezone: dt.tzinfo = dt.UTC,
        write_batch_size: int = 1000,
        objects_per_command: int = 200,
    ) -> None:
        if not 1 <= page_size <= MAX_OBJECTS_PER_COMMAND:
            raise ValueError(f"page_size must be 1..{MAX_OBJECTS_PER_COMMAND}, got {page_size}")
        if not 1 <= objects_per_command <= MAX_OBJECTS_PER_COMMAND:
            raise ValueError(
                f"objects_per_command must be 1..{MAX_OBJECTS_PER_COMMAND}, got {objects_per_command}"
            )
        if write_batch_size < 1:
            raise ValueError("write_batch_size must be positive")
        base = base_url.rstrip("/")
        self.endpoint = base if base.endswith("/api.pl") else f"{base}/api.pl"
        self._identity = xml.ApiIdentity(
            company=company,
            user=user,
            password=password,
            api_namespace=api_namespace,
            api_key=api_key,
            api_version=api_version,
            client_name=client_name,
            client_version=client_version,
        )
        self.timeout_s = timeout_s
        self.retry_policy = spp_retry_policy(
            max_retries=max_retries, base_s=backoff_base_s, max_s=backoff_max_s
        )
        self.page_size = page_size
        self.server_timezone = server_timezone
        self.write_batch_size = write_batch_size
        self.objects_per_command = objects_per_command
        self._owns_session = session is None
        self._session: requests.Session | httpx.Client = (
            session if session is not None else requests.Session()
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SppClient:
        """A client from ``SPP_*`` variables; keyword ``overrides`` win over the environment.

        Required: SPP_BASE_URL, SPP_COMPANY, SPP_USER, SPP_PASSWORD, SPP_API_NAMESPACE, SPP_API_KEY.
        A missing one is an error naming it: there is no default account to fall back to.
        """
        env = os.environ if environ is None else environ
        names = {
            "base_url": "SPP_BASE_URL",
            "company": "SPP_COMPANY",
            "user": "SPP_USER",
            "password": "SPP_PASSWORD",
            "api_namespace": "SPP_API_NAMESPACE",
            "api_key": "SPP_API_KEY",
        }
        missing = [var for key, var in names.items() if key not in overrides and not env.get(var)]
        if missing:
            raise ValueError(f"missing environment variables: {', '.join(missing)}")
        params: dict[str, Any] = {key: env.get(var) for key, var in names.items()}
        params.update(overrides)
        return cls(**params)

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt (``retry_policy.max_retries``)."""
        return self.retry_policy.max_retries

    @property
    def backoff_base_s(self) -> float:
        """The first retry's delay ceiling (``retry_policy.base_s``)."""
        return self.retry_policy.base_s

    def __repr__(self) -> str:
        ident = self._identity
        return (
            f"SppClient(endpoint={self.endpoint!r}, company={ident.company!r}, user={ident.user!r}, "
            f"api_namespace={ident.api_namespace!r})"
        )

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> SppClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- small commands ---------------------------------------------------------------------

    def server_time(self) -> dt.datetime:
        """The server's clock (``Time`` command) as an aware datetime."""
        reply = self._call([xml.time_command()], idempotent=True, what="Time")[0]
        self._raise_for_command(reply, "Time")
        if not reply.date:
            raise SppRequestError("Time reply holds no <Date>")
        tz = xml.parse_timezone(reply.timezone) or self.server_timezone
        return xml.parse_flat_date(reply.date, tz)

    def whoami(self) -> dict[str, str]:
        """The authenticated ``User`` object (``Whoami`` command); also a cheap connection test."""
        reply = self._call([xml.whoami_command()], idempotent=True, what="Whoami")[0]
        self._raise_for_command(reply, "Whoami")
        return reply.objects[0] if reply.objects else {}

    # -- reads ------------------------------------------------------------------------------

    def read(
        self,
        object_type: str,
        *,
        updated_after: dt.datetime | None = None,
        updated_before: dt.datetime | None = None,
        equal_to: Mapping[str, Any] | None = None,
        ids: Sequence[str] | None = None,
        equal_to_any: Mapping[str, Sequence[str]] | None = None,
        fields: Sequence[str] | None = None,
        include_custom: bool = True,
        deleted: bool = False,
        include_nondeleted: bool = False,
        page_size: int | None = None,
        date_field: str = "updated",
        not_exported: bool = False,
    ) -> Iterator[dict[str, str]]:
        """Objects of ``object_type`` in dict form, each ``id`` at most once.

        :param updated_after: ``newer-than`` filter on ``date_field`` (the bound's strictness is
            the server's; overlap is harmless since results are de-duplicated).
        :param updated_before: ``older-than`` filter on ``date_field``.
        :param equal_to: field values to match (``method="equal to"``).
        :param ids: fetch these ids only; one ``Read`` per id, many per HTTP request.
        :param equal_to_any: ``{field: [values]}`` (one field): objects whose field equals any of
            the values; one ``Read`` per value, many per HTTP request (bulk look-ups by a key
            such as a NetSuite ID field, or child objects by their parent id).
        :param fields: restrict the returned fields (``_Return``); ``id`` is always added.
        :param include_custom: return custom ``*__c`` fields (``enable_custom="1"``).
        :param deleted: return deleted objects (tombstones) instead of live ones;
            with ``include_nondeleted`` both.
        :param page_size: objects per page (1..1000), default the client's.
        :param not_exported: only objects no ImportExport marks as exported (``not-exported``
            filter; see ``mark_exported``).
        """
        limit, options = self._read_options(
            updated_after=updated_after, updated_before=updated_before, fields=fields,
            include_custom=include_custom, deleted=deleted, include_nondeleted=include_nondeleted,
            page_size=page_size, date_field=date_field, not_exported=not_exported,
        )  # fmt: skip
        if ids is not None:
            return self._read_ids(object_type, list(ids), dict(equal_to or {}), limit, options)
        if equal_to_any:
            if len(equal_to_any) != 1:
                raise ValueError("equal_to_any takes exactly one field")
            ((field, values),) = equal_to_any.items()
            return self._read_ids(
                object_type, list(values), dict(equal_to or {}), limit, options, key_field=field
            )
        return self._read_pages(object_type, dict(equal_to or {}), limit, options)

    def _read_options(
        self,
        *,
        updated_after: dt.datetime | None = None,
        updated_before: dt.datetime | None = None,
        fields: Sequence[str] | None = None,
        include_custom: bool = True,
        deleted: bool = False,
        include_nondeleted: bool = False,
        page_size: int | None = None,
        date_field: str = "updated",
        not_exported: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        """The page size and the Read command's options for ``read()``'s keyword arguments."""
        limit = page_size or self.page_size
        if not 1 <= limit <= MAX_OBJECTS_PER_COMMAND:
            raise ValueError(f"page_size must be 1..{MAX_OBJECTS_PER_COMMAND}, got {limit}")
        filters: list[tuple[str, str, dt.datetime]] = []
        if updated_after is not None:
            filters.append(("newer-than", date_field, self._server_clock(updated_after)))
        if updated_before is not None:
            filters.append(("older-than", date_field, self._server_clock(updated_before)))
        returned = None if fields is None else ["id", *(f for f in fields if f != "id")]
        return limit, {
            "date_filters": filters,
            "include_custom": include_custom,
            "deleted": deleted,
            "include_nondeleted": include_nondeleted,
            "fields": returned,
            "not_exported": not_exported,
        }

    def read_together(self, *reads: Mapping[str, Any]) -> list[Iterator[dict[str, str]]]:
        """Several paged reads whose first pages travel in one request (one ``Auth``, one Read
        command each); each returned iterator then pages on by itself.

        Each item is ``read()``'s keyword arguments plus ``object_type`` (no ``ids`` or
        ``equal_to_any``). SPP budgets requests per account and per minute, so a run that checks
        two object types for changes spends one request on it, not two.
        """
        specs = []
        for spec in reads:
            kwargs = dict(spec)
            object_type = kwargs.pop("object_type")
            if "ids" in kwargs or "equal_to_any" in kwargs:
                raise ValueError("read_together takes paged reads only (no ids / equal_to_any)")
            query = dict(kwargs.pop("equal_to", None) or {})
            limit, options = self._read_options(**kwargs)
            specs.append((object_type, query, limit, options))
        if not specs:
            return []
        commands = [
            xml.read_command(otype, offset=0, limit=limit, query=query or None, **options)
            for otype, query, limit, options in specs
        ]
        replies = self._call(commands, idempotent=True, what="Read " + ", ".join(s[0] for s in specs))
        return [
            self._read_pages(otype, query, limit, options, first=reply)
            for (otype, query, limit, options), reply in zip(specs, replies, strict=True)
        ]

    def _read_pages(
        self,
        object_type: str,
        query: dict[str, Any],
        limit: int,
        options: dict[str, Any],
        first: xml.CommandReply | None = None,
    ) -> Iterator[dict[str, str]]:
        seen: set[str] = set()
        offset = page = 0
        while True:
            if first is not None:  # the first page came with other commands (read_together)
                reply, first = first, None
            else:
                command = xml.read_command(
                    object_type, offset=offset, limit=limit, query=query or None, **options
                )
                reply = self._call([command], idempotent=True, what=f"Read {object_type}")[0]
            self._raise_for_command(reply, f"Read {object_type}")
            yield from _first_sightings(reply.objects, seen)
            page += 1
            logger.info(
                "SPP read %s: page %d (%d objects), %d so far",
                object_type,
                page,
                len(reply.objects),
                len(seen),
            )
            if len(reply.objects) < limit:
                return
            offset += limit

    def _read_ids(
        self,
        object_type: str,
        ids: list[str],
        query: dict[str, Any],
        limit: int,
        options: dict[str, Any],
        key_field: str = "id",
    ) -> Iterator[dict[str, str]]:
        seen: set[str] = set()
        wanted = list(dict.fromkeys(str(i) for i in ids))
        for start in range(0, len(wanted), LOOKUPS_PER_REQUEST):
            chunk = wanted[start : start + LOOKUPS_PER_REQUEST]
            commands = [
                xml.read_command(object_type, offset=0, limit=limit, query={**query, key_field: i}, **options)
                for i in chunk
            ]
            replies = self._call(commands, idempotent=True, what=f"Read {object_type} by id")
            for reply in replies:
                if reply.status == 601:  # unknown id: "not found" for a look-up, not a failure
                    continue
                self._raise_for_command(reply, f"Read {object_type}")
                if (
                    len(reply.objects) >= limit
                ):  # one look-up reads one page: say so rather than drop silently
                    logger.warning(
                        "SPP look-up %s by %s: a full page of %d; later matches not read",
                        object_type,
                        key_field,
                        limit,
                    )
                yield from _first_sightings(reply.objects, seen)
            logger.info(
                "SPP look-up %s: %d/%d ids requested, %d found",
                object_type,
                start + len(chunk),
                len(wanted),
                len(seen),
            )

    # -- writes -----------------------------------------------------------------------------

    def add(
        self, object_type: str, records: Sequence[Mapping[str, Any]], *, lookup_external: bool = False
    ) -> list[WriteResult]:
        """Create objects; with ``lookup_external`` upsert them on ``externalid``
        (``Add lookup="externalid"``).

        Foreign keys may be plain ids or ``{"external": "..."}`` / ``{"name": "..."}`` references.
        Only upserts are retried after an ambiguous failure (see module docs).
        """
        lookup = "externalid" if lookup_external else None
        return self._write(
            records,
            lambda chunk: xml.write_command("Add", object_type, self._localize(chunk), lookup=lookup),
            idempotent=lookup_external and _all_have_external_ids(records),
            what=f"Add {object_type}",
        )

    def modify(self, object_type: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update objects; each record carries its internal ``id`` and the fields to change."""
        for index, record in enumerate(records):
            if not record.get("id"):
                raise ValueError(f"modify: record {index} has no 'id'")
        return self._write(
            records,
            lambda chunk: xml.write_command("Modify", object_type, self._localize(chunk)),
            idempotent=False,
            what=f"Modify {object_type}",
        )

    def delete(self, object_type: str, ids: Sequence[str]) -> list[WriteResult]:
        """Delete objects by internal id (the server keeps tombstones, see ``read(deleted=True)``)."""
        records = [{"id": str(i)} for i in ids]
        return self._write(
            records,
            lambda chunk: xml.write_command("Delete", object_type, chunk),
            idempotent=False,
            what=f"Delete {object_type}",
        )

    def mark_exported(
        self, object_type: str, ids: Sequence[str], *, application: str = "netsuite"
    ) -> list[WriteResult]:
        """Record that ``application`` exported these objects (``Add`` of ``ImportExport`` objects).

        Marked objects drop out of ``read(not_exported=True)`` while their ``updated`` stays
        as it was, so marking does not make the next incremental read see them again. The
        server upserts on (application, type, id), so a replay changes nothing: ambiguous
        failures are retried. One result per id, in input order; ``id`` is the marked object's.
        """
        for index, object_id in enumerate(ids):
            if not str(object_id).strip():
                raise ValueError(f"mark_exported: id {index} is empty")
        records = [{"id": str(i)} for i in ids]
        return self._write(
            records,
            lambda chunk: xml.import_export_command(application, object_type, [r["id"] for r in chunk]),
            idempotent=True,
            what=f"mark exported {object_type}",
        )

    def modify_and_mark_exported(
        self, object_type: str, records: Sequence[Mapping[str, Any]], *, application: str = "netsuite"
    ) -> list[WriteResult]:
        """Modify objects and mark them exported to ``application``, both in one request.

        The pullback of an export: the NetSuite id goes into the object and an ImportExport
        records the export, so the next incremental read (``not_exported=True``) skips the
        object although the Modify moved its ``updated``. A record's result fails if either
        command failed for it (the message says which).
        """
        for index, record in enumerate(records):
            if not record.get("id"):
                raise ValueError(f"modify_and_mark_exported: record {index} has no 'id'")
        results: list[WriteResult] = []
        step = self.objects_per_command
        for start in range(0, len(records), step):
            group = records[start : start + step]
            ids = [str(r["id"]) for r in group]
            modified, marked = self._call(
                [
                    xml.write_command("Modify", object_type, self._localize(group)),
                    xml.import_export_command(application, object_type, ids),
                ],
                idempotent=False,
                what=f"Modify and mark exported {object_type}",
            )
            marks = self._write_results(marked, [{"id": i} for i in ids], start)
            for result, mark in zip(self._write_results(modified, group, start), marks, strict=True):
                if result.ok and not mark.ok:
                    result.ok, result.code = False, mark.code
                    result.message = f"modified, but not marked exported: {mark.message}"
                results.append(result)
        return results

    def create_user(
        self, records: Sequence[Mapping[str, Any]], *, lookup_external: bool = False
    ) -> list[WriteResult]:
        """Create ``User`` objects (``CreateUser``, one per command); upsert on ``externalid`` if asked."""
        lookup = "externalid" if lookup_external else None
        company = self._identity.company
        return self._write(
            records,
            lambda chunk: xml.create_user_command(company, self._localize(chunk)[0], lookup=lookup),
            idempotent=lookup_external and _all_have_external_ids(records),
            what="CreateUser",
            per_command=1,
        )

    def submit(self, object_type: str, ids: Sequence[str], *, notes: str | None = None) -> list[WriteResult]:
        """Submit objects for approval (Timesheet, Envelope, Invoice, Booking, Schedulerequest)."""
        return self._approval("Submit", object_type, ids, notes)

    def approve(self, object_type: str, ids: Sequence[str], *, notes: str | None = None) -> list[WriteResult]:
        """Approve submitted objects (Timesheet, Envelope, Invoice, Booking, Schedulerequest)."""
        return self._approval("Approve", object_type, ids, notes)

    def _approval(
        self, command: str, object_type: str, ids: Sequence[str], notes: str | None
    ) -> list[WriteResult]:
        records = [{"id": str(i)} for i in ids]
        return self._write(
            records,
            lambda chunk: xml.approval_command(command, object_type, chunk[0]["id"], notes),
            idempotent=False,
            what=f"{command} {object_type}",
            per_command=1,
        )

    def _write(
        self,
        records: Sequence[Mapping[str, Any]],
        build: Callable[[Sequence[Mapping[str, Any]]], etree._Element],
        *,
        idempotent: bool,
        what: str,
        per_command: int | None = None,
    ) -> list[WriteResult]:
        per_command = per_command or self.objects_per_command
        commands_per_request = max(1, min(self.write_batch_size // per_command, MAX_COMMANDS_PER_REQUEST))
        batch = per_command * commands_per_request
        results: list[WriteResult] = []
        for start in range(0, len(records), batch):
            request_records = records[start : start + batch]
            groups = [
                (start + offset, request_records[offset : offset + per_command])
                for offset in range(0, len(request_records), per_command)
            ]
            try:
                replies = self._call([build(group) for _, group in groups], idempotent=idempotent, what=what)
            except SppError as exc:
                code = OUTCOME_UNKNOWN if isinstance(exc, SppWriteOutcomeUnknown) else str(exc.code or "")
                results += _failed(request_records, start, code or None, str(exc))
                results += _failed(
                    records[start + batch :], start + batch, NOT_SENT, "not sent: an earlier request failed"
                )
                exc.results = results
                raise
            for (index, group), reply in zip(groups, replies, strict=True):
                results += self._write_results(reply, group, index)
            ok = sum(r.ok for r in results)
            logger.info("SPP %s: %d/%d records done, %d ok", what, len(results), len(records), ok)
        return results

    def _write_results(
        self, reply: xml.CommandReply, group: Sequence[Mapping[str, Any]], first_index: int
    ) -> list[WriteResult]:
        """One result per record of a write command.

        When the reply echoes one element per input object, each element's own ``status`` decides
        (servers that report per-object outcomes); otherwise a non-zero command status fails
        every record of the command, and a zero status passes them all.
        """
        per_object = len(reply.objects) == len(group)
        if reply.status != 0 and not per_object:
            return _failed(
                group,
                first_index,
                str(reply.status),
                self._scrub(describe_status(reply.status, reply.error_text)),
            )
        out: list[WriteResult] = []
        for position, record in enumerate(group):
            echoed = reply.objects[position] if position < len(reply.objects) else {}
            status = reply.object_statuses[position] if per_object else 0
            result = WriteResult(
                ok=status == 0,
                id=echoed.get("id") or _text(record.get("id")),
                external_id=echoed.get("externalid") or _external_id(record),
                index=first_index + position,
            )
            if status != 0:
                result.id = _text(record.get("id"))  # an error element carries no id of its own
                result.code = str(status)
                result.message = self._scrub(describe_status(status, reply.object_errors[position]))
            out.append(result)
        return out

    # -- transport --------------------------------------------------------------------------

    def _call(self, commands: list[etree._Element], *, idempotent: bool, what: str) -> list[xml.CommandReply]:
        """Send ``commands`` after ``<Auth>`` with retries; the replies to ``commands``, in order."""
        body = xml.build_request(self._identity, commands)
        try:
            return self.retry_policy.call(
                lambda: self._attempt(body, len(commands), what), what=what, idempotent=idempotent
            )
        except _Retryable as failure:  # the policy stopped on it: out of attempts, or not replayable
            if failure.executed_maybe and not idempotent:
                raise SppWriteOutcomeUnknown(
                    f"{what}: {failure.error}; the request may have been executed, not retrying "
                    "a non-idempotent write",
                    code=failure.error.code,
                ) from None
            raise failure.error from None

    def _attempt(self, body: bytes, expected: int, what: str) -> list[xml.CommandReply]:
        status_code, content = self._post(body, what)
        if status_code == 429:
            raise _Retryable(SppRateLimited(f"{what}: HTTP 429 rate limited", code=429), executed_maybe=False)
        if status_code >= 500:
            raise _Retryable(
                SppRequestError(f"{what}: HTTP {status_code}", code=status_code), executed_maybe=True
            )
        if status_code in (401, 403):
            raise SppAuthError(f"{what}: HTTP {status_code} from the XML API endpoint", code=status_code)
        if status_code != 200:
            raise SppRequestError(f"{what}: HTTP {status_code}", code=status_code)
        try:
            response = xml.parse_response(content)
        except ValueError as exc:  # malformed XML, DTD refused, not a <response>
            raise SppRequestError(f"{what}: {self._scrub(str(exc))}") from None
        if response.status != 0:
            raise SppRequestError(
                f"{what}: request refused, {self._scrub(describe_status(response.status, response.text))}",
                code=response.status,
            )
        if not response.commands or response.commands[0].name not in ("Auth", "RemoteAuth"):
            raise SppRequestError(f"{what}: response does not start with the Auth reply")
        self._check_auth(response.commands[0], what)
        replies = response.commands[1:]
        if len(replies) != expected:
            raise SppRequestError(f"{what}: sent {expected} commands, got {len(replies)} replies")
        return replies

    def _post(self, body: bytes, what: str) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/xml; charset=utf-8", "Accept": "application/xml"}
        try:
            if httpx is not None and isinstance(self._session, httpx.Client):
                sent = self._session.post(
                    self.endpoint, content=body, headers=headers, timeout=self.timeout_s
                )
                return sent.status_code, sent.content
            reply = self._session.post(self.endpoint, data=body, headers=headers, timeout=self.timeout_s)
            return reply.status_code, reply.content
        except Exception as exc:
            if not _is_transport_error(exc):
                raise
            error = SppRequestError(f"{what}: {type(exc).__name__} talking to {self.endpoint}")
            raise _Retryable(error, executed_maybe=not _never_sent(exc)) from None

    def _check_auth(self, auth: xml.CommandReply, what: str) -> None:
        if auth.status == 0:
            return
        message = f"{what}: login refused, {self._scrub(describe_status(auth.status, auth.error_text))}"
        if auth.status == RATE_LIMIT_CODE:
            # the limit answers on Auth, before any command runs: always safe to retry
            raise _Retryable(SppRateLimited(message, code=auth.status), executed_maybe=False)
        if auth.status == WRONG_DOMAIN_CODE:
            raise SppRequestError(message + "; set base_url to the account-specific domain", code=auth.status)
        if auth.status in AUTH_FAILURE_CODES:
            raise SppAuthError(
                message + "; check company, user, password, API namespace and key", code=auth.status
            )
        raise SppAuthError(message, code=auth.status)

    def _raise_for_command(self, reply: xml.CommandReply, what: str) -> None:
        if reply.status != 0:
            raise SppRequestError(
                f"{what}: {self._scrub(describe_status(reply.status, reply.error_text))}", code=reply.status
            )

    def _scrub(self, text: str) -> str:
        return scrub(text, (self._identity.password, self._identity.api_key))

    def _server_clock(self, when: dt.datetime) -> dt.datetime:
        """``when`` on the server's wall clock (naive values are already taken to be)."""
        if when.tzinfo is None:
            return when
        return when.astimezone(self.server_timezone).replace(tzinfo=None)

    def _localize(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Records with aware datetimes moved to the server's wall clock before serialisation."""
        return [
            {k: self._server_clock(v) if isinstance(v, dt.datetime) else v for k, v in record.items()}
            for record in records
        ]


def _failed(
    records: Sequence[Mapping[str, Any]], first_index: int, code: str | None, message: str
) -> list[WriteResult]:
    return [
        WriteResult(
            ok=False,
            id=_text(record.get("id")),
            external_id=_external_id(record),
            code=code,
            message=message,
            index=first_index + position,
        )
        for position, record in enumerate(records)
    ]


def _all_have_external_ids(records: Sequence[Mapping[str, Any]]) -> bool:
    # an upsert only replays safely for records it can find again: one without an
    # externalid is a plain create, and a second attempt would duplicate it
    return all(_external_id(record) for record in records)


def _external_id(record: Mapping[str, Any]) -> str | None:
    return _text(record.get("externalid"))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _is_transport_error(exc: Exception) -> bool:
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return True
    return httpx is not None and isinstance(exc, httpx.TransportError)


def _never_sent(exc: Exception) -> bool:
    """True when the connection failed before the request left, so the server ran nothing."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if httpx is not None and isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        from urllib3.exceptions import NewConnectionError

        reason = getattr(exc.args[0], "reason", exc.args[0])
        return isinstance(reason, NewConnectionError)
    return False


def _first_sightings(objects: Iterable[dict[str, str]], seen: set[str]) -> Iterator[dict[str, str]]:
    """Objects whose ``id`` has not been yielded before (``seen`` is updated)."""
    for obj in objects:
        key = obj.get("id")
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        yield obj
