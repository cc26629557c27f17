"""Replay: the typed views our projection folds (`views`), the replay index payload (`codec`) and
the one loop over the replay index rows (`loop`).

`from ledger.replay import Sink` is the `typing.Protocol` of a projection of your own
(`Ledger.run`). Loaded lazily, so that `projections` can import `ledger.replay.views` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["SNAPSHOT_EVERY", "Sink"]

if TYPE_CHECKING:  # pragma: no cover
    from ledger.replay.loop import SNAPSHOT_EVERY, Sink


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ledger.replay import loop

        return getattr(loop, name)
    raise AttributeError(name)
