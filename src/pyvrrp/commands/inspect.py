"""``pyvrrp inspect``: decode adverts from hex or a capture, and verify their trailer."""

from __future__ import annotations

import argparse
import json
import sys
import time
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings, default_time_window
from pyvrrp.auth.keys import KeyValueError, Secret, check_key_id, load_key
from pyvrrp.auth.outcome import AntiReplay, Mode
from pyvrrp.wire import DecodeError, decode, parse_ipv4, parse_trailer
from pyvrrp.wire.checksum import PROTO_VRRP
from pyvrrp.wire.ipv6 import parse_ipv6
from pyvrrp.wire.pcap import read_pcap
from pyvrrp.wire.vrrp import (
    AUTH_AH,
    AUTH_NONE,
    AUTH_PASS,
    ChecksumStyle,
    DecodedAdvert,
    checksum_style,
)

NAME = "inspect"
HELP = "decode VRRP adverts (hex or pcap) and verify their auth_hmac trailer"

IPAddr = IPv4Address | IPv6Address
_AUTH_NAMES = {AUTH_NONE: "none", AUTH_PASS: "PASS", AUTH_AH: "AH"}
_GROUPS = {4: ip_address("224.0.0.18"), 6: ip_address("ff02::12")}


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--hex", metavar="HEX", help="one advert: the VRRP PDU, or an IP packet")
    src.add_argument("--pcap", metavar="FILE", help="every VRRP advert in a pcap/pcapng file")
    p.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="ID:VALUE",
        help="a key to verify with (hex:..., ASCII or file:PATH); repeatable",
    )
    p.add_argument("--source", help="sender address, where the input has no IP header")
    p.add_argument("--dest", help="destination address, for checksums without an IP header")
    p.add_argument("--vrid", type=int, help="VRID to verify against (default: the packet's)")
    p.add_argument("--anti-replay", choices=("time", "monotonic"), default="time")
    p.add_argument("--window", type=int, help="time_window seconds (default max(3×interval, 5))")
    p.add_argument(
        "--now",
        help="clock for the freshness check: seconds since the epoch; default the "
        "capture time of each frame (pcap) or the wall clock (hex)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per advert, one a line")


class _Inputs(Exception):
    pass


def _parse_keys(specs: list[str]) -> dict[int, Secret]:
    keys: dict[int, Secret] = {}
    for spec in specs:
        kid_text, sep, value = spec.partition(":")
        if not sep or not kid_text.strip().isdigit():
            # Never echo the value: it is a secret.
            raise _Inputs("--key wants ID:VALUE with a numeric id (value not shown)")
        try:
            kid = check_key_id(int(kid_text))
            keys[kid] = load_key(value).secret
        except KeyValueError as exc:
            raise _Inputs(f"--key {kid_text}: {exc}") from None
    return keys


class _Verifier:
    """One HmacAuth per (family, version, vrid), so replay state carries from
    frame to frame as it would in a receiver."""

    def __init__(self, keys: dict[int, Secret], anti_replay: AntiReplay, window: int | None):
        self.keys = keys
        self.anti_replay = anti_replay
        self.window = window
        self.contexts: dict[tuple[int, int, int], HmacAuth] = {}

    def verify(self, d: DecodedAdvert, vrid: int, source: IPAddr, now_ns: int) -> str:
        a = d.advert
        ctx = self.contexts.get((a.family, a.version, vrid))
        if ctx is None:
            window = self.window or default_time_window(a.interval_cs / 100)
            settings = HmacSettings(
                keys=self.keys,
                active_key=None,
                anti_replay=self.anti_replay,
                time_window=window,
                mode=Mode.RECEIVE_ONLY,
            )
            ctx = HmacAuth(settings, family=a.family, version=a.version, vrid=vrid, lru_size=4096)
            self.contexts[(a.family, a.version, vrid)] = ctx
        return ctx.verify(d.pdu, d.trailer, source, now_ns).value


_GROUP4 = IPv4Address("224.0.0.18")


