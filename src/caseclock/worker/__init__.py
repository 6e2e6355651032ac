"""The worker: the loops that fire timers (``loop``), wake on new ones (``listen``) and send
the outbox (``delivery``).

The adapters and renderers the loops use live below the services, in ``caseclock.channels``;
nothing below this package imports it.
"""
