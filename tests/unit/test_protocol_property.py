"""Random event sequences against the invariants of VRRP.

* Addresses are held (Take/Release balance is 1) exactly while a router is
  MASTER, at every step.
* A timer is live exactly in BACKUP and MASTER.
* Once every live router hears every other for longer than Master_Down_Interval,
  there is exactly one Master per virtual router (at most one with sync groups,
  which may leave a VRID without a Master by design).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_helpers import params
from vrrp_sim import Sim

from pyvrrp.protocol import State, VirtualRouter

NAMES = ("A", "B", "C")

step = st.one_of(
    st.tuples(st.just("advance"), st.integers(0, 600)),
    st.tuples(st.just("kill"), st.sampled_from(NAMES)),
    st.tuples(st.just("revive"), st.sampled_from(NAMES)),
    st.tuples(st.just("shutdown"), st.sampled_from(NAMES)),
    st.tuples(st.just("start"), st.sampled_from(NAMES)),
    st.tuples(st.just("priority"), st.sampled_from(NAMES), st.integers(1, 254)),
    st.tuples(st.just("fault"), st.sampled_from(NAMES), st.booleans()),
    st.tuples(st.just("partition"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("heal")),
)

router_config = st.fixed_dictionaries(
    {
        "priority": st.one_of(st.integers(1, 254), st.just(255)),
        "preempt": st.booleans(),
        "preempt_delay_cs": st.sampled_from([0, 0, 150]),
        "answer_lower_priority": st.booleans(),
        "initial_state": st.sampled_from([None, "MASTER", "BACKUP"]),
        "interval": st.sampled_from([10, 50, 100]),
    }
)


def check_addresses(sim: Sim) -> None:
    for name, r in sim.routers.items():
        if not sim.alive(name):
            continue
        is_master = r.state is State.MASTER
        assert sim.held.get(name, 0) == int(is_master), (name, r.state, sim.held)
        assert r.addresses_held == is_master
        live = r.state in (State.BACKUP, State.MASTER)
        assert (r.next_deadline() is not None) == live, (name, r.state)


def apply(sim: Sim, make: dict[str, Any], op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "advance":
        sim.run_for(op[1] / 100)
        return
    if kind == "heal":
        sim.heal()
        return
    if kind == "partition":
        if op[1] != op[2]:
            sim.partition(sim.host(op[1]), sim.host(op[2]))
        return
    name = op[1]
    host = sim.host(name)
    if kind == "kill":
        sim.kill(host)
    elif kind == "revive":
        if host in sim.dead:
            sim.revive(host, *[make[n]() for n in sorted(sim.routers) if sim.host(n) == host])
    elif not sim.alive(name):
        return
    elif kind == "shutdown":
        sim.call(name, "shutdown")
    elif kind == "start":
        sim.call(name, "start")
    elif kind == "priority":
        sim.call(name, "set_priority", op[2])
    elif kind == "fault":
        sim.call(name, "set_fault", op[2], "script:chk")


def settle_and_count(sim: Sim) -> dict[int, int]:
    sim.heal()
    sim.run_for(12.0)  # > Master_Down_Interval for every interval used here
    check_addresses(sim)
    masters: dict[int, int] = {}
    for n in sim.masters():
        vrid = sim.routers[n].params.vrid
        masters[vrid] = masters.get(vrid, 0) + 1
    return masters


@settings(max_examples=150, deadline=None)
@given(
    configs=st.lists(router_config, min_size=3, max_size=3),
    version=st.sampled_from([2, 3]),
    ops=st.lists(step, max_size=30),
)
def test_random_sequences_keep_vrrp_invariants(
    configs: list[dict[str, Any]], version: int, ops: list[tuple[Any, ...]]
) -> None:
    make = {}
    for i, (name, cfg) in enumerate(zip(NAMES, configs, strict=True)):
        cfg = dict(cfg)
        interval = 100 if version == 2 else cfg.pop("interval")
        cfg.pop("interval", None)
        p = params(name, last=i + 1, version=version, advert_interval_cs=interval, **cfg)
        make[name] = lambda p=p: VirtualRouter(p)
    sim = Sim.of(*[make[n]() for n in NAMES])
    sim.start()
    for op in ops:
        apply(sim, make, op)
        check_addresses(sim)
    masters = settle_and_count(sim)
    running = [
        n
        for n, r in sim.routers.items()
        if sim.alive(n) and r.state in (State.BACKUP, State.MASTER)
    ]
    assert masters.get(51, 0) == (1 if running else 0), (masters, running)


@settings(max_examples=100, deadline=None)
@given(
    prios=st.lists(st.integers(1, 254), min_size=4, max_size=4),
    ops=st.lists(step, max_size=25),
)
def test_sync_groups_never_leave_two_masters(prios: list[int], ops: list[tuple[Any, ...]]) -> None:
    # Hosts X (A, B) and Y (C, D); VRID 1 = A/C, VRID 2 = B/D. The step names
    # A, B, C address routers A, B, C; D is driven through its group.
    layout = [("A", 1, 1), ("B", 1, 2), ("C", 2, 1), ("D", 2, 2)]
    make = {}
    for (name, last, vrid), prio in zip(layout, prios, strict=True):
        p = params(name, prio, last, vrid=vrid)
        make[name] = lambda p=p: VirtualRouter(p)
    sim = Sim.of(*[make[n]() for n, _, _ in layout], groups={"X": ["A", "B"], "Y": ["C", "D"]})
    sim.start()
    for op in ops:
        apply(sim, make, op)
        check_addresses(sim)
    masters = settle_and_count(sim)
    assert all(count <= 1 for count in masters.values()), masters
    # A group is all-or-nothing: never one member Master and a running one not
    # (a member shut down on its own, in INITIALIZE, no longer counts).
    for members in (("A", "B"), ("C", "D")):
        states = {sim.routers[n].state for n in members if sim.alive(n)} - {State.INITIALIZE}
        assert not (State.MASTER in states and len(states) > 1), states
