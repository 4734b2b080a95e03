"""A classic BPF filter on each VRRP socket: adverts that cannot be valid never
reach Python (``SO_ATTACH_FILTER``, rebuilt on every start and reload).

The filter drops only what the daemon itself would drop, for the instance
that serves the advert's VRID on that socket (one per VRID per socket):

* not a VRRP advertisement (type 1), or a version the instance does not run;
* a VRID no instance on the socket serves (unless ``log_unknown_vrids``);
* sent to a multicast group with a TTL / hop limit other than 255
  (RFC 9568 7.1), or unicast below the instance's ``min_ttl``;
* a length no advert has (shorter than the 8-byte header, longer than 255
  addresses, a v2 header, authentication data and a trailer); in auth_hmac
  ``enforce`` mode, no room for the 28-byte trailer;
* for a unicast instance, a source that is not one of its peers.

The kernel keeps no count of what a socket filter drops, so the filter lets
one in ``sample`` of the packets it would drop through (its random number
generator): the daemon drops those itself, under their reasons, and its drop
counters show an attack at 1/``sample`` of its rate.

IPv4 raw sockets see the IP header at offset 0; IPv6 raw sockets see the
VRRP message at offset 0 and the IPv6 header through ``SKF_NET_OFF``.
:func:`run` is a classic BPF interpreter for the tests (the subset used).
"""

from __future__ import annotations

import ctypes
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address

SO_ATTACH_FILTER = 26
SKF_AD_OFF = -0x1000
SKF_AD_RANDOM = 56
SKF_NET_OFF = -0x100000

# opcodes (linux/filter.h, linux/bpf_common.h)
LD_B_ABS, LD_H_ABS, LD_W_ABS = 0x30, 0x28, 0x20
LD_B_IND, LD_H_IND = 0x50, 0x48
LDX_B_MSH = 0xB1
LD_MEM, ST, LDX_MEM = 0x60, 0x02, 0x61
LD_IMM, LD_LEN = 0x00, 0x80
ALU_AND_K, ALU_RSH_K, ALU_SUB_X = 0x54, 0x74, 0x1C
JEQ_K, JGT_K, JGE_K, JA = 0x15, 0x25, 0x35, 0x05
RET_K = 0x06
TAX = 0x07

ACCEPT = 0xFFFFFFFF
TRAILER = 28
#: the longest advert: a v2 header, 255 addresses, v2's authentication
#: data (8) and an auth_hmac trailer
MAX_LEN = {4: 8 + 255 * 4 + 8 + TRAILER, 6: 8 + 255 * 16 + TRAILER}

Insn = tuple[int, int, int, int]  # (code, jt, jf, k)


@dataclass(frozen=True)
class VridRule:
    """What one instance accepts (the checks the daemon makes first)."""

    vrid: int
    version: int
    #: unicast peers (None: any source, a multicast instance)
    peers: frozenset[IPv4Address | IPv6Address] | None = None
    min_ttl: int | None = None
    #: auth_hmac enforce: an advert without a trailer is refused
    needs_trailer: bool = False


@dataclass(frozen=True)
class SocketSpec:
    family: int
    rules: tuple[VridRule, ...] = ()
    #: pass adverts for VRIDs nobody serves (log_unknown_vrids logs them)
    pass_unknown: bool = False
    #: one in ``sample`` of the packets the filter would drop goes through
    sample: int = 16384
    extra: dict[str, int] = field(default_factory=dict)


class _Prog:
    """Instructions with symbolic jump targets, resolved at the end."""

    def __init__(self) -> None:
        self.code: list[list[object]] = []
        self.labels: dict[str, int] = {}

    def emit(self, code: int, k: int | str = 0, jt: str | int = 0, jf: str | int = 0) -> None:
        self.code.append([code, jt, jf, k])

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def _rel(self, i: int, target: object) -> int:
        if isinstance(target, int):
            return target
        d = self.labels[str(target)] - i - 1
        if not 0 <= d <= 255:
            raise ValueError(f"jump to {target} out of range ({d})")
        return d

    def resolve(self) -> list[Insn]:
        out: list[Insn] = []
        for i, (code, jt, jf, k) in enumerate(self.code):
            if code == JA and isinstance(k, str):
                out.append((JA, 0, 0, self.labels[k] - i - 1))
            else:
                out.append((int(code), self._rel(i, jt), self._rel(i, jf), int(k)))  # type: ignore[call-overload]
        return out


def compile_filter(spec: SocketSpec) -> list[Insn]:
    """The program for one socket (see the module's docstring). When the
    unicast sources of many instances would make it longer than the kernel
    takes (4096 instructions), the source checks are left to the daemon."""
    prog = _compile(spec, with_peers=True)
    if len(prog) > MAX_INSNS:
        prog = _compile(spec, with_peers=False)
    return prog


MAX_INSNS = 4096


