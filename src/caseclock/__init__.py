"""caseclock: a self-hosted SLA and milestone engine for B2B support teams."""

from caseclock.core.calendar import BusinessCalendar

__all__ = ["BusinessCalendar"]
__version__ = "0.1.0"
