"""Lab fixtures: real network namespaces, skipped cleanly when unavailable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyvrrp.lab import Lab, cleanup_stale, lab_available, list_namespaces


@pytest.fixture(scope="session")
def lab_ok() -> None:
    """Skip unless we are root with `ip netns`; clear namespaces stale runs left."""
    reason = lab_available()
    if reason is not None:
        pytest.skip(f"lab tests: {reason}")
    cleanup_stale()


@pytest.fixture
def no_bpf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Daemons started by the test run without their sockets' BPF filter: the
    test holds the daemon's own checks and counters to account (the filter
    drops the same packets in the kernel, test_lab_bpf.py)."""
    monkeypatch.setenv("PYVRRP_NO_BPF", "1")


@pytest.fixture
def lab(lab_ok: None) -> Iterator[Lab]:
    """A fresh lab, torn down after the test whatever happens."""
    lb = Lab()
    try:
        yield lb
    finally:
        lb.close()
        leftover = [ns for ns in list_namespaces() if ns.startswith(lb.prefix + "-")]
        assert not leftover, f"namespaces left behind: {leftover}"
