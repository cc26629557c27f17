"""Descriptions of actors (contract section 10): folded as knowledge, shown in every document
that names the actor, and read back as a name in a language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from ledger.codes import is_state, iso_name
from ledger.errors import UsageError
from ledger.facts import LANGUAGE_TAG
from ledger.hints import shown
from ledger.replay.views import ActorDescribedView
from projections.state import Model
from projections.world import Description


def describe(model: Model, view: ActorDescribedView, _: date) -> None:
    """Names merge by language in recording order (the later name for a language wins); the
    Wikidata id is the latest given. Descriptions sort at day 0 by seq: recording order."""
    known = model.actors.get(view.actor)
    if known is None:
        model.actors[view.actor] = Description(dict(view.names), view.wikidata)
        return
    known.names.update(view.names)
    if view.wikidata is not None:
        known.wikidata = view.wikidata


def described(actors: Mapping[str, Description], named: Iterable[str]) -> dict[str, Description]:
    """The descriptions of the actors `named` that have one, by actor, names by language tag."""
    found = {a for a in named if a in actors}
    return {a: Description(dict(sorted(actors[a].names.items())), actors[a].wikidata) for a in sorted(found)}


def _lookup(names: Mapping[str, str], lang: str) -> str | None:
    """The name for `lang` (BCP 47): the tag itself, in any case, then ever shorter prefixes of it
    (`zh-Hant-TW`, `zh-Hant`, `zh`), as RFC 4647's lookup does."""
    folded = {tag.lower(): name for tag, name in names.items()}
    tag = lang.lower()
    while tag:
        if tag in folded:
            return folded[tag]
        tag = tag.rpartition("-")[0]
    return None


def name_in(actor: str, actors: Mapping[str, Description], lang: str) -> str | None:
    """`actor`'s described name in language `lang` (RFC 4647 lookup), or None without one."""
    description = actors.get(actor)
    return None if description is None else _lookup(description.names, lang)


def described_name(actor: str, actors: Mapping[str, Description], lang: str = "en") -> str:
    """The name to show for `actor` in language `lang` (contract section 10): its described name
    in that language; else, for a state code, its ISO 3166 name (English); else the slug or code."""
    name = name_in(actor, actors, lang)
    if name is not None:
        return name
    if is_state(actor):
        return iso_name(actor) or actor
    return actor


_TAG = re.compile(LANGUAGE_TAG)


def language(lang: str, param: str = "lang") -> str:
    """`lang` if it is a BCP 47 language tag, checked loosely as the facts' tags are (`en`, `ar`,
    `zh-Hant-TW`); else a UsageError naming `param`."""
    if not _TAG.fullmatch(lang):
        value = lang if lang.isprintable() and 0 < len(lang) <= 40 else shown(lang, 40)
        raise UsageError(
            "not a BCP 47 language tag (such as en, ar, ru or zh-Hant)", param=param, value=value
        )
    return lang


def names(actors: Mapping[str, Description], lang: str = "en") -> Callable[[str], str]:
    """`described_name` in `lang` as a function of the actor alone, for tables and summaries
    (`ledger.summary`'s `name`): each actor looked up once. `lang` is checked (`language`)."""
    language(lang)
    found: dict[str, str] = {}

    def name(actor: str) -> str:
        shown = found.get(actor)
        if shown is None:
            shown = found[actor] = described_name(actor, actors, lang)
        return shown

    return name
