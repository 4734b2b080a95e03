# ruff: noqa: E501
"""Key lifecycle: lifetimes under a fake clock, last-key expiry, revocation,
config keywords, status fields (no key bytes), rollout readiness, keygen."""

from __future__ import annotations

import json
import logging
import os
import stat
from ipaddress import ip_address
from pathlib import Path

import pytest
from tag_impl import tag_impl  # noqa: F401  (every test here runs with the C and the Python tag)

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings, NoSendingKey
from pyvrrp.auth.keys import Secret, load_key
from pyvrrp.auth.lifecycle import (
    ALARM_ALL_KEYS_REVOKED,
    ALARM_LAST_KEY_EXPIRED,
    Lifetime,
    format_utc,
    parse_utc,
    plan,
)
from pyvrrp.auth.outcome import Mode, Outcome
from pyvrrp.auth.rollout import SenderView, readiness
from pyvrrp.cli import main
from pyvrrp.config import loads
from pyvrrp.daemon.instance import Instance, hmac_settings
from pyvrrp.wire import Advert, encode
from pyvrrp.wire.vrrp import ChecksumStyle

S = 10**9
T = 1_800_000_000  # a whole second (2027-01-15T08:00:00Z)
TNS = T * S
K1, K2, K3 = bytes(range(32)), bytes(range(100, 132)), bytes(range(200, 232))
HEX = {k: k.hex() for k in (K1, K2, K3)}
A = ip_address("10.0.0.1")


def pdu() -> bytes:
    return encode(
        Advert(3, 4, 51, 100, 100, (ip_address("10.9.0.1"),)), style=ChecksumStyle.MESSAGE
    )


def auth(**kw) -> HmacAuth:
    kw.setdefault("keys", {1: Secret(K1), 2: Secret(K2)})
    kw.setdefault("active_key", 1)
    return HmacAuth(HmacSettings(**kw), family=4, version=3, vrid=51)


def signed_with(a: HmacAuth, now_ns: int) -> int:
    return a.sign(pdu(), A, now_ns)[1]


def exchange(tx: HmacAuth, rx: HmacAuth, now_ns: int) -> Outcome:
    p = pdu()
    return rx.verify(p, tx.sign(p, A, now_ns), A, now_ns)


ROTATE = {
    "send_lifetimes": {1: Lifetime(T - 3600, T), 2: Lifetime(T, None)},
}


# -- time parsing ---------------------------------------------------------------


def test_utc_round_trip_and_strictness() -> None:
    assert parse_utc("2027-01-15T08:00:00Z") == T
    assert format_utc(T) == "2027-01-15T08:00:00Z" and format_utc(None) == "infinite"
    for bad in (
        "2027-01-15 08:00:00Z",
        "2027-01-15T08:00:00",
        "2027-01-15T08:00:00+01:00",
        "2027-02-30T00:00:00Z",
    ):
        with pytest.raises(ValueError):
            parse_utc(bad)
    with pytest.raises(ValueError):
        Lifetime(T, T)


# -- sending --------------------------------------------------------------------


def test_send_switches_exactly_at_the_second() -> None:
    a = auth(**ROTATE)
    assert signed_with(a, TNS - 1) == 1
    assert signed_with(a, TNS) == 2
    assert signed_with(a, TNS + 1) == 2
    # The clock stepping back re-plans too (no reading of the clock inside).
    assert signed_with(a, TNS - S) == 1


def test_active_key_wins_inside_its_send_lifetime_else_latest_start() -> None:
    keys = {1: Secret(K1), 2: Secret(K2), 3: Secret(K3)}
    send = {1: Lifetime(T - 100, T), 2: Lifetime(T - 50, None), 3: Lifetime(T - 10, None)}
    a = auth(keys=keys, active_key=1, send_lifetimes=send)
    assert signed_with(a, TNS - S) == 1  # active, inside its lifetime
    assert signed_with(a, TNS) == 3  # active expired: latest send start among valid keys
    b = auth(keys=keys, active_key=2, send_lifetimes=send)
    assert signed_with(b, TNS) == 2  # active valid: kept even though 3 started later


