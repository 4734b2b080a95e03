"""keepalived's smtp_alert: the mails' words, and when one is sent."""

from __future__ import annotations

import pytest

from pyvrrp.config import loads
from pyvrrp.config.model import GlobalDefs
from pyvrrp.daemon.smtp import Mail, Mailer, alert, wanted


@pytest.mark.parametrize(
    ("kind", "state", "subject", "body"),
    [
        (
            "INSTANCE",
            "MASTER",
            "[r1] VRRP Instance VI_1 - Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        ),
        (
            "INSTANCE",
            "BACKUP",
            "[r1] VRRP Instance VI_1 - Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (
            "INSTANCE",
            "FAULT",
            "[r1] VRRP Instance VI_1 - Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        ("INSTANCE", "STOP", "[r1] VRRP Instance VI_1 - Stopping", "=> VRRP Instance stopping <="),
        (
            "INSTANCE",
            "DELETED",
            "[r1] VRRP Instance VI_1 - Deleted",
            "=> VRRP Deleted at reload <=",
        ),
        (
            "GROUP",
            "MASTER",
            "[r1] VRRP Group VI_1 - Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
    ],
)
def test_keepalived_mail_text(kind: str, state: str, subject: str, body: str) -> None:
    assert alert("r1", kind, "VI_1", state) == Mail(subject, body)


def test_no_mail_for_a_group_deleted_or_an_unknown_state() -> None:
    assert alert("r1", "GROUP", "G", "DELETED") is None
    assert alert("r1", "INSTANCE", "VI_1", "INITIALIZE") is None


def test_smtp_alert_precedence() -> None:
    """An instance's smtp_alert, else smtp_alert_vrrp, else smtp_alert."""
    assert not wanted(GlobalDefs(), None)
    assert wanted(GlobalDefs(smtp_alert=True), None)
    assert not wanted(GlobalDefs(smtp_alert=True, smtp_alert_vrrp=False), None)
    assert wanted(GlobalDefs(smtp_alert=False), True)
    assert not wanted(GlobalDefs(smtp_alert_vrrp=True), False)


def test_nothing_is_queued_without_recipients_and_a_server() -> None:
    for g in (
        GlobalDefs(smtp_alert=True, smtp_server="10.0.0.1"),
        GlobalDefs(smtp_alert=True, notification_email=("a@example.com",)),
    ):
        m = Mailer(g)
        m.state_change("INSTANCE", "VI_1", "MASTER", None)
        assert m._thread is None and m._queue.empty()


def test_no_email_faults_leaves_fault_out() -> None:
    g = GlobalDefs(
        smtp_alert=True,
        no_email_faults=True,
        notification_email=("a@example.com",),
        smtp_server="10.0.0.1",
    )
    m = Mailer(g)
    m._thread = object()  # type: ignore[assignment]  # (no thread: nothing is sent)
    m.state_change("INSTANCE", "VI_1", "FAULT", None)
    assert m._queue.empty()
    m.state_change("INSTANCE", "VI_1", "BACKUP", None)
    assert m._queue.get_nowait() == alert(m.router_id, "INSTANCE", "VI_1", "BACKUP")


def test_smtp_keywords_load() -> None:
    text = """\
global_defs {
    router_id lab-a
    notification_email {
        ops@example.com
        "Duty <duty@example.com>"
    }
    notification_email_from pyvrrp@example.com
    smtp_server 10.0.1.2 2525
    smtp_helo_name a.example.com
    smtp_connect_timeout 5
    smtp_alert
    smtp_alert_vrrp off
    no_email_faults
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    smtp_alert
    virtual_ipaddress {
        10.0.9.9/32
    }
}
vrrp_sync_group G {
    group {
        VI_1
    }
    smtp_alert false
}
"""
    result = loads(text, name="k.conf", env={})
    assert result.ok and not result.diagnostics, result.format()
    cfg = result.config
    assert cfg is not None
    g = cfg.global_defs
    assert g.notification_email == ("ops@example.com", "Duty <duty@example.com>")
    assert (g.notification_email_from, g.smtp_server, g.smtp_port) == (
        "pyvrrp@example.com",
        "10.0.1.2",
        2525,
    )
    assert (g.smtp_helo_name, g.smtp_connect_timeout) == ("a.example.com", 5)
    assert (g.smtp_alert, g.smtp_alert_vrrp, g.no_email_faults) == (True, False, True)
    assert cfg.instances[0].smtp_alert is True
    assert cfg.sync_groups[0].smtp_alert is False
