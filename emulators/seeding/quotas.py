"""Exact shares instead of coin flips, so even the tiny scale shows every case in its intended proportion."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


def apportion(total: int, shares: Mapping[T, float]) -> dict[T, int]:
    """Split ``total`` by ``shares`` (which sum to 1) with the largest-remainder method.

    Ties go to the label listed first, which keeps the split deterministic.
    """
    exact = {label: total * share for label, share in shares.items()}
    counts = {label: int(value) for label, value in exact.items()}
    left = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda label: -(exact[label] - counts[label]))
    for label in by_remainder[:left]:
        counts[label] += 1
    return counts


def shuffled_labels(total: int, shares: Mapping[T, float], rng: random.Random) -> list[T]:
    """``total`` labels in the proportions of ``shares``, in random order."""
    labels = [label for label, count in apportion(total, shares).items() for _ in range(count)]
    rng.shuffle(labels)
    return labels


def ordered_labels(
    total: int, shares: Mapping[T, float], minimum: Mapping[T, int] | None = None, donor: T | None = None
) -> list[T]:
    """``total`` labels in the order the shares are listed (to cut a chronologically sorted list).

    ``minimum`` guarantees a few rare labels at small totals, taken from the ``donor`` label's
    count (which keeps the other proportions intact) as long as the donor has some to give.
    """
    counts = apportion(total, shares)
    for label, wanted in (minimum or {}).items():
        while counts[label] < wanted and donor is not None and counts[donor] > 0:
            counts[donor] -= 1
            counts[label] += 1
    return [label for label in shares for _ in range(counts[label])]


def pick(rng: random.Random, pool: Sequence[T], fallback: Sequence[T]) -> T:
    """A random member of ``pool``, or of ``fallback`` when the pool is empty."""
    return rng.choice(pool if pool else fallback)
