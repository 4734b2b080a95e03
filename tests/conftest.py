"""Shared test fixtures: the test data kept in the repository (tests/data)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# `make mutate` (scripts/mutate.py) runs the unit tests hundreds of times, one
# mutant each: the same examples every run (a mutant is killed or not, never
# by luck) and no example database written into the scratch copy.
settings.register_profile("mutate", derandomize=True, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

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
