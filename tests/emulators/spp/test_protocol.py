"""Wire-format building blocks: <Date> blocks, object elements and the limit attribute."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from emulators.spp import protocol as p


def test_a_date_block_flattens_to_the_document_form_and_back() -> None:
    block = p.date_element(dt.datetime(2024, 3, 5, 14, 7, 0))
    assert [c.text for c in block] == ["2024", "03", "05", "14", "07", "00"]
    assert p.date_from_element(block) == "2024-03-05 14:07:00"


def test_date_only_values_leave_the_time_parts_empty_and_read_as_midnight() -> None:
    block = p.date_element("2024-03-05", date_only=True)
    assert [c.text for c in block] == ["2024", "03", "05", None, None, None]
    assert p.date_from_element(block) == "2024-03-05 00:00:00"


def test_an_empty_date_is_none_and_an_impossible_one_is_an_invalid_field() -> None:
    assert p.date_from_element(etree.fromstring("<Date><year/><month/><day/></Date>")) is None
    with pytest.raises(p.ProtocolError) as err:
        p.date_from_element(etree.fromstring("<Date><year>2024</year><month>13</month><day>1</day></Date>"))
    assert err.value.code == p.INVALID_FIELD


def test_object_fields_flatten_dates_nested_addresses_and_keep_lookups() -> None:
    element = etree.fromstring(
        "<Project><name>P</name><notes/><customerid external='Customer'>NS-1</customerid>"
        "<addr><Address><email>a@b.example</email></Address></addr>"
        "<start_date><Date><year>2024</year><month>01</month><day>02</day></Date></start_date></Project>"
    )
    fields = p.fields_from_element(element)
    assert fields == {"name": "P", "notes": "", "customerid": "NS-1", "addr.email": "a@b.example",
                      "start_date": "2024-01-02 00:00:00"}  # fmt: skip
    assert fields["customerid"].lookup_kind == "external" and fields["customerid"].lookup_type == "Customer"


def test_object_elements_regroup_dotted_fields_and_wrap_dates() -> None:
    element = p.object_element(
        "User",
        {"id": "3", "addr.email": "x@y.example", "updated": "2024-01-02 03:04:05"},
        date_fields=["updated"],
    )
    assert element.findtext("addr/Address/email") == "x@y.example"
    assert element.findtext("updated/Date/second") == "05"


@pytest.mark.parametrize(("raw", "expected"), [("10", (0, 10)), ("20,1000", (20, 1000)), (" 5 , 7 ", (5, 7))])
def test_limit_is_n_or_offset_comma_n(raw: str, expected: tuple[int, int]) -> None:
    assert p.parse_limit(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "0", "1001", "1,2,3", "x", "-1,10"])
def test_a_missing_or_out_of_range_limit_is_status_605(raw: str | None) -> None:
    with pytest.raises(p.ProtocolError) as err:
        p.parse_limit(raw)
    assert err.value.code == p.BAD_LIMIT
