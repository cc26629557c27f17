"""A naive reference fold of the contract's replay semantics, written from contract.md alone.

This is a second, independent implementation of `ledger replay --as-of D --json`
(contract sections 3, 4, 5 and v2's 9, 10 and 11) for the tests to compare the real one against.
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

from strategies import DESCRIBED, RANK

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
STATE_FIELDS = ("state", "host", "contributor")

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
    """The facts replay folds up to `day`: by effective day, then type rank, then recording order.
    Descriptions are knowledge, not folded (section 10)."""
    ignored = corrected(entries)
    chosen = []
    for seq, f in enumerate(entries):
        if f["type"] in ("FactRetracted", DESCRIBED) or f["id"] in ignored:
            continue
        effective = effective_day(f["occurred"])
        if effective <= day:
            chosen.append((effective, RANK[f["type"]], seq, f))
    chosen.sort(key=lambda item: item[:3])
    return [f for _, _, _, f in chosen]


def folded_ids(entries: list[Fact], as_of: date | str, size: int | None = None) -> list[str]:
    """What `ledger timeline --to D` lists: the ids of the folded facts, in replay order."""
    return [f["id"] for f in replay_order(considered(entries, size), as_of_day(as_of))]


def descriptions(entries: list[Fact]) -> dict[str, dict[str, Any]]:
    """Section 10: every live description among the entries, merged per actor in recording
    order: each language's latest name, the latest non-null wikidata id. Dates play no part."""
    ignored = corrected(entries)
    merged: dict[str, dict[str, Any]] = {}
    for f in entries:
        if f["type"] != DESCRIBED or f["id"] in ignored:
            continue
        known = merged.setdefault(f["actor"], {"names": {}, "wikidata": None})
        for language, name in f["names"].items():
            known["names"][language] = name
        if f.get("wikidata") is not None:
            known["wikidata"] = f["wikidata"]
    return merged


def timeline_ids_for_state(
    entries: list[Fact], as_of: date | str, code: str, size: int | None = None
) -> list[str]:
    """Section 9: `timeline --state S`, decided for each folded fact with what replay knows at
    that point: its own fields, its `about`, its mission's host and contingents."""
    hosts: dict[str, str] = {}
    contributors: dict[str, set[str]] = {}
    kept = []
    for f in replay_order(considered(entries, size), as_of_day(as_of)):
        m = f.get("mission")
        if m is not None:
            if f["type"] in ("MissionRequested", "MissionAuthorized"):
                hosts[m] = f["host"]
            if f["type"] == "ForcesDeployed" and f.get("host") is not None:
                hosts[m] = f["host"]
            if f["type"] in ("ForcesDeployed", "WithdrawalStarted", "ForcesWithdrawn") and f.get(
                "contributor"
            ):
                contributors.setdefault(m, set()).add(f["contributor"])
        if (
            any(f.get(name) == code for name in STATE_FIELDS)
            or code in (f.get("about") or [])
            or (m is not None and (hosts.get(m) == code or code in contributors.get(m, set())))
        ):
            kept.append(f["id"])
    return kept


