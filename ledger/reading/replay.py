"""Plans for replay (contract section 4): the fast loop over pages of the replay index, resuming
from a projection snapshot, for our projections, a caller's own, and the timeline."""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import date
from typing import Any, NamedTuple

from ledger.entries import Folded
from ledger.reading import log
from ledger.reading.args import known_mission, state_code
from ledger.reading.entries import corrected, horizon, size
from ledger.reading.plans import Ahead, Plan, Query, Stream, collect, transform
from ledger.replay.codec import index_error, row_problem
from ledger.replay.loop import (
    SNAPSHOT_EVERY,
    Day,
    Loop,
    Sink,
    default_interval,
    fact_loop,
    page_days,
    view_loop,
)
from ledger.replay.loop import timeline as kept_facts
from ledger.replay.views import VIEWS, AnyView
from ledger.storage import sql
from ledger.storage.checks import snapshot_row
from projections.actors import described
from projections.fold import FOLDS, Projection, named_in
from projections.spells import Spell, Spells
from projections.timeline import narrow
from projections.world import Description, World


class Answer(NamedTuple):
    """A replay's world, the horizon it was made at, and the snapshots it took for that size."""

    world: World
    size: int
    snapshots: list[tuple[int, bytes]]


def world(
    day: date,
    size_: int | None,
    known_at: str | None,
    where: str,
    *,
    snapshots: bool,
    every: int | None,
    states: frozenset[str] | None = None,
) -> Plan[Answer]:
    """The world on `day` as the ledger knew it (contract section 5): the knowledge horizon, its
    Merkle root, and the fold, resuming from a snapshot when the whole ledger is replayed (and
    taking them `every` folded facts; None: `default_interval` of the ledger's size); with
    `states`, only those states and the missions they host or contribute to (`select`)."""
    n = yield from horizon(size_, known_at)
    root = yield from log.root(n)
    full = snapshots and n == (yield from size())
    interval = default_interval(n) if every is None else every
    replayed = yield from fold(n, day.toordinal(), where, snapshots=full, every=interval)
    answer = replayed.projection.world(day, n, root.hex())
    return Answer(answer if states is None else select(answer, states), n, replayed.snapshots)


def select(world: World, states: Set[str]) -> World:
    """`world` with only `states` (those of them it lists) and the missions they host or have a
    contingent in, whatever its status, and the descriptions of the actors those name; every
    other part of the document as it was."""
    missions = {
        name: m
        for name, m in world.missions.items()
        if m.host in states or any(code in states for code in m.contingents)
    }
    kept = {code: s for code, s in world.states.items() if code in states}
    # `actors` describes the actors this narrower document still names (contract section 10).
    return World(world.as_of, world.ledger, kept, missions, described(world.actors, named_in(kept, missions)))


def descriptions(n: int, where: str) -> Plan[dict[str, Description]]:
    """The descriptions of actors (contract section 10) known to the first `n` entries, by actor:
    day 0 of the replay index alone, where they all sort, less the corrected ones."""
    replayed = yield from fold(n, 0, where, snapshots=False)
    actors = replayed.projection.actors
    return described(actors, actors)


class Replayed(NamedTuple):
    """Our projection after a replay, and the snapshots taken on the way (for `size` entries)."""

    projection: Projection
    snapshots: list[tuple[int, bytes]]


def _page_query(key: tuple[int, int, int], upto: int, skip_ranks: tuple[int, ...]) -> Query:
    return Query(sql.replay(skip_ranks), (*key, upto, sql.PAGE))


def _next_key(rows: list[Any]) -> tuple[int, int, int] | None:
    """Where the page after `rows` starts, or None when `rows` was the last page."""
    if len(rows) < sql.PAGE:
        return None
    seq, _, _, effective, _, rank = rows[-1]
    return (effective, rank, seq)


def fold(n: int, upto: int, where: str, *, snapshots: bool, every: int = SNAPSHOT_EVERY) -> Plan[Replayed]:
    """Our projection after the first `n` entries, to day `upto`. With `snapshots`, resume from
    the latest snapshot valid for `n` entries and take new ones every `every` facts."""
    since, projection = 0, Projection()
    if snapshots:
        found = yield Query(sql.SNAPSHOT, (n, upto))
        if found:
            since, state = snapshot_row(where, *found[0])
            projection = Projection.restore(state)
    hidden = yield from corrected(n)
    taken = yield from fold_into(projection, since, upto, n, hidden, every=every if snapshots else None)
    return Replayed(projection, taken)


