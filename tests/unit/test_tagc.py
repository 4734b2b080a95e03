"""The C tag (pyvrrp.auth._tagc) against the pure-Python reference.

The known-answer vectors, keepalived's captures and every auth test run with
both (tests/unit/tag_impl.py); here the two are held to the same answers on
random input, and the extension's edges are checked.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvrrp.auth.keys import Secret
from pyvrrp.auth.mac import PreparedKey

try:
    from pyvrrp.auth import _tagc
except ImportError:  # test_extension_is_built says why
    _tagc = None


def test_extension_is_built() -> None:
    """scripts/setup.sh installs a compiler and OpenSSL's headers, so the
    accelerator is there wherever the README's commands ran."""
    try:
        importlib.import_module("pyvrrp.auth._tagc")
    except ImportError as exc:  # pragma: no cover - the message is the point
        pytest.fail(
            f"the C extension pyvrrp.auth._tagc was not built ({exc}); "
            "run scripts/setup.sh (build-essential, python3-dev, libssl-dev)"
        )


def _pair(key: bytes) -> tuple[PreparedKey, PreparedKey]:
    c = PreparedKey(7, Secret(key), accel=True)
    p = PreparedKey(7, Secret(key), accel=False)
    if _tagc is None:
        pytest.skip("the C extension is not loaded")
    # Loaded and asked for, the extension must be used: a silent fallback to
    # the reference would make these comparisons Python against Python.
    assert c.accel is True and p.accel is False
    return c, p


def _reference(key: bytes, pseudo: bytes, pdu: bytes, head: bytes) -> bytes:
    """The tag straight from the spec, with the standard library's hmac."""
    msg = pseudo + pdu[:6] + b"\0\0" + pdu[8:] + head + bytes(16)
    return hmac.digest(key, msg, "sha256")[:16]


@settings(max_examples=300, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=100),
    pseudo=st.binary(min_size=20, max_size=20),
    pdu=st.binary(min_size=8, max_size=1024),
    head=st.binary(min_size=12, max_size=12),
    tag=st.binary(min_size=16, max_size=16),
)
def test_c_and_python_agree(key, pseudo, pdu, head, tag) -> None:
    c, p = _pair(key)
    want = _reference(key, pseudo, pdu, head)
    assert c.sign(pseudo, pdu, head) == p.sign(pseudo, pdu, head) == want
    good = head + want
    assert c.check(pseudo, pdu, good) is p.check(pseudo, pdu, good) is True
    other = head + tag
    assert c.check(pseudo, pdu, other) is p.check(pseudo, pdu, other) is (tag == want)
    msg = pseudo + pdu
    assert c.tag(msg) == p.tag(msg) == hmac.digest(key, msg, "sha256")[:16]


@settings(max_examples=100, deadline=None)
@given(pdu=st.binary(min_size=8, max_size=64), bit=st.integers(0, 8 * (20 + 64 + 28) - 1))
def test_every_bit_outside_the_checksum_counts(pdu, bit) -> None:
    key = bytes(range(32))
    c, _ = _pair(key)
    pseudo = bytes(range(20))
    head = bytes(range(100, 112))
    trailer = head + c.sign(pseudo, pdu, head)
    whole = bytearray(pseudo + pdu + trailer)
    bit %= 8 * len(whole)
    whole[bit // 8] ^= 1 << (bit % 8)
    ps, rest = bytes(whole[:20]), bytes(whole[20:])
    pd, tr = rest[: len(pdu)], rest[len(pdu) :]
    in_checksum = 20 + 6 <= bit // 8 < 20 + 8
    assert c.check(ps, pd, tr) is in_checksum, bit


def test_long_keys_are_hashed_first() -> None:
    key = bytes(range(90))
    c, p = _pair(key)
    assert c.tag(b"x") == p.tag(b"x") == hmac.digest(key, b"x", "sha256")[:16]
    with pytest.raises(ValueError, match="at most 64"):
        _tagc.Key(key)  # the raw extension wants the RFC 2104 block at most


def test_bad_arguments_are_refused_with_a_clear_error() -> None:
    c, p = _pair(bytes(32))
    pseudo, pdu, trailer = bytes(20), bytes(8), bytes(28)
    for k in (c, p):
        with pytest.raises(ValueError):
            k.check(pseudo, bytes(7), trailer)
        with pytest.raises(ValueError):
            k.check(pseudo, pdu, bytes(27))
        with pytest.raises(ValueError):
            k.sign(pseudo, pdu, bytes(28))
    with pytest.raises(TypeError):
        c.check(pseudo, bytearray(pdu), trailer)
    with pytest.raises(TypeError):
        c.check(pseudo, pdu)  # type: ignore[call-arg]


def test_no_key_bytes_escape() -> None:
    key = b"K" * 32
    c, _ = _pair(key)
    ck = _tagc.Key(key)
    assert "K" * 8 not in repr(ck)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(ck)
    assert "KKKK" not in repr(c)
    # the object holds no Python copy of the key
    assert not hasattr(ck, "__dict__")


def test_environment_switch_turns_the_extension_off() -> None:
    import subprocess
    import sys

    code = "from pyvrrp.auth import mac; print(mac.ACCELERATED)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYVRRP_PURE_TAG": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_accelerated_key_keeps_its_hashlib_states() -> None:
    """A PreparedKey backed by the extension still holds the right hashlib
    inner state (``tag()`` and bench/ use it)."""
    key = bytes(range(40))
    c, _ = _pair(key)
    inner = hashlib.sha256(key.ljust(64, b"\0").translate(bytes(x ^ 0x36 for x in range(256))))
    assert c.inner.digest() == inner.digest()