def test_no_lifetimes_behaves_like_keepalived() -> None:
    a = auth()
    assert a.key_plan(0).send_key == 1 and a.key_plan(TNS).alarm is None
    assert signed_with(a, TNS) == 1
    rx = auth()
    assert exchange(a, rx, TNS) is Outcome.OK


# -- accepting ------------------------------------------------------------------


def test_accept_windows_overlapping() -> None:
    acc = {1: Lifetime(T - 100, T + 10), 2: Lifetime(T + 5, None)}
    rx = auth(accept_lifetimes=acc)
    tx1, tx2 = auth(active_key=1), auth(active_key=2)
    assert exchange(tx1, rx, TNS) is Outcome.OK
    assert exchange(tx2, rx, TNS + 5 * S - 1) is Outcome.KEY_EXPIRED  # not yet
    assert exchange(tx2, rx, TNS + 5 * S) is Outcome.OK  # overlap: both
    assert exchange(tx1, rx, TNS + 7 * S) is Outcome.OK
    assert exchange(tx1, rx, TNS + 10 * S - 1) is Outcome.OK
    assert exchange(tx1, rx, TNS + 10 * S) is Outcome.KEY_EXPIRED  # end is exclusive
    assert exchange(tx2, rx, TNS + 10 * S) is Outcome.OK
    assert rx.counters[Outcome.KEY_EXPIRED] == 2
    assert rx.counters[Outcome.UNKNOWN_KEY] == 0


def test_unknown_key_stays_unknown_with_lifetimes() -> None:
    rx = auth(accept_lifetimes={1: Lifetime(T, None)})
    tx = auth(keys={9: Secret(K3)}, active_key=9)
    assert exchange(tx, rx, TNS) is Outcome.UNKNOWN_KEY


def test_expired_key_noted_per_unicast_peer() -> None:
    s = HmacSettings(keys={1: Secret(K1)}, active_key=1, accept_lifetimes={1: Lifetime(T, T + 1)})
    rx = HmacAuth(s, family=4, version=3, vrid=51, peers=[A])
    tx = auth(keys={1: Secret(K1)})
    assert exchange(tx, rx, TNS + 2 * S) is Outcome.KEY_EXPIRED
    st = rx.sender_states()[A]
    assert st.outcomes == {"expired_key": 1} and st.last_seen["expired_key"] == TNS + 2 * S


# -- gaps and the last key ---------------------------------------------------------

GAP = {1: Lifetime(T - 100, T), 2: Lifetime(T + 10, None)}


def test_gap_between_keys_keep_signs_with_the_last_key_and_alarms() -> None:
    a = auth(send_lifetimes=GAP)
    p = a.key_plan(TNS + 5 * S)
    assert p.send_key == 1 and p.alarm == ALARM_LAST_KEY_EXPIRED
    assert signed_with(a, TNS + 5 * S) == 1
    p = a.key_plan(TNS + 10 * S)
    assert p.send_key == 2 and p.alarm is None


def test_gap_between_keys_stop_sends_nothing() -> None:
    a = auth(send_lifetimes=GAP, on_last_key_expiry="stop")
    assert a.send_key(TNS - 1) == 1
    assert a.send_key(TNS) is None and a.key_plan(TNS).alarm == ALARM_LAST_KEY_EXPIRED
    with pytest.raises(NoSendingKey):
        a.sign(pdu(), A, TNS)
    assert a.send_key(TNS + 10 * S) == 2


def test_last_key_expiry_keep_rfc2328_d3() -> None:
    life = {1: Lifetime(T - 100, T)}
    kw = {"keys": {1: Secret(K1)}, "send_lifetimes": life, "accept_lifetimes": life}
    tx, rx = auth(**kw), auth(**kw)
    assert exchange(tx, rx, TNS - 1) is Outcome.OK
    # Expired: still signed with key 1, and accepted as if its lifetime were
    # infinite while the alarm lasts (every node has the same chain).
    assert exchange(tx, rx, TNS + 60 * S) is Outcome.OK
    assert tx.key_plan(TNS).alarm == ALARM_LAST_KEY_EXPIRED
    assert rx.counters[Outcome.KEY_EXPIRED] == 0


