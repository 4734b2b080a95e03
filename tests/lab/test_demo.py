"""`pyvrrp demo`, the README's first command, runs to the end and tells its story."""

from __future__ import annotations

import pytest

from pyvrrp.lab.demo import main

pytestmark = pytest.mark.lab


def test_demo(lab_ok) -> None:
    lines: list[str] = []
    assert main(out=lines.append) == 0, "\n".join(lines)
    text = "\n".join(lines)
    assert "blocked: no transition, the VIP stayed on p1" in text
    assert "rejected signed adverts during the rotation: 0" in text
    assert "the attack works without auth" in text
    assert "hex:" not in text  # the demo's keys are never shown
