"""keepalived's smtp_alert: one mail per state change, sent in the background.

The subject and body are keepalived's (vrrp_notify.c, smtp.c)::

    Subject: [ROUTER_ID] VRRP Instance VI_1 - Entering MASTER state
    => VRRP Instance is now owning VRRP VIPs <=

A mail goes out on a worker thread with ``smtp_connect_timeout``: a dead or
slow SMTP server never holds up a transition, and mails queue (up to 100; more
are dropped and counted) rather than pile up threads. Like keepalived, nothing
is sent without both ``notification_email`` and ``smtp_server``, and
``no_email_faults`` leaves FAULT out.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pyvrrp.config.model import GlobalDefs

log = logging.getLogger("pyvrrp.smtp")

#: (subject, body) by state word, for an instance and for a sync group.
INSTANCE_TEXT = {
    "MASTER": ("Entering MASTER state", "=> VRRP Instance is now owning VRRP VIPs <="),
    "BACKUP": ("Entering BACKUP state", "=> VRRP Instance is no longer owning VRRP VIPs <="),
    "FAULT": ("Entering FAULT state", "=> VRRP Instance is no longer owning VRRP VIPs <="),
    "STOP": ("Stopping", "=> VRRP Instance stopping <="),
    "DELETED": ("Deleted", "=> VRRP Deleted at reload <="),
}
GROUP_TEXT = {
    "MASTER": ("Entering MASTER state", "=> All VRRP group instances are now in MASTER state <="),
    "BACKUP": ("Entering BACKUP state", "=> All VRRP group instances are now in BACKUP state <="),
    "FAULT": ("Entering FAULT state", "=> All VRRP group instances are now in FAULT state <="),
    "STOP": ("Stopping", "=> All VRRP group instances are now stopping <="),
}
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def alert(router_id: str, kind: str, name: str, state: str) -> Mail | None:
    """keepalived's mail for ``kind`` (INSTANCE or GROUP) ``name`` entering ``state``."""
    texts = INSTANCE_TEXT if kind == "INSTANCE" else GROUP_TEXT
    if state not in texts:
        return None
    what, body = texts[state]
    noun = "VRRP Instance" if kind == "INSTANCE" else "VRRP Group"
    return Mail(f"[{router_id}] {noun} {name} - {what}", body)


def wanted(g: GlobalDefs, own: bool | None) -> bool:
    """smtp_alert of an instance or group, else global smtp_alert_vrrp, else smtp_alert."""
    if own is not None:
        return own
    if g.smtp_alert_vrrp is not None:
        return g.smtp_alert_vrrp
    return bool(g.smtp_alert)


class Mailer:
    """Sends mails one at a time on its own thread."""

    def __init__(self, g: GlobalDefs) -> None:
        self.g = g
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._queue: queue.Queue[Mail | None] = queue.Queue(QUEUE_LIMIT)
        self._thread: threading.Thread | None = None

    @property
    def router_id(self) -> str:
        """keepalived's router_id, the machine's name when not set."""
        return self.g.router_id or socket.gethostname()

    @property
    def enabled(self) -> bool:
        return bool(self.g.notification_email and self.g.smtp_server)

    def state_change(self, kind: str, name: str, state: str, own: bool | None) -> None:
        if not self.enabled or not wanted(self.g, own):
            return
        if state == "FAULT" and self.g.no_email_faults:
            return
        mail = alert(self.router_id, kind, name, state)
        if mail is not None:
            self.send(mail)

    def send(self, mail: Mail) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="smtp", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait(mail)
        except queue.Full:
            self.dropped += 1
            log.warning("smtp_alert: %d mails waiting; dropped: %s", QUEUE_LIMIT, mail.subject)

    def close(self, timeout: float = 2.0) -> None:
        """Let queued mails go for up to ``timeout`` seconds, then stop."""
        if self._thread is not None:
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                return
            self._thread.join(timeout)
            self._thread = None

    def _message(self, mail: Mail) -> EmailMessage:
        g = self.g
        msg = EmailMessage()
        msg["From"] = g.notification_email_from or f"keepalived@{socket.gethostname()}"
        msg["To"] = ", ".join(g.notification_email)
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.router_id)
        msg["X-Mailer"] = "pyvrrp (keepalived smtp_alert)"
        msg.set_content(mail.body + "\n")
        return msg

    def _run(self) -> None:
        g = self.g
        while (mail := self._queue.get()) is not None:
            assert g.smtp_server is not None
            try:
                with smtplib.SMTP(
                    g.smtp_server,
                    g.smtp_port,
                    local_hostname=g.smtp_helo_name,
                    timeout=g.smtp_connect_timeout,
                ) as smtp:
                    smtp.send_message(self._message(mail))
                self.sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                self.failed += 1
                log.warning(
                    "smtp_alert to %s:%d failed: %s (%s)",
                    g.smtp_server,
                    g.smtp_port,
                    exc,
                    mail.subject,
                )
