"""Network-namespace lab toolkit for pyvrrp's demo and lab tests."""

from pyvrrp.lab.netns import (
    Capture,
    Lab,
    LabError,
    cleanup_stale,
    delete_namespace,
    inside,
    lab_available,
    list_namespaces,
    read_pcap,
)
from pyvrrp.lab.topology import Node, Routed, Segment, one_segment, routed_pair

__all__ = [
    "Capture",
    "Lab",
    "LabError",
    "Node",
    "Routed",
    "Segment",
    "cleanup_stale",
    "delete_namespace",
    "inside",
    "lab_available",
    "list_namespaces",
    "one_segment",
    "read_pcap",
    "routed_pair",
]
