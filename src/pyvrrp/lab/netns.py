"""Network-namespace lab: namespaces, veth pairs, bridges, processes, captures.

Everything a :class:`Lab` creates lives in namespaces named ``<prefix>-<node>``
(prefix ``pv-<pid>-<n>``) and is torn down when the ``with`` block ends, on
exception, on ``KeyboardInterrupt``, at interpreter exit and on SIGTERM. The root
namespace's interfaces and addresses are never touched: veth pairs are created
directly inside the namespaces, bridges live in a dedicated switch namespace.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

NETNS_DIR = Path("/run/netns")
DEFAULT_PREFIX = "pv-"
_CLONE_NEWNET = 0x40000000
_counter = itertools.count(1)
_live: weakref.WeakSet[Lab] = weakref.WeakSet()
_registry_lock = threading.Lock()
_handlers_installed = False
_owner_pid = os.getpid()


class LabError(RuntimeError):
    """A lab command failed; the message carries the command and its stderr."""


def lab_available() -> str | None:
    """None if labs can run here, else the reason they cannot (for pytest.skip)."""
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("ip") is None:
        return "iproute2 `ip` not installed"
    probe = f"{DEFAULT_PREFIX}{os.getpid()}-probe"
    try:
        r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, timeout=10)
        if r.returncode != 0:
            return f"`ip netns add` failed: {r.stderr.decode(errors='replace').strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=10)
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise LabError(f"ip {' '.join(args)}: {r.stderr.strip()}")
    return r


def list_namespaces() -> list[str]:
    """Names of all named network namespaces."""
    out = _ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _pids_in(ns: str) -> list[int]:
    out = _ip("netns", "pids", ns, check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def _kill_pids(pids: Sequence[int], grace: float = 1.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
                alive.append(pid)
        deadline = time.monotonic() + grace
        while alive and time.monotonic() < deadline:
            alive = [p for p in alive if _pid_alive(p)]
            if alive:
                time.sleep(0.02)
        if not alive:
            return
        pids = alive


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def delete_namespace(ns: str) -> None:
    """Kill every process left in ``ns`` and delete it (removing its interfaces)."""
    pids = [p for p in _pids_in(ns) if p != os.getpid()]
    if pids:
        _kill_pids(pids)
    _ip("netns", "del", ns, check=False)


def cleanup_stale(prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Delete namespaces named ``<prefix><pid>-...`` whose owning process is gone.

    Namespaces of a live run (another pytest worker, say) are left alone. Returns
    the names deleted.
    """
    removed = []
    for ns in list_namespaces():
        if not ns.startswith(prefix):
            continue
        owner = ns[len(prefix) :].split("-", 1)[0]
        if owner.isdigit() and int(owner) != os.getpid() and _pid_alive(int(owner)):
            continue
        if (
            owner.isdigit()
            and int(owner) == os.getpid()
            and any(ns in lab.namespaces for lab in _live)
        ):
            continue
        delete_namespace(ns)
        removed.append(ns)
    return removed


def cleanup_all() -> None:
    """Close every live lab of this process (atexit and SIGTERM)."""
    with _registry_lock:
        labs = list(_live)
    for lab in labs:
        with contextlib.suppress(Exception):
            lab.close()


def _on_sigterm(signum: int, frame: Any) -> None:
    if os.getpid() != _owner_pid:
        # A forked child (pyroute2 forks to open netns sockets) inherits this
        # handler; it must die quietly, not tear down its parent's lab.
        os._exit(128 + signum)
    # Unwind like Ctrl-C would so `with Lab()` blocks and finally clauses run.
    cleanup_all()
    raise SystemExit(128 + signum)


def _install_handlers() -> None:
    global _handlers_installed, _owner_pid
    if _handlers_installed and _owner_pid == os.getpid():
        return
    _handlers_installed = True
    _owner_pid = os.getpid()
    atexit.register(cleanup_all)
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError):
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, _on_sigterm)


_libc: ctypes.CDLL | None = None


def _setns(fd: int) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


