"""``python -m caseclock.cli``: the same as the ``caseclock`` command."""

from caseclock.cli.main import main

main()
