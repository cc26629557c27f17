"""The plan of `Ledger.chart` (contract section 15): one replay from the first fact up to the last
day shown, watched by `ledger.chart.build.ChartFold`, and the chart built from it."""

from __future__ import annotations

from datetime import date

from ledger.chart.build import ChartFold, build
from ledger.chart.shape import Chart
from ledger.reading import log
from ledger.reading.args import known_mission, state_code
from ledger.reading.plans import Plan
from ledger.reading.replay import views


def chart(
    n: int,
    *,
    state: str | None,
    mission: str | None,
    start: date | None,
    end: date | None,
    lang: str,
) -> Plan[Chart]:
    """The chart of `state` or `mission` as the first `n` entries tell it, from `start` to `end`
    (None: the first or last day of the facts shown). A state that is no state code, or a
    mission that does not exist (on `end`, or at all), is a UsageError with a hint."""
    if state is not None:
        state_code(state)
    fold = ChartFold()
    yield from views(fold.apply, n, date.max.toordinal() if end is None else end.toordinal())
    if mission is not None:
        known_mission(mission, fold.missions(), on=end)
    root = (yield from log.root(n)).hex()
    return build(fold, state=state, mission=mission, start=start, end=end, lang=lang, size=n, root=root)
