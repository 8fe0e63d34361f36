"""Request building and response reading for the SuiteProjects Pro XML API (no network)."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from include.spp import xml
from include.xml_safety import UnsafeXmlError

IDENTITY = xml.ApiIdentity(
    company="Co", user="api", password="pw-secret", api_namespace="default", api_key="key-secret"
)


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def test_request_carries_credentials_and_auth_comes_first() -> None:
    root = _parse(xml.build_request(IDENTITY, [xml.time_command()]))

    assert root.tag == "request"
    assert (
        root.get("API_ver") == "1.0"
        and root.get("namespace") == "default"
        and root.get("key") == "key-secret"
    )
    assert [child.tag for child in root] == ["Auth", "Time"]
    assert root.findtext("Auth/Login/company") == "Co"
    assert root.findtext("Auth/Login/user") == "api"
    assert root.findtext("Auth/Login/password") == "pw-secret"


def test_identity_repr_hides_secrets() -> None:
    text = repr(IDENTITY)
    assert "pw-secret" not in text and "key-secret" not in text


def test_read_page_with_date_filters_query_and_returned_fields() -> None:
    command = xml.read_command(
        "Task",
        offset=10,
        limit=5,
        query={"projectid": "42"},
        date_filters=[("newer-than", "updated", dt.datetime(2024, 1, 2, 3, 4, 5))],
        deleted=True,
        include_nondeleted=True,
        fields=["id", "date"],
    )

    assert command.get("type") == "Task" and command.get("method") == "equal to"
    assert command.get("limit") == "10,5"
    assert command.get("enable_custom") == "1"
    assert command.get("deleted") == "1" and command.get("include_nondeleted") == "1"
    assert command.get("filter") == "newer-than" and command.get("field") == "updated"
    assert command.findtext("Task/projectid") == "42"
    assert [c.text for c in command.find("Date")] == ["2024", "01", "02", "03", "04", "05"]
    assert [c.tag for c in command.find("_Return")] == ["id", "date"]


def test_two_date_filters_are_listed_in_order_without_spaces() -> None:
    command = xml.read_command(
        "Customer",
        date_filters=[
            ("newer-than", "updated", dt.datetime(2024, 1, 1)),
            ("older-than", "updated", dt.datetime(2024, 2, 1)),
        ],
        include_custom=False,
    )

    assert command.get("method") == "all" and command.get("limit") == "0,1000"
    assert command.get("filter") == "newer-than,older-than" and command.get("field") == "updated,updated"
    assert [d.findtext("month") for d in command.findall("Date")] == ["01", "02"]
    assert command.get("enable_custom") is None


def test_write_values_dates_booleans_references_and_nested_objects() -> None:
    command = xml.write_command(
        "Add",
        "Project",
        [
            {
                "id": "9",  # dropped on Add: the server assigns ids
                "updated": "2024-01-01 00:00:00",  # server-owned, dropped
                "name": "P1",
                "active": True,
                "customerid": {"external": "NS-42"},
                "userid": {"name": "jdoe", "type": "User"},
                "start_date": dt.date(2024, 3, 5),
                "finish_date": "2024-04-30",
                "notes": None,
                "budget__c": 12.5,
                "addr.email": "p@example.com",
            }
        ],
        lookup="externalid",
    )
    project = command.find("Project")

    assert command.get("lookup") == "externalid" and command.get("enable_custom") == "1"
    assert project.find("id") is None and project.find("updated") is None and project.find("notes") is None
    assert project.findtext("active") == "1"
    assert (
        project.find("customerid").get("external") == "Customer" and project.findtext("customerid") == "NS-42"
    )
    assert project.find("userid").get("name") == "User" and project.findtext("userid") == "jdoe"
    assert project.findtext("start_date/Date/day") == "05" and project.findtext("start_date/Date/hour") == ""
    assert project.findtext("finish_date/Date/month") == "04"
    assert project.findtext("budget__c") == "12.5"
    assert project.findtext("addr/Address/email") == "p@example.com"


def test_reference_type_is_derived_from_the_field_name() -> None:
    assert xml.reference_type("customerid") == "Customer"
    assert xml.reference_type("projecttaskid") == "Projecttask"
    assert xml.reference_type("project_id") == "Project"


def test_reference_without_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="customerid"):
        xml.object_element("Project", {"customerid": {"type": "Customer"}})


def test_response_objects_are_flattened_to_the_document_form() -> None:
    body = b"""<?xml version="1.0" standalone="yes"?>
<response>
  <Auth status="0"/>
  <Read status="0">
    <User><id>7</id><nickname>jdoe</nickname><notes></notes>
      <addr><Address><email>j@example.com</email><first>J</first></Address></addr>
      <updated><Date><year>2024</year><month>01</month><day>31</day><hour>10</hour><minute>05</minute><second>00</second></Date></updated>
      <start_date><Date><year>2024</year><month>02</month><day>01</day><hour/><minute/><second/></Date></start_date>
      <end_date><Date><year/><month/><day/><hour/><minute/><second/></Date></end_date>
    </User>
  </Read>
</response>"""
    response = xml.parse_response(body)

    assert response.status == 0
    assert [c.name for c in response.commands] == ["Auth", "Read"]
    assert response.commands[1].objects == [
        {
            "id": "7",
            "nickname": "jdoe",
            "addr.email": "j@example.com",
            "addr.first": "J",
            "updated": "2024-01-31 10:05:00",
            "start_date": "2024-02-01 00:00:00",
        }
    ]


def test_command_and_object_errors_keep_code_and_text() -> None:
    body = (
        b'<response><Auth status="0"/>\n'
        b'  <Add status="1106"><errors><error><code>1106</code><comment>company is required</comment>'
        b"</error></errors></Add>\n"
        b'  <Add status="0"><Customer><id>3</id></Customer>\n'
        b'    <Customer status="602"><errors><error><code>602</code><comment>bad email</comment></error>'
        b"</errors></Customer></Add>\n"
        b"</response>"
    )
    first, second = xml.parse_response(body).commands[1:]

    assert first.status == 1106 and first.error_text == "company is required" and first.objects == []
    assert second.status == 0 and second.object_statuses == [0, 602]
    assert second.objects[0] == {"id": "3"} and second.object_errors == [None, "bad email"]


def test_time_reply_and_timezone() -> None:
    body = (
        b"<response><Auth status='0'/><Time status='0'><Date><year>2026</year><month>11</month><day>27</day>"
        b"<hour>10</hour><minute>00</minute><second>01</second><timezone>-0500</timezone></Date></Time></response>"
    )
    reply = xml.parse_response(body).commands[1]

    assert reply.date == "2026-11-27 10:00:01"
    tz = xml.parse_timezone(reply.timezone)
    assert xml.parse_flat_date(reply.date, tz).utcoffset() == dt.timedelta(hours=-5)


def test_malformed_request_status_and_unsafe_or_broken_documents() -> None:
    refused = xml.parse_response(b'<response status="1">unclosed token</response>')
    assert refused.status == 1 and refused.text == "unclosed token" and refused.commands == []

    with pytest.raises(xml.MalformedResponse):
        xml.parse_response(b"<response><Auth")
    with pytest.raises(xml.MalformedResponse):
        xml.parse_response(b"<html>proxy error</html>")
    with pytest.raises(UnsafeXmlError):
        xml.parse_response(b'<!DOCTYPE r [<!ENTITY x "y">]><response/>')
