"""A fixture that runs a test module twice: tags by the C extension and by
the pure-Python reference (pyvrrp.auth.mac)."""

from __future__ import annotations

import pytest

from pyvrrp.auth import mac


@pytest.fixture(autouse=True, scope="module", params=["c", "python"])
def tag_impl(request):
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "python":
            mp.setattr(mac, "ACCELERATED", False)
        elif not mac.ACCELERATED:
            pytest.skip("the C extension pyvrrp.auth._tagc is not loaded")
        yield request.param