def fold_into(
    projection: Projection, since: int, upto: int, n: int, hidden: Set[str], *, every: int | None = None
) -> Plan[list[tuple[int, bytes]]]:
    """Fold the facts of days (`since`, `upto`] known to the first `n` entries, less the `hidden`
    ones, into `projection`; with `every`, take a snapshot every `every` facts (returned). A bad
    row is LedgerCorrupt naming its entry (`ledger.replay.loop`)."""
    loop = view_loop(
        projection.apply,
        n,
        hidden,
        snapshot=projection.snapshot if every is not None else None,
        every=every or SNAPSHOT_EVERY,
        since=since,
        folds=(projection, FOLDS),
    )
    # From the start, day 0 too: the descriptions, which apply at every date, sort there (before
    # every real day; a snapshot of a real day holds them). `timeline` and `run` start after it.
    yield from _fold_days(loop, since if since else -1, upto, n, Projection.IGNORES)
    loop.finish(upto)
    return loop.snapshots


_TYPES = tuple(VIEWS)


def _fold_days(loop: Loop[AnyView], after: int, upto: int, n: int, skip: tuple[int, ...]) -> Plan[None]:
    """Fold the days (`after`, `upto`] of the rows with seq < `n` into `loop`, a page of whole
    days at a time (`sql.replay_page`), the next page asked for ahead (`plans.Ahead`) while this
    one is folded. A day the page cannot fold (`Loop.feed_page`) is read again row by row, which
    names the row to blame, or folds the day if none is; an error of the projection is
    LedgerCorrupt when a row of its day is to blame, else raised as it is."""
    statement = sql.replay_page(_TYPES, skip)
    limit = sql.DAYS
    page = yield Query(statement, (after, upto, n, limit))
    while True:
        days = page_days(page[0][0])
        if days is None:  # a page that cannot be read: row by row to the end, naming the bad row
            yield from _feed_rows(loop, (after, sql.BEFORE_DAY_RANK, sql.BEFORE_DAY_SEQ), upto, skip)
            return
        if len(days) == limit and _worth_reading_ahead(days):
            yield Ahead(Query(statement, (days[-1][0], upto, n, _days_per_page(limit, days, sql.PAGE_ROWS))))
        try:
            bad = loop.feed_page(days, page[0][1]) if days else None
        except Exception:
            yield from _blame_a_row(loop.day, n, skip)
            raise
        if bad is not None:
            yield from _feed_rows(loop, (bad, -sql.BEFORE_DAY_SEQ, -sql.BEFORE_DAY_SEQ), bad, skip)
            after = bad
        elif len(days) < limit:
            return
        else:
            after = days[-1][0]
        limit = _days_per_page(limit, days, sql.PAGE_ROWS)
        page = yield Query(statement, (after, upto, n, limit))


def _feed_rows(loop: Loop[Any], key: tuple[int, int, int], upto: int, skip: tuple[int, ...]) -> Plan[None]:
    """Feed `loop` the rows after `key` (effective, rank, seq) up to day `upto`, row by row
    (`Loop.feed`, which names a row to blame), a page at a time."""
    after: tuple[int, int, int] | None = key
    while after is not None:
        rows = yield _page_query(after, upto, skip)
        loop.feed(rows)
        after = _next_key(rows)


def _blame_a_row(day: Any, n: int, skip: tuple[int, ...]) -> Plan[None]:
    """LedgerCorrupt naming the first row of `day` within the first `n` entries that is to blame
    (`codec.row_problem`), if one is."""
    key: tuple[Any, int, int] | None = (day, -sql.BEFORE_DAY_SEQ, -sql.BEFORE_DAY_SEQ)
    while key is not None:
        rows = yield _page_query(key, day, skip)
        for seq, fact_id, type_, effective, payload, _rank in rows:
            if type(seq) is int and seq < n:
                problem = row_problem(seq, fact_id, type_, effective, payload)
                if problem is not None:
                    raise index_error(seq, fact_id, problem)
        key = _next_key(rows)


def run(sink: Sink, n: int, upto: int) -> Plan[Sink]:
    """A caller's own projection, fed every fact replay folds up to day `upto`, with sources."""
    loop = fact_loop(sink.apply, n, (yield from corrected(n)))
    yield from _feed_rows(loop, (0, sql.BEFORE_DAY_RANK, sql.BEFORE_DAY_SEQ), upto, ())
    return sink


def narrowed_timeline(
    n: int, first: int | None, last: int, *, state: str | None, mission: str | None
) -> Plan[list[Folded]]:
    """The timeline of `Ledger.timeline`: the folded facts of days `first` to `last` known to the
    first `n` entries, about `state` and `mission`. A `state` that is no state code, or a
    `mission` that none of those entries creates (on any day), is a UsageError with a hint."""
    if state is not None:
        state_code(state)
    folded = yield from timeline(n, last if mission is None else date.max.toordinal())
    if mission is not None:
        # The mission types create a mission (contract section 4; StatementMade.about does not).
        missions = {str(getattr(f.fact, "mission", None)) for f in folded if f.fact.MISSION}
        known_mission(mission, missions)
        folded = [f for f in folded if f.effective <= last]
    return narrow(folded, start=first, state=state, mission=mission)