def test_last_key_expiry_stop_rfc7166() -> None:
    life = {1: Lifetime(T - 100, T)}
    kw = {
        "keys": {1: Secret(K1)},
        "send_lifetimes": life,
        "accept_lifetimes": life,
        "on_last_key_expiry": "stop",
    }
    tx, rx = auth(**kw), auth(**kw)
    assert exchange(tx, rx, TNS - 1) is Outcome.OK
    with pytest.raises(NoSendingKey):
        tx.sign(pdu(), A, TNS)
    old = auth(keys={1: Secret(K1)})
    assert exchange(old, rx, TNS) is Outcome.KEY_EXPIRED  # nor received


def test_plan_is_pure_and_cached_between_boundaries() -> None:
    p = plan([1, 2], active_key=1, now_ns=TNS - 5, send=ROTATE["send_lifetimes"])
    assert p.send_key == 1 and p.valid_from == (T - 3600) * S and p.valid_until == TNS
    assert plan([1], active_key=1, now_ns=0, signs=False).send_key is None


# -- revocation -------------------------------------------------------------------


def test_revocation_refused_at_once_after_configure_material_kept() -> None:
    tx = auth(active_key=1)
    rx = auth()
    assert exchange(tx, rx, TNS) is Outcome.OK
    rx.configure(
        HmacSettings(keys={1: Secret(K1), 2: Secret(K2)}, active_key=1, revoked=frozenset({1}))
    )
    assert exchange(tx, rx, TNS + S) is Outcome.REVOKED_KEY
    assert rx.counters[Outcome.REVOKED_KEY] == 1 and rx.counters[Outcome.UNKNOWN_KEY] == 0
    assert 1 in rx.settings.keys and 1 in rx._keys  # the key material is still there
    # The revoked active key is not used: the other valid key signs.
    assert rx.send_key(TNS + S) == 2
    # Un-revoking on the next reload restores it at once.
    rx.configure(HmacSettings(keys={1: Secret(K1), 2: Secret(K2)}, active_key=1))
    assert exchange(tx, rx, TNS + 2 * S) is Outcome.OK


def test_every_key_revoked_sends_nothing_whatever_the_policy() -> None:
    for policy in ("keep", "stop"):
        a = auth(revoked=frozenset({1, 2}), on_last_key_expiry=policy)
        p = a.key_plan(TNS)
        assert p.send_key is None and p.alarm == ALARM_ALL_KEYS_REVOKED and not p.accept
        with pytest.raises(NoSendingKey):
            a.sign(pdu(), A, TNS)


def test_revoked_key_never_chosen_as_last_key() -> None:
    a = auth(
        send_lifetimes={1: Lifetime(T - 100, T), 2: Lifetime(T - 200, T - 100)},
        revoked=frozenset({1}),
    )
    assert a.send_key(TNS) == 2  # key 2 ended earlier, but key 1 is revoked


# -- config ---------------------------------------------------------------------

KH1, KH2 = "hex:" + HEX[K1], "hex:" + HEX[K2]


def conf(*lines: str) -> str:
    body = "".join(f"        {line}\n" for line in lines)
    return (
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    version 3\n"
        "    auth_hmac {\n" + body + "    }\n    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n"
    )


def diags(text: str) -> list[tuple[int, str, str]]:
    r = loads(text, name="t.conf", env={})
    out = [(d.line, d.level, d.message) for d in r.diagnostics]
    blob = r.format() + json.dumps(r.config.to_json() if r.config else None)
    assert HEX[K1] not in blob and HEX[K2] not in blob
    return out


INFO = "vrrp_instance VI_1: auth_hmac uses pyvrrp key lifecycle keywords ({}) that keepalived does not support"


