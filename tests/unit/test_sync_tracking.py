"""A sync group's tracking applied to its members (keepalived 2.4's rules),
through the loader."""

from __future__ import annotations

from pyvrrp.config import loads


def _load(text: str):  # type: ignore[no-untyped-def]
    result = loads(text, name="k.conf", env={})
    assert result.config is not None, result.format()
    return result


HEAD = """\
vrrp_script chk {
    script /bin/true
    weight -20
}
vrrp_script up {
    script /bin/true
}
track_file tf {
    file /run/pyvrrp-test/tf
}
track_file tf5 {
    file /run/pyvrrp-test/tf5
    weight 5
}
vrrp_track_process daemon {
    process sshd
    weight 10
}
"""


def _inst(name: str, vrid: int, priority: int = 100, extra: str = "") -> str:
    return f"""vrrp_instance {name} {{
    interface eth0
    virtual_router_id {vrid}
    priority {priority}
{extra}    virtual_ipaddress {{
        10.0.9.{vrid}/32
    }}
}}
"""


MEMBER_TRACKING = """\
    track_interface {
        eth1 weight 10
        eth2
    }
    track_script {
        chk
        up
    }
    track_file {
        tf
        tf5
    }
    track_process {
        daemon
    }
"""


def test_group_entries_reach_every_member_with_their_weights() -> None:
    group = """vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    track_interface {
        eth3 weight -5
    }
    track_script {
        up
    }
    track_file {
        tf5 weight 2
    }
    track_process {
        daemon
    }
    notify_priority_changes
}
"""
    cfg = _load(HEAD + group + _inst("VI_1", 1) + _inst("VI_2", 2)).config
    for inst in cfg.instances:
        assert [(t.name, t.weight) for t in inst.track_interfaces] == [("eth3", -5)]
        assert [t.name for t in inst.track_scripts] == ["up"]
        assert [(t.name, t.weight) for t in inst.track_files] == [("tf5", 2)]
        assert [t.name for t in inst.track_processes] == ["daemon"]
        assert inst.notify_priority_changes is True
    (g,) = cfg.sync_groups
    assert g.notify_priority_changes is True and not g.tracking_weight


def test_member_weights_dropped_as_keepalived_does_without_tracking_weight() -> None:
    group = "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n"
    result = _load(HEAD + group + _inst("VI_1", 1, extra=MEMBER_TRACKING) + _inst("VI_2", 2))
    vi1 = result.config.instances[0]
    # interface: weight cleared; weighted script dropped; file weight 1 -> 0,
    # other weight dropped; processes untouched (keepalived 2.4).
    assert [(t.name, t.weight) for t in vi1.track_interfaces] == [("eth1", 0), ("eth2", None)]
    assert [t.name for t in vi1.track_scripts] == ["up"]
    assert [(t.name, t.weight) for t in vi1.track_files] == [("tf", 0)]
    assert [t.name for t in vi1.track_processes] == ["daemon"]
    text = result.format()
    assert "ignoring weight of tracked interface eth1 due to SYNC group" in text
    assert "ignoring tracked script chk with weights due to SYNC group" in text
    assert "ignoring weight from tracked file tf due to SYNC group" in text
    assert "ignoring tracked file tf5 with weight 5 due to SYNC group" in text


def test_sync_group_tracking_weight_keeps_member_weights() -> None:
    group = (
        "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n"
        "    sync_group_tracking_weight\n}\n"
    )
    result = _load(HEAD + group + _inst("VI_1", 1, extra=MEMBER_TRACKING) + _inst("VI_2", 2))
    vi1 = result.config.instances[0]
    assert [(t.name, t.weight) for t in vi1.track_interfaces] == [("eth1", 10), ("eth2", None)]
    assert [t.name for t in vi1.track_scripts] == ["chk", "up"]
    assert [t.name for t in vi1.track_files] == ["tf", "tf5"]
    assert "SYNC group" not in result.format()
    assert result.config.sync_groups[0].tracking_weight


def test_owner_member_clears_group_weights_and_unknown_entries_are_dropped() -> None:
    group = """vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    track_script {
        chk
        nosuch
    }
    track_file {
        tf5
    }
}
"""
    result = _load(HEAD + group + _inst("VI_1", 1, priority=255) + _inst("VI_2", 2))
    for inst in result.config.instances:
        assert [(t.name, t.weight) for t in inst.track_scripts] == [("chk", 0)]
        assert [(t.name, t.weight) for t in inst.track_files] == [("tf5", 0)]
    text = result.format()
    assert "track_script nosuch: no vrrp_script nosuch; ignored" in text
    assert "cannot have weighted track_script chk with a member having priority 255" in text


def test_instances_outside_groups_keep_their_weights() -> None:
    result = _load(HEAD + _inst("VI_1", 1, extra=MEMBER_TRACKING))
    vi1 = result.config.instances[0]
    assert [t.name for t in vi1.track_scripts] == ["chk", "up"]
    assert "SYNC group" not in result.format()
