"""Shared helpers: the shipped mappings directory and a small valid mapping to break on purpose."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"

MINIMAL_IMPORT: dict[str, Any] = {
    "workflow": "widgets_import",
    "title": "Widgets (Customers)",
    "direction": "import",
    "entity": "customer",
    "source": {"system": "netsuite", "type": "customer"},
    "target": {"system": "spp", "type": "Customer"},
    "fields": [
        {"target": "company", "source": "companyName"},
        {"target": "active", "source": "isInactive", "transform": "not"},
    ],
}


@pytest.fixture
def mappings_dir() -> Path:
    return MAPPINGS


@pytest.fixture
def write_mapping(tmp_path: Path) -> Callable[..., Path]:
    """Write a mapping file into tmp_path: ``write_mapping(name, data_or_text, **top_level_changes)``."""

    def write(name: str, data: dict[str, Any] | str | None = None, **changes: Any) -> Path:
        path = tmp_path / f"{name}.yaml"
        if isinstance(data, str):
            path.write_text(data)
            return path
        content = copy.deepcopy(data if data is not None else MINIMAL_IMPORT)
        content["workflow"] = name
        content.update(changes)
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        return path

    return write


@pytest.fixture
def linked() -> Callable[..., Callable[[str, str, list[str]], dict[str, str]]]:
    """A cross-reference lookup over ``{(entity, side): {source_id: target_id}}`` recording its calls."""

    def build(table: dict[tuple[str, str], dict[str, str]], calls: list | None = None):
        def resolve(entity: str, side: str, ids: list[str]) -> dict[str, str]:
            if calls is not None:
                calls.append((entity, side, list(ids)))
            known = table.get((entity, side), {})
            return {i: known[i] for i in ids if i in known}

        return resolve

    return build
