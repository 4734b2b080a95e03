"""Restarts without a failover: the in-place restart (``pyvrrp restart``,
SIGUSR2) and the crash checkpoint. The rules are sans-I/O
(:mod:`pyvrrp.protocol.handover`); this module moves the bytes, the sockets
and the process image.

In-place restart, in the running process:

1. the configuration on disk must load, and the code on disk must import
   (a child Python imports it): otherwise the restart is refused and this
   process goes on as it was;
2. every router's snapshot, its auth state (send sequence, replay marks),
   counters and trackers go into a hand-over file beside the control socket;
3. a *bridge* is forked: it keeps sending every Master's adverts on their
   schedule, through the same sockets, while the new image starts (an
   interpreter and its imports take a few hundred milliseconds: longer than
   1.5 advert intervals at 0.1 s);
4. the process execs itself (same PID: systemd keeps the unit) with the
   hand-over file, the VRRP sockets and the bridge's end of a socket pair
   inherited.

In the new image, ``Daemon.run`` reads the file, adopts the sockets, stops
the bridge (which reports when it last sent and its last sequence) and
restores the routers: same states, timers continuing from the bridge's last
advert, no notification, addresses untouched. A hand-over that cannot be
read falls back to the crash path below (the bridge is still stopped).

Crash checkpoint: ``<control socket>.state`` (or ``--state-file``) holds each
instance's state, rewritten at every state change (once per burst) and
touched while any instance is Master (its modification time is the proof of
life a start compares with Master_Down_Interval).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyvrrp.protocol.handover import CheckpointEntry

log = logging.getLogger("pyvrrp")

HANDOVER_VERSION = 1
#: what the new image imports first (a broken upgrade fails here)
_IMPORT_CHECK = "import pyvrrp.daemon.core, pyvrrp.commands.run, pyvrrp.cli"
#: the bridge gives up (its new image must have died) after this long
BRIDGE_MAX = 30.0
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str:
    """This boot's id (a checkpoint from another boot is stale)."""
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


# -- the checkpoint -----------------------------------------------------------------


class Checkpoint:
    """The crash checkpoint file: JSON, written atomically; its mtime is when
    it was last known to be true."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> dict[str, CheckpointEntry]:
        """The entries by instance name, each ``written`` at the file's mtime;
        empty if there is none or it cannot be read (logged)."""
        try:
            with open(self.path) as fh:
                mtime = os.fstat(fh.fileno()).st_mtime
                doc = json.load(fh)
            out = {}
            for d in doc.get("instances", []):
                e = CheckpointEntry.from_json({**d, "written": mtime, "boot": doc["boot"]})
                out[e.name] = e
            return out
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("checkpoint %s unreadable (%s): a normal start", self.path, exc)
            return {}

    def write(self, entries: Iterable[CheckpointEntry]) -> None:
        doc = {
            "boot": boot_id(),
            "instances": [
                {k: v for k, v in e.to_json().items() if k not in ("written", "boot")}
                for e in entries
            ],
        }
        tmp = f"{self.path}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh)
        # No fsync: it guards against this process dying, not the host (a
        # host that crashed has rebooted, and a checkpoint of another boot is
        # stale anyway).
        os.replace(tmp, self.path)

    def touch(self) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.path)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


# -- the hand-over file -------------------------------------------------------------


def write_handover(path: str, doc: dict[str, Any]) -> None:
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh)
    os.replace(tmp, path)


def read_handover(path: str) -> dict[str, Any] | None:
    """The hand-over document (the file is removed), or None if it cannot be
    read or is not one (logged: the start falls back to the checkpoint)."""
    try:
        with open(path) as fh:
            doc = json.load(fh)
        if not isinstance(doc, dict) or doc.get("version") != HANDOVER_VERSION:
            raise ValueError("not a pyvrrp hand-over of this version")
        if doc.get("boot") != boot_id():
            raise ValueError("written in another boot")
        return doc
    except (OSError, ValueError) as exc:
        log.error("hand-over %s unreadable (%s): falling back to the checkpoint", path, exc)
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


# -- the bridge ---------------------------------------------------------------------


class BridgeItem:
    """One Master the bridge keeps advertising for."""

    __slots__ = ("build", "interval", "last_sent", "name", "next_due", "primary", "sock", "ttl")

    def __init__(
        self,
        name: str,
        sock: Any,
        build: Any,
        primary: Any,
        ttl: int,
        interval: float,
        next_due: float,
    ) -> None:
        self.name = name
        self.sock = sock
        self.build = build
        self.primary = primary
        self.ttl = ttl
        self.interval = interval
        self.next_due = next_due
        self.last_sent: float | None = None


def bridge_main(conn: socket.socket, items: list[BridgeItem], sequences: Any) -> None:
    """The forked bridge: send each Master's adverts when due until the new
    image says ``stop`` (or goes away), then report and exit. Never returns."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    give_up = time.monotonic() + BRIDGE_MAX
    code = 0
    try:
        while True:
            now = time.monotonic()
            if now >= give_up:
                code = 3
                break
            for it in items:
                while it.next_due <= now:
                    wall = time.time_ns()
                    for dst, payload in it.build(wall):
                        with contextlib.suppress(OSError):
                            it.sock.send(payload, it.primary, dst, it.ttl)
                    it.last_sent = it.next_due
                    it.next_due += it.interval
            wait = min([it.next_due for it in items], default=now + 1.0) - time.monotonic()
            ready, _, _ = select.select([conn], [], [], max(0.0, min(wait, 1.0)))
            if ready:
                break  # "stop", or the new image closed its end
        report = {
            "pid": os.getpid(),
            "items": {
                it.name: {"last_sent": it.last_sent, "next_due": it.next_due} for it in items
            },
            "sequences": sequences(),
        }
        with contextlib.suppress(OSError):
            conn.setblocking(True)
            conn.sendall(json.dumps(report).encode() + b"\n")
    finally:
        os._exit(code)


