"""RFC 9568's Accept_Mode filter in its iptables form, for hosts where only
iptables exists or where the configuration asks for it (keepalived's
``vrrp_iptables`` / ``vrrp_ipsets``; keepalived's vrrp_iptables.c).

The filter is the same as the nftables form's (:mod:`pyvrrp.net.firewall`):
a Master that is not the address owner and has Accept_Mode off drops what is
sent to its virtual addresses, while ARP (not IP, so never seen here) and
Neighbour Discovery (ICMPv6 neighbour solicitations and advertisements to the
address, accepted before the drop) still work.

What keepalived does, and what pyvrrp does:

* keepalived's ``vrrp_iptables`` with no argument appends its rules to the
  built-in chains INPUT (drop what is sent to the addresses) and OUTPUT (drop
  what is sent from them); ``vrrp_iptables IN [OUT]`` appends them to chains
  the operator has made (and jumps to), and fails when they do not exist.
  pyvrrp keeps its rules in chains of its own, ``PYVRRP-IN`` and (when there
  is an out chain) ``PYVRRP-OUT`` of the filter table, in iptables and
  ip6tables both, and inserts one jump to each at the head of the chain named
  (INPUT / OUTPUT by default, else IN / OUT, which must exist). The rules are
  pyvrrp's alone: the operator's own rules in those chains are never touched.
* keepalived's ``vrrp_ipsets [ADDR [ADDR6 [ADDR_IF6 [IGMP [MLD [ND]]]]]]``
  puts the addresses in ipsets (by default ``keepalived``, ``keepalived6``,
  ...) which its rules match. pyvrrp uses ipsets only when ``vrrp_ipsets``
  names them: the IPv4 addresses go in ADDR (``hash:ip``) and the IPv6 ones,
  link-local included, in ADDR6 (``hash:ip family inet6``), created (or
  emptied, when they exist) at start and destroyed on stop (flushed instead
  when some other rule still uses them); the other names (interface, IGMP,
  MLD and ND sets of keepalived's VMAC handling) are accepted and unused.
  Without names, each address is a rule of pyvrrp's chain, and a change
  rewrites the chain whole in one ``iptables-restore`` transaction.
* With neither ``vrrp_iptables`` nor libnftables, but iptables installed,
  pyvrrp uses this form with INPUT only (the nftables form has no out chain).

Everything goes through ``iptables-restore --noflush`` / ``ip6tables-restore
--noflush`` (and ``ipset -exist restore``) fed with a generated ruleset; of
``iptables -S CHAIN`` and ``iptables -C`` only the exit status is read. At
start, chains of these names (and their jumps from the chain named, INPUT
and OUTPUT) a killed run left are removed before the new ones are made; on
stop they are removed. One address family failing (no ip6tables, say) leaves
the other filtered, and is logged.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address
from typing import Any

from pyvrrp.net import firewall
from pyvrrp.net.firewall import FirewallError

log = logging.getLogger(__name__)

CHAIN_IN = "PYVRRP-IN"
CHAIN_OUT = "PYVRRP-OUT"
DEFAULT_IN = "INPUT"
DEFAULT_OUT = "OUTPUT"
_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
)
_TIMEOUT = 10.0
_ND = ("neighbour-solicitation", "neighbour-advertisement")
_BUILTIN = ("INPUT", "OUTPUT", "FORWARD")

Addr = IPv4Address | IPv6Address


def _which(name: str) -> str | None:
    return shutil.which(name, path=_PATH)


def available() -> str | None:
    """None when iptables can be used here, else why not."""
    if _which("iptables-restore") is None:
        return "iptables-restore not found; install Debian's iptables"
    return None


# -- the generated rulesets (pure) --------------------------------------------------


def _own_rules(
    family: int, chain: str, direction: str, addrs: Iterable[Addr], ipset: str | None
) -> list[str]:
    """The rules of one of pyvrrp's chains: ``direction`` is ``dst`` (in) or
    ``src`` (out)."""
    flag = "-d" if direction == "dst" else "-s"
    rules: list[str] = []
    if ipset is not None:
        match = f"-m set --match-set {ipset} {direction}"
        if family == 6:
            rules += [
                f"-A {chain} -p ipv6-icmp -m icmp6 --icmpv6-type {t} {match} -j ACCEPT" for t in _ND
            ]
        rules.append(f"-A {chain} {match} -j DROP")
        return rules
    mine = sorted({a for a in addrs if a.version == family}, key=lambda a: a.packed)
    plen = 32 if family == 4 else 128
    if family == 6:
        rules += [
            f"-A {chain} {flag} {a}/{plen} -p ipv6-icmp -m icmp6 --icmpv6-type {t} -j ACCEPT"
            for a in mine
            for t in _ND
        ]
    rules += [f"-A {chain} {flag} {a}/{plen} -j DROP" for a in mine]
    return rules


def chains_text(
    family: int,
    addrs: Iterable[Addr],
    *,
    out: bool = False,
    ipset: str | None = None,
    jump_from: tuple[str, str | None] | None = None,
) -> str:
    """``iptables-restore --noflush`` input that (re)makes pyvrrp's chains
    for ``family`` (4 or 6) holding ``addrs`` (or matching ``ipset``), and,
    with ``jump_from`` (in chain, out chain), inserts the jumps to them."""
    addrs = list(addrs)
    lines = ["*filter", f":{CHAIN_IN} - [0:0]"]
    if out:
        lines.append(f":{CHAIN_OUT} - [0:0]")
    lines += _own_rules(family, CHAIN_IN, "dst", addrs, ipset)
    if out:
        lines += _own_rules(family, CHAIN_OUT, "src", addrs, ipset)
    if jump_from is not None:
        lines.append(f"-I {jump_from[0]} 1 -j {CHAIN_IN}")
        if out and jump_from[1] is not None:
            lines.append(f"-I {jump_from[1]} 1 -j {CHAIN_OUT}")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def remove_text(chains: Iterable[str]) -> str:
    """``iptables-restore --noflush`` input deleting pyvrrp's ``chains``
    (their jumps gone already)."""
    lines = ["*filter"]
    for c in chains:
        lines += [f"-F {c}", f"-X {c}"]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def ipset_setup_text(name4: str, name6: str) -> str:
    """``ipset -exist restore`` input making both sets, empty."""
    return (
        f"create {name4} hash:ip family inet\nflush {name4}\n"
        f"create {name6} hash:ip family inet6\nflush {name6}\n"
    )


def ipset_change_text(verb: str, name4: str, name6: str, addrs: Iterable[Addr]) -> str:
    """``ipset -exist restore`` input adding (``add``) or deleting (``del``)
    ``addrs``."""
    return "".join(
        f"{verb} {name4 if a.version == 4 else name6} {a}\n"
        for a in sorted(set(addrs), key=lambda a: (a.version, a.packed))
    )


# -- the filter ---------------------------------------------------------------------


class IptablesFilter:
    """pyvrrp's chains, with :class:`~pyvrrp.net.firewall.AcceptModeFilter`'s
    interface: :meth:`setup`, :meth:`add` / :meth:`remove` / :meth:`replace`
    as Masters take and release addresses, :meth:`teardown`. Every method
    starts processes: call them off the event loop (the netlink worker)."""

    def __init__(
        self,
        in_chain: str = DEFAULT_IN,
        out_chain: str | None = None,
        ipsets: tuple[str, str] | None = None,
    ) -> None:
        self.in_chain = in_chain
        self.out_chain = out_chain
        self.ipsets = ipsets
        #: what log messages call it
        self.table = f"iptables chain {CHAIN_IN}"
        #: equal for two filters that would make the same chains
        self.spec = ("iptables", in_chain, out_chain, ipsets)
        self.held: set[Addr] = set()
        #: the families (4, 6) whose chains are in place
        self.families: set[int] = set()

    # -- processes ----------------------------------------------------------------

    @staticmethod
    def _tool(family: int, what: str) -> str:
        name = f"{'ip' if family == 4 else 'ip6'}tables{what}"
        path = _which(name)
        if path is None:
            raise FirewallError(f"{name} not found")
        return path

    @staticmethod
    def _exec(argv: list[str], text: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                argv,
                input=text,
                stdin=None if text is not None else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FirewallError(f"{argv[0]}: {exc}") from None

    def _restore(self, family: int, text: str) -> None:
        argv = [self._tool(family, "-restore"), "-w", "5", "--noflush"]
        r = self._exec(argv, text)
        if r.returncode != 0:
            raise FirewallError(f"{os.path.basename(argv[0])}: {r.stderr.strip()}")

    def _ok(self, family: int, *args: str) -> bool:
        return self._exec([self._tool(family, ""), "-w", "5", *args]).returncode == 0

    def _ipset(self, text: str) -> None:
        if not text:
            return
        path = _which("ipset")
        if path is None:
            raise FirewallError("ipset not found; install Debian's ipset")
        r = self._exec([path, "-exist", "restore"], text)
        if r.returncode != 0:
            raise FirewallError(f"ipset: {r.stderr.strip()}")

    # -- per family ---------------------------------------------------------------

    def _remove_family(self, family: int) -> None:
        """pyvrrp's chains in ``family`` and every jump to them from the
        chain named, INPUT and OUTPUT, if there."""
        gone = []
        for chain, parents in (
            (CHAIN_IN, {self.in_chain, DEFAULT_IN}),
            (CHAIN_OUT, {self.out_chain or DEFAULT_OUT, DEFAULT_OUT}),
        ):
            if not self._ok(family, "-S", chain):
                continue
            for parent in sorted(parents):
                for _ in range(16):  # one jump each, unless someone added more
                    if not self._ok(family, "-C", parent, "-j", chain):
                        break
                    self._restore(family, f"*filter\n-D {parent} -j {chain}\nCOMMIT\n")
            gone.append(chain)
        if gone:
            self._restore(family, remove_text(gone))

    def _setup_family(self, family: int) -> None:
        self._remove_family(family)
        for chain in (self.in_chain, self.out_chain):
            if chain not in (None, *_BUILTIN) and not self._ok(family, "-S", chain):
                tool = "iptables" if family == 4 else "ip6tables"
                raise FirewallError(f"{tool} chain {chain} doesn't exist")
        ipset = None if self.ipsets is None else self.ipsets[family == 6]
        self._restore(
            family,
            chains_text(
                family,
                (),
                out=self.out_chain is not None,
                ipset=ipset,
                jump_from=(self.in_chain, self.out_chain),
            ),
        )

    def _refresh(self, families: Iterable[int]) -> None:
        """Rewrite the chains of ``families`` to hold :attr:`held` (no ipsets)."""
        for family in sorted(set(families) & self.families):
            self._restore(family, chains_text(family, self.held, out=self.out_chain is not None))

    # -- the interface ------------------------------------------------------------

    def setup(self) -> None:
        """(Re)make the chains, empty: chains of these names a run that did
        not stop cleanly left are replaced."""
        self.held = set()
        self.families = set()
        if self.ipsets is not None:
            self._ipset(ipset_setup_text(*self.ipsets))
        errors = []
        for family in (4, 6):
            try:
                self._setup_family(family)
            except FirewallError as exc:
                errors.append(str(exc))
                log.error("Accept_Mode filter: IPv%d addresses are not filtered: %s", family, exc)
            else:
                self.families.add(family)
        if not self.families:
            raise FirewallError("; ".join(errors))

    def _change(self, verb: str, addrs: set[Addr]) -> None:
        if not addrs:
            return
        if self.ipsets is not None:
            self._ipset(ipset_change_text(verb, *self.ipsets, addrs))
        else:
            self._refresh({a.version for a in addrs})

    def add(self, addrs: Iterable[Addr]) -> None:
        new = set(addrs) - self.held
        self.held |= new
        self._change("add", new)

    def remove(self, addrs: Iterable[Addr]) -> None:
        gone = set(addrs) & self.held
        self.held -= gone
        self._change("del", gone)

    def replace(self, addrs: Iterable[Addr]) -> None:
        """Hold exactly ``addrs``."""
        want = set(addrs)
        self.remove(self.held - want)
        self.add(want)

    def _remove_all(self) -> list[str]:
        errors = []
        for family in (4, 6):
            try:
                self._remove_family(family)
            except FirewallError as exc:
                if family == 4 or _which("ip6tables") is not None:
                    errors.append(str(exc))
        return errors

    def teardown(self) -> None:
        errors = self._remove_all()
        self.held = set()
        self.families = set()
        if self.ipsets is not None and _which("ipset") is not None:
            for name in self.ipsets:
                if self._exec([_which("ipset") or "ipset", "-n", "list", name]).returncode:
                    continue
                try:
                    self._ipset(f"destroy {name}\n")
                except FirewallError as exc:  # still used by a rule not pyvrrp's
                    log.warning("ipset %s left in place, emptied: %s", name, exc)
                    self._ipset(f"flush {name}\n")
        if errors:
            raise FirewallError("; ".join(errors))


# -- which form ---------------------------------------------------------------------


def select(g: Any, needed: bool) -> tuple[Any, str | None]:
    """The Accept_Mode filter (not yet set up) that the global definitions
    ``g`` ask for, or None and why there is none: iptables when
    ``vrrp_iptables`` is configured (nftables if iptables is not installed),
    else nftables, else iptables (INPUT only) when only iptables exists.
    ``needed``: an instance needs the filter (warnings are logged only then)."""
    nft_why = firewall.available()
    ipt_why = available()
    nft = (
        None
        if nft_why is not None
        else firewall.AcceptModeFilter(
            g.nftables or firewall.DEFAULT_TABLE, g.nftables_priority, g.nftables_counters
        )
    )
    if g.vrrp_iptables is not None:
        if ipt_why is None:
            in_chain, out_chain = g.vrrp_iptables
            return IptablesFilter(in_chain, out_chain, g.vrrp_ipsets), None
        if nft is not None:
            if needed:
                log.warning("vrrp_iptables: %s; using nftables instead", ipt_why)
            return nft, None
        return None, f"{ipt_why}; nftables: {nft_why}"
    if nft is not None:
        return nft, None
    if ipt_why is None:
        return IptablesFilter(DEFAULT_IN, None, g.vrrp_ipsets), None
    return None, f"nftables: {nft_why}; iptables: {ipt_why}"
