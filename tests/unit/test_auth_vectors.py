"""Known-answer images, mutations and context cases of tests/data/vectors/auth_hmac.json."""

from __future__ import annotations

import json
from ipaddress import ip_address

import pytest
from tag_impl import tag_impl  # noqa: F401  (every test here runs with the C and the Python tag)

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import Secret
from pyvrrp.auth.outcome import AntiReplay, Mode, Outcome
from pyvrrp.wire import decode, encode, parse_trailer
from pyvrrp.wire.vrrp import ChecksumStyle


@pytest.fixture(scope="module")
def vectors(data):
    return json.loads((data / "vectors/auth_hmac.json").read_text())


def _auth(vectors, *, family=6, vrid=51, mode=AntiReplay.MONOTONIC) -> HmacAuth:
    settings = HmacSettings(
        keys={vectors["key_id"]: Secret(bytes.fromhex(vectors["key_hex"]))},
        active_key=vectors["key_id"],
        anti_replay=mode,
    )
    return HmacAuth(settings, family=family, version=3, vrid=vrid)


def _image(vectors, name):
    return next(i for i in vectors["images"] if i["name"] == name)


@pytest.mark.parametrize("name", ["ipv4", "ipv6"])
def test_image_verifies(vectors, name) -> None:
    im = _image(vectors, name)
    raw = bytes.fromhex(im["hex"])
    src = ip_address(im["source"])
    dst = ip_address(im["destination"]) if "destination" in im else None
    d = decode(raw, family=im["family"], src=src, dst=dst, check_checksum=im["family"] == 6)
    assert len(d.pdu) == im["pdu_len"]
    assert [str(a) for a in d.advert.addresses] == im["vips"]
    assert parse_trailer(d.trailer).seq == int(im["sequence_hex"], 16)
    assert _auth(vectors, family=im["family"]).verify(d.pdu, d.trailer, src, 0) is Outcome.OK


@pytest.mark.parametrize("name", ["ipv4", "ipv6"])
def test_image_is_reproduced_by_signing(vectors, name) -> None:
    """Signing the same advert at the same sequence gives the image byte for byte."""
    im = _image(vectors, name)
    raw = bytes.fromhex(im["hex"])
    src = ip_address(im["source"])
    d = decode(raw, family=im["family"], check_checksum=False)
    auth = _auth(vectors, family=im["family"])
    seq = int(im["sequence_hex"], 16)
    auth.send_sequence.last = seq - 1
    # A clock far behind the sequence: the sender goes on from last + 1.
    trailer = auth.sign(d.pdu, src, now_ns=0)
    if im["family"] == 6:
        dst = ip_address(im["destination"])
        out = encode(d.advert, style=ChecksumStyle.IPV6, src=src, dst=dst, trailer=trailer)
    else:
        out = encode(d.advert, style=ChecksumStyle.MESSAGE, trailer=trailer)
    assert out.hex() == im["hex"]


def test_mutations(vectors) -> None:
    base = bytes.fromhex(_image(vectors, vectors["mutations"]["base"])["hex"])
    for case in vectors["mutations"]["cases"]:
        bent = bytearray(base)
        bent[case["offset"]] ^= 0x01
        d = decode(bytes(bent), family=6, check_checksum=False)
        got = _auth(vectors).verify(d.pdu, d.trailer, ip_address("fe80::10"), 0)
        assert got.value == case["expect"], case["what"]


def test_context_cases(vectors) -> None:
    base = bytes.fromhex(_image(vectors, "ipv6")["hex"])
    d = decode(base, family=6, check_checksum=False)
    for case in vectors["context_cases"]["cases"]:
        auth = _auth(vectors, vrid=case["vrid"])
        expected = case.get("expect_sequence") or [case["expect"]]
        got = [auth.verify(d.pdu, d.trailer, ip_address(case["source"]), 0).value for _ in expected]
        assert got == expected, case["what"]


def test_time_mode_with_clock_pinned_to_sec(vectors) -> None:
    im = _image(vectors, "ipv4")
    d = decode(bytes.fromhex(im["hex"]), family=4, check_checksum=False)
    sec = int(im["sequence_hex"], 16) >> 32
    auth = _auth(vectors, family=4, mode=AntiReplay.TIME)
    assert auth.verify(d.pdu, d.trailer, ip_address(im["source"]), sec * 10**9) is Outcome.OK
    # Live, today, the same image is a stale capture.
    auth2 = _auth(vectors, family=4, mode=AntiReplay.TIME)
    assert (
        auth2.verify(d.pdu, d.trailer, ip_address(im["source"]), (sec + 6) * 10**9) is Outcome.STALE
    )
    assert auth2.counters[Outcome.STALE] == 1 and auth2.counters[Outcome.OK] == 0


def test_receive_only_mode_verifies_but_does_not_sign(vectors) -> None:
    settings = HmacSettings(
        keys={1: Secret(bytes.fromhex(vectors["key_hex"]))},
        active_key=None,
        anti_replay=AntiReplay.MONOTONIC,
        mode=Mode.RECEIVE_ONLY,
    )
    auth = HmacAuth(settings, family=6, version=3, vrid=51)
    d = decode(bytes.fromhex(_image(vectors, "ipv6")["hex"]), family=6, check_checksum=False)
    assert auth.verify(d.pdu, d.trailer, ip_address("fe80::10"), 0) is Outcome.OK
    assert not auth.signs
    with pytest.raises(RuntimeError):
        auth.sign(d.pdu, ip_address("fe80::10"), 0)