def _checksum_valid(d: DecodedAdvert, payload: bytes, src: IPAddr | None, dst: IPAddr | None):
    """(valid, style) of the checksum; valid is None when it cannot be told."""
    a = d.advert
    if a.family == 6 and (src is None or dst is None):
        return None, None
    whole = d.pdu if d.trailer is None else d.pdu + d.trailer
    # (keepalived 1.3.6's unicast checksum is told apart, with the default group)
    style = checksum_style(
        whole,
        d.pdu,
        version=a.version,
        family=a.family,
        src=src,
        dst=dst,
        old_unicast_group=_GROUP4,
    )
    if style is None:
        if a.family == 4 and a.version == 3 and dst is None:
            return None, None  # the pseudo-header needs the destination
        return False, None
    return True, style


def _report(
    d: DecodedAdvert,
    payload: bytes,
    *,
    src: IPAddr | None,
    dst: IPAddr | None,
    ttl: int | None,
    frame: int | None,
    verdict: str | None,
) -> dict[str, Any]:
    a = d.advert
    valid, style = _checksum_valid(d, payload, src, dst)
    trailer: dict[str, Any] | None = None
    if d.trailer is not None:
        t = parse_trailer(d.trailer)
        trailer = {
            "ext_type": t.ext_type,
            "key_id": t.key_id,
            "reserved": t.reserved,
            "sec": t.sec,
            "subsec": t.subsec,
            "ctr": t.ctr,
            "seq": f"{t.seq:016x}",
            "tag": t.tag.hex(),
        }
    out: dict[str, Any] = {
        "frame": frame,
        "family": a.family,
        "source": str(src) if src is not None else None,
        "destination": str(dst) if dst is not None else None,
        "ttl": ttl,
        "version": a.version,
        "vrid": a.vrid,
        "priority": a.priority,
        "advert_int": a.interval_cs / 100,
        "addresses": [str(x) for x in a.addresses],
        "checksum": f"0x{d.checksum:04x}",
        "checksum_valid": valid,
        "checksum_style": style.value if isinstance(style, ChecksumStyle) else None,
        "trailer": trailer,
        "verdict": verdict,
    }
    if a.version == 2:
        # The PASS password is never printed: it is a key too.
        out["auth_type"] = _AUTH_NAMES.get(a.auth_type, str(a.auth_type))
    if d.padding:
        out["padding"] = d.padding
    return out


def _human(r: dict[str, Any]) -> str:
    head = f"frame {r['frame']}: " if r["frame"] is not None else ""
    if "error" in r:
        return f"{head}error ({r['error']}): {r['message']}"
    ip = ""
    if r["source"]:
        ip = f"{r['source']} > {r['destination'] or '?'}"
        ip += f" ttl {r['ttl']}  " if r["ttl"] is not None else "  "
    csum = {True: "ok", False: "BAD", None: "unchecked"}[r["checksum_valid"]]
    if r["checksum_style"]:
        csum += f", {r['checksum_style']}"
    line = (
        f"{head}{ip}VRRPv{r['version']} vrid {r['vrid']} prio {r['priority']} "
        f"int {r['advert_int']:.2f}s addrs [{', '.join(r['addresses'])}] "
        f"csum {r['checksum']} ({csum})"
    )
    if r.get("auth_type") not in (None, "none"):
        line += f" auth {r['auth_type']}"
    t = r["trailer"]
    line += f" trailer key {t['key_id']} seq {t['seq']}" if t else " no trailer"
    if r["verdict"] is not None:
        line += f"  verdict {r['verdict']}"
    return line


def _split_ip(packet: bytes) -> tuple[int, IPAddr, IPAddr, int, bytes]:
    if packet[0] >> 4 == 4:
        h4, body = parse_ipv4(packet)
        if h4.protocol != PROTO_VRRP:
            raise DecodeError("not_vrrp", f"IP protocol {h4.protocol}, not 112")
        return 4, h4.src, h4.dst, h4.ttl, bytes(body)
    h6, body6 = parse_ipv6(packet)
    if h6.next_header != PROTO_VRRP:
        raise DecodeError("not_vrrp", f"IPv6 next header {h6.next_header}, not 112")
    return 6, h6.src, h6.dst, h6.hop_limit, bytes(body6)


