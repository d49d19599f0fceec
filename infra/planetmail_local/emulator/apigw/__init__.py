"""API Gateway emulator: HTTP API (payload 2.0) and REST API (payload 1.0) in front of functions."""