class World:
    """The world being folded: plain dicts shaped like the replay document's parts."""

    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self.missions: dict[str, dict[str, Any]] = {}
        # Section 11: the claims folded so far about each quantity, (mission, contributor or None).
        self.claims: dict[tuple[str, str | None], list[tuple[date, dict[str, Any]]]] = {}

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
        """Every appointment, re-appointing the holder included, starts a new entry. An interim
        one (section 9) shows the interim person, acting, standing in for the holder, who keeps
        the office; to a vacant office, or of the holder themselves, it is an ordinary acting
        appointment (there is nobody else to stand in for)."""
        acting = f.get("acting") is True
        current = self.state(code)["offices"].get(office)
        entry = {"person": f["person"], "since": f["occurred"], "acting": acting, "facts": [f["id"]]}
        if f.get("interim") is True:
            entry["acting"] = acting = True
            if current is not None and current["person"] is not None:
                held = current.get("stands_in_for")
                if held is None:  # the holder, who keeps the office, and their acting
                    held, held_acting = current["person"], current["acting"]
                else:  # a second interim, for the same holder
                    held_acting = current["held_acting"]
                if held != f["person"]:
                    entry["stands_in_for"] = held
                    entry["held_acting"] = held_acting
        self.state(code)["offices"][office] = entry
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
                if "stands_in_for" in entry:  # the holder is a minister of the dismissed government too
                    entry["held_acting"] = True

    def overthrow(self, f: Fact) -> None:
        """Section 9: status overthrown; the offices the ousted hold (or are stood in for) vacant."""
        self.set_government(f["state"], "overthrown", f)
        ousted = f.get("ousted") or []
        offices = self.states[f["state"]]["offices"]
        for office, entry in list(offices.items()):
            holders = {entry["person"], entry.get("stands_in_for")} - {None}
            if holders & set(ousted):
                offices[office] = {
                    "person": None,
                    "since": f["occurred"],
                    "acting": False,
                    "facts": [f["id"]],
                }

    def holds(self, f: Fact) -> bool:
        """Whether the OfficeLeft's person holds the office (or stands in for its holder) now."""
        entry = self.states.get(f["state"], {"offices": {}})["offices"].get(f["office"])
        return entry is not None and f["person"] in (entry["person"], entry.get("stands_in_for"))

    def leave(self, f: Fact) -> None:
        """Only the holder's leaving changes anything; the office stays listed, vacant. An interim
        person leaving hands the office back to the holder; the holder leaving ends both."""
        if not self.holds(f):
            return
        offices = self.states[f["state"]]["offices"]
        entry = offices[f["office"]]
        if entry["person"] == f["person"] and entry.get("stands_in_for") is not None:
            offices[f["office"]] = {
                "person": entry["stands_in_for"],
                "since": f["occurred"],
                "acting": entry["held_acting"],
                "facts": [f["id"]],
            }
        else:
            offices[f["office"]] = {
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
                "fact": None,
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
            mission["fact"] = f["id"]

    @staticmethod
    def contingent(mission: dict[str, Any], contributor: str, status: str, f: Fact) -> None:
        """A contingent exists from the first fact that names or covers it; `since` changes
        only when its status changes."""
        current = mission["contingents"].get(contributor)
        if current is None:
            mission["contingents"][contributor] = {"status": status, "since": f["occurred"], "fact": f["id"]}
        elif current["status"] != status:
            current["status"] = status
            current["since"] = f["occurred"]
            current["fact"] = f["id"]

    def claim(self, mission: str, contributor: str | None, f: Fact, low: int, high: int) -> None:
        publishers = [source["publisher"] for source in f["sources"]]
        self.claims.setdefault((mission, contributor), []).append(
            (
                effective_day(f["occurred"]),
                {"fact": f["id"], "low": low, "high": high, "publishers": publishers},
            )
        )

    def strength(self, mission: str, contributor: str | None) -> dict[str, Any] | None:
        """Section 11: the claims of the latest effective day among those folded, in replay order."""
        claims = self.claims.get((mission, contributor))
        if not claims:
            return None
        latest = max(day for day, _ in claims)
        current = [c for day, c in claims if day == latest]
        return {
            "low": min(c["low"] for c in current),
            "high": max(c["high"] for c in current),
            "as_of": latest.isoformat(),
            "disputed": len({(c["low"], c["high"]) for c in current}) != 1,
            "claims": current,
        }

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
                self.claim(f["mission"], f["contributor"], f, f["personnel"], f["personnel"])
            if f.get("host") is not None:
                m["host"] = f["host"]
            if m["status"] == "withdrawn":  # a redeployment
                m["status"] = "deploying"
                m["since"] = f["occurred"]
                m["fact"] = f["id"]
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
            if f.get("start_by") is not None:  # section 9: a date's effective day
                start_by = effective_day(f["start_by"])
            complete_by = None if completes is None else (start_by or day) + timedelta(days=completes)
            if f.get("complete_by") is not None:
                complete_by = effective_day(f["complete_by"])
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
        elif kind == "StrengthReported":  # a claim only: no mission, no contingent, no status
            self.claim(
                f["mission"],
                f.get("contributor"),
                f,
                f["personnel"],
                f.get("personnel_high") or f["personnel"],
            )
        elif kind == "GovernmentOverthrown":
            self.overthrow(f)
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

    def document(
        self, day: date, size: int, root: str | None, described: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        forces: dict[str, list[dict[str, Any]]] = {}
        missions = {}
        for name in sorted(self.missions):
            m = dict(self.missions[name])
            m["contingents"] = {}
            for contributor in sorted(self.missions[name]["contingents"]):
                c = dict(self.missions[name]["contingents"][contributor])
                strength = self.strength(name, contributor)
                # v1's personnel: the low of the last current claim in replay order.
                c["personnel"] = None if strength is None else strength["claims"][-1]["low"]
                c["strength"] = strength
                m["contingents"][contributor] = c
                if m["host"] is not None and c["status"] in ("deployed", "withdrawing"):
                    forces.setdefault(m["host"], []).append(
                        {"mission": name, "contributor": contributor, **c}
                    )
            m["strength"] = self.strength(name, None)
            missions[name] = m
        states = {}
        for code in sorted(set(self.states) | set(forces)):
            state = self.states.get(code, {"government": None, "offices": {}})
            offices = {}
            for slug in sorted(state["offices"]):
                entry = {k: v for k, v in state["offices"][slug].items() if k != "held_acting"}
                offices[slug] = entry
            states[code] = {
                "government": state["government"],
                "offices": offices,
                "foreign_forces": forces.get(code, []),
            }
        named = set()
        for code, state in states.items():
            named.add(code)
            for slug, entry in state["offices"].items():
                named |= {slug, entry["person"], entry.get("stands_in_for")}
        for name, m in missions.items():
            named |= {name, m["organization"], m["host"], *m["contingents"]}
        actors = {}
        for actor in sorted(a for a in named if a is not None and a in described):
            actors[actor] = {
                "names": dict(sorted(described[actor]["names"].items())),
                "wikidata": described[actor]["wikidata"],
            }
        return {
            "as_of": day.isoformat(),
            "ledger": {"size": size, "root": root},
            "states": states,
            "missions": missions,
            "actors": actors,
        }


def replay(
    entries: list[Fact], as_of: date | str, size: int | None = None, root: str | None = None
) -> dict[str, Any]:
    """The replay document (section 5) of `entries` (facts with ids, in recording order) on
    `as_of`, knowing the first `size` of them (default: all); `root` goes into `ledger.root`."""
    known = considered(entries, size)
    day = as_of_day(as_of)
    world = World()
    for f in with_same_day_spells(world, replay_order(known, day)):
        world.apply(f)
    return world.document(day, len(known), root, descriptions(known))


def with_same_day_spells(world: World, ordered: list[Fact]) -> Any:
    """The facts in replay order, except that an OfficeLeft by someone who does not hold the
    office when it comes, but is appointed to it later that effective day, comes right after
    that appointment instead (section 9): looked for ahead in the list, naively."""
    pending = list(ordered)
    claimed: set[int] = set()  # positions of appointments that already carry a deferred leave
    i = 0
    while i < len(pending):
        f = pending[i]
        i += 1
        if f["type"] == "OfficeLeft" and not f.get("_deferred") and not world.holds(f):
            day = effective_day(f["occurred"])
            for j in range(i, len(pending)):
                g = pending[j]
                if effective_day(g["occurred"]) != day:
                    break
                office = g.get("office", "prime-minister")
                if (
                    j not in claimed
                    and g["type"] in ("PrimeMinisterAppointed", "OfficeAssumed")
                    and (g["state"], office, g["person"]) == (f["state"], f["office"], f["person"])
                ):
                    claimed.add(j)
                    pending.insert(j + 1, f | {"_deferred": True})
                    claimed = {k + 1 if k > j else k for k in claimed}
                    break
            continue
        yield f
