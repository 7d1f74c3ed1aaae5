"""Local servers the examples talk to (loopback only)."""
