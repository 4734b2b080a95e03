"""keepalived.conf's sections, one module each, read the way keepalived's own
parsers are built: one table per section mapping each keyword to a handler.

Every section module has

* ``KEYWORDS``: ``{keyword: handler}``, what pyvrrp implements. A handler is
  ``handler(ctx, node, target) -> None``: it reads one line (``node``) into
  ``target``, the section's values so far, and reports through ``ctx``
  (:class:`~.common.Ctx`); raising :class:`~.common.Fail` drops that line
  only. Aliases (``mcast_src_ip``, ``vrrp_notify_fifo``, ...) are entries
  naming the same handler.
* ``REFUSED``: ``{keyword: reason}``, every other keyword keepalived 2.4 takes
  there (and a few it takes elsewhere): read past with one "not implemented"
  warning giving the reason.
* ``parse(ctx, node)``: the block through :func:`~.common.dispatch`; any
  other keyword is unknown, with a hint when it belongs in another section.

The tables are the one source of what pyvrrp implements: ``keywords.py``
(``pyvrrp check --keywords``) reads them. ``auth`` has two (``auth_hmac`` and
``authentication``); ``addresses`` and ``tracking`` read the items of an
instance's address and track blocks.
"""

from __future__ import annotations

from collections.abc import Collection

from . import addresses, auth, global_defs, instance, script, sync_group, track_file, track_process

#: Where a keyword belongs, for "it belongs in ..." hints: the first that has it.
OWNERS: tuple[tuple[Collection[str], str], ...] = (
    (instance.KEYWORDS, "vrrp_instance"),
    (auth.AUTH_KEYWORDS, "an authentication block"),
    (auth.HMAC_KEYWORDS, "an auth_hmac block"),
    (script.KEYWORDS, "vrrp_script"),
    (track_file.KEYWORDS, "track_file"),
    (track_process.KEYWORDS, "vrrp_track_process"),
    (global_defs.KEYWORDS, "global_defs"),
)


def owner_of(keyword: str) -> str | None:
    for words, owner in OWNERS:
        if keyword in words:
            return owner
    return None


__all__ = [
    "OWNERS",
    "addresses",
    "auth",
    "global_defs",
    "instance",
    "owner_of",
    "script",
    "sync_group",
    "track_file",
    "track_process",
]