def _compile(spec: SocketSpec, *, with_peers: bool) -> list[Insn]:
    p = _Prog()
    v4 = spec.family == 4
    # M[0] the VRRP message's length, M[1] the TTL / hop limit
    if v4:
        p.emit(LD_B_ABS, 0)
        p.emit(ALU_AND_K, 0xF0)
        p.emit(JEQ_K, 0x40, 0, "drop")
        p.emit(LDX_B_MSH, 0)  # X = the IP header's length
        p.emit(LD_H_ABS, 2)  # total length
        p.emit(ALU_SUB_X)
        p.emit(ST, 0)
        p.emit(LD_B_ABS, 8)  # TTL
        p.emit(ST, 1)
        p.emit(LD_B_ABS, 16)  # the destination's first octet
        p.emit(ALU_AND_K, 0xF0)
        p.emit(JEQ_K, 0xE0, 0, "hdr")
    else:
        p.emit(LD_LEN)  # the packet: the VRRP message
        p.emit(ST, 0)
        p.emit(LD_B_ABS, SKF_NET_OFF + 7)  # hop limit
        p.emit(ST, 1)
        p.emit(LD_B_ABS, SKF_NET_OFF + 24)  # the destination's first octet
        p.emit(JEQ_K, 0xFF, 0, "hdr")
    # Sent to a group: TTL / hop limit 255 (RFC 9568 7.1), whoever serves it.
    p.emit(LD_MEM, 1)
    p.emit(JEQ_K, 255, 0, "drop")
    p.label("hdr")
    p.emit(LD_MEM, 0)
    p.emit(JGE_K, 8, 0, "drop")
    p.emit(JGT_K, MAX_LEN[spec.family], "drop", 0)
    rules = spec.rules
    versions = {r.version for r in rules}
    trailers = {r.needs_trailer for r in rules}
    if trailers == {True}:
        p.emit(JGE_K, 8 + TRAILER, 0, "drop")
    load_b = LD_B_IND if v4 else LD_B_ABS  # the VRRP header is at X (IPv4) or 0
    p.emit(load_b, 0)
    p.emit(ALU_AND_K, 0x0F)
    p.emit(JEQ_K, 1, 0, "drop")  # type 1: an advertisement
    if len(versions) == 1:
        p.emit(load_b, 0)
        p.emit(ALU_RSH_K, 4)
        p.emit(JEQ_K, next(iter(versions)), 0, "drop")
    p.emit(load_b, 1)  # the VRID: to its instance's block
    bodies: dict[tuple[object, ...], str] = {}
    blocks: list[tuple[str, VridRule]] = []
    for r in rules:
        body = (
            r.version if len(versions) > 1 else None,
            r.min_ttl,
            r.needs_trailer if len(trailers) > 1 else None,
            r.peers if with_peers else None,
        )
        name = bodies.get(body)
        if name is None:
            name = bodies[body] = f"b{len(bodies)}"
            blocks.append((name, r))
        p.emit(JEQ_K, r.vrid, 0, 1)
        p.emit(JA, name)
    if spec.pass_unknown:
        p.emit(RET_K, ACCEPT)
    else:
        p.emit(JA, "drop")
    for name, r in blocks:
        p.label(name)
        if len(versions) > 1:
            p.emit(load_b, 0)
            p.emit(ALU_RSH_K, 4)
            p.emit(JEQ_K, r.version, 0, "drop")
        if r.min_ttl is not None:
            # (unicast only: a group's adverts came with 255, checked above)
            p.emit(LD_MEM, 1)
            p.emit(JGE_K, r.min_ttl, 0, "drop")
        if len(trailers) > 1 and r.needs_trailer:
            p.emit(LD_MEM, 0)
            p.emit(JGE_K, 8 + TRAILER, 0, "drop")
        if with_peers and r.peers is not None:
            _sources(p, spec.family, r)
        p.emit(RET_K, ACCEPT)
    p.label("drop")
    sample = max(1, spec.sample)
    if sample & (sample - 1):
        raise ValueError("sample must be a power of two")
    p.emit(LD_W_ABS, SKF_AD_OFF + SKF_AD_RANDOM)
    p.emit(ALU_AND_K, sample - 1)
    p.emit(JEQ_K, 0, 0, 1)
    p.emit(RET_K, ACCEPT)  # the sampled one: the daemon counts it
    p.emit(RET_K, 0)
    return _fix_far_jumps(p)


def _sources(p: _Prog, family: int, r: VridRule) -> None:
    """Accept only a configured peer as the source (unicast)."""
    assert r.peers is not None
    tag = f"s{r.vrid}"
    for n, peer in enumerate(sorted(r.peers, key=int)):
        words = struct.unpack("!4I", peer.packed) if family == 6 else (int(peer),)
        nxt = f"{tag}_{n + 1}"
        for w, word in enumerate(words):
            off = 12 if family == 4 else SKF_NET_OFF + 8 + 4 * w
            p.emit(LD_W_ABS, off)
            last = w == len(words) - 1
            p.emit(JEQ_K, word, f"{tag}_ok" if last else 0, nxt)
        p.label(nxt)
    p.emit(JA, "drop")
    p.label(f"{tag}_ok")


