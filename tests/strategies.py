"""Fact builders for hand-written tests, and hypothesis strategies for contract-valid fact files.

The strategies draw from a few states, missions, contributors, persons and
dates only three days apart (plus a month-precision date whose effective day
is the last of them), so that facts often share an effective day and a type
rank, the case where recording order matters.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from hypothesis import strategies as st

from ledger.validation import parse_line

Fact = dict[str, Any]

SOURCE: dict[str, Any] = {"publisher": "Test Wire"}


def fact(type_: str, occurred: str, **fields: Any) -> Fact:
    """A fact as it would be written in a fact file, with one minimal source."""
    return {"type": type_, "occurred": occurred, "sources": [dict(SOURCE)], **fields}


def line(f: Fact) -> bytes:
    return json.dumps(f, ensure_ascii=False).encode("utf-8")


def jsonl(*facts: Fact) -> bytes:
    """A fact file: one JSON line per fact."""
    return b"".join(line(f) + b"\n" for f in facts)


_ROOT = re.compile(r"[0-9a-f]{64}")
MASKED_ROOT = "<null, or the Merkle root in hex>"


def is_root(value: Any) -> bool:
    """`ledger.root` (section 5): null until the log is a Merkle tree, then 64 lower-case hex digits."""
    return value is None or (isinstance(value, str) and _ROOT.fullmatch(value) is not None)


def mask_root(doc: dict[str, Any]) -> dict[str, Any]:
    """A replay document with its root checked and replaced by a fixed marker.

    Two ledgers that hold the same facts recorded at other times have other Merkle
    roots, so documents of different ledgers are compared with the root masked.
    """
    root = doc["ledger"]["root"]
    assert is_root(root), root
    doc["ledger"]["root"] = MASKED_ROOT
    made = doc.get("receipt")  # `replay --json` (section 13): its root and digest follow the root
    if made is not None:
        assert made["root"] == root and made["size"] == doc["ledger"]["size"], made
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", made["digest"]), made
        doc["receipt"] = {**made, "root": MASKED_ROOT, "digest": MASKED_ROOT}
    return doc


def drop_nulls(value: Any) -> Any:
    """A JSON value without its null members, at every depth (how the ledger stores a fact)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def fact_id(f: Fact) -> str:
    """The id the ledger gives `f`: its own, else the derived one."""
    return parse_line(line(f), "-", 1).fact.fact_id


# Replay order within one day (contract sections 4, 9 and 11), written out independently of the
# code: only the order matters. ActorDescribed is knowledge, never in this order (section 10).
RANK = {
    "GovernmentOverthrown": 0,
    "GovernmentDismissed": 1,
    "OfficeLeft": 2,
    "PrimeMinisterNominated": 3,
    "PrimeMinisterAppointed": 4,
    "OfficeAssumed": 4,
    "MissionRequested": 5,
    "MissionAuthorized": 6,
    "ForcesDeployed": 7,
    "DeploymentCompleted": 8,
    "MissionCompleted": 9,
    "WithdrawalAnnounced": 10,
    "WithdrawalStarted": 11,
    "ForcesWithdrawn": 12,
    "StrengthReported": 13,
    "StatementMade": 14,
}
DESCRIBED = "ActorDescribed"

# Written dates and their effective days (contract section 3).
DATES = {
    "2022-01-29": date(2022, 1, 29),
    "2022-01-29%": date(2022, 1, 29),
    "2022-01-30": date(2022, 1, 30),
    "2022-01-30?": date(2022, 1, 30),
    "2022-01-30T08:15Z": date(2022, 1, 30),
    "2022-01-31": date(2022, 1, 31),
    "2022-01-31~": date(2022, 1, 31),
    "2022-01-31T23:59:59.5+05:00": date(2022, 1, 31),
    "2022-01": date(2022, 1, 31),
}
# As-of dates to compare replays at: before, on and after every effective day above.
AS_OF = ("2022-01-28", "2022-01-29", "2022-01-30", "2022-01-31", "2022-02")

STATES = ("KZ", "KG")
CONTRIBUTORS = ("RU", "BY", "SUHH")  # SUHH: a former state (ISO 3166-3), as good as any
MISSIONS = ("alpha", "beta")
PERSONS = ("ana", "ben", "cai")
OFFICES = ("prime-minister", "minister-of-defence", "first-deputy-prime-minister", "president")
ACTORS = (*STATES, "RU", "SUHH", *MISSIONS, *PERSONS, "prime-minister", "president", "csto")
LANGUAGES = ("en", "fr", "ru", "zh-Hant")

