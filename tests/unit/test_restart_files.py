"""The in-place restart's and the crash checkpoint's moving parts: the
checkpoint and hand-over files, the new image's command line, the import
check, an instance's run-time state, and the bridge (a real fork, with a
stand-in socket writing to a pipe)."""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from pyvrrp.config import loads
from pyvrrp.daemon import restart
from pyvrrp.daemon.instance import Instance
from pyvrrp.protocol import State
from pyvrrp.protocol.handover import CheckpointEntry


def _entry(name: str, state: State, seq: int | None = None) -> CheckpointEntry:
    return CheckpointEntry(name, 51, 4, "eth0", state, 0.0, "", seq)


def test_checkpoint_round_trip_uses_the_file_time_and_this_boot(tmp_path: Path) -> None:
    c = restart.Checkpoint(str(tmp_path / "cp.state"))
    assert c.load() == {}
    c.write([_entry("VI_1", State.MASTER, 5), _entry("VI_2", State.BACKUP)])
    assert oct(os.stat(c.path).st_mode & 0o777) == "0o600"
    os.utime(c.path, (1000.0, 1000.0))
    got = c.load()
    assert got["VI_1"].state is State.MASTER and got["VI_1"].sequence == 5
    assert got["VI_1"].written == 1000.0 and got["VI_1"].boot == restart.boot_id()
    c.touch()
    assert c.load()["VI_2"].written > time.time() - 5
    Path(c.path).write_text("{not json")
    assert c.load() == {}
    c.remove()
    c.remove()  # (twice: no error)
    assert not Path(c.path).exists()


def test_handover_is_read_once_and_only_of_this_version_and_boot(tmp_path: Path) -> None:
    p = str(tmp_path / "h")
    doc = {"version": restart.HANDOVER_VERSION, "boot": restart.boot_id(), "restarts": 2}
    restart.write_handover(p, doc)
    assert restart.read_handover(p) == doc
    assert not Path(p).exists()  # consumed
    assert restart.read_handover(p) is None
    for bad in ({**doc, "version": 99}, {**doc, "boot": "another"}, [1, 2]):
        restart.write_handover(p, bad)  # type: ignore[arg-type]
        assert restart.read_handover(p) is None


def test_exec_args_replace_an_earlier_handover() -> None:
    argv = ["run", "-f", "k.conf", "--handover", "/old", "--bridge-fd", "9", "--control", "c"]
    assert restart.exec_args(argv, "/new", 7) == [
        sys.executable,
        "-m",
        "pyvrrp",
        "run",
        "-f",
        "k.conf",
        "--control",
        "c",
        "--handover",
        "/new",
        "--bridge-fd",
        "7",
    ]


def test_the_code_on_disk_imports() -> None:
    assert restart.code_imports() is None


def _instance() -> Instance:
    text = (
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        "    version 3\n    auth_hmac {\n        key 1 hex:" + "00" * 32 + "\n"
        "        active_key 1\n    }\n    virtual_ipaddress {\n        10.0.0.100/24\n    }\n}\n"
    )
    r = loads(text, name="t.conf", env={})
    assert r.ok, r.format()
    return Instance(r.config.instances[0], IPv4Address("10.0.0.1"), 100.0)


def test_an_instance_s_state_goes_across() -> None:
    from pyvrrp.auth.hmac_auth import SenderState

    old = _instance()
    old.stats.adverts_received = 42
    old.drops["ttl"] = 3
    old.master_priority = 200
    old.state_since = 90.0
    assert old.auth is not None
    old.auth.send_sequence.last = 77 << 32
    old.auth.senders[b"\x0a\x00\x00\x09"] = SenderState(high_water=5 << 32, last_key_id=1)
    doc = json.loads(json.dumps(restart.instance_doc(old, 100.0)))
    new = _instance()
    restart.restore_instance(new, doc, (78 << 32), 200.0)
    assert new.stats.adverts_received == 42 and new.drops["ttl"] == 3
    assert new.master_priority == 200 and new.state_since == 190.0
    assert new.auth is not None
    assert new.auth.send_sequence.last == 78 << 32  # the bridge's, later
    st = new.auth.senders[b"\x0a\x00\x00\x09"]
    assert (st.high_water, st.last_key_id) == (5 << 32, 1)
    restart.restore_instance(new, doc, None, 200.0)
    assert new.auth.send_sequence.last == 77 << 32


class _PipeSock:
    """Stands in for a VRRP socket: each send writes a line to a pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, payload: bytes, src: object, dst: object, ttl: int) -> None:
        os.write(self.fd, f"{time.monotonic():.4f} {payload.decode()} {dst} {ttl}\n".encode())


def test_the_bridge_keeps_the_rhythm_until_stopped_then_reports() -> None:
    r, w = os.pipe()
    start = time.monotonic() + 0.05
    item = restart.BridgeItem(
        "VI_1",
        _PipeSock(w),
        lambda wall: [(IPv4Address("224.0.0.18"), b"advert")],
        IPv4Address("10.0.0.1"),
        255,
        0.05,
        start,
    )
    conn, pid = restart.start_bridge([item], lambda: {"VI_1": 1234})
    os.close(w)
    time.sleep(0.33)
    report = restart.stop_bridge(conn.detach())
    lines = os.read(r, 65536).decode().splitlines()
    os.close(r)
    assert report is not None and report["pid"] == pid
    assert report["sequences"] == {"VI_1": 1234}
    times = [float(line.split()[0]) for line in lines]
    assert 3 <= len(times) <= 8, lines
    assert all(line.split()[1:] == ["advert", "224.0.0.18", "255"] for line in lines)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 0.2, gaps  # (every 0.05 s; generous under load)
    last = report["items"]["VI_1"]["last_sent"]
    assert last == pytest.approx(start + 0.05 * (len(times) - 1))
    assert report["items"]["VI_1"]["next_due"] == pytest.approx(last + 0.05)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped


def test_a_bridge_whose_new_image_went_away_stops() -> None:
    item = restart.BridgeItem("VI_1", None, lambda wall: [], None, 255, 10.0, time.monotonic() + 60)
    conn, pid = restart.start_bridge([item], dict)
    conn.close()  # the new image died before it could say stop
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_the_identity_a_restart_compares_is_plain_text() -> None:
    """The old image writes it, the new one (maybe another version) reads it:
    plain values only, no repr of a class that an upgrade may change."""
    from pyvrrp.daemon.core import _identity

    r = loads(
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    use_vmac\n"
        "    virtual_ipaddress {\n        10.0.0.100/24\n    }\n}\n",
        name="t.conf",
        env={},
    )
    cfg = r.config.instances[0]
    assert json.loads(_identity(cfg)) == [
        "eth0",
        51,
        4,
        2,
        None,
        ["vrrp.51", "macvlan", "00:00:5e:00:01:33", False, "None"],
    ]
