"""keepalived's track_process: matching, the pure tracker rules, and the
watcher on real processes this test starts (process events when the kernel
lets us have them, else /proc every second)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from pyvrrp.config import loads
from pyvrrp.daemon.procwatch import ProcessMatch, ProcessWatcher
from pyvrrp.protocol import TrackedProcess, Tracker


@pytest.mark.parametrize(
    ("m", "comm", "cmdline", "ok"),
    [
        (ProcessMatch("t", "nginx"), "nginx", ["/usr/sbin/nginx", "-g"], True),
        (ProcessMatch("t", "nginx"), "nginx-worker", ["nginx"], False),
        # comm is cut at 15 bytes: so is the name it is compared with
        (ProcessMatch("t", "a-very-long-process"), "a-very-long-pro", [], True),
        (ProcessMatch("t", "/usr/sbin/nginx", full_command=True), "x", ["/usr/sbin/nginx"], True),
        (ProcessMatch("t", "/usr/sbin/nginx", full_command=True), "nginx", ["nginx"], False),
        (ProcessMatch("t", "/bin/app", ("-a", "1")), "app", ["/bin/app", "-a", "1"], True),
        (ProcessMatch("t", "/bin/app", ("-a", "1")), "app", ["/bin/app", "-a", "1", "x"], False),
        (
            ProcessMatch("t", "/bin/app", ("-a",), "initial"),
            "app",
            ["/bin/app", "-a", "1"],
            True,
        ),
        (
            ProcessMatch("t", "/bin/app", ("1", "-b"), "partial"),
            "app",
            ["/bin/app", "-a", "1", "-b"],
            True,
        ),
        (
            ProcessMatch("t", "/bin/app", ("-b", "1"), "partial"),
            "app",
            ["/bin/app", "-a", "1", "-b"],
            False,
        ),
    ],
)
def test_keepalived_process_matching(
    m: ProcessMatch, comm: str, cmdline: list[str], ok: bool
) -> None:
    assert m.matches(comm, cmdline) is ok


@pytest.mark.parametrize(
    ("quorum", "quorum_max", "count", "have"),
    [(1, None, 0, False), (1, None, 1, True), (2, 3, 3, True), (2, 3, 4, False), (2, 3, 1, False)],
)
def test_quorum(quorum: int, quorum_max: int | None, count: int, have: bool) -> None:
    assert TrackedProcess("p", quorum=quorum, quorum_max=quorum_max).have_quorum(count) is have


def test_tracker_process_weight_and_fault() -> None:
    """keepalived: as a script whose OK is "quorum held" (weight 0: FAULT
    without quorum; reverse: the other way round)."""
    t = Tracker(
        100,
        processes=[TrackedProcess("web", weight=0), TrackedProcess("db", weight=-30)],
    )
    assert t.result().faults == frozenset({"process:web"})
    assert t.result().priority == 70
    assert t.process_count("web", 1, 0.0).faults == frozenset()
    assert t.process_count("db", 1, 0.0).priority == 100
    rev = Tracker(100, processes=[TrackedProcess("x", weight=0, reverse=True)])
    assert rev.result().faults == frozenset()
    assert rev.process_count("x", 1, 0.0).faults == frozenset({"process:x"})


CONF = """\
vrrp_track_process web {
    process nginx
    weight -20 reverse
    quorum 2
    quorum_max 4
    delay 0.5
    fork_delay 2
}
vrrp_track_process app {
    process /usr/bin/app --serve 8080
    param_match partial
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    track_process {
        web
        app weight 10
        nope
    }
    virtual_ipaddress {
        10.0.9.9/32
    }
}
"""


def test_track_process_config_loads() -> None:
    result = loads(CONF, name="k.conf", env={})
    assert result.ok, result.format()
    cfg = result.config
    assert cfg is not None
    web = cfg.track_processes["web"]
    assert (web.process, web.params, web.weight, web.reverse) == ("nginx", (), -20, True)
    assert (web.quorum, web.quorum_max) == (2, 4)
    assert (web.terminate_delay_cs, web.fork_delay_cs) == (50, 200)
    app = cfg.track_processes["app"]
    assert (app.process, app.params, app.param_match, app.full_command) == (
        "/usr/bin/app",
        ("--serve", "8080"),
        "partial",
        True,
    )
    vi = cfg.instances[0]
    assert [(t.name, t.weight) for t in vi.track_processes] == [("web", None), ("app", 10)]
    assert [d.message for d in result.diagnostics] == [
        "track_process nope: no vrrp_track_process nope; ignored"
    ]


def test_the_watcher_counts_real_processes(tmp_path: Path) -> None:
    sleep = shutil.which("sleep")
    assert sleep is not None
    name = f"tp{int(time.time() * 1000) % 10**9}"  # unique on this host
    prog = tmp_path / name
    shutil.copy(sleep, prog)
    counts: list[int] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        watcher = ProcessWatcher(loop, [ProcessMatch("t", name)], lambda n, c: counts.append(c))
        procs: list[subprocess.Popen[bytes]] = []
        try:

            async def until(value: int) -> None:
                for _ in range(400):
                    if watcher.counts()["t"] == value:
                        return
                    await asyncio.sleep(0.01)
                raise AssertionError(f"count never {value}: {watcher.counts()}")

            assert watcher.counts() == {"t": 0}
            procs = [subprocess.Popen([str(prog), "30"]) for _ in range(2)]
            await until(2)
            procs[0].kill()
            procs[0].wait()
            await until(1)
        finally:
            for p in procs:
                p.kill()
                p.wait()
            watcher.close()

    asyncio.run(scenario())
    assert counts and counts[-1] == 1


@pytest.mark.parametrize(("weight", "ok"), [(-254, True), (254, True), (-255, False), (255, False)])
def test_keepalived_track_process_weight_range(weight: int, ok: bool) -> None:
    """keepalived: a vrrp_track_process weight is -254..254."""
    if ok:
        TrackedProcess("p", weight)
    else:
        with pytest.raises(ValueError, match=f"track_process p: weight {weight} out of range"):
            TrackedProcess("p", weight)


@pytest.mark.skipif(os.geteuid() != 0, reason="the process events socket needs root")
def test_process_monitor_rcv_bufs_sizes_the_events_socket() -> None:
    import socket

    sock = ProcessWatcher._open_events(300_000, force=True)
    try:
        # Linux doubles the asked size for its bookkeeping; FORCE passes rmem_max.
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == 600_000
    finally:
        sock.close()
