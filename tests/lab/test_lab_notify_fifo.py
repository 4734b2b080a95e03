"""keepalived's vrrp_notify_fifo on a real node: the lines keepalived writes,
in order (state changes, MASTER_RX_LOWER_PRI, MASTER_PRIORITY with
notify_priority_changes, STOP at shutdown), and notify_master_rx_lower_pri."""

from __future__ import annotations

import os
import time
from ipaddress import ip_address

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment
from pyvrrp.wire import Advert, ChecksumStyle, encode

pytestmark = pytest.mark.lab


class FifoReader:
    def __init__(self, path: str) -> None:
        wait_for(lambda: os.path.exists(path), 5)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.buf = b""

    def lines(self) -> list[str]:
        try:
            while chunk := os.read(self.fd, 4096):
                self.buf += chunk
        except BlockingIOError:
            pass
        return self.buf.decode().splitlines()

    def close(self) -> None:
        os.close(self.fd)


def test_vrrp_notify_fifo_lines_as_keepalived_writes_them(lab) -> None:
    seg = one_segment(lab, 2)
    fifo = lab.tmpdir / "vrrp.fifo"
    load = lab.tmpdir / "load"
    lower_out = lab.tmpdir / "lower.out"
    script = lab.tmpdir / "lower.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> {lower_out}\n')
    script.chmod(0o755)
    conf = f"""global_defs {{
    vrrp_notify_fifo {fifo}
    vrrp_notify_priority_changes
}}
track_file load {{
    file {load}
    weight -10
    init_file 0 overwrite
}}
""" + instance_config(
        priority=150,
        advert_int=0.5,
        extra=["track_file {", "    load", "}", f'notify_master_rx_lower_pri "{script} lower"'],
    )
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(conf)
    reader = FifoReader(str(fifo))
    try:
        wait_for(lambda: a.state() == "MASTER", 5)
        # A lower priority advert from the other node's address.
        b = seg.nodes[1]
        src, dst = ip_address(str(b.ipv4.ip)), ip_address("224.0.0.18")
        advert = Advert(3, 4, 51, 50, 50, (ip_address("10.0.1.100"),))
        pdu = encode(advert, style=ChecksumStyle.V3_PSEUDO, src=src, dst=dst)
        lab.python(
            b.ns,
            "pyvrrp.lab.inject",
            "--src",
            str(src),
            "--dst",
            str(dst),
            "--dev",
            b.ifname,
            "--hex",
            pdu.hex(),
        )
        wait_for(lambda: 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150' in reader.lines(), 3)
        wait_for(lambda: lower_out.exists() and lower_out.read_text() == "lower\n", 3)
        load.write_text("3\n")  # priority 150 - 30
        wait_for(lambda: 'INSTANCE "VI_1" MASTER_PRIORITY 120' in reader.lines(), 3)
        a.stop()
        time.sleep(0.2)
        assert reader.lines() == [
            'INSTANCE "VI_1" BACKUP 150',
            'INSTANCE "VI_1" MASTER 150',
            'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150',
            'INSTANCE "VI_1" MASTER_PRIORITY 120',
            'INSTANCE "VI_1" STOP 120',
        ]
    finally:
        reader.close()
    assert not fifo.exists()  # created by the daemon, removed at exit
