"""The daemon: one asyncio loop driving every instance.

Sockets: one per (interface, family), each packet demultiplexed to its
instance in O(1) by VRID. Timers: one heap of (deadline, instance) entries,
checked lazily against the router's current deadline, and a single asyncio
timer for the earliest. Everything the routers ask for (send, take, release,
announce, notify) is performed here; nothing here decides protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import grp
import heapq
import itertools
import json
import logging
import math
import os
import pwd
import shlex
import signal
import socket
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path
from typing import Any

from pyvrrp.config import Config, GlobalDefs, InstanceConfig, load
from pyvrrp.daemon import dumps, process
from pyvrrp.daemon import restart as restart_mod
from pyvrrp.daemon.clock import Clock
from pyvrrp.daemon.effects import Effects, Netlink, child_links, held_entries
from pyvrrp.daemon.fifo import NotifyFifo, fifo_line
from pyvrrp.daemon.instance import (
    OUTCOME_HINTS,
    AuthRejected,
    AuthSkew,
    Instance,
    LowerPriorityHeard,
)
from pyvrrp.daemon.procwatch import ProcessMatch, ProcessWatcher
from pyvrrp.daemon.ratelimit import RateLimitedLog
from pyvrrp.daemon.scripts import ScriptRunner, notify_commands
from pyvrrp.daemon.sdnotify import sd_notify
from pyvrrp.daemon.smtp import Mailer
from pyvrrp.daemon.trackfile import FileWatcher, init_file, read_value
from pyvrrp.protocol import (
    Action,
    Announce,
    Notify,
    ReleaseAddresses,
    SendAdvert,
    State,
    SyncGroup,
    TakeAddresses,
    TakeoverHeld,
    Tracker,
)
from pyvrrp.protocol.handover import CheckpointEntry, Resume, RouterSnapshot, decide
from pyvrrp.protocol.tracking import (
    ScriptSpec,
    TrackedFile,
    TrackedInterface,
    TrackedProcess,
    TrackedScript,
)
from pyvrrp.wire.vrrp import TRAILER_LEN

log = logging.getLogger("pyvrrp")


def _uid(user: str | None) -> int | None:
    """A user name or number (KeyError when there is no such user)."""
    if user is None:
        return None
    return int(user) if user.isdigit() else pwd.getpwnam(user).pw_uid


def _gid(group: str | None) -> int | None:
    if group is None:
        return None
    return int(group) if group.isdigit() else grp.getgrnam(group).gr_gid


#: How early the loop wakes for a timer, to sleep the rest precisely.
_WAKE_EARLY = 0.0015
#: A poll-style wait (epoll_wait, under asyncio's select) may end up to 0.1 %
#: of its timeout late: the kernel lets the wake-up slide by that much to batch
#: timers (select_estimate_accuracy, for any task not realtime), and on a VM
#: the wake-up came later still (up to 3 ms after a 1 s wait, measured). The
#: loop wakes this fraction of the wait earlier; the short wait left has the
#: minimum slack (50 us).
_POLL_SLACK = 0.004
#: A socket serving this many instances or more is read in clumps: at most
#: COALESCE seconds after its first packet arrived (see Daemon._on_readable).
COALESCE_MIN_INSTANCES = 32
COALESCE = 0.002
#: A Backup's down timer is spun to for its last this many seconds (_wait_for).
_SPIN = 0.0004
#: A kernel receive stamp older than this is not believed (a step of the
#: wall clock): the packet is handled as of now.
_MAX_RX_AGE_NS = 500_000_000
#: How often a busy socket's kernel drop counter is read (Daemon._read).
_DROPS_EVERY = 0.05
#: The longest one timer callback keeps firing timers before packets get a turn.
_TIMER_BATCH = 0.005
IPAddr = IPv4Address | IPv6Address


class StartupError(Exception):
    pass


def _tag_accelerated() -> bool:
    from pyvrrp.auth import mac

    return mac.ACCELERATED


def _gc_settle() -> None:
    """After start-up or a reload: collect once, then move every object alive
    (the configuration, the instances, the loaded modules) out of the cyclic
    collector's reach. Adverts allocate briefly and steadily; without this,
    each periodic full collection walked every object of every instance, which
    at 1000 instances cost a Backup more than the adverts themselves. Objects
    still die by reference counting; the next reload collects again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


NO_PEER = "no unicast peer (unicast_fault_no_peer)"
NO_INTERFACE = "interface missing (dynamic_interfaces: waiting for it)"
NO_SOURCE = "configured source address missing (track_src_ip)"
#: one in this many packets the BPF filter would drop reaches the daemon (counted)
_FILTER_SAMPLE = 16384
#: linkbeat: how often polled links are read (keepalived: every second)
_POLL_INTERVAL = 1.0
#: how often instances waiting for their interface (or its address) look again
_WAIT_RETRY = 1.0


def _exists(ifname: str | None) -> bool:
    if not ifname:
        return False
    try:
        socket.if_nametoindex(ifname)
    except OSError:
        return False
    return True


def _no_peer(cfg: InstanceConfig) -> bool:
    return cfg.unicast_fault_no_peer and not cfg.unicast_peers


def _fingerprint(cfg: InstanceConfig) -> tuple[Any, ...]:
    """What must stay equal for a reload to keep an instance running as is."""
    return (cfg.interface, cfg.vrid, cfg.family, cfg.version, cfg.unicast_src_ip, cfg.vmac)


def _advert_length(cfg: InstanceConfig) -> int:
    """An advert's IP packet length, as keepalived's vrrp_adv_len counts it."""
    ip = 20 if cfg.family == 4 else 40
    addrs = len(cfg.virtual_addresses) * (4 if cfg.family == 4 else 16)
    auth = 8 if cfg.version == 2 else 0
    trailer = 0 if cfg.auth_hmac is None else TRAILER_LEN
    return ip + 8 + addrs + auth + trailer


def _mtu(ifname: str) -> int:
    try:
        return int(Path(f"/sys/class/net/{ifname}/mtu").read_text())
    except (OSError, ValueError):
        return 1500


def _identity(cfg: InstanceConfig) -> str:
    """:func:`_fingerprint` as text that stays the same across code versions
    (an in-place restart compares the old image's with the new one's)."""
    v = cfg.vmac
    child = None if v is None else [v.name, v.kind, v.mac, v.xmit_base, str(v.address)]
    src = None if cfg.unicast_src_ip is None else str(cfg.unicast_src_ip)
    return json.dumps([cfg.interface, cfg.vrid, cfg.family, cfg.version, src, child])


def _sock_key(cfg: InstanceConfig) -> tuple[str, int]:
    """The socket an instance's adverts use: (interface, family)."""
    return (cfg.socket_interface or "", cfg.family)


