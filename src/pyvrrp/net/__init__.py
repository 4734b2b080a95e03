"""Linux plumbing: raw VRRP sockets, virtual addresses and routes, link state,
gratuitous ARP and unsolicited neighbour advertisements."""

from pyvrrp.net.addresses import AddressManager, VirtualAddress, VirtualRoute
from pyvrrp.net.announce import (
    Announcer,
    AnnounceSettings,
    garp_frame,
    master_schedule,
    refresh_schedule,
    unsolicited_na_frame,
)
from pyvrrp.net.errors import NetError
from pyvrrp.net.interfaces import (
    LinkWatcher,
    addresses,
    ifindex,
    interface_up,
    link_local,
    mac,
    mtu,
    primary_address,
)
from pyvrrp.net.sockets import (
    VRRP_GROUP4,
    VRRP_GROUP6,
    ReceivedPacket,
    VrrpSocket4,
    VrrpSocket6,
    open_socket,
)

__all__ = [
    "VRRP_GROUP4",
    "VRRP_GROUP6",
    "AddressManager",
    "AnnounceSettings",
    "Announcer",
    "LinkWatcher",
    "NetError",
    "ReceivedPacket",
    "VirtualAddress",
    "VirtualRoute",
    "VrrpSocket4",
    "VrrpSocket6",
    "addresses",
    "garp_frame",
    "ifindex",
    "interface_up",
    "link_local",
    "mac",
    "master_schedule",
    "mtu",
    "open_socket",
    "primary_address",
    "refresh_schedule",
    "unsolicited_na_frame",
]