def test_config_lifetimes_parsed() -> None:
    text = conf(
        f"key 1 {KH1} send_lifetime 2026-01-01T00:00:00Z 2026-12-01T00:00:00Z accept_lifetime 2026-01-01T00:00:00Z 2026-12-02T00:00:00Z",
        f"key 2 {KH2} send_lifetime 2026-12-01T00:00:00Z infinite",
        "active_key 1",
        "on_last_key_expiry stop",
        "revoked_keys 3",
        f"key 3 hex:{HEX[K3]}",
    )
    r = loads(text, name="t.conf", env={})
    assert r.ok, r.format()
    assert [(d.line, d.level, d.message) for d in r.diagnostics] == [
        (5, "info", INFO.format("send_lifetime, accept_lifetime, on_last_key_expiry, revoked_keys"))
    ]
    h = r.config.instances[0].auth_hmac
    k1, k2, _ = h.keys
    assert k1.send_lifetime == Lifetime(
        parse_utc("2026-01-01T00:00:00Z"), parse_utc("2026-12-01T00:00:00Z")
    )
    assert k1.accept_lifetime.end == parse_utc("2026-12-02T00:00:00Z")
    assert k2.send_lifetime.end is None and k2.accept_lifetime is None
    assert h.revoked_keys == (3,) and h.on_last_key_expiry == "stop"
    s = hmac_settings(r.config.instances[0])
    assert set(s.send_lifetimes) == {1, 2} and set(s.accept_lifetimes) == {1}
    assert s.revoked == frozenset({3}) and s.on_last_key_expiry == "stop"


def test_config_without_new_keywords_unchanged() -> None:
    r = loads(conf(f"key 1 {KH1}", "active_key 1"), name="t.conf", env={})
    assert r.diagnostics == []
    h = r.config.instances[0].auth_hmac
    assert h.revoked_keys == () and h.on_last_key_expiry == "keep"
    assert h.keys[0].send_lifetime is None and h.keys[0].accept_lifetime is None
    s = hmac_settings(r.config.instances[0])
    assert not s.send_lifetimes and not s.accept_lifetimes and not s.revoked


NOKEY = (5, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [f"key 1 {KH1} send_lifetime 2026-12-01T00:00:00Z", "active_key 1"],
            [
                NOKEY,
                (
                    6,
                    "error",
                    "auth_hmac key 1: send_lifetime needs a start and an end (UTC like 2026-12-01T00:00:00Z; the end may be infinite)",
                ),
            ],
        ),
        (
            [f"key 1 {KH1} send_lifetime 2026-12-01 infinite", "active_key 1"],
            [
                NOKEY,
                (
                    6,
                    "error",
                    "auth_hmac key 1: send_lifetime start '2026-12-01' is not a UTC time like 2026-12-01T00:00:00Z",
                ),
            ],
        ),
        (
            [f"key 1 {KH1} accept_lifetime 2026-12-01T00:00:00Z never", "active_key 1"],
            [
                NOKEY,
                (
                    6,
                    "error",
                    "auth_hmac key 1: accept_lifetime end 'never' is not a UTC time like 2026-12-01T00:00:00Z or infinite",
                ),
            ],
        ),
        (
            [
                f"key 1 {KH1} send_lifetime 2026-12-01T00:00:00Z 2026-11-01T00:00:00Z",
                "active_key 1",
            ],
            [NOKEY, (6, "error", "auth_hmac key 1: send_lifetime ends before it starts")],
        ),
        (
            [
                f"key 1 {KH1} send_lifetime 2026-12-01T00:00:00Z 2026-12-01T00:00:00Z",
                "active_key 1",
            ],
            [NOKEY, (6, "error", "auth_hmac key 1: send_lifetime ends before it starts")],
        ),
        (
            [
                f"key 1 {KH1} send_lifetime 2026-12-01T00:00:00Z infinite send_lifetime 2026-12-01T00:00:00Z infinite",
                "active_key 1",
            ],
            [NOKEY, (6, "error", "auth_hmac key 1: send_lifetime given twice")],
        ),
        (
            [f"key 1 {KH1} {KH2}", "active_key 1"],
            [
                NOKEY,
                (
                    6,
                    "error",
                    "auth_hmac key 1: unexpected '<68 characters>' after the key value (expected send_lifetime or accept_lifetime)",
                ),
            ],
        ),
        (
            [f"key 1 {KH1}", f"key 2 {KH2} send_lifetime x infinite", "active_key 2"],
            [
                (
                    8,
                    "error",
                    "active_key 2 names a key that could not be loaded; auth_hmac disabled",
                ),
                (
                    7,
                    "error",
                    "auth_hmac key 2: send_lifetime start 'x' is not a UTC time like 2026-12-01T00:00:00Z",
                ),
            ],
        ),
        (
            [f"key 1 {KH1}", "active_key 1", "revoked_keys 1 x"],
            [(8, "error", "revoked_keys: 'x' is not a key id (1..255)")],
        ),
        (
            [f"key 1 {KH1}", "active_key 1", "revoked_keys"],
            [(8, "error", "revoked_keys needs at least one key id (1..255)")],
        ),
        (
            [f"key 1 {KH1}", "active_key 1", "on_last_key_expiry fallback"],
            [(8, "error", "on_last_key_expiry must be 'keep' or 'stop'")],
        ),
    ],
)
def test_config_lifecycle_errors(lines: list[str], expected: list[tuple[int, str, str]]) -> None:
    got = [d for d in diags(conf(*lines)) if d[1] != "info"]
    assert sorted(got) == sorted(expected)


