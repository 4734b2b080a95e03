"""keepalived's ``owner_ignore_adverts`` (and global ``vrrp_owner_ignore_adverts``):
the address owner (priority 255) drops every advert it receives.

keepalived 2.4.3: vrrp.c vrrp_check_packet drops the packet ("Dropping
packet(s) from X since we are address owner", rate limited) after the packet
checks and before the advert is counted or read, in any state;
vrrp_complete_instance settles the value: only priority 255 may set it, unset
it is vrrp_owner_ignore_adverts, and strict mode requires it.
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Address

import pytest
from protocol_helpers import advert, router

from pyvrrp.config import loads
from pyvrrp.daemon import dumps
from pyvrrp.daemon.instance import Instance
from pyvrrp.protocol import Dropped, DropReason, Notify, SendAdvert, State, Timer
from pyvrrp.wire.vrrp import Advert, ChecksumStyle, encode

# -- the sans-I/O router -------------------------------------------------------------


def test_owner_master_ignores_a_higher_address_and_priority_zero() -> None:
    r = router("owner", 255, 1, owner_ignore_adverts=True)
    r.start(0.0)
    assert r.state is State.MASTER and r.next_deadline() == 1.0
    for prio in (255, 0, 100):
        acts = r.receive_advert(advert(prio, last=9), 0.5)
        assert acts == [
            Dropped(
                DropReason.OWNER_IGNORES_ADVERTS,
                "from 10.0.0.9: we are the address owner (owner_ignore_adverts)",
            )
        ]
    # nothing moved: still Master, same timer, no advert answered, nothing counted
    assert r.state is State.MASTER and r.next_deadline() == 1.0
    assert r.counters.adverts_received == 0 and r.counters.adverts_sent == 1
    assert r.counters.dropped == {DropReason.OWNER_IGNORES_ADVERTS: 3}
    assert r.master_address == r.params.primary_address


def test_without_it_the_owner_steps_down_for_an_equal_higher_address() -> None:
    r = router("owner", 255, 1)
    r.start(0.0)
    acts = r.receive_advert(advert(255, last=9), 0.5)
    assert r.state is State.BACKUP and any(isinstance(a, Notify) for a in acts)
    r = router("owner", 255, 1)
    r.start(0.0)
    assert r.receive_advert(advert(0, last=9), 0.5) == [SendAdvert(255)]


def test_an_owner_backup_ignores_adverts_and_takes_over_on_its_timer() -> None:
    r = router("owner", 255, 1, owner_ignore_adverts=True, initial_state="BACKUP")
    r.start(0.0)
    assert r.state is State.BACKUP and r.timer is Timer.MASTER_DOWN
    deadline = r.next_deadline()
    acts = r.receive_advert(advert(255, last=9), 1.0)
    assert [a.reason for a in acts if isinstance(a, Dropped)] == [DropReason.OWNER_IGNORES_ADVERTS]
    assert r.next_deadline() == deadline and r.master_address is None
    assert deadline is not None
    r.handle_timer(deadline)
    assert r.state is State.MASTER


def test_below_255_the_setting_changes_nothing() -> None:
    r = router("b", 254, 1, owner_ignore_adverts=True)
    r.start(0.0)
    deadline = r.next_deadline()
    assert r.receive_advert(advert(255, last=9), 1.0) == []
    assert r.next_deadline() != deadline and r.master_address == IPv4Address("10.0.0.9")


def test_the_other_checks_come_first() -> None:
    """A v2 advert of another interval is that drop (keepalived checks it first)."""
    r = router("owner", 255, 1, owner_ignore_adverts=True, version=2)
    r.start(0.0)
    [d] = r.receive_advert(advert(100, interval_cs=200, version=2), 0.5)
    assert isinstance(d, Dropped) and d.reason is DropReason.INTERVAL_MISMATCH


# -- the configuration ---------------------------------------------------------------


def _conf(prio: int, extra: str = "", glob: str = "") -> str:
    return (
        glob + "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        f"    priority {prio}\n{extra}"
        "    virtual_ipaddress {\n        10.0.9.9/32\n    }\n}\n"
    )


def _load(prio: int, extra: str = "", glob: str = "") -> tuple[bool, str]:
    r = loads(_conf(prio, extra, glob), name="k.conf", env={})
    assert r.config is not None, r.format()
    return r.config.instances[0].owner_ignore_adverts, r.format()


GLOBAL = "global_defs {\n    vrrp_owner_ignore_adverts\n}\n"
STRICT = "global_defs {\n    vrrp_strict\n}\n"


@pytest.mark.parametrize(
    ("prio", "extra", "glob", "want", "says"),
    [
        (255, "", "", False, ""),
        (255, "    owner_ignore_adverts\n", "", True, ""),
        (255, "    owner_ignore_adverts true\n", "", True, ""),
        (255, "    owner_ignore_adverts off\n", "", False, ""),
        (255, "", GLOBAL, True, ""),
        (255, "    owner_ignore_adverts false\n", GLOBAL, False, ""),
        (200, "", GLOBAL, False, ""),
        (
            200,
            "    owner_ignore_adverts\n",
            "",
            False,
            "(VI_1) ignoring owner_ignore_adverts since priority is not 255",
        ),
        (255, "", STRICT, True, ""),
        (
            255,
            "    owner_ignore_adverts false\n",
            STRICT,
            True,
            "(VI_1) strict_mode with priority 255 requires owner_ignore_adverts",
        ),
        (200, "", STRICT, False, ""),
    ],
)
def test_config_settles_it_as_keepalived(
    prio: int, extra: str, glob: str, want: bool, says: str
) -> None:
    got, text = _load(prio, extra, glob)
    assert got is want
    if says:
        assert says in text and f"k.conf:{5 if not glob else 8}" in text
    else:
        assert "owner_ignore_adverts" not in text


def test_a_bad_value_is_refused() -> None:
    r = loads(_conf(255, "    owner_ignore_adverts maybe\n"), name="k.conf", env={})
    assert "owner_ignore_adverts takes no value or one of true/false/on/off" in r.format()
    g = loads(GLOBAL.replace("adverts", "adverts maybe") + _conf(255), name="k.conf", env={})
    assert "vrrp_owner_ignore_adverts takes no value" in g.format()


# -- the daemon's instance -------------------------------------------------------------


def test_the_instance_counts_the_drop_logs_it_once_and_the_dump_shows_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    r = loads(_conf(255, "    owner_ignore_adverts\n    version 3\n"), name="k.conf", env={})
    assert r.config is not None
    src = IPv4Address("10.0.0.1")
    inst = Instance(r.config.instances[0], src, 0.0)
    inst.router.start(0.0)
    assert inst.router.params.owner_ignore_adverts
    peer, group = IPv4Address("10.0.0.9"), IPv4Address("224.0.0.18")
    adv = Advert(3, 4, 51, 255, 100, (IPv4Address("10.0.9.9"),))
    payload = encode(adv, style=ChecksumStyle.V3_PSEUDO, src=peer, dst=group)
    with caplog.at_level(logging.INFO, logger="pyvrrp"):
        for now in (0.5, 0.6):  # (the second by the memo's path)
            [d] = inst.receive(payload, peer, group, 255, now, 0)
            assert isinstance(d, Dropped) and d.reason is DropReason.OWNER_IGNORES_ADVERTS
    assert inst.drops["owner_ignore_adverts"] == 2 and inst.state is State.MASTER
    assert inst.stats.adverts_received == 0  # keepalived's advert_rcvd: not counted
    said = "(VI_1) Dropping packet(s) from 10.0.0.9 since we are address owner"
    assert [r.getMessage() for r in caplog.records] == [said]
    text = dumps.data_text(r.config, [inst])
    assert "   Address owner ignores received adverts = true" in text.splitlines()
    r = loads(_conf(200), name="k.conf", env={})
    assert r.config is not None
    text = dumps.data_text(r.config, [Instance(r.config.instances[0], src, 0.0)])
    assert "Address owner ignores" not in text
