"""Status-code texts and secret scrubbing for SuiteProjects Pro errors."""

from __future__ import annotations

from include.spp.errors import STATUS_MEANINGS, describe_status, scrub


def test_documented_codes_have_meanings() -> None:
    for code in (0, 1, 2, 8, 9, 426, 556, 605, 703, 1422):
        assert code in STATUS_MEANINGS


def test_description_keeps_the_code_and_the_server_detail() -> None:
    assert describe_status(556) == "status 556: rate limit exceeded"
    assert describe_status("1106", "company is required") == "status 1106: write error (company is required)"
    assert describe_status(4242) == "status 4242: undocumented error code"


def test_scrub_replaces_every_secret_and_ignores_empty_ones() -> None:
    assert scrub("bad password hunter2 for key k-1", ["hunter2", "k-1", ""]) == "bad password *** for key ***"
