"""The DSAR list's continuation token: opaque, round-trips, and a forged one is a 400."""

from __future__ import annotations

import base64

import pytest

from shared.dsar.paging import decode_page, encode_page
from shared.errors import BadRequest


@pytest.mark.parametrize(("phase", "inner"), [(0, None), (0, "c-1"), (1, "x" * 300), (1, None)])
def test_a_token_gives_back_the_phase_and_the_store_s_continuation(
    phase: int, inner: str | None
) -> None:
    assert decode_page(encode_page(phase, inner)) == (phase, inner)


@pytest.mark.parametrize(
    "token",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"p": 2, "c": null}').decode(),
        base64.urlsafe_b64encode(b'{"p": 0, "c": 7}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_token_this_query_did_not_issue_is_a_400_naming_the_parameter(token: str) -> None:
    with pytest.raises(BadRequest) as refused:
        decode_page(token)
    assert [e.path for e in refused.value.errors] == ["?continuation"]


def test_the_list_s_third_phase_round_trips_and_a_fourth_is_refused() -> None:
    assert decode_page(encode_page(2, "c"), phases=3) == (2, "c")
    with pytest.raises(BadRequest):
        decode_page(encode_page(3, None), phases=3)
