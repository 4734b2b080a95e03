"""use_vmac, use_ipvlan, vmac_xmit_base, garp_extra_if and their globals, as
keepalived reads them (vrrp_parser.c, vrrp.c's checks once the instance is
complete); and the pure parts of net.vmac (link-local address, sysctls)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_interface
from pathlib import Path

import pytest

from pyvrrp.config import loads
from pyvrrp.config.sections.vmac import default_name, link_group
from pyvrrp.daemon.effects import child_link, child_links
from pyvrrp.net.vmac import Sysctls, eui64_link_local


def inst(*lines: str, vip: str = "192.0.2.1", name: str = "VI_1", vrid: int = 51) -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return (
        f"vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n"
        + body
        + f"    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )


def load(text: str):  # type: ignore[no-untyped-def]
    result = loads(text, name="t.conf", env={})
    return result, [(d.level, d.message) for d in result.diagnostics]


def one(text: str):  # type: ignore[no-untyped-def]
    result, diags = load(text)
    assert result.ok, diags
    return result.config.instances[0], diags


def test_use_vmac_defaults_are_rfc_9568_s_mac_and_keepalived_s_name() -> None:
    cfg, diags = one(inst("use_vmac"))
    assert diags == []
    assert cfg.vmac is not None
    assert (cfg.vmac.name, cfg.vmac.kind) == ("vrrp.51", "macvlan")
    assert cfg.vmac.mac == "00:00:5e:00:01:33"
    assert cfg.link == cfg.socket_interface == "vrrp.51"
    assert cfg.interface == "eth0"
    link = child_link(cfg)
    assert (link.name, link.base, link.family, link.ipv6, link.link_local) == (
        "vrrp.51",
        "eth0",
        4,
        False,
        False,
    )


def test_ipv6_instance_gets_the_ipv6_virtual_mac_and_a_link_local_address() -> None:
    cfg, _ = one(inst("use_vmac", vip="fd00::1", vrid=255))
    assert cfg.vmac.mac == "00:00:5e:00:02:ff"
    link = child_link(cfg)
    assert link.family == 6 and link.link_local


def test_ipv4_instance_with_ipv6_addresses_on_its_child_keeps_ipv6_on() -> None:
    text = inst("use_vmac", "virtual_ipaddress_excluded {", "    fd00::9", "}")
    cfg, _ = one(text)
    assert child_link(cfg).ipv6


def test_name_and_a_five_octet_mac_take_the_vrid() -> None:
    cfg, diags = one(inst("use_vmac name vm1 02:11:22:33:44"))
    assert diags == []
    assert (cfg.vmac.name, cfg.vmac.mac) == ("vm1", "02:11:22:33:44:33")
    cfg, _ = one(inst("use_vmac 02:11:22:33:44:55 vm2"))
    assert (cfg.vmac.name, cfg.vmac.mac) == ("vm2", "02:11:22:33:44:55")


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("01:00:5e:00:00:01", "VMAC MAC address is multicast 01:00:5e:00:00:01 - ignoring"),
        (
            "00:00:5e:00:02:01",
            "VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:02:01) - ignoring",
        ),
        ("00:zz:5e:00:02:01", "VMAC invalid MAC address 00:zz:5e:00:02:01 - ignored"),
        ("00:11:22", "VMAC invalid MAC address 00:11:22 - ignored"),
    ],
)
def test_a_bad_mac_is_an_error(word: str, message: str) -> None:
    result, diags = load(inst(f"use_vmac {word}"))
    assert not result.ok
    assert ("error", message) in diags


def test_a_bad_name_is_an_error() -> None:
    result, diags = load(inst("use_vmac a_name_much_too_long_for_linux"))
    assert not result.ok
    assert diags[0][1].startswith("VMAC interface name ")


def test_two_instances_never_share_a_child_name() -> None:
    text = inst("use_vmac") + inst("use_vmac", name="VI_2").replace("eth0", "eth1")
    result, diags = load(text)
    assert result.ok, diags
    names = [i.vmac.name for i in result.config.instances]
    assert names[0] == "vrrp.51" and names[1] != "vrrp.51"
    text = inst("use_vmac vx") + inst("use_vmac vx", name="VI_2", vrid=52)
    result, diags = load(text)
    assert ("error", "(VI_2) VRRP instance VI_1 is already using vx - ignoring name") in diags


def test_default_names() -> None:
    assert default_name("vrrp", 7, 4, set()) == "vrrp.7"
    assert default_name("vrrp", 7, 6, {"vrrp.7"}) == "vrrp6.7"
    assert default_name("vrrp", 7, 4, {"vrrp.7"}) == "vrrp1.7"
    assert default_name("vrrp", 7, 4, {"vrrp.7", "vrrp1.7"}) == "vrrp2.7"
    assert default_name("vrrp", 7, 6, {"vrrp.7", "vrrp6.7"}) == "vrrp1.7"
    used6 = {"vrrp.7", "vrrp6.7", "vrrp1.7", "vrrp2.7", "vrrp3.7", "vrrp4.7", "vrrp5.7"}
    assert default_name("vrrp", 7, 6, used6) == "vrrp7.7"
    assert default_name("averyveryverylongprefix", 255, 4, set()) == "averyveryve.255"
    assert len(default_name("averyveryverylongprefix", 255, 4, {"averyveryve.255"})) < 16


def test_vmac_prefix_names_the_children() -> None:
    cfg, _ = one("global_defs {\n    vmac_prefix vm\n}\n" + inst("use_vmac"))
    assert cfg.vmac.name == "vm.51"
    _, diags = load("global_defs {\n    vmac_prefix a\n    vmac_prefix b\n}\n")
    assert ("error", "vmac prefix has already been specified - ignoring b") in diags


def test_xmit_base_sends_from_the_base_interface() -> None:
    cfg, diags = one(inst("use_vmac", "vmac_xmit_base"))
    assert diags == []
    assert cfg.socket_interface == "eth0" and cfg.link == "vrrp.51"


def test_xmit_base_without_vmac_or_in_strict_mode_is_reset() -> None:
    cfg, diags = one(inst("vmac_xmit_base"))
    assert diags == [("warning", "(VI_1) vmac_xmit_base is only valid with a vmac")]
    assert cfg.vmac is None and cfg.socket_interface == "eth0"
    cfg, diags = one(inst("use_vmac", "vmac_xmit_base", "strict_mode on", "version 3"))
    assert ("warning", "(VI_1) xmit_base is incompatible with strict mode - resetting") in diags
    assert cfg.socket_interface == "vrrp.51"


def test_promote_secondaries_is_set_on_a_vmac_anyway() -> None:
    cfg, diags = one(inst("use_vmac", "promote_secondaries"))
    assert diags == [
        ("warning", "(VI_1) promote_secondaries is automatically set for vmacs - ignoring")
    ]
    assert not cfg.promote_secondaries


def test_use_vmac_group_and_netlink_notify() -> None:
    cfg, _ = one(inst("use_vmac group 7 netlink_notify_msg"))
    assert cfg.vmac.group == 7 and cfg.vmac.netlink_notify
    _, diags = load(inst("use_vmac group no-such-group"))
    assert ("error", "VMAC group no-such-group not found") in diags


def test_link_group_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "group"
    f.write_text("0\tdefault\n# comment\n10 edge\n")
    import pyvrrp.config.sections.vmac as mod

    monkeypatch.setattr(mod, "_GROUP_FILES", (str(f),))
    assert link_group("edge") == 10
    assert link_group("0x10") == 16
    assert link_group("core") is None


def test_use_ipvlan_ipv4_needs_its_address_which_becomes_the_source() -> None:
    result, diags = load(inst("use_ipvlan"))
    assert not result.ok
    assert (
        "error",
        "(VI_1) IPv4 ipvlan requires a source ip address to be configured",
    ) in diags
    cfg, diags = one(inst("use_ipvlan ipv1 192.0.2.10/24 private"))
    assert diags == []
    v = cfg.vmac
    assert (v.name, v.kind, v.ipvlan_mode, v.address) == (
        "ipv1",
        "ipvlan",
        "private",
        ip_interface("192.0.2.10/24"),
    )
    assert cfg.unicast_src_ip == IPv4Address("192.0.2.10")
    assert cfg.link == cfg.socket_interface == "ipv1"


def test_use_ipvlan_family_and_repeats() -> None:
    _, diags = load(inst("use_ipvlan fd00::5/64"))
    assert any("MUST match vrrp instance family" in m for _, m in diags)
    _, diags = load(inst("use_ipvlan 192.0.2.9 bridge vepa"))
    assert ("error", "ipvlan type already specified - ignoring 'vepa'") in diags
    _, diags = load(inst("use_vmac", "use_ipvlan 192.0.2.9"))
    assert any("exclusive" in m for _, m in diags)


def test_garp_extra_if() -> None:
    cfg, _ = one(inst("garp_extra_if all 60"))
    assert (cfg.garp_extra_if, cfg.garp_extra_if_all) == (60, True)
    cfg, diags = one(inst("vmac_garp_intvl 30"))
    assert (cfg.garp_extra_if, cfg.garp_extra_if_all) == (30, False)
    assert diags == [
        ("warning", 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"')
    ]
    cfg, _ = one("global_defs {\n    vrrp_garp_extra_if all 100\n}\n" + inst())
    assert (cfg.garp_extra_if, cfg.garp_extra_if_all) == (100, True)
    _, diags = load(inst("garp_extra_if all"))
    assert ("error", "(VI_1): garp_extra_if specified without time - ignoring") in diags
    _, diags = load(inst("garp_extra_if 86401"))
    assert ("error", "(VI_1): garp_extra_if 86401 invalid - ignoring") in diags


def test_native_ipv6() -> None:
    _, diags = load(inst("native_ipv6"))
    assert ("error", "(VI_1) Cannot specify native_ipv6 with IPv4 addresses") in diags
    text = (
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 5\n    native_ipv6\n"
        "    no_virtual_ipaddress\n}\n"
    )
    cfg, _ = one(text)
    assert cfg.family == 6 and cfg.version == 3


def test_eui64_link_local() -> None:
    assert eui64_link_local("52:54:00:12:34:56") == IPv6Address("fe80::5054:ff:fe12:3456")


def test_sysctls_restore_what_was_changed_and_only_if_still_ours(tmp_path: Path) -> None:
    for rel, value in {"ipv4/conf/eth0/arp_ignore": "0", "ipv4/conf/eth0/arp_filter": "0"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(value + "\n")
    s = Sysctls(tmp_path)
    assert s.set("ipv4/conf/eth0/arp_ignore", 1)
    assert s.set("ipv4/conf/eth0/arp_filter", 1)
    assert s.set("ipv4/conf/eth0/arp_filter", 1)  # already: no second record
    assert not s.set("ipv4/conf/nope/arp_filter", 1)
    assert s.to_json() == {
        "ipv4/conf/eth0/arp_ignore": ["0", "1"],
        "ipv4/conf/eth0/arp_filter": ["0", "1"],
    }
    # Someone else changed arp_filter since: theirs stays.
    (tmp_path / "ipv4/conf/eth0/arp_filter").write_text("2\n")
    doc = s.to_json()
    s2 = Sysctls(tmp_path)
    s2.adopt(doc)  # the next run after a crash
    s2.restore()
    assert (tmp_path / "ipv4/conf/eth0/arp_ignore").read_text().strip() == "0"
    assert (tmp_path / "ipv4/conf/eth0/arp_filter").read_text().strip() == "2"
    assert s2.to_json() == {}


def _evip(cfg, text: str):  # type: ignore[no-untyped-def]
    return next(
        v for v in (*cfg.virtual_addresses, *cfg.excluded_addresses) if str(v.address) == text
    )


def test_an_address_s_use_vmac_makes_a_vmac_on_its_interface() -> None:
    text = inst("virtual_ipaddress_excluded {", "    10.2.0.1/24 dev eth1 use_vmac", "}")
    cfg, diags = one(text)
    assert diags == []
    assert cfg.vmac is None
    assert cfg.addr_vmacs == (("vrrp.51", "eth1", 4, "00:00:5e:00:01:33"),)
    assert cfg.vip_link(_evip(cfg, "10.2.0.1/24")) == "vrrp.51"
    assert cfg.vip_link(cfg.virtual_addresses[0]) == "eth0"  # the VIP stays on eth0
    assert [c.name for c in child_links(cfg)] == ["vrrp.51"]


def test_use_vmac_addr_covers_other_interfaces_and_the_other_family() -> None:
    text = inst(
        "use_vmac",
        "use_vmac_addr",
        "virtual_ipaddress_excluded {",
        "    10.2.0.1/24 dev eth1",
        "    10.3.0.1/24 dev eth1",
        "    fd00::1/64",
        "}",
    )
    cfg, diags = one(text)
    assert diags == []
    assert cfg.vmac.name == "vrrp.51"
    assert cfg.addr_vmacs == (
        ("vrrp1.51", "eth1", 4, "00:00:5e:00:01:33"),
        ("vrrp6.51", "eth0", 6, "00:00:5e:00:02:33"),
    )
    assert cfg.vip_link(_evip(cfg, "10.3.0.1/24")) == "vrrp1.51"
    assert cfg.vip_link(_evip(cfg, "fd00::1/64")) == "vrrp6.51"
    assert cfg.vip_link(cfg.virtual_addresses[0]) == "vrrp.51"
    # garp_extra_if without "all": these VMACs only.
    cfg, _ = one(text.replace("use_vmac_addr", "use_vmac_addr\n    garp_extra_if 60"))
    from pyvrrp.daemon.effects import extra_interfaces

    assert set(extra_interfaces(cfg)) == {"vrrp1.51", "vrrp6.51"}


def test_use_vmac_on_an_address_that_the_instance_s_vmac_holds_is_an_error() -> None:
    _, diags = load(inst("use_vmac", "virtual_ipaddress_excluded {", "    10.2.0.1 use_vmac", "}"))
    assert (
        "error",
        "(VI_1) use_vmac specified for VIP/eVIP 10.2.0.1/32 and vrrp instance",
    ) in diags
    _, diags = load(
        inst("use_vmac_addr", "virtual_ipaddress_excluded {", "    10.2.0.1 dev eth1 use_vmac", "}")
    )
    assert (
        "error",
        "(VI_1) use_vmac_addr specified and use_vmac specified for VIP/eVIP 10.2.0.1/32",
    ) in diags


class _RecordingIpr:
    """Stands in for pyroute2's IPRoute to read the requests ChildManager
    makes (the kernel side runs in tests/lab/test_lab_vmac.py)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []  # type: ignore[type-arg]
        self.links: dict[str, object] = {}

    def get_links(self, ifname: str):  # type: ignore[no-untyped-def]
        if ifname == "eth0" or ifname in self.links:
            index = 2 if ifname == "eth0" else 9
            attrs = {"IFLA_GROUP": 0, "IFLA_ADDRESS": "52:54:00:12:34:56", "IFLA_LINK": 2}
            return [_Msg(index, attrs)]
        return []

    def link(self, op: str, **kw):  # type: ignore[no-untyped-def]
        self.calls.append((op, kw))
        if op == "add":
            self.links[kw["ifname"]] = kw

    def addr(self, op: str, **kw):  # type: ignore[no-untyped-def]
        self.calls.append(("addr-" + op, kw))

    def get_addr(self, **kw):  # type: ignore[no-untyped-def]
        return []


