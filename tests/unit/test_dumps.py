"""keepalived's JSON and stats dumps from real Instance objects (no network)."""

from __future__ import annotations

import json
import signal
from ipaddress import ip_address
from pathlib import Path

from pyvrrp.config import loads
from pyvrrp.daemon import dumps
from pyvrrp.daemon.instance import Instance
from pyvrrp.protocol import ReceivedAdvert

CONF = """\
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    notify_master /bin/m
    virtual_ipaddress {
        10.0.9.9/32
    }
}
"""


def _instance() -> Instance:
    result = loads(CONF, name="k.conf", env={})
    assert result.config is not None, result.format()
    inst = Instance(result.config.instances[0], ip_address("10.0.0.1"), 0.0)
    inst.router.start(0.0)
    inst.router.receive_advert(ReceivedAdvert(ip_address("10.0.0.2"), 0, 100, 2, 51), 1.0)
    inst.drops.update({"ttl": 2, "bad_length": 1, "auth_pass_mismatch": 3})
    return inst


def test_keepalived_signal_numbers() -> None:
    assert dumps.signum("json") == signal.SIGRTMIN + 2
    assert dumps.signum("STATS") == signal.SIGUSR2
    assert dumps.signum("STATS_CLEAR") == signal.SIGRTMAX - 1
    assert dumps.signum("DATA") == signal.SIGUSR1
    assert dumps.signum("NOPE") is None


def test_json_dump_has_keepalived_fields_and_no_secret() -> None:
    inst = _instance()
    text = dumps.json_text([inst])
    assert "s3cret" not in text
    (entry,) = json.loads(text)
    data, stats = entry["data"], entry["stats"]
    assert (data["iname"], data["vrid"], data["state"]) == ("VI_1", 51, 1)  # BACKUP
    assert (data["base_priority"], data["effective_priority"]) == (150, 150)
    assert (data["auth_type"], data["auth_data"]) == (1, "********")
    assert data["script_master"] == "/bin/m" and "script_backup" not in data
    assert data["vips"] == ["10.0.9.9/32"]
    assert (stats["pri_zero_rcvd"], stats["ip_ttl_err"], stats["packet_len_err"]) == (1, 2, 1)
    assert stats["auth_failure"] == 3
    assert list(dumps.json_document([inst], 2)) == ["vrrp"]


def test_stats_dump_in_keepalived_layout(tmp_path: Path) -> None:
    inst = _instance()
    path = tmp_path / "keepalived.stats"
    dumps.write_atomically(str(path), dumps.stats_text([inst]))
    lines = path.read_text().splitlines()
    assert lines[:8] == [
        "VRRP Instance: VI_1",
        "  Advertisements:",
        "    Received: 0",
        "    Sent: 0",
        "  Became master: 0",
        "  Released master: 0",
        "  Packet Errors:",
        "    Length: 1",
    ]
    assert lines[-3:] == ["  Priority Zero:", "    Received: 1", "    Sent: 0"]
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir()] == ["keepalived.stats"]  # no temporary left
