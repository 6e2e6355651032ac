"""After a form: apply its change and go back to the page, with a message, or with the error
(and nothing written, the transaction rolled back) so the person can correct the form."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from caseclock.errors import CaseclockError


def applied(
    session: Session, page: str, change: Callable[[], None], done: str | Callable[[], str]
) -> RedirectResponse:
    """``done`` is the message, or makes it once the change is made (from what it made)."""
    try:
        change()
    except CaseclockError as exc:
        session.rollback()
        return RedirectResponse(f"{page}?{urlencode({'error': str(exc)})}", status_code=303)
    message = done if isinstance(done, str) else done()
    return RedirectResponse(f"{page}?{urlencode({'done': message})}", status_code=303)
