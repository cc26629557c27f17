"""A naive reference fold of the contract's replay semantics, written from contract.md alone.

This is a second, independent implementation of `ledger replay --as-of D --json`
(contract sections 3, 4 and 5) for the tests to compare the real one against.
It shares no code with `projections/` or `ledger/replay/`: it takes facts
as plain dicts (as a fact file holds them, each with its `id`), in recording
order, and folds them with plain dicts and lists, favouring obviousness over
speed. Nothing here is clever; where it is slow, it is slow on purpose.

    replay(entries, as_of, size=None, root=None) -> the replay document (a dict)
    folded_ids(entries, as_of, size=None)        -> the ids replay folds, in replay order
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from strategies import RANK

Fact = dict[str, Any]

# Section 4: the order of types within one day (FactRetracted is never folded), as
# tests/strategies.py writes it out from the contract.

MISSION_TYPES = {
    "MissionRequested",
    "MissionAuthorized",
    "ForcesDeployed",
    "DeploymentCompleted",
    "MissionCompleted",
    "WithdrawalAnnounced",
    "WithdrawalStarted",
    "ForcesWithdrawn",
}

# Section 4: a mission's status is the furthest of these stages reached.
STAGES = ["requested", "authorized", "deploying", "deployed", "completed", "withdrawing", "withdrawn"]


def effective_day(written: str) -> date:
    """Section 3: the last day a date can mean. A moment's day is the local day as written;
    qualifiers (`?`, `~`, `%`) and times of day never move it."""
    if "T" in written:
        return date.fromisoformat(written[:10])
    bare = written.rstrip("?~%")
    parts = [int(p) for p in bare.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        year, month = parts
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(parts[0], parts[1], parts[2])


def as_of_day(as_of: date | str) -> date:
    """`--as-of` takes a date of section 3's grammar and uses its effective day."""
    return as_of if isinstance(as_of, date) else effective_day(as_of)


def considered(entries: list[Fact], size: int | None) -> list[Fact]:
    """`--size N`: only the first N entries (every appended fact is one entry)."""
    if size is None:
        return entries
    if not 0 <= size <= len(entries):
        raise ValueError(f"--size {size}: the ledger has {len(entries)} entries")
    return entries[:size]


def corrected(entries: list[Fact]) -> set[str]:
    """The ids some considered entry retracts or supersedes: ignored at every as-of date."""
    ids = set()
    for f in entries:
        if f["type"] == "FactRetracted":
            ids.add(f["target"])
        if f.get("supersedes") is not None:
            ids.add(f["supersedes"])
    return ids


def replay_order(entries: list[Fact], day: date) -> list[Fact]:
    """The facts replay folds up to `day`: by effective day, then type rank, then recording order."""
    ignored = corrected(entries)
    chosen = []
    for seq, f in enumerate(entries):
        if f["type"] == "FactRetracted" or f["id"] in ignored:
            continue
        effective = effective_day(f["occurred"])
        if effective <= day:
            chosen.append((effective, RANK[f["type"]], seq, f))
    chosen.sort(key=lambda item: item[:3])
    return [f for _, _, _, f in chosen]


def folded_ids(entries: list[Fact], as_of: date | str, size: int | None = None) -> list[str]:
    """What `ledger timeline --to D` lists: the ids of the folded facts, in replay order."""
    return [f["id"] for f in replay_order(considered(entries, size), as_of_day(as_of))]