dates = st.sampled_from(sorted(DATES))
states = st.sampled_from(STATES)
contributors = st.sampled_from(CONTRIBUTORS)
missions = st.sampled_from(MISSIONS)
persons = st.sampled_from(PERSONS)
offices = st.sampled_from(OFFICES)
counts = st.integers(min_value=0, max_value=40)
# Free text: any Unicode hypothesis draws (it never draws lone surrogates), kept short.
texts = st.text(max_size=12)
names = st.text(min_size=1, max_size=8).filter(lambda t: t.strip() != "")
# Deadlines given as dates (contract section 9): any date of section 3, some far off.
deadlines = st.sampled_from([*sorted(DATES), "2022-02", "2023", "2022-03-01~"])


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An optional field: absent, null (which means absent) or a value."""
    return st.one_of(st.just(...), st.none(), strategy)


@st.composite
def sources(draw: st.DrawFn) -> list[dict[str, Any]]:
    result = []
    for _ in range(draw(st.integers(1, 2))):
        src: dict[str, Any] = {"publisher": draw(st.sampled_from(["Test Wire", "Другая газета", "وكالة"]))}
        optional = {
            "url": st.sampled_from(["https://example.org/a", "http://example.com/b?c=1"]),
            "title": texts,
            "published": dates,
            "language": st.sampled_from(["ar", "en", "ru", "zh-Hant"]),
            "quote": texts,
            "translation": texts,
        }
        for name, strategy in optional.items():
            value = draw(_opt(strategy))
            if value is not ...:
                src[name] = value
        result.append(src)
    return result


_PAYLOADS: dict[str, tuple[dict[str, st.SearchStrategy[Any]], dict[str, st.SearchStrategy[Any]]]] = {
    # type: (required fields, optional fields)
    "MissionRequested": (
        {"mission": missions, "organization": st.just("csto"), "host": states},
        {"requested_by": persons},
    ),
    "MissionAuthorized": (
        {"mission": missions, "organization": st.sampled_from(["csto", "un"]), "host": states},
        {"body": texts, "mandate": texts, "until": deadlines},
    ),
    "ForcesDeployed": (
        {"mission": missions, "contributor": contributors},
        {"host": states, "personnel": counts},
    ),
    "DeploymentCompleted": ({"mission": missions}, {}),
    "MissionCompleted": ({"mission": missions}, {"declared_by": persons}),
    "WithdrawalAnnounced": (
        {"mission": missions},
        {
            "announced_by": persons,
            "starts_within_days": counts,
            "completes_within_days": counts,
            "start_by": deadlines,  # a deadline is given one way only: see `_one_way`
            "complete_by": deadlines,
        },
    ),
    "WithdrawalStarted": ({"mission": missions}, {"contributor": contributors}),
    "ForcesWithdrawn": ({"mission": missions}, {"contributor": contributors, "personnel": counts}),
    "StrengthReported": (
        {"mission": missions, "personnel": counts},
        {"contributor": contributors, "personnel_high": counts},  # kept >= personnel: see `_one_way`
    ),
    "GovernmentOverthrown": (
        {"state": states},
        {"by": st.sampled_from([*PERSONS, "junta"]), "ousted": st.lists(persons, max_size=2)},
    ),
    "GovernmentDismissed": ({"state": states}, {"dismissed_by": persons}),
    "PrimeMinisterNominated": ({"state": states, "person": persons}, {"nominated_by": persons}),
    "PrimeMinisterAppointed": (
        {"state": states, "person": persons},
        {"appointed_by": persons, "acting": st.booleans(), "interim": st.booleans()},
    ),
    "OfficeAssumed": (
        {"state": states, "office": offices, "person": persons},
        {"appointed_by": persons, "acting": st.booleans(), "interim": st.booleans()},
    ),
    "OfficeLeft": (
        {"state": states, "office": offices, "person": persons},
        {"reason": st.sampled_from(["dismissed", "resigned", "died", "term-ended", "removed", "other"])},
    ),
    "StatementMade": (
        {"speaker": persons, "summary": texts},
        {
            "office": st.sampled_from(["KZ/president", "RU/minister-of-defence"]),
            "about": st.lists(st.sampled_from([*STATES, *MISSIONS, "csto", "SUHH"]), max_size=3),
        },
    ),
    "ActorDescribed": (
        {
            "actor": st.sampled_from(ACTORS),
            "names": st.dictionaries(st.sampled_from(LANGUAGES), names, min_size=1, max_size=2),
        },
        {"wikidata": st.sampled_from(["Q1", "Q42", "Q159"])},
    ),
}
# Weighted towards the types that change the world, so that replays are rarely empty and
# same-day, same-rank facts that disagree (two appointments, two deployments) are common.
_TYPES = (
    sorted(RANK)
    + [DESCRIBED]
    + ["ForcesDeployed", "PrimeMinisterAppointed", "OfficeAssumed", "WithdrawalStarted", "OfficeLeft"] * 2
    + ["StrengthReported"]
)


def _one_way(f: Fact) -> Fact:
    """What the contract requires beyond each field's own values: a withdrawal deadline given as
    a date or as days, not both; a range's high no lower than its low."""
    for as_date, as_days in (("start_by", "starts_within_days"), ("complete_by", "completes_within_days")):
        if f.get(as_date) is not None and f.get(as_days) is not None:
            del f[as_days if len(f[as_date]) % 2 else as_date]  # either way, drawn from the date
    if f.get("personnel_high") is not None and f["personnel_high"] < f["personnel"]:
        f["personnel"], f["personnel_high"] = f["personnel_high"], f["personnel"]
    return f


