"""The control socket: one JSON request per connection, one JSON answer.

``{"cmd": "status"}`` → the daemon's status; ``{"cmd": "reload"}`` → reload as
on SIGHUP. The socket is mode 0600 in a 0700 directory: status is operator
information (it holds no secret, but it maps the cluster)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Any

DEFAULT_CONTROL = "/run/pyvrrp/control.sock"


class ControlServer:
    def __init__(self, daemon: Any, path: str) -> None:
        self.daemon = daemon
        self.path = path
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        p = Path(self.path)
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if p.exists() or p.is_socket():
            p.unlink()
        old = os.umask(0o177)
        try:
            self.server = await asyncio.start_unix_server(self._handle, path=self.path)
        finally:
            os.umask(old)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            try:
                req = json.loads(line or b"{}")
                cmd = req.get("cmd", "status") if isinstance(req, dict) else None
            except ValueError:
                cmd = None
            if cmd == "status":
                answer: dict[str, Any] = {"ok": True, **self.daemon.status()}
            elif cmd == "reload":
                answer = {"ok": bool(self.daemon.reload())}
            elif cmd == "restart":
                ok, detail = await self.daemon.restart()
                answer = {"ok": ok, "detail": detail}
            else:
                answer = {"ok": False, "error": "unknown command"}
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


def request(path: str, cmd: str = "status", timeout: float = 5.0) -> dict[str, Any]:
    """Ask a running daemon (blocking client for the CLI and the tests)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(json.dumps({"cmd": cmd}).encode() + b"\n")
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    answer: dict[str, Any] = json.loads(b"".join(chunks))
    return answer
