"""pyvrrp: a VRRP daemon with keepalived-compatible auth_hmac authentication."""

__version__ = "0.1.0"
