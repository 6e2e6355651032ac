"""A success action sends the customer a satisfaction survey: a ``csat_survey`` email over
real SMTP whose link opens the survey page for that milestone, and whose answer is kept once."""

from __future__ import annotations

import httpx
import pytest

from caseclock.core.policy import parse_bundle
from caseclock.services import csat_survey
from caseclock.services.policy import apply_bundle
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import POLICY, created, minutes, send, settings_for
from tests.worker.servers import SmtpSink


def test_the_success_email_carries_a_survey_link_that_works_once(
    db: Database, client: httpx.Client, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """The agent answers after 10 minutes; the worker fires the success and emails the
    customer a survey about the first response; the link in the email opens the survey,
    stores a 5 as a csat event, and then no longer works."""
    text = POLICY.read_text(encoding="utf-8").replace(
        "- {type: set_field, field: first_response_at, value: completed_at}",
        "- {type: csat_survey}",
    )
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(text), now=T0)
        session.commit()
    send(db.session_factory, T0, created("C-1", T0, contact_email="it@customer.example"))
    reply = {
        "id": "C-1-reply",
        "record": "C-1",
        "type": "comment",
        "at": (T0 + minutes(10)).isoformat(),
        "data": {"public": True, "author_role": "agent"},
    }
    send(db.session_factory, T0 + minutes(10), reply)
    worker = Worker(db.session_factory, settings_for(db.url, smtp_sink[1]), http=client)
    try:
        worker.run_once(T0 + minutes(11))
    finally:
        worker.close()
    [message] = smtp_sink[0].messages()
    assert message["To"] == "it@customer.example"
    assert str(message["Subject"]) == "How did we do with your case C-1?"
    body = message.get_body(("plain",))
    assert body is not None
    [link] = [w for w in body.get_content().split() if "/survey/" in w]
    token = link.rsplit("/", 1)[1]
    html = message.get_body(("html",))
    assert html is not None
    assert token in html.get_content()
    now = T0 + minutes(30)
    with db.session_factory() as session:
        survey = csat_survey.open_survey(session, token, now=now)
        assert (survey.claim.record, survey.claim.milestone) == ("C-1", "first_response")
        csat_survey.answer_survey(session, token, score=5, comment=None, now=now)
        session.commit()
    with (
        db.session_factory() as session,
        pytest.raises(csat_survey.SurveyUnusable, match="answered already"),
    ):
        csat_survey.open_survey(session, token, now=now)
