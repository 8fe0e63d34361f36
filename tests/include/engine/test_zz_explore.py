import time, logging
def test_explore(world, caplog):
    caplog.set_level(logging.WARNING)
    world.run_upstream("time_entries_export")
    s = world.run("time_entries_export")
    print(s)
    tasks = list(world.spp.read("Task"))
    print(len(tasks), sum(1 for t in tasks if t.get("netsuite_timebill_id__c")), tasks[0])
    print([r.message for r in caplog.records][:5])
    print(list(world.netsuite.search("projectTask", internal_ids=["109","108"])))
    print(world.state.last_run("project_tasks_import"))
    ns = list(world.netsuite.search("job", internal_ids=["49","46","37"]))
    print([(j["internalId"], j.get("isInactive"), j.get("customFieldList")) for j in ns])
