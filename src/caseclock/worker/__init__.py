"""The worker: the timer loop (``loop``, ``listen``) and the adapters that carry actions out.

Adapters are plain functions over values: a signed webhook (``webhook``), a Slack-compatible chat
message (``chat``), SMTP email (``email``); each returns a ``DeliveryOutcome`` (``outcome``) that
the outbox turns into delivered, retry later (``backoff``) or dead-lettered. None reads a clock:
the loop passes ``now`` down.
"""
