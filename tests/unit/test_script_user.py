"""Scripts run as the user (and group) their config names: vrrp_script's
``user``, the notify FIFO script's user; one that names a missing user is not
run at all (never as root instead)."""

from __future__ import annotations

import asyncio
import grp
import os
import pwd
import tempfile
from pathlib import Path

import pytest

from pyvrrp.daemon.scripts import ScriptRunner

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="changing user needs root")


def _run(runner: ScriptRunner, command: str, **kw: str | None) -> int | None:
    return asyncio.run(runner.run(command, timeout=5, **kw))


@pytest.fixture
def outdir():  # type: ignore[no-untyped-def]
    d = Path(tempfile.mkdtemp(prefix="pyvrrp-user-"))
    d.chmod(0o777)
    yield d
    for f in d.iterdir():
        f.unlink()
    d.rmdir()


def test_script_runs_as_its_user_and_group(outdir: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(0).gr_name  # a group other than nobody's own
    out = outdir / "id"
    rc = _run(ScriptRunner(), f"sh -c 'id -u > {out}; id -g >> {out}'", user="nobody", group=group)
    assert rc == 0
    assert out.read_text().split() == [str(nobody.pw_uid), "0"]
    out.unlink()
    # The user's own group when none is named.
    assert _run(ScriptRunner(), f"sh -c 'id -g > {out}'", user="nobody") == 0
    assert out.read_text().split() == [str(nobody.pw_gid)]


def test_script_user_overrides_script_user_default(outdir: Path) -> None:
    out = outdir / "id"
    runner = ScriptRunner(user="nobody")
    assert _run(runner, f"sh -c 'id -u > {out}'") == 0
    assert out.read_text().split() == [str(pwd.getpwnam("nobody").pw_uid)]
    out.unlink()
    assert _run(runner, f"sh -c 'id -u > {out}'", user="root") == 0
    assert out.read_text().split() == ["0"]


def test_missing_user_or_group_means_not_run(outdir: Path) -> None:
    out = outdir / "ran"
    assert _run(ScriptRunner(), f"touch {out}", user="no-such-user-pyvrrp") is None
    assert _run(ScriptRunner(), f"touch {out}", user="nobody", group="no-such-group") is None
    assert not out.exists()
