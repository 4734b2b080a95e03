"""What the routers' actions do to the host: virtual addresses and routes
(netlink, through pyroute2) and their announcement (gratuitous ARP,
unsolicited NA). The daemon decides when; this module only does."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from ipaddress import IPv4Address, ip_address, ip_network
from typing import Any

from pyvrrp.config import Config, GlobalDefs, InstanceConfig
from pyvrrp.daemon.clock import Clock
from pyvrrp.daemon.ratelimit import RateLimitedLog
from pyvrrp.net.firewall import FirewallError
from pyvrrp.protocol import State

log = logging.getLogger("pyvrrp")


class Netlink:
    """One worker thread for every netlink call, in order.

    pyroute2's synchronous API runs an event loop of its own, which cannot run
    inside the daemon's: netlink work goes to this thread instead.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netlink")

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` on the netlink thread and wait for its result."""
        return self._pool.submit(fn, *args).result()

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn`` without waiting (address changes); errors are logged."""

        def done(fut: Future[Any]) -> None:
            exc = fut.exception()
            if exc is not None:
                log.error("netlink: %s", exc)

        self._pool.submit(fn, *args).add_done_callback(done)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def net_vips(cfg: InstanceConfig) -> list[Any]:
    """The instance's virtual addresses (excluded ones too) as pyroute2 will add them."""
    from pyvrrp.net.addresses import VirtualAddress as NetVip

    out = []
    for v in (*cfg.virtual_addresses, *cfg.excluded_addresses):
        dev = cfg.vip_link(v)
        assert dev is not None
        out.append(
            NetVip(
                address=v.address,
                dev=dev,
                label=v.label,
                scope=v.scope,
                broadcast=v.brd if isinstance(v.brd, IPv4Address) else None,
            )
        )
    return out


def filtered(cfg: InstanceConfig) -> bool:
    """RFC 9568 6.4.3: a non-owner with Accept_Mode off drops what is sent
    to its virtual addresses (keepalived: no_accept, or vrrp_strict)."""
    return not cfg.accept and cfg.priority != 255


def vip_addresses(cfg: InstanceConfig) -> list[Any]:
    return [v.address.ip for v in (*cfg.virtual_addresses, *cfg.excluded_addresses)]


def net_routes(cfg: InstanceConfig) -> list[Any]:
    """The instance's virtual routes; one that cannot be expressed is skipped with a warning."""
    return _net_routes(cfg.virtual_routes, cfg.name)


def held_entries(cfg: InstanceConfig) -> tuple[list[Any], list[Any], list[Any]]:
    """What a Master of ``cfg`` holds: addresses, routes, rules (net objects)."""
    return net_vips(cfg), net_routes(cfg), net_rules(cfg.virtual_rules)


def net_rules(rules: Iterable[Any]) -> list[Any]:
    """static_rules / virtual_rules as pyroute2 will add them."""
    from pyvrrp.net.addresses import PolicyRule

    return [
        PolicyRule(
            family=r.family,
            priority=r.priority,
            action=r.action,
            table=r.table,
            src=r.src,
            dst=r.dst,
            fwmark=r.fwmark,
            fwmask=r.fwmask,
            iif=r.iif,
            oif=r.oif,
            tos=r.tos,
            invert=r.invert,
        )
        for r in rules
    ]


def child_links(cfg: InstanceConfig) -> list[Any]:
    """Every child the instance needs: its own (use_vmac / use_ipvlan) and
    the VMACs of its addresses on other interfaces."""
    from pyvrrp.net.vmac import ChildLink

    own = child_link(cfg)
    out = [own] if own is not None else []
    out += [
        ChildLink(name=name, base=base, kind="macvlan", mac=mac, family=family)
        for name, base, family, mac in cfg.addr_vmacs
    ]
    return out


def child_link(cfg: InstanceConfig) -> Any:
    """The instance's VMAC / ipvlan child as net.vmac will make it, or None."""
    from pyvrrp.net.vmac import ChildLink

    v = cfg.vmac
    if v is None or cfg.interface is None:
        return None
    other_family = any(
        a.family != cfg.family and (a.dev or v.name) == v.name
        for a in (*cfg.virtual_addresses, *cfg.excluded_addresses)
    )
    return ChildLink(
        name=v.name,
        base=cfg.interface,
        kind=v.kind,
        mac=v.mac,
        family=cfg.family,
        group=v.group,
        ipvlan_mode=v.ipvlan_mode,
        address=v.address,
        ipv6=other_family,
        # IPv6 adverts leave the child from a link-local address: the base's.
        link_local=cfg.family == 6 and not v.xmit_base and v.address is None,
        netlink_notify=v.netlink_notify,
    )


def extra_interfaces(cfg: InstanceConfig) -> dict[str, list[Any]]:
    """garp_extra_if's interfaces: those of the addresses other than the
    instance's own (with ``all``; else only the VMAC children of
    use_vmac_addr / an address's use_vmac), with their addresses."""
    children = {name for name, *_ in cfg.addr_vmacs}
    out: dict[str, list[Any]] = {}
    for v in (*cfg.virtual_addresses, *cfg.excluded_addresses):
        dev = cfg.vip_link(v)
        if dev is not None and dev != cfg.link and (cfg.garp_extra_if_all or dev in children):
            out.setdefault(dev, []).append(v.address.ip)
    return out


def static_entries(config: Config) -> tuple[list[Any], list[Any]]:
    """static_ipaddress and static_routes as pyroute2 will add them."""
    from pyvrrp.net.addresses import VirtualAddress as NetVip

    vips = []
    for v in config.static_addresses:
        assert v.dev is not None  # the loader refuses a static address without dev
        vips.append(
            NetVip(
                address=v.address,
                dev=v.dev,
                label=v.label,
                scope=v.scope,
                broadcast=v.brd if isinstance(v.brd, IPv4Address) else None,
            )
        )
    return vips, _net_routes(config.static_routes, "static_routes")


def _net_routes(routes: Iterable[Any], owner: str) -> list[Any]:
    from pyvrrp.net.addresses import VirtualRoute as NetRoute

    out = []
    for r in routes:
        try:
            dst = "0.0.0.0/0" if r.dest in (None, "default") else r.dest
            out.append(
                NetRoute(
                    dst=ip_network(dst, strict=False),
                    via=ip_address(r.via) if r.via else None,
                    dev=r.dev,
                    src=ip_address(r.src) if r.src else None,
                    table=int(r.table) if r.table and r.table.isdigit() else None,
                    scope=r.scope,
                    metric=r.metric,
                    blackhole=r.type == "blackhole",
                    rtype=r.type if r.type != "blackhole" else None,
                    onlink=r.onlink,
                    metrics=r.metrics,
                    lock=r.lock,
                    protocol=r.protocol,
                    tos=r.tos,
                    realms=r.realms,
                    pref=r.pref,
                    nexthops=tuple(
                        (ip_address(g) if g else None, d, w, o) for g, d, w, o in r.nexthops
                    ),
                )
            )
        except ValueError as exc:
            log.warning("(%s) route %r skipped: %s", owner, r.raw, exc)
    return out


class Effects:
    """Addresses, routes and announcements for every instance of the daemon."""

    def __init__(self, netlink: Netlink, clock: Clock, ratelog: RateLimitedLog) -> None:
        self.netlink = netlink
        self.clock = clock
        self.ratelog = ratelog
        self.addresses: Any = None
        #: VMAC / ipvlan children (net.vmac.ChildManager)
        self.children: Any = None
        self.announcer: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._globals: GlobalDefs | None = None
        #: the Accept_Mode filter (nftables), while some instance needs it
        self.filter: Any = None
        #: static_ipaddress / static_routes now on the host (net objects)
        self._static: tuple[list[Any], list[Any]] = ([], [])
        self._static_rules: list[Any] = []
        #: where what pyvrrp added is written down, for the run after a crash
        self.owned_path: str | None = None
        #: garp_group / vrrp_garp_interval: per interface (or group) pacing
        self._pacer: Any = None
        self._garp_groups: tuple[Any, ...] = ()

    def start(
        self,
        loop: asyncio.AbstractEventLoop,
        global_defs: GlobalDefs,
        owned_path: str | None = None,
    ) -> None:
        from pyvrrp.net.addresses import AddressManager

        self._loop = loop
        self._globals = global_defs
        self.owned_path = owned_path
        from pyvrrp.net.vmac import ChildManager

        self.addresses = self.netlink.call(AddressManager)
        if global_defs.vrrp_netlink_cmd_rcv_bufs:
            from pyvrrp.net.interfaces import set_netlink_rcvbuf

            if not set_netlink_rcvbuf(
                self.addresses.ipr.fileno(),
                global_defs.vrrp_netlink_cmd_rcv_bufs,
                global_defs.vrrp_netlink_cmd_rcv_bufs_force,
            ):
                log.warning("vrrp_netlink_cmd_rcv_bufs: refused by the kernel")
        self.children = ChildManager(self.addresses.ipr)
        try:
            from pyvrrp.net.announce import Announcer

            self.announcer = Announcer()
        except Exception as exc:  # pragma: no cover - announcements are best effort
            log.warning("gratuitous ARP/NA unavailable: %s", exc)
            self.announcer = None

    def configure(self, global_defs: GlobalDefs, garp_groups: tuple[Any, ...] = ()) -> None:
        self._globals = global_defs
        if garp_groups != self._garp_groups and self._pacer is not None:
            self._pacer.forget()
        self._garp_groups = garp_groups

    def _pace(self, cfg: InstanceConfig, dev: str, family: int) -> tuple[object, float]:
        """The pacing key and interval of announcements on ``dev``: its
        garp_group's (a VMAC child counts as its base), else the global
        vrrp_garp_interval / vrrp_gna_interval for that interface alone."""
        base = dev
        for link in child_links(cfg):
            if link.name == dev:
                base = link.base
        for i, group in enumerate(self._garp_groups):
            if base in group.interfaces:
                interval = group.garp_interval if family == 4 else group.gna_interval
                return ("group", i, family), interval or 0.0
        g = self._globals
        cs = (g.vrrp_garp_interval_cs if family == 4 else g.vrrp_gna_interval_cs) if g else 0
        return ("if", base, family), cs / 100

    def _announce_paced(
        self, cfg: InstanceConfig, dev: str, addrs: list[Any], current: Callable[[], bool]
    ) -> None:
        """One announcement per address on ``dev``, each when its interface's
        (or group's) pacing lets it go; the instance must still be Master then."""
        from pyvrrp.net.announce import Pacer

        if self._pacer is None:
            self._pacer = Pacer()
        assert self._loop is not None
        now = self._loop.time()
        for addr in addrs:
            key, interval = self._pace(cfg, dev, 4 if addr.version == 4 else 6)
            at = self._pacer.slot(key, now, interval)
            if at <= now:
                self._announce_now(cfg, dev, [addr])
            else:
                self._loop.call_at(at, self._announce_later, cfg, dev, addr, current)

    def _announce_later(
        self, cfg: InstanceConfig, dev: str, addr: Any, current: Callable[[], bool]
    ) -> None:
        if current():
            self._announce_now(cfg, dev, [addr])

    def _announce_now(self, cfg: InstanceConfig, dev: str, addrs: list[Any]) -> None:
        try:
            self.announcer.announce(dev, addrs)
        except OSError as exc:
            self.ratelog.log(
                (cfg.name, "announce", dev),
                self.clock.monotonic(),
                logging.WARNING,
                "(%s) gratuitous ARP/NA on %s failed: %s",
                cfg.name,
                dev,
                exc,
            )

    # -- addresses -----------------------------------------------------------------

    def take(self, cfg: InstanceConfig) -> None:
        if self.addresses is None:
            return
        if self.filter is not None and filtered(cfg):
            # Before the addresses: nothing reaches them unfiltered.
            self.netlink.post(self.filter.add, vip_addresses(cfg))
        for vip in net_vips(cfg):
            # adopt: a configured address already there is ours while Master,
            # so a clean shutdown releases it.
            self.netlink.post(functools.partial(self.addresses.add, vip, adopt=True))
        for route in net_routes(cfg):
            self.netlink.post(self.addresses.add_route, route)
        for rule in net_rules(cfg.virtual_rules):
            self.netlink.post(functools.partial(self.addresses.add_rule, rule, adopt=True))
        self._post_save()

    def release(self, cfg: InstanceConfig) -> None:
        if self.addresses is None:
            return
        for rule in net_rules(cfg.virtual_rules):
            self.netlink.post(self.addresses.remove_rule, rule)
        for route in net_routes(cfg):
            self.netlink.post(self.addresses.remove_route, route)
        for vip in net_vips(cfg):
            self.netlink.post(self.addresses.remove, vip)
        if self.filter is not None:
            self.netlink.post(self.filter.remove, vip_addresses(cfg))
        self._post_save()

    def drop_removed(self, old: InstanceConfig, new: InstanceConfig) -> None:
        """A reload changed a Master's addresses, routes or rules: those no
        longer in the config go now (the new ones come with :meth:`take`)."""
        if self.addresses is None:
            return
        vips, routes, rules = held_entries(new)
        for rule in net_rules(old.virtual_rules):
            if rule not in rules:
                self.netlink.post(self.addresses.remove_rule, rule)
        for route in net_routes(old):
            if route not in routes:
                self.netlink.post(self.addresses.remove_route, route)
        keys = {v.key for v in vips}
        gone = []
        for vip in net_vips(old):
            if vip.key not in keys:
                self.netlink.post(self.addresses.remove, vip)
                gone.append(vip.address.ip)
        if self.filter is not None and gone:
            self.netlink.post(self.filter.remove, gone)
        self._post_save()

    # -- VMAC / ipvlan children --------------------------------------------------

    def ensure_child(self, cfg: InstanceConfig) -> None:
        """Create (or adopt) the instance's child before its socket opens;
        :class:`~pyvrrp.net.errors.NetError` if the kernel refuses."""
        if self.children is None:
            return
        links = child_links(cfg)
        for link in links:
            self.netlink.call(self.children.ensure, link)
        if links:
            self._post_save()

    def apply_local_igmp(self, disable: bool) -> None:
        """disable_local_igmp: no IGMP reports for 224.0.0.0/24 (a VMAC
        child's would carry the virtual MAC from a Backup) while pyvrrp runs;
        the value before is put back on stop (or by the start after a crash)."""
        if self.children is None:
            return
        rel = "ipv4/igmp_link_local_mcast_reports"
        s = self.children.sysctls
        if disable:
            self.netlink.call(s.set, rel, 0)
        else:
            self.netlink.call(s.restore, [rel])
        self._post_save()

    def remove_child(self, cfg: InstanceConfig) -> None:
        """The instance left (reload): its child goes, after its addresses."""
        links = child_links(cfg)
        if not links or self.children is None:
            return
        for link in links:
            self.netlink.post(self.children.remove, link.name)
        self._post_save()

    def addresses_present(self, cfg: InstanceConfig) -> bool:
        """Are all the instance's virtual addresses on their interfaces?"""
        if self.addresses is None:
            return False
        vips = net_vips(cfg)
        try:
            return bool(vips) and all(self.netlink.call(self.addresses.present, v) for v in vips)
        except OSError:
            return False

    def child_link_local(self, cfg: InstanceConfig) -> Any:
        """The link-local address an IPv6 instance's child sends from."""
        assert self.children is not None and cfg.interface is not None
        return self.netlink.call(self.children.base_link_local, cfg.interface)

    def release_all(self) -> None:
        """Shutdown: every address and route pyvrrp added goes."""
        if self.addresses is None:
            return
        try:
            self.netlink.call(self.addresses.release)
            if self.children is not None:
                self.netlink.call(self.children.release)
        except OSError as exc:
            log.error("releasing addresses: %s", exc)
        else:
            self._static = ([], [])
            self._static_rules = []
            if self.owned_path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.owned_path)
        if self.filter is not None:
            try:
                self.netlink.call(self.filter.teardown)
            except FirewallError as exc:
                log.error("Accept_Mode filter: removing %s: %s", self.filter.table, exc)
            self.filter = None

    # -- static addresses and routes, and what a crashed run left ----------------------

    def apply_static(self, config: Config) -> None:
        """static_ipaddress / static_routes: on the host from start to stop,
        whatever the state; after a reload, those gone from the config go and
        new ones come. One already there (ours from a run that was killed) is
        adopted, so the stop removes it."""
        if self.addresses is None:
            return
        vips, routes = static_entries(config)
        rules = net_rules(config.static_rules)
        for rule in self._static_rules:
            if rule not in rules:
                self.netlink.post(self.addresses.remove_rule, rule)
        old_vips, old_routes = self._static
        for route in old_routes:
            if route not in routes:
                self.netlink.post(self.addresses.remove_route, route)
        for vip in old_vips:
            if vip not in vips:
                self.netlink.post(self.addresses.remove, vip)
        for vip in vips:
            self.netlink.post(functools.partial(self.addresses.add, vip, adopt=True))
        for route in routes:
            self.netlink.post(functools.partial(self.addresses.add_route, route, adopt=True))
        for rule in rules:
            self.netlink.post(functools.partial(self.addresses.add_rule, rule, adopt=True))
        self._static = (vips, routes)
        self._static_rules = rules
        self._post_save()

    def remove_leftovers(self, config: Config, keep: Iterable[InstanceConfig] = ()) -> None:
        """At start: what the last run wrote down as added and did not remove
        (it was killed) goes, but for the static entries this config keeps
        (adopted instead) and what the instances in ``keep`` hold (Masters
        going on through an in-place restart or a crash: they take it again,
        adopting it). Nothing it did not add is touched."""
        from pyvrrp.net.addresses import PolicyRule
        from pyvrrp.net.addresses import VirtualAddress as NetVip
        from pyvrrp.net.addresses import VirtualRoute as NetRoute
        from pyvrrp.net.vmac import ChildLink

        if self.addresses is None or self.owned_path is None:
            return
        try:
            with open(self.owned_path) as fh:
                doc = json.load(fh)
            old_vips = [NetVip.from_json(d) for d in doc.get("addresses", [])]
            old_routes = [NetRoute.from_json(d) for d in doc.get("routes", [])]
            old_rules = [PolicyRule.from_json(d) for d in doc.get("rules", [])]
            old_links = [ChildLink.from_json(d) for d in doc.get("links", [])]
            old_sysctls = dict(doc.get("sysctls", {}))
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("%s: unreadable (%s); leftovers of the last run not removed",
                      self.owned_path, exc)  # fmt: skip
            return
        keep_vips, keep_routes = static_entries(config)
        keep_rules = net_rules(config.static_rules)
        for cfg in keep:
            vips, routes, rules = held_entries(cfg)
            keep_vips, keep_routes, keep_rules = (
                keep_vips + vips,
                keep_routes + routes,
                keep_rules + rules,
            )
        for rule in old_rules:
            if rule not in keep_rules:
                log.info("removing rule %s left by the last run", rule)
                self.netlink.post(self.addresses.remove_rule, rule)
        for route in old_routes:
            if route not in keep_routes:
                log.info("removing route %s left by the last run", route)
                self.netlink.post(self.addresses.remove_route, route)
        for vip in old_vips:
            if vip not in keep_vips:
                log.info("removing address %s left by the last run", vip)
                self.netlink.post(self.addresses.remove, vip)
        if self.children is not None:
            # The sysctls go back to what they were before the last run (the
            # children this config keeps set them again, recording that), and
            # its children go unless this config has them (adopted then).
            self.children.sysctls.adopt(old_sysctls)
            self.netlink.call(self.children.sysctls.restore)
            keep = {link.name for c in config.instances for link in child_links(c)}
            for old in old_links:
                if old.name not in keep:
                    log.info("removing %s %s left by the last run", old.kind, old.name)
                    self.netlink.post(self.children.delete_leftover, old)

    def _post_save(self) -> None:
        if self.owned_path is not None and self.addresses is not None:
            self.netlink.post(self._save_owned)

    def _save_owned(self) -> None:
        """On the netlink thread, after the changes queued before it."""
        assert self.owned_path is not None
        doc: dict[str, Any] = {
            "addresses": [v.to_json() for v in self.addresses.owned()],
            "routes": [r.to_json() for r in self.addresses.owned_routes()],
            "rules": [r.to_json() for r in self.addresses.owned_rules()],
        }
        if self.children is not None:
            doc["links"] = [c.to_json() for c in self.children.owned()]
            doc["sysctls"] = self.children.sysctls.to_json()
        tmp = f"{self.owned_path}.tmp"
        with open(tmp, "w") as fh:
            json.dump(doc, fh)
        os.replace(tmp, self.owned_path)

    # -- the Accept_Mode filter -------------------------------------------------------

    def reconcile_filter(self, instances: Iterable[Any]) -> None:
        """Make the Accept_Mode filter (nftables, or iptables: net/iptables.py
        ``select``) what ``instances`` (daemon Instances) need:
        present when one of them is a non-owner without Accept_Mode, holding
        the addresses such Masters hold now; absent otherwise. A table or
        chains of that name left by a run that was killed are replaced or removed."""
        from pyvrrp.net import firewall, iptables

        g = self._globals
        assert g is not None
        insts = list(instances)
        needed = any(filtered(i.cfg) for i in insts)
        want, why = iptables.select(g, needed)
        if self.filter is not None and (
            not needed or want is None or self.filter.spec != want.spec
        ):
            try:
                self.netlink.call(self.filter.teardown)
            except firewall.FirewallError as exc:
                log.error("Accept_Mode filter: removing %s: %s", self.filter.table, exc)
            self.filter = None
        if self.filter is None:
            if want is None:
                if needed:
                    log.error(
                        "Accept_Mode off (no_accept / vrrp_strict) needs nftables or iptables: "
                        "%s; packets to the virtual addresses are not filtered",
                        why,
                    )
                return
            f = want
            try:
                if needed:
                    self.netlink.call(f.setup)
                    self.filter = f
                else:
                    self.netlink.call(f.teardown)  # what a killed run left, if anything
            except firewall.FirewallError as exc:
                log.error("Accept_Mode filter %s: %s", f.table, exc)
                return
        if self.filter is not None:
            held = [
                a
                for i in insts
                if filtered(i.cfg) and i.router.state is State.MASTER
                for a in vip_addresses(i.cfg)
            ]
            self.netlink.call(self.filter.replace, held)

    def close(self) -> None:
        if self.addresses is not None:
            self.netlink.post(self.addresses.close)
        if self.announcer is not None:
            self.announcer.close()

    # -- announcements ---------------------------------------------------------------

    def announce(self, inst: Any) -> None:
        """Gratuitous ARP / unsolicited NA on becoming Master, with keepalived's
        garp_master_delay / repeat / refresh; every round checks the instance is
        still Master (of the same term), so a Backup never announces."""
        if self.announcer is None or self._loop is None:
            return
        from pyvrrp.net.announce import AnnounceSettings, master_schedule, refresh_schedule

        loop = self._loop
        cfg: InstanceConfig = inst.cfg
        # Rounds go back to back: the pacing of each interface (garp_group,
        # vrrp_garp_interval) spaces their frames, as keepalived's garp delay.
        settings = AnnounceSettings(
            master_delay=cfg.garp_master_delay,
            master_repeat=max(1, cfg.garp_master_repeat),
            refresh=cfg.garp_master_refresh,
            refresh_repeat=max(1, cfg.garp_master_refresh_repeat),
        )
        router = inst.router
        epoch = router.counters.became_master  # a later mastership cancels this one

        def current() -> bool:
            return router.state is State.MASTER and router.counters.became_master == epoch

        def one_round() -> None:
            if not current():
                return
            by_dev: dict[str, list[Any]] = {}
            for v in (*cfg.virtual_addresses, *cfg.excluded_addresses):
                by_dev.setdefault(cfg.vip_link(v) or "", []).append(v.address.ip)
            for dev, group in by_dev.items():
                self._announce_paced(cfg, dev, group, current)

        def refresh() -> None:
            if not current():
                return
            for delay, _ in refresh_schedule(settings):
                loop.call_later(delay - settings.refresh, one_round)
            loop.call_later(settings.refresh, refresh)

        for delay, _ in master_schedule(settings):
            if delay <= 0:
                one_round()
            else:
                loop.call_later(delay, one_round)
        if settings.refresh > 0:
            loop.call_later(settings.refresh, refresh)
        extra = extra_interfaces(cfg)
        if cfg.garp_extra_if > 0 and extra:
            # keepalived's garp_extra_if: keep switches' MAC caches of the
            # other interfaces' addresses warm, from garp_master_delay on.
            def extra_round() -> None:
                if not current():
                    return
                for dev, group in extra.items():
                    self._announce_paced(cfg, dev, group, current)
                loop.call_later(cfg.garp_extra_if, extra_round)

            loop.call_later(cfg.garp_master_delay + cfg.garp_extra_if, extra_round)
