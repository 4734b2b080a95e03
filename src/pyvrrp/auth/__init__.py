"""auth_hmac: keys, signing, verification and replay state (the clock is passed in)."""