class Daemon:
    def __init__(
        self,
        config_path: str,
        *,
        control_path: str | None = None,
        metrics: str | None = None,
        clock: Clock | None = None,
        env: dict[str, str] | None = None,
        state_path: str | None = None,
        handover_path: str | None = None,
        bridge_fd: int | None = None,
        argv: list[str] | None = None,
    ) -> None:
        self.config_path = config_path
        self.control_path = control_path
        #: the crash checkpoint (default: beside the control socket)
        self.state_path = state_path or (f"{control_path}.state" if control_path else None)
        #: an in-place restart's hand-over file and the bridge's socket
        self.handover_path = handover_path
        self.bridge_fd = bridge_fd
        #: this process's command line (after the program), for the re-exec
        self.argv = list(argv) if argv is not None else None
        self.restarts = 0
        self.started_wall = time.time()
        self.first_started = self.started_wall
        self._restarting = False
        self._checkpoint: Any = None
        self._checkpoint_due = False
        self._touch_timer: asyncio.TimerHandle | None = None
        #: sockets handed over by the previous image, by (interface, family)
        self._adopted: dict[tuple[str, int], Any] = {}
        self.metrics_addr = metrics
        self.clock = clock or Clock()
        self.env = env
        self.instances: dict[str, Instance] = {}
        self.trackers: dict[str, Tracker] = {}
        self.sync_groups: list[SyncGroup] = []
        self._promoted: set[str] = set()  # interfaces whose promote_secondaries we set
        #: link state last acted on, and debounced changes waiting (interface_up_down_delays)
        self._link_applied: dict[str, bool] = {}
        self._link_pending: dict[str, asyncio.TimerHandle] = {}
        self.sockets: dict[tuple[str, int], Any] = {}
        self.demux: dict[tuple[str, int], dict[int, Instance]] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timers_ran_at = 0.0  # the time of the last timer fired
        # Per socket: (when its drop counter was read, its value), and when it
        # was last seen to grow: packets lost before we could read them.
        self._drops: dict[tuple[str, int], tuple[float, int]] = {}
        self._lossy: dict[tuple[str, int], float] = {}
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.ratelog = RateLimitedLog(log, interval=10.0)
        self.scripts = ScriptRunner()
        self.config: Config | None = None
        self.started_at = 0.0
        self.reloads = 0
        self.reload_failures = 0
        self._script_tasks: list[asyncio.Task[None]] = []
        self._control: Any = None
        self._link_watcher: Any = None
        self._file_watcher: Any = None
        self._proc_watcher: ProcessWatcher | None = None
        #: per vrrp_track_process: the quorum state the trackers were last given
        self._proc_have: dict[str, bool] = {}
        self._proc_pending: dict[str, asyncio.TimerHandle] = {}
        self._auto = process.AutoPriority(None, 1.0, 10_000)
        self.mailer = Mailer(GlobalDefs())
        #: keepalived's notify_fifo and vrrp_notify_fifo, while open
        self.fifos: list[NotifyFifo] = []
        self._joined: dict[tuple[str, int], set[IPAddr]] = {}
        #: instances waiting for their interface (dynamic_interfaces)
        self._waiting: set[str] = set()
        self._wait_timer: asyncio.TimerHandle | None = None
        self._addr_watcher: Any = None
        #: primary addresses looked up during this start or reload, by interface
        self._primaries: dict[tuple[str, int, bool], Any] = {}
        #: sockets whose BPF filter is to be rebuilt
        self._filter_dirty: set[tuple[str, int]] = set()
        #: linkbeat: interfaces whose links are polled from their drivers
        self._poller: Any = None
        self._polled: set[str] = set()
        self._poll_timer: asyncio.TimerHandle | None = None
        self._scheduled: dict[str, float | None] = {}
        self._group_state: dict[str, State] = {}
        self.netlink = Netlink()
        self.effects = Effects(self.netlink, self.clock, self.ratelog)

    # -- configuration ----------------------------------------------------------

    def load_config(self) -> Config | None:
        def mtus(name: str) -> int | None:
            try:
                return int(Path(f"/sys/class/net/{name}/mtu").read_text())
            except (OSError, ValueError):
                return None

        result = load(self.config_path, env=self.env, mtus=mtus)
        for d in result.diagnostics:
            {"error": log.error, "warning": log.warning}.get(d.level, log.info)("%s", d.format())
        if not result.ok:
            return None
        return result.config

    def _primary(self, cfg: InstanceConfig) -> IPAddr:
        """The address the instance sends from. Looked up once per interface
        and family for one start or reload (``_primaries``): each lookup is a
        netlink round trip, and 1,000 instances on 4 interfaces made 1,000 of
        them, about 3 s of a start."""
        from pyvrrp.net.interfaces import link_local, primary_address

        if cfg.unicast_src_ip is not None:
            return cfg.unicast_src_ip
        if cfg.interface is None:
            raise StartupError(f"{cfg.name}: no interface")
        ifname = cfg.interface
        vmac6 = cfg.family == 6 and cfg.vmac is not None and not cfg.vmac.xmit_base
        key = (ifname, cfg.family, vmac6)
        cached = self._primaries.get(key)
        if cached is not None:
            return cached
        if cfg.family == 6:
            if vmac6:
                # The child sends from the base's link-local address (or
                # the one made of its MAC), which it is given.
                addr = self.effects.child_link_local(cfg)
            else:
                addr = self.netlink.call(link_local, ifname)
        else:
            addr = self.netlink.call(primary_address, ifname, 4)
        if addr is None:
            raise StartupError(f"{cfg.name}: interface {cfg.interface} has no IPv4 address")
        self._primaries[key] = addr
        return addr

    def _socket_for(self, cfg: InstanceConfig) -> Any:
        from pyvrrp.net.sockets import open_socket

        key = _sock_key(cfg)
        sock = self.sockets.get(key)
        if sock is None:
            sock = self._adopted.pop(key, None) or open_socket(key[0], cfg.family)
            self.sockets[key] = sock
            self._drops.pop(key, None)  # a new socket counts from 0
            self._lossy.pop(key, None)
            self.demux[key] = {}
            assert self._loop is not None
            self._loop.add_reader(sock.fileno(), self._on_readable, key)
        if not cfg.unicast:
            joined = self._joined.setdefault(key, set())
            if cfg.mcast_group not in joined:
                sock.join(cfg.mcast_group)  # type: ignore[arg-type]
                joined.add(cfg.mcast_group)
        return sock

    # -- instances ---------------------------------------------------------------

    def _add_instance(self, cfg: InstanceConfig, now: float) -> Instance:
        assert self.config is not None
        if self.config.global_defs.dynamic_interfaces and not _exists(cfg.interface):
            return self._add_waiting(cfg, now)
        inst = Instance(cfg, self._primary(cfg), now)
        # unicast_fault_no_peer: in FAULT from the start (the router records it).
        inst.router.set_fault(_no_peer(cfg), NO_PEER, now)
        inst.router.set_fault(self._source_missing(cfg), NO_SOURCE, now)
        self._attach(inst)
        self.instances[cfg.name] = inst
        self._build_tracker(cfg)
        return inst

    def _add_waiting(self, cfg: InstanceConfig, now: float) -> Instance:
        """dynamic_interfaces: the instance exists, in FAULT, until its
        interface comes (keepalived's behaviour with that option)."""
        log.warning("(%s) interface %s does not exist: waiting for it", cfg.name, cfg.interface)
        unspecified = ip_address("0.0.0.0" if cfg.family == 4 else "::")
        inst = Instance(cfg, unspecified, now)
        inst.router.set_fault(True, NO_INTERFACE, now)
        inst.router.set_fault(_no_peer(cfg), NO_PEER, now)
        self._waiting.add(cfg.name)
        self.instances[cfg.name] = inst
        self._build_tracker(cfg)
        self._arm_wait()
        return inst

    def _arm_wait(self) -> None:
        if self._waiting and self._wait_timer is None and self._loop is not None:
            self._wait_timer = self._loop.call_later(_WAIT_RETRY, self._retry_waiting)

    def _retry_waiting(self) -> None:
        """Waiting instances look again (their interface may have come
        without a link event we act on, or without its address yet)."""
        self._wait_timer = None
        for name in sorted(self._waiting):
            self._try_attach(name)
        self._arm_wait()

    def _try_attach(self, name: str) -> None:
        inst = self.instances.get(name)
        if inst is None:
            self._waiting.discard(name)
            return
        cfg = inst.cfg
        if not _exists(cfg.interface):
            return
        now = self.clock.monotonic()
        self._primaries.clear()  # (addresses may have come or gone since)
        try:
            primary = self._primary(cfg)
            self._attach(inst)
        except (StartupError, OSError) as exc:
            self.ratelog.log(
                (name, "attach"), now, logging.INFO, "(%s) not ready yet: %s", name, exc
            )
            return
        self._waiting.discard(name)
        log.info("(%s) interface %s is here: starting", name, cfg.interface)
        acts = inst.set_primary(primary, now)
        acts += inst.router.set_fault(self._source_missing(cfg), NO_SOURCE, now)
        acts += inst.router.set_fault(False, NO_INTERFACE, now)
        self._perform(inst, acts, now)
        self._schedule(inst)

    def _attach(self, inst: Instance) -> None:
        """The instance's child (use_vmac), socket and demultiplexer entry."""
        cfg = inst.cfg
        self.effects.ensure_child(cfg)  # before its socket: it may live on the child
        self._socket_for(cfg)
        if cfg.promote_secondaries and cfg.family == 4 and cfg.interface:
            self._promote_secondaries(cfg.interface)
        key = _sock_key(cfg)
        other = self.demux[key].get(cfg.vrid)
        if other is not None and other is not inst:
            raise StartupError(
                f"{cfg.name}: VRID {cfg.vrid} on {key[0]} IPv{cfg.family} is "
                f"already used by {other.cfg.name}"
            )
        self.demux[key][cfg.vrid] = inst
        self._size_rcvbuf(key)
        self._filter_soon(key)

    def _filter_soon(self, key: tuple[str, int]) -> None:
        """The socket's BPF filter is rebuilt once this round of changes is done."""
        if self._loop is None:
            return
        if not self._filter_dirty:
            self._loop.call_soon(self._refilter)
        self._filter_dirty.add(key)

    def _refilter(self) -> None:
        """Attach to each changed socket the filter of its instances (net/bpf.py):
        adverts that cannot be valid are dropped in the kernel.
        ``PYVRRP_NO_BPF=1`` turns it off (benchmarks compare)."""
        keys, self._filter_dirty = self._filter_dirty, set()
        if os.environ.get("PYVRRP_NO_BPF") or self.config is None:
            return
        from pyvrrp.net import bpf

        for key in keys:
            sock = self.sockets.get(key)
            if sock is None:
                continue
            spec = bpf.SocketSpec(
                family=key[1],
                rules=bpf.rules_of(self.demux.get(key, {}).values()),
                pass_unknown=self.config.global_defs.log_unknown_vrids,
                sample=_FILTER_SAMPLE,
            )
            try:
                sock.attach_filter(bpf.compile_filter(spec))
            except (OSError, ValueError) as exc:
                log.warning("BPF filter on %s not attached: %s", key[0] or "any", exc)

    def _size_rcvbuf(self, key: tuple[str, int]) -> None:
        """The socket's receive buffer as keepalived sizes it: the sum, over
        its instances, of each one's kernel_rx_buf_size or else what
        vrrp_rx_bufs_policy gives it (a size, or vrrp_rx_bufs_multiplier
        times its advert's length or its interface's MTU); nothing asked for:
        pyvrrp's own default (net.sockets.RCVBUF), not the system's."""
        sock = self.sockets.get(key)
        if sock is None or self.config is None:
            return
        g = self.config.global_defs
        total = 0
        for inst in self.demux.get(key, {}).values():
            cfg = inst.cfg
            if cfg.kernel_rx_buf_size:
                total += cfg.kernel_rx_buf_size
            elif g.vrrp_rx_bufs_size is not None:
                total += g.vrrp_rx_bufs_size
            elif g.vrrp_rx_bufs_policy == "ADVERT":
                total += g.vrrp_rx_bufs_multiplier * _advert_length(cfg)
            elif g.vrrp_rx_bufs_policy == "MTU":
                total += g.vrrp_rx_bufs_multiplier * _mtu(key[0])
        if total:
            sock.set_rcvbuf(total)

    def _source_missing(self, cfg: InstanceConfig) -> bool:
        """track_src_ip: the configured source address is not on the interface."""
        if not cfg.track_src_ip or cfg.unicast_src_ip is None:
            return False
        from pyvrrp.net.interfaces import addresses

        where = cfg.vmac.name if cfg.vmac is not None and cfg.vmac.kind == "ipvlan" else None
        try:
            found = self.netlink.call(addresses, where or cfg.interface, cfg.family)
        except OSError:
            return True
        return all(a != cfg.unicast_src_ip for a, *_ in found)

    def _start_addr_watcher(self) -> None:
        """Address events, while some instance has track_src_ip."""
        needed = any(i.cfg.track_src_ip for i in self.instances.values())
        if needed == (self._addr_watcher is not None) or self._loop is None:
            return
        if not needed:
            self._loop.remove_reader(self._addr_watcher.fileno())
            self._addr_watcher.close()
            self._addr_watcher = None
            return
        from pyvrrp.net.interfaces import AddressWatcher

        try:
            self._addr_watcher = AddressWatcher()
        except OSError as exc:
            log.warning("addresses not watched (track_src_ip): %s", exc)
            return
        self._monitor_bufs(self._addr_watcher.fileno())
        self._loop.add_reader(self._addr_watcher.fileno(), self._on_addr)

    def _monitor_bufs(self, fd: int) -> None:
        """vrrp_netlink_monitor_rcv_bufs on a link / address watcher."""
        g = self.config.global_defs if self.config is not None else None
        if g is None or not g.vrrp_netlink_monitor_rcv_bufs:
            return
        from pyvrrp.net.interfaces import set_netlink_rcvbuf

        size, force = g.vrrp_netlink_monitor_rcv_bufs, g.vrrp_netlink_monitor_rcv_bufs_force
        if not set_netlink_rcvbuf(fd, size, force):
            log.warning("vrrp_netlink_monitor_rcv_bufs: refused by the kernel")

    def _on_addr(self) -> None:
        if self._addr_watcher is None:
            return
        events = self._addr_watcher.read()
        if events == []:
            return
        watched = {
            i.cfg.unicast_src_ip
            for i in self.instances.values()
            if i.cfg.track_src_ip and i.cfg.name not in self._waiting
        }
        if events is not None and not any(addr in watched for _, addr, _ in events):
            return
        self._check_sources()

    def _check_sources(self) -> None:
        now = self.clock.monotonic()
        for inst in list(self.instances.values()):
            if inst.cfg.name in self._waiting:
                continue
            # (not tracking: never missing, so a reload that drops
            # track_src_ip also ends its FAULT)
            missing = self._source_missing(inst.cfg)
            if missing != (NO_SOURCE in inst.router.fault_reasons):
                log.info(
                    "(%s) source address %s %s",
                    inst.cfg.name,
                    inst.cfg.unicast_src_ip,
                    "is gone: FAULT" if missing else "is back",
                )
                self._perform(inst, inst.router.set_fault(missing, NO_SOURCE, now), now)
                self._schedule(inst)

    def _relink(self, ifname: str) -> None:
        """``ifname`` is up: if it was deleted and made again, the children on
        it come back and the sockets bound to its old index are opened anew;
        instances waiting for it start."""
        for inst in list(self.instances.values()):
            cfg = inst.cfg
            if cfg.name in self._waiting:
                if ifname in (cfg.interface, cfg.socket_interface):
                    self._try_attach(cfg.name)
                continue
            gone = [c.name for c in child_links(cfg) if c.base == ifname and not _exists(c.name)]
            if gone:
                try:
                    self.effects.ensure_child(cfg)
                except OSError as exc:
                    log.error("(%s) re-creating %s: %s", cfg.name, ", ".join(gone), exc)
        for key, sock in list(self.sockets.items()):
            try:
                index = socket.if_nametoindex(key[0])
            except OSError:
                continue
            if index != sock.ifindex:
                self._reopen(key)

    def _reopen(self, key: tuple[str, int]) -> None:
        """The socket's interface was made again (a new index): a new socket,
        the same groups, the same instances."""
        from pyvrrp.net.sockets import open_socket

        old = self.sockets[key]
        try:
            sock = open_socket(key[0], key[1])
        except OSError as exc:
            log.error("reopening the VRRP socket on %s: %s", key[0], exc)
            return
        if self._loop is not None:
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(old.fileno())
        old.close()
        self.sockets[key] = sock
        self._drops.pop(key, None)
        self._lossy.pop(key, None)
        for group in self._joined.get(key, set()):
            try:
                sock.join(group)  # type: ignore[arg-type]
            except OSError as exc:
                log.error("joining %s on %s: %s", group, key[0], exc)
        self._size_rcvbuf(key)
        self._filter_soon(key)
        assert self._loop is not None
        self._loop.add_reader(sock.fileno(), self._on_readable, key)
        log.info("%s was made again: its VRRP socket reopened", key[0])

    def _build_tracker(self, cfg: InstanceConfig) -> None:
        assert self.config is not None
        if (
            not cfg.track_scripts
            and not cfg.track_interfaces
            and not cfg.track_files
            and not cfg.track_processes
        ):
            self.trackers.pop(cfg.name, None)
            return
        scripts = []
        for ts in cfg.track_scripts:
            sc = self.config.scripts.get(ts.name)
            if sc is None:
                continue
            spec = ScriptSpec(
                name=sc.name,
                weight=sc.weight,
                reverse=sc.weight_reverse,
                rise=sc.rise,
                fall=sc.fall,
                interval_cs=math.ceil(sc.interval * 100),
                timeout_cs=math.ceil((sc.timeout or sc.interval) * 100),
                init_fail=sc.init_fail,
            )
            scripts.append(TrackedScript(spec, weight=ts.weight, reverse=ts.reverse or None))
        ifaces = [TrackedInterface(t.name, t.weight or 0, t.reverse) for t in cfg.track_interfaces]
        files = []
        for tf in cfg.track_files:
            fc = self.config.track_files[tf.name]
            weight = fc.weight if tf.weight is None else tf.weight
            reverse = fc.reverse if tf.reverse is None else tf.reverse
            files.append(TrackedFile(tf.name, weight, reverse))
        procs = []
        for tp in cfg.track_processes:
            pc = self.config.track_processes[tp.name]
            procs.append(
                TrackedProcess(
                    tp.name,
                    pc.weight if tp.weight is None else tp.weight,
                    pc.reverse if tp.reverse is None else tp.reverse,
                    pc.quorum,
                    pc.quorum_max,
                )
            )
        tracker = Tracker(
            cfg.priority, scripts=scripts, interfaces=ifaces, files=files, processes=procs
        )
        counts = self._proc_watcher.counts() if self._proc_watcher is not None else {}
        for tp in cfg.track_processes:
            tracker.process_count(tp.name, counts.get(tp.name, 0), self.clock.monotonic())
        now = self.clock.monotonic()
        for tf in cfg.track_files:
            # What the file holds now (keepalived reads it at start and reload).
            value = read_value(self.config.track_files[tf.name].path)
            if value is not None:
                tracker.file_value(tf.name, value, now)
        self.trackers[cfg.name] = tracker

    def _remove_instance(self, name: str, now: float, *, deleted: bool = False) -> None:
        inst = self.instances.pop(name)
        self._waiting.discard(name)
        acts = inst.router.shutdown(now)
        if deleted:
            # keepalived: an instance gone from the config notifies DELETED
            # (notify_deleted) or, by default, FAULT; not STOP.
            acts = [a for a in acts if not isinstance(a, Notify)]
            self._notify_deleted(inst)
        self._perform(inst, acts, now)
        self.effects.release(inst.cfg)
        self.effects.remove_child(inst.cfg)
        key = _sock_key(inst.cfg)
        self.demux.get(key, {}).pop(inst.cfg.vrid, None)
        self._filter_soon(key)
        self.trackers.pop(name, None)
        self._scheduled.pop(name, None)

    def _build_sync_groups(self) -> None:
        assert self.config is not None
        self.sync_groups = []
        for g in self.config.sync_groups:
            members = [self.instances[m].router for m in g.members if m in self.instances]
            if len(members) > 1:
                self.sync_groups.append(SyncGroup(g.name, members))

    # -- timers ----------------------------------------------------------------

    def _schedule(self, inst: Instance) -> None:
        """Make the timer heap agree with the router's deadline.

        Entries are lazy. A deadline earlier than the instance's entry is
        pushed; a later one (a Backup's down timer, pushed back by every
        advert) is not: the entry stays, and when it surfaces it is moved to
        the instance's deadline then (:meth:`_top`). So a Backup costs one heap
        operation per Master_Down_Interval, not one per advert."""
        name = inst.cfg.name
        d = inst.router.next_deadline()
        if d is None:
            return  # its entry, if any, is dropped when it surfaces
        cur = self._scheduled.get(name)
        if cur is not None and cur <= d:
            return
        self._scheduled[name] = d
        heapq.heappush(self._heap, (d, next(self._seq), name))
        timer = self._timer
        if timer is None or d - _WAKE_EARLY < timer.when():
            self._arm()

    def _top(self) -> tuple[float, int, str] | None:
        """The first live heap entry, its deadline the instance's own: entries
        superseded by an earlier push or of removed instances are dropped, and
        one whose instance's deadline moved on is moved with it."""
        heap, scheduled = self._heap, self._scheduled
        while heap:
            top = heap[0]
            d, _, name = top
            if scheduled.get(name) != d:
                heapq.heappop(heap)  # superseded or removed
                continue
            inst = self.instances.get(name)
            real = inst.router.next_deadline() if inst is not None else None
            if real == d:
                return top
            if real is None:
                scheduled[name] = None
                heapq.heappop(heap)
            else:
                scheduled[name] = real
                heapq.heapreplace(heap, (real, next(self._seq), name))
        return None

    def _arm(self) -> None:
        assert self._loop is not None
        top = self._top()
        if top is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return
        # epoll rounds its timeout up to the next millisecond, the kernel may
        # let a long wait run late (_POLL_SLACK) and Python adds its own delay:
        # wake a little early and sleep the rest precisely in _on_timer, so a
        # timer fires within tens of microseconds. (A long wait so ends with
        # one more short one: _on_timer arms again when the deadline is still
        # more than 2 x _WAKE_EARLY away.)
        # A timer armed no later than needed stays: when it fires with nothing
        # due, _on_timer arms again.
        ahead = top[0] - self._loop.time()
        when = top[0] - _WAKE_EARLY - (ahead * _POLL_SLACK if ahead > 0 else 0.0)
        if self._timer is not None:
            if self._timer.when() <= when:
                return
            self._timer.cancel()
        self._timer = self._loop.call_at(when, self._on_timer)

    def _on_timer(self) -> None:
        """Fire every due timer. Deadlines less than 2 x _WAKE_EARLY ahead are
        slept to and fired in the same callback (bounded to a few ms, so packets
        are not held up), not left to another trip through the event loop:
        instances started together have deadlines microseconds apart."""
        self._timer = None
        heap = self._heap
        clock = self.clock
        started = clock.monotonic()
        while True:
            top = self._top()
            if top is None:
                break
            now = clock.monotonic()
            wait = top[0] - now
            if wait > 2 * _WAKE_EARLY or now - started > _TIMER_BATCH:
                break
            if wait > 0:
                self._wait_for(top, wait)
                now = clock.monotonic()
            while (top := self._top()) is not None and top[0] <= now:
                if self._auto.cap and now - top[0] >= self._auto.min_delay:
                    self._auto.late(now - top[0])  # max_auto_priority
                heapq.heappop(heap)
                name = top[2]
                inst = self.instances[name]
                self._scheduled[name] = None
                self._timers_ran_at = now
                self._perform(inst, inst.router.handle_timer(now, self._loss_seen(inst, now)), now)
                self._schedule(inst)
        self._arm()

    def _wait_for(self, top: tuple[float, int, str], wait: float) -> None:
        """Wait the last ``wait`` seconds (under 2 x _WAKE_EARLY) to a timer.

        The instance's advert is built meanwhile (:meth:`Instance.prime`). A
        Master's advert timer is slept to. A Backup's down timer firing is a
        takeover, a rare event that should be quick: the last _SPIN seconds are
        spun, not slept, as a wake-up from sleep took 100-200 us on a VM (and
        ran the takeover on a cold CPU). In steady state a Backup's down timer
        never comes this close: every advert pushes it back by an interval."""
        inst = self.instances.get(top[2])
        if inst is not None:
            inst.prime()
        # Real time, bounded: the remaining wait is measured once on self.clock.
        end = time.monotonic() + top[0] - self.clock.monotonic()
        if inst is None or inst.router.state is not State.BACKUP:
            time.sleep(max(0.0, end - time.monotonic()))
            return
        # One reading of the clock per decision: read twice, a preemption
        # between the two made the sleep length negative (ValueError), and the
        # exception ended the timer callback: no takeover at all.
        left = end - time.monotonic() - _SPIN
        if left > 0:
            time.sleep(left)
        while time.monotonic() < end:
            pass

    # -- packets -----------------------------------------------------------------

    def _on_readable(self, key: tuple[str, int]) -> None:
        sock = self.sockets.get(key)
        if sock is None:
            return
        table = self.demux[key]
        if len(table) >= COALESCE_MIN_INSTANCES and self._loop is not None:
            # Many instances on this socket: their Master's adverts come in
            # clumps. Stop watching the socket and read the whole clump a moment
            # later: one wake-up instead of one per few packets. (A wake-up of a
            # process idle since the last one costs more than the packets it
            # reads; at 1000 instances this took a Backup from 4.9 % to 1.9 %
            # of a core.) Each advert is then handled at most COALESCE seconds
            # after it arrived, at the time it is handled.
            self._loop.remove_reader(sock.fileno())
            self._loop.call_later(COALESCE, self._drain, key)
            return
        self._read(key, sock, table)

    def _drain(self, key: tuple[str, int]) -> None:
        sock = self.sockets.get(key)
        if sock is None or self._loop is None:
            return  # closed meanwhile (reload, shutdown)
        try:
            self._read(key, sock, self.demux[key])
        finally:
            self._loop.add_reader(sock.fileno(), self._on_readable, key)

    def _read(self, key: tuple[str, int], sock: Any, table: dict[int, Instance]) -> None:
        now = self.clock.monotonic()
        real_ns = time.time_ns()  # read together with now: the stamps' offset
        wall = self.clock.wall_ns()
        # Each advert is handled as of when the kernel received it (a Backup's
        # down timer runs from then), not as of now, when a woken process got
        # to it: that was 100-600 us later on a VM, all of it added to every
        # takeover. The kernel's stamp is CLOCK_REALTIME: its age against the
        # real (never the lab's skewed) wall clock moves ``now`` back. A socket
        # read in clumps (many instances, _on_readable) is not asked for stamps
        # on IPv4, where they cost a recvmsg per packet; IPv6 reads them anyway.
        stamped = len(table) < COALESCE_MIN_INSTANCES
        floor = self._timers_ran_at  # no router sees time run backwards
        for _ in range(256):  # bounded, so timers still run under a flood
            try:
                pkt = sock.recv(stamped)
            except OSError as exc:
                log.debug("receive on %s: %s", key[0], exc)
                break
            if pkt is None:
                break
            payload = pkt.payload
            # O(1) demultiplex on the VRID byte; adverts for VRIDs we do not own
            # are ignored without decoding.
            if len(payload) < 2:
                continue
            inst = table.get(payload[1])
            if inst is None:
                if self.config is not None and self.config.global_defs.log_unknown_vrids:
                    self.ratelog.log(
                        (key, "vrid", payload[1]),
                        now,
                        logging.INFO,
                        "%s IPv%d: advert for VRID %d, not configured here, from %s",
                        key[0],
                        key[1],
                        payload[1],
                        pkt.src,
                    )
                continue
            at = now
            age = real_ns - pkt.rx_ns
            if age < _MAX_RX_AGE_NS:  # (rx_ns 0: unknown; a clock step: ignored)
                at = now - age / 1e9 if age > 0 else now
                if at < floor:
                    at = floor
            actions = inst.receive(
                payload,
                pkt.src,
                pkt.dst,
                pkt.ttl,
                at,
                wall,
                kernel_checksum=pkt.family == 6,
            )
            if actions:
                self._perform(inst, actions, at)
            self._schedule(inst)  # a no-op unless the router's deadline moved
        self._sample_drops(key, sock, now)

    def _loss_seen(self, inst: Instance, now: float) -> float | None:
        """When packets were last seen lost on ``inst``'s socket, for a Backup
        whose down timer runs out (the counter read afresh: a takeover is
        rare); None for anything else."""
        if inst.router.state is not State.BACKUP:
            return None
        key = _sock_key(inst.cfg)
        sock = self.sockets.get(key)
        if sock is not None:
            self._sample_drops(key, sock, now, fresh=True)
        return self._lossy.get(key)

    def _sample_drops(
        self, key: tuple[str, int], sock: Any, now: float, *, fresh: bool = False
    ) -> None:
        """Read the socket's kernel drop counter (when it is read anyway, at
        most every _DROPS_EVERY s, or ``fresh``); note when it grew. A Backup
        whose down timer runs out while that goes on holds its takeover
        (VirtualRouter._hold): adverts of its Master may have been among the
        packets lost."""
        checked, count = self._drops.get(key, (-_DROPS_EVERY, 0))
        if now - checked < _DROPS_EVERY and not fresh:
            return
        n = sock.drops()
        if n != count:  # (a socket starts at 0; the counter is 32 bits and wraps)
            self._lossy[key] = now
            self.ratelog.log(
                (key, "drops"),
                now,
                logging.WARNING,
                "%s IPv%d: the kernel dropped %d VRRP packets (receive queue full: a "
                "flood?); a Backup's takeover waits while packets are lost",
                key[0],
                key[1],
                (n - count) & 0xFFFFFFFF,
            )
        self._drops[key] = (now, n)

    # -- actions -------------------------------------------------------------------

    def _perform(self, inst: Instance, actions: Iterable[Any], now: float) -> None:
        changed = False
        for act in actions:
            if isinstance(act, AuthRejected):  # first: a flood makes one per advert
                self._log_auth(inst, act, now)
            elif isinstance(act, SendAdvert):
                self._send(inst, act.priority)
            elif isinstance(act, TakeAddresses):
                self.effects.take(inst.cfg)
            elif isinstance(act, ReleaseAddresses):
                self.effects.release(inst.cfg)
            elif isinstance(act, Announce):
                self.effects.announce(inst)
            elif isinstance(act, Notify):
                self._notify(inst, act, now)
                self._checkpoint_soon()
                changed = True
            elif isinstance(act, LowerPriorityHeard):
                self._lower_priority_heard(inst, act)
            elif isinstance(act, TakeoverHeld):
                self.ratelog.log(
                    (inst.cfg.name, "held"),
                    now,
                    logging.WARNING,
                    "(%s) Master_Down_Timer expired %.1fs after the Master was last heard, "
                    "but packets were being lost: holding the takeover (at most %.1fs more)",
                    inst.cfg.name,
                    act.silent_for,
                    max(0.0, act.until - now),
                )
            elif isinstance(act, AuthSkew):
                assert inst.auth is not None
                self.ratelog.log(
                    (inst.cfg.name, "skew"),
                    now,
                    logging.WARNING,
                    "(%s) clock skew with %s is past half the time_window (%ss): fix NTP",
                    inst.cfg.name,
                    act.source,
                    inst.auth.window,
                )
        if changed:
            self._sync(inst, now)

    def _sync(self, inst: Instance, now: float) -> None:
        for group in self.sync_groups:
            if inst.router in group.routers:
                for router, acts in group.reconcile(now):
                    other = next(i for i in self.instances.values() if i.router is router)
                    self._perform(other, acts, now)
                    self._schedule(other)
                self._group_notify(group)

    def _group_notify(self, group: SyncGroup) -> None:
        """keepalived's sync group scripts: run when the group as a whole changes
        state (MASTER when every member is, FAULT when any is, else BACKUP)."""
        states = {r.state for r in group.routers}
        if State.FAULT in states:
            state = State.FAULT
        elif states == {State.MASTER}:
            state = State.MASTER
        elif states == {State.INITIALIZE}:
            state = State.INITIALIZE
        else:
            state = State.BACKUP
        if self._group_state.get(group.name) == state:
            return
        self._group_state[group.name] = state
        groups = self.config.sync_groups if self.config is not None else ()
        cfg = next((g for g in groups if g.name == group.name), None)
        if cfg is None:
            return
        word = {State.INITIALIZE: "STOP"}.get(state, state.value)
        log.info("(group %s) %s", group.name, word)
        specific = {
            State.MASTER: cfg.notify_master,
            State.BACKUP: cfg.notify_backup,
            State.FAULT: cfg.notify_fault,
            State.INITIALIZE: cfg.notify_stop,
        }.get(state)
        self._announce("GROUP", group.name, word, 0, specific, cfg.notify, cfg.smtp_alert)

    def _announce(
        self,
        kind: str,
        name: str,
        word: str,
        priority: int,
        specific: str | None,
        generic: str | None,
        smtp_alert: bool | None,
    ) -> None:
        """One state change of an instance or group, told the ways keepalived
        tells it: the notify FIFOs, a mail, the notify scripts."""
        self._fifo_write(kind, name, word, priority)
        self.mailer.state_change(kind, name, word, smtp_alert)
        label = f"({name}) notify" if kind == "INSTANCE" else f"(group {name}) notify"
        for cmd in notify_commands(
            specific=specific,
            generic=generic,
            kind=kind,
            name=name,
            state=word,
            priority=priority,
        ):
            self.scripts.spawn(cmd, label)

    # -- notify FIFOs -------------------------------------------------------------

    def _open_fifos(self) -> None:
        """keepalived's notify_fifo and vrrp_notify_fifo (with their scripts)."""
        assert self.config is not None
        g = self.config.global_defs
        for fc in (g.notify_fifo, g.vrrp_notify_fifo):
            if fc is None or not fc.path:
                continue
            try:
                fifo = NotifyFifo(fc.path, _uid(fc.user), _gid(fc.group))
            except (OSError, KeyError) as exc:
                log.error("notify fifo %s: %s", fc.path, exc)
                continue
            self.fifos.append(fifo)
            if fc.script:
                # keepalived: the FIFO's name is the script's last argument.
                self.scripts.spawn(
                    f"{fc.script} {shlex.quote(fc.path)}",
                    "notify fifo",
                    user=fc.script_user,
                    group=fc.script_group,
                )

    def _close_fifos(self) -> None:
        for fifo in self.fifos:
            fifo.close()
        self.fifos = []

    def _fifo_write(self, kind: str, name: str, state: str, priority: int) -> None:
        if self.fifos:
            line = fifo_line(kind, name, state, priority)
            for fifo in self.fifos:
                fifo.write(line)

    def _priority_changed(self, inst: Instance, before: int) -> None:
        """notify_priority_changes: MASTER_PRIORITY / BACKUP_PRIORITY lines."""
        after = inst.router.effective_priority
        if after == before or not self.fifos:
            return
        wanted = inst.cfg.notify_priority_changes
        if wanted is None:
            assert self.config is not None
            wanted = self.config.global_defs.vrrp_notify_priority_changes
        state = inst.router.state
        if wanted and state in (State.MASTER, State.BACKUP):
            self._fifo_write("INSTANCE", inst.cfg.name, f"{state.value}_PRIORITY", after)

    def _apply_tracker(self, inst: Instance, tracker: Tracker, now: float) -> None:
        before = inst.router.effective_priority
        self._perform(inst, tracker.apply(inst.router, now), now)
        self._priority_changed(inst, before)

    def _lower_priority_heard(self, inst: Instance, act: LowerPriorityHeard) -> None:
        """A Master heard a lower priority advert (keepalived's
        MASTER_RX_LOWER_PRI: the FIFO line and notify_master_rx_lower_pri)."""
        prio = inst.router.effective_priority
        self._fifo_write("INSTANCE", inst.cfg.name, "MASTER_RX_LOWER_PRI", prio)
        script = inst.cfg.notify_master_rx_lower_pri
        if script:
            self.scripts.spawn(script, f"({inst.cfg.name}) notify_master_rx_lower_pri")

    def _write_states(self) -> None:
        """fifo_write_vrrp_states_on_reload: every instance's and group's state."""
        for name, inst in self.instances.items():
            state = inst.router.state
            word = {State.INITIALIZE: "STOP"}.get(state, state.value)
            self._fifo_write("INSTANCE", name, word, inst.router.effective_priority)
        for group, state in self._group_state.items():
            word = {State.INITIALIZE: "STOP"}.get(state, state.value)
            self._fifo_write("GROUP", group, word, 0)

    def _send(self, inst: Instance, priority: int) -> None:
        sock = self.sockets.get(_sock_key(inst.cfg))
        if sock is None:
            return
        # (The wall clock only for a trailer: in the lab it reads a file.)
        wall = self.clock.wall_ns() if inst.auth is not None else 0
        try:
            copies = inst.build_adverts(priority, wall)
        except Exception:
            log.exception("(%s) cannot build an advert", inst.cfg.name)
            return
        ttl = inst.cfg.unicast_ttl if inst.cfg.unicast else 255
        for dst, payload in copies:
            try:
                sock.send(payload, inst.primary, dst, ttl)
            except OSError as exc:
                self.ratelog.log(
                    (inst.cfg.name, "send"),
                    self.clock.monotonic(),
                    logging.WARNING,
                    "(%s) send to %s failed: %s",
                    inst.cfg.name,
                    dst,
                    exc,
                )

    def _notify(self, inst: Instance, act: Notify, now: float) -> None:
        inst.note_transition(act, now)
        log.info(
            "(%s) %s -> %s: %s",
            inst.cfg.name,
            act.old_state.value,
            act.new_state.value,
            act.reason,
        )
        cfg = inst.cfg
        specific = {
            State.MASTER: cfg.notify_master,
            State.BACKUP: cfg.notify_backup,
            State.FAULT: cfg.notify_fault,
            State.INITIALIZE: cfg.notify_stop,
        }.get(act.new_state)
        state_word = {State.INITIALIZE: "STOP"}.get(act.new_state, act.new_state.value)
        if act.old_state is State.INITIALIZE and act.new_state is State.INITIALIZE:
            return
        self._announce(
            "INSTANCE",
            cfg.name,
            state_word,
            inst.router.effective_priority,
            specific,
            cfg.notify,
            cfg.smtp_alert,
        )

    def _notify_deleted(self, inst: Instance) -> None:
        cfg = inst.cfg
        prio = inst.router.effective_priority
        log.info("(%s) deleted", cfg.name)
        if cfg.notify_deleted:
            word = "DELETED"
            specific = cfg.notify_deleted if isinstance(cfg.notify_deleted, str) else None
        else:
            word, specific = "FAULT", cfg.notify_fault
        self._announce("INSTANCE", cfg.name, word, prio, specific, cfg.notify, cfg.smtp_alert)

    async def _startup_delay(self, g: Any) -> None:
        """vrrp_startup_delay / vrrp_delay_after_boot: the longer of the two."""
        delay = g.vrrp_startup_delay_cs / 100
        if g.vrrp_delay_after_boot_cs:
            since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
            delay = max(delay, g.vrrp_delay_after_boot_cs / 100 - since_boot)
        if delay > 0:
            log.info("instances start in %.2fs (vrrp_startup_delay / vrrp_delay_after_boot)", delay)
            await asyncio.sleep(delay)

    async def _run_global_script(self, which: str) -> None:
        """startup_script / shutdown_script: waited for, killed at the timeout."""
        assert self.config is not None
        g = self.config.global_defs
        script = getattr(g, which)
        if not script:
            return
        log.info("running %s %s", which, script)
        rc = await self.scripts.run(
            script,
            timeout=float(getattr(g, which + "_timeout")),
            user=getattr(g, which + "_user"),
            group=getattr(g, which + "_group"),
        )
        if rc != 0:
            log.warning("%s %s ended with %s", which, script, "a timeout" if rc is None else rc)

    def _log_auth(self, inst: Instance, act: AuthRejected, now: float) -> None:
        # Every forged advert of a flood comes here: the rate limit is asked
        # before anything is formatted, under a key of plain strings (hashing
        # an Enum member runs Python code).
        key = (inst.cfg.name, act.outcome._value_)
        if self.ratelog.suppressed(key, now):
            return
        level = logging.INFO if act.accepted else logging.WARNING
        hint = OUTCOME_HINTS.get(act.outcome, act.outcome.value)
        # Accepted without a trailer: say which mode let it through (permissive
        # or receive-only), so an operator can follow the rollout sweeps.
        mode = inst.auth.mode.value if inst.auth is not None else "none"
        self.ratelog.log(
            key,
            now,
            level,
            "(%s) %s from %s%s [%s]",
            inst.cfg.name,
            hint,
            act.source,
            f" (accepted, mode {mode})" if act.accepted else ", dropped",
            act.outcome.value,
        )

    # -- tracking -------------------------------------------------------------------

    def _start_script_tasks(self) -> None:
        assert self.config is not None and self._loop is not None
        for t in self._script_tasks:
            t.cancel()
        self._script_tasks = []
        used = {ts.name for c in self.config.instances for ts in c.track_scripts}
        for name in sorted(used):
            sc = self.config.scripts.get(name)
            if sc is None or not sc.script:
                continue
            self._script_tasks.append(self._loop.create_task(self._script_loop(sc)))

    async def _script_loop(self, sc: Any) -> None:
        while True:
            rc = await self.scripts.run(
                sc.script, timeout=float(sc.timeout or sc.interval), user=sc.user, group=sc.group
            )
            now = self.clock.monotonic()
            for name, tracker in self.trackers.items():
                inst = self.instances.get(name)
                if inst is None or not any(ts.name == sc.name for ts in inst.cfg.track_scripts):
                    continue
                tracker.script_result(sc.name, rc == 0, now, timed_out=rc is None)
                self._apply_tracker(inst, tracker, now)
                self._schedule(inst)
            await asyncio.sleep(sc.interval)

    def _init_track_files(self) -> None:
        """keepalived's ``init_file``, at start only (never on reload)."""
        assert self.config is not None
        for tf in self.config.track_files.values():
            if tf.init_value is not None:
                problem = init_file(tf.path, tf.init_value, tf.init_overwrite)
                if problem is not None:
                    log.error("track_file %s: %s", tf.name, problem)

    def _start_file_watcher(self) -> None:
        assert self.config is not None and self._loop is not None
        if self._file_watcher is not None:
            self._file_watcher.close()
            self._file_watcher = None
        used = {tf.name for c in self.config.instances for tf in c.track_files}
        paths = [self.config.track_files[n].path for n in sorted(used)]
        if not paths:
            return
        try:
            self._file_watcher = FileWatcher(self._loop, paths, self._on_file)
        except OSError as exc:
            log.error("track_file: cannot watch files: %s", exc)

    def _start_process_watcher(self) -> None:
        """track_process: count the processes from the kernel's events."""
        assert self.config is not None and self._loop is not None
        if self._proc_watcher is not None:
            self._proc_watcher.close()
            self._proc_watcher = None
        used = sorted({tp.name for c in self.config.instances for tp in c.track_processes})
        matches = []
        for name in used:
            pc = self.config.track_processes[name]
            matches.append(
                ProcessMatch(name, pc.process, pc.params, pc.param_match, pc.full_command)
            )
        if not matches:
            return
        g = self.config.global_defs
        self._proc_watcher = ProcessWatcher(
            self._loop,
            matches,
            self._on_process_count,
            rcvbuf=g.process_monitor_rcv_bufs or 1 << 20,
            rcvbuf_force=g.process_monitor_rcv_bufs_force,
        )
        for name, count in self._proc_watcher.counts().items():
            pc = self.config.track_processes[name]
            self._proc_have[name] = TrackedProcess(
                name, 0, False, pc.quorum, pc.quorum_max
            ).have_quorum(count)

    def _on_process_count(self, name: str, count: int) -> None:
        """A count changed: act now, or after fork_delay / terminate_delay if
        the quorum is still gained / lost then (keepalived)."""
        assert self.config is not None and self._loop is not None
        pc = self.config.track_processes.get(name)
        if pc is None:
            return
        have = TrackedProcess(name, 0, False, pc.quorum, pc.quorum_max).have_quorum(count)
        pending = self._proc_pending.pop(name, None)
        if have == self._proc_have.get(name):
            if pending is not None:
                pending.cancel()  # back where it was before the delay ran out
            self._give_count(name, count)  # a weight-only change of count: no delay
            return
        delay = (pc.fork_delay_cs if have else pc.terminate_delay_cs) / 100
        if delay > 0:
            self._proc_pending[name] = pending or self._loop.call_later(
                delay, self._process_settled, name
            )
            return
        self._proc_have[name] = have
        self._give_count(name, count)

    def _process_settled(self, name: str) -> None:
        self._proc_pending.pop(name, None)
        if self._proc_watcher is None or self.config is None:
            return
        count = self._proc_watcher.counts().get(name, 0)
        pc = self.config.track_processes[name]
        self._proc_have[name] = TrackedProcess(
            name, 0, False, pc.quorum, pc.quorum_max
        ).have_quorum(count)
        self._give_count(name, count)

    def _give_count(self, name: str, count: int) -> None:
        now = self.clock.monotonic()
        for inst_name, tracker in self.trackers.items():
            inst = self.instances.get(inst_name)
            if inst is None or not any(tp.name == name for tp in inst.cfg.track_processes):
                continue
            tracker.process_count(name, count, now)
            self._apply_tracker(inst, tracker, now)
            self._schedule(inst)

    def _on_file(self, path: str, value: int) -> None:
        assert self.config is not None
        now = self.clock.monotonic()
        names = {n for n, tf in self.config.track_files.items() if tf.path == path}
        for name, tracker in self.trackers.items():
            inst = self.instances.get(name)
            if inst is None:
                continue
            hits = [tf.name for tf in inst.cfg.track_files if tf.name in names]
            if not hits:
                continue
            for file_name in hits:
                tracker.file_value(file_name, value, now)
            self._apply_tracker(inst, tracker, now)
            self._schedule(inst)

    def _on_link(self) -> None:
        """Link changes, debounced by interface_up_down_delays: a change acts
        once the interface has stayed in its new state for the delay; back in
        its old state before that, nothing happens."""
        if self._link_watcher is None:
            return
        events = self._link_watcher.read()
        # (interfaces polled by linkbeat: their netlink state is not used)
        self._link_events([e for e in events if e[0] not in self._polled])

    def _poll_links(self) -> None:
        """linkbeat: the polled interfaces' links as their drivers say, each second."""
        if self._poller is None or self._loop is None:
            return
        self._link_events(self._poller.poll())
        self._poll_timer = self._loop.call_later(_POLL_INTERVAL, self._poll_links)

    def _start_poller(self) -> None:
        """linkbeat_interfaces, linkbeat_use_polling: which links are polled."""
        assert self.config is not None
        cfg = self.config
        kinds: dict[str, str | None] = dict(cfg.linkbeat_interfaces)
        for inst in self.instances_cfg():
            names = [inst.interface, *(t.name for t in inst.track_interfaces)]
            for name in names:
                if name and (cfg.linkbeat_use_polling or inst.linkbeat_use_polling):
                    kinds.setdefault(name, None)
        # A VMAC child's link follows its base, which netlink reports.
        self._polled = set(kinds)
        if not kinds:
            return
        from pyvrrp.net.linkbeat import LinkPoller

        self._poller = LinkPoller(kinds)
        self._poll_links()

    def _link_events(self, events: list[tuple[str, bool]]) -> None:
        if self.config is None or self._loop is None:
            return
        delays = self.config.interface_delays
        for ifname, up in events:
            applied = self._link_applied.get(ifname, True)
            pending = self._link_pending.pop(ifname, None)
            if pending is not None:
                pending.cancel()
            if up == applied:
                continue  # back where it was (or no change): nothing to do
            down_delay, up_delay = delays.get(ifname, (0.0, 0.0))
            delay = up_delay if up else down_delay
            if delay > 0:
                self._link_pending[ifname] = self._loop.call_later(
                    delay, self._link_settled, ifname, up
                )
            else:
                self._apply_link(ifname, up)

    def _link_settled(self, ifname: str, up: bool) -> None:
        self._link_pending.pop(ifname, None)
        self._apply_link(ifname, up)

    def _apply_link(self, ifname: str, up: bool) -> None:
        self._link_applied[ifname] = up
        if up:
            self._relink(ifname)
        now = self.clock.monotonic()
        for name, inst in list(self.instances.items()):
            acts: list[Action] = []
            own = ifname == inst.cfg.interface or (
                inst.cfg.vmac is not None and ifname == inst.cfg.vmac.name
            )
            if own and not inst.cfg.dont_track_primary:
                acts += inst.router.interface_changed(up, now)
            tracker = self.trackers.get(name)
            before = inst.router.effective_priority
            if tracker is not None and any(t.name == ifname for t in inst.cfg.track_interfaces):
                tracker.interface_state(ifname, up, now)
                acts += tracker.apply(inst.router, now)
            self._priority_changed(inst, before)
            if acts:
                self._perform(inst, acts, now)
                self._schedule(inst)

    # -- lifecycle --------------------------------------------------------------------

    async def run(self) -> int:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        config = self.load_config()
        if config is None:
            log.error("configuration %s has errors: not starting", self.config_path)
            self._stop_bridge()  # (the previous image's, if this is a restart)
            return 1
        self.config = config
        g = config.global_defs
        handover = restart_mod.read_handover(self.handover_path) if self.handover_path else None
        if handover is not None:
            self.restarts = int(handover.get("restarts", 0)) + 1
            self.first_started = float(handover.get("first_started", self.started_wall))
        self._checkpoint = restart_mod.Checkpoint(self.state_path) if self.state_path else None
        checkpoint = self._checkpoint.load() if self._checkpoint is not None else {}
        self.scripts = ScriptRunner(
            user=g.script_user, enable_script_security=g.enable_script_security
        )
        self.mailer = Mailer(g)
        for problem in process.apply(g):
            log.error("%s (going on without it)", problem)
        self._auto = process.AutoPriority(
            g.max_auto_priority, g.min_auto_priority_delay / 1e6, g.vrrp_rlimit_rttime
        )
        if handover is None:
            # (an in-place restart is no new start: no startup script, no delay)
            await self._run_global_script("startup_script")
            await self._startup_delay(g)
        self.effects.start(
            self._loop,
            config.global_defs,
            f"{self.control_path}.owned" if self.control_path else None,
        )
        self.effects.configure(config.global_defs, config.garp_groups)
        carried = self._carried(config, handover, checkpoint)
        self.effects.remove_leftovers(config, keep=carried.values())
        self.effects.apply_local_igmp(config.global_defs.disable_local_igmp)
        self.effects.apply_static(config)
        now = self.clock.monotonic()
        self.started_at = now
        self._init_track_files()
        self._open_fifos()
        self._start_process_watcher()
        if handover is not None:
            self._adopt_sockets(handover)
        try:
            for cfg in config.instances:
                self._add_instance(cfg, now)
        except (StartupError, OSError) as exc:
            log.error("cannot start: %s", exc)
            self._stop_bridge()
            self._close()
            return 1
        for sock in self._adopted.values():
            sock.close()  # handed over, no longer used by this configuration
        self._adopted.clear()
        self._primaries.clear()
        self._build_sync_groups()
        self.effects.reconcile_filter(self.instances.values())
        # (Not after a hand-over: what is queued on the sockets it passed on
        # is for the routers it restores, a Backup's Master's adverts above all.)
        heard = self._heard_masters() if checkpoint and handover is None else set()
        bridge = self._stop_bridge()
        now = self.clock.monotonic()
        restored = self._restore(handover, bridge, now) if handover is not None else set()
        resumed = self._resume(checkpoint, heard, restored, now)
        for inst in self.instances.values():
            # As keepalived: addresses left behind by a previous run that died
            # (SIGKILL, crash) go before the election, or a restarted Backup
            # would hold the Master's addresses. Queued first on the netlink
            # thread, so an owner's TakeAddresses below comes after.
            name = inst.cfg.name
            if name not in self._waiting and name not in restored and name not in resumed:
                self.effects.release(inst.cfg)
        for name, tracker in self.trackers.items():
            # Before the start: a tracker already at fault starts it in FAULT.
            inst = self.instances[name]
            self._perform(inst, tracker.apply(inst.router, now), now)
        for inst in self.instances.values():
            if inst.cfg.name not in restored and inst.cfg.name not in resumed:
                self._perform(inst, inst.router.start(now), now)
            self._schedule(inst)
        self._write_checkpoint()
        self._start_script_tasks()
        self._start_file_watcher()
        self._start_link_watcher()
        self._start_poller()
        self._start_addr_watcher()
        loop = self._loop
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        loop.add_signal_handler(signal.SIGUSR2, self.request_restart)
        # keepalived's dump signals: DATA, STATS, STATS_CLEAR (nothing cleared), JSON
        for name in ("DATA", "STATS", "STATS_CLEAR", "JSON"):
            sig = dumps.signum(name)
            assert sig is not None
            loop.add_signal_handler(sig, self.dump, name)
        loop.add_signal_handler(signal.SIGTERM, self._stopping.set)
        loop.add_signal_handler(signal.SIGINT, self._stopping.set)
        # Real-time last: start-up work (imports, netlink, the first
        # elections) is not done under RLIMIT_RTTIME.
        rt_problem = process.enter_realtime(g)
        if rt_problem is not None:
            log.error("%s (going on without it)", rt_problem)
        loop.add_signal_handler(
            signal.SIGXCPU,
            log.warning,
            "SIGXCPU: half of vrrp_rlimit_rttime used without a pause: raise vrrp_rlimit_rttime",
        )
        if self.control_path:
            from pyvrrp.daemon.control import ControlServer

            self._control = ControlServer(self, self.control_path)
            await self._control.start()
        if self.metrics_addr:
            from pyvrrp.daemon.metrics import start_metrics

            start_metrics(self, self.metrics_addr)
        _gc_settle()
        sd_notify(f"READY=1\nSTATUS=running {len(self.instances)} instance(s)")
        how = f" (in-place restart {self.restarts})" if handover is not None else ""
        log.info(
            "pyvrrp running %d instance(s) from %s%s", len(self.instances), self.config_path, how
        )
        if not _tag_accelerated() and any(i.auth is not None for i in self.instances.values()):
            log.warning(
                "auth_hmac tags computed in pure Python: the C extension "
                "pyvrrp.auth._tagc is not built (about half the verify rate)"
            )
        await self._stopping.wait()
        sd_notify("STOPPING=1")
        await self.shutdown()
        return 0

    # -- restarts: the hand-over, the bridge and the crash checkpoint -------------------

    def _carried(
        self,
        config: Config,
        handover: dict[str, Any] | None,
        checkpoint: dict[str, CheckpointEntry],
    ) -> dict[str, InstanceConfig]:
        """The instances that may hold their addresses through this start: a
        Master handed over unchanged, or a checkpointed Master (the final word
        comes later, in :meth:`_resume`; what it does not resume it releases)."""
        out: dict[str, InstanceConfig] = {}
        entries = (handover or {}).get("instances", {})
        for cfg in config.instances:
            e = entries.get(cfg.name)
            if e is not None and e.get("fingerprint") == _identity(cfg):
                if e.get("router", {}).get("state") == State.MASTER.value:
                    out[cfg.name] = cfg
            elif (c := checkpoint.get(cfg.name)) is not None and c.state is State.MASTER:
                out[cfg.name] = cfg
        return out

    def _adopt_sockets(self, handover: dict[str, Any]) -> None:
        from pyvrrp.net.sockets import VrrpSocket4, VrrpSocket6

        for d in handover.get("sockets", []):
            key = (str(d["interface"]), int(d["family"]))
            cls = VrrpSocket4 if key[1] == 4 else VrrpSocket6
            try:
                self._adopted[key] = cls.from_fd(int(d["fd"]), key[0])
            except OSError as exc:
                log.error("restart: socket on %s not taken over: %s", key[0] or "any", exc)
                continue
            self._joined[key] = {ip_address(a) for a in d.get("joined", [])}

    def _stop_bridge(self) -> dict[str, Any] | None:
        """Stop the previous image's bridge (it sent our adverts meanwhile)."""
        if self.bridge_fd is None:
            return None
        fd, self.bridge_fd = self.bridge_fd, None
        return restart_mod.stop_bridge(fd)

    def _restore(
        self, handover: dict[str, Any], bridge: dict[str, Any] | None, now: float
    ) -> set[str]:
        """The routers, auth state, counters and trackers the previous image
        handed over; the names restored (the rest start as usual)."""
        done: set[str] = set()
        entries = handover.get("instances", {})
        sent = (bridge or {}).get("items", {})
        sequences = (bridge or {}).get("sequences", {})
        for name, inst in self.instances.items():
            e = entries.get(name)
            if e is None or name in self._waiting:
                continue
            if e.get("fingerprint") != _identity(inst.cfg):
                log.info("(%s) changed in the configuration: started afresh", name)
                continue
            try:
                snap = RouterSnapshot.from_json(e["router"])
            except (KeyError, TypeError, ValueError) as exc:
                log.error("(%s) hand-over unreadable (%s): started afresh", name, exc)
                continue
            b = sent.get(name)
            if snap.state is State.MASTER and b and b.get("last_sent") is not None:
                # The bridge advertised meanwhile: the rhythm goes on from its last.
                snap = replace(snap, armed_at=float(b["last_sent"]))
            if not inst.router.restore(snap):
                continue
            restart_mod.restore_instance(inst, e, sequences.get(name), now)
            tracker = self.trackers.get(name)
            if tracker is not None and "scripts" in e:
                tracker.restore_scripts(e["scripts"])
            if snap.state is State.MASTER:
                self.effects.take(inst.cfg)  # adopted: they are on the interface
            done.add(name)
        if done:
            log.info("in-place restart: %d instance(s) carried on", len(done))
        return done

    def _heard_masters(self) -> set[tuple[str, int, int]]:
        """(interface, family, VRID) of Masters heard since the sockets opened
        (a quick look at what is queued: the crash checkpoint's last check)."""
        heard: set[tuple[str, int, int]] = set()
        ours = {i.primary for i in self.instances.values()}
        for key, sock in self.sockets.items():
            for _ in range(10_000):
                pkt = sock.recv()
                if pkt is None:
                    break
                p = pkt.payload
                if len(p) >= 8 and p[0] & 0x0F == 1 and p[2] > 0 and pkt.src not in ours:
                    heard.add((key[0], key[1], p[1]))
        return heard

    def _resume(
        self,
        checkpoint: dict[str, CheckpointEntry],
        heard: set[tuple[str, int, int]],
        restored: set[str],
        now: float,
    ) -> set[str]:
        """After a crash: the Masters the checkpoint lets go on at once."""
        done: set[str] = set()
        if not checkpoint:
            return done
        boot = restart_mod.boot_id()
        wall = time.time()
        for name, inst in self.instances.items():
            cfg = inst.cfg
            if name in restored or name in self._waiting or name not in checkpoint:
                continue
            entry = checkpoint[name]
            if entry.state is not State.MASTER:
                continue
            verdict, why = decide(
                entry,
                vrid=cfg.vrid,
                family=cfg.family,
                interface=cfg.interface,
                now=wall,
                boot=boot,
                master_down_interval=float(inst.router.master_down_interval()),
                addresses_present=self.effects.addresses_present(cfg),
                other_master=(*_sock_key(cfg), cfg.vrid) in heard,
            )
            if verdict is not Resume.MASTER:
                log.info("(%s) was Master before the last run ended: %s", name, why)
                continue
            if inst.auth is not None and entry.sequence is not None:
                seq = inst.auth.send_sequence
                seq.last = entry.sequence if seq.last is None else max(seq.last, entry.sequence)
            acts = inst.router.resume_master(now)
            if not acts:
                continue
            log.info("(%s) resumed as Master after the last run ended: %s", name, why)
            inst.state_since = now
            self._perform(inst, acts, now)
            done.add(name)
        return done

    def _checkpoint_soon(self) -> None:
        """A state changed: rewrite the checkpoint once this burst is done."""
        if self._checkpoint is None or self._checkpoint_due or self._loop is None:
            return
        self._checkpoint_due = True
        self._loop.call_soon(self._write_checkpoint)

    def _write_checkpoint(self) -> None:
        self._checkpoint_due = False
        if self._checkpoint is None:
            return
        entries = [
            CheckpointEntry(
                name=i.cfg.name,
                vrid=i.cfg.vrid,
                family=i.cfg.family,
                interface=i.cfg.interface,
                state=i.router.state,
                written=0.0,
                boot="",
                sequence=None if i.auth is None else i.auth.send_sequence.last,
            )
            for i in self.instances.values()
        ]
        try:
            self._checkpoint.write(entries)
        except OSError as exc:
            self.ratelog.log(
                ("checkpoint",), self.clock.monotonic(), logging.ERROR,
                "checkpoint %s: %s", self._checkpoint.path, exc,
            )  # fmt: skip
        self._arm_touch()

    def _arm_touch(self) -> None:
        """While an instance is Master, keep the checkpoint's mtime fresh:
        touched a few times per (shortest) Master_Down_Interval."""
        if self._touch_timer is not None or self._loop is None or self._checkpoint is None:
            return
        masters = [i for i in self.instances.values() if i.router.state is State.MASTER]
        if not masters:
            return
        every = max(0.02, min(float(i.router.master_down_interval()) for i in masters) / 4)
        self._touch_timer = self._loop.call_later(every, self._touch)

    def _touch(self) -> None:
        self._touch_timer = None
        if self._checkpoint is not None:
            self._checkpoint.touch()
        self._arm_touch()

    def request_restart(self) -> None:
        """SIGUSR2: as ``pyvrrp restart``, its answer logged."""
        if self._loop is not None:
            self._loop.create_task(self.restart())

    async def restart(self) -> tuple[bool, str]:
        """``pyvrrp restart`` / SIGUSR2: check, then re-execute in place soon
        (after the caller had its answer). Refused, with the reason, if the
        configuration or the code on disk would not start. The checks run
        beside the loop: adverts go out meanwhile."""
        if self._restarting:
            return False, "a restart is already under way"
        if not self.control_path:
            return False, "an in-place restart needs the control socket's directory"
        self._restarting = True
        loop = asyncio.get_running_loop()
        go = False
        try:
            config = await loop.run_in_executor(None, self.load_config)
            if config is None:
                msg = f"{self.config_path} has errors: restart refused, this process goes on"
                log.error("%s", msg)
                return False, msg
            problem = await restart_mod.code_imports_async()
            if problem is not None:
                msg = f"the code on disk does not import ({problem}): restart refused"
                log.error("%s", msg)
                return False, msg
            go = True
        finally:
            if not go:
                self._restarting = False
        loop.call_later(0.05, self._exec_restart)
        log.info("restart: the configuration loads and the code on disk imports")
        return True, "restarting in place"

    def _exec_restart(self) -> None:
        """Hand over, start the bridge, exec. Does not return (unless exec fails)."""
        assert self.control_path is not None
        path = f"{self.control_path}.handover"
        now = self.clock.monotonic()
        try:
            restart_mod.write_handover(path, self._handover_doc(now))
        except OSError as exc:
            log.error("restart: hand-over %s: %s; this process goes on", path, exc)
            self._restarting = False
            return
        self._write_checkpoint()  # the fallback, if the new image cannot read the above
        with contextlib.suppress(Exception):
            # What is queued is done, and the netlink thread is idle when the
            # bridge is forked (a fork copies only this thread).
            self.netlink.call(lambda: None)
        for h in logging.getLogger().handlers:
            with contextlib.suppress(Exception):
                h.flush()
        conn, pid = restart_mod.start_bridge(self._bridge_items(now), self._sequences)
        for sock in self.sockets.values():
            os.set_inheritable(sock.fileno(), True)
        os.set_inheritable(conn.fileno(), True)
        argv = restart_mod.exec_args(self.argv or sys.argv[1:], path, conn.fileno())
        log.info("restarting in place (bridge pid %d)", pid)
        for h in logging.getLogger().handlers:
            with contextlib.suppress(Exception):
                h.flush()
        try:
            os.execv(sys.executable, argv)
        except OSError as exc:  # pragma: no cover - the interpreter vanished
            log.error("restart: exec %s: %s; this process goes on", sys.executable, exc)
            restart_mod.stop_bridge(conn.detach())
            self._restarting = False

    def _sequences(self) -> dict[str, int | None]:
        return {
            name: (None if i.auth is None else i.auth.send_sequence.last)
            for name, i in self.instances.items()
        }

    def _bridge_items(self, now: float) -> list[restart_mod.BridgeItem]:
        items = []
        for name, inst in self.instances.items():
            r = inst.router
            sock = self.sockets.get(_sock_key(inst.cfg))
            due = r.next_deadline()
            if r.state is not State.MASTER or sock is None or due is None:
                continue
            ttl = inst.cfg.unicast_ttl if inst.cfg.unicast else 255

            def build(wall: int, inst: Instance = inst) -> list[tuple[IPAddr, bytes]]:
                return inst.build_adverts(inst.router.effective_priority, wall if inst.auth else 0)

            items.append(
                restart_mod.BridgeItem(
                    name, sock, build, inst.primary, ttl, inst.cfg.advert_int, due
                )
            )
        return items

    def _handover_doc(self, now: float) -> dict[str, Any]:
        instances = {}
        for name, inst in self.instances.items():
            if name in self._waiting:
                continue
            e = restart_mod.instance_doc(inst, now)
            e["fingerprint"] = _identity(inst.cfg)
            e["router"] = inst.router.snapshot().to_json()
            tracker = self.trackers.get(name)
            if tracker is not None:
                e["scripts"] = tracker.script_states()
            instances[name] = e
        return {
            "version": restart_mod.HANDOVER_VERSION,
            "boot": restart_mod.boot_id(),
            "pid": os.getpid(),
            "restarts": self.restarts,
            "first_started": self.first_started,
            "sockets": [
                {
                    "interface": key[0],
                    "family": key[1],
                    "fd": sock.fileno(),
                    "joined": sorted(str(a) for a in self._joined.get(key, set())),
                }
                for key, sock in self.sockets.items()
            ],
            "instances": instances,
        }

    def _watched_links(self) -> set[str]:
        names = {c.interface for c in self.instances_cfg() if c.interface}
        names |= {c.vmac.name for c in self.instances_cfg() if c.vmac is not None}
        names |= {t.name for c in self.instances_cfg() for t in c.track_interfaces}
        return names

    def _start_link_watcher(self) -> None:
        try:
            from pyvrrp.net.interfaces import LinkWatcher

            self._link_watcher = LinkWatcher(self._watched_links())
            self._monitor_bufs(self._link_watcher.fileno())
            assert self._loop is not None
            self._loop.add_reader(self._link_watcher.fileno(), self._on_link)
        except Exception as exc:
            log.warning("link state not watched: %s", exc)
            self._link_watcher = None

    def instances_cfg(self) -> list[InstanceConfig]:
        return [i.cfg for i in self.instances.values()]

    def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def shutdown(self) -> None:
        """SIGTERM: every Master sends priority 0, releases, notifies stop."""
        now = self.clock.monotonic()
        for t in self._script_tasks:
            t.cancel()
        for name in list(self.instances):
            inst = self.instances[name]
            self._perform(inst, inst.router.shutdown(now), now)
        self._close_fifos()  # the FIFO scripts see the end of their input
        await self.scripts.drain()
        await asyncio.get_running_loop().run_in_executor(None, self.mailer.close)
        self.effects.release_all()
        if self._checkpoint is not None:
            # A clean stop: the Backups were told (priority 0); nothing to resume.
            self._checkpoint.remove()
        if self._control is not None:
            await self._control.stop()
        self._close()
        await self._run_global_script("shutdown_script")
        log.info("pyvrrp stopped")

    def _promote_secondaries(self, ifname: str) -> None:
        """keepalived's promote_secondaries: set while pyvrrp runs, and reset
        on stop if pyvrrp was the one that set it."""
        path = f"/proc/sys/net/ipv4/conf/{ifname}/promote_secondaries"
        try:
            with open(path) as fh:
                if fh.read().strip() == "1":
                    return
            with open(path, "w") as fh:
                fh.write("1\n")
        except OSError as exc:
            log.error("promote_secondaries on %s: %s", ifname, exc.strerror)
            return
        self._promoted.add(ifname)

    def _unpromote_secondaries(self) -> None:
        for ifname in sorted(self._promoted):
            path = f"/proc/sys/net/ipv4/conf/{ifname}/promote_secondaries"
            with contextlib.suppress(OSError), open(path, "w") as fh:
                fh.write("0\n")
        self._promoted.clear()

    def _close(self) -> None:
        self._unpromote_secondaries()
        if self._wait_timer is not None:
            self._wait_timer.cancel()
            self._wait_timer = None
        if self._touch_timer is not None:
            self._touch_timer.cancel()
            self._touch_timer = None
        if self._poll_timer is not None:
            self._poll_timer.cancel()
            self._poll_timer = None
        if self._poller is not None:
            self._poller.close()
            self._poller = None
        if self._addr_watcher is not None:
            with contextlib.suppress(ValueError, OSError):
                if self._loop is not None:
                    self._loop.remove_reader(self._addr_watcher.fileno())
            self._addr_watcher.close()
            self._addr_watcher = None
        for pending in self._link_pending.values():
            pending.cancel()
        self._link_pending.clear()
        if self._timer is not None:
            self._timer.cancel()
        for sock in self.sockets.values():
            try:
                if self._loop is not None:
                    self._loop.remove_reader(sock.fileno())
            except (ValueError, OSError):
                pass
            sock.close()
        self.sockets.clear()
        if self._file_watcher is not None:
            self._file_watcher.close()
            self._file_watcher = None
        self._close_fifos()
        if self._proc_watcher is not None:
            self._proc_watcher.close()
            self._proc_watcher = None
        for handle in self._proc_pending.values():
            handle.cancel()
        self._proc_pending.clear()
        if self._link_watcher is not None:
            try:
                if self._loop is not None:
                    self._loop.remove_reader(self._link_watcher.fileno())
            except (ValueError, OSError):
                pass
            self._link_watcher.close()
        self.effects.close()
        self.netlink.close()

    def reload(self) -> bool:
        """SIGHUP: load the file again; on any error keep the running config.
        Unchanged instances keep state, timers and replay state."""
        sd_notify("RELOADING=1")
        # A reload parses and rebuilds: not under the real-time CPU limit.
        process.leave_realtime()
        try:
            return self._reload()
        finally:
            sd_notify("READY=1")
            if self.config is not None:
                problem = process.enter_realtime(self.config.global_defs)
                if problem is not None:
                    log.error("after reload: %s", problem)

    def _reload(self) -> bool:
        new = self.load_config()
        now = self.clock.monotonic()
        if new is None:
            self.reload_failures += 1
            log.error("reload: %s has errors, keeping the running configuration", self.config_path)
            return False
        # Check everything that can fail before changing anything.
        self._primaries.clear()
        try:
            for cfg in new.instances:
                old = self.instances.get(cfg.name)
                waits = new.global_defs.dynamic_interfaces and not _exists(cfg.interface)
                if (old is None or _fingerprint(old.cfg) != _fingerprint(cfg)) and not waits:
                    self._primary(cfg)
        except (StartupError, OSError) as exc:
            self.reload_failures += 1
            log.error("reload: %s; keeping the running configuration", exc)
            return False
        self.config = new
        self.effects.configure(new.global_defs, new.garp_groups)
        self.effects.apply_local_igmp(new.global_defs.disable_local_igmp)
        self.effects.apply_static(new)
        self._start_process_watcher()
        self.mailer.g = new.global_defs
        for name in list(self.instances):
            new_cfg = new.instance(name)
            if new_cfg is None or _fingerprint(self.instances[name].cfg) != _fingerprint(new_cfg):
                self._remove_instance(name, now, deleted=new_cfg is None)
        started: list[Instance] = []
        for cfg in new.instances:
            existing = self.instances.get(cfg.name)
            if existing is None:
                try:
                    started.append(self._add_instance(cfg, now))
                except (StartupError, OSError) as exc:
                    log.error("reload: instance %s not started: %s", cfg.name, exc)
                continue
            inst = existing
            old_cfg = inst.cfg
            was_master = inst.router.state is State.MASTER
            if was_master:
                # What left the config goes now; what is new is taken below.
                self.effects.drop_removed(old_cfg, cfg)
            acts = inst.reconfigure(cfg, now)
            acts += inst.router.set_fault(_no_peer(cfg), NO_PEER, now)
            self._build_tracker(cfg)
            tracker = self.trackers.get(cfg.name)
            if tracker is not None:
                acts += tracker.apply(inst.router, now)
            self._perform(inst, acts, now)
            if (
                was_master
                and inst.router.state is State.MASTER
                and held_entries(old_cfg) != held_entries(cfg)
            ):
                self.effects.take(inst.cfg)
            self._schedule(inst)
        self._primaries.clear()
        self._build_sync_groups()
        self.effects.reconcile_filter(self.instances.values())
        for inst in started:
            tracker = self.trackers.get(inst.cfg.name)
            if tracker is not None:
                self._perform(inst, tracker.apply(inst.router, now), now)
            self._perform(inst, inst.router.start(now), now)
            self._schedule(inst)
        self._start_script_tasks()
        self._start_file_watcher()
        self._start_addr_watcher()
        self._check_sources()
        if new.global_defs.fifo_write_vrrp_states_on_reload:
            self._write_states()
        for key in self.sockets:
            self._filter_soon(key)  # peers, TTLs, auth modes may have changed
        if self._link_watcher is not None:
            # interfaces and track_interface of new or changed instances
            self._link_watcher.ifnames = self._watched_links()
        self.reloads += 1
        _gc_settle()
        log.info(
            "reloaded %s: %d instance(s)",
            self.config_path,
            len(self.instances),
        )
        return True

    def dump(self, what: str) -> None:
        """Write keepalived's stats or JSON dump (its signals ask for them)."""
        assert self.config is not None
        g = self.config.global_defs
        insts = list(self.instances.values())
        if what == "JSON":
            path, text = g.json_dump_file, dumps.json_text(insts, g.json_version)
        elif what == "DATA":
            path, text = dumps.data_dump_path(g.state_dump_file), self._data_text()
        else:
            path, text = g.stats_dump_file, dumps.stats_text(insts)
        try:
            dumps.write_atomically(path, text)
        except OSError as exc:
            log.error("cannot write %s: %s", path, exc.strerror)
            return
        log.info("%s dump written to %s", what.lower(), path)

    def _data_text(self) -> str:
        """keepalived's data dump, with what the daemon knows now."""
        assert self.config is not None
        cfg = self.config
        script_ok: dict[str, bool] = {}
        for name, tracker in self.trackers.items():
            inst = self.instances.get(name)
            if inst is None:
                continue
            for ts in inst.cfg.track_scripts:
                script_ok.setdefault(ts.name, tracker.script_ok(ts.name))
        files = {}
        for name, tf in cfg.track_files.items():
            files[name] = read_value(tf.path) or 0
        counts = self._proc_watcher.counts() if self._proc_watcher is not None else {}
        return dumps.data_text(
            cfg,
            self.instances.values(),
            group_states=dict(self._group_state),
            script_ok=script_ok,
            file_values=files,
            process_counts=counts,
        )

    # -- status ---------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        now = self.clock.monotonic()
        wall_ns = self.clock.wall_ns()
        return {
            "pid": os.getpid(),
            "config": str(Path(self.config_path)),
            "uptime": round(now - self.started_at, 3),
            "restarts": self.restarts,
            "started": round(self.started_wall, 3),
            "first_started": round(self.first_started, 3),
            "reloads": self.reloads,
            "reload_failures": self.reload_failures,
            "auth_hmac_tag": "c" if _tag_accelerated() else "python",
            "instances": [i.status(now, wall_ns) for i in self.instances.values()],
            "sockets": [
                {
                    "interface": key[0],
                    "family": key[1],
                    "instances": len(self.demux.get(key, {})),
                    "rcvbuf": sock.rcvbuf(),
                    "bpf_instructions": sock.filter_len,
                    "bpf_sample": _FILTER_SAMPLE if sock.filter_len else 0,
                    "kernel_drops": sock.drops(),
                }
                for key, sock in self.sockets.items()
            ],
        }