def start_bridge(items: list[BridgeItem], sequences: Any) -> tuple[socket.socket, int]:
    """Fork the bridge; returns this side's end of the pair and its pid."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (exercised by the lab tests)
        ours.close()
        bridge_main(theirs, items, sequences)
    theirs.close()
    return ours, pid


def stop_bridge(fd: int, timeout: float = 2.0) -> dict[str, Any] | None:
    """Tell the bridge on ``fd`` to stop; its report (None if it gave none)."""
    conn = socket.socket(fileno=fd)
    try:
        conn.settimeout(timeout)
        conn.sendall(b"stop\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        report = json.loads(data) if data else None
    except (OSError, ValueError) as exc:
        log.error("restart: the bridge did not report (%s)", exc)
        report = None
    finally:
        conn.close()
    if isinstance(report, dict) and isinstance(report.get("pid"), int):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(report["pid"], 0)
    return report if isinstance(report, dict) else None


# -- before the exec ----------------------------------------------------------------


def code_imports() -> str | None:
    """Does the code on disk import? None if so, else the error's last line.
    (Run by this interpreter with this environment: what exec will run.)"""
    try:
        r = subprocess.run(
            [sys.executable, "-c", _IMPORT_CHECK],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if r.returncode == 0:
        return None
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit status {r.returncode}"


async def code_imports_async() -> str | None:
    """:func:`code_imports` without blocking the event loop."""
    import asyncio

    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _IMPORT_CHECK,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    except (OSError, TimeoutError) as exc:
        return str(exc)
    if proc.returncode == 0:
        return None
    lines = [ln for ln in err.decode(errors="replace").strip().splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit status {proc.returncode}"


def exec_args(argv: list[str], handover: str, bridge_fd: int) -> list[str]:
    """The new image's command line: this one's, minus any earlier hand-over."""
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--handover", "--bridge-fd"):
            skip = True
            continue
        out.append(a)
    return [
        sys.executable,
        "-m",
        "pyvrrp",
        *out,
        "--handover",
        handover,
        "--bridge-fd",
        str(bridge_fd),
    ]


# -- an instance's run-time state -----------------------------------------------------


def instance_doc(inst: Any, now: float) -> dict[str, Any]:
    """What of a daemon Instance (besides its router) an in-place restart keeps."""
    auth = inst.auth
    doc: dict[str, Any] = {
        "primary": str(inst.primary),
        "state_age": now - inst.state_since,
        "transition_wall": inst.transition_wall,
        "master_priority": inst.master_priority,
        "stats": dict(vars(inst.stats)),
        "drops": dict(inst.drops),
        "old_checksum": inst.old_checksum,
    }
    if auth is not None:
        doc["auth"] = {
            "send_last": auth.send_sequence.last,
            "senders": {
                src.hex(): [st.high_water, st.last_key_id, st.accepted, st.last_ok_ns]
                for src, st in auth.senders.items()
            },
        }
    return doc


def restore_instance(inst: Any, doc: dict[str, Any], sequence: int | None, now: float) -> None:
    """Put back what :func:`instance_doc` kept (``sequence``: the bridge's last)."""
    inst.state_since = now - float(doc.get("state_age", 0.0))
    inst.transition_wall = float(doc.get("transition_wall", inst.transition_wall))
    inst.master_priority = int(doc.get("master_priority", 0))
    for k, v in doc.get("stats", {}).items():
        if hasattr(inst.stats, k):
            setattr(inst.stats, k, int(v))
    inst.drops.update({str(k): int(v) for k, v in doc.get("drops", {}).items()})
    if doc.get("old_checksum") and not inst.old_checksum:
        inst.old_checksum = True
        inst.style = inst._style()
    auth_doc = doc.get("auth")
    if inst.auth is None or not auth_doc:
        return
    from pyvrrp.auth.hmac_auth import SenderState

    last = [x for x in (auth_doc.get("send_last"), sequence) if x is not None]
    if last:
        inst.auth.send_sequence.last = max(int(x) for x in last)
    for src, (high, key_id, accepted, ok_ns) in auth_doc.get("senders", {}).items():
        st = inst.auth.senders.get(bytes.fromhex(src))
        if st is None:
            st = inst.auth.senders[bytes.fromhex(src)] = SenderState()
        st.high_water, st.last_key_id, st.accepted, st.last_ok_ns = high, key_id, accepted, ok_ns
