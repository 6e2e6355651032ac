"""The demo's people: the agents its cases name as owners, their leads, and the teams (the
L1 and L2 tiers the events use, and two regional teams on the region calendars). Addresses are
the people's own, so emails to owners and team leads reach them without a guessed domain."""

from __future__ import annotations

from dataclasses import dataclass

from caseclock.demo.generator import AGENTS

DOMAIN = "support.caseclock.example"


@dataclass(frozen=True, slots=True)
class DemoPerson:
    handle: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class DemoTeam:
    name: str
    calendar: str
    members: tuple[str, ...]
    leads: tuple[str, ...]


NAMES = {
    "ana": "Ana Rossi",
    "bruno": "Bruno Costa",
    "chen": "Chen Wei",
    "dara": "Dara Okafor",
    "eli": "Eli Navarro",
    "fatima": "Fatima Haddad",
    "goran": "Goran Petrović",
    "lena": "Lena Fischer",
    "omar": "Omar Siddiqui",
    "priya": "Priya Raman",
    "sam": "Sam Carter",
}
PEOPLE = (
    *(DemoPerson(h, NAMES[h], "agent") for team in ("L1", "L2") for h in AGENTS[team]),
    DemoPerson("lena", NAMES["lena"], "lead"),
    DemoPerson("omar", NAMES["omar"], "lead"),
    DemoPerson("priya", NAMES["priya"], "lead"),
    DemoPerson("sam", NAMES["sam"], "viewer"),
)
TEAMS = (
    DemoTeam("L1", "us-east", (*AGENTS["L1"], "lena"), ("lena",)),
    DemoTeam("L2", "us-east", (*AGENTS["L2"], "omar"), ("omar",)),
    DemoTeam("Americas", "us-east", ("ana", "bruno", "eli", "lena"), ("lena",)),
    DemoTeam("APAC", "apac", ("chen", "dara", "fatima", "goran", "priya"), ("priya",)),
)


def email_of(handle: str) -> str:
    return f"{handle}@{DOMAIN}"