def _is_vrrp(packet: bytes) -> bool:
    """Whether an IP packet is (at first sight) protocol 112; a malformed one
    counts as VRRP so that its error is reported."""
    try:
        _split_ip(packet)
    except DecodeError as exc:
        return exc.reason != "not_vrrp"
    return True


def _one(
    raw: bytes,
    *,
    args: argparse.Namespace,
    verifier: _Verifier | None,
    now_ns: int,
    frame: int | None,
    with_ip: bool,
) -> dict[str, Any]:
    src: IPAddr | None = ip_address(args.source) if args.source else None
    dst: IPAddr | None = ip_address(args.dest) if args.dest else None
    ttl = None
    try:
        if with_ip:
            family, psrc, pdst, ttl, payload = _split_ip(raw)
            src = src or psrc
            dst = dst or pdst
        else:
            family, payload = (src.version if src is not None else 4), raw
        d = decode(payload, family=family, check_checksum=False)
    except DecodeError as exc:
        return {"frame": frame, "error": exc.reason, "message": str(exc), "verdict": None}
    verdict = None
    if verifier is not None:
        if src is None:
            return {
                "frame": frame,
                "error": "no_source",
                "message": "verifying needs the sender's address: give --source",
                "verdict": None,
            }
        verdict = verifier.verify(d, args.vrid or d.advert.vrid, src, now_ns)
    return _report(d, payload, src=src, dst=dst, ttl=ttl, frame=frame, verdict=verdict)


def run(args: argparse.Namespace) -> int:
    try:
        keys = _parse_keys(args.key)
        for addr in (args.source, args.dest):
            if addr is not None:
                ip_address(addr)
        if args.vrid is not None and not 1 <= args.vrid <= 255:
            raise _Inputs(f"--vrid {args.vrid} out of range 1..255")
        if args.window is not None and not 1 <= args.window <= 300:
            raise _Inputs(f"--window {args.window} out of range 1..300")
        fixed_now = None if args.now is None else int(float(args.now) * 1e9)
    except ValueError as exc:
        print(f"pyvrrp inspect: {exc}", file=sys.stderr)
        return 2
    except _Inputs as exc:
        print(f"pyvrrp inspect: {exc}", file=sys.stderr)
        return 2
    verifier = _Verifier(keys, AntiReplay(args.anti_replay), args.window) if keys else None
    reports: list[dict[str, Any]] = []
    if args.hex is not None:
        try:
            raw = bytes.fromhex("".join(args.hex.split()))
        except ValueError:
            print("pyvrrp inspect: --hex is not hexadecimal", file=sys.stderr)
            return 2
        if not raw:
            print("pyvrrp inspect: --hex is empty", file=sys.stderr)
            return 2
        with_ip = raw[0] >> 4 in (4, 6)
        now = fixed_now if fixed_now is not None else time.time_ns()
        reports.append(
            _one(raw, args=args, verifier=verifier, now_ns=now, frame=None, with_ip=with_ip)
        )
    else:
        try:
            with open(args.pcap, "rb") as f:
                buf = f.read()
            frames = list(read_pcap(buf))
        except OSError as exc:
            print(f"pyvrrp inspect: {args.pcap}: {exc.strerror}", file=sys.stderr)
            return 2
        except DecodeError as exc:
            print(f"pyvrrp inspect: {args.pcap}: {exc}", file=sys.stderr)
            return 1
        for fr in frames:
            if fr.family is None or not fr.ip_packet:
                continue
            if not _is_vrrp(fr.ip_packet):
                continue  # other traffic in the capture is not ours to judge
            now = fixed_now if fixed_now is not None else int(fr.timestamp * 1e9)
            reports.append(
                _one(
                    fr.ip_packet,
                    args=args,
                    verifier=verifier,
                    now_ns=now,
                    frame=fr.index,
                    with_ip=True,
                )
            )
    for r in reports:
        print(json.dumps(r) if args.json else _human(r))
    if not reports:
        print("pyvrrp inspect: no VRRP advert found", file=sys.stderr)
        return 1
    return 1 if any("error" in r for r in reports) else 0
