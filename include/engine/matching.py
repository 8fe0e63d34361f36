"""First-time linking: find the target records that already exist, by the mapping's ``match:`` rules.

A company moving from Oracle's connector (or from spreadsheets) holds the same customers and
employees in both systems before the first run. Creating them again would duplicate them; so,
before anything is created, every source record the cross-reference does not know is looked up in
the target by the workflow's match rules, **in the order written**:

* an id rule (the SPP NetSuite-ID field, ``externalid`` / ``externalId``) compares ids exactly;
* a natural-key rule (a customer's name, an employee's e-mail) compares the values trimmed and
  case-folded, since people type them.

The first rule that finds exactly one target record links it. A rule that finds two or more is a
per-record error naming the candidates (never a guess), and so is a target record that two source
records of the same chunk, or a record already linked to another source record, would share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from include.mapping.model import MatchRule

AMBIGUOUS = "AMBIGUOUS_MATCH"


class Lookup(Protocol):
    """What a target offers the matcher: its records whose ``field`` holds one of ``values``."""

    record_type: str

    def lookup(self, field: str, values: list[str], *, natural: bool) -> dict[str, list[str]]:
        """Value → ids of the target records holding it (natural keys: values normalised)."""
        ...


def normalise(value: Any, *, natural: bool) -> str:
    """The comparable form of a key: ids exactly, natural keys trimmed and case-folded."""
    text = str(value)
    return " ".join(text.split()).casefold() if natural else text


@dataclass
class Matches:
    """Source id → target id for the records found, source id → reason for the ambiguous ones."""

    linked: dict[str, str] = field(default_factory=dict)
    ambiguous: dict[str, str] = field(default_factory=dict)
    rule_of: dict[str, str] = field(default_factory=dict)  # source id -> the rule that linked it


def match_existing(
    rules: Iterable[MatchRule],
    docs: Mapping[str, Mapping[str, Any]],
    target: Lookup,
    *,
    taken: Callable[[list[str]], dict[str, str]] = lambda ids: {},
) -> Matches:
    """Link the source records ``docs`` (by source id) to existing target records by ``rules``.

    ``taken`` answers, for target ids, which source record the cross-reference already links to
    each: such a target record is not free for another source record.
    """
    matches = Matches()
    remaining = dict(docs)
    for rule in rules:
        if not remaining:
            break
        natural = rule.kind == "natural_key"
        keys: dict[str, str] = {}
        for sid, doc in remaining.items():
            key = rule.key(doc)
            if key not in (None, ""):
                keys[sid] = normalise(key, natural=natural)
        if not keys:
            continue
        found = target.lookup(rule.target, sorted(set(keys.values())), natural=natural)
        for sid, key in keys.items():
            hits = sorted(set(found.get(key, [])))
            if len(hits) == 1:
                matches.linked[sid] = hits[0]
                matches.rule_of[sid] = rule.target
            elif hits:
                shown = ", ".join(hits[:5]) + (" …" if len(hits) > 5 else "")
                matches.ambiguous[sid] = (
                    f"{len(hits)} {target.record_type} records have {rule.target} = {key!r} (ids {shown}); "
                    "link one by hand (set its NetSuite ID field) or make the key unique"
                )
            else:
                continue
            remaining.pop(sid)
    _refuse_shared_targets(matches, target.record_type, taken)
    return matches


def _refuse_shared_targets(
    matches: Matches, record_type: str, taken: Callable[[list[str]], dict[str, str]]
) -> None:
    """A target record claimed by two source records (or already linked to another) is ambiguous."""
    by_target: dict[str, list[str]] = {}
    for sid, tid in matches.linked.items():
        by_target.setdefault(tid, []).append(sid)
    owners = taken(sorted(by_target)) if by_target else {}
    for tid, sids in by_target.items():
        owner = owners.get(tid)
        if len(sids) > 1:
            reason = (
                f"{record_type} {tid} matches {len(sids)} source records ({', '.join(sorted(sids))}) "
                f"by {matches.rule_of[sids[0]]}; link one by hand"
            )
        elif owner is not None and owner != sids[0]:
            reason = f"{record_type} {tid} matches by {matches.rule_of[sids[0]]} but is linked to {owner}"
        else:
            continue
        for sid in sids:
            matches.linked.pop(sid)
            matches.ambiguous[sid] = reason
