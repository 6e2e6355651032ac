"""A typed Python client of caseclock's API (httpx), answering with the API's own schemas.

    from caseclock.client import CaseclockClient

    with CaseclockClient("https://caseclock.example.com", api_key) as client:
        outcome = client.post_events([{"id": "e-1", "record": "C-1", "type": "created",
                                       "at": "2026-03-09T10:00:00-04:00", "data": {}}])
        outcome.accepted, [r.status for r in outcome.results]
        client.record("C-1").milestones
        client.events("C-1")[0].type
        client.queue(at_risk=True, limit=20).items

A refused call raises ``ApiError`` with the problem details (status, title, detail and the
``errors`` naming each field); a server that cannot be reached raises ``httpx``'s own errors.
"""

from caseclock.client.http import ApiError, CaseclockClient

__all__ = ["ApiError", "CaseclockClient"]
