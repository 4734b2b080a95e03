"""keepalived's track_file: the config, the pure tracker rules, the file reader
and the inotify watcher (a real one, on a temporary directory: no root)."""

from __future__ import annotations

import asyncio
import os
import time
from ipaddress import ip_address
from pathlib import Path

import pytest

from pyvrrp.config import TrackFile, TrackFileConfig, loads
from pyvrrp.daemon.trackfile import FileWatcher, init_file, parse_value, read_value
from pyvrrp.protocol import State, TrackedFile, Tracker, VirtualRouter
from pyvrrp.protocol.params import RouterParams

# ------------------------------------------------ the rules (trackers/track_file.c)


@pytest.mark.parametrize(
    ("weight", "reverse", "value", "status"),
    [
        (1, False, 0, 0),
        (1, False, 7, 7),
        (10, False, -3, -30),
        (10, True, 3, -30),
        (-5, False, 4, -20),
        (1, False, 300, 253),  # kept within -254..253
        (100, False, 100, 253),
        (1, False, -253, -253),
        (1, False, -254, None),  # -254 and below: FAULT
        (2, False, -200, None),
        (0, False, 0, 0),  # weight 0: FAULT while not 0
        (0, False, 1, None),
        (0, False, -1, None),
        (0, True, 0, None),  # reverse: FAULT while 0
        (0, True, 5, 0),
    ],
)
def test_keepalived_track_file_status(
    weight: int, reverse: bool, value: int, status: int | None
) -> None:
    assert TrackedFile("f", weight, reverse).status(value) == status


def test_track_file_weight_range() -> None:
    TrackedFile("f", -254)
    TrackedFile("f", 254)
    for weight in (255, -255):
        with pytest.raises(ValueError, match=f"track_file f: weight {weight} out of range"):
            TrackedFile("f", weight)


def test_track_file_status_is_a_whole_priority_step() -> None:
    """Priorities are integers (RFC 9568 §5.2.4): so is every adjustment."""
    for reverse in (False, True):
        assert type(TrackedFile("f", 10, reverse).status(3)) is int


def test_tracker_adds_file_values_and_faults_on_them() -> None:
    t = Tracker(100, files=[TrackedFile("load", weight=-10), TrackedFile("down", weight=0)])
    assert (t.result().priority, t.result().faults) == (100, frozenset())
    assert t.file_value("load", 3, 0.0).priority == 70
    assert t.file_value("down", 1, 1.0).faults == frozenset({"file:down"})
    assert t.file_value("down", 0, 2.0).faults == frozenset()
    assert t.file_value("unknown", 9, 3.0).priority == 70
    assert t.fault_reasons_possible() == frozenset({"file:load", "file:down"})


def test_tracker_file_fault_drives_the_router() -> None:
    params = RouterParams(name="R", vrid=1, primary_address=ip_address("10.0.0.1"))
    r = VirtualRouter(params)
    t = Tracker(100, files=[TrackedFile("f", weight=0)])
    t.file_value("f", 1, 0.0)
    t.apply(r, 0.0)
    r.start(0.0)
    assert r.state is State.FAULT
    t.file_value("f", 0, 1.0)
    t.apply(r, 1.0)
    assert r.state is State.BACKUP


# ------------------------------------------------ reading the file as keepalived


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"5\n", 5),
        (b"  -12 trailing", -12),
        (b"+7", 7),
        (b"0x1f", 31),
        (b"010", 8),  # strtol base 0: octal
        (b"08", 0),
        (b"", 0),
        (b"abc", 0),
        (b"- 5", 0),
        (b"2147483648", 2**31),  # keepalived allows INT32_MAX + 1
        (b"2147483649", None),
        (b"-2147483649", None),
    ],
)
def test_the_number_is_read_as_strtol_base_0(data: bytes, value: int | None) -> None:
    assert parse_value(data) == value


