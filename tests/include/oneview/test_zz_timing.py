import time
from tests.include.oneview.test_oneview_end_to_end import *  # noqa

def test_timing(world, tmp_path, server_page_size):
    _, workflow = write_mapping(tmp_path)
    t=time.monotonic(); synthetic(world, 10_000); print("synthetic", time.monotonic()-t)
    server_page_size(500)
    t=time.monotonic(); s=run(world, workflow); print("run", time.monotonic()-t, s.seconds)
    t=time.monotonic(); rows=report_rows(world); print("rows", time.monotonic()-t)
    t=time.monotonic(); recs=custom_records(world); print("search", time.monotonic()-t)
    t=time.monotonic(); 
    for k,r in rows.items(): assert_record_matches(recs[EXTERNAL_ID.format(k)], r)
    print("cmp", time.monotonic()-t)
    assert 0
