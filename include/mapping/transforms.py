"""Named value transforms for a field (``transform: upper`` or ``{name: truncate, args: [50]}``).

Each transform is a plain function ``func(value, *args, **kwargs) -> value`` applied to one value; some
also have a vectorised form over a pandas Series, used by the transform engine when present. They return
Python values (str, bool, float, date, datetime, Duration dict); the engine then shapes the result for the
target system (SPP strings, NetSuite typed values), so ``date`` works for both directions.

A transform raises ``ValueError`` for a value it cannot handle; the engine turns that into a per-record
error. Missing values (None) pass through unchanged, except in ``default`` and ``concat``.

This module imports nothing heavy: the loader uses :data:`TRANSFORMS` to check names and arguments at
DAG-parse time.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}
_NO_DEFAULT = object()


@dataclass(frozen=True)
class ValueTransform:
    """A registered transform: the element-wise function, an optional vectorised one, and its doc."""

    name: str
    func: Callable[..., Any]
    series: Callable[..., Any] | None = None
    # Names of arguments holding source field paths (e.g. concat's ``fields``): the engine passes the
    # values of those fields instead of the paths, and the loader counts them as fields read.
    field_args: tuple[str, ...] = ()

    def signature_problem(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
        """Why ``args``/``kwargs`` do not fit this transform, or None."""
        try:
            inspect.signature(self.func).bind(None, *args, **kwargs)
        except TypeError as exc:
            return f"transform {self.name!r}: {exc} (signature: {self.usage()})"
        return None

    def bind(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Arguments by parameter name (positionals bound by the signature); TypeError if they do not fit."""
        bound = inspect.signature(self.func).bind(None, *args, **kwargs)
        first = next(iter(inspect.signature(self.func).parameters))
        return {name: value for name, value in bound.arguments.items() if name != first}

    def usage(self) -> str:
        """The transform's arguments as written in a mapping, e.g. ``truncate(length)``."""
        params = list(inspect.signature(self.func).parameters.values())[1:]
        shown = [
            p.name if p.default is inspect.Parameter.empty else f"{p.name}={_show(p.default)}" for p in params
        ]
        return f"{self.name}({', '.join(shown)})"


def _show(value: Any) -> str:
    return "<required>" if value is _NO_DEFAULT else repr(value)


def _missing(value: Any) -> bool:
    # pandas gives NaN for missing cells of object columns in some operations; treat it as None.
    return value is None or (isinstance(value, float) and value != value)


def _text(value: Any) -> str:
    if isinstance(value, Mapping) and "internalId" in value:  # a RecordRef reads as its id
        return str(value["internalId"])
    return str(value)


# --- element-wise functions -------------------------------------------------------------------------


def upper(value: Any) -> Any:
    """Upper-case text."""
    return None if _missing(value) else _text(value).upper()


def lower(value: Any) -> Any:
    """Lower-case text."""
    return None if _missing(value) else _text(value).lower()


def strip(value: Any) -> Any:
    """Remove surrounding whitespace; an all-blank value becomes missing."""
    if _missing(value):
        return None
    text = _text(value).strip()
    return text or None


def truncate(value: Any, length: int) -> Any:
    """Cut text to at most ``length`` characters (target fields have length limits)."""
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"truncate length must be a positive integer, got {length!r}")
    return None if _missing(value) else _text(value)[:length]


def to_date(value: Any) -> Any:
    """A calendar date from a datetime, a date, or text ``YYYY-MM-DD[ HH:MM:SS]`` / ISO 8601."""
    if _missing(value) or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def to_datetime(value: Any) -> Any:
    """An aware datetime (UTC when no zone is given) from a datetime, date or ISO / SPP text."""
    if _missing(value) or value == "":
        return None
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            result = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date-time (expected YYYY-MM-DD HH:MM:SS)") from None
    return result if result.tzinfo else result.replace(tzinfo=dt.UTC)


def spp_to_bool(value: Any) -> Any:
    """A real boolean from SPP's ``"1"``/``"0"`` (also true/false, yes/no)."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (expected 1/0, true/false)")


def bool_to_spp(value: Any) -> Any:
    """SPP's checkbox text: ``"1"`` for true, ``"0"`` for false."""
    flag = spp_to_bool(value)
    return None if flag is None else ("1" if flag else "0")


def negate(value: Any) -> Any:
    """The opposite boolean (e.g. SPP ``reimbursable`` -> NetSuite ``isNonReimbursable``)."""
    flag = spp_to_bool(value)
    return None if flag is None else not flag


def to_float(value: Any) -> Any:
    """A number from text or a number."""
    if _missing(value) or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None


def flip_sign(value: Any) -> Any:
    """The number with its sign flipped (an SPP credit's negative amounts on a NetSuite credit memo)."""
    number = to_float(value)
    return None if number is None else -number + 0.0  # + 0.0: no "-0.0"


