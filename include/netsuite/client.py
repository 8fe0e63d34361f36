"""NetSuite SuiteTalk SOAP client (zeep), usable with or without Airflow.

Design points (reference: netsuite-suitetalk-soap.md §2, §5, §10–13):

* Nothing touches the network in ``__init__``; the zeep client is built on first use, and the
  parsed WSDL is shared per process per URL (building it costs ~0.3 s and ~60 MB).
* Every HTTP request carries a freshly signed TokenPassport, retries included.
* Transient request-level failures are retried with jittered exponential backoff (the shared
  :class:`include.retry.RetryPolicy`). Writes are made safe to retry: ``upsert_list`` (externalId)
  and ``update_list``/``delete_list`` (ids) are idempotent; ``add_list`` never re-sends blindly
  after a lost response but first looks up the records by externalId and re-sends only the
  missing ones.
* WSDL version ``2025_2`` by default; ``2023_2`` is still supported. Without an explicit
  ``version``, an endpoint that names one (``.../NetSuitePort_2023_2``) decides.
* Per-record outcomes come back as :class:`WriteResult` in input order; only whole-request
  failures raise (:mod:`include.netsuite.errors`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3
import zeep
import zeep.exceptions
from lxml import etree
from zeep.cache import InMemoryCache, SqliteCache
from zeep.proxy import ServiceProxy
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.xsd import CompoundValue

from include.netsuite.documents import DocumentCodec, SchemaTypes, as_utc, to_document
from include.netsuite.errors import (
    NetSuiteError,
    NetSuiteOutcomeUnknownError,
    NetSuiteStatusError,
    NetSuiteTransportError,
    fault_from_parts,
    is_outcome_unknown,
    is_retryable,
    redact,
)
from include.netsuite.passport import TbaCredentials, build_passport
from include.netsuite.record_types import binding_qname, record_type_info
from include.netsuite.search import SearchCriteria, build_search, check_page_size
from include.results import WriteResult
from include.retry import RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")

# Request limits per call (reference §11.1)
GET_LIST_LIMIT = 1000
ADD_LIST_LIMIT = 200
UPDATE_LIST_LIMIT = 100
UPSERT_LIST_LIMIT = 100
DELETE_LIST_LIMIT = 200
WSDL_CACHE_TIMEOUT_S = 7 * 24 * 3600  # a WSDL version never changes once published
DEFAULT_VERSION = "2025_2"
_ENDPOINT_VERSION = re.compile(r"/NetSuitePort_(\d{4}_\d)/?$")

_WSDL_DOCUMENTS: dict[str, Document] = {}
_WSDL_LOCK = threading.Lock()


def account_host(account: str) -> str:
    """The account's host label: ``123456_SB1`` -> ``123456-sb1``."""
    return account.strip().lower().replace("_", "-")


def default_endpoint(account: str, version: str) -> str:
    """The account-specific SOAP endpoint for a WSDL version."""
    return f"https://{account_host(account)}.suitetalk.api.netsuite.com/services/NetSuitePort_{version}"


def endpoint_version(endpoint: str | None) -> str | None:
    """The WSDL version an endpoint URL names (``.../NetSuitePort_2023_2`` -> ``2023_2``), if any."""
    match = _ENDPOINT_VERSION.search(urlsplit(endpoint).path) if endpoint else None
    return match.group(1) if match else None


def netsuite_retry_policy(*, max_retries: int = 6, base_s: float = 1.0, max_s: float = 60.0) -> RetryPolicy:
    """The shared policy with NetSuite's classification and full jitter (Oracle: avoid retrying in
    step across threads).

    Transient faults, concurrency refusals, lost responses and HTTP 5xx/429 are retried; a lost
    response (or an internal error) of a non-idempotent write is not.
    """
    return RetryPolicy(
        retryable=is_retryable,
        outcome_unknown=is_outcome_unknown,
        max_retries=max_retries,
        base_s=base_s,
        max_s=max_s,
        jitter=1.0,
        logger=log,
        label="NetSuite",
    )