class World:
    """The world being folded: plain dicts shaped like the replay document's parts."""

    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self.missions: dict[str, dict[str, Any]] = {}

    # States, governments and offices

    def state(self, code: str) -> dict[str, Any]:
        if code not in self.states:
            self.states[code] = {"government": None, "offices": {}}
        return self.states[code]

    def set_government(self, code: str, status: str, f: Fact) -> None:
        """`since` changes only when `status` changes."""
        state = self.state(code)
        if state["government"] is None or state["government"]["status"] != status:
            state["government"] = {"status": status, "since": f["occurred"]}

    def appoint(self, code: str, office: str, f: Fact) -> None:
        """Every appointment, re-appointing the holder included, starts a new entry."""
        acting = f.get("acting") is True
        self.state(code)["offices"][office] = {
            "person": f["person"],
            "since": f["occurred"],
            "acting": acting,
            "facts": [f["id"]],
        }
        # A non-acting prime-minister appointment makes the government in office; so does the
        # first one, acting or not, when nothing (no dismissal, no earlier appointment) set it yet.
        if office == "prime-minister" and (not acting or self.states[code]["government"] is None):
            self.set_government(code, "in_office", f)

    def dismiss(self, f: Fact) -> None:
        self.set_government(f["state"], "caretaker", f)
        for office, entry in self.states[f["state"]]["offices"].items():
            if "minister" in office and entry["person"] is not None:
                entry["acting"] = True
                entry["facts"].append(f["id"])

    def leave(self, f: Fact) -> None:
        """Only the holder's leaving changes anything; the office stays listed, vacant."""
        entry = self.states.get(f["state"], {"offices": {}})["offices"].get(f["office"])
        if entry is not None and entry["person"] == f["person"]:
            self.states[f["state"]]["offices"][f["office"]] = {
                "person": None,
                "since": f["occurred"],
                "acting": False,
                "facts": [f["id"]],
            }

    # Missions and contingents

    def mission(self, name: str) -> dict[str, Any]:
        if name not in self.missions:
            self.missions[name] = {
                "organization": None,
                "host": None,
                "status": None,
                "since": None,
                "contingents": {},
                "withdrawal": None,
            }
        return self.missions[name]

    @staticmethod
    def reach(mission: dict[str, Any], stage: str, f: Fact) -> None:
        """The status is the furthest stage reached; an earlier stage never moves it back."""
        if mission["status"] is None or STAGES.index(stage) > STAGES.index(mission["status"]):
            mission["status"] = stage
            mission["since"] = f["occurred"]

    @staticmethod
    def contingent(mission: dict[str, Any], contributor: str, status: str, f: Fact) -> None:
        """A contingent exists from the first fact that names or covers it; `since` changes
        only when its status changes."""
        current = mission["contingents"].get(contributor)
        if current is None:
            mission["contingents"][contributor] = {
                "status": status,
                "since": f["occurred"],
                "personnel": None,
            }
        elif current["status"] != status:
            current["status"] = status
            current["since"] = f["occurred"]

    def apply_mission_fact(self, f: Fact) -> None:
        m = self.mission(f["mission"])
        kind = f["type"]
        if kind in ("MissionRequested", "MissionAuthorized"):
            m["organization"] = f["organization"]
            m["host"] = f["host"]
            self.reach(m, "requested" if kind == "MissionRequested" else "authorized", f)
        elif kind == "ForcesDeployed":
            self.contingent(m, f["contributor"], "deployed", f)
            if f.get("personnel") is not None:
                m["contingents"][f["contributor"]]["personnel"] = f["personnel"]
            if f.get("host") is not None:
                m["host"] = f["host"]
            if m["status"] == "withdrawn":  # a redeployment
                m["status"] = "deploying"
                m["since"] = f["occurred"]
            else:
                self.reach(m, "deploying", f)
        elif kind == "DeploymentCompleted":
            self.reach(m, "deployed", f)
        elif kind == "MissionCompleted":
            self.reach(m, "completed", f)
        elif kind == "WithdrawalAnnounced":
            day = effective_day(f["occurred"])
            starts, completes = f.get("starts_within_days"), f.get("completes_within_days")
            start_by = None if starts is None else day + timedelta(days=starts)
            complete_by = None if completes is None else (start_by or day) + timedelta(days=completes)
            m["withdrawal"] = {
                "announced": f["occurred"],
                "start_by": None if start_by is None else start_by.isoformat(),
                "complete_by": None if complete_by is None else complete_by.isoformat(),
            }
        elif kind == "WithdrawalStarted":
            if f.get("contributor") is not None:
                covered = [f["contributor"]]
            else:
                covered = [c for c, v in m["contingents"].items() if v["status"] == "deployed"]
            for contributor in covered:
                self.contingent(m, contributor, "withdrawing", f)
            self.reach(m, "withdrawing", f)
        elif kind == "ForcesWithdrawn":
            if f.get("contributor") is not None:
                covered = [f["contributor"]]
            else:
                covered = [c for c, v in m["contingents"].items() if v["status"] != "withdrawn"]
            for contributor in covered:
                self.contingent(m, contributor, "withdrawn", f)
            remaining = [v for v in m["contingents"].values() if v["status"] in ("deployed", "withdrawing")]
            self.reach(m, "withdrawing" if remaining else "withdrawn", f)

    def apply(self, f: Fact) -> None:
        kind = f["type"]
        if kind in MISSION_TYPES:
            self.apply_mission_fact(f)
        elif kind == "PrimeMinisterAppointed":
            self.appoint(f["state"], "prime-minister", f)
        elif kind == "OfficeAssumed":
            self.appoint(f["state"], f["office"], f)
        elif kind == "GovernmentDismissed":
            self.dismiss(f)
        elif kind == "OfficeLeft":
            self.leave(f)
        # PrimeMinisterNominated and StatementMade change nothing in the world.

    # Section 5

    def document(self, day: date, size: int, root: str | None) -> dict[str, Any]:
        forces: dict[str, list[dict[str, Any]]] = {}
        for name in sorted(self.missions):
            m = self.missions[name]
            for contributor in sorted(m["contingents"]):
                c = m["contingents"][contributor]
                if m["host"] is not None and c["status"] in ("deployed", "withdrawing"):
                    forces.setdefault(m["host"], []).append(
                        {"mission": name, "contributor": contributor, **c}
                    )
        states = {}
        for code in sorted(set(self.states) | set(forces)):
            state = self.states.get(code, {"government": None, "offices": {}})
            states[code] = {
                "government": state["government"],
                "offices": state["offices"],
                "foreign_forces": forces.get(code, []),
            }
        return {
            "as_of": day.isoformat(),
            "ledger": {"size": size, "root": root},
            "states": states,
            "missions": self.missions,
        }


def replay(
    entries: list[Fact], as_of: date | str, size: int | None = None, root: str | None = None
) -> dict[str, Any]:
    """The replay document (section 5) of `entries` (facts with ids, in recording order) on
    `as_of`, knowing the first `size` of them (default: all); `root` goes into `ledger.root`."""
    known = considered(entries, size)
    day = as_of_day(as_of)
    world = World()
    for f in replay_order(known, day):
        world.apply(f)
    return world.document(day, len(known), root)
