import time, logging
import pytest
from .changes import NEW_EXPORT_RECORD, linked, IMPORT_CHANGES, change_netsuite, spp_object, new_expense_category

@pytest.mark.parametrize("wid", list(NEW_EXPORT_RECORD))
def test_exports(world, wid):
    world.run_upstream(wid)
    print(world.run(wid).line())
    ns0 = world.ns_service.written()
    new = NEW_EXPORT_RECORD[wid](world)
    s = world.run(wid)
    print(wid, new, s, world.ns_service.written() - ns0)
    for e in world.state.errors(workflow=wid): print(e)

@pytest.mark.parametrize("wid", list(IMPORT_CHANGES))
def test_imports(world, wid):
    world.run_upstream(wid)
    print(world.run(wid).line())
    l = linked(world, wid)
    sid = sorted(l, key=int)[0]
    ch = IMPORT_CHANGES[wid]
    change_netsuite(world, wid, sid, ch)
    s = world.run(wid)
    print(wid, sid, s)
    print(spp_object(world, world.workflow(wid).target.type, l[sid]))

def test_cat(world):
    print(new_expense_category(world))
    print(world.run("expense_items_import"))
