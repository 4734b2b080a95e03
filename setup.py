"""The optional C accelerator for the auth_hmac tag (pyvrrp/auth/_tagc.c).

Everything else is in pyproject.toml. The extension needs a C compiler, the
Python headers and OpenSSL's (Debian: build-essential python3-dev libssl-dev,
which scripts/setup.sh installs). Without them the build goes on and pyvrrp
uses the pure-Python tag (pyvrrp.auth.mac), which gives the same answers.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pyvrrp.auth._tagc",
            ["src/pyvrrp/auth/_tagc.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
