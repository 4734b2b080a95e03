"""Prometheus metrics from the status figures (prometheus-client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

STATES = ("INITIALIZE", "BACKUP", "MASTER", "FAULT")


class StatusCollector:
    def __init__(self, daemon: Any) -> None:
        self.daemon = daemon

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        st = self.daemon.status()
        labels = ["instance", "interface", "vrid", "family"]
        state = GaugeMetricFamily(
            "pyvrrp_state", "1 for the current state", labels=[*labels, "state"]
        )
        prio = GaugeMetricFamily("pyvrrp_priority", "effective priority", labels=labels)
        sent = CounterMetricFamily("pyvrrp_adverts_sent", "adverts sent", labels=labels)
        recv = CounterMetricFamily("pyvrrp_adverts_received", "adverts accepted", labels=labels)
        trans = CounterMetricFamily("pyvrrp_transitions", "state changes", labels=labels)
        auth = CounterMetricFamily(
            "pyvrrp_auth_outcomes", "auth_hmac outcomes", labels=[*labels, "outcome"]
        )
        drops = CounterMetricFamily("pyvrrp_drops", "dropped packets", labels=[*labels, "reason"])
        alarm = GaugeMetricFamily(
            "pyvrrp_auth_alarm",
            "1 while the auth_hmac key chain is in alarm (last key expired, all keys revoked)",
            labels=[*labels, "alarm"],
        )
        suppressed = CounterMetricFamily(
            "pyvrrp_adverts_suppressed", "adverts not sent: no key may sign", labels=labels
        )
        held = CounterMetricFamily(
            "pyvrrp_takeovers_held",
            "takeovers put off while the instance's socket was losing packets",
            labels=labels,
        )
        for i in st["instances"]:
            lv = [i["name"], str(i["interface"]), str(i["vrid"]), str(i["family"])]
            for s in STATES:
                state.add_metric([*lv, s], 1.0 if i["state"] == s else 0.0)
            prio.add_metric(lv, i["priority"])
            sent.add_metric(lv, i["adverts_sent"])
            recv.add_metric(lv, i["adverts_received"])
            trans.add_metric(lv, i["transitions"])
            for outcome, n in i["auth"].items():
                auth.add_metric([*lv, outcome], n)
            for reason, n in i["drops"].items():
                drops.add_metric([*lv, reason], n)
            for word in ("last_key_expired", "all_keys_revoked"):
                alarm.add_metric([*lv, word], 1.0 if i.get("auth_alarm") == word else 0.0)
            suppressed.add_metric(lv, i.get("adverts_suppressed", 0))
            held.add_metric(lv, i.get("takeovers_held", 0))
        yield from (state, prio, sent, recv, trans, auth, drops, alarm, suppressed, held)


def start_metrics(daemon: Any, addr: str) -> None:
    from prometheus_client import start_http_server
    from prometheus_client.core import CollectorRegistry

    host, _, port = addr.rpartition(":")
    registry = CollectorRegistry()
    registry.register(StatusCollector(daemon))
    start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)
