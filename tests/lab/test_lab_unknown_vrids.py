"""log_unknown_vrids on real nodes: adverts for a VRID the interface does not
run are logged (rate-limited) with it, and silently ignored without it."""

from __future__ import annotations

import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def test_adverts_for_unknown_vrids_are_logged_only_when_asked(lab) -> None:
    seg = one_segment(lab, 3)
    a, b, c = (PyvrrpNode(lab, n) for n in seg.nodes)
    a.start("global_defs {\n    log_unknown_vrids\n}\n" + instance_config(advert_int=0.5))
    b.start(instance_config(advert_int=0.5))
    c.start(instance_config(vrid=52, vips=("10.0.1.101/24",), advert_int=0.5))
    wait_for(lambda: c.state() == "MASTER", 5)
    line = f"advert for VRID 52, not configured here, from {seg.nodes[2].ipv4.ip}"
    wait_for(lambda: line in a.log(), 5)
    time.sleep(1.5)  # three more adverts: still one line (rate-limited)
    assert a.log().count(line) == 1
    assert "not configured here" not in b.log()