def wsdl_url_for(endpoint: str, version: str) -> str:
    """The WSDL URL served by the host of ``endpoint``."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}/wsdl/v{version}_0/netsuite.wsdl"


# zeep ships py.typed but annotates few of its functions, so calls into it are marked
# ``type: ignore[no-untyped-call]`` one by one (mypy's exclusion for that is a global setting).


def wsdl_cache(path: str | None) -> InMemoryCache | SqliteCache:
    """A zeep cache for WSDL/XSD downloads: SQLite at ``path`` when writable, else in memory.

    Read-only hosts (containers, some workers) cannot open the SQLite file; that must not stop the
    client, it only costs a download per process.
    """
    if not path:
        return InMemoryCache()  # type: ignore[no-untyped-call]
    try:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        cache = SqliteCache(  # type: ignore[no-untyped-call]
            path=str(Path(path).expanduser()), timeout=WSDL_CACHE_TIMEOUT_S
        )
        # the file may exist yet be read-only
        cache.add("netsuite-client://write-probe", b"ok")  # type: ignore[no-untyped-call]
        return cache
    except (OSError, sqlite3.Error) as exc:
        log.warning("WSDL cache %s is not writable (%s); using an in-memory cache", path, exc)
        return InMemoryCache()  # type: ignore[no-untyped-call]


def load_wsdl(url: str, transport: Transport, settings: zeep.Settings) -> Document:
    """The parsed WSDL at ``url``, loaded once per process."""
    with _WSDL_LOCK:
        document = _WSDL_DOCUMENTS.get(url)
        if document is None:
            # zeep annotates ``transport`` as a class, but takes (and needs) an instance
            document = _WSDL_DOCUMENTS[url] = Document(
                url,
                transport,  # type: ignore[arg-type]
                settings=settings,
            )
        return document


class NetSuiteClient:
    """SuiteTalk SOAP operations on one NetSuite account with token-based authentication."""

    def __init__(
        self,
        account: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        *,
        version: str | None = None,
        endpoint: str | None = None,
        wsdl_url: str | None = None,
        operation_timeout_s: float = 300,
        max_retries: int = 6,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60,
        page_size: int = 1000,
        wsdl_cache_path: str | None = None,
    ) -> None:
        """Store settings only (no network).

        :param account: account id as NetSuite shows it (``123456_SB1`` for a sandbox).
        :param version: WSDL version with underscore (``2025_2``, ``2023_2``); default: the one the
            ``endpoint`` names (``.../NetSuitePort_2023_2``), else ``2025_2``.
        :param endpoint: SOAP URL override (an emulator, a proxy); default: the account domain.
        :param wsdl_url: WSDL override; default: ``/wsdl/v{version}_0/netsuite.wsdl`` on the endpoint host.
        :param operation_timeout_s: HTTP timeout of each SOAP call (zeep waits forever otherwise).
        :param max_retries: retries of a transient failure (attempts = retries + 1).
        :param backoff_base_s: ceiling of the first retry's delay (doubling per retry, full jitter).
        :param backoff_max_s: the largest delay ceiling.
        :param page_size: default search page size (5–1000).
        :param wsdl_cache_path: SQLite file caching WSDL/XSD downloads across processes.
        """
        self._credentials = TbaCredentials(account, consumer_key, consumer_secret, token_id, token_secret)
        self.account = account
        named = endpoint_version(endpoint)
        self.version = version or named or DEFAULT_VERSION
        if named and named != self.version:
            log.warning(
                "NetSuite endpoint %s names WSDL version %s, the client uses %s",
                endpoint,
                named,
                self.version,
            )
        self.endpoint = endpoint or default_endpoint(account, self.version)
        self.wsdl_url = wsdl_url or wsdl_url_for(self.endpoint, self.version)
        self.operation_timeout_s = operation_timeout_s
        self.page_size = check_page_size(page_size)
        self.wsdl_cache_path = wsdl_cache_path
        self.retry_policy = netsuite_retry_policy(
            max_retries=max_retries, base_s=backoff_base_s, max_s=backoff_max_s
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> NetSuiteClient:
        """A client from ``NETSUITE_*`` variables.

        Required: NETSUITE_ACCOUNT, NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID,
        NETSUITE_TOKEN_SECRET. Optional: NETSUITE_ENDPOINT, NETSUITE_WSDL_URL, NETSUITE_WSDL_VERSION,
        NETSUITE_WSDL_CACHE_PATH. Keyword ``overrides`` win over the environment.
        """
        env = os.environ if environ is None else environ
        names = {
            "account": "NETSUITE_ACCOUNT",
            "consumer_key": "NETSUITE_CONSUMER_KEY",
            "consumer_secret": "NETSUITE_CONSUMER_SECRET",
            "token_id": "NETSUITE_TOKEN_ID",
            "token_secret": "NETSUITE_TOKEN_SECRET",
        }
        missing = [var for key, var in names.items() if key not in overrides and not env.get(var)]
        if missing:
            raise ValueError(f"missing environment variables: {', '.join(missing)}")
        kwargs: dict[str, Any] = {key: env.get(var) for key, var in names.items()}
        optional = {
            "endpoint": "NETSUITE_ENDPOINT",
            "wsdl_url": "NETSUITE_WSDL_URL",
            "version": "NETSUITE_WSDL_VERSION",
            "wsdl_cache_path": "NETSUITE_WSDL_CACHE_PATH",
        }
        kwargs.update({key: env[var] for key, var in optional.items() if env.get(var)})
        kwargs.update(overrides)
        return cls(**kwargs)

    def __repr__(self) -> str:
        return (
            f"NetSuiteClient(account={self.account!r}, version={self.version!r}, endpoint={self.endpoint!r})"
        )

    # -- lazily built zeep machinery ----------------------------------------------------------
    @functools.cached_property
    def _zeep(self) -> zeep.Client:
        settings = zeep.Settings(strict=True, xml_huge_tree=True)
        transport = Transport(  # type: ignore[no-untyped-call]
            cache=wsdl_cache(self.wsdl_cache_path),
            timeout=self.operation_timeout_s,  # WSDL/XSD loading
            operation_timeout=self.operation_timeout_s,  # SOAP calls (default: wait forever)
        )
        document = self.retry_policy.call(
            lambda: self._guard("wsdl", lambda: load_wsdl(self.wsdl_url, transport, settings)),
            what="load WSDL",
        )
        return zeep.Client(document, transport=transport, settings=settings)  # type: ignore[no-untyped-call]

    @functools.cached_property
    def _service(self) -> ServiceProxy:
        # the WSDL's address is the generic host; the account domain (or an emulator) is the target
        service: ServiceProxy = self._zeep.create_service(  # type: ignore[no-untyped-call]
            binding_qname(self.version), self.endpoint
        )
        return service

    @functools.cached_property
    def types(self) -> SchemaTypes:
        """zeep types of this client's WSDL version, by module and name."""
        return SchemaTypes(self._zeep, self.version)

    @functools.cached_property
    def codec(self) -> DocumentCodec:
        """Document <-> zeep record conversion for this client's schema."""
        return DocumentCodec(self.types)

    # -- request plumbing ---------------------------------------------------------------------
    def _passport(self) -> CompoundValue:
        passport = build_passport(self._credentials)
        signature = self.types.core("TokenPassportSignature")(
            passport.signature, algorithm=passport.algorithm
        )
        return self.types.core("TokenPassport")(
            account=passport.account,
            consumerKey=passport.consumer_key,
            token=passport.token,
            nonce=passport.nonce,
            timestamp=passport.timestamp,
            signature=signature,
        )

    def _send_once(self, operation: str, search_preferences: CompoundValue | None = None, **body: Any) -> Any:
        """One SOAP request; its response body (zeep objects shaped by the operation)."""
        headers = {"tokenPassport": self._passport()}  # fresh per HTTP request
        if search_preferences is not None:
            headers["searchPreferences"] = search_preferences
        method = getattr(self._service, operation)
        result = self._guard(operation, lambda: method(**body, _soapheaders=headers))
        return getattr(result, "body", result)

    def _call(
        self,
        operation: str,
        *,
        idempotent: bool = True,
        search_preferences: CompoundValue | None = None,
        **body: Any,
    ) -> Any:
        """Send with retries; a lost response is re-sent only when ``idempotent``."""
        return self.retry_policy.call(
            lambda: self._send_once(operation, search_preferences, **body),
            what=operation,
            idempotent=idempotent,
        )

    def _guard(self, operation: str, call: Callable[[], T]) -> T:
        """Run ``call`` and translate zeep/requests failures into NetSuite errors without secrets."""
        secrets = self._credentials.secrets
        try:
            return call()
        except zeep.exceptions.Fault as fault:
            detail_name, code = _fault_detail(fault.detail)
            raise fault_from_parts(
                redact(str(fault.message or ""), secrets), code=code, detail=detail_name, operation=operation
            ) from None
        except zeep.exceptions.TransportError as exc:
            raise NetSuiteTransportError(
                f"HTTP {exc.status_code} without a SOAP answer",
                status_code=exc.status_code,
                operation=operation,
            ) from None
        except requests.exceptions.ConnectionError as exc:
            sent = not _never_connected(exc)
            kind = "connection lost" if sent else "could not connect"
            raise NetSuiteTransportError(
                f"{kind} ({type(exc).__name__})", outcome_unknown=sent, operation=operation
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise NetSuiteTransportError(
                f"no answer within {self.operation_timeout_s}s", outcome_unknown=True, operation=operation
            ) from exc
        except (zeep.exceptions.XMLParseError, etree.XMLSyntaxError) as exc:
            raise NetSuiteError(
                redact(f"unreadable SOAP response: {exc}", secrets), code="BAD_RESPONSE", operation=operation
            ) from None

    # -- operations ---------------------------------------------------------------------------
    def server_time(self) -> dt.datetime:
        """NetSuite's clock (aware UTC); a cheap authenticated round trip, good for connection tests."""
        body = self._call("getServerTime")
        result = body.getServerTimeResult
        _check_status(result.status, "getServerTime")
        return as_utc(result.serverTime)

    def test_connection(self) -> tuple[bool, str]:
        """``(ok, message)`` for a UI "Test connection" button."""
        try:
            return True, f"NetSuite server time {self.server_time().isoformat()}"
        except NetSuiteError as exc:
            return False, str(exc)

    def search(
        self,
        record_type: str,
        *,
        modified_after: dt.datetime | None = None,
        modified_before: dt.datetime | None = None,
        modified_on_or_after: dt.datetime | None = None,
        internal_ids: Sequence[str] | None = None,
        external_ids: Sequence[str] | None = None,
        is_inactive: bool | None = None,
        custom_booleans: Mapping[str, bool] | None = None,
        transaction_types: list[str] | None = None,
        custom_record_type_id: str | None = None,
        page_size: int | None = None,
        body_fields_only: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Yield the records matching a basic search, page by page, each internalId once.

        Pages after the first come from ``searchMoreWithId`` (1-based, from page 2). NetSuite re-runs
        the query for every page, so records can shift between pages: results are de-duplicated,
        and a fixed ``modified_before`` (taken at run start) keeps the set stable. An expired
        searchId (``INVALID_JOB_ID``) restarts the search once. ``body_fields_only=True`` skips
        sublists (faster).

        Custom records need ``custom_record_type_id``: the custom record type's internalId (``"101"``,
        sent as a RecordRef) or scriptId (``"customrecord_…"``, sent as a CustomizationRef); their
        custom field values come back typed (str, float, int, bool, aware datetime, ref dict).
        Writing them: ``upsert_list("customRecord", [{"recType": {"internalId": "101"} or
        {"scriptId": "customrecord_…"}, "externalId": …, "name": …, "customFieldList": {…}}])``.
        """
        info = record_type_info(record_type)
        criteria = SearchCriteria(
            modified_after=modified_after,
            modified_on_or_after=modified_on_or_after,
            modified_before=modified_before,
            internal_ids=list(internal_ids) if internal_ids else None,
            external_ids=list(external_ids) if external_ids else None,
            is_inactive=is_inactive,
            custom_booleans=custom_booleans,
            transaction_types=transaction_types,
            custom_record_type_id=custom_record_type_id,
        )
        search_record = build_search(self.types, info, criteria)
        preferences = self.types.messages("SearchPreferences")(
            bodyFieldsOnly=body_fields_only,
            returnSearchColumns=False,
            pageSize=check_page_size(page_size or self.page_size),
        )
        stamp_field = "lastModified" if record_type == "customRecord" else "lastModifiedDate"
        # everything above runs now (bad arguments fail at the call); the paging below runs lazily
        return self._iterate_search(record_type, search_record, preferences, criteria, stamp_field)

    def _iterate_search(
        self,
        record_type: str,
        search_record: CompoundValue,
        preferences: CompoundValue,
        criteria: SearchCriteria,
        stamp_field: str,
    ) -> Iterator[dict[str, Any]]:
        seen: set[str] = set()
        restarted = False
        while True:
            try:
                for record in self._search_pages(search_record, preferences):
                    key = record.get("internalId")
                    if key is not None and key in seen:
                        continue
                    if key is not None:
                        seen.add(key)
                    if criteria.keeps(record.get(stamp_field)):
                        yield record
                return
            except NetSuiteError as exc:
                if exc.code != "INVALID_JOB_ID" or restarted:
                    raise
                restarted = True  # the searchId expired (15 min unused): run the query again
                log.warning("NetSuite search of %s expired mid-paging; restarting it once", record_type)

    def _search_pages(
        self, search_record: CompoundValue, preferences: CompoundValue
    ) -> Iterator[dict[str, Any]]:
        body = self._call("search", search_preferences=preferences, searchRecord=search_record)
        result = body.searchResult
        _check_status(result.status, "search")
        yield from _records_of(result)
        total_pages = result.totalPages or 1
        for page in range(2, total_pages + 1):
            body = self._call(
                "searchMoreWithId", search_preferences=preferences, searchId=result.searchId, pageIndex=page
            )
            page_result = body.searchResult
            _check_status(page_result.status, "searchMoreWithId")
            yield from _records_of(page_result)

    def get_list(
        self,
        record_type: str,
        internal_ids: Sequence[str] | None = None,
        external_ids: Sequence[str] | None = None,
        *,
        custom_record_type_id: str | None = None,
    ) -> list[dict[str, Any] | None]:
        """The records for the given ids, in order (internal ids first); ``None`` where none exists."""
        refs = [
            self.codec.record_ref(
                record_type, internal_id=str(i), custom_record_type_id=custom_record_type_id
            )
            for i in internal_ids or []
        ] + [
            self.codec.record_ref(
                record_type, external_id=str(e), custom_record_type_id=custom_record_type_id
            )
            for e in external_ids or []
        ]
        out: list[dict[str, Any] | None] = []
        for start in range(0, len(refs), GET_LIST_LIMIT):
            chunk = refs[start : start + GET_LIST_LIMIT]
            body = self._call("getList", baseRef=chunk)
            responses = _list_items(body.readResponseList, "readResponse", "getList", len(chunk))
            for response in responses:
                if response.status is not None and response.status.isSuccess and response.record is not None:
                    out.append(to_document(response.record))
                else:
                    code, message = _first_detail(response.status)
                    if code not in (None, "RCRD_DSNT_EXIST"):
                        log.warning("NetSuite getList of %s: %s %s", record_type, code, message)
                    out.append(None)
        return out

    def upsert_list(self, record_type: str, docs: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Create or update records matched by externalId (required; internalId is not allowed).

        Idempotent, so lost responses are simply retried.
        """
        for index, doc in enumerate(docs):
            if not doc.get("externalId"):
                raise ValueError(f"upsert_list({record_type}): document #{index} has no externalId")
            if doc.get("internalId"):
                raise ValueError(
                    f"upsert_list({record_type}): document #{index} has an internalId; "
                    "upsert matches on externalId"
                )
        return self._write_chunks("upsertList", record_type, docs, UPSERT_LIST_LIMIT, idempotent=True)

    def update_list(self, record_type: str, docs: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update existing records identified by internalId or externalId (idempotent)."""
        for index, doc in enumerate(docs):
            if not (doc.get("internalId") or doc.get("externalId")):
                raise ValueError(
                    f"update_list({record_type}): document #{index} has neither internalId nor externalId"
                )
        return self._write_chunks("updateList", record_type, docs, UPDATE_LIST_LIMIT, idempotent=True)

    def add_list(self, record_type: str, docs: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Create records.

        ``add`` is not idempotent: after a lost response (or an internal error) the outcome is
        unknown, so instead of re-sending, the records are looked up by externalId and only the
        missing ones are sent again. Without externalIds that check is impossible and
        :class:`NetSuiteOutcomeUnknownError` is raised. Prefer :meth:`upsert_list`.
        """
        results: list[WriteResult | None] = [None] * len(docs)
        for start in range(0, len(docs), ADD_LIST_LIMIT):
            pending = list(enumerate(docs[start : start + ADD_LIST_LIMIT], start))
            self._add_verified(record_type, pending, results)
        return [r for r in results if r is not None]

    def _add_verified(
        self,
        record_type: str,
        pending: list[tuple[int, Mapping[str, Any]]],
        results: list[WriteResult | None],
    ) -> None:
        """One ``addList`` chunk under the retry policy, checking by externalId after a lost response.

        Each attempt sends the request once. After a lost response (or an internal error) the next
        attempt first looks the records up by externalId and sends only those not found, so the
        re-send cannot duplicate; records without an externalId make that impossible and raise
        :class:`NetSuiteOutcomeUnknownError` instead. Errors of the look-up itself end the call.
        """
        lost = False  # the previous attempt's outcome is unknown: check before sending again
        written: list[WriteResult] = []
        for attempt in self.retry_policy.retrying(f"addList of {record_type}", idempotent=True):
            if lost:
                pending = self._confirm_created(record_type, pending, results)
                if not pending:
                    return
            with attempt:
                try:
                    written = self._write_once("addList", record_type, pending, retry=False)
                except NetSuiteError as exc:
                    lost = exc.outcome_unknown and exc.transient
                    missing_ext = [i for i, doc in pending if not doc.get("externalId")]
                    if lost and missing_ext:
                        raise NetSuiteOutcomeUnknownError(
                            f"addList of {record_type} failed with an unknown outcome ({exc}); records "
                            f"{missing_ext[:10]} have no externalId, so they were not re-sent",
                            code=exc.code,
                            operation="addList",
                        ) from exc
                    raise
        for result in written:
            results[result.index] = result

    def _confirm_created(
        self,
        record_type: str,
        pending: list[tuple[int, Mapping[str, Any]]],
        results: list[WriteResult | None],
    ) -> list[tuple[int, Mapping[str, Any]]]:
        """Record as created what NetSuite has by externalId; the records still to send."""
        found = self.get_list(record_type, external_ids=[str(doc["externalId"]) for _, doc in pending])
        still_missing = []
        for (index, doc), record in zip(pending, found, strict=True):
            if record is None:
                still_missing.append((index, doc))
            else:
                results[index] = WriteResult(
                    ok=True,
                    id=record.get("internalId"),
                    external_id=str(doc["externalId"]),
                    message="created; confirmed by externalId after the response was lost",
                    index=index,
                )
        log.info(
            "NetSuite addList of %s: %d of %d already created",
            record_type,
            len(pending) - len(still_missing),
            len(pending),
        )
        return still_missing

    def delete_list(
        self,
        record_type: str,
        internal_ids: Sequence[str] | None = None,
        external_ids: Sequence[str] | None = None,
        *,
        custom_record_type_id: str | None = None,
    ) -> list[WriteResult]:
        """Delete records by id (internal ids first, then external ids), one result per id.

        A delete re-sent after a lost response reports ``RCRD_DSNT_EXIST`` for records the lost
        request already deleted.
        """
        pairs = [(str(i), None) for i in internal_ids or []] + [(None, str(e)) for e in external_ids or []]
        results: list[WriteResult] = []
        for start in range(0, len(pairs), DELETE_LIST_LIMIT):
            chunk = pairs[start : start + DELETE_LIST_LIMIT]
            refs = [
                self.codec.record_ref(
                    record_type, internal_id=i, external_id=e, custom_record_type_id=custom_record_type_id
                )
                for i, e in chunk
            ]
            body = self._call("deleteList", baseRef=refs)
            responses = _list_items(body.writeResponseList, "writeResponse", "deleteList", len(chunk))
            for offset, (response, (iid, ext)) in enumerate(zip(responses, chunk, strict=True)):
                results.append(_write_result(response, start + offset, iid, ext))
        return results

    def get_deleted(
        self, since: dt.datetime, record_type: str, *, until: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """Deletions of ``record_type`` after ``since`` (and before ``until``), all pages.

        Each item: ``{"internalId", "externalId"?, "type", "deletedDate", "name"?}``.
        """
        core = self.types.core
        date_field = (
            core("SearchDateField")(operator="within", searchValue=as_utc(since), searchValue2=as_utc(until))
            if until is not None
            else core("SearchDateField")(operator="after", searchValue=as_utc(since))
        )
        deleted_filter = core("GetDeletedFilter")(
            deletedDate=date_field,
            type=core("SearchEnumMultiSelectField")(operator="anyOf", searchValue=[record_type]),
        )
        out: list[dict[str, Any]] = []
        page, total_pages = 1, 1
        while page <= total_pages:
            body = self._call("getDeleted", getDeletedFilter=deleted_filter, pageIndex=page)
            result = body.getDeletedResult
            _check_status(result.status, "getDeleted")
            total_pages = result.totalPages or 1
            deleted = result.deletedRecordList.deletedRecord if result.deletedRecordList is not None else []
            for item in deleted or []:
                entry = to_document(item.record)
                entry.setdefault("type", record_type)
                if item.deletedDate is not None:
                    entry["deletedDate"] = as_utc(item.deletedDate)
                out.append(entry)
            page += 1
        return out

    # -- write helpers ------------------------------------------------------------------------
    def _write_chunks(
        self,
        operation: str,
        record_type: str,
        docs: Sequence[Mapping[str, Any]],
        limit: int,
        *,
        idempotent: bool,
    ) -> list[WriteResult]:
        results: list[WriteResult] = []
        for start in range(0, len(docs), limit):
            pending = list(enumerate(docs[start : start + limit], start))
            results.extend(self._write_once(operation, record_type, pending, idempotent=idempotent))
        return results

    def _write_once(
        self,
        operation: str,
        record_type: str,
        pending: list[tuple[int, Mapping[str, Any]]],
        *,
        idempotent: bool = True,
        retry: bool = True,
    ) -> list[WriteResult]:
        """One list write of ``pending``: under the retry policy (a lost response re-sent only when
        ``idempotent``), or exactly one request (``retry=False``)."""
        records = [self.codec.to_record(record_type, doc) for _, doc in pending]
        if retry:
            body = self._call(operation, idempotent=idempotent, record=records)
        else:
            body = self._send_once(operation, record=records)
        responses = _list_items(body.writeResponseList, "writeResponse", operation, len(records))
        return [
            _write_result(response, index, doc.get("internalId"), doc.get("externalId"))
            for response, (index, doc) in zip(responses, pending, strict=True)
        ]


# -- response helpers ----------------------------------------------------------------------------
def _fault_detail(detail: etree._Element | None) -> tuple[str | None, str | None]:
    """(local name of the platformFaults element, its code) from a Fault's ``<detail>``."""
    if detail is None:
        return None, None
    for child in detail:
        if not isinstance(child.tag, str) or not child.tag.startswith("{urn:faults_"):
            continue  # e.g. Axis' hostname
        name = etree.QName(child).localname
        code = None
        for sub in child:
            if isinstance(sub.tag, str) and etree.QName(sub).localname == "code":
                code = (sub.text or "").strip() or None
        return name, code
    return None, None


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the TCP connection was never made, so NetSuite cannot have seen the request."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _first_detail(status: Any) -> tuple[str | None, str | None]:
    details = list(getattr(status, "statusDetail", None) or [])
    if not details:
        return None, None
    errors = [d for d in details if (d.type or "ERROR") == "ERROR"]
    chosen = (errors or details)[0]
    return chosen.code, chosen.message


def _check_status(status: Any, operation: str) -> None:
    if status is not None and status.isSuccess is False:
        code, message = _first_detail(status)
        raise NetSuiteStatusError(message or "request failed", code=code, operation=operation)


def _list_items(container: Any, name: str, operation: str, expected: int) -> list[Any]:
    if container is None:
        raise NetSuiteError("response without a result list", code="BAD_RESPONSE", operation=operation)
    _check_status(container.status, operation)
    items = list(getattr(container, name) or [])
    if len(items) != expected:
        # results are matched to inputs by position, so a count mismatch makes them unusable
        raise NetSuiteError(
            f"{len(items)} results for {expected} records", code="BAD_RESPONSE", operation=operation
        )
    return items


def _records_of(result: Any) -> Iterator[dict[str, Any]]:
    record_list = result.recordList
    for record in (record_list.record if record_list is not None else None) or []:
        yield to_document(record)


def _write_result(response: Any, index: int, internal_id: Any, external_id: Any) -> WriteResult:
    status = response.status
    ok = bool(status is not None and status.isSuccess)
    code, message = _first_detail(status)
    ref = response.baseRef
    ref_id = getattr(ref, "internalId", None) if ref is not None else None
    ref_ext = getattr(ref, "externalId", None) if ref is not None else None
    return WriteResult(
        ok=ok,
        id=ref_id or (str(internal_id) if internal_id else None),
        external_id=ref_ext or (str(external_id) if external_id else None),
        code=code,
        message=message,
        index=index,
    )


__all__ = [
    "DEFAULT_VERSION",
    "NetSuiteClient",
    "account_host",
    "default_endpoint",
    "endpoint_version",
    "load_wsdl",
    "netsuite_retry_policy",
    "wsdl_cache",
    "wsdl_url_for",
]
