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
    # keepalived's SIGUSR2 is pyvrrp's in-place restart: stats has its own.
    assert dumps.signum("STATS") == signal.SIGRTMIN + 4
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


# --------------------------------------------------------------------------- data dump

DATA_CONF = """\
global_defs {
    router_id lb1
}
vrrp_script chk {
    script "/bin/true"
    interval 2
    weight -20
}
vrrp_track_file tf {
    file /run/pyvrrp-test/tf
    weight 3
}
vrrp_sync_group G {
    group {
        VI_1
    }
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    track_script {
        chk
    }
    track_file {
        tf
    }
    virtual_ipaddress {
        10.0.9.9/32
        10.0.9.10/24 dev eth1 label eth1:vip
    }
}
"""


def _parse_like_exporter(text: str) -> dict[str, dict[str, object]]:
    """keepalived-exporter's data parser, rewritten: an instance starts at
    " VRRP Instance = ", its lines are "   key = value" (or "key: value"),
    a 5-space line is a value of the last key (the VIP list), and any line not
    indented by three spaces ends it."""
    data: dict[str, dict[str, object]] = {}
    current: str | None = None
    key = ""
    for line in text.splitlines():
        if line.startswith(" VRRP Instance") and "=" in line:
            current = line.split("=", 1)[1].strip()
            data[current] = {"vips": []}
        elif line.startswith("   ") and current is not None:
            if line.startswith("     "):
                value = line.strip()
            else:
                sep = "=" if "=" in line else ":" if ":" in line else None
                if sep is None:
                    continue
                key, value = (p.strip() for p in line.strip().split(sep, 1))
                if key.startswith("Virtual IP"):
                    continue
                data[current][key] = value
            if key.startswith("Virtual IP (") and line.startswith("     "):
                vips = data[current]["vips"]
                assert isinstance(vips, list)
                words = value.split(" ")
                assert len(words) >= 3, value  # exporter: address, "dev", interface
                vips.append((words[0], words[2]))
        else:
            current = None
    return data


def test_data_dump_reads_as_keepalived_exporter_reads_it() -> None:
    result = loads(DATA_CONF, name="k.conf", env={})
    assert result.config is not None, result.format()
    cfg = result.config
    inst = Instance(cfg.instances[0], ip_address("10.0.0.1"), 0.0)
    inst.router.start(0.0)
    inst.router.receive_advert(ReceivedAdvert(ip_address("10.0.0.2"), 0, 100, 2, 51), 1.0)
    inst._to_router(ReceivedAdvert(ip_address("10.0.0.2"), 200, 100, 2, 51), 1.5)
    text = dumps.data_text(
        cfg,
        [inst],
        group_states={"G": inst.router.state},
        script_ok={"chk": False},
        file_values={"tf": 7},
    )
    assert "s3cret" not in text
    assert text.splitlines()[0] == "------< Global definitions >------"
    assert " Router ID = lb1" in text.splitlines()
    parsed = _parse_like_exporter(text)
    vi = parsed["VI_1"]
    assert (vi["State"], vi["Wantstate"], vi["Interface"]) == ("BACKUP", "BACKUP", "eth0")
    assert (vi["Virtual Router ID"], vi["Priority"]) == ("51", "150")
    assert vi["Gratuitous ARP delay"] == "5"
    assert (vi["Master router"], vi["Master priority"]) == ("10.0.0.2", "200")
    assert vi["Sync group"] == "G" and vi["Password"] == "********"
    assert vi["vips"] == [("10.0.9.9", "eth0"), ("10.0.9.10/24", "eth1")]
    lines = text.splitlines()
    assert "     10.0.9.10/24 dev eth1 scope global label eth1:vip" in lines
    # The scripts section, as the exporter's script parser reads it.
    at = lines.index(" VRRP Script = chk")
    block = lines[at + 1 : lines.index("------< VRRP Track files >------")]
    fields = dict(ln.strip().split(" = ", 1) for ln in block if " = " in ln)
    assert (fields["Status"], fields["State"], fields["Weight"]) == ("BAD", "idle", "-20")
    assert " VRRP Sync Group = G, BACKUP" in lines
    at = lines.index(" Track file = tf")
    assert lines[at + 1 : at + 4] == [
        "   File = /run/pyvrrp-test/tf",
        "   Status = 7",
        "   Weight = 3",
    ]


def test_data_dump_of_a_master_and_no_state_yet() -> None:
    result = loads(CONF, name="k.conf", env={})
    assert result.config is not None
    inst = Instance(result.config.instances[0], ip_address("10.0.0.1"), 0.0)
    assert _parse_like_exporter(dumps.data_text(result.config, [inst]))["VI_1"]["State"] == "INIT"
    inst.router.start(0.0)
    inst.router.handle_timer(10.0)
    text = dumps.data_text(result.config, [inst])
    vi = _parse_like_exporter(text)["VI_1"]
    assert vi["State"] == "MASTER" and "Master router" not in vi
    assert "------< VRRP Scripts >------" not in text


def test_data_dump_path_follows_keepalived() -> None:
    assert dumps.data_dump_path(None, "/tmp") == "/tmp/keepalived.data"
    assert dumps.data_dump_path("/var/run/ka/state.txt", "/tmp") == "/var/run/ka/state.txt"
    assert dumps.data_dump_path("/var/run/ka/", "/tmp") == "/var/run/ka/keepalived.data"
    assert dumps.data_dump_path("mine.data", "/scratch") == "/scratch/mine.data"
    assert dumps.data_dump_path("/top.data", "/tmp") == "/top.data"
