"""Customer satisfaction: answers credited to the milestone's team and agent, CSAT by
milestone, tier, team, agent and week within the reader's scope, and survey links that are
signed, single-use and expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseclock.core.csat import satisfied, share
from caseclock.errors import NotFound, ValidationFailed
from caseclock.services import csat_survey
from caseclock.services.access import Principal, Role
from caseclock.services.csat import csat_report
from caseclock.services.csat_links import Claim, SurveyLinks, sign, survey_key, verify
from caseclock.store.models import CsatRow, EventRow
from tests.conftest import Database
from tests.services.review_setup import NOW, at, build

ADMIN = Principal(key_id=1, name="admin", role=Role.ADMIN)
SECRET = b"test-secret"


def _claim(**changes: object) -> Claim:
    values: dict[str, object] = {
        "record": "R-LATE",
        "milestone": "resolution",
        "cycle": 1,
        "scale": 5,
        "expires": NOW + timedelta(days=14),
        "nonce": "n1",
    }
    values.update(changes)
    return Claim(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "scale", "happy", "part"),
    [
        (5, 5, True, 1.0),
        (4, 5, True, 0.75),
        (3, 5, False, 0.5),
        (1, 5, False, 0.0),
        (9, 10, True, 8 / 9),
        (8, 10, False, 7 / 9),
        (2, 2, True, 1.0),
        (2, 3, False, 0.5),
    ],
)
def test_satisfied_is_the_top_two_points_of_a_scale(
    score: int, scale: int, happy: bool, part: float
) -> None:
    """4 and 5 of 5 are satisfied, 9 and 10 of 10; a 2- or 3-point scale's top point only."""
    assert satisfied(score, scale) is happy
    assert share(score, scale) == pytest.approx(part)


