"""A first run against two systems that already hold the same customers and employees.

A company moving from Oracle's connector (or from spreadsheets) starts with records on both sides.
The mapping's match rules link them before anything is created: by the NetSuite ID field SPP
holds, else by the customer's name or the employee's e-mail; an ambiguous match is a per-record
error, never a guess, and nothing is created twice. Over HTTP against both local services.
"""

from __future__ import annotations

from typing import Any

import pytest

from include.engine.matching import AMBIGUOUS

from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

EXPORT_FLAG = "custentity_oa_export_to_openair"


def _netsuite_add(world: World, record_type: str, docs: list[dict[str, Any]]) -> list[str]:
    results = world.netsuite.add_list(record_type, docs)
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    return [str(r.id) for r in results]


def _spp_add(world: World, object_type: str, docs: list[dict[str, Any]]) -> list[str]:
    if object_type == "User":
        results = world.spp.create_user(docs)
    else:
        results = world.spp.add(object_type, docs)
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    return [str(r.id) for r in results]


def _spp_names(world: World, object_type: str, field: str) -> list[str]:
    return [str(d.get(field) or "") for d in world.spp.read(object_type, fields=["id", field])]


def test_a_first_run_links_records_already_on_both_sides_and_reports_the_ambiguous_ones(
    world: World,
) -> None:
    # 50 customers in NetSuite: 20 whose SPP twin holds their NetSuite id, 29 only equal by name
    # (spelled with other case and spaces), 1 with two SPP customers of that name.
    names = [f"Harbour Analytics {i:02d}" for i in range(50)]
    customer_ids = _netsuite_add(
        world,
        "customer",
        [
            {
                "companyName": name,
                "entityId": f"HA-{i:02d}",
                "subsidiary": {"internalId": "1"},
                "isInactive": False,
                "customFieldList": {EXPORT_FLAG: True},
            }
            for i, name in enumerate(names)
        ],
    )
    twins = [
        {"company": name, "name": name, "active": "1", "netsuite_customer_id__c": customer_ids[i]}
        for i, name in enumerate(names[:20])
    ]
    twins += [{"company": n.upper(), "name": f"  {n.upper()} ", "active": "1"} for n in names[20:49]]
    twins += [{"company": names[49], "name": names[49], "active": "1"}] * 2
    spp_customers = _spp_add(world, "Customer", twins)

    # 20 employees: 8 linked by NetSuite id, 11 only equal by e-mail, 1 with two SPP users of it.
    emails = [f"pat.lee{i:02d}@harbour.example" for i in range(20)]
    employee_ids = _netsuite_add(
        world,
        "employee",
        [
            {
                "entityId": f"Pat Lee {i:02d}",
                "firstName": "Pat",
                "lastName": f"Lee{i:02d}",
                "email": email,
                "subsidiary": {"internalId": "1"},
                "isInactive": False,
                "customFieldList": {EXPORT_FLAG: True},
            }
            for i, email in enumerate(emails)
        ],
    )
    users = [
        {"nickname": f"plee{i:02d}", "name": f"Lee{i:02d}, Pat", "addr.email": email, "active": "1"}
        | ({"netsuite_user_id__c": employee_ids[i]} if i < 8 else {})
        for i, email in enumerate(emails[:19])
    ]
    users += [
        {"nickname": f"plee19{s}", "name": "Lee19, Pat", "addr.email": emails[19].upper(), "active": "1"}
        for s in "ab"
    ]
    _spp_add(world, "User", users)
    customers_before = _spp_names(world, "Customer", "name")
    users_before = _spp_names(world, "User", "nickname")

    customers = world.run("customers_import")
    employees = world.run("employees_import")

    # every pre-existing twin is linked, none is created again
    links = world.state.xref_by_netsuite("customer", customer_ids)
    assert {customer_ids[i]: links[customer_ids[i]].spp_id for i in range(49)} == {
        customer_ids[i]: spp_customers[i] for i in range(49)
    }
    assert customer_ids[49] not in links
    after = _spp_names(world, "Customer", "name")
    assert sum(1 for n in after if "harbour analytics" in n.casefold()) == 51  # 49 + the two ambiguous
    assert len(after) == len(customers_before) + customers.created
    staff = world.state.xref_by_netsuite("employee", employee_ids)
    assert set(staff) == set(employee_ids[:19])
    assert len(_spp_names(world, "User", "nickname")) == len(users_before) + employees.created
    # no new user holds one of the twins' e-mails: 19 linked + the two ambiguous, as before the run
    held = [str(d.get("addr.email") or "").casefold() for d in world.spp.read("User", fields=["id", "addr"])]
    assert sum(1 for e in held if e in set(emails)) == 21

    # the two ambiguous records are reported, with the candidates, and nothing was guessed
    errors = {
        e.source_id: e
        for wf in ("customers_import", "employees_import")
        for e in world.state.errors(workflow=wf, limit=1000)
        if e.code == AMBIGUOUS
    }
    assert set(errors) == {customer_ids[49], employee_ids[19]}
    assert "2 Customer records" in (errors[customer_ids[49]].message or "")
    assert "2 User records" in (errors[employee_ids[19]].message or "")
    assert customers.status == employees.status == "success"
    assert customers.failed >= 1 and employees.failed >= 1

    # a second run writes nothing new for them and reports them again
    again = world.run("customers_import")
    assert again.created == 0
    assert len(_spp_names(world, "Customer", "name")) == len(after)