class _Msg(dict):  # type: ignore[type-arg]
    def __init__(self, index: int, attrs: dict) -> None:  # type: ignore[type-arg]
        super().__init__(index=index)
        self.attrs = attrs

    def get_attr(self, key: str):  # type: ignore[no-untyped-def]
        return self.attrs.get(key)


def test_child_requests(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pyvrrp.net.vmac import ChildLink, ChildManager, Sysctls

    ipr = _RecordingIpr()
    m = ChildManager(ipr, Sysctls(tmp_path))
    link = ChildLink(
        name="ipv1",
        base="eth0",
        kind="ipvlan",
        family=4,
        ipvlan_mode="private",
        address=ip_interface("192.0.2.10/24"),
    )
    assert m.ensure(link) is True
    op, kw = ipr.calls[0]
    assert (op, kw["kind"], kw["ipvlan_mode"], kw["ipvlan_flags"], kw["link"]) == (
        "add",
        "ipvlan",
        0,
        1,
        2,
    )
    assert ("addr-add", {"index": 9, "address": "192.0.2.10", "prefixlen": 24}) in ipr.calls
    ipr2 = _RecordingIpr()
    m2 = ChildManager(ipr2, Sysctls(tmp_path))
    m2.ensure(
        ChildLink(name="vrrp.51", base="eth0", mac="00:00:5e:00:01:33", family=6, link_local=True)
    )
    op, kw = ipr2.calls[0]
    assert (kw["kind"], kw["macvlan_mode"], kw["address"], kw["group"]) == (
        "macvlan",
        "private",
        "00:00:5e:00:01:33",
        0,
    )
    # IPv6: the base's MAC-made link-local address on the child, without DAD
    added = [kw for op, kw in ipr2.calls if op == "addr-add"]
    assert added == [
        {"index": 9, "address": "fe80::5054:ff:fe12:3456", "prefixlen": 64, "flags": 2}
    ]