@contextlib.contextmanager
def inside(ns: str) -> Iterator[None]:
    """Run the block with this thread in network namespace ``ns``.

    Sockets opened inside stay in ``ns`` after the block: open a VRRP socket in
    the lab, use it from the test. Only network state is switched; ``/sys`` still
    shows the original namespace (use netlink, as pyvrrp.net does).
    """
    orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(NETNS_DIR / ns, os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(orig)
    finally:
        os.close(orig)


class Capture:
    """A tcpdump writing a pcap file; :meth:`stop` ends it and returns the path."""

    def __init__(self, proc: subprocess.Popen[bytes], path: Path) -> None:
        self.proc = proc
        self.path = path

    def stop(self, settle: float = 0.2) -> Path:
        """Let in-flight packets land, stop tcpdump, and return the pcap path."""
        if self.proc.poll() is None:
            time.sleep(settle)
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.path

    def frames(self) -> list[bytes]:
        """Stop and return the captured link-layer frames (pcap, Ethernet)."""
        return read_pcap(self.stop())


def read_pcap(path: Path) -> list[bytes]:
    """Frames of a classic pcap file (what ``tcpdump -w`` writes)."""
    data = path.read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "little", b"\xa1\xb2\xc3\xd4": "big"}.get(magic)
    if order is None:
        order = {b"\x4d\x3c\xb2\xa1": "little", b"\xa1\xb2\x3c\x4d": "big"}.get(magic)
    if order is None:
        raise LabError(f"{path}: not a pcap file")
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = int.from_bytes(data[off + 8 : off + 12], order)  # type: ignore[arg-type]
        off += 16
        frames.append(data[off : off + incl])
        off += incl
    return frames


