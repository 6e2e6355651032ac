"""The plans every installation starts with: the examples customer teams describe.

* ``implementation``: a three-phase project (onsite delivery, setup and installation, personnel
  training; applied on 1 August they fall on 1 September, 1 October and 15 October);
* ``onboarding``: kick-off, technical set-up and go-live in working days, then a first review;
* ``renewal``: the renewal a year after the start, reminded two months, one month, 15 days and
  one week ahead, then weekly until done, with quarterly business reviews;
* ``lifecycle``: the phases of a customer's life: introduction (the first month), adoption (to
  month 3), retention (to the first anniversary), renewal (each anniversary).
"""

from __future__ import annotations

from functools import cache

import yaml

from caseclock.core.account_plans import Plan, parse_plan

LIFECYCLE = "lifecycle"

_PLANS = """
- key: implementation
  name: Three-phase implementation
  description: Product delivery, setup and installation, then training of the customer's staff.
  milestones:
    - key: delivery
      name: Product Onsite Delivery
      due: {offset: 1mo}
      tasks:
        - {title: Submit the request to the delivery team}
        - {title: Schedule the delivery date with the customer}
      reminders: {before: [1w], repeat: 1w}
    - key: setup
      name: Product Onsite Setup and Installation
      starts_after: delivery
      due: {offset: 1mo}
      tasks:
        - {title: Install the product onsite}
        - {title: Confirm the installation with the customer}
      reminders: {before: [1w]}
    - key: training
      name: Personnel Training
      starts_after: setup
      due: {offset: 14d}
      pin: go-live
      tasks:
        - {title: Agree the training sessions}
        - {title: Run the training}
        - {title: Share the training material, required: false}
      reminders: {before: [1w]}
- key: onboarding
  name: Onboarding
  description: From kick-off to go-live in working days, then a first review.
  milestones:
    - key: kickoff
      name: Kick-off call
      due: {offset: 5bd}
      tasks: [{title: Send the welcome pack}, {title: Hold the kick-off call}]
    - key: technical_setup
      name: Technical set-up
      starts_after: kickoff
      due: {offset: 10bd}
      tasks: [{title: Create the customer's workspace}, {title: Connect their helpdesk}]
    - key: go_live
      name: Go-live
      starts_after: technical_setup
      due: {offset: 5bd}
      pin: go-live
      move_off_closed: true
      reminders: {before: [1w, 2d]}
    - key: first_review
      name: First business review
      due: {after: go_live, offset: 30d}
      move_off_closed: true
- key: renewal
  name: Renewal
  description: The renewal a year after the start, with reminders ahead and quarterly reviews.
  milestones:
    - key: qbr_1
      name: Quarterly business review 1
      due: {offset: 3mo}
      move_off_closed: true
    - key: qbr_2
      name: Quarterly business review 2
      due: {offset: 6mo}
      move_off_closed: true
    - key: qbr_3
      name: Quarterly business review 3
      due: {offset: 9mo}
      move_off_closed: true
    - key: renewal
      name: Contract renewal
      due: {offset: 1y}
      pin: renewal
      move_off_closed: true
      every: 1y
      tasks:
        - {title: Prepare the renewal offer}
        - {title: Send the renewal offer}
        - {title: Receive the signed renewal}
      reminders: {before: [2mo, 1mo, 15d, 1w], repeat: 1w}
- key: lifecycle
  name: Customer lifecycle
  description: Introduction for the first month, adoption to month 3, retention to the first
    anniversary, renewal on each anniversary.
  milestones:
    - {key: introduction, name: Introduction phase, phase: introduction, due: {offset: 1mo}}
    - {key: adoption, name: Adoption phase, phase: adoption, due: {offset: 3mo}}
    - {key: retention, name: Retention phase, phase: retention, due: {offset: 1y}}
    - key: renewal
      name: Renewal phase
      phase: renewal
      due: {offset: 1y}
      every: 1y
      reminders: {before: [2mo]}
"""


@cache
def builtin_plans() -> dict[str, Plan]:
    """The shipped plans by key (parsed once: they are constants)."""
    return {doc["key"]: parse_plan(doc) for doc in yaml.safe_load(_PLANS)}
