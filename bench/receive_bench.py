"""CPU per received advert in the daemon's pure receive path (no sockets).

``Instance.receive`` of a Backup: split → (auth_hmac) → decode → the virtual
router. Prints microseconds of this process's CPU per advert, best of 3.
Run: ``.venv/bin/python bench/receive_bench.py``.
"""

from __future__ import annotations

import argparse
import time
from ipaddress import ip_address

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import Secret
from pyvrrp.config import loads
from pyvrrp.daemon.instance import Instance
from pyvrrp.wire import Advert, encode, encode_pdu

KEY_HEX = "11" * 32
T0 = 1_800_000_000 * 10**9
CONF = """vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    version 3
{auth}
    virtual_ipaddress {{
        10.0.1.100/24
    }}
}}
"""
AUTH = f"""    auth_hmac {{
        key 1 hex:{KEY_HEX}
        active_key 1
    }}"""


def run(signed: bool, n: int) -> float:
    config = loads(CONF.format(auth=AUTH if signed else "")).config
    assert config is not None
    cfg = config.instances[0]
    src, dst = ip_address("10.0.1.1"), ip_address("224.0.0.18")
    advert = Advert(3, 4, 51, 200, 100, (ip_address("10.0.1.100"),))
    if signed:
        tx = HmacAuth(
            HmacSettings(keys={1: Secret(bytes.fromhex(KEY_HEX))}, active_key=1),
            family=4,
            version=3,
            vrid=51,
        )
        pdu = bytes(encode_pdu(advert))
        packets = [
            encode(advert, src=src, dst=dst, trailer=tx.sign(pdu, src, T0)) for _ in range(n)
        ]
    else:
        packets = [encode(advert, src=src, dst=dst)] * n
    best = float("inf")
    for _ in range(3):
        inst = Instance(cfg, ip_address("10.0.1.2"), 0.0)
        inst.router.start(0.0)
        now = 0.0
        t = time.process_time()
        for p in packets:
            now += 1.0
            inst.receive(p, src, dst, 255, now, T0)
        best = min(best, (time.process_time() - t) / n)
        assert inst.stats.adverts_received == n, inst.drops
    return best * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=50_000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 5_000 if args.quick else args.n
    print("receive path of a Backup, per advert (CPU µs of one core, best of 3)")
    print(f"  unsigned advert:   {run(False, n):6.1f} µs")
    print(f"  auth_hmac advert:  {run(True, n):6.1f} µs")


if __name__ == "__main__":
    main()
