"""Repositories: every query of caseclock lives in this package, one module per concern."""