def test_a_token_carries_its_claim_and_a_tampered_one_is_refused() -> None:
    """What was signed reads back; a changed payload, a changed signature, another key, a
    truncated token or one of another version is refused as unknown."""
    claim = _claim()
    token = sign(SECRET, claim)
    assert verify(SECRET, token) == claim
    version, body, mac = token.split(".")
    forged = sign(b"another key", _claim(record="R-VIOL")).split(".")[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    for bad in (
        f"{version}.{forged}.{mac}",
        f"{version}.{flipped}.{mac}",
        f"{version}.{body}.{mac[:-1]}",
        f"{version}.{body}",
        f"v2.{body}.{mac}",
        "not a token",
    ):
        with pytest.raises(NotFound, match="not one caseclock made"):
            verify(SECRET, bad)
    with pytest.raises(NotFound):
        verify(b"another key", token)


def _link(db: Database, **claim: object) -> str:
    with db.session_factory() as session:
        token = sign(survey_key(session, now=NOW), _claim(**claim))
        session.commit()
        return token


def test_a_survey_link_works_once(db: Database) -> None:
    """The first answer is stored as a csat event from the survey, credited to the rated
    milestone's team and agent; the same link then says it was answered, on opening and on
    answering again, and nothing more is stored."""
    build(db.session_factory)
    token = _link(db)
    with db.session_factory() as session:
        survey = csat_survey.open_survey(session, token, now=NOW)
        assert survey.milestone_name == "Resolution"
        csat_survey.answer_survey(session, token, score=4, comment=" quick fix ", now=NOW)
        session.commit()
    with db.session_factory() as session:
        with pytest.raises(csat_survey.SurveyUnusable, match="answered already"):
            csat_survey.open_survey(session, token, now=NOW)
        with pytest.raises(csat_survey.SurveyUnusable, match="answered already"):
            csat_survey.answer_survey(session, token, score=1, comment=None, now=NOW)
        stored = session.query(EventRow).filter(EventRow.type == "csat").all()
        [answer] = [e for e in stored if e.source == "survey"]
        assert answer.data == {
            "score": 4,
            "scale": 5,
            "milestone": "resolution",
            "cycle": 1,
            "comment": "quick fix",
        }
        row = session.query(CsatRow).filter(CsatRow.source == "survey").one()
        assert (row.team, row.owner, row.tier, row.account_id) == ("L2", "ana", None, "acme")
        assert (row.satisfied, row.share) == (True, 0.75)


def test_a_survey_link_expires(db: Database) -> None:
    """A link opened at its expiry instant, or later, is refused, and no answer is stored."""
    build(db.session_factory)
    token = _link(db, expires=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=1)
    with db.session_factory() as session:
        with pytest.raises(csat_survey.SurveyUnusable, match="expired"):
            csat_survey.open_survey(session, token, now=later)
        with pytest.raises(csat_survey.SurveyUnusable, match="expired"):
            csat_survey.answer_survey(session, token, score=5, comment=None, now=later)
        assert session.query(CsatRow).filter(CsatRow.source == "survey").count() == 0


def test_a_score_outside_the_scale_or_a_forged_link_stores_nothing(db: Database) -> None:
    """A score of 6 on a 5-point link is refused naming the scale; a link signed with another
    key is unknown; neither stores an answer."""
    build(db.session_factory)
    token = _link(db)
    with db.session_factory() as session:
        with pytest.raises(ValidationFailed, match="from 1 to 5"):
            csat_survey.answer_survey(session, token, score=6, comment=None, now=NOW)
        forged = sign(b"guessed", _claim())
        with pytest.raises(NotFound):
            csat_survey.answer_survey(session, forged, score=5, comment=None, now=NOW)
        assert session.query(CsatRow).filter(CsatRow.source == "survey").count() == 0


def test_links_are_made_with_the_installation_key(db: Database) -> None:
    """A firing's link opens on the survey page: same key for every batch, the firing's key as
    the nonce (a retried planning makes the same link)."""
    build(db.session_factory)
    with db.session_factory() as session:
        links = SurveyLinks(session, "https://cc.example.com/")
        first = links.link("R-LATE", "first_response", 1, key="cc-success-abc.0", now=NOW)
        again = SurveyLinks(session, "https://cc.example.com").link(
            "R-LATE", "first_response", 1, key="cc-success-abc.0", now=NOW
        )
        session.commit()
    assert first == again
    assert first.startswith("https://cc.example.com/survey/v1.")
    token = first.rsplit("/", 1)[1]
    with db.session_factory() as session:
        survey = csat_survey.open_survey(session, token, now=NOW)
    assert (survey.claim.record, survey.claim.expires) == ("R-LATE", NOW + timedelta(days=14))


def test_csat_by_milestone_team_agent_and_week_within_scope(db: Database) -> None:
    """Over the last 7 days: R-WEEK's 5 (resolution), R-LATE's 2 (first response) and
    R-RISK's 4 (the case), all ana's on L2: CSAT 2 of 3; the comment is listed. A lead
    scoped to another account sees no answers."""
    build(db.session_factory)
    with db.session_factory() as session:
        report = csat_report(session, ADMIN, now=NOW, days=7)
        scoped = Principal(key_id=2, name="g", role=Role.LEAD, accounts=frozenset({"globex"}))
        other = csat_report(session, scoped, now=NOW, days=7)
    assert (report.overall.answers, report.overall.satisfied) == (3, 2)
    assert report.overall.average == pytest.approx((1.0 + 0.25 + 0.75) / 3)
    assert [(s.label, s.answers, s.satisfied) for s in report.by_milestone] == [
        ("First response", 1, 0),
        ("(none)", 1, 1),
        ("Resolution", 1, 1),
    ]
    agents = {s.label: (s.answers, s.satisfied) for s in report.by_agent}
    assert agents == {"ana": (3, 2)}
    assert [s.label for s in report.by_team] == ["L2"]
    assert sum(s.answers for s in report.by_week) == 3
    assert [(c.record_id, c.comment) for c in report.comments] == [("R-LATE", "too slow")]
    assert other.overall.answers == 0
    assert at(-24) >= report.since