def round_number(value: Any, digits: int = 2) -> Any:
    """A number rounded to ``digits`` decimals."""
    number = to_float(value)
    return None if number is None else round(number, digits)


def hours_to_duration(value: Any) -> Any:
    """A NetSuite Duration ``{"timeSpan": hours, "unit": "hour"}`` from decimal hours (``decimal_hours``)."""
    if isinstance(value, Mapping) and "timeSpan" in value:
        return dict(value)
    hours = to_float(value)
    if hours is None:
        return None
    if hours < 0:
        raise ValueError(f"negative hours {value!r}")
    return {"timeSpan": hours, "unit": "hour"}


def duration_to_hours(value: Any) -> Any:
    """Decimal hours from a NetSuite Duration (minutes and days converted; a plain number passes through)."""
    if _missing(value):
        return None
    if isinstance(value, Mapping):
        span = to_float(value.get("timeSpan"))
        unit = str(value.get("unit", "hour")).lower()
        factor = {"hour": 1.0, "minute": 1 / 60, "day": 24.0}.get(unit)
        if span is None or factor is None:
            raise ValueError(f"{dict(value)!r} is not a Duration")
        return span * factor
    return to_float(value)


def concat(value: Any, sep: str = " ", fields: list[Any] | tuple[Any, ...] = ()) -> Any:
    """Join the non-empty values of ``fields`` (source paths) with ``sep``; missing when all are empty."""
    parts = [_text(part).strip() for part in fields if not _missing(part) and _text(part).strip()]
    return sep.join(parts) if parts else None


def map_values(value: Any, values: Mapping[Any, Any], default: Any = _NO_DEFAULT) -> Any:
    """Translate through ``values`` (keys compared as text); unmapped values take ``default`` or fail."""
    if not isinstance(values, Mapping):
        raise ValueError(f"map values must be a mapping of source value -> target value, got {values!r}")
    if _missing(value):
        return None
    table = {str(key): target for key, target in values.items()}
    key = _text(value)
    if key in table:
        return table[key]
    if default is _NO_DEFAULT:
        raise ValueError(f"{key!r} is not mapped (known: {sorted(table)})")
    return default


def default(value: Any, fallback: Any) -> Any:
    """``fallback`` when the value is missing or empty text, otherwise the value."""
    return fallback if _missing(value) or value == "" else value


def split_name(value: Any, part: str = "first") -> Any:
    """The ``first`` or ``last`` word of a full name ("Jane Q. Doe" -> "Jane" / "Doe")."""
    if part not in ("first", "last"):
        raise ValueError(f"split_name part must be 'first' or 'last', got {part!r}")
    if _missing(value):
        return None
    words = _text(value).split()
    if not words:
        return None
    return words[0] if part == "first" else (words[-1] if len(words) > 1 else None)


def replace(value: Any, old: str, new: str) -> Any:
    """Replace every ``old`` substring by ``new``."""
    return None if _missing(value) else _text(value).replace(old, new)


# --- vectorised forms (pandas Series in, Series out; pandas itself is never imported here) ----------


def _series_case(method: str) -> Callable[..., Any]:
    def run(series: Any) -> Any:
        text = series.where(series.isna(), series.astype(str))
        return getattr(text.str, method)().astype(object).where(series.notna(), None)

    return run


def _series_truncate(series: Any, length: int) -> Any:
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"truncate length must be a positive integer, got {length!r}")
    text = series.where(series.isna(), series.astype(str))
    return text.str.slice(0, length).astype(object).where(series.notna(), None)


def _series_default(series: Any, fallback: Any) -> Any:
    empty = series.isna() | (series == "")
    return series.astype(object).mask(empty, fallback)


TRANSFORMS: dict[str, ValueTransform] = {
    t.name: t
    for t in (
        ValueTransform("upper", upper, _series_case("upper")),
        ValueTransform("lower", lower, _series_case("lower")),
        ValueTransform("strip", strip),
        ValueTransform("truncate", truncate, _series_truncate),
        ValueTransform("date", to_date),
        ValueTransform("datetime", to_datetime),
        ValueTransform("bool_to_spp", bool_to_spp),
        ValueTransform("spp_to_bool", spp_to_bool),
        ValueTransform("not", negate),
        ValueTransform("float", to_float),
        ValueTransform("round", round_number),
        ValueTransform("flip_sign", flip_sign),
        ValueTransform("hours_to_duration", hours_to_duration),
        ValueTransform("duration_to_hours", duration_to_hours),
        ValueTransform("concat", concat, field_args=("fields",)),
        ValueTransform("map", map_values),
        ValueTransform("default", default, _series_default),
        ValueTransform("split_name", split_name),
        ValueTransform("replace", replace),
    )
}
