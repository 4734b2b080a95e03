"""The iptables form of the Accept_Mode filter: the config keywords, the
generated rulesets (pure) and which form a configuration gets."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

import pytest

from pyvrrp.config import loads
from pyvrrp.config.model import GlobalDefs
from pyvrrp.net import firewall, iptables
from pyvrrp.net.iptables import (
    IptablesFilter,
    chains_text,
    ipset_change_text,
    ipset_setup_text,
    remove_text,
)

V4 = [ip_address("10.0.1.100"), ip_address("10.0.1.7")]
V6 = [ip_address("2001:db8::1")]


def _globals(text: str) -> tuple[GlobalDefs, str]:
    r = loads(text, name="k.conf", env={})
    return r.config.global_defs, r.format()


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("vrrp_iptables", ("INPUT", "OUTPUT")),
        ("vrrp_iptables MYIN", ("MYIN", None)),
        ("vrrp_iptables MYIN MYOUT", ("MYIN", "MYOUT")),
    ],
)
def test_vrrp_iptables_chains(line: str, want: tuple[str, str | None]) -> None:
    g, out = _globals(f"global_defs {{\n    {line}\n}}\n")
    assert g.vrrp_iptables == want
    assert g.vrrp_ipsets is None
    assert "warning" not in out.lower(), out


def test_vrrp_iptables_refusals() -> None:
    g, out = _globals("global_defs {\n    vrrp_iptables A A\n}\n")
    assert g.vrrp_iptables is None and "chain names cannot be the same" in out
    g, out = _globals("global_defs {\n    vrrp_iptables A " + "B" * 40 + "\n}\n")
    assert g.vrrp_iptables == ("A", None) and "out chain name too long" in out
    g, out = _globals("global_defs {\n    vrrp_iptables PYVRRP-IN\n}\n")
    assert g.vrrp_iptables is None and "pyvrrp's own chains" in out
    g, out = _globals("global_defs {\n    vrrp_iptables\n    vrrp_iptables X\n}\n")
    assert g.vrrp_iptables == ("INPUT", "OUTPUT") and "iptables already specified" in out


def test_vrrp_ipsets_names() -> None:
    g, _ = _globals("global_defs {\n    vrrp_iptables\n    vrrp_ipsets ka\n}\n")
    assert g.vrrp_ipsets == ("ka", "ka6")
    g, _ = _globals("global_defs {\n    vrrp_ipsets a b c d e f\n}\n")
    assert g.vrrp_ipsets == ("a", "b")
    g, _ = _globals("global_defs {\n    vrrp_ipsets\n}\n")
    assert g.vrrp_ipsets is None
    g, out = _globals("global_defs {\n    vrrp_ipsets a a6 a\n}\n")
    assert g.vrrp_ipsets is None and "set name a used more than once" in out
    g, out = _globals("global_defs {\n    vrrp_ipsets " + "s" * 31 + "\n}\n")
    assert g.vrrp_ipsets is None and "name too long" in out


def test_setup_ruleset_ipv4_in_and_out() -> None:
    text = chains_text(4, (), out=True, jump_from=("INPUT", "OUTPUT"))
    assert text == (
        "*filter\n"
        ":PYVRRP-IN - [0:0]\n"
        ":PYVRRP-OUT - [0:0]\n"
        "-I INPUT 1 -j PYVRRP-IN\n"
        "-I OUTPUT 1 -j PYVRRP-OUT\n"
        "COMMIT\n"
    )


def test_ruleset_per_address() -> None:
    both = [*V4, *V6]
    assert chains_text(4, both) == (
        "*filter\n"
        ":PYVRRP-IN - [0:0]\n"
        "-A PYVRRP-IN -d 10.0.1.7/32 -j DROP\n"
        "-A PYVRRP-IN -d 10.0.1.100/32 -j DROP\n"
        "COMMIT\n"
    )
    nd = "-p ipv6-icmp -m icmp6 --icmpv6-type"
    assert chains_text(6, both, out=True, jump_from=("MYIN", None)) == (
        "*filter\n"
        ":PYVRRP-IN - [0:0]\n"
        ":PYVRRP-OUT - [0:0]\n"
        f"-A PYVRRP-IN -d 2001:db8::1/128 {nd} neighbour-solicitation -j ACCEPT\n"
        f"-A PYVRRP-IN -d 2001:db8::1/128 {nd} neighbour-advertisement -j ACCEPT\n"
        "-A PYVRRP-IN -d 2001:db8::1/128 -j DROP\n"
        f"-A PYVRRP-OUT -s 2001:db8::1/128 {nd} neighbour-solicitation -j ACCEPT\n"
        f"-A PYVRRP-OUT -s 2001:db8::1/128 {nd} neighbour-advertisement -j ACCEPT\n"
        "-A PYVRRP-OUT -s 2001:db8::1/128 -j DROP\n"
        "-I MYIN 1 -j PYVRRP-IN\n"
        "COMMIT\n"
    )


def test_ruleset_with_ipsets() -> None:
    assert chains_text(4, V4, ipset="ka") == (
        "*filter\n:PYVRRP-IN - [0:0]\n-A PYVRRP-IN -m set --match-set ka dst -j DROP\nCOMMIT\n"
    )
    text = chains_text(6, V6, out=True, ipset="ka6")
    assert "-A PYVRRP-OUT -m set --match-set ka6 src -j DROP\n" in text
    assert (
        "-A PYVRRP-IN -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement "
        "-m set --match-set ka6 dst -j ACCEPT\n"
    ) in text
    assert ipset_setup_text("ka", "ka6") == (
        "create ka hash:ip family inet\nflush ka\ncreate ka6 hash:ip family inet6\nflush ka6\n"
    )
    assert ipset_change_text("del", "ka", "ka6", [V6[0], *V4]) == (
        "del ka 10.0.1.7\ndel ka 10.0.1.100\ndel ka6 2001:db8::1\n"
    )


def test_remove_ruleset() -> None:
    assert remove_text(["PYVRRP-IN", "PYVRRP-OUT"]) == (
        "*filter\n-F PYVRRP-IN\n-X PYVRRP-IN\n-F PYVRRP-OUT\n-X PYVRRP-OUT\nCOMMIT\n"
    )


class _Recorder(IptablesFilter):
    """An IptablesFilter whose processes are recorded, not started."""

    def __init__(self, *args: Any, exists: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.calls: list[tuple[list[str], str | None]] = []
        self.exists = exists

    def _exec(self, argv: list[str], text: str | None = None) -> Any:  # type: ignore[override]
        self.calls.append((argv[1:], text))
        ok = self.exists if "-S" in argv or "-C" in argv else True
        if "-C" in argv:
            self.exists = False  # one jump, deleted next
        return type("R", (), {"returncode": 0 if ok else 1, "stderr": ""})()


def test_filter_rewrites_its_chain_on_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iptables, "_which", lambda name: f"/usr/sbin/{name}")
    f = _Recorder("INPUT", None)
    f.setup()
    f.calls.clear()
    f.add([V4[0]])
    assert f.calls == [
        (
            ["-w", "5", "--noflush"],
            "*filter\n:PYVRRP-IN - [0:0]\n-A PYVRRP-IN -d 10.0.1.100/32 -j DROP\nCOMMIT\n",
        )
    ]
    f.calls.clear()
    f.add([V4[0]])  # held already: nothing
    f.remove([V6[0]])  # not held: nothing
    assert f.calls == []
    f.replace([])
    assert f.calls[-1][1] == "*filter\n:PYVRRP-IN - [0:0]\nCOMMIT\n"
    assert f.held == set()


def test_filter_removes_a_killed_run_s_chain_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iptables, "_which", lambda name: f"/usr/sbin/{name}")
    f = _Recorder("INPUT", None, exists=True)
    f._remove_family(4)
    texts = [t for _, t in f.calls if t]
    assert texts[0] == "*filter\n-D INPUT -j PYVRRP-IN\nCOMMIT\n"
    assert texts[-1] == remove_text(["PYVRRP-IN"])


def test_select(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = GlobalDefs()
    asked = GlobalDefs(vrrp_iptables=("INPUT", "OUTPUT"), vrrp_ipsets=("ka", "ka6"))
    monkeypatch.setattr(firewall, "available", lambda: None)
    monkeypatch.setattr(iptables, "available", lambda: None)
    f, why = iptables.select(plain, True)
    assert isinstance(f, firewall.AcceptModeFilter) and why is None
    f, _ = iptables.select(asked, True)
    assert isinstance(f, IptablesFilter)
    assert f.spec == ("iptables", "INPUT", "OUTPUT", ("ka", "ka6"))
    # Only iptables here: its form, INPUT only.
    monkeypatch.setattr(firewall, "available", lambda: "no libnftables")
    f, _ = iptables.select(plain, True)
    assert isinstance(f, IptablesFilter) and (f.in_chain, f.out_chain) == ("INPUT", None)
    # Neither.
    monkeypatch.setattr(iptables, "available", lambda: "no iptables")
    f, why = iptables.select(asked, True)
    assert f is None and why is not None and "no iptables" in why
    # vrrp_iptables without iptables, but nftables: nftables.
    monkeypatch.setattr(firewall, "available", lambda: None)
    f, _ = iptables.select(asked, True)
    assert isinstance(f, firewall.AcceptModeFilter)