@st.composite
def world_facts(
    draw: st.DrawFn,
    with_note: bool = True,
    source_lists: st.SearchStrategy[list[dict[str, Any]]] | None = None,
) -> Fact:
    """One contract-valid fact of a type replay folds, or a description (no id, no correction).

    `source_lists` replaces `sources()`, the slowest part to draw, for tests that draw many facts."""
    type_ = draw(st.sampled_from(_TYPES))
    required, optional = _PAYLOADS[type_]
    f = fact(type_, draw(dates))
    f["sources"] = draw(sources() if source_lists is None else source_lists)
    for name, strategy in required.items():
        f[name] = draw(strategy)
    for name, strategy in optional.items():
        value = draw(_opt(strategy))
        if value is not ...:
            f[name] = value
    if with_note:
        note = draw(_opt(texts))
        if note is not ...:
            f["note"] = note
    return _one_way(f)


@st.composite
def fact_lists(draw: st.DrawFn, min_size: int = 0, max_size: int = 16) -> list[Fact]:
    """Facts without corrections; some carry an explicit id (unique within the list)."""
    facts = draw(st.lists(world_facts(), min_size=min_size, max_size=max_size))
    for i, f in enumerate(facts):
        if draw(st.integers(0, 4)) == 0:
            f["id"] = f"fact-{i}"
    return facts


@st.composite
def ledgers_with_corrections(draw: st.DrawFn, max_size: int = 14) -> list[Fact]:
    """A valid fact file in recording order, with retractions and supersessions of earlier facts."""
    result: list[Fact] = []
    eligible: list[str] = []  # ids that may still be corrected
    seen: set[str] = set()
    for i in range(draw(st.integers(0, max_size))):
        kind = draw(st.sampled_from(["plain", "plain", "plain", "retract", "supersede"]))
        if kind != "plain" and eligible:
            target = draw(st.sampled_from(eligible))
            if kind == "retract":
                f = fact("FactRetracted", draw(dates), target=target, reason=draw(texts))
            else:
                f = draw(world_facts())
                f["supersedes"] = target
        else:
            f = draw(world_facts())
        if draw(st.integers(0, 4)) == 0:
            f["id"] = f"entry-{i}"
        fid = fact_id(f)
        if fid in seen:
            continue  # an identical fact: importing it again would be a no-op
        seen.add(fid)
        result.append(f)
        corrected = f.get("target") or f.get("supersedes")
        if corrected is not None:
            eligible.remove(corrected)
        if f["type"] != "FactRetracted":
            eligible.append(fid)
    return result


def effective_day(f: Fact) -> date:
    return DATES[f["occurred"]]


def order_key(f: Fact) -> tuple[date, int]:
    """What replay orders by before recording order: (effective day, type rank). Descriptions
    merge in recording order whatever their dates (contract section 10): one group of their own."""
    if f["type"] == DESCRIBED:
        return date.min, -1
    return effective_day(f), RANK[f["type"]]


# Hostile text: what URLs, dates, slugs and JSON treat specially, for every string field

# Characters with a meaning in a URL, a date, a slug, an id or JSON; controls; invisible and
# direction-changing marks; a byte order mark; line and paragraph separators.
SPECIAL = (
    "[]{}()<>%#?@:/\\\"'&=+;,.~*!$|^`-_ \t\n\r\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85"
    "\u00a0\u2028\u2029\ufeff\u200b\u200e\u200f\u202a\u202e\u2066\u0301é😀٢"
)
SPECIAL_VALUES = (
    "http://[::1",
    "http://[::1]:80/x",
    "https://[",
    "http://]",
    "http://a:b@c:d",
    "http://a:99999999",
    "http://a:-1",
    "http://%zz",
    "https://x?#@:%",
    "http://\u0000",
    "https://例え.jp/パス",
    "//x",
    "http:",
    "%",
    "%00",
    "%ZZ",
    "?",
    "#",
    "@",
    ":",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-0",
    "2022-01-11T24:00",
    "2022-13",
    "2022-01-11T10:00+24:00",
    "2022-02-29",
    "0000",
    "99999",
    "2022-01-11T10:00:00.1234567",
    "2022\u2028",
    "\ufeff2022",
    "２０２２",
    "KZ\u200f",
    "kz",
    "Kazakhstan",
    "KAZ",
    "UK",
    "a--b",
    "-a",
    "a-",
    "A",
    "sha256:00",
    "sha256:" + "0" * 32,
)


