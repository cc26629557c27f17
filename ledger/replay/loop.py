"""The replay loop: stored rows to a projection, a sink of your own, or the timeline.

Our projection's replay and the timeline read the replay index a page of whole days at a time
(`ledger.storage.sql.replay_page`: one row a page, its days listed, their payloads concatenated
in replay order): `Loop.feed_page` decodes each day's views with one call and hands them to the
projection's folds, `Loop.keep_page` keeps each day's whole facts with their seqs. A sink of your
own (`Ledger.run`), and any day a page cannot read, go row by row, `(seq, fact_id, type,
effective, payload, rank)` as plain tuples in replay order, through `Loop.feed`. Either way the
loop skips the rows beyond the knowledge horizon (in SQL for pages) and the corrected facts,
turns each new effective day into a date, and hands each fact on; nothing else is built per
fact, and memory holds the projection's state and a page or two, whatever the ledger size.

Per row (per day, for a page) the loop checks only what it does anyway: the seq compares with
the horizon, a new day must be a day, the type must be one of ours, the payload must decode
into that type's typed view or fact (with the type's tag). When anything fails on a row,
`codec.row_problem` says whether the row is to blame (LedgerCorrupt naming its entry) or the
error is the sink's own (raised as it is): the one place a bad row is diagnosed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from datetime import date
from itertools import pairwise
from typing import Any, Generic, Protocol, TypeVar

import msgspec

from ledger.entries import Folded
from ledger.facts import AnyFact, Fact
from ledger.replay.codec import FACT_DECODERS, VIEW_DECODERS, Decoder, index_error, row_problem
from ledger.replay.views import AnyView

# Every view type, decoded by the payload's own tag: a day's payloads in one msgpack array.
_DAY_DECODER: Decoder[list[AnyView]] = Decoder(list[AnyView])
_FACTS_DECODER: Decoder[list[AnyFact]] = Decoder(list[AnyFact])
_SEQS_DECODER = msgspec.json.Decoder(list[int])
# A page's day as `ledger.storage.sql.replay_page` lists it: effective, rows, unknown types,
# payload bytes; as `page_days` gives it: effective, rows, unknown types, where its payloads start
# and stop in the page's bytes, where its seqs start in the page's list.
_PAGE_DAYS_DECODER = msgspec.json.Decoder(list[tuple[int, int, int, int]])
Day = tuple[int, int, int, int, int, int]
_HEADERS = [bytes((0x90 | n,)) for n in range(16)] + [b"\xdc" + n.to_bytes(2, "big") for n in range(16, 4096)]


def _header(count: int) -> bytes:
    """The msgpack header of an array of `count` items."""
    if count < 4096:
        return _HEADERS[count]
    return (b"\xdc" + count.to_bytes(2, "big")) if count < 1 << 16 else (b"\xdd" + count.to_bytes(4, "big"))


SNAPSHOT_EVERY = 20_000  # the most facts folded between two projection snapshots, by default
SNAPSHOT_SHARE = 120  # by default, a snapshot every 1/120 of the ledger's entries (20,000 at most)
SNAPSHOT_MIN = 2_000  # and never closer than this: a smaller ledger replays fast without any


def default_interval(size: int) -> int:
    """The facts folded between two snapshots of a ledger of `size` entries, unless the ledger
    was opened with its own interval: a replay to any date then folds at most about 1/120 of the
    entries after the snapshot it resumes from (at most `SNAPSHOT_EVERY`, at least `SNAPSHOT_MIN`).
    What a replay from a snapshot costs beyond restoring it is the fold of the facts after it (and
    the strengths of the quantities they claim): 1/40 made that about half of issue 15's as-of
    figure, 1/120 a fifth, for three times the snapshots (docs/performance.md, "Snapshots")."""
    return min(SNAPSHOT_EVERY, max(SNAPSHOT_MIN, size // SNAPSHOT_SHARE))


V = TypeVar("V", AnyView, AnyFact)


class Sink(Protocol):
    """Anything that folds facts in replay order: `Ledger.run` gives it whole facts."""

    def apply(self, fact: Fact, effective: date) -> None: ...


class Loop(Generic[V]):
    """Feed it batches of rows in replay order; it decodes those within the knowledge horizon
    with `decoders` and folds them into `apply`, or, without `apply`, keeps them in `kept` as
    `Folded` (seq, effective day, value).

    `size` keeps entries with seq < size; `corrected` holds the ids hidden by a
    retraction or supersession among them. With `snapshot`, the loop keeps the
    projection's state at the end of a day once `every` facts were folded
    since the last snapshot. `since` is the day the state it folds into is at.
    """

    def __init__(
        self,
        decoders: Mapping[str, Decoder[V]],
        size: int,
        corrected: Set[str],
        *,
        apply: Callable[[V, date], None] | None = None,
        snapshot: Callable[[], bytes] | None = None,
        every: int = SNAPSHOT_EVERY,
        since: int = 0,
        folds: tuple[object, Mapping[type, Callable[[Any, Any, date], None]]] | None = None,
    ) -> None:
        self.folds = folds  # (model, handler by view class): what `apply` does, for `feed_page`
        self.decoders: Mapping[str, Decoder[V]] = decoders
        self.apply: Callable[[V, date], None] | None = apply
        self.size, self.corrected = size, corrected
        self.snapshot, self.every = snapshot, every
        self.snapshots: list[tuple[int, bytes]] = []
        self.kept: list[Folded] = []  # without `apply`: each fact with its seq and day
        self._day, self._date, self._pending = since, date.min, 0

    def feed(self, rows: Iterable[Sequence[Any]]) -> None:
        """Fold the rows. A failure on a malformed row is LedgerCorrupt naming its entry; on a
        well-formed row it is the sink's own error, raised as it is."""
        apply, keep, size, corrected = self.apply, self.kept.append, self.size, self.corrected
        decoders = self.decoders
        seq = fact_id = type_ = effective = payload = None
        try:
            for seq, fact_id, type_, effective, payload, _rank in rows:
                if seq >= size or fact_id in corrected:
                    continue
                if effective != self._day:
                    self._new_day(effective)  # date.fromordinal: a day, or it raises
                value = decoders[type_].decode(payload)
                if apply is not None:
                    apply(value, self._date)
                else:
                    keep(Folded(seq, self._day, value))  # type: ignore[arg-type]
                self._pending += 1
        except Exception:
            problem = row_problem(seq, fact_id, type_, effective, payload)
            if problem is None:
                raise
            raise index_error(seq, fact_id, problem) from None

    @property
    def day(self) -> int:
        """The effective day being folded (or last folded)."""
        return self._day

    def feed_page(self, days: list[Day], payloads: Any) -> int | None:
        """Fold a page of whole days, a row (days, payloads) of `ledger.storage.sql.replay_page`
        (its days read by `page_days`): each day's views decoded with one call (measured faster
        than one call for the page, whose views would all be alive at once), then folded. A day
        this cannot read (a type column it does not know, payloads that do not decode as its
        count of views, a day that is no day) is left untouched, and its effective day returned,
        the days before it folded, for the caller to feed its rows one by one (`feed`), which
        says what is wrong; None when every day was folded. The loop must fold views (`apply`)
        of rows already within the horizon (seq < size, in SQL)."""
        apply, corrected, decode = self.apply, self.corrected, _DAY_DECODER.decode
        assert apply is not None
        model, fold = (None, None) if self.folds is None else (self.folds[0], self.folds[1].get)
        page = memoryview(payloads) if isinstance(payloads, bytes) else payloads  # slices copy nothing
        for effective, count, unknown, start, stop, _ in days:
            try:
                if unknown:
                    return effective
                views = decode(_header(count) + page[start:stop])
                if effective != self._day:
                    self._new_day(effective)
            except Exception:
                return effective
            day = self._date
            if fold is None:
                for view in views:
                    if view.id in corrected:
                        count -= 1
                    else:
                        apply(view, day)  # type: ignore[arg-type]
            else:  # `apply` is `model`'s: the same dispatch, one Python call less per view
                for view in views:
                    if view.id in corrected:
                        count -= 1
                        continue
                    handler = fold(type(view))
                    if handler is not None:
                        handler(model, view, day)
            self._pending += count
        return None

    def keep_page(self, days: list[Day], seqs: Any, payloads: Any) -> int | None:
        """Keep the facts of a page of whole days, a row (days, seqs, payloads) of
        `ledger.storage.sql.replay_page(..., seqs=True)`, as `feed` keeps them without `apply`:
        each day's facts decoded with one call. A day this cannot read is left untouched and its
        effective day returned, as `feed_page` does; None when every day was kept."""
        keep, corrected, decode = self.kept.append, self.corrected, _FACTS_DECODER.decode
        page = memoryview(payloads) if isinstance(payloads, bytes) else payloads
        numbers, listed = _seqs(seqs), []
        if numbers is None or len(numbers) != sum(day[1] for day in days):
            numbers = None  # read day by day, which finds the day to blame
            listed = seqs.split(",") if isinstance(seqs, str) else []
        for effective, count, unknown, start, stop, first in days:
            try:
                if unknown:
                    return effective
                facts = decode(_header(count) + page[start:stop])
                if numbers is None:
                    day_seqs = _seqs(",".join(listed[first : first + count]))
                    if day_seqs is None or len(day_seqs) != count:
                        return effective
                else:
                    day_seqs = numbers[first : first + count]
                if effective != self._day:
                    self._new_day(effective)
            except Exception:
                return effective
            for seq, fact in zip(day_seqs, facts, strict=True):
                if fact.id not in corrected:
                    keep(Folded(seq, effective, fact))
        return None

    def _new_day(self, effective: int) -> None:
        # Never a snapshot of day 0, the descriptions' (`ledger.facts.replay_day`): a snapshot is
        # of a real day, and a replay from none reads day 0 first.
        if self.snapshot is not None and self._pending >= self.every and self._day > 0:
            self.snapshots.append((self._day, self.snapshot()))  # the state after day self._day
            self._pending = 0
        self._date = date.fromordinal(effective)
        self._day = effective

    def finish(self, upto: int) -> None:
        """Every fact up to day `upto` was fed: the state is the state after that day."""
        if self.snapshot is not None and self._pending >= self.every and upto > 0:
            self.snapshots.append((upto, self.snapshot()))
            self._pending = 0


