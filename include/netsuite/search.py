"""Building basic-search criteria (``XxxSearch`` wrapper + ``platformCommon:XxxSearchBasic``).

Incremental reads filter on the SearchBasic's modification date, whose name differs per type
(``lastModified`` for timeBill and customRecord, ``lastModifiedDate`` elsewhere, none for
expenseCategory). A SearchDateField carries one operator, so a two-sided window is sent as
``within`` (inclusive at both ends) and :class:`SearchCriteria.keeps` trims the bounds that were
asked to be exclusive from the records that carry the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from zeep.xsd import CompoundValue

from include.netsuite.documents import SchemaTypes, as_utc
from include.netsuite.record_types import RecordTypeInfo

MIN_PAGE_SIZE = 5
MAX_PAGE_SIZE = 1000  # synchronous search limit


@dataclass
class SearchCriteria:
    """What to search for; every filter is optional (no filter = every record of the type)."""

    modified_after: dt.datetime | None = None
    modified_on_or_after: dt.datetime | None = None
    modified_before: dt.datetime | None = None
    internal_ids: list[str] | None = None
    external_ids: list[str] | None = None
    is_inactive: bool | None = None
    custom_booleans: Mapping[str, bool] | None = None
    transaction_types: list[str] | None = None
    custom_record_type_id: str | None = None
    _lower: tuple[str, dt.datetime] | None = field(default=None, init=False, repr=False)
    _upper: dt.datetime | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.modified_after is not None and self.modified_on_or_after is not None:
            raise ValueError("give modified_after or modified_on_or_after, not both")
        if self.modified_after is not None:
            self._lower = ("after", as_utc(self.modified_after))
        elif self.modified_on_or_after is not None:
            self._lower = ("onOrAfter", as_utc(self.modified_on_or_after))
        self._upper = as_utc(self.modified_before) if self.modified_before is not None else None
        if self._lower and self._upper and self._upper <= self._lower[1]:
            raise ValueError("modified_before must be later than the lower bound")

    @property
    def has_date_filter(self) -> bool:
        return self._lower is not None or self._upper is not None

    def keeps(self, stamp: dt.datetime | None) -> bool:
        """False for a record outside the exclusive bounds ``within`` could not express."""
        if stamp is None or not (self._lower and self._upper):
            return True
        stamp = as_utc(stamp)
        if self._lower[0] == "after" and stamp <= self._lower[1]:
            return False
        return stamp < self._upper


def build_search(types: SchemaTypes, info: RecordTypeInfo, criteria: SearchCriteria) -> CompoundValue:
    """The zeep ``searchRecord`` (wrapper with ``basic``) for ``criteria`` on ``info``'s type."""
    basic_type = types.get("common", info.basic_name)
    fields = dict(basic_type.elements)
    core = types.core
    kwargs: dict[str, CompoundValue] = {}

    def need(name: str, what: str) -> None:
        if name not in fields:
            raise ValueError(
                f"{info.record_type} cannot be searched by {what} ({info.basic_name} has no {name})"
            )

    if info.record_type == "customRecord":
        if not criteria.custom_record_type_id:
            raise ValueError("searching custom records needs custom_record_type_id (recType)")
        kwargs["recType"] = custom_record_type_ref(types, str(criteria.custom_record_type_id))
    if criteria.has_date_filter:
        if info.modified_field is None:
            raise ValueError(f"{info.record_type} has no modification date to search on; read it in full")
        kwargs[info.modified_field] = _date_field(types, criteria)
    if criteria.internal_ids:
        kwargs["internalId"] = _multi_select(types, [{"internalId": str(i)} for i in criteria.internal_ids])
    if criteria.external_ids:
        kwargs["externalId"] = _multi_select(types, [{"externalId": str(e)} for e in criteria.external_ids])
    if criteria.is_inactive is not None:
        need("isInactive", "isInactive")
        kwargs["isInactive"] = core("SearchBooleanField")(searchValue=criteria.is_inactive)
    type_values = list(criteria.transaction_types or info.search_type_values)
    if type_values:
        need("type", "type")
        kwargs["type"] = core("SearchEnumMultiSelectField")(operator="anyOf", searchValue=type_values)
    if criteria.custom_booleans:
        custom = [
            core("SearchBooleanCustomField")(scriptId=script_id, searchValue=bool(value))
            for script_id, value in criteria.custom_booleans.items()
        ]
        kwargs["customFieldList"] = core("SearchCustomFieldList")(customField=custom)
    basic = basic_type(**kwargs)
    return types.get(info.search_module, info.search_name)(basic=basic)


def custom_record_type_ref(types: SchemaTypes, type_id: str) -> CompoundValue:
    """``recType`` of a custom record search: RecordRef by internalId, or CustomizationRef by scriptId."""
    if type_id.isdigit():
        return types.core("RecordRef")(internalId=type_id)
    return types.core("CustomizationRef")(scriptId=type_id)


def _date_field(types: SchemaTypes, criteria: SearchCriteria) -> CompoundValue:
    field_type = types.core("SearchDateField")
    lower, upper = criteria._lower, criteria._upper
    if lower and upper:
        return field_type(operator="within", searchValue=lower[1], searchValue2=upper)
    if lower:
        return field_type(operator=lower[0], searchValue=lower[1])
    return field_type(operator="before", searchValue=upper)


def _multi_select(types: SchemaTypes, refs: Iterable[dict[str, str]]) -> CompoundValue:
    record_ref = types.core("RecordRef")
    values = [record_ref(**ref) for ref in refs]
    return types.core("SearchMultiSelectField")(operator="anyOf", searchValue=values)


def check_page_size(page_size: int) -> int:
    """``page_size`` if NetSuite accepts it for a synchronous search, else ValueError."""
    if not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"search page size must be {MIN_PAGE_SIZE}..{MAX_PAGE_SIZE}, got {page_size}")
    return page_size
