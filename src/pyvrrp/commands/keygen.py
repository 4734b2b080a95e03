"""``pyvrrp keygen``: a new auth_hmac key from the operating system's CSPRNG.

* no option: prints ``hex:<64 digits>`` (pipe it, do not paste it in a chat);
* ``--out FILE``: creates FILE (never overwrites: ``O_EXCL``), mode 0600
  whatever the umask, writes the key there and prints only the config line
  ``key <id> file:FILE``;
* ``--systemd-creds NAME``: prints the commands that seal a fresh key into a
  systemd encrypted credential (the key goes from ``pyvrrp keygen`` straight
  into ``systemd-creds encrypt`` and is never shown) and the matching
  ``key <id> file:${_ENV CREDENTIALS_DIRECTORY}/NAME`` line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shlex
import sys

from pyvrrp.auth.keys import KEY_MAX_LEN, KEY_MIN_LEN

NAME = "keygen"
HELP = "generate a random auth_hmac key (hex:...), optionally into a new 0600 file"

CREDSTORE = "/etc/credstore.encrypted"
_CRED_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _int_in(lo: int, hi: int, what: str) -> object:
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be {lo}..{hi}")
        return value

    return parse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bytes",
        type=_int_in(KEY_MIN_LEN, KEY_MAX_LEN, "--bytes"),  # type: ignore[arg-type]
        default=32,
        metavar="N",
        help=f"key length in bytes ({KEY_MIN_LEN}..{KEY_MAX_LEN}, default 32)",
    )
    p.add_argument(
        "--id",
        type=_int_in(1, 255, "--id"),  # type: ignore[arg-type]
        default=1,
        metavar="N",
        help="key id used in the printed config line (default 1)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--out",
        metavar="FILE",
        help="write the key to a NEW file of mode 0600 and print the config line instead",
    )
    where.add_argument(
        "--systemd-creds",
        metavar="NAME",
        help="print the systemd-creds commands and config line for credential NAME",
    )


def new_key(nbytes: int) -> str:
    return "hex:" + secrets.token_bytes(nbytes).hex()


def write_key_file(path: str, text: str) -> None:
    """Create ``path`` exclusively with mode 0600 (umask-independent) and write ``text``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may have removed bits from the 0600 above
        data = (text + "\n").encode("ascii")
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def systemd_creds_lines(name: str, key_id: int, nbytes: int) -> list[str]:
    target = f"{CREDSTORE}/{name}"
    return [
        "# As root. The key goes from pyvrrp keygen straight into the encrypted",
        "# credential (sealed to the TPM or host key); it is never shown or stored in clear.",
        f"install -d -m 0700 {CREDSTORE}",
        f"umask 077; pyvrrp keygen --bytes {nbytes} | "
        f"systemd-creds encrypt --name={name} - {shlex.quote(target)}",
        "# In the service unit ([Service] section):",
        f"#   LoadCredentialEncrypted={name}:{target}",
        "# In the auth_hmac block:",
        f"key {key_id} file:${{_ENV CREDENTIALS_DIRECTORY}}/{name}",
    ]


def run(args: argparse.Namespace) -> int:
    if args.systemd_creds is not None:
        if not _CRED_NAME.match(args.systemd_creds):
            print(
                "pyvrrp keygen: --systemd-creds NAME must be 1 to 64 letters, digits, '_', '.' "
                "or '-'",
                file=sys.stderr,
            )
            return 2
        print("\n".join(systemd_creds_lines(args.systemd_creds, args.id, args.bytes)))
        return 0
    key = new_key(args.bytes)
    if args.out is None:
        print(key)
        return 0
    try:
        write_key_file(args.out, key)
    except FileExistsError:
        print(f"pyvrrp keygen: {args.out} exists; refusing to overwrite it", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"pyvrrp keygen: cannot create {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    path = os.path.abspath(args.out)
    print(f"key {args.id} file:{path}")
    return 0
