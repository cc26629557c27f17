"""The folds of contract section 4, on `Projection.apply` with views built in memory: no database.

Each test feeds views in replay order (as the replay loop would) and checks the
state `Projection.world` gives, as the contract's document (section 5). The
first tests hold the views to their facts: the same fields, defaults and tags,
and what the replay loop decodes from a packed fact is the view of that fact.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from typing import Any

import msgspec
import pytest
from hypothesis import given
from strategies import line, world_facts

from ledger.dates import parse_date
from ledger.facts import BY_TAG, FACT_TYPES, TYPE_NAMES, Fact
from ledger.replay.codec import VIEW_DECODERS, pack
from ledger.replay.views import (
    VIEW_TYPES,
    VIEWS,
    AnyView,
    DeploymentCompletedView,
    ForcesDeployedView,
    ForcesWithdrawnView,
    GovernmentDismissedView,
    MissionAuthorizedView,
    MissionCompletedView,
    MissionRequestedView,
    OfficeAssumedView,
    OfficeLeftView,
    PrimeMinisterAppointedView,
    PrimeMinisterNominatedView,
    Publisher,
    StatementMadeView,
    StrengthReportedView,
    View,
    WithdrawalAnnouncedView,
    WithdrawalStartedView,
    view_of,
)
from ledger.validation import parse_line
from projections.fold import Projection

# 1. Views keep their facts' fields

LEFT_OUT = {"sources", "note"}


def _plain(t: Any) -> Any:
    """A field type without its constraints: Annotated[str, Meta(...)] is str, a Literal of
    strings is str, unions and tuples element by element."""
    origin = typing.get_origin(t)
    if origin is typing.Annotated:
        return _plain(typing.get_args(t)[0])
    if origin is typing.Literal:
        (kind,) = {type(v) for v in typing.get_args(t)}
        return kind
    if origin in (typing.Union, types.UnionType):
        plain = [_plain(a) for a in typing.get_args(t)]
        return typing.Union[tuple(plain)]  # noqa: UP007 (built from a list)
    if origin is tuple:
        return tuple[tuple(_plain(a) for a in typing.get_args(t))]  # type: ignore[misc]
    return t


def _fields(cls: type[msgspec.Struct]) -> list[tuple[str, Any, bool, Any]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return [
        (f.name, _plain(hints[f.name]), f.required, f.default)
        for f in msgspec.structs.fields(cls)
        if f.name not in LEFT_OUT
    ]


def test_every_fact_type_has_a_view_of_the_same_tag() -> None:
    assert list(VIEWS) == list(TYPE_NAMES)
    assert set(VIEW_TYPES) == set(typing.get_args(AnyView)) == set(VIEWS.values())
    for name, view in VIEWS.items():
        config = view.__struct_config__
        assert (config.tag, config.tag_field, view.TYPE) == (name, "type", name)
        assert config.frozen and not config.forbid_unknown_fields, name  # unknown: sources, note
        assert view.__name__ == BY_TAG[name].__name__ + "View"


# The types whose figures are claims (contract section 11) keep each source's publisher.
KEEP_PUBLISHERS = {"ForcesDeployed", "StrengthReported"}


@pytest.mark.parametrize("fact_type", FACT_TYPES, ids=TYPE_NAMES)
def test_a_view_has_exactly_its_facts_fields_less_sources_and_note(fact_type: type[Fact]) -> None:
    view = VIEWS[fact_type.TYPE]
    assert _fields(view) == _fields(fact_type)  # names, order, plain types, required, defaults
    left_out = {f.name for f in msgspec.structs.fields(fact_type)} - {
        f.name for f in msgspec.structs.fields(view)
    }
    assert left_out == (LEFT_OUT - {"sources"} if fact_type.TYPE in KEEP_PUBLISHERS else LEFT_OUT)
    assert view.RANK == fact_type.RANK


@pytest.mark.parametrize("name", sorted(KEEP_PUBLISHERS))
def test_a_claims_view_keeps_only_the_publishers_of_its_sources(name: str) -> None:
    (sources,) = [f for f in msgspec.structs.fields(VIEWS[name]) if f.name == "sources"]
    assert sources.type == tuple[Publisher, ...] and sources.default == ()
    assert [f.name for f in msgspec.structs.fields(Publisher)] == ["publisher"]


def test_a_view_checks_types_but_no_pattern() -> None:
    assert _plain(typing.get_type_hints(View, include_extras=True)["id"]) == str | None
    for view in VIEW_TYPES:
        for name, hint in typing.get_type_hints(view, include_extras=True).items():
            assert "Meta(" not in repr(hint) and "Literal" not in repr(hint), (view, name, hint)


@given(world_facts())
def test_the_loop_decodes_a_packed_fact_into_its_view(written: dict[str, Any]) -> None:
    fact = parse_line(line(written), "-", 1).fact
    decoded = VIEW_DECODERS[fact.TYPE].decode(pack(fact))
    assert decoded == view_of(fact)
    assert type(decoded) is VIEWS[fact.TYPE]
    for name in msgspec.structs.asdict(decoded):
        if name == "sources":  # a claim's view: the publishers only
            assert [p.publisher for p in decoded.sources] == [s.publisher for s in fact.sources]
        else:
            assert getattr(decoded, name) == getattr(fact, name)


def test_a_view_decoder_refuses_another_types_payload_and_a_value_of_the_wrong_type() -> None:
    payload = pack(parse_line(line(_written_deployment()), "-", 1).fact)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.type"):
        VIEW_DECODERS["ForcesWithdrawn"].decode(payload)
    wrong = msgspec.msgpack.encode(msgspec.msgpack.decode(payload) | {"personnel": "many"})
    with pytest.raises(msgspec.ValidationError, match=r"\$\.personnel"):
        VIEW_DECODERS["ForcesDeployed"].decode(wrong)


def _written_deployment() -> dict[str, Any]:
    return {
        "type": "ForcesDeployed",
        "occurred": "2022-01-06",
        "mission": "m",
        "contributor": "RU",
        "personnel": 3,
        "sources": [{"publisher": "Wire"}],
        "note": "skipped by the view",
    }


# 2. The folds, view by view

_ids = iter(range(1_000_000))


def v(cls: type[View], occurred: str, **fields: Any) -> Any:
    """A view as the loop would decode it: an id, the date as written, the payload fields."""
    fields.setdefault("id", f"{cls.TYPE}-{next(_ids)}")
    return cls(occurred=occurred, **fields)


def fold(*views: AnyView, projection: Projection | None = None, v2: bool = False) -> dict[str, Any]:
    """Apply the views in the order given (replay order), each on its effective day; the
    document's `states` and `missions`, without what v2 adds to contingents and missions (`fact`,
    `strength`) unless `v2` (the tests of v1's rules compare v1's shapes)."""
    projection = projection or Projection()
    for view in views:
        projection.apply(view, parse_date(view.occurred).effective)
    world = msgspec.to_builtins(projection.world(date(9999, 12, 31), len(views)))
    if v2:
        return {"states": world["states"], "missions": world["missions"], "actors": world["actors"]}
    return {"states": world["states"], "missions": v1(world["missions"])} | {
        "states": {code: v1_state(s) for code, s in world["states"].items()}
    }


def v1(missions: dict[str, Any]) -> dict[str, Any]:
    for m in missions.values():
        del m["fact"], m["strength"]
        for c in m["contingents"].values():
            del c["fact"], c["strength"]
    return missions


def v1_state(state: dict[str, Any]) -> dict[str, Any]:
    for f in state["foreign_forces"]:
        del f["fact"], f["strength"]
    return state


def office(person: str | None, since: str, acting: bool, *facts: str) -> dict[str, Any]:
    return {"person": person, "since": since, "acting": acting, "facts": list(facts)}


def state(
    government: tuple[str, str] | None = None,
    offices: dict[str, Any] | None = None,
    forces: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status = None if government is None else {"status": government[0], "since": government[1]}
    return {"government": status, "offices": offices or {}, "foreign_forces": forces or []}


# Offices


def test_an_appointment_starts_an_entry_from_the_fact() -> None:
    a = v(OfficeAssumedView, "2022-01-05", state="KZ", office="president", person="ana")
    b = v(
        OfficeAssumedView, "2022-01-06?", state="KZ", office="minister-of-defence", person="ben", acting=True
    )
    c = v(OfficeAssumedView, "2022-01-07", state="KG", office="president", person="cai", acting=None)
    assert fold(a, b, c)["states"] == {
        "KG": state(offices={"president": office("cai", "2022-01-07", False, c.id)}),
        "KZ": state(
            offices={
                "minister-of-defence": office("ben", "2022-01-06?", True, b.id),
                "president": office("ana", "2022-01-05", False, a.id),
            }
        ),
    }


def test_prime_minister_appointed_is_the_office_prime_minister() -> None:
    pm = v(PrimeMinisterAppointedView, "2022-01-05", state="KZ", person="ana")
    same = v(OfficeAssumedView, "2022-01-05", state="KZ", office="prime-minister", person="ana")
    for appointment in (pm, same):
        assert fold(appointment)["states"] == {
            "KZ": state(
                ("in_office", "2022-01-05"),
                {"prime-minister": office("ana", "2022-01-05", False, appointment.id)},
            )
        }


def test_a_reappointment_of_the_holder_starts_a_new_entry() -> None:
    first = v(OfficeAssumedView, "2022-01-05", state="KZ", office="president", person="ana", acting=True)
    again = v(OfficeAssumedView, "2022-01-09", state="KZ", office="president", person="ana")
    assert fold(first, again)["states"]["KZ"]["offices"] == {
        "president": office("ana", "2022-01-09", False, again.id)
    }


def test_office_left_by_the_holder_leaves_the_office_vacant_and_listed() -> None:
    held = v(OfficeAssumedView, "2022-01-05", state="KZ", office="president", person="ana", acting=True)
    left = v(OfficeLeftView, "2022-01-08", state="KZ", office="president", person="ana", reason="resigned")
    assert fold(held, left)["states"] == {
        "KZ": state(offices={"president": office(None, "2022-01-08", False, left.id)})
    }


def test_office_left_by_someone_else_changes_nothing() -> None:
    held = v(OfficeAssumedView, "2022-01-05", state="KZ", office="president", person="ana")
    before = fold(held)
    others = [
        v(OfficeLeftView, "2022-01-08", state="KZ", office="president", person="ben"),  # not the holder
        v(OfficeLeftView, "2022-01-08", state="KZ", office="senator", person="ana"),  # another office
        v(OfficeLeftView, "2022-01-08", state="KG", office="president", person="ana"),  # another state
    ]
    assert fold(held, *others) == before
    assert "KG" not in fold(held, *others)["states"]
    # Leaving a vacant office changes nothing either.
    left = v(OfficeLeftView, "2022-01-08", state="KZ", office="president", person="ana")
    again = v(OfficeLeftView, "2022-01-09", state="KZ", office="president", person="ana")
    assert fold(held, left, again) == fold(held, left)


# Government


def test_a_dismissal_makes_the_government_caretaker_and_its_ministers_acting() -> None:
    pm = v(PrimeMinisterAppointedView, "2021-05-01", state="KZ", person="ana")
    deputy = v(
        OfficeAssumedView, "2021-05-02", state="KZ", office="first-deputy-prime-minister", person="ben"
    )
    defence = v(OfficeAssumedView, "2021-05-02", state="KZ", office="minister-of-defence", person="cai")
    president = v(OfficeAssumedView, "2021-05-02", state="KZ", office="president", person="dan")
    gone = v(OfficeAssumedView, "2021-05-02", state="KZ", office="minister-of-health", person="eve")
    left = v(OfficeLeftView, "2021-06-01", state="KZ", office="minister-of-health", person="eve")
    dismissed = v(GovernmentDismissedView, "2022-01-05", state="KZ", dismissed_by="dan")
    assert fold(pm, deputy, defence, president, gone, left, dismissed)["states"] == {
        "KZ": state(
            ("caretaker", "2022-01-05"),
            {
                "first-deputy-prime-minister": office("ben", "2021-05-02", True, deputy.id, dismissed.id),
                "minister-of-defence": office("cai", "2021-05-02", True, defence.id, dismissed.id),
                "minister-of-health": office(None, "2021-06-01", False, left.id),  # vacant: nobody acts
                "president": office("dan", "2021-05-02", False, president.id),  # not a minister
                "prime-minister": office("ana", "2021-05-01", True, pm.id, dismissed.id),
            },
        )
    }


def test_a_dismissal_of_a_state_without_offices_lists_it_caretaker() -> None:
    dismissed = v(GovernmentDismissedView, "2022-01", state="KG")
    assert fold(dismissed)["states"] == {"KG": state(("caretaker", "2022-01"))}


def test_since_changes_only_when_the_status_changes() -> None:
    pm = v(PrimeMinisterAppointedView, "2021-05-01", state="KZ", person="ana")
    first = v(GovernmentDismissedView, "2022-01-05", state="KZ")
    second = v(GovernmentDismissedView, "2022-01-06", state="KZ")
    states = fold(pm, first, second)["states"]
    assert states["KZ"]["government"] == {"status": "caretaker", "since": "2022-01-05"}
    assert states["KZ"]["offices"]["prime-minister"] == office(
        "ana", "2021-05-01", True, pm.id, first.id, second.id
    )
    other = v(PrimeMinisterAppointedView, "2021-09-01", state="KZ", person="ben")  # in office already
    assert fold(pm, other)["states"]["KZ"]["government"] == {"status": "in_office", "since": "2021-05-01"}


def test_a_reappointment_after_a_dismissal_ends_acting_and_a_non_acting_pm_ends_caretaker() -> None:
    pm = v(PrimeMinisterAppointedView, "2021-05-01", state="KZ", person="ana")
    defence = v(OfficeAssumedView, "2021-05-02", state="KZ", office="minister-of-defence", person="cai")
    dismissed = v(GovernmentDismissedView, "2022-01-05", state="KZ")
    acting_pm = v(PrimeMinisterAppointedView, "2022-01-06", state="KZ", person="ana", acting=True)
    reappointed = v(OfficeAssumedView, "2022-01-07", state="KZ", office="minister-of-defence", person="cai")
    # An acting prime minister after a dismissal: still caretaker.
    states = fold(pm, defence, dismissed, acting_pm, reappointed)["states"]
    assert states["KZ"]["government"] == {"status": "caretaker", "since": "2022-01-05"}
    assert states["KZ"]["offices"] == {
        "minister-of-defence": office("cai", "2022-01-07", False, reappointed.id),
        "prime-minister": office("ana", "2022-01-06", True, acting_pm.id),
    }
    # A non-acting one: in office again.
    new_pm = v(PrimeMinisterAppointedView, "2022-01-11", state="KZ", person="ben")
    states = fold(pm, defence, dismissed, acting_pm, reappointed, new_pm)["states"]
    assert states["KZ"]["government"] == {"status": "in_office", "since": "2022-01-11"}
    assert states["KZ"]["offices"]["prime-minister"] == office("ben", "2022-01-11", False, new_pm.id)


def test_a_first_acting_pm_appointment_puts_the_government_in_office() -> None:
    acting = v(PrimeMinisterAppointedView, "2022-01-06", state="KZ", person="ana", acting=True)
    assert fold(acting)["states"]["KZ"]["government"] == {"status": "in_office", "since": "2022-01-06"}
    acting = v(
        OfficeAssumedView, "2022-01-06", state="KZ", office="prime-minister", person="ana", acting=True
    )
    assert fold(acting)["states"]["KZ"]["government"] == {"status": "in_office", "since": "2022-01-06"}
    # Not after a dismissal: the government is already caretaker.
    dismissed = v(GovernmentDismissedView, "2022-01-05", state="KZ")
    assert fold(dismissed, acting)["states"]["KZ"]["government"] == {
        "status": "caretaker",
        "since": "2022-01-05",
    }


def test_other_offices_leave_the_government_alone() -> None:
    minister = v(OfficeAssumedView, "2022-01-06", state="KZ", office="minister-of-defence", person="ana")
    assert fold(minister)["states"]["KZ"]["government"] is None


def test_nominations_and_statements_change_nothing() -> None:
    pm = v(PrimeMinisterAppointedView, "2021-05-01", state="KZ", person="ana")
    nominated = v(PrimeMinisterNominatedView, "2022-01-10", state="KZ", person="ben")
    said = v(
        StatementMadeView, "2022-01-10", speaker="ben", summary="s", office="KZ/president", about=("KZ",)
    )
    assert fold(pm, nominated, said) == fold(pm)
    assert fold(nominated, said) == {"states": {}, "missions": {}}


# Missions


def mission(
    status: str | None,
    since: str | None,
    contingents: dict[str, Any] | None = None,
    *,
    organization: str | None = "csto",
    host: str | None = "KZ",
    withdrawal: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "organization": organization,
        "host": host,
        "status": status,
        "since": since,
        "contingents": contingents or {},
        "withdrawal": withdrawal,
    }


def contingent(status: str, since: str, personnel: int | None = None) -> dict[str, Any]:
    return {"status": status, "since": since, "personnel": personnel}


M = "csto-kz"


def test_every_stage_in_turn() -> None:
    stages = [
        (v(MissionRequestedView, "2022-01-05", mission=M, organization="csto", host="KZ"), "requested"),
        (v(MissionAuthorizedView, "2022-01-06", mission=M, organization="csto", host="KZ"), "authorized"),
        (v(ForcesDeployedView, "2022-01-07", mission=M, contributor="RU"), "deploying"),
        (v(DeploymentCompletedView, "2022-01-08", mission=M), "deployed"),
        (v(MissionCompletedView, "2022-01-09", mission=M), "completed"),
        (v(WithdrawalStartedView, "2022-01-10", mission=M), "withdrawing"),
        (v(ForcesWithdrawnView, "2022-01-11", mission=M), "withdrawn"),
    ]
    folded: list[AnyView] = []
    for view, stage in stages:
        folded.append(view)
        got = fold(*folded)["missions"][M]
        assert (got["status"], got["since"]) == (stage, view.occurred)
    assert fold(*folded)["missions"][M]["contingents"] == {"RU": contingent("withdrawn", "2022-01-11")}


def test_the_status_is_the_furthest_stage_reached() -> None:
    completed = v(MissionCompletedView, "2022-01-09", mission=M)
    later = [
        v(MissionRequestedView, "2022-01-10", mission=M, organization="un", host="KG"),
        v(MissionAuthorizedView, "2022-01-11", mission=M, organization="un", host="KG"),
        v(ForcesDeployedView, "2022-01-12", mission=M, contributor="RU"),  # not withdrawn: no redeployment
        v(DeploymentCompletedView, "2022-01-13", mission=M),
    ]
    got = fold(completed, *later)["missions"][M]
    assert (got["status"], got["since"]) == ("completed", "2022-01-09")
    assert (got["organization"], got["host"]) == ("un", "KG")  # the latest in replay order


def test_a_mission_exists_from_its_first_fact_its_status_null_until_a_stage() -> None:
    announced = v(WithdrawalAnnouncedView, "2022-01-11", mission=M)
    assert fold(announced)["missions"] == {
        M: mission(
            None,
            None,
            organization=None,
            host=None,
            withdrawal={"announced": "2022-01-11", "start_by": None, "complete_by": None},
        )
    }
    assert fold(v(DeploymentCompletedView, "2022-01-11", mission=M))["missions"][M] == mission(
        "deployed", "2022-01-11", organization=None, host=None
    )


def test_a_deployment_after_withdrawn_is_a_redeployment() -> None:
    deployed = v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KZ", personnel=100)
    withdrawn = v(ForcesWithdrawnView, "2022-01-12", mission=M)
    again = v(ForcesDeployedView, "2022-03-01", mission=M, contributor="BY")
    got = fold(deployed, withdrawn, again)["missions"][M]
    assert got == mission(
        "deploying",
        "2022-03-01",
        {"BY": contingent("deployed", "2022-03-01"), "RU": contingent("withdrawn", "2022-01-12", 100)},
        organization=None,
    )


def test_host_comes_from_the_latest_fact_that_names_one() -> None:
    requested = v(MissionRequestedView, "2022-01-05", mission=M, organization="csto", host="KZ")
    moved = v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KG")
    unnamed = v(ForcesDeployedView, "2022-01-07", mission=M, contributor="BY")
    assert fold(requested, moved, unnamed)["missions"][M]["host"] == "KG"


def test_a_contingents_since_moves_with_its_status_and_personnel_is_the_latest_non_null() -> None:
    views = [
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", personnel=100),
        v(ForcesDeployedView, "2022-01-07", mission=M, contributor="RU"),  # no personnel: kept
        v(ForcesDeployedView, "2022-01-08", mission=M, contributor="RU", personnel=0),
        v(ForcesWithdrawnView, "2022-01-09", mission=M, contributor="BY", personnel=7),  # informational
    ]
    assert fold(*views[:2])["missions"][M]["contingents"] == {"RU": contingent("deployed", "2022-01-06", 100)}
    assert fold(*views)["missions"][M]["contingents"] == {
        "BY": contingent("withdrawn", "2022-01-09"),
        "RU": contingent("deployed", "2022-01-06", 0),
    }


def test_withdrawal_started_with_and_without_a_contributor() -> None:
    base = [
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KZ"),
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="BY"),
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="AM"),
        v(ForcesWithdrawnView, "2022-01-08", mission=M, contributor="AM"),
    ]
    one = v(WithdrawalStartedView, "2022-01-10", mission=M, contributor="RU")
    got = fold(*base, one)["missions"][M]
    assert (got["status"], got["since"]) == ("withdrawing", "2022-01-08")  # since AM withdrew
    assert got["contingents"] == {
        "AM": contingent("withdrawn", "2022-01-08"),
        "BY": contingent("deployed", "2022-01-06"),
        "RU": contingent("withdrawing", "2022-01-10"),
    }
    got = fold(*base[:3], one)["missions"][M]
    assert (got["status"], got["since"]) == ("withdrawing", "2022-01-10")
    # Naming a contributor with no contingent yet: it exists from that fact.
    new = v(WithdrawalStartedView, "2022-01-10", mission=M, contributor="KG")
    assert fold(*base, new)["missions"][M]["contingents"]["KG"] == contingent("withdrawing", "2022-01-10")
    # Without: every deployed contingent, not the withdrawn one.
    every = v(WithdrawalStartedView, "2022-01-11", mission=M)
    assert fold(*base, one, every)["missions"][M]["contingents"] == {
        "AM": contingent("withdrawn", "2022-01-08"),
        "BY": contingent("withdrawing", "2022-01-11"),
        "RU": contingent("withdrawing", "2022-01-10"),  # already withdrawing: since kept
    }


def test_forces_withdrawn_with_and_without_a_contributor() -> None:
    base = [
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KZ"),
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="BY"),
        v(WithdrawalStartedView, "2022-01-09", mission=M, contributor="BY"),
    ]
    ru = v(ForcesWithdrawnView, "2022-01-10", mission=M, contributor="RU")
    got = fold(*base, ru)["missions"][M]
    assert (got["status"], got["since"]) == ("withdrawing", "2022-01-09")  # BY is still withdrawing
    by = v(ForcesWithdrawnView, "2022-01-12", mission=M, contributor="BY")
    got = fold(*base, ru, by)["missions"][M]
    assert (got["status"], got["since"]) == ("withdrawn", "2022-01-12")
    # Without a contributor: every contingent not yet withdrawn.
    every = v(ForcesWithdrawnView, "2022-01-13", mission=M)
    got = fold(*base, ru, every)["missions"][M]
    assert (got["status"], got["since"]) == ("withdrawn", "2022-01-13")
    assert got["contingents"] == {
        "BY": contingent("withdrawn", "2022-01-13"),
        "RU": contingent("withdrawn", "2022-01-10"),
    }
    # A ForcesWithdrawn naming a contingent, with another one still deployed: withdrawing.
    got = fold(*base[:2], ru)["missions"][M]
    assert (got["status"], got["since"]) == ("withdrawing", "2022-01-10")


@pytest.mark.parametrize(
    ("occurred", "starts", "completes", "start_by", "complete_by"),
    [
        ("2022-01-11", 2, 10, "2022-01-13", "2022-01-23"),
        ("2022-01-11", None, 10, None, "2022-01-21"),  # from the announcement's effective day
        ("2022-01-11", 2, None, "2022-01-13", None),
        ("2022-01-11", None, None, None, None),
        ("2022-01", 0, 1, "2022-01-31", "2022-02-01"),  # a month: its last day
        ("2022-01-11T23:30-05:00", 1, 0, "2022-01-12", "2022-01-12"),  # a moment: its local day
    ],
)
def test_withdrawal_deadlines(
    occurred: str, starts: int | None, completes: int | None, start_by: str | None, complete_by: str | None
) -> None:
    announced = v(
        WithdrawalAnnouncedView,
        occurred,
        mission=M,
        starts_within_days=starts,
        completes_within_days=completes,
    )
    assert fold(announced)["missions"][M]["withdrawal"] == {
        "announced": occurred,
        "start_by": start_by,
        "complete_by": complete_by,
    }


def test_a_later_announcement_replaces_an_earlier_one() -> None:
    first = v(
        WithdrawalAnnouncedView, "2022-01-11", mission=M, starts_within_days=2, completes_within_days=10
    )
    second = v(WithdrawalAnnouncedView, "2022-01-12", mission=M)
    assert fold(first, second)["missions"][M]["withdrawal"] == {
        "announced": "2022-01-12",
        "start_by": None,
        "complete_by": None,
    }


def test_a_deadline_after_9999_12_31_is_an_error() -> None:
    announced = v(WithdrawalAnnouncedView, "9999-12-01", mission=M, starts_within_days=31)
    with pytest.raises(ValueError, match="after 9999-12-31"):
        fold(announced)


# Foreign forces


def test_foreign_forces_are_the_contingents_on_the_hosts_soil() -> None:
    views = [
        v(MissionAuthorizedView, "2022-01-06", mission="b-mission", organization="csto", host="KZ"),
        v(ForcesDeployedView, "2022-01-06", mission="b-mission", contributor="RU", personnel=50),
        v(ForcesDeployedView, "2022-01-06", mission="b-mission", contributor="AM"),
        v(ForcesDeployedView, "2022-01-06", mission="b-mission", contributor="BY"),
        v(WithdrawalStartedView, "2022-01-10", mission="b-mission", contributor="BY"),
        v(ForcesWithdrawnView, "2022-01-11", mission="b-mission", contributor="AM"),
        v(ForcesDeployedView, "2022-01-07", mission="a-mission", contributor="TJ", host="KZ"),
        v(ForcesDeployedView, "2022-01-07", mission="elsewhere", contributor="RU", host="KG"),
        v(ForcesDeployedView, "2022-01-07", mission="no-host", contributor="RU"),
    ]
    states = fold(*views)["states"]
    assert states == {
        "KG": state(forces=[force("elsewhere", "RU", "deployed", "2022-01-07")]),
        "KZ": state(
            forces=[  # by mission, then contributor; AM has withdrawn
                force("a-mission", "TJ", "deployed", "2022-01-07"),
                force("b-mission", "BY", "withdrawing", "2022-01-10"),
                force("b-mission", "RU", "deployed", "2022-01-06", 50),
            ]
        ),
    }
    assert fold(*views)["missions"]["no-host"]["host"] is None


def force(
    mission: str, contributor: str, status: str, since: str, personnel: int | None = None
) -> dict[str, Any]:
    return {
        "mission": mission,
        "contributor": contributor,
        "status": status,
        "since": since,
        "personnel": personnel,
    }


def test_a_state_is_listed_with_offices_a_government_or_foreign_forces_only() -> None:
    gone = [
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KZ"),
        v(ForcesWithdrawnView, "2022-01-11", mission=M),
    ]
    assert fold(*gone)["states"] == {}
    assert list(fold(*gone)["missions"]) == [M]


# Snapshots


def test_a_restored_snapshot_folds_on_as_the_original() -> None:
    first = [
        v(PrimeMinisterAppointedView, "2021-05-01", state="KZ", person="ana"),
        v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KZ", personnel=10),
        v(WithdrawalAnnouncedView, "2022-01-11", mission=M, starts_within_days=2),
    ]
    rest = [
        v(GovernmentDismissedView, "2022-01-12", state="KZ"),
        v(WithdrawalStartedView, "2022-01-13", mission=M),
    ]
    projection = Projection()
    fold(*first, projection=projection)
    restored = Projection.restore(projection.snapshot())
    assert fold(*rest, projection=restored) == fold(*first, *rest)


def test_a_snapshot_is_the_same_whenever_claims_were_settled() -> None:
    """A snapshot settles the claims folded since the last one into strengths (`settle`): its
    bytes are the same whichever days were settled before, the document is the same settled or
    not, and a replay resuming from any of them folds on as the original."""
    by = (Publisher("tass"), Publisher("reuters"))
    days = [
        [v(StrengthReportedView, "2022-01-03", mission=M, contributor="BY", personnel=7, sources=by[:1])],
        [
            v(ForcesDeployedView, "2022-01-06", mission=M, contributor="RU", host="KZ", personnel=10),
            v(StrengthReportedView, "2022-01-06", mission=M, personnel=40, personnel_high=60, sources=by),
        ],
        [
            v(ForcesDeployedView, "2022-01-07", mission=M, contributor="BY", host="KZ"),
            v(StrengthReportedView, "2022-01-07", mission=M, contributor="RU", personnel=12, sources=by),
            v(StrengthReportedView, "2022-01-07", mission=M, contributor="RU", personnel=9, sources=by[1:]),
        ],
        [v(ForcesDeployedView, "2022-01-09", mission=M, contributor="AM", host="KZ", personnel=3)],
        [v(StrengthReportedView, "2022-01-10", mission=M, personnel=50, sources=by[:1])],
    ]
    flat = [view for day in days for view in day]
    plain = Projection()
    fold(*flat, projection=plain)
    want, document = plain.snapshot(), fold(*flat, v2=True)
    for settled in range(1 << (len(days) - 1)):  # every set of days after which a snapshot was taken
        p = Projection()
        for i, day in enumerate(days):
            fold(*day, projection=p)
            if settled >> i & 1:
                rest = [view for later in days[i + 1 :] for view in later]
                assert fold(*rest, projection=Projection.restore(p.snapshot()), v2=True) == document
        assert fold(projection=p, v2=True) == document
        assert p.snapshot() == want, settled