class Lab:
    """A set of network namespaces torn down as one.

    >>> with Lab() as lab:
    ...     a, b = lab.add_ns("a"), lab.add_ns("b")
    ...     lab.veth(a, "eth0", b, "eth0")
    """

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix or f"{DEFAULT_PREFIX}{os.getpid()}-{next(_counter)}"
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[Any]] = []
        self._tmp: Path | None = None
        self._port_count: dict[str, int] = {}
        self._closed = False
        self._owner_pid = os.getpid()
        _install_handlers()
        with _registry_lock:
            _live.add(self)

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill tracked processes (SIGTERM, then SIGKILL) and delete every namespace."""
        if self._closed or os.getpid() != self._owner_pid:
            return  # only the process that built the lab tears it down
        self._closed = True
        procs = [p for p in self.processes if p.poll() is None]
        _kill_pids([p.pid for p in procs])
        for p in procs:
            with contextlib.suppress(Exception):
                p.wait(timeout=2)
        for ns in reversed(self.namespaces):
            delete_namespace(ns)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
        with _registry_lock:
            _live.discard(self)

    @property
    def tmpdir(self) -> Path:
        """A scratch directory removed at teardown (pcaps, config files)."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix=f"{self.prefix}-"))
        return self._tmp

    # -- building ----------------------------------------------------------
    def ns(self, node: str) -> str:
        """The full namespace name of ``node``."""
        return f"{self.prefix}-{node}"

    def add_ns(self, node: str, *, router: bool = False) -> str:
        """Create namespace ``<prefix>-<node>`` with ``lo`` up and DAD off.

        ``router`` turns on IPv4/IPv6 forwarding and turns off reverse-path
        filtering, so spoofed sources pass as they would over an overlay.
        """
        name = self.ns(node)
        if (NETNS_DIR / name).exists():
            # Not ours (we would have it in self.namespaces): never build over it.
            raise LabError(
                f"network namespace {name} already exists and this lab did not create it; "
                f"left in place (remove it with `ip netns del {name}` if it is stale)"
            )
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")
        settings = {
            "net.ipv6.conf.all.accept_dad": "0",
            "net.ipv6.conf.default.accept_dad": "0",
            # Lab links come up at once; no router solicitations noise.
            "net.ipv6.conf.default.router_solicitations": "0",
        }
        if router:
            settings |= {
                "net.ipv4.ip_forward": "1",
                "net.ipv6.conf.all.forwarding": "1",
                "net.ipv4.conf.all.rp_filter": "0",
                "net.ipv4.conf.default.rp_filter": "0",
            }
        self.sysctl(name, settings)
        return name

    def sysctl(self, ns: str, settings: dict[str, str]) -> None:
        """Set sysctls inside ``ns``."""
        args = [f"{k}={v}" for k, v in settings.items()]
        self.run(ns, ["sysctl", "-q", "-w", *args])

    def veth(self, ns_a: str, if_a: str, ns_b: str, if_b: str, *, up: bool = True) -> None:
        """A veth pair, ``if_a`` in ``ns_a`` and ``if_b`` in ``ns_b``."""
        _ip("-n", ns_a, "link", "add", if_a, "type", "veth", "peer", "name", if_b, "netns", ns_b)
        if up:
            _ip("-n", ns_a, "link", "set", if_a, "up")
            _ip("-n", ns_b, "link", "set", if_b, "up")

    def bridge(self, ns: str, name: str = "br0") -> None:
        """A Linux bridge in ``ns`` (no STP, no forwarding delay, no multicast snooping)."""
        _ip("-n", ns, "link", "add", name, "type", "bridge", "stp_state", "0", "forward_delay", "0")
        _ip("-n", ns, "link", "set", name, "type", "bridge", "mcast_snooping", "0")
        _ip("-n", ns, "link", "set", name, "up")

    def attach(self, node_ns: str, ifname: str, switch_ns: str, bridge: str = "br0") -> str:
        """Plug ``ifname`` of ``node_ns`` into ``bridge``; returns the port name."""
        n = self._port_count.get(switch_ns, 0)
        self._port_count[switch_ns] = n + 1
        port = f"p{n}"
        self.veth(node_ns, ifname, switch_ns, port)
        _ip("-n", switch_ns, "link", "set", port, "master", bridge)
        return port

    def addr(self, ns: str, ifname: str, cidr: str) -> None:
        """Add an address; IPv6 ones with ``nodad`` (usable at once)."""
        extra = ["nodad"] if ":" in cidr else []
        _ip("-n", ns, "addr", "add", cidr, "dev", ifname, *extra)

    def route(self, ns: str, dst: str, via: str | None = None, dev: str | None = None) -> None:
        """Add a route in ``ns``."""
        args = ["-6"] if ":" in dst or (via and ":" in via) else []
        cmd = [*args, "-n", ns, "route", "add", dst]
        if via:
            cmd += ["via", via]
        if dev:
            cmd += ["dev", dev]
        _ip(*cmd)

    def set_link(self, ns: str, ifname: str, up: bool) -> None:
        """Set a link up or down."""
        _ip("-n", ns, "link", "set", ifname, "up" if up else "down")

    # -- running -----------------------------------------------------------
    def run(
        self,
        ns: str,
        cmd: Sequence[str],
        *,
        check: bool = True,
        timeout: float = 30,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` in ``ns`` to completion; raises :class:`LabError` if it fails."""
        full = ["ip", "netns", "exec", ns, *cmd]
        r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise LabError(f"{' '.join(cmd)} in {ns} exited {r.returncode}: {r.stderr.strip()}")
        return r

    def popen(self, ns: str, cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start a long-running ``cmd`` in ``ns``; killed at teardown."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        # `ip netns exec` execs the command, so the pid is the program's own.
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], **kwargs)
        self.processes.append(proc)
        return proc

    def python(self, ns: str, module: str, *args: str, check: bool = True) -> str:
        """Run ``python -m module args`` in ``ns`` with this interpreter and path."""
        env_path = os.pathsep.join(p for p in sys.path if p)
        cmd = ["env", f"PYTHONPATH={env_path}", sys.executable, "-m", module, *args]
        return self.run(ns, cmd, check=check).stdout

    def call(self, ns: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``fn`` in this process with the thread inside ``ns``."""
        with inside(ns):
            return fn(*args, **kwargs)

    def capture(self, ns: str, ifname: str, bpf: str = "", *, snaplen: int = 0) -> Capture:
        """Start ``tcpdump -w`` on ``ifname`` in ``ns``; returns once it is listening."""
        path = self.tmpdir / f"cap-{len(self.processes)}-{ifname}.pcap"
        cmd = [
            "tcpdump",
            "-n",
            "-U",
            "--immediate-mode",
            "-p",
            "-i",
            ifname,
            "-s",
            str(snaplen or 65535),
        ]
        cmd += ["-w", str(path)]
        if bpf:
            cmd.append(bpf)
        proc = self.popen(ns, cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        # tcpdump says "listening on ..." once the capture is armed.
        line = proc.stderr.readline().decode(errors="replace")
        if "listening" not in line:
            proc.kill()
            raise LabError(f"tcpdump in {ns} on {ifname} failed: {line.strip()}")
        return Capture(proc, path)