def timeline(n: int, upto: int) -> Plan[list[Folded]]:
    """The facts replay folds up to day `upto`, with their seq and effective day, in replay order."""
    return (yield from collect(folded(n, upto)))


def folded(n: int, upto: int) -> Stream[Folded]:
    """`timeline` as a stream of folded facts (`folded_pages`, one by one)."""
    return transform(folded_pages(n, upto), _items)


def _items(page: list[Folded]) -> list[Folded]:
    return page


def folded_pages(n: int, upto: int) -> Stream[list[Folded]]:
    """`timeline` as a stream of pages: each page's folded facts, a list, handed on before the
    next page is read (which is asked for ahead, `plans.Ahead`), so that memory holds about two
    pages whatever the ledger's size (`ledger export facts`). A page is whole days
    (`sql.replay_page`), each day's facts decoded with one call; a day that cannot be read so is
    read row by row, which names the row to blame."""
    loop = fact_loop(None, n, (yield from corrected(n)))
    statement = sql.replay_page(_TYPES, seqs=True)
    after = 0  # day 0 (the descriptions) is no day of the timeline
    limit = sql.DAYS
    page = yield Query(statement, (after, upto, n, limit))
    while True:
        days = page_days(page[0][0])
        if days is None:  # a page that cannot be read: row by row to the end, naming the bad row
            key: tuple[Any, int, int] | None = (after, sql.BEFORE_DAY_RANK, sql.BEFORE_DAY_SEQ)
            while key is not None:
                rows = yield _page_query(key, upto, ())
                loop.feed(rows)
                key = _next_key(rows)
                if loop.kept:
                    yield kept_facts(loop)
                    loop.kept.clear()
            return
        if len(days) == limit and _worth_reading_ahead(days):
            following = _days_per_page(limit, days, sql.EXPORT_ROWS)
            yield Ahead(Query(statement, (days[-1][0], upto, n, following)))
        bad = loop.keep_page(days, page[0][1], page[0][2]) if days else None
        if bad is not None:
            yield from _feed_rows(loop, (bad, -sql.BEFORE_DAY_SEQ, -sql.BEFORE_DAY_SEQ), bad, ())
            after = bad
        elif len(days) == limit:
            after = days[-1][0]
        if loop.kept:
            yield kept_facts(loop)
            loop.kept.clear()
        if bad is None and len(days) < limit:
            return
        limit = _days_per_page(limit, days, sql.EXPORT_ROWS)
        page = yield Query(statement, (after, upto, n, limit))


def _worth_reading_ahead(days: list[Day]) -> bool:
    """Whether to fetch the next page in another thread while this one is folded: only when this
    one has rows enough (`sql.AHEAD_ROWS`) that folding it takes longer than that thread waits for
    the GIL (up to 5 ms a wait); a replay that folds a page or two (to a date, from a snapshot)
    reads them one after the other, as fast."""
    return sum(day[1] for day in days) >= sql.AHEAD_ROWS


def _days_per_page(limit: int, days: list[Day], rows: int) -> int:
    """How many days the next page asks for: about `rows` rows, at the density of the page just
    read (so that memory holds about one page of rows, however dense the days), and at most
    twice the rows just read: the pages grow from the first query's few days (`sql.DAYS`, quick
    for a replay that folds little), and those too small to be read ahead
    (`_worth_reading_ahead`) are fetched while the fold waits, so none is much larger than the
    page before it."""
    read = max(1, sum(day[1] for day in days))
    return max(1, min(sql.DAYS_MAX, limit * min(rows, 2 * read) // read))


def spells(n: int, upto: int, lang: str) -> Plan[list[Spell]]:
    """The office and contingent spells of the first `n` entries up to day `upto` (contract
    section 14), sorted, holders named in `lang`: our projection folded from the start, watched."""
    watcher = Spells()
    yield from views(watcher.apply, n, upto)
    return watcher.finish(lang)


def views(apply: Callable[[AnyView, date], None], n: int, upto: int) -> Plan[None]:
    """Feed `apply` the views our projection folds (descriptions first, at day 0) from the first
    entries' facts up to day `upto`, less the corrected ones, in replay order."""
    hidden = yield from corrected(n)
    loop = view_loop(apply, n, hidden)
    yield from _fold_days(loop, -1, upto, n, Projection.IGNORES)
