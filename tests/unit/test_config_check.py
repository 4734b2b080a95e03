"""``pyvrrp check``: exit codes, output format, --json redaction, -i."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyvrrp.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
# keepalived's own samples, beside the repository on the project's machines only.
OPTIONAL_SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "configs"
KEY32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
ASCII_KEY = "correct-horse-battery-staple-0123456"
SECRETS = (KEY32, ASCII_KEY, "pw123456", bytes(range(32)).hex(), repr(bytes(range(32))))


def _write(tmp_path: Path, text: str, name: str = "keepalived.conf") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = f"""global_defs {{
    router_id n1
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 200
    version 3
    unicast_src_ip 10.0.0.1
    unicast_peer {{
        10.0.0.2
        10.0.0.3
    }}
    auth_hmac {{
        key 1 hex:{KEY32}
        key 2 {ASCII_KEY}
        active_key 2
        mode permissive
    }}
    virtual_ipaddress {{
        10.0.9.1/32
    }}
    debug
}}
vrrp_instance VI_6 {{
    interface eth1
    virtual_router_id 52
    authentication {{
        auth_type PASS
        auth_pass pw123456
    }}
    virtual_ipaddress {{
        2001:db8::1/64
    }}
}}
vrrp_instance VI_P {{
    interface eth1
    virtual_router_id 53
    authentication {{
        auth_type PASS
        auth_pass pw123456
    }}
    virtual_ipaddress {{
        192.0.2.1
    }}
}}
"""


def _no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_check_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GOOD)
    assert main(["check", "-f", str(path), "--no-host"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"{path}:24: warning: vrrp_instance keyword 'debug' is not implemented by pyvrrp "
        "(a keepalived debugging or logging option: no effect in pyvrrp); ignored",
        f"{path}:29: warning: vrrp_instance VI_6: authentication is not supported with VRRPv3; "
        "ignored",
        "VI_1: interface eth0, IPv4, VRRPv3, VRID 51, priority 200, unicast (2 peers), "
        "auth hmac(permissive, active key 2)",
        "VI_6: interface eth1, IPv6, VRRPv3, VRID 52, priority 100, multicast ff02::12, auth none",
        "VI_P: interface eth1, IPv4, VRRPv2, VRID 53, priority 100, multicast 224.0.0.18, "
        "auth PASS",
        f"{path}: OK: 0 errors, 2 warnings",
    ]
    _no_secrets(out.out + out.err)


def test_check_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.replace("priority 200", "priority 256").replace("active_key 2", "active_key 7")
    path = _write(tmp_path, text)
    assert main(["check", "-f", str(path), "--no-host"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert f"{path}:8: error: priority 256 out of range 1..255" in lines
    assert f"{path}:18: error: active_key 7 names no configured key; auth_hmac disabled" in lines
    assert lines[-1] == f"{path}: FAILED: 2 errors, 2 warnings"
    _no_secrets(out)


def test_check_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.conf"
    assert main(["check", "-f", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{path}:0: error: cannot read {path}: no such file"


def test_check_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GOOD)
    assert main(["check", "-f", str(path), "--json", "--no-host"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["file"] == str(path)
    assert [d["line"] for d in doc["diagnostics"]] == [24, 29]
    vi1, vi6, vip = doc["config"]["instances"]
    assert vi1["auth_hmac"]["active_key"] == 2
    assert [(k["id"], k["form"], k["secret"]) for k in vi1["auth_hmac"]["keys"]] == [
        (1, "hex", "<redacted>"),
        (2, "ascii", "<redacted>"),
    ]
    assert vi1["unicast_peers"] == ["10.0.0.2", "10.0.0.3"]
    assert vi6["legacy_auth"] is None
    assert vip["legacy_auth"] == {
        "type": "PASS",
        "password": "<redacted>",
        "file": str(path),
        "line": 40,
    }
    _no_secrets(out)


def test_check_json_with_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GOOD.replace(f"key 1 hex:{KEY32}", f"key 1 hex:{KEY32[:-2]}"))
    assert main(["check", "-f", str(path), "--json", "--no-host"]) == 1
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["ok"] is False
    assert {
        "file": str(path),
        "line": 16,
        "level": "error",
        "message": "auth_hmac key 1: key is 31 bytes, must be 32 to 64 bytes",
    } in doc["diagnostics"]
    _no_secrets(out)


@pytest.mark.parametrize(
    ("flag", "name", "priority"), [("-i", "edge_a", 200), ("--config-id", "edge_b", 90)]
)
def test_check_config_id(
    flag: str, name: str, priority: int, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = DATA / "configs" / "conditional.conf"
    assert main(["check", "-f", str(conf), flag, name, "--no-host"]) == 0
    out = capsys.readouterr().out
    assert f"EDGE: interface ens4, IPv4, VRRPv3, VRID 7, priority {priority}," in out


def test_nonexistent_interface_is_only_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("interface eth0", "interface pyvrrp-nx0")
    path = _write(tmp_path, text)
    assert main(["check", "-f", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:6: warning: interface pyvrrp-nx0 does not exist on this host" in out


FIXTURES = (
    *sorted((DATA / "configs").glob("*.conf")),
    DATA / "configs" / "include" / "keepalived.conf",
    *sorted((DATA / "captures").glob("*.conf")),
)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_check_fixtures_exit_0(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _check_exit_0(path, capsys)


@pytest.mark.skipif(not OPTIONAL_SAMPLES.is_dir(), reason="keepalived's samples not beside")
@pytest.mark.parametrize(
    "path",
    sorted(OPTIONAL_SAMPLES.glob("*")) if OPTIONAL_SAMPLES.is_dir() else [],
    ids=lambda p: p.name,
)
def test_check_keepalived_samples_exit_0(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Extra, where keepalived's own samples are at hand."""
    _check_exit_0(path, capsys)


def _check_exit_0(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-f", str(path)]) == 0
    out = capsys.readouterr().out
    assert " error: " not in out
    _no_secrets(out)
    assert main(["check", "-f", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    json.loads(out)
    _no_secrets(out)
