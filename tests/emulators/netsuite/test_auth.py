"""Token-based authentication: the signature, and every way a passport is refused."""

from __future__ import annotations

import pytest
from zeep.exceptions import Fault

from emulators.netsuite.auth import sign_passport
from tests.emulators.netsuite.suitetalk_harness import SuiteTalk, raw_envelope, raw_passport_xml

pytestmark = pytest.mark.usefixtures("fresh")


def test_signature_matches_oracles_test_vector() -> None:
    signature = sign_passport(
        "1234567",
        "71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4",
        "89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82",
        "6obMKq0tmY8ylVOdEkA1",
        1439829974,
        "CONSUMER_SECRET",
        "TOKEN_SECRET",
    )
    assert signature == "yq9vHjcW6OuKvFqIJB0K6x9MVVBzVsTLiqD3H6E/tAg="


def test_a_correctly_signed_passport_is_accepted(st: SuiteTalk) -> None:
    result = st.call("getServerTime")
    assert result.getServerTimeResult.status.isSuccess is True


def _assert_invalid_login(exc: Fault) -> None:
    assert exc.message == "Invalid login attempt."
    assert exc.code == "soapenv:Server.userException"
    detail = exc.detail[0]
    assert detail.tag == "{urn:faults_2023_2.platform.webservices.netsuite.com}invalidCredentialsFault"
    assert detail.findtext("{urn:faults_2023_2.platform.webservices.netsuite.com}code") == "USER_ERROR"


@pytest.mark.parametrize(
    "passport_kwargs",
    [
        pytest.param({"signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, id="bad-signature"),
        pytest.param({"token": "some-other-token"}, id="unknown-token"),
        pytest.param({"algorithm": "HMAC-SHA1"}, id="wrong-algorithm"),
        pytest.param({"nonce": "abc"}, id="nonce-too-short"),
    ],
)
def test_a_bad_passport_is_an_invalid_login(st: SuiteTalk, passport_kwargs: dict) -> None:
    with pytest.raises(Fault) as caught:
        st.service.getServerTime(_soapheaders={"tokenPassport": st.passport(**passport_kwargs)})
    _assert_invalid_login(caught.value)


def test_a_nonce_is_single_use_even_for_retries(st: SuiteTalk) -> None:
    st.service.getServerTime(_soapheaders={"tokenPassport": st.passport(nonce="retrynonce01")})
    with pytest.raises(Fault) as caught:
        st.service.getServerTime(_soapheaders={"tokenPassport": st.passport(nonce="retrynonce01")})
    _assert_invalid_login(caught.value)


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_outside_the_skew_window_is_refused(st: SuiteTalk, offset: int) -> None:
    stale = int(st.clock()) + offset
    with pytest.raises(Fault) as caught:
        st.service.getServerTime(_soapheaders={"tokenPassport": st.passport(timestamp=stale)})
    _assert_invalid_login(caught.value)


def test_a_timestamp_inside_the_skew_window_is_accepted(st: SuiteTalk) -> None:
    st.service.getServerTime(_soapheaders={"tokenPassport": st.passport(timestamp=int(st.clock()) - 299)})


def test_a_request_without_passport_is_refused(st: SuiteTalk) -> None:
    with pytest.raises(Fault) as caught:
        st.service.getServerTime()
    _assert_invalid_login(caught.value)


def test_application_info_alongside_the_passport_is_ambiguous_and_refused(st: SuiteTalk) -> None:
    app_info = st.client.get_element("{urn:messages_2023_2.platform.webservices.netsuite.com}applicationInfo")
    with pytest.raises(Fault) as caught:
        st.service.getServerTime(
            _soapheaders={"tokenPassport": st.passport(), "applicationInfo": app_info(applicationId="X")}
        )
    _assert_invalid_login(caught.value)


def test_passport_children_in_the_messages_namespace_are_accepted_like_postman_samples(st: SuiteTalk) -> None:
    core_form = raw_passport_xml(st)
    msgs_form = core_form.replace('xmlns:c="urn:core_2023_2', 'xmlns:c="urn:messages_2023_2')
    body = '<m:getServerTime xmlns:m="urn:messages_2023_2.platform.webservices.netsuite.com"/>'
    response = st.raw(raw_envelope(st, body, header=msgs_form), "getServerTime")
    assert response.status_code == 200
    assert b'isSuccess="true"' in response.content


def test_failed_logins_do_not_take_a_concurrency_slot(st: SuiteTalk) -> None:
    with pytest.raises(Fault):
        st.service.getServerTime(_soapheaders={"tokenPassport": st.passport(token="nope")})
    stats = st.stats()
    assert stats["peak_concurrency"] == 0
    assert stats["requests"] == {"getServerTime": 1}
