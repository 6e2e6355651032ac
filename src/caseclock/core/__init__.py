"""The pure core: calendars, policies, events and milestone evaluation.

Nothing in this package does I/O, reads a clock or imports the store, the API or the worker;
``tests/test_architecture.py`` checks that.
"""
