"""Seed scales: how many records of each kind one scale holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Target record counts of one scale; ``seed`` fixes every random choice made for it."""

    name: str
    seed: int
    customers: int
    employees: int
    jobs: int
    tasks: int
    time_entries: int
    expense_reports: int
    invoices: int
    service_items: int
    expense_categories: int
    cost_centers: int
    rate_cards: int


SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale("tiny", 1101, 20, 10, 20, 60, 200, 20, 10, 5, 6, 3, 3),
        Scale("small", 2202, 200, 100, 400, 2_000, 5_000, 500, 200, 10, 10, 5, 5),
        Scale("medium", 3303, 2_000, 200, 4_000, 20_000, 40_000, 4_000, 2_000, 20, 12, 10, 10),
        Scale("large", 4404, 10_000, 1_000, 20_000, 100_000, 200_000, 20_000, 10_000, 40, 16, 20, 20),
    )
}


def get_scale(name: str) -> Scale:
    """The scale called ``name``; unknown names raise ``ValueError`` listing the known ones."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown seed scale {name!r}; expected one of {', '.join(SCALES)}") from None
