"""Gratuitous ARP and unsolicited NA, captured on a peer and read field by field."""

from __future__ import annotations

import shutil
import struct
import subprocess
import time
from ipaddress import IPv4Address, IPv6Address, IPv6Interface

import pytest

from pyvrrp.lab import Lab, inside, one_segment, read_pcap
from pyvrrp.net import (
    Announcer,
    AnnounceSettings,
    garp_frame,
    mac,
    master_schedule,
    refresh_schedule,
    unsolicited_na_frame,
)
from pyvrrp.wire.checksum import internet_sum

VIP4 = IPv4Address("10.0.1.100")
VIP6 = IPv6Address("fd00:1::100")


def check_garp(frame: bytes, hw: bytes, vip: IPv4Address) -> None:
    assert frame[0:6] == b"\xff" * 6  # Ethernet broadcast
    assert frame[6:12] == hw
    assert frame[12:14] == b"\x08\x06"
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    assert (htype, ptype, hlen, plen, op) == (1, 0x0800, 6, 4, 1)  # request
    assert frame[22:28] == hw  # sender MAC
    assert frame[28:32] == vip.packed  # sender IP
    assert frame[32:38] == b"\xff" * 6  # target MAC, as keepalived
    assert frame[38:42] == vip.packed  # target IP = sender IP


def check_na(frame: bytes, hw: bytes, vip: IPv6Address, *, router: bool) -> None:
    assert frame[0:6] == bytes.fromhex("333300000001")
    assert frame[6:12] == hw
    assert frame[12:14] == b"\x86\xdd"
    ip6 = frame[14:54]
    plen, nxt, hlim = struct.unpack("!HBB", ip6[4:8])
    assert ip6[0] >> 4 == 6 and nxt == 58 and hlim == 255
    src, dst = IPv6Address(ip6[8:24]), IPv6Address(ip6[24:40])
    assert (src, dst) == (vip, IPv6Address("ff02::1"))
    icmp = frame[54 : 54 + plen]
    assert plen == 32 and (icmp[0], icmp[1]) == (136, 0)
    assert icmp[4] == (0xA0 if router else 0x20)  # Override, and Router if forwarding
    assert IPv6Address(icmp[8:24]) == vip
    assert icmp[24:26] == b"\x02\x01" and icmp[26:32] == hw  # target link-layer option
    pseudo = src.packed + dst.packed + struct.pack("!I3xB", plen, 58)
    assert internet_sum(pseudo + icmp) == 0


@pytest.mark.lab
def test_garp_and_na_on_the_wire(lab: Lab) -> None:
    a, b = one_segment(lab, 2).nodes
    hw = mac("eth0", netns=a.ns)
    cap = lab.capture(b.ns, "eth0", "arp or icmp6")
    with inside(a.ns), Announcer() as ann:
        assert ann.announce("eth0", [VIP4, IPv6Interface(f"{VIP6}/64")]) == 2
    frames = [f for f in cap.frames() if f[12:14] == b"\x08\x06" or f[54:55] == b"\x88"]
    arps = [f for f in frames if f[12:14] == b"\x08\x06"]
    nas = [f for f in frames if f[12:14] == b"\x86\xdd"]
    assert len(arps) == 1 and len(nas) == 1
    check_garp(arps[0][:42], hw, VIP4)
    assert all(x == 0 for x in arps[0][42:])  # only padding past the ARP body
    check_na(nas[0], hw, VIP6, router=False)


@pytest.mark.lab
def test_na_router_flag_when_forwarding(lab: Lab) -> None:
    a, b = one_segment(lab, 2).nodes
    lab.sysctl(a.ns, {"net.ipv6.conf.eth0.forwarding": "1"})
    hw = mac("eth0", netns=a.ns)
    cap = lab.capture(b.ns, "eth0", "icmp6 and ip6[40] == 136")
    with inside(a.ns), Announcer() as ann:
        ann.announce("eth0", [VIP6])
    (na,) = cap.frames()
    check_na(na, hw, VIP6, router=True)


@pytest.mark.lab
def test_garp_updates_peer_neighbour_cache(lab: Lab) -> None:
    a, b = one_segment(lab, 2).nodes
    # b believes the VIP lives at some old MAC; the GARP must move it to a's.
    old = ["lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale"]
    lab.run(b.ns, ["ip", "neigh", "replace", str(VIP4), *old])
    with inside(a.ns), Announcer() as ann:
        ann.announce("eth0", [VIP4])
    hw = mac("eth0", netns=a.ns).hex(":")
    for _ in range(20):
        out = lab.run(b.ns, ["ip", "neigh", "show", str(VIP4)]).stdout
        if hw in out:
            break
        time.sleep(0.05)
    assert hw in out


@pytest.mark.lab
@pytest.mark.keepalived
def test_frames_match_keepalived(lab: Lab) -> None:
    """keepalived's own GARP and NA for the same VIPs on the same interface
    are byte-for-byte ours."""
    if shutil.which("keepalived") is None:
        pytest.skip("keepalived not installed")
    a, b = one_segment(lab, 2).nodes
    conf = lab.tmpdir / "ka.conf"
    conf.write_text(
        "global_defs {\n vrrp_garp_master_delay 0\n vrrp_garp_master_repeat 1\n}\n"
        + "".join(
            f"vrrp_instance V{vrid} {{\n state MASTER\n interface eth0\n"
            f" virtual_router_id {vrid}\n priority 200\n advert_int 1\n"
            f" virtual_ipaddress {{\n {vip}\n }}\n}}\n"
            for vrid, vip in ((7, f"{VIP4}/24"), (8, f"{VIP6}/64"))
        )
    )
    cap = lab.capture(b.ns, "eth0", "arp or (icmp6 and ip6[40] == 136)")
    pid = lab.tmpdir
    lab.popen(
        a.ns,
        [
            "keepalived",
            "-n",
            "-l",
            "-f",
            str(conf),
            "-p",
            str(pid / "k.pid"),
            "-r",
            str(pid / "v.pid"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 8
    theirs: list[bytes] = []
    while time.monotonic() < deadline:
        time.sleep(0.5)
        theirs = read_pcap(cap.path)
        if any(f[12:14] == b"\x08\x06" for f in theirs) and any(
            f[12:14] == b"\x86\xdd" for f in theirs
        ):
            break
    cap.stop()
    hw = mac("eth0", netns=a.ns)
    arp = next(f for f in theirs if f[12:14] == b"\x08\x06")
    na = next(f for f in theirs if f[12:14] == b"\x86\xdd")
    assert arp[:42] == garp_frame(hw, VIP4)
    assert na == unsolicited_na_frame(hw, VIP6)


def test_master_schedule_defaults() -> None:
    # keepalived defaults: 5 rounds at once, 5 more after 5 s.
    sched = master_schedule(AnnounceSettings())
    assert sched == [(0.0, i) for i in range(5)] + [(5.0, i) for i in range(5, 10)]


def test_schedule_variants() -> None:
    s = AnnounceSettings(master_delay=0, master_repeat=2, interval=0.5)
    assert master_schedule(s) == [(0.0, 0), (0.5, 1)]
    assert refresh_schedule(s) == []
    r = AnnounceSettings(refresh=60, refresh_repeat=2, interval=0.1)
    assert refresh_schedule(r) == [(60.0, 0), (60.1, 1)]
    assert master_schedule(AnnounceSettings(master_repeat=0)) == []
