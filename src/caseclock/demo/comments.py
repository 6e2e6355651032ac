"""What people write in the demo's cases: customers' reports, agents' requests, chasers.

Texts are drawn from their own random stream (seeded from the demo's seed and the case), so
the demo's timing and outcomes stay those of the generator, and the words follow the story: a
case that will be slow gets the urgent report and the customer's growing impatience, which is
what the sentiment, urgency cues and risk model have to find.
"""

from __future__ import annotations

import random

REPORTS = (
    "Since this morning the sync job fails after the upgrade. Can you take a look?",
    "Some users get a login loop with SSO. It started after we rotated the certificate.",
    "The monthly export times out on large reports. Smaller ones work fine.",
    "Webhook deliveries are delayed by about an hour. Nothing changed on our side.",
    "The dashboard shows numbers from yesterday. Could you check the refresh?",
    "Hello, our CSV import rejects files that worked last week. Thanks for your help.",
)
URGENT_REPORTS = (
    "Production is down since 8am and all users are blocked. We need this fixed ASAP!",
    "The API returns 502 at peak and we are losing orders. This is critical for us.",
    "Our billing run cannot finish and we cannot invoice customers. Please treat this as urgent.",
    "The mobile app crashes on launch for everyone. Our go-live is on Friday.",
)
ASKS = (
    ("Thanks for the details. Could you send us the gateway log files from the last 24 hours?"),
    ("Could you share a screenshot of the error and the exact time it happened?"),
    ("Could you attach the CSV file that was rejected? We will try to reproduce it."),
    ("Could you confirm which version of the connector you run?"),
)
ANSWERS = (
    "Logs attached. Thanks for looking into it.",
    "Here is the screenshot, it happened at 10:42 our time.",
    "File attached. Let me know if you need anything else.",
    "We run version 4.2.1 on all servers.",
)
IMPATIENT_ANSWERS = (
    "Logs attached. This is the second time we send them, please read them this time.",
    "Attached again. We are still blocked and nobody tells us anything. Very disappointing.",
    "Here it is. Honestly this is taking far too long, our team cannot work.",
)
CHASERS = (
    "Any update? This is the third time I ask and we are still blocked.",
    "We are still waiting for an answer. This is really frustrating.",
    "Still no news. If this is not fixed by tomorrow I will escalate to your manager.",
    "Hello? We have heard nothing for days. This is unacceptable.",
)
THANKS = (
    "Confirmed, it works now. Thank you for the quick help!",
    "All good on our side, great work, thanks.",
    "Works again, thanks a lot.",
)
GRUDGING = (
    "It finally works, but it took far too long.",
    "Fixed, but we lost two days of work. Not happy.",
)
ACKS = ("Looking into it.", "Thanks, we are on it and will update you shortly.")
FIXES = (
    "Fix deployed. Could you confirm on your side?",
    "We deployed a fix for the connector retry logic. Please check again.",
)


class Words:
    """The texts of one case, from a stream of their own."""

    def __init__(self, seed: int, record: str) -> None:
        self.rng = random.Random(f"{seed}:{record}")  # noqa: S311 (demo text, not secrets)

    def pick(self, texts: tuple[str, ...]) -> str:
        return self.rng.choice(texts)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability
