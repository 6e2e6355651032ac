"""Inbound webhooks of helpdesks: sources, signatures and payloads mapped to events.

Pure: a delivery (headers, raw body) and the instant it arrived in, events or a refusal out.

- ``sources``: the configured sources (each its own path, vendor, secret and mapping).
- ``signatures``: each vendor's signature, checked in constant time; stale timestamps.
- ``adapters``: each vendor's payloads as caseclock events, or ``Unmappable`` with why.
"""