def test_a_missing_file_reads_as_zero(tmp_path: Path) -> None:
    assert read_value(str(tmp_path / "nope")) == 0
    (tmp_path / "f").write_text("42\n")
    assert read_value(str(tmp_path / "f")) == 42


def test_init_file_writes_only_a_missing_file_unless_overwrite(tmp_path: Path) -> None:
    f = tmp_path / "f"
    assert init_file(str(f), 5, False) is None
    assert f.read_text() == "5\n"
    f.write_text("9\n")
    assert init_file(str(f), 5, False) is None
    assert f.read_text() == "9\n"
    assert init_file(str(f), -3, True) is None
    assert f.read_text() == "-3\n"
    d = tmp_path / "dir"
    d.mkdir()
    assert init_file(str(d), 1, True) == f"cannot initialise {d}: not a regular file"


# ------------------------------------------------ the config


CONF = """\
vrrp_track_file old_name {
    file /run/a
}
track_file load {
    file "/run/load value"
    weight -10 reverse
    init_file 3 overwrite
}
track_file down {
    file /run/down
    init_file
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    track_file {
        load
        down weight 0
        old_name weight 5 noreverse
        missing
        load
    }
    virtual_ipaddress {
        10.0.9.9/32
    }
}
"""


def test_track_file_blocks_and_entries_load() -> None:
    result = loads(CONF, name="k.conf", env={})
    assert result.ok, result.format()
    cfg = result.config
    assert cfg is not None
    assert cfg.track_files["load"] == TrackFileConfig(
        "load", "/run/load value", -10, True, 3, True, "k.conf", 4
    )
    assert cfg.track_files["down"].init_value == 0
    assert not cfg.track_files["down"].init_overwrite
    assert cfg.track_files["old_name"].path == "/run/a"
    vi = cfg.instances[0]
    assert [(t.name, t.weight, t.reverse) for t in vi.track_files] == [
        ("load", None, None),
        ("down", 0, None),
        ("old_name", 5, False),
    ]
    assert isinstance(vi.track_files[0], TrackFile)
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (20, "track_file missing: no track_file block missing; ignored"),
        (21, "track_file load listed twice; ignored"),
    ]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("track_file t {\n    weight 1\n}\n", "track_file t has no file; ignored"),
        (
            "track_file t {\n    file /x\n    weight 255\n}\n",
            "track_file t: weight 255 out of range -254..254",
        ),
        (
            "track_file t {\n    file /x\n    weight 1 sideways\n}\n",
            "track_file t: unknown weight option 'sideways'",
        ),
    ],
)
def test_bad_track_file_blocks_are_reported(block: str, message: str) -> None:
    result = loads(block, name="k.conf", env={})
    assert message in [d.message for d in result.diagnostics], result.format()


# ------------------------------------------------ the watcher (inotify, no polling)


def test_the_watcher_sees_writes_renames_and_removals(tmp_path: Path) -> None:
    path = str(tmp_path / "value")
    seen: list[tuple[str, int, float]] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        watcher = FileWatcher(loop, [path], lambda p, v: seen.append((p, v, time.monotonic())))
        try:

            async def wait_for(n: int) -> float:
                for _ in range(200):
                    if len(seen) >= n:
                        return seen[n - 1][2]
                    await asyncio.sleep(0.005)
                raise AssertionError(f"no event {n}: {seen}")

            t0 = time.monotonic()
            Path(path).write_text("5\n")
            reacted = await wait_for(1) - t0
            assert reacted < 0.1, f"{reacted * 1000:.1f} ms"
            tmp = tmp_path / "next"
            tmp.write_text("-2\n")  # not watched: no event
            os.rename(tmp, path)  # replaced atomically: seen
            await wait_for(2)
            os.unlink(path)  # removed: as 0
            await wait_for(3)
        finally:
            watcher.close()

    asyncio.run(scenario())
    assert [(p, v) for p, v, _ in seen] == [(path, 5), (path, -2), (path, 0)]
