"""Data expectations from the mapping files, checked with Great Expectations 1.x inside the task.

GX is imported here and only here, lazily (it costs ~2.5 s to import and its Airflow provider
does not install beside Airflow 3.3). A failed expectation never stops a batch: the records GX
lists as unexpected fail individually, with a message naming the column, the check and the value.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)


def flatten(doc: dict[str, Any]) -> dict[str, Any]:
    """One row per record: scalars as they are, refs by id, custom fields by scriptId."""
    row: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "customFieldList" and isinstance(value, dict):
            for script_id, custom in value.items():
                row[script_id] = custom.get("internalId") if isinstance(custom, dict) else custom
        elif isinstance(value, dict):
            row[key] = value.get("internalId", value.get("external", value.get("timeSpan")))
        elif isinstance(value, list):
            continue  # sublists are checked line by line elsewhere
        else:
            row[key] = value
    return row


def preload() -> None:
    """Start importing GX in a background thread (once per process).

    The import takes 2–4 s of a planning task; begun while the first source page is on the
    wire, it is mostly done by the time the first chunk needs validating, so the first batches
    reach the load tasks sooner. ``validate_rows`` imports GX itself either way.
    """
    global _PRELOADING
    if _PRELOADING is not None:
        return

    def load() -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        try:
            import great_expectations  # noqa: F401
        except Exception:  # noqa: BLE001 - validate_rows reports import errors where they matter
            log.debug("background import of great_expectations failed", exc_info=True)

    _PRELOADING = threading.Thread(target=load, name="gx-import", daemon=True)
    _PRELOADING.start()


_PRELOADING: threading.Thread | None = None


def _expectation_class(ge_type: str) -> Any:
    import great_expectations as gx

    name = "".join(part.capitalize() for part in ge_type.split("_"))
    return getattr(gx.expectations, name)


def validate_rows(
    targets: Sequence[dict[str, Any]],
    expectations: Sequence[Any],
    sources: Sequence[dict[str, Any]] | None = None,
) -> dict[int, str]:
    """Check ``expectations`` and return {row index: reason} for the records that fail them."""
    if not expectations or not targets:
        return {}
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    import pandas as pd

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    frames = {
        "target": pd.DataFrame([flatten(d) for d in targets]),
        "source": pd.DataFrame([flatten(d) for d in (sources or [])]),
    }
    context = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep task logs readable
    except Exception:  # noqa: BLE001 - cosmetic only
        pass
    failures: dict[int, str] = {}
    for side, frame in frames.items():
        checks = [e for e in expectations if e.on == side]
        if not checks or frame.empty:
            continue
        for exp in checks:
            if exp.column not in frame.columns:
                frame[exp.column] = None
        source = context.data_sources.add_pandas(f"rows_{side}")
        batch = (
            source.add_dataframe_asset("rows")
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        suite = gx.ExpectationSuite(name=f"mapping_{side}")
        for exp in checks:
            suite.add_expectation(_expectation_class(exp.ge_type)(**exp.ge_kwargs()))
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        for exp, res in zip(checks, result.results, strict=True):
            if res.success:
                continue
            for index in res.result.get("unexpected_index_list") or []:
                value = frame.iloc[int(index)][exp.column]
                failures.setdefault(
                    int(index), f"{side} field {exp.column!r} fails {exp.check} (value {value!r})"
                )
    if failures:
        log.info("data expectations: %d of %d records fail", len(failures), len(targets))
    return failures
