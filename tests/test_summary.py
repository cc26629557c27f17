"""The one-line summary of a fact (`ledger.summary`, issue item 7): what happened, for every type."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
import pytest
from strategies import fact

from ledger.facts import BY_TAG, AnyFact
from ledger.summary import summary

D = date(2022, 1, 11)
M = "csto-kazakhstan-2022"


def made(type_: str, occurred: str = "2022-01-11", **fields: Any) -> AnyFact:
    raw = fact(type_, occurred, id="x", **fields)
    return msgspec.convert(raw, AnyFact)  # type: ignore[arg-type]


CASES = [
    (
        made("GovernmentOverthrown", state="NE", by="abdourahamane-tchiani", ousted=["mohamed-bazoum"]),
        "NE government overthrown by abdourahamane-tchiani, ousting mohamed-bazoum",
    ),
    (
        made("PrimeMinisterAppointed", state="NE", person="hassoumi-massaoudou", interim=True),
        "hassoumi-massaoudou appointed interim NE prime-minister",
    ),
    (
        made("StrengthReported", mission=M, contributor="FR", personnel=1000, personnel_high=1500),
        f"FR in {M}: 1,000 to 1,500 personnel reported",
    ),
    (made("StrengthReported", mission=M, personnel=3000), f"{M}: 3,000 personnel reported"),
    (
        made("ActorDescribed", actor="KZ", names={"en": "Kazakhstan", "ru": "Казахстан"}, wikidata="Q232"),
        "KZ described (Q232): en: Kazakhstan, ru: Казахстан",
    ),
    (
        made("GovernmentDismissed", state="KZ", dismissed_by="kassym-jomart-tokayev"),
        "KZ government dismissed by kassym-jomart-tokayev",
    ),
    (made("GovernmentDismissed", state="KZ"), "KZ government dismissed"),
    (
        made("OfficeLeft", state="KZ", office="prime-minister", person="askar-mamin", reason="dismissed"),
        "askar-mamin left office as KZ prime-minister (dismissed)",
    ),
    (
        made("OfficeLeft", state="KZ", office="president", person="p", reason="term-ended"),
        "p left office as KZ president (term ended)",
    ),
    (made("OfficeLeft", state="KZ", office="president", person="p"), "p left office as KZ president"),
    (
        made("PrimeMinisterNominated", state="KZ", person="alikhan-smailov", nominated_by="t"),
        "alikhan-smailov nominated KZ prime-minister by t",
    ),
    (
        made("PrimeMinisterAppointed", state="KZ", person="alikhan-smailov", acting=True),
        "alikhan-smailov appointed acting KZ prime-minister",
    ),
    (
        made("PrimeMinisterAppointed", state="KZ", person="a", appointed_by="t"),
        "a appointed KZ prime-minister by t",
    ),
    (
        made(
            "OfficeAssumed", state="KZ", office="defence-minister", person="p", acting=True, appointed_by="t"
        ),
        "p appointed acting KZ defence-minister by t",
    ),
    (
        made("MissionRequested", mission=M, organization="csto", host="KZ", requested_by="t"),
        f"t requested {M} (csto) for KZ",
    ),
    (
        made("MissionRequested", mission=M, organization="csto", host="KZ"),
        f"{M} (csto) requested for KZ",
    ),
    (
        made(
            "MissionAuthorized",
            mission=M,
            organization="csto",
            host="KZ",
            body="the council",
            mandate="Keep order.",
        ),
        f"{M} (csto) authorized for KZ by the council: Keep order.",
    ),
    (
        made("ForcesDeployed", mission=M, contributor="RU", host="KZ", personnel=3000),
        f"RU deployed 3,000 personnel to KZ ({M})",
    ),
    (made("ForcesDeployed", mission=M, contributor="RU"), f"RU deployed forces ({M})"),
    (made("DeploymentCompleted", mission=M), f"{M} deployment completed"),
    (made("MissionCompleted", mission=M, declared_by="t"), f"{M} completed, declared by t"),
    (
        made(
            "WithdrawalAnnounced", mission=M, announced_by="t", starts_within_days=2, completes_within_days=10
        ),
        f"{M} withdrawal announced by t: start by 2022-01-13, complete by 2022-01-23",
    ),
    (
        made("WithdrawalAnnounced", mission=M, completes_within_days=10),
        f"{M} withdrawal announced: complete by 2022-01-21",
    ),
    (made("WithdrawalAnnounced", mission=M), f"{M} withdrawal announced, no deadline given"),
    (made("WithdrawalStarted", mission=M, contributor="RU"), f"RU started withdrawing from {M}"),
    (made("WithdrawalStarted", mission=M), f"{M} withdrawal started (every deployed contingent)"),
    (
        made("ForcesWithdrawn", mission=M, contributor="RU", personnel=1200),
        f"RU withdrawn from {M}, 1,200 personnel",
    ),
    (made("ForcesWithdrawn", mission=M), f"every contingent withdrawn from {M}"),
    (
        made("StatementMade", speaker="s", office="KZ/president", summary="Order is restored."),
        "s (KZ/president): Order is restored.",
    ),
    (made("FactRetracted", target="y", reason="A mistake."), "retracts y: A mistake."),
    (made("DeploymentCompleted", mission=M, supersedes="old"), f"{M} deployment completed (corrects old)"),
]


@pytest.mark.parametrize(("f", "text"), CASES, ids=[f"{i}-{f.type}" for i, (f, _) in enumerate(CASES)])
def test_summary(f: AnyFact, text: str) -> None:
    assert summary(f, D) == text


def test_every_type_has_a_sentence_of_its_own() -> None:
    assert {f.type for f, _ in CASES} == set(BY_TAG)
    for f, text in CASES:
        assert "=" not in text, f.type  # not the `name=value` fallback


def test_deadlines_are_those_replay_computes() -> None:
    """A deadline counts from the announcement's effective day (2022-01 is 2022-01-31)."""
    f = made("WithdrawalAnnounced", "2022-01", mission=M, starts_within_days=1, completes_within_days=1)
    assert summary(f, date(2022, 1, 31)).endswith("start by 2022-02-01, complete by 2022-02-02")


def test_names_replace_slugs_and_codes() -> None:
    f = made("OfficeLeft", state="KZ", office="prime-minister", person="askar-mamin", reason="resigned")
    names = {"KZ": "Kazakhstan", "prime-minister": "prime minister", "askar-mamin": "Askar Mamin"}
    assert (
        summary(f, D, name=lambda a: names.get(a, a))
        == "Askar Mamin left office as Kazakhstan prime minister (resigned)"
    )


def test_an_unknown_type_shows_its_fields() -> None:
    from ledger.summary import _fields

    f = made("ForcesDeployed", mission=M, contributor="RU", personnel=5)
    assert _fields(f) == f"mission={M} contributor=RU personnel=5"