def page_days(text: Any) -> list[Day] | None:
    """The days of a page (`ledger.storage.sql.replay_page`) in day order, each with where its
    payloads are in the page's bytes and its seqs in the page's list; none for a page of none;
    None when the list cannot be read (an effective day that is no whole number) or says a day
    has no payload bytes at all (NULL): the caller then reads the rows one by one, which names the
    row to blame."""
    if text is None:
        return []
    try:
        listed = _PAGE_DAYS_DECODER.decode(text)
    except (msgspec.MsgspecError, TypeError):
        return None
    days: list[Day] = []
    at = first = 0
    for effective, count, unknown, length in listed:
        if length < 0:  # payloads that are all NULL
            return None
        days.append((effective, count, unknown, at, at + length, first))
        at += length
        first += count
    # SQLite concatenates the days in the order its subquery hands them over, day order in every
    # version tried (PostgreSQL is told the order); sorted here all the same, each day with its
    # own slices, so that no version's plan can fold days out of order.
    if any(a[0] >= b[0] for a, b in pairwise(days)):
        days.sort()
    return days


def _seqs(text: Any) -> list[int] | None:
    """Seqs listed as text, "3,17,4", or None when that is not what `text` is."""
    try:
        return _SEQS_DECODER.decode(f"[{text}]") if isinstance(text, str) else None
    except msgspec.MsgspecError:
        return None


def view_loop(
    apply: Callable[[AnyView, date], None],
    size: int,
    corrected: Set[str],
    *,
    snapshot: Callable[[], bytes] | None = None,
    every: int = SNAPSHOT_EVERY,
    since: int = 0,
    folds: tuple[object, Mapping[type, Callable[[Any, Any, date], None]]] | None = None,
) -> Loop[AnyView]:
    """The loop of our projection: views, without citations. With `folds` (a model and the
    handler of each view class that `apply` calls, `handler(model, view, day)`), `feed_page`
    calls the handlers itself."""
    return Loop(
        VIEW_DECODERS, size, corrected, apply=apply, snapshot=snapshot, every=every, since=since, folds=folds
    )


def fact_loop(apply: Callable[[AnyFact, date], None] | None, size: int, corrected: Set[str]) -> Loop[AnyFact]:
    """The loop of a sink of your own (`apply`), or of the timeline (no `apply`): whole facts."""
    return Loop(FACT_DECODERS, size, corrected, apply=apply)


def timeline(loop: Loop[AnyFact]) -> list[Folded]:
    """The facts a loop without `apply` kept, with their seq and effective day."""
    return list(loop.kept)
