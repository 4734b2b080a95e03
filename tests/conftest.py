"""Shared test fixtures: the test data kept in the repository (tests/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
VECTORS = DATA / "vectors" / "auth_hmac.json"
CAPTURES = DATA / "captures"
CONFIGS = DATA / "configs"
# keepalived's own documentation samples, when a checkout has them beside the
# repository (the project's development machines): only ever an extra run of
# tests that already pass on tests/data/configs.
OPTIONAL_SAMPLES = REPO.parent / "shared" / "configs"


@pytest.fixture(scope="session")
def data() -> Path:
    """tests/data: the draft's vectors, keepalived 2.4.3's captures, config fixtures."""
    return DATA
