"""keepalived's smtp_alert on real nodes: a real SMTP server (aiosmtpd) in the
peer's namespace receives keepalived's mails for each state change; a dead
SMTP server never delays a transition."""

from __future__ import annotations

import mailbox
import sys
import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _subjects(maildir: str) -> list[str]:
    try:
        box = mailbox.Maildir(maildir, create=False)
        msgs = sorted(box, key=lambda m: m["Date"] or "")
        return [str(m["Subject"]) for m in msgs]
    except (FileNotFoundError, OSError):
        return []


def test_smtp_alert_mails_each_state_change(lab) -> None:
    seg = one_segment(lab, 2)
    a, b = seg.nodes
    maildir = lab.tmpdir / "mail"
    server_ip = str(b.ipv4.ip)
    lab.popen(
        b.ns,
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"{server_ip}:2525",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
    )
    time.sleep(1.0)
    conf = f"""global_defs {{
    router_id lab-a
    notification_email {{
        ops@example.com
    }}
    notification_email_from pyvrrp@example.com
    smtp_server {server_ip} 2525
    smtp_connect_timeout 5
    smtp_alert
}}
""" + instance_config(priority=150, advert_int=0.5)
    node = PyvrrpNode(lab, a)
    node.start(conf)
    wait_for(lambda: node.state() == "MASTER", 5)
    wait_for(lambda: len(_subjects(str(maildir))) >= 2, 10)
    node.stop()
    wait_for(lambda: len(_subjects(str(maildir))) >= 3, 10)
    box = mailbox.Maildir(str(maildir), create=False)
    by_subject = {str(m["Subject"]): m for m in box}
    assert set(by_subject) == {
        "[lab-a] VRRP Instance VI_1 - Entering BACKUP state",
        "[lab-a] VRRP Instance VI_1 - Entering MASTER state",
        "[lab-a] VRRP Instance VI_1 - Stopping",
    }
    master = by_subject["[lab-a] VRRP Instance VI_1 - Entering MASTER state"]
    assert master["From"] == "pyvrrp@example.com"
    assert master["To"] == "ops@example.com"
    assert master.get_payload().strip() == "=> VRRP Instance is now owning VRRP VIPs <="


def test_a_dead_smtp_server_never_delays_a_transition(lab) -> None:
    seg = one_segment(lab, 2)
    conf = """global_defs {
    notification_email {
        ops@example.com
    }
    smtp_server 10.0.1.250
    smtp_connect_timeout 30
    smtp_alert
}
""" + instance_config(priority=150, advert_int=0.5)
    node = PyvrrpNode(lab, seg.nodes[0])
    t0 = time.monotonic()
    node.start(conf)
    wait_for(lambda: node.state() == "MASTER", 5)
    # Master_Down_Interval (about 1.8 s) after the start: the mail of the
    # BACKUP transition, still trying to reach nobody, held nothing up.
    assert time.monotonic() - t0 < 4.0