def test_config_lifecycle_warnings_and_infos() -> None:
    got = diags(
        conf(
            f"key 1 {KH1} send_lifetime 2026-01-01T00:00:00Z infinite accept_lifetime 2026-01-01T00:00:00Z 2027-01-01T00:00:00Z",
            f"key 2 {KH2}",
            "active_key 1",
            "revoked_keys 1 7",
        )
    )
    assert got == [
        (5, "info", INFO.format("send_lifetime, accept_lifetime, revoked_keys")),
        (
            6,
            "warning",
            "auth_hmac key 1: send_lifetime is not inside accept_lifetime; peers with this configuration reject what it signs outside it",
        ),
        (
            8,
            "info",
            "active_key 1 is revoked; signing with the valid key with the latest send start",
        ),
        (9, "warning", "revoked_keys: key 7 is not configured"),
    ]
    got = diags(conf(f"key 1 {KH1}", "active_key 1", "revoked_keys 1"))
    assert (
        5,
        "warning",
        "vrrp_instance VI_1: every auth_hmac key is revoked; this instance sends no advert",
    ) in got
    r = loads(conf(f"key 1 {KH1}", "active_key 1", "revoked_keys 1"), name="t.conf", env={})
    assert r.ok  # revoking the last key must not keep the old (compromised) config running


# -- the instance: no advert unsigned, alarm, status ---------------------------------


def make_instance(*lines: str) -> Instance:
    r = loads(conf(*lines), name="t.conf", env={})
    assert r.ok, r.format()
    return Instance(r.config.instances[0], ip_address("192.0.2.10"), 0.0)


