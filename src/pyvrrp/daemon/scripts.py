"""Notify scripts and tracked scripts, run without blocking the loop.

keepalived's conventions: ``notify_master "cmd args"`` runs the whole quoted
string as the command line; ``notify "cmd"`` gets ``TYPE NAME STATE PRIORITY``
appended (TYPE ``INSTANCE`` or ``GROUP``). Scripts run with a timeout, their
failures are logged, and with ``script_user`` they run as that user.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import logging
import os
import pwd
import shlex
import stat
from collections.abc import Callable

log = logging.getLogger("pyvrrp.scripts")


class ScriptRunner:
    def __init__(
        self,
        *,
        user: str | None = None,
        enable_script_security: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.user = user
        self.security = enable_script_security
        self.timeout = timeout
        self.tasks: set[asyncio.Task[object]] = set()

    def _argv(self, command: str) -> list[str] | None:
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            log.error("script %r cannot be parsed: %s", command, exc)
            return None
        if not argv:
            return None
        if self.security and not self._secure(argv[0]):
            return None
        return argv

    def _secure(self, path: str) -> bool:
        """enable_script_security: refuse a script that a non-root user could change."""
        try:
            st = os.stat(path)
        except OSError:
            return True  # a command on PATH: the exec itself reports a missing one
        if st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            log.error("script %s is writable by a non-root user: not run (script security)", path)
            return False
        return True

    def _preexec(
        self, user: str | None = None, group: str | None = None
    ) -> Callable[[], None] | None:
        """The child's drop to ``user`` (default: script_user) and ``group``
        (default: the user's own group). LookupError: a user or group named
        for this script does not exist, and the script is not run (keepalived
        refuses such a script rather than run it as root)."""
        name = user or self.user
        if name is None or os.geteuid() != 0:
            return None
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            if user is None:
                log.error("script_user %s does not exist: scripts run as root", name)
                return None
            raise LookupError(f"script user {name} does not exist") from None
        gid = pw.pw_gid
        if group is not None:
            try:
                gid = grp.getgrnam(group).gr_gid
            except KeyError:
                raise LookupError(f"script group {group} does not exist") from None

        def drop() -> None:
            os.setgid(gid)
            os.initgroups(pw.pw_name, gid)
            os.setuid(pw.pw_uid)

        return drop

    async def run(
        self,
        command: str,
        *,
        timeout: float | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> int | None:
        """Run one command, as ``user``/``group`` when given (else script_user);
        return its exit status, or None on timeout/error."""
        argv = self._argv(command)
        if argv is None:
            return None
        try:
            preexec = self._preexec(user, group)
        except LookupError as exc:
            log.error("%s: %s not run", exc, argv[0])
            return None
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                preexec_fn=preexec,
                start_new_session=True,
            )
        except OSError as exc:
            log.warning("script %s cannot start: %s", argv[0], exc.strerror)
            return None
        try:
            return await asyncio.wait_for(proc.wait(), timeout or self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            await proc.wait()
            log.warning("script %s timed out after %.1fs", argv[0], timeout or self.timeout)
            return None

    def spawn(
        self, command: str, what: str, *, user: str | None = None, group: str | None = None
    ) -> None:
        """Fire and forget a notify script; its failure is logged."""

        async def go() -> None:
            rc = await self.run(command, user=user, group=group)
            if rc not in (0, None):
                log.warning("%s script exited %s", what, rc)

        task = asyncio.get_running_loop().create_task(go())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self, timeout: float = 5.0) -> None:
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)


def notify_commands(
    *,
    specific: str | None,
    generic: str | None,
    kind: str,
    name: str,
    state: str,
    priority: int,
) -> list[str]:
    """The command lines keepalived would run for one state change."""
    out = []
    if specific:
        out.append(specific)
    if generic:
        out.append(f"{generic} {kind} {shlex.quote(name)} {state} {priority}")
    return out