def _lone_surrogate(draw: st.DrawFn) -> str:
    return draw(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    """A string a user, a spreadsheet or a scraper might put in any string field; sometimes
    holding a lone surrogate (written as a `\\uD800` escape, or as its CESU-8 bytes)."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.sampled_from(SPECIAL_VALUES))
    if kind == 1:  # very long
        return draw(st.sampled_from(SPECIAL)) * draw(st.sampled_from([1000, 5000, 100_000]))
    if kind == 2:  # a known value with something special around or inside it
        base = draw(st.sampled_from(["https://example.org/a", "2022-01-11", "alikhan-smailov", "KZ", "csto"]))
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.text(st.sampled_from(SPECIAL), min_size=1, max_size=3)) + base[at:]
    if kind == 3:
        text = draw(st.text(st.sampled_from(SPECIAL), max_size=12))
        return text + _lone_surrogate(draw) if draw(st.booleans()) else text
    return draw(st.text(st.sampled_from(SPECIAL) | st.characters(), max_size=16))


# JSON numbers that are not numbers, or not integers, or out of range, written raw.
RAW_NUMBERS = ("NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "-0", "0.0", "1e2", "2e53")
RAW_NUMBERS += ("123456789012345678901234567890", "9007199254740993", "-1", "0x10", "01", "+1", ".5")

# A fact of each type, with every string field the contract has, filled in with good values.
HOSTILE_BASES: dict[str, Fact] = {
    "StatementMade": {"speaker": "a", "summary": "s", "office": "KZ/president", "about": ["KZ", "csto"]},
    "FactRetracted": {"target": "seed-fact", "reason": "r"},
    "ForcesDeployed": {"mission": "m", "contributor": "RU", "host": "KZ", "personnel": 1},
    "MissionAuthorized": {"mission": "m", "organization": "csto", "host": "KZ", "body": "b", "mandate": "x"},
    "WithdrawalAnnounced": {"mission": "m", "announced_by": "p", "starts_within_days": 1},
    "PrimeMinisterAppointed": {"state": "KZ", "person": "p", "appointed_by": "q", "acting": True},
    "OfficeLeft": {"state": "KZ", "office": "o", "person": "p", "reason": "died"},
    "MissionRequested": {"mission": "m", "organization": "csto", "host": "KZ", "requested_by": "p"},
}
HOSTILE_SOURCE = {
    "publisher": "p",
    "url": "https://example.org/a",
    "title": "t",
    "published": "2022-01-10",
    "language": "en",
    "quote": "q",
    "translation": "tr",
}
ENVELOPE_STRINGS = ("id", "occurred", "note", "supersedes", "type")


@st.composite
def hostile_lines(draw: st.DrawFn) -> bytes:
    """One line of a fact file: a good fact with one to three string fields (the envelope's, the
    payload's, a source's, an `about` entry) replaced by hostile text, or a number field by a raw
    token that is not a JSON integer; encoded with escapes, or as UTF-8 (lone surrogates then as
    their CESU-8 bytes)."""
    type_ = draw(st.sampled_from(sorted(HOSTILE_BASES)))
    f: Fact = {"type": type_, "occurred": "2022-01-11", "note": "n", **HOSTILE_BASES[type_]}
    f["sources"] = [dict(HOSTILE_SOURCE)]
    raw: dict[str, str] = {}
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["envelope", "payload", "source", "about", "number"]))
        value = draw(hostile_text())
        if where == "envelope":
            f[draw(st.sampled_from(ENVELOPE_STRINGS))] = value
        elif where == "payload":
            f[draw(st.sampled_from(sorted(HOSTILE_BASES[type_])))] = value
        elif where == "source":
            f["sources"][0][draw(st.sampled_from(sorted(HOSTILE_SOURCE)))] = value
        elif where == "about" and type_ == "StatementMade":
            f["about"] = [*f["about"], value]
        else:
            name = draw(st.sampled_from(["personnel", "starts_within_days", "acting", "note"]))
            raw[name] = draw(st.sampled_from(RAW_NUMBERS))
            f[name] = f"@@{name}@@"
    ascii_only = draw(st.booleans())
    text = json.dumps(f, ensure_ascii=ascii_only)
    for name, token in raw.items():
        text = text.replace(json.dumps(f"@@{name}@@"), token)
    return text.encode("utf-8", "surrogatepass")