def test_instance_stop_policy_sends_nothing_and_alarms(caplog: pytest.LogCaptureFixture) -> None:
    end = format_utc(T)
    inst = make_instance(
        f"key 1 {KH1} send_lifetime 2026-01-01T00:00:00Z {end} accept_lifetime 2026-01-01T00:00:00Z {end}",
        "active_key 1",
        "on_last_key_expiry stop",
    )
    assert len(inst.build_adverts(100, TNS - S)) == 1
    caplog.set_level(logging.INFO, "pyvrrp")
    for k in range(4):  # four adverts within one advert interval (1 s): one log line
        assert inst.build_adverts(100, TNS + k * S // 4) == []
    assert inst.stats.adverts_suppressed == 4 and inst.stats.adverts_sent == 1
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert lines == [
        "(VI_1) auth_hmac: the last key has expired; not sending adverts (on_last_key_expiry stop): add a key or extend its send_lifetime [last_key_expired]"
    ]
    assert inst.build_adverts(100, TNS + S) == []
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2
    st = inst.status(0.0, TNS + S)
    assert st["auth_alarm"] == "last_key_expired" and st["send_key"] is None
    assert st["adverts_suppressed"] == 5 and not st["rollout"]["ok"]
    assert HEX[K1] not in json.dumps(st) + caplog.text


def test_instance_keep_policy_signs_with_the_last_key(caplog: pytest.LogCaptureFixture) -> None:
    inst = make_instance(
        f"key 1 {KH1} send_lifetime 2026-01-01T00:00:00Z {format_utc(T)}", "active_key 1"
    )
    caplog.set_level(logging.INFO, "pyvrrp")
    ((_dst, payload),) = inst.build_adverts(100, TNS + 3 * S)
    assert len(payload) == 8 + 4 + 28 and payload[-27] == 1  # signed, key id 1
    assert "still signing with key 1 (on_last_key_expiry keep)" in caplog.text
    st = inst.status(0.0, TNS + 3 * S)
    assert st["auth_alarm"] == "last_key_expired" and st["send_key"] == 1
    assert st["keys"] == [
        {
            "id": 1,
            "revoked": False,
            "send_valid": False,
            "accept_valid": True,
            "send_lifetime": ["2026-01-01T00:00:00Z", "2027-01-15T08:00:00Z"],
            "accept_lifetime": None,
        }
    ]


def test_instance_logs_rotation_and_status_shows_key_states(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inst = make_instance(
        f"key 1 {KH1} send_lifetime 2026-01-01T00:00:00Z {format_utc(T)}",
        f"key 2 {KH2} send_lifetime {format_utc(T)} infinite",
        "active_key 1",
        "revoked_keys 3",
        f"key 3 hex:{HEX[K3]}",
    )
    caplog.set_level(logging.INFO, "pyvrrp")
    assert inst.build_adverts(100, TNS - 1)[0][1][-27] == 1
    assert inst.build_adverts(100, TNS)[0][1][-27] == 2
    assert "(VI_1) auth_hmac: signing with key 2 (was key 1)" in caplog.text
    st = inst.status(0.0, TNS)
    assert st["send_key"] == 2 and st["auth_alarm"] is None
    assert [(k["id"], k["revoked"], k["send_valid"]) for k in st["keys"]] == [
        (1, False, False),
        (2, False, True),
        (3, True, False),
    ]
    blob = json.dumps(st) + caplog.text
    assert all(h not in blob for h in HEX.values())
    assert set(st["auth"]) >= {"expired_key", "revoked_key"}


def test_status_peers_and_unsigned_multicast_sources_bounded() -> None:
    rx = auth()
    p = pdu()
    for i in range(100):  # a flood of unsigned adverts from forged sources
        rx.verify(p, None, ip_address(f"10.1.{i // 250}.{i % 250 + 1}"), TNS)
    assert len(rx.unsigned_sources) == 16 and rx.counters[Outcome.MISSING] == 100
    assert not rx.senders  # and the verified-sender table is untouched


# -- rollout readiness --------------------------------------------------------------

W = 10 * S
NOW = TNS


def ok_view(addr="10.0.0.2", **kw) -> SenderView:
    return SenderView(addr, last_ok_ns=NOW - S, **kw)


@pytest.mark.parametrize(
    ("mode", "views", "kw", "ok", "nxt", "reason"),
    [
        (
            "permissive",
            [ok_view()],
            {},
            True,
            "enforce",
            "1 sender(s) verified, nothing unsigned or failing in the last 10s",
        ),
        (
            "permissive",
            [SenderView("10.0.0.2", last_seen_ns={"missing": NOW - S})],
            {},
            False,
            "enforce",
            "10.0.0.2 does not sign (no verified advert in the last 10s)",
        ),
        (
            "permissive",
            [ok_view(last_seen_ns={"missing": NOW - 2 * S})],
            {},
            False,
            "enforce",
            "10.0.0.2 sent unsigned adverts in the last 10s",
        ),
        (
            "permissive",
            [ok_view(last_seen_ns={"missing": NOW - 20 * S})],
            {},
            True,
            "enforce",
            "1 sender(s) verified, nothing unsigned or failing in the last 10s",
        ),
        (
            "permissive",
            [ok_view(last_seen_ns={"bad_hmac": NOW - S, "stale": NOW - S})],
            {},
            False,
            "enforce",
            "10.0.0.2: bad_hmac, stale in the last 10s",
        ),
        (
            "permissive",
            [ok_view()],
            {"instance_last": {"missing": NOW - S}},
            False,
            "enforce",
            "unsigned adverts in the last 10s",
        ),
        (
            "permissive",
            [ok_view()],
            {"instance_last": {"bad_hmac": NOW - S}},
            False,
            "enforce",
            "bad_hmac in the last 10s",
        ),
        (
            "permissive",
            [ok_view()],
            {"alarm": "last_key_expired"},
            False,
            "enforce",
            "auth alarm last_key_expired: fix the key chain first",
        ),
        ("permissive", [], {}, False, "enforce", "no advert heard in the last 10s"),
        (
            "permissive",
            [],
            {"is_master": True},
            True,
            "enforce",
            "no failure seen; as Master this node hears no adverts: check the Backups' status",
        ),
        (
            "receive-only",
            [SenderView("10.0.0.2", last_seen_ns={"missing": NOW - S})],
            {},
            True,
            "permissive",
            "1 sender(s) heard, no failing trailer in the last 10s; every node must run auth_hmac (any mode) before one signs",
        ),
        (
            "receive-only",
            [SenderView("10.0.0.2", last_seen_ns={"unknown_key": NOW - S})],
            {},
            False,
            "permissive",
            "10.0.0.2: unknown_key in the last 10s",
        ),
        (
            "enforce",
            [ok_view()],
            {},
            True,
            None,
            "enforcing: 1 sender(s) verified, nothing unsigned or failing in the last 10s",
        ),
        (
            "enforce",
            [ok_view(last_seen_ns={"expired_key": NOW - S})],
            {},
            False,
            None,
            "10.0.0.2: expired_key in the last 10s",
        ),
    ],
)
def test_rollout_readiness(mode, views, kw, ok, nxt, reason) -> None:
    r = readiness(mode, views, now_ns=NOW, window_ns=W, **kw)
    assert (r.ok, r.next_mode, r.reason) == (ok, nxt, reason)


def test_rollout_silent_configured_peers_listed() -> None:
    views = [ok_view("10.0.0.2", configured=True), SenderView("10.0.0.3", configured=True)]
    r = readiness("permissive", views, now_ns=NOW, window_ns=W)
    assert r.ok and r.silent == ("10.0.0.3",)
    assert r.to_dict()["silent_peers"] == ["10.0.0.3"]


# -- keygen -------------------------------------------------------------------------


def test_keygen_prints_a_fresh_hex_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"]) == 0
    a = capsys.readouterr().out.strip()
    assert main(["keygen", "--bytes", "64"]) == 0
    b = capsys.readouterr().out.strip()
    assert a.startswith("hex:") and len(a) == 4 + 64 and len(b) == 4 + 128
    assert load_key(a).secret.value.hex() == a[4:]
    assert a[4:] != b[4:68]


@pytest.mark.parametrize(
    "argv", [["--bytes", "31"], ["--bytes", "65"], ["--id", "0"], ["--id", "x"]]
)
def test_keygen_rejects_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["keygen", *argv])
    assert exc.value.code == 2


def test_keygen_out_file_mode_0600_and_no_key_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "k.key"
    old = os.umask(0o277)  # would strip the owner's write bit
    try:
        assert main(["keygen", "--out", str(path), "--id", "4"]) == 0
    finally:
        os.umask(old)
    out, err = capsys.readouterr()
    assert out == f"key 4 file:{path}\n" and err == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("hex:") and len(text.strip()) == 68
    assert text.strip()[4:] not in out
    loaded = load_key(f"file:{path}")
    assert len(loaded.secret) == 32 and loaded.warnings == ()


def test_keygen_out_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "k.key"
    path.write_text("keep me")
    assert main(["keygen", "--out", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"pyvrrp keygen: {path} exists; refusing to overwrite it\n"
    assert path.read_text() == "keep me"
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "target")
    assert main(["keygen", "--out", str(link)]) == 1
    assert not (tmp_path / "target").exists()


def test_keygen_systemd_creds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "--systemd-creds", "vrrp51", "--id", "2"]) == 0
    out = capsys.readouterr().out
    assert (
        "umask 077; pyvrrp keygen --bytes 32 | systemd-creds encrypt --name=vrrp51 - "
        "/etc/credstore.encrypted/vrrp51\n"
    ) in out
    assert out.rstrip().endswith("key 2 file:${_ENV CREDENTIALS_DIRECTORY}/vrrp51")
    assert "hex:" not in out  # the key itself is never shown
    assert main(["keygen", "--systemd-creds", "../x"]) == 2
    with pytest.raises(SystemExit):
        main(["keygen", "--systemd-creds", "a", "--out", "/tmp/x"])


