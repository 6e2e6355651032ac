"""The delivery channels: how an action reaches the outside world, below the services.

Renderers turn a trigger into what a channel carries: the webhook payload (``payloads``), a
Slack-compatible chat message (``chat``), an email from templates (``email``), in the shared
wording (``wording``). Adapters carry one attempt out and return a ``DeliveryOutcome``
(``outcome``): a signed webhook (``webhook``, ``signing``), a chat post, an SMTP send.
``backoff`` says when a failed attempt is tried again. Nothing here touches the database or
reads a clock: the caller passes ``now``. The services use this package; the worker's loops
(``caseclock.worker``) drive it.
"""
