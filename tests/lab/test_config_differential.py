"""pyvrrp's config reader against keepalived's own: ``keepalived -t``.

Hypothesis writes a vrrp_instance with one keyword given a valid, boundary
or malformed value, in a file both programs read. keepalived runs its config
test inside a lab namespace that has the instance's interface (``eth0``, a
veth), pyvrrp's loader is given that namespace's interfaces: so neither side
complains of this machine. keepalived complains of a value (its exit status
is not 0: it reported a config error, then carried on with a default or
ignored the line) exactly when pyvrrp reports it (an error, when pyvrrp
refuses the file, or a warning, when it carries on as keepalived does); the
lines keepalived names ("(FILE: Line N)") are among pyvrrp's.

Disagreements that are keepalived's choices pyvrrp does not copy, or 2.2.7
(Debian's) behaviour that 2.4 changed, are listed in KNOWN with why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvrrp.config import load
from pyvrrp.lab import Lab
from pyvrrp.lab.keepalived import KEEPALIVED, keepalived_available

pytestmark = [pytest.mark.lab, pytest.mark.keepalived]

BASE = ("interface eth0", "virtual_router_id 51", "priority 100")


def config(keyword: str, value: str) -> str:
    """A vrrp_instance whose line 5 is ``keyword value`` (given once: keepalived
    takes a repeated keyword silently, pyvrrp warns)."""
    lines = [ln for ln in BASE if ln.split()[0] != keyword]
    lines += ["# -"] * (3 - len(lines))
    lines.append(f"{keyword} {value}".rstrip())
    body = "".join(f"    {ln}\n" for ln in lines)
    vips = "    virtual_ipaddress {\n        10.0.9.9/32\n    }\n"
    return f"vrrp_instance VI_1 {{\n{body}{vips}}}\n"


LINE_OF_KEYWORD = 5

_INT = st.one_of(st.integers(-2, 300).map(str), st.sampled_from(["1.5", "x", "0x10", ""]))
_DECIMAL = st.sampled_from(
    ["0", "0.01", "0.5", "1", "1.005", "1.5", "40.95", "40.96", "255", "256", "-1", "1e2", "x"]
)
_ADDR = st.sampled_from(
    [
        "10.0.0.1",
        "10.0.0.1/24",
        "10.0.0.1-5",
        "10.0.0.300",
        "10.0.0",
        "fe80::1",
        "x",
    ]
)
#: keyword -> its values (an empty string: the keyword alone).
VALUES: dict[str, st.SearchStrategy[str]] = {
    "priority": _INT,
    "virtual_router_id": _INT,
    "advert_int": _DECIMAL,
    "preempt_delay": st.one_of(_INT, _DECIMAL),
    "garp_master_delay": _INT,
    "garp_master_repeat": _INT,
    "unicast_src_ip": _ADDR,
    "state": st.sampled_from(["MASTER", "BACKUP", "master", "backup", "FAULT", "x"]),
    "version": st.sampled_from(["2", "3", "4", "x"]),
    "nopreempt": st.just(""),
    "accept": st.just(""),
    "unicast_ttl": _INT,
}

#: (keyword, value) -> why the two may disagree. Each entry was seen.
KNOWN: dict[tuple[str, str], str] = {}
#: keyword -> why keepalived names another line than the keyword's own.
OTHER_LINE = {
    "unicast_ttl": "keepalived checks it at the end of the block, and names the closing line",
    "unicast_src_ip": "keepalived blames the virtual_ipaddress line for a family mismatch",
}


@pytest.fixture(scope="module")
def keepalived_ns(lab_ok: None) -> Iterator[tuple[Lab, str]]:
    if reason := keepalived_available():
        pytest.skip(reason)
    lab = Lab()
    try:
        ns = lab.add_ns("kt")
        lab.run(ns, ["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"])
        lab.run(ns, ["ip", "link", "set", "eth0", "up"])
        yield lab, ns
    finally:
        lab.close()


def keepalived_verdict(lab: Lab, ns: str, path: Path) -> tuple[bool, set[int], str]:
    d = path.parent
    r = lab.run(
        ns,
        [
            KEEPALIVED,
            "-t",
            "-l",
            "--no-syslog",
            "-f",
            str(path),
            "-p",
            str(d / "k.pid"),
            "-r",
            str(d / "v.pid"),
            "-c",
            str(d / "c.pid"),
        ],
        check=False,
        timeout=20,
    )
    out = r.stdout + r.stderr
    lines = {int(m) for m in re.findall(rf"\({re.escape(str(path))}: Line (\d+)\)", out)}
    return r.returncode == 0, lines, out


def pyvrrp_verdict(path: Path) -> tuple[bool, set[int], str]:
    """(no complaint, the lines complained of, the report)."""
    result = load(path, env={}, interfaces=frozenset({"lo", "eth0", "eth1"}))
    lines = {d.line for d in result.diagnostics if d.line is not None}
    return not result.diagnostics, lines, result.format()


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_pyvrrp_and_keepalived_agree_on_instance_keywords(
    keepalived_ns: tuple[Lab, str], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    lab, ns = keepalived_ns
    keyword = data.draw(st.sampled_from(sorted(VALUES)), label="keyword")
    value = data.draw(VALUES[keyword], label="value")
    path = tmp_path_factory.mktemp("diff") / "keepalived.conf"
    path.write_text(config(keyword, value))
    k_ok, k_lines, k_out = keepalived_verdict(lab, ns, path)
    p_ok, p_lines, p_out = pyvrrp_verdict(path)
    if (keyword, value) in KNOWN:
        return
    assert k_ok == p_ok, (
        f"{keyword} {value!r}: keepalived {'accepts' if k_ok else 'complains'}, "
        f"pyvrrp {'accepts' if p_ok else 'complains'}\nkeepalived:\n{k_out}\npyvrrp:\n{p_out}"
    )
    if not k_ok and keyword not in OTHER_LINE:
        assert k_lines <= p_lines, f"{keyword} {value!r}: lines {k_lines} vs {p_lines}\n{p_out}"