def test_status_auth_text_shows_keys_alarm_and_rollout(monkeypatch, capsys) -> None:
    from pyvrrp.commands import status as status_cmd

    inst = make_instance(
        f"key 1 {KH1} send_lifetime 2026-01-01T00:00:00Z {format_utc(T)}",
        f"key 2 {KH2}",
        "active_key 1",
        "revoked_keys 2",
    )
    tx = auth(keys={1: Secret(K1)})
    p = pdu()
    src = ip_address("192.0.2.20")
    inst.auth.verify(p, tx.sign(p, src, TNS - 2 * S), src, TNS - 2 * S)
    inst.auth.verify(p, None, ip_address("192.0.2.21"), TNS - S)
    doc = {"instances": [inst.status(0.0, TNS)], "ok": True}
    monkeypatch.setattr(status_cmd, "request", lambda path: json.loads(json.dumps(doc)))
    assert main(["status", "--auth"]) == 0
    out = capsys.readouterr().out
    assert "VI_1: mode enforce, signs True, active key 1, sending with key 1" in out
    assert "ALARM last_key_expired (on_last_key_expiry keep), adverts not sent: 0" in out
    assert (
        "key 1: send no, accept yes send_lifetime 2026-01-01T00:00:00Z 2027-01-15T08:00:00Z" in out
    )
    assert "key 2: revoked" in out
    assert (
        "peer 192.0.2.20: signs True, key 1, last skew 0s, accepted 1 (last 2.0s ago), rejected: none"
        in out
    )
    assert "sender 192.0.2.21: unsigned, 1 advert(s), last 1.0s ago" in out
    assert "rollout enforce: NOT ready: auth alarm last_key_expired: fix the key chain first" in out
    assert all(h not in out for h in HEX.values())


