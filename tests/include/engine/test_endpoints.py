"""The source and target adapters' own rules, with a recording stand-in for the SPP client."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from include.engine.endpoints import SppTarget


class RecordingSpp:
    """Answers reads from a list of objects and remembers each call."""

    def __init__(self, objects: list[dict[str, str]]) -> None:
        self.objects = objects
        self.reads: list[dict[str, Any]] = []

    def read(self, object_type: str, **kwargs: Any) -> list[dict[str, str]]:
        self.reads.append(kwargs)
        if "equal_to_any" in kwargs:
            ((field, values),) = kwargs["equal_to_any"].items()
            return [o for o in self.objects if o.get(field) in set(values)]
        return list(self.objects)


def _target(objects: list[dict[str, str]], threshold: int) -> tuple[SppTarget, RecordingSpp]:
    rules = [
        SimpleNamespace(target="netsuite_id__c", kind="netsuite_id"),
        SimpleNamespace(target="externalid", kind="external_id"),
    ]
    workflow = SimpleNamespace(
        target=SimpleNamespace(type="Customer"), netsuite_id_field="netsuite_id__c", match=rules
    )
    spp = RecordingSpp(objects)
    target = SppTarget(spp, workflow)
    target.bulk_match_threshold = threshold
    return target, spp


def test_a_streamed_import_reads_the_whole_type_once_and_matches_every_later_chunk_from_it() -> None:
    objects = [{"id": str(100 + i), "netsuite_id__c": str(i), "externalid": ""} for i in range(10)]
    target, spp = _target(objects, threshold=3)

    first = target.lookup("netsuite_id__c", ["0", "1", "2"], natural=False)
    later = target.lookup("netsuite_id__c", ["7", "42"], natural=False)
    by_external = target.lookup("externalid", ["3"], natural=False)

    assert first == {"0": ["100"], "1": ["101"], "2": ["102"]}
    assert later == {"7": ["107"]}
    assert by_external == {}
    assert len(spp.reads) == 1 and "equal_to_any" not in spp.reads[0]


def test_a_few_unknown_ids_are_looked_up_one_by_one_without_reading_the_whole_type() -> None:
    objects = [{"id": "100", "netsuite_id__c": "", "externalid": "5"}]
    target, spp = _target(objects, threshold=1000)

    assert target.lookup("netsuite_id__c", ["5", "6"], natural=False) == {}
    assert target.lookup("externalid", ["5", "6"], natural=False) == {"5": ["100"]}
    assert all("equal_to_any" in call for call in spp.reads)
