"""keepalived's notify FIFOs: the lines, the FIFO's creation and refusal, the
config keywords. (The lab test shows them written by real nodes.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyvrrp.config import FifoConfig, loads
from pyvrrp.daemon.fifo import NotifyFifo, fifo_line


def test_keepalived_fifo_line() -> None:
    assert fifo_line("INSTANCE", "VI_1", "MASTER", 100) == 'INSTANCE "VI_1" MASTER 100\n'
    assert fifo_line("GROUP", "G", "BACKUP", 0) == 'GROUP "G" BACKUP 0\n'


def test_fifo_is_created_written_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    fifo = NotifyFifo(str(path))
    assert stat.S_ISFIFO(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o777 == 0o644 & ~_umask()
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fifo.write(fifo_line("INSTANCE", "VI_1", "MASTER", 100))
        fifo.write(fifo_line("INSTANCE", "VI_1", "BACKUP", 90))
        assert os.read(reader, 4096) == b'INSTANCE "VI_1" MASTER 100\nINSTANCE "VI_1" BACKUP 90\n'
    finally:
        os.close(reader)
    fifo.close()
    assert not path.exists()


def test_a_fifo_nobody_reads_never_blocks(tmp_path: Path) -> None:
    """No reader: lines go to the pipe until it is full, then are dropped and
    counted; the writer never waits."""
    fifo = NotifyFifo(str(tmp_path / "notify"))
    line = fifo_line("INSTANCE", "VI_1", "MASTER", 100)
    for _ in range(10_000):  # ~270 kB: more than a pipe holds (64 kB)
        fifo.write(line)
    assert fifo.dropped > 0
    assert fifo.written + fifo.dropped == 10_000
    fifo.close()


def test_an_existing_fifo_is_used_and_left_in_place(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    os.mkfifo(path)
    fifo = NotifyFifo(str(path))
    assert not fifo.created
    fifo.close()
    assert path.exists()


def test_a_regular_file_in_the_way_is_refused_and_kept(tmp_path: Path) -> None:
    """As keepalived: what exists at the path and is not a FIFO is not written."""
    path = tmp_path / "notify"
    path.write_text("precious\n")
    with pytest.raises(OSError, match="is not a FIFO owned by us"):
        NotifyFifo(str(path))
    assert path.read_text() == "precious\n"


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    os.mkfifo(target)
    link = tmp_path / "notify"
    link.symlink_to(target)
    with pytest.raises(OSError):
        NotifyFifo(str(link))


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def test_fifo_keywords_load() -> None:
    text = """\
global_defs {
    notify_fifo /run/all.fifo
    vrrp_notify_fifo_script "/usr/local/bin/reader --v" nobody
    vrrp_notify_fifo /run/vrrp.fifo nobody nogroup
    vrrp_notify_priority_changes
    fifo_write_vrrp_states_on_reload
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    notify_priority_changes false
    notify_master_rx_lower_pri "/usr/local/bin/lower VI_1"
    virtual_ipaddress {
        10.0.9.9/32
    }
}
"""
    result = loads(text, name="k.conf", env={})
    assert result.ok and not result.diagnostics, result.format()
    cfg = result.config
    assert cfg is not None
    g = cfg.global_defs
    assert g.notify_fifo == FifoConfig(path="/run/all.fifo")
    assert g.vrrp_notify_fifo == FifoConfig(
        "/run/vrrp.fifo", "nobody", "nogroup", "/usr/local/bin/reader --v", "nobody", None
    )
    assert g.vrrp_notify_priority_changes and g.fifo_write_vrrp_states_on_reload
    vi = cfg.instances[0]
    assert vi.notify_priority_changes is False
    assert vi.notify_master_rx_lower_pri == "/usr/local/bin/lower VI_1"
