"""Inbound connectors: a helpdesk's history read from files, and its webhooks, as events.

The modules here turn what a helpdesk exports or sends into caseclock's event envelope
(``core.events``). They read files and payloads and nothing else: no database, no clock (the
instant is a parameter), no network; the services store what they produce.

- ``mapping``: the mapping document (which column is the record id, the instant, the fields,
  how values map) and how one row is read with it.
- ``rows``: CSV and JSON Lines files read row by row, with their line numbers.
- ``snapshots``: exports with one snapshot row per update, diffed into events; and exports
  with one row per event, mapped directly.
- ``ordering``: rows sorted by record and instant in bounded memory (sorted runs on disk).
"""