def test_metrics_expose_alarm_without_key_bytes() -> None:
    pytest.importorskip("prometheus_client")
    from pyvrrp.daemon.metrics import StatusCollector

    inst = make_instance(f"key 1 {KH1}", "active_key 1", "revoked_keys 1")

    class D:
        def status(self):
            return {"instances": [inst.status(0.0, TNS)]}

    text = ""
    for fam in StatusCollector(D()).collect():
        for sample in fam.samples:
            text += f"{sample.name}{sample.labels}={sample.value}\n"
    assert "'alarm': 'all_keys_revoked'}=1.0" in text
    assert HEX[K1] not in text


def test_a_receive_only_node_accepts_the_kept_last_key_like_the_others() -> None:
    """RFC 2328 D.3 ("keep"): when the last key's lifetimes run out the signers
    go on with it and every receiver accepts it. A node in receive-only mode
    (a rollout's first sweep) must too, or it stops hearing its Master and
    becomes a second one."""
    expired = {1: Lifetime(T - 100, T)}
    common = {"keys": {1: Secret(K1)}, "send_lifetimes": expired, "accept_lifetimes": expired}
    tx = auth(**common)
    now = TNS + 60 * S
    for mode in (Mode.ENFORCE, Mode.PERMISSIVE, Mode.RECEIVE_ONLY):
        rx = auth(mode=mode, **common)
        assert exchange(tx, rx, now) is Outcome.OK, mode
    stop = {**common, "on_last_key_expiry": "stop"}
    rx = auth(mode=Mode.RECEIVE_ONLY, **stop)
    assert exchange(tx, rx, now) is Outcome.KEY_EXPIRED
    p = plan([1], active_key=1, now_ns=now, send=expired, accept=expired, signs=False)
    assert (p.send_key, p.accept, p.alarm) == (None, frozenset({1}), None)