def _fix_far_jumps(p: _Prog) -> list[Insn]:
    """Resolve labels; a conditional jump further than 255 instructions goes
    through a JA placed after the jump (rewriting until everything fits)."""
    while True:
        try:
            return p.resolve()
        except ValueError:
            pass
        # Turn the first out-of-range conditional target into a trampoline.
        labels = p.labels
        for i, ins in enumerate(p.code):
            _code, jt, jf, _k = ins
            for slot, target in ((1, jt), (2, jf)):
                if isinstance(target, str) and labels[target] - i - 1 > 255:
                    tramp = f"t{i}_{slot}"
                    ins[slot] = tramp
                    # After the jump: "skip over me unless I am the way".
                    _insert(p, i + 1, [[JA, 0, 0, 1], [JA, 0, 0, target]], tramp, 1)
                    break
            else:
                continue
            break
        else:  # pragma: no cover - nothing found out of range
            raise ValueError("cannot place far jumps")


def _insert(p: _Prog, at: int, insns: list[list[object]], label: str, offset: int) -> None:
    p.code[at:at] = insns
    for name, pos in list(p.labels.items()):
        if pos >= at:
            p.labels[name] = pos + len(insns)
    p.labels[label] = at + offset


def attach(sock: socket.socket, prog: list[Insn]) -> None:
    """Attach ``prog`` to ``sock`` (replacing any filter it had)."""
    buf = (ctypes.c_uint8 * (8 * len(prog)))()
    for i, (code, jt, jf, k) in enumerate(prog):
        struct.pack_into("=HBBI", buf, 8 * i, code, jt, jf, k & 0xFFFFFFFF)
    fprog = struct.pack("HL", len(prog), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


def rules_of(instances: Iterable[object]) -> tuple[VridRule, ...]:
    """The rules of daemon Instances (duck-typed: ``cfg``, ``auth``)."""
    out = []
    for inst in instances:
        cfg = inst.cfg  # type: ignore[attr-defined]
        auth = inst.auth  # type: ignore[attr-defined]
        # A mode that takes unsigned adverts takes them from anyone (auth_hmac's
        # migration modes); otherwise a unicast instance hears its peers only.
        strict = auth is None or not auth.mode.accepts_missing
        out.append(
            VridRule(
                vrid=cfg.vrid,
                version=cfg.version,
                peers=frozenset(cfg.unicast_peers) if cfg.unicast and strict else None,
                min_ttl=cfg.min_ttl,
                needs_trailer=auth is not None and not auth.mode.accepts_missing,
            )
        )
    return tuple(sorted(out, key=lambda r: r.vrid))


# -- an interpreter of the subset above, for the tests --------------------------------


def run(prog: list[Insn], packet: bytes, *, net: bytes = b"", rand: int = 1) -> int:
    """Run ``prog`` on ``packet`` (``net``: the IPv6 header behind
    SKF_NET_OFF); returns the length it accepts, 0 for a drop. A load past
    the end drops, as in the kernel."""
    a = x = 0
    mem = [0] * 16
    pc = 0

    def load(off: int, size: int) -> int:
        if off == SKF_AD_OFF + SKF_AD_RANDOM:
            return rand
        data, o = (net, off - SKF_NET_OFF) if off < SKF_AD_OFF else (packet, off)
        if o < 0 or o + size > len(data):
            raise IndexError
        return int.from_bytes(data[o : o + size], "big")

    while True:
        code, jt, jf, k = prog[pc]
        pc += 1
        try:
            if code == LD_B_ABS:
                a = load(k, 1)
            elif code == LD_H_ABS:
                a = load(k, 2)
            elif code == LD_W_ABS:
                a = load(k, 4)
            elif code == LD_B_IND:
                a = load(x + k, 1)
            elif code == LD_H_IND:
                a = load(x + k, 2)
            elif code == LDX_B_MSH:
                x = (load(k, 1) & 0x0F) * 4
            elif code == LD_LEN:
                a = len(packet)
            elif code == LD_IMM:
                a = k
            elif code == LD_MEM:
                a = mem[k]
            elif code == LDX_MEM:
                x = mem[k]
            elif code == ST:
                mem[k] = a
            elif code == TAX:
                x = a
            elif code == ALU_AND_K:
                a &= k
            elif code == ALU_RSH_K:
                a >>= k
            elif code == ALU_SUB_X:
                a = (a - x) & 0xFFFFFFFF
            elif code == JA:
                pc += k
            elif code == JEQ_K:
                pc += jt if a == k else jf
            elif code == JGT_K:
                pc += jt if a > k else jf
            elif code == JGE_K:
                pc += jt if a >= k else jf
            elif code == RET_K:
                return k
            else:  # pragma: no cover
                raise ValueError(f"opcode {code:#x} not interpreted")
        except IndexError:
            return 0
