"""The ``caseclock`` command line."""
