"""Specification of the state store (include/state/store.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from include.state import CrossReference, RecordError, StateStore
from tests.include.state import workers
from tests.include.state.processes import SPAWN, run_all

T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def xref(ns: str | None, spp: str | None, entity: str = "customer", **extra: str) -> CrossReference:
    return CrossReference(entity, netsuite_id=ns, spp_id=spp, **extra)


def pairs(store: StateStore, entity: str = "customer") -> set[tuple[str | None, str | None]]:
    """Every (netsuite_id, spp_id) pair stored for ``entity``."""
    found = store.xref_by_netsuite(entity, [str(i) for i in range(100)]) | store.xref_by_spp(
        entity, [str(i) for i in range(100)]
    )
    return {(r.netsuite_id, r.spp_id) for r in found.values()}


# -- cross-references --------------------------------------------------------------------------
class TestCrossReferences:
    def test_a_stored_reference_is_found_by_either_id(self, store: StateStore) -> None:
        store.xref_upsert([xref("42", "17", netsuite_external_id="spp-customer-17", spp_external_id="42")])
        by_ns = store.xref_by_netsuite("customer", ["42", "43"])
        by_spp = store.xref_by_spp("customer", ["17"])
        assert set(by_ns) == {"42"} and set(by_spp) == {"17"}
        ref = by_ns["42"]
        assert (ref.entity, ref.netsuite_id, ref.spp_id) == ("customer", "42", "17")
        assert (ref.netsuite_external_id, ref.spp_external_id) == ("spp-customer-17", "42")
        assert ref.updated_at is not None and ref.updated_at.tzinfo == dt.UTC
        assert by_spp["17"] == ref

    def test_entities_are_separate_namespaces(self, store: StateStore) -> None:
        store.xref_upsert([xref("1", "1", "customer"), xref("1", "2", "project")])
        assert store.xref_by_netsuite("project", ["1"])["1"].spp_id == "2"
        assert (
            store.xref_count("customer") == 1 and store.xref_count("project") == 1 and store.xref_count() == 2
        )

    def test_a_half_known_row_is_completed_from_either_side(self, store: StateStore) -> None:
        store.xref_upsert([xref("42", None), xref(None, "99")])
        store.xref_upsert([xref("42", "17"), xref("43", "99")])
        assert pairs(store) == {("42", "17"), ("43", "99")}
        assert store.xref_count() == 2

    def test_missing_fields_do_not_erase_stored_ones(self, store: StateStore) -> None:
        store.xref_upsert([xref("42", "17", netsuite_external_id="ext-17")])
        store.xref_upsert([xref("42", None, spp_external_id="42")])
        ref = store.xref_by_spp("customer", ["17"])["17"]
        assert (ref.netsuite_id, ref.netsuite_external_id, ref.spp_external_id) == ("42", "ext-17", "42")

    def test_two_half_rows_linked_by_one_pair_become_one_row(self, store: StateStore) -> None:
        store.xref_upsert([xref("42", None, netsuite_external_id="e"), xref(None, "17", spp_external_id="s")])
        store.xref_upsert([xref("42", "17")])
        assert store.xref_count() == 1
        ref = store.xref_by_netsuite("customer", ["42"])["42"]
        assert (ref.spp_id, ref.netsuite_external_id) == ("17", "e")

    def test_the_newest_pair_wins_and_the_stale_link_is_cut(self, store: StateStore) -> None:
        store.xref_upsert([xref("1", "5"), xref("2", "7")])
        store.xref_upsert([xref("1", "7")])
        assert pairs(store) == {("1", "7"), ("2", None)}
        assert store.xref_by_spp("customer", ["5"]) == {}

    def test_ids_can_be_swapped_in_one_batch(self, store: StateStore) -> None:
        store.xref_upsert([xref("1", "1"), xref("2", "2")])
        store.xref_upsert([xref("1", "2"), xref("2", "1")])
        assert pairs(store) == {("1", "2"), ("2", "1")}

    def test_later_rows_of_a_batch_see_earlier_ones(self, store: StateStore) -> None:
        store.xref_upsert(
            [xref("1", None), xref(None, "9"), xref("1", "9"), xref("1", "9", spp_external_id="x")]
        )
        assert pairs(store) == {("1", "9")}
        assert store.xref_by_spp("customer", ["9"])["9"].spp_external_id == "x"

    def test_an_empty_id_means_unknown(self, store: StateStore) -> None:
        store.xref_upsert([xref("1", ""), xref("2", "")])
        assert pairs(store) == {("1", None), ("2", None)}
        with pytest.raises(ValueError, match="without any id"):
            store.xref_upsert([xref("", None)])

    def test_a_reference_needs_at_least_one_id(self, store: StateStore) -> None:
        with pytest.raises(ValueError, match="without any id"):
            store.xref_upsert([xref(None, None)])

    def test_ten_thousand_rows_insert_and_merge_in_one_call_each(self, store: StateStore) -> None:
        n = 10_000
        started = time.perf_counter()
        store.xref_upsert([xref(str(i), None) for i in range(n)])
        store.xref_upsert([xref(str(i), f"s{i}", spp_external_id=str(i)) for i in range(n)])
        elapsed = time.perf_counter() - started
        assert store.xref_count("customer") == n
        found = store.xref_by_spp("customer", [f"s{i}" for i in range(n)])
        assert len(found) == n and found["s9999"].netsuite_id == "9999"
        assert elapsed < 20, f"two 10k upserts took {elapsed:.1f}s"


# -- watermarks --------------------------------------------------------------------------------
class TestWatermarks:
    def test_no_watermark_before_the_first_success(self, store: StateStore) -> None:
        assert store.get_watermark("customers") is None

    def test_the_watermark_comes_back_as_aware_utc(self, store: StateStore) -> None:
        paris = dt.timezone(dt.timedelta(hours=1))
        store.set_watermark("customers", dt.datetime(2026, 11, 27, 11, 0, 0, 123456, tzinfo=paris), "r1")
        value = store.get_watermark("customers")
        assert value == dt.datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=dt.UTC)
        assert value.tzinfo == dt.UTC

    def test_the_watermark_never_moves_backwards(self, store: StateStore) -> None:
        store.set_watermark("customers", T0, "r1")
        store.set_watermark("customers", T0 - dt.timedelta(microseconds=1), "r2")
        assert store.get_watermark("customers") == T0
        store.set_watermark("customers", T0 + dt.timedelta(hours=1), "r3")
        assert store.get_watermark("customers") == T0 + dt.timedelta(hours=1)

    def test_force_moves_it_back(self, store: StateStore) -> None:
        store.set_watermark("customers", T0, "r1")
        store.set_watermark("customers", T0 - dt.timedelta(days=30), "resync", force=True)
        assert store.get_watermark("customers") == T0 - dt.timedelta(days=30)

    def test_workflows_have_their_own_watermarks(self, store: StateStore) -> None:
        store.set_watermark("customers", T0, "r1")
        assert store.get_watermark("projects") is None

    def test_naive_datetimes_are_refused(self, store: StateStore) -> None:
        with pytest.raises(ValueError, match="naive"):
            store.set_watermark("customers", dt.datetime(2026, 1, 1), "r1")


# -- monitored-field hashes --------------------------------------------------------------------
class TestHashes:
    def test_unknown_records_have_no_hash(self, store: StateStore) -> None:
        assert store.get_hashes("customers", ["1", "2"]) == {}

    def test_hashes_are_stored_and_replaced(self, store: StateStore) -> None:
        store.set_hashes("customers", {"1": "aaa", "2": "bbb"})
        store.set_hashes("customers", {"2": "ccc"})
        assert store.get_hashes("customers", ["1", "2", "3"]) == {"1": "aaa", "2": "ccc"}
        assert store.get_hashes("projects", ["1"]) == {}

    def test_more_ids_than_one_in_list_holds(self, store: StateStore) -> None:
        hashes = {str(i): f"h{i}" for i in range(1_234)}
        store.set_hashes("customers", hashes)
        assert store.get_hashes("customers", list(hashes)) == hashes


# -- export claims -----------------------------------------------------------------------------
class TestClaims:
    def test_a_claim_stays_open_until_released(self, store: StateStore) -> None:
        store.claim("projects", "17", "spp-project-17", "run-1")
        store.claim("projects", "18", "spp-project-18", "run-1")
        open_claims = store.claims_open("projects")
        assert [(c.source_id, c.external_id, c.run_id) for c in open_claims] == [
            ("17", "spp-project-17", "run-1"),
            ("18", "spp-project-18", "run-1"),
        ]
        assert open_claims[0].claimed_at.tzinfo == dt.UTC
        store.release_claims("projects", ["17"])
        assert [c.source_id for c in store.claims_open("projects")] == ["18"]
        assert store.claims_open("customers") == []

    def test_claiming_again_updates_the_claim(self, store: StateStore) -> None:
        store.claim("projects", "17", "spp-project-17", "run-1")
        store.claim("projects", "17", "spp-project-17", "run-2")
        assert [(c.source_id, c.run_id) for c in store.claims_open("projects")] == [("17", "run-2")]

    def test_claims_in_bulk(self, store: StateStore) -> None:
        store.claim_many("projects", {str(i): f"spp-project-{i}" for i in range(1_100)}, "run-1")
        assert len(store.claims_open("projects")) == 1_100
        store.release_claims("projects", [str(i) for i in range(1_100)])
        assert store.claims_open("projects") == []


# -- run log -----------------------------------------------------------------------------------
class TestRunLog:
    def test_a_run_is_logged_from_start_to_finish(self, store: StateStore) -> None:
        store.start_run("r1", "customers", {"full_sync": False, "since": T0})
        running = store.last_run("customers")
        assert running is not None and running.status == "running" and running.finished_at is None
        assert running.params == {"full_sync": False, "since": T0.isoformat()}
        store.finish_run("r1", "customers", "success", 3, 2, 5, 1, 11, {"extract": 1.5, "load": 2.0})
        run = store.last_run("customers")
        assert run is not None
        assert (run.status, run.created, run.updated, run.skipped, run.failed, run.extracted) == (
            "success",
            3,
            2,
            5,
            1,
            11,
        )
        assert run.timings == {"extract": 1.5, "load": 2.0}
        assert run.finished_at is not None and run.finished_at >= run.started_at
        assert run.started_at.tzinfo == dt.UTC

    def test_runs_are_listed_newest_first(self, store: StateStore) -> None:
        for i in range(5):
            store.start_run(f"r{i}", "customers" if i % 2 == 0 else "projects", {})
            time.sleep(0.002)
        assert [r.run_id for r in store.runs()] == ["r4", "r3", "r2", "r1", "r0"]
        assert [r.run_id for r in store.runs("customers", limit=2)] == ["r4", "r2"]
        assert store.last_run("projects").run_id == "r3"
        assert store.last_run("nothing") is None

    def test_last_run_with_a_status(self, store: StateStore) -> None:
        store.start_run("r1", "customers", {})
        store.finish_run("r1", "customers", "success")
        time.sleep(0.002)
        store.start_run("r2", "customers", {})
        store.finish_run("r2", "customers", "failed", failed=4)
        assert store.last_run("customers").run_id == "r2"
        assert store.last_run("customers", status="success").run_id == "r1"

    def test_a_retried_run_is_running_again(self, store: StateStore) -> None:
        store.start_run("r1", "customers", {"attempt": 1})
        store.finish_run("r1", "customers", "failed")
        store.start_run("r1", "customers", {"attempt": 2})
        runs = store.runs("customers")
        assert len(runs) == 1
        assert (runs[0].status, runs[0].params, runs[0].finished_at) == ("running", {"attempt": 2}, None)

    def test_finishing_an_unstarted_run_still_logs_it(self, store: StateStore) -> None:
        store.finish_run("r9", "customers", "success", created=1)
        run = store.last_run("customers")
        assert run is not None and (run.run_id, run.status, run.created) == ("r9", "success", 1)


# -- per-record errors -------------------------------------------------------------------------
class TestRecordErrors:
    def test_errors_are_kept_per_run_and_workflow(self, store: StateStore) -> None:
        e1 = RecordError("spp", "Customer", "17", "Acme", "netsuite", "USER_ERROR", "Please enter a value")
        e2 = RecordError("spp", "Customer", "18", None, "netsuite", "INVALID_KEY_OR_REF", "bad subsidiary")
        store.record_errors("r1", "customers", [e1, e2])
        store.record_errors("r2", "projects", [RecordError("netsuite", "job", "5", "P", "spp", "601", "x")])
        got = store.errors(run_id="r1")
        assert [(e.source_id, e.code) for e in got] == [("18", "INVALID_KEY_OR_REF"), ("17", "USER_ERROR")]
        first = got[1]
        assert (first.source_system, first.source_type, first.source_name, first.target_system) == (
            "spp",
            "Customer",
            "Acme",
            "netsuite",
        )
        assert (first.run_id, first.workflow, first.message) == ("r1", "customers", "Please enter a value")
        assert first.id is not None and first.created_at.tzinfo == dt.UTC
        assert [e.run_id for e in store.errors(workflow="projects")] == ["r2"]
        assert len(store.errors()) == 3 and len(store.errors(limit=1)) == 1
        assert store.errors(run_id="r1", workflow="projects") == []

    def test_many_errors_in_one_call(self, store: StateStore) -> None:
        errs = [RecordError("spp", "Timesheet", str(i), None, "netsuite", "E", "m") for i in range(1_200)]
        store.record_errors("r1", "timesheets", errs)
        assert len(store.errors(run_id="r1", limit=5_000)) == 1_200


# -- event queue -------------------------------------------------------------------------------
class TestEventQueue:
    def test_events_are_taken_oldest_first_once(self, store: StateStore) -> None:
        ids = [store.enqueue("customer.changed", {"id": i}) for i in range(5)]
        first = store.dequeue(limit=3)
        assert [e.id for e in first] == ids[:3]
        assert [e.payload for e in first] == [{"id": 0}, {"id": 1}, {"id": 2}]
        assert all(e.status == "taken" and e.attempts == 1 and e.taken_at is not None for e in first)
        assert [e.id for e in store.dequeue(limit=10)] == ids[3:]
        assert store.dequeue() == []

    def test_a_redelivered_notice_is_one_event_whatever_became_of_the_first(self, store: StateStore) -> None:
        first = store.enqueue("customer.changed", {"id": 1}, dedupe_key="customer:1:t1")
        assert first is not None
        assert store.enqueue("customer.changed", {"id": 1}, dedupe_key="customer:1:t1") is None
        assert [e.id for e in store.dequeue()] == [first]
        store.ack([first])
        assert store.enqueue_many([("customer.changed", {"id": 1}, "customer:1:t1")]) == [(first, True)]
        # a later change to the same record carries another key, and is an event of its own
        again = store.enqueue("customer.changed", {"id": 1}, dedupe_key="customer:1:t2")
        assert again is not None and again != first

    def test_a_retried_event_waits_out_its_backoff(self, store: StateStore) -> None:
        event_id = store.enqueue("spp", {"id": 1})
        assert event_id is not None
        [taken] = store.dequeue()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        store.settle_events(retry={taken.id: ("NetSuite said no", later)})
        assert store.dequeue() == [] and store.events_due() == 0
        assert store.event(event_id).error == "NetSuite said no"  # type: ignore[union-attr]
        store.settle_events(retry={taken.id: ("again", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))})
        [again] = store.dequeue()
        assert again.id == event_id and again.attempts == 2

    def test_events_a_dead_consumer_took_go_to_the_next_one(self, store: StateStore) -> None:
        event_id = store.enqueue("spp", {"id": 1})
        assert [e.id for e in store.dequeue(lease_s=600)] == [event_id]
        assert store.dequeue(lease_s=600) == []
        assert [e.id for e in store.dequeue(lease_s=0)] == [event_id]  # its lease ran out

    def test_settled_events_stay_settled(self, store: StateStore) -> None:
        ok, bad = store.enqueue("spp", {"id": 1}), store.enqueue("spp", {"id": 2})
        assert ok is not None and bad is not None
        store.dequeue()
        store.settle_events(done={ok: "55"}, failed={bad: "customer C-1 is not linked"})
        store.settle_events(
            retry={ok: ("late", dt.datetime.now(dt.UTC)), bad: ("late", dt.datetime.now(dt.UTC))}
        )
        done, failed = store.event(ok), store.event(bad)
        assert done is not None and (done.status, done.target_id) == ("done", "55")
        assert failed is not None and (failed.status, failed.error) == (
            "failed",
            "customer C-1 is not linked",
        )
        assert store.dequeue(lease_s=0) == []


class TestEventSenders:
    def test_keys_rotate_and_retire(self, store: StateStore) -> None:
        old = store.add_sender_key("spp-prod", "hmac", "k1", secret_sha256="a" * 64)
        store.add_sender_key("spp-prod", "hmac", "k2", secret_sha256="b" * 64)
        assert store.sender_key("k1") == old
        assert store.retire_sender_key("k1") is True
        assert store.sender_key("k1") is None and store.retire_sender_key("k1") is False
        assert store.sender_key("k2") is not None
        assert [k.key_id for k in store.sender_keys("spp-prod")] == ["k1", "k2"]

    def test_a_token_id_is_accepted_once(self, store: StateStore) -> None:
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        assert store.remember_token("ns", "jti-1", soon) is True
        assert store.remember_token("ns", "jti-1", soon) is False
        assert store.remember_token("other", "jti-1", soon) is True

    def test_acked_events_are_done(self, store: StateStore) -> None:
        store.enqueue("a", {})
        [event] = store.dequeue()
        store.ack([event.id])
        assert store.dequeue() == []

    def test_dequeue_by_event_type(self, store: StateStore) -> None:
        store.enqueue("customer.changed", {})
        project = store.enqueue("project.changed", {})
        assert [e.id for e in store.dequeue(event_types=["project.changed"])] == [project]


# -- concurrency -------------------------------------------------------------------------------
def test_ten_processes_write_at_once_and_every_row_lands(url: str) -> None:
    StateStore(url).close()
    barrier = SPAWN.Barrier(10)
    run_all(workers.write_everything, [(url, w, barrier) for w in range(10)])
    n = workers.ROWS_PER_WORKER
    with StateStore(url) as store:
        assert store.xref_count("customer") == 10 * n
        ref = store.xref_by_netsuite("customer", ["3-7"])["3-7"]
        assert (ref.spp_id, ref.spp_external_id) == ("s3-7", "x7")
        assert len(store.errors(workflow="customers", limit=100_000)) == 10 * n
        assert len(store.get_hashes("customers", [f"{w}-{i}" for w in range(10) for i in range(n)])) == 10 * n
        runs = store.runs("customers")
        assert len(runs) == 10 and {r.status for r in runs} == {"success"}
        last_step = max(range(0, n, workers.BATCH))
        assert store.get_watermark("customers") == workers.BASE_TIME + dt.timedelta(
            minutes=9 * 100 + last_step
        )


def test_two_consumers_never_get_the_same_event(url: str) -> None:
    with StateStore(url) as store:
        ids = [store.enqueue("e", {"n": i}) for i in range(300)]
    barrier, out = SPAWN.Barrier(2), SPAWN.Queue()
    run_all(workers.drain, [(url, barrier, out)] * 2)
    taken = [out.get(timeout=10), out.get(timeout=10)]
    assert all(taken), "both consumers took part"
    assert sorted(taken[0] + taken[1]) == ids
    assert not set(taken[0]) & set(taken[1])


# -- PostgreSQL specifics ----------------------------------------------------------------------
def test_timestamps_are_utc_whatever_the_session_time_zone(pg_url: str) -> None:
    with StateStore(pg_url + "%20-ctimezone%3DAsia/Tokyo") as store:
        store.set_watermark("customers", T0, "r1")
        value = store.get_watermark("customers")
        assert value == T0 and value.utcoffset() == dt.timedelta(0)
