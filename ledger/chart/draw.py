"""The chart model drawn as a picture with matplotlib (Agg, no pyplot, no global state): SVG, PNG
or PDF by the file's suffix. matplotlib is imported by `render` only, so that reading the ledger
(and `ledger --version`) never loads it.

The same chart gives the same bytes: fixed metadata (no dates, no version), a fixed hash salt for
SVG ids, one font (DejaVu Sans, which matplotlib ships; libraqm shapes Arabic and other complex
scripts), and every position computed from the model. An SVG keeps its text as text
(`svg.fonttype` "none"): names can be searched and selected. A glyph the font lacks (Chinese,
say) is drawn as a box, without a warning on the terminal.

Layout, in inches, so that a picture stays readable whatever it holds: a fixed width; lane labels
on the left (as wide as the longest, within limits, longer ones cut with an ellipsis); one band of
`LANE` per lane, so the height grows with the lanes; deadlines beyond the last day in a right
margin, arrows at the right edge; the legend below the date axis. A bar's label (the holder's
name) goes inside the bar when it fits, else just after the bar when the gap to the next bar
allows, else cut with an ellipsis to whichever of the two is wider, else it is left out (the bar
keeps its colour, one per holder throughout the chart).
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ledger.chart.shape import Bar, Chart, Deadline, Lane, MarkerKind
from ledger.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PictureFormat = Literal["svg", "png", "pdf"]
SUFFIXES: dict[str, PictureFormat] = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
CREATOR = "timeline-ledger"

# Sizes in inches and points.
WIDTH = 12.0
LANE = 0.36
TITLE = 0.8
AXIS = 0.45
LEGEND_ROW = 0.24
DPI = 100  # for layout; PNG is saved at PNG_DPI
PNG_DPI = 150
BAR_FONT = 8.5
LABEL_FONT = 9.0
SMALL_FONT = 7.5
BAR_HEIGHT = 0.62
LABEL_MIN, LABEL_MAX = 1.0, 3.2  # the lane labels' column
MARGIN_MIN, MARGIN_MAX = 0.35, 3.0  # the right margin
PAD_PX = 4.0
MIN_BAR_PX = 3.0  # the narrowest a bar is drawn, however short the spell at the chart's scale
DEADLINE_GAP_PX = 4.0  # the least room between two deadline lines of one lane
INEXACT_STYLE = (0, (1.0, 1.2))  # the dotted end of a bar whose day is not exact
FOOTNOTE_ROW = 0.16
FOOTNOTE_X = 0.12  # inches from the left: the footnote, and a legend too wide to start under the plot
LEGEND_FONT, LEGEND_HANDLE, LEGEND_SPACING = 8.0, 2.4, 1.8  # points; ems of the font
LEGEND_COLUMNS = 4
FOOTNOTE_MAX = 40  # bars named in the footnote, at most
MAX_LANES = 500  # 180 inches tall; PNG's limit is 65,536 pixels (436 inches at 150 dots per inch)
MARKER_PX = 11.0  # markers closer than this share a row no more

# Light colours under black text, one per holder, in order of first appearance.
PALETTE = (
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
    "#d9d9d9",
)
INK = "#1a1a1a"
GREY = "#666666"
STATUS_COLOURS = {"met": "#2ca02c", "late": "#e67e00", "overdue": "#d62728", "pending": "#1f77b4"}
KIND_STYLES: dict[str, tuple[float, tuple[float, ...]]] = {
    "withdrawal-start": (0, (4.0, 2.0)),
    "withdrawal-complete": (0, ()),
    "mandate-end": (0, (1.0, 1.5)),
}
KIND_WORDS = {
    "withdrawal-start": "start by",
    "withdrawal-complete": "complete by",
    "mandate-end": "mandate ends",
}
KIND_LEGEND = {
    "withdrawal-start": "deadline: withdrawal to start",
    "withdrawal-complete": "deadline: withdrawal complete",
    "mandate-end": "deadline: end of mandate",
}
MARKERS: dict[MarkerKind, tuple[str, str]] = {
    "GovernmentDismissed": ("v", "government dismissed"),
    "GovernmentOverthrown": ("X", "government overthrown"),
    "WithdrawalAnnounced": ("o", "withdrawal announced"),
    "MissionCompleted": ("s", "mission completed"),
}
_ONE_AT_A_TIME = threading.Lock()
_EPOCH = date(1970, 1, 1).toordinal()  # matplotlib's date numbers count days from it
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": CREATOR,
    "pdf.fonttype": 42,
    "date.epoch": "1970-01-01T00:00:00",
    "font.family": ["DejaVu Sans"],
    "hatch.linewidth": 0.7,
    "axes.unicode_minus": False,
    # Unhinted text: its width scales with the resolution, so a label measured for the layout
    # (at DPI) is as wide in the PNG (at PNG_DPI), the PDF and the SVG (hinting at 100 dpi made
    # long lines 7% narrower than at 150).
    "text.hinting": "no_hinting",
}


def picture_format(path: str | os.PathLike[str]) -> PictureFormat:
    """The format a file's suffix asks for, or UsageError (`output`) naming the suffix."""
    suffix = Path(path).suffix
    fmt = SUFFIXES.get(suffix.lower())
    if fmt is None:
        said = f"{suffix} is not a picture's suffix" if suffix else "no suffix"
        raise UsageError(
            f"{said}: name the file .svg, .png or .pdf (the suffix decides the format)",
            param="output",
            value=os.fspath(path),
        )
    return fmt


def _x(day: date) -> float:
    return float(day.toordinal() - _EPOCH)


def _day(x: float) -> date:
    """The day whose span holds `x` (`_x` of a day is its start)."""
    return date.fromordinal(int(x) + _EPOCH)


def render(chart: Chart, fmt: PictureFormat) -> bytes:
    """The picture of `chart` in `fmt`, as bytes. More than `MAX_LANES` lanes is a UsageError
    naming the chart's subject (`state` or `mission`): no picture of them would be readable."""
    import matplotlib as mpl

    if not chart.lanes:
        raise UsageError("nothing to draw: the chart has no lanes", param=chart.subject, value=chart.key)
    if len(chart.lanes) > MAX_LANES:
        raise UsageError(
            f"{len(chart.lanes):,} lanes are too many for one readable picture (at most {MAX_LANES}): "
            "draw one mission, or fewer days",
            param=chart.subject,
            value=chart.key,
        )
    # matplotlib's settings and the warnings filter are global: one drawing at a time.
    with _ONE_AT_A_TIME, warnings.catch_warnings(), mpl.rc_context(_RC):  # type: ignore[arg-type]
        # A glyph missing from the font is drawn as a box; the warning would reach the terminal.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from", category=UserWarning)
        fig = _Drawing(chart).figure
        out = io.BytesIO()
        metadata: dict[str, Any]
        if fmt == "svg":
            metadata = {"Date": None, "Creator": CREATOR, "Title": heading(chart)}
        elif fmt == "pdf":
            metadata = {
                "CreationDate": None,
                "Creator": CREATOR,
                "Producer": CREATOR,
                "Title": heading(chart),
            }
        else:
            metadata = {"Software": CREATOR, "Title": heading(chart)}
        fig.savefig(out, format=fmt, dpi=PNG_DPI if fmt == "png" else DPI, metadata=metadata)
    return out.getvalue()


class _Placed(NamedTuple):
    """A bar where it is drawn (from x0 to x1, in matplotlib's days) and its label ("" for none)."""

    x0: float
    x1: float
    bar: Bar
    where: Literal["inside", "after"]
    text: str
    # Drawn wider than it lasted (a one-day spell, or one too short for `MIN_BAR_PX` at the
    # chart's scale): over whoever followed, whose bar would hide it, and with a dark edge.
    widened: bool = False


class _Drawing:
    """One chart drawn on one figure (`figure`)."""

    def __init__(self, chart: Chart) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties

        self.chart = chart
        # The last day whole; on 9999-12-31, a breath before the day after, which matplotlib's dates
        # cannot name.
        self.left, self.right = _x(chart.start), _x(chart.end) + (1.0 if chart.end < date.max else 0.999)
        self.fig = Figure(figsize=(WIDTH, 4.0), dpi=DPI)
        FigureCanvasAgg(self.fig)
        self._renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self._font = FontProperties
        self._colours: dict[str, str] = {}
        self._widths: dict[tuple[str, float, str], float] = {}
        self.figure = self._draw()

    # Measures (pixels at DPI)

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        key = (text, size, weight)
        found = self._widths.get(key)
        if found is None:
            prop = self._font(size=size, weight=weight)
            found = self._renderer.get_text_width_height_descent(text, prop, ismath=False)[0]
            self._widths[key] = found
        return found

    def fit(self, text: str, room: float, size: float, weight: str = "normal") -> str | None:
        """`text`, or as much of it as fits in `room` pixels with an ellipsis; None if not two letters."""
        if self.width(text, size, weight) <= room:
            return text
        low, high = 0, len(text)  # the longest prefix that fits, with "…"
        while low < high:
            mid = (low + high + 1) // 2
            if self.width(text[:mid].rstrip() + "…", size, weight) <= room:
                low = mid
            else:
                high = mid - 1
        return text[:low].rstrip() + "…" if low >= 2 else None

    def colour(self, holder: str) -> str:
        found = self._colours.get(holder)
        if found is None:
            found = self._colours[holder] = PALETTE[len(self._colours) % len(PALETTE)]
        return found

    # The figure

    def _legend_layout(self, labels: Sequence[str], label_w: float) -> tuple[int, float]:
        """The legend's columns and where it starts (inches from the left): under the plot with
        four columns, or fewer where its labels are too wide for that; failing even one column
        there (the lane labels' column is wide: a long name in Arabic), from the picture's left
        edge. Matplotlib fills the columns in order, a column's width its widest label's."""
        em = LEGEND_FONT / 72  # inches
        fixed = (LEGEND_HANDLE + 0.8 + 0.4) * em  # the handle, the gap after it, the border pad
        widths = [self.width(label, LEGEND_FONT) / DPI for label in labels]

        def fits(columns: int, room: float) -> bool:
            # As matplotlib deals them: the first `long` columns hold one label more.
            columns = min(columns, len(widths))
            rows, long = divmod(len(widths), columns)
            parts, k = [], 0
            for c in range(columns):
                take = rows + (c < long)
                parts.append(widths[k : k + take])
                k += take
            need = sum(max(part) + fixed for part in parts) + LEGEND_SPACING * em * (len(parts) - 1)
            return need <= room

        for start in (label_w, FOOTNOTE_X):
            for columns in range(LEGEND_COLUMNS, 0, -1):
                if not widths or fits(columns, WIDTH - start - 0.1):
                    return columns, start
        return 1, FOOTNOTE_X

    def _draw(self) -> Figure:
        chart, fig = self.chart, self.fig
        lanes = chart.lanes
        n = len(lanes)
        label_w = min(
            LABEL_MAX,
            max(
                LABEL_MIN,
                max(self.width(lane.label, LABEL_FONT, _weight(lane)) for lane in lanes) / DPI + 0.25,
            ),
        )
        beyond = self._beyond_texts()
        margin = min(MARGIN_MAX, max([MARGIN_MIN, *(self.width(t, SMALL_FONT) / DPI + 0.35 for t in beyond)]))
        handles, labels = self._legend()
        columns, legend_x = self._legend_layout(labels, label_w)
        legend_h = LEGEND_ROW * math.ceil(len(labels) / columns) + 0.15 if labels else 0.0
        self.px_per_day = (WIDTH - label_w - margin) * DPI / (self.right - self.left)
        placements = [(lane, self._placed(lane.bars)) for lane in lanes]
        footnote = self._footnote(placements)
        foot_h = FOOTNOTE_ROW * len(footnote) + 0.1 if footnote else 0.0
        height = TITLE + n * LANE + AXIS + legend_h + foot_h
        fig.set_size_inches(WIDTH, height)
        bottom = AXIS + legend_h + foot_h
        ax = fig.add_axes(
            (label_w / WIDTH, bottom / height, 1 - (label_w + margin) / WIDTH, n * LANE / height)
        )
        self.ax = ax
        ax.set_xlim(self.left, self.right)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        self._dates(ax)
        self._bands(ax, lanes)
        for i, lane in enumerate(lanes):
            room = label_w * DPI - 12
            shown = self.fit(lane.label, room, LABEL_FONT, _weight(lane)) or "…"
            ax.text(
                -0.008,
                i,
                shown,
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=LABEL_FONT,
                fontweight=_weight(lane),
                color=INK if lane.kind in ("state", "mission") else "#333333",
                parse_math=False,
            )
            self._bars(ax, i, placements[i][1])
        for i, lane in enumerate(lanes):
            span = _group_span(lanes, i)
            self._markers(ax, i, lane, span)
            self._deadlines(ax, i, lane, span)
        self._titles(fig, label_w, height)
        if labels:
            fig.legend(
                handles,
                labels,
                loc="lower left",
                bbox_to_anchor=(legend_x / WIDTH, (foot_h + 0.04) / height),
                ncol=columns,
                frameon=False,
                fontsize=LEGEND_FONT,
                handlelength=LEGEND_HANDLE,
                columnspacing=LEGEND_SPACING,
            )
        for k, line in enumerate(footnote):
            fig.text(FOOTNOTE_X / WIDTH, (foot_h - 0.08 - FOOTNOTE_ROW * (k + 0.5)) / height, line, ha="left",
                     va="center", fontsize=SMALL_FONT, color=GREY, parse_math=False)  # fmt: skip
        return fig

    def _dates(self, ax: Axes) -> None:
        import matplotlib.dates as mdates

        # The ledger knows days, not hours: a window of one or two days gets a tick a day
        # (AutoDateLocator would tick hours, 03:00 to 21:00, that no fact has).
        # A day is the span [its start, the next day's start): a tick at the right edge would name
        # the day after the last one shown, so the ticks stop at the last day's start. A window of
        # under three days names each day in the middle of its span.
        if self.right - self.left < 3:
            days = range(int(self.left), int(self.right))
            ax.set_xticks([d + 0.5 for d in days], [_day(d).isoformat() for d in days])
        else:
            last = self.right - 1

            class UpToTheLastDay(mdates.AutoDateLocator):
                def __call__(self) -> Sequence[float]:
                    return [t for t in super().__call__() if t <= last]  # type: ignore[no-untyped-call]

            locator = UpToTheLastDay(minticks=3, maxticks=9)  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.tick_params(axis="x", labelsize=8, colors="#333333")
        ax.grid(axis="x", color="#e3e3e3", linewidth=0.6)
        ax.set_axisbelow(True)

    def _bands(self, ax: Axes, lanes: Sequence[Lane]) -> None:
        for i, lane in enumerate(lanes):
            if lane.kind in ("state", "mission"):
                ax.axhspan(i - 0.5, i + 0.5, color="#eeeeee", linewidth=0, zorder=0)
                if i > 0:
                    ax.axhline(i - 0.5, color="#9a9a9a", linewidth=0.8, zorder=1)
            elif i % 2:
                ax.axhspan(i - 0.5, i + 0.5, color="#f8f8f8", linewidth=0, zorder=0)

    def _placed(self, bars: Sequence[Bar]) -> list[_Placed]:
        """Where each bar of a lane goes, and its label: inside the bar when the name fits, else
        just after it when the gap to the next bar allows, else cut with an ellipsis to the wider
        of the two, else none."""
        spans = []
        min_w = MIN_BAR_PX / self.px_per_day  # a short spell of a long chart is still seen
        for bar in bars:
            x0 = max(_x(bar.start), self.left)
            x1 = self.right if bar.end is None else min(_x(bar.end), self.right)
            if bar.one_day:  # its day, at least
                x1 = min(x0 + 1.0, self.right)
            spans.append((x0, max(x1, x0 + min_w), bar, bar.one_day or x1 - x0 < min_w))
        spans.sort(key=lambda p: (p[0], p[1]))
        placed = []
        for k, (x0, x1, bar, widened) in enumerate(spans):
            inside = (x1 - x0) * self.px_per_day - 2 * PAD_PX
            following = spans[k + 1][0] if k + 1 < len(spans) else self.right
            gap = (following - x1) * self.px_per_day - 2 * PAD_PX
            whole = self.width(bar.name, BAR_FONT)
            after = whole > inside and (whole <= gap or gap > inside)
            room = gap if after else inside
            text = self.fit(bar.name, room, BAR_FONT) or ""
            placed.append(_Placed(x0, x1, bar, "after" if after else "inside", text, widened))
        return placed

    def _bars(self, ax: Axes, y: int, placed: Sequence[_Placed]) -> None:
        for x0, x1, bar, where, text, widened in placed:
            face = self.colour(bar.holder)
            self._inexact_ends(ax, y, x0, x1, bar, 3.5 if widened else 2.5)
            ax.barh(
                y,
                x1 - x0,
                left=x0,
                height=BAR_HEIGHT,
                color=face,
                edgecolor="#555555" if bar.acting or widened else "#8a8a8a",
                linewidth=0.6,
                hatch="////" if bar.acting else None,
                zorder=3 if widened else 2,
            )
            if not text:
                continue
            if where == "inside":
                box = {"boxstyle": "square,pad=0.12", "facecolor": face, "edgecolor": "none"}
                ax.text(
                    (x0 + x1) / 2, y, text, ha="center", va="center", fontsize=BAR_FONT, color=INK,
                    bbox=box if bar.acting else None, zorder=5, parse_math=False, clip_on=True,
                )  # fmt: skip
            else:
                ax.text(
                    x1 + PAD_PX / self.px_per_day, y, text, ha="left", va="center", fontsize=BAR_FONT,
                    color="#333333", zorder=5, parse_math=False, clip_on=True,
                )  # fmt: skip

    def _inexact_ends(self, ax: Axes, y: int, x0: float, x1: float, bar: Bar, z: float) -> None:
        """A dotted end where a bar's day is not exact (a year, a month, `~` or `?`): the bar is
        drawn at the date's effective day, the last day it can mean, which a reader would
        otherwise take for the day itself. An end beyond the picture's edge is not drawn."""
        ends = []
        if not bar.start_exact and _x(bar.start) >= self.left:
            ends.append(x0)
        if bar.end is not None and not bar.end_exact and _x(bar.end) <= self.right:
            ends.append(x1)
        for x in ends:  # the solid edge rubbed out in white, then dotted
            low, high = y - BAR_HEIGHT / 2, y + BAR_HEIGHT / 2
            ax.vlines(x, low, high, colors="white", linewidth=2.0, zorder=z)
            ax.vlines(x, low, high, colors=INK, linestyles=INEXACT_STYLE, linewidth=1.4, zorder=z + 0.1)

    def _footnote(self, placements: Sequence[tuple[Lane, Sequence[_Placed]]]) -> list[str]:
        """The lines that name in full the bars whose name did not fit (cut with an ellipsis, or
        left out), wrapped to the width: a reader can tell who `Moha…` was."""
        unnamed = [
            f"{lane.label}, {p.bar.start.isoformat()} to {p.bar.end.isoformat() if p.bar.end else 'open'}: "
            f"{p.bar.name}" + (" (acting)" if p.bar.acting else "")
            for lane, placed in placements
            for p in placed
            if p.text != p.bar.name
        ]
        if not unnamed:
            return []
        if len(unnamed) > FOOTNOTE_MAX:
            rest = len(unnamed) - FOOTNOTE_MAX
            unnamed = [*unnamed[:FOOTNOTE_MAX], f"and {rest:,} more (ledger export spells lists every spell)"]
        room = (WIDTH - 0.3) * DPI
        lines, line = [], "Names that did not fit: "
        for k, item in enumerate(unnamed):
            piece = item + (";" if k + 1 < len(unnamed) else "")
            if line.strip() and self.width(line + piece, SMALL_FONT) > room:
                lines.append(line.rstrip())
                line = ""
            line += piece + " "
        lines.append(line.rstrip())
        return lines

    def _markers(self, ax: Axes, y: int, lane: Lane, span: tuple[int, int]) -> None:
        """Events on a header lane, in rows when they would touch, each with a dotted line through
        its group."""
        rows = (0.0, -0.27, 0.27)
        last: list[float | None] = [None, None, None]
        order = {kind: k for k, kind in enumerate(MARKERS)}
        for marker in sorted(lane.markers, key=lambda m: (m.day, order[m.kind], m.fact)):
            x = _x(marker.day) + 0.5
            px = x * self.px_per_day
            row = next((r for r, seen in enumerate(last) if seen is None or px - seen >= MARKER_PX), 0)
            last[row] = px
            shape, _ = MARKERS[marker.kind]
            # Not clipped: an event on the last day shown (the default end) sits on the right edge.
            ax.plot([x], [y + rows[row]], marker=shape, markersize=7, color=INK, linestyle="none",
                    zorder=6, clip_on=False)  # fmt: skip
            if span[1] > span[0]:
                ax.vlines(
                    x, y + 0.5, span[1] + 0.5, colors=GREY, linestyles=(0, (1, 2)), linewidth=0.8, zorder=3
                )

    def _deadlines(self, ax: Axes, y: int, lane: Lane, span: tuple[int, int]) -> None:
        after = [d for d in lane.deadlines if d.beyond == "after"]
        before = [d for d in lane.deadlines if d.beyond == "before"]
        shown = [d for d in lane.deadlines if d.beyond is None]
        for d, x in zip(shown, self._apart([_x(d.day) + 0.5 for d in shown]), strict=True):
            ax.vlines(
                x,
                span[0] - 0.5,
                span[1] + 0.5,
                colors=STATUS_COLOURS[d.status],
                linestyles=KIND_STYLES[d.kind],
                linewidth=1.8,
                zorder=4,
            )
        transform = ax.get_yaxis_transform()
        labels = _edge_labels(after, "after")
        for k, (text, colour) in enumerate(labels):
            dy = _offset(k, len(labels))
            ax.plot([1.0], [y + dy], marker=">", markersize=7, color=colour, transform=transform,
                    clip_on=False, zorder=6)  # fmt: skip
            ax.text(1.0, y + dy, "  " + text, transform=transform, ha="left", va="center",
                    fontsize=SMALL_FONT, color=colour, parse_math=False)  # fmt: skip
        labels = _edge_labels(before, "before")
        for k, (text, colour) in enumerate(labels):
            dy = _offset(k, len(labels))
            ax.plot([0.0], [y + dy], marker="<", markersize=7, color=colour, transform=transform,
                    clip_on=False, zorder=6)  # fmt: skip
            ax.text(0.004, y + dy, "  " + text, transform=transform, ha="left", va="center",
                    fontsize=SMALL_FONT, color=colour, parse_math=False, zorder=6)  # fmt: skip

    def _apart(self, xs: list[float]) -> list[float]:
        """Where to draw deadline lines at `xs`: each where it is, unless it would fall within
        `DEADLINE_GAP_PX` of the one before it from left to right (two deadlines a day apart, on
        a chart of years: one line, where a reader needs two styles), then that far from it; a
        group pushed past the right edge is pushed back left, in the same order. Nothing moves on
        a chart where days are wide."""
        gap = DEADLINE_GAP_PX / self.px_per_day
        order = sorted(range(len(xs)), key=xs.__getitem__)
        drawn = [xs[k] for k in order]
        for i in range(1, len(drawn)):  # left to right: each at least `gap` after the one before
            drawn[i] = max(drawn[i], drawn[i - 1] + gap)
        if drawn:  # right to left: back inside the right edge, keeping the gaps and the order
            drawn[-1] = min(drawn[-1], self.right)
            for i in range(len(drawn) - 2, -1, -1):
                drawn[i] = min(drawn[i], drawn[i + 1] - gap)
        where = list(xs)
        for k, x in zip(order, drawn, strict=True):
            where[k] = x
        return where

    def _beyond_texts(self) -> list[str]:
        return [
            text + "  "
            for lane in self.chart.lanes
            for text, _ in _edge_labels([d for d in lane.deadlines if d.beyond == "after"], "after")
        ]

    def _legend(self) -> tuple[list[Any], list[str]]:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        chart = self.chart
        handles: list[Any] = []
        labels: list[str] = []
        if any(bar.acting for bar in chart.bars()):
            handles.append(Patch(facecolor="#e6e6e6", edgecolor="#555555", hatch="////", linewidth=0.6))
            labels.append("acting or interim holder")
        if any(not (bar.start_exact and bar.end_exact) for bar in chart.bars()):
            handles.append(Line2D([], [], color=INK, linestyle=INEXACT_STYLE, linewidth=1.4))
            labels.append("dotted bar end: not an exact day (a year, a month, ~ or ?)")
        present = {m.kind for m in chart.markers()}
        for kind, (shape, words) in MARKERS.items():
            if kind in present:
                handles.append(Line2D([], [], marker=shape, color=INK, linestyle="none", markersize=7))
                labels.append(words)
        deadlines = chart.deadlines()
        kinds = {d.kind for d in deadlines}
        for deadline_kind, words in KIND_LEGEND.items():
            if deadline_kind in kinds:
                handles.append(
                    Line2D([], [], color="#555555", linestyle=KIND_STYLES[deadline_kind], linewidth=1.8)
                )
                labels.append(words)
        statuses = {d.status for d in deadlines}
        for status, colour in STATUS_COLOURS.items():
            if status in statuses:
                handles.append(Line2D([], [], color=colour, linewidth=4))
                labels.append(f"deadline {status}, as judged on {chart.end.isoformat()}")
        return handles, labels

    def _titles(self, fig: Figure, label_w: float, height: float) -> None:
        chart = self.chart
        x = 0.12 / WIDTH
        # A left-to-right mark first: a title that begins with an Arabic or Hebrew name is still
        # a left-to-right line (the name itself right to left).
        fig.text(x, 1 - 0.18 / height, "\u200e" + heading(chart), ha="left", va="top",
                 fontsize=13, fontweight="bold", color=INK, parse_math=False)  # fmt: skip
        sub = (
            f"{chart.start.isoformat()} to {chart.end.isoformat()}; promises judged on "
            f"{chart.end.isoformat()}; ledger of {chart.size} entries, root {chart.root[:16]}…"
        )
        fig.text(x, 1 - 0.48 / height, sub, ha="left", va="top", fontsize=8.5, color=GREY, parse_math=False)


def heading(chart: Chart) -> str:
    """The picture's title: `Kazakhstan (KZ): offices and foreign forces`; a subject without a
    name of its own is named once (`unamid: contingents`, not `unamid (unamid)`)."""
    what = "offices and foreign forces" if chart.subject == "state" else "contingents"
    named = chart.title if chart.title == chart.key else f"{chart.title} ({chart.key})"
    return f"{named}: {what}"


def _weight(lane: Lane) -> str:
    return "bold" if lane.kind in ("state", "mission") else "normal"


def _group_span(lanes: Sequence[Lane], i: int) -> tuple[int, int]:
    """The first and last lane of lane `i`'s group."""
    group = lanes[i].group
    first = i
    while first > 0 and lanes[first - 1].group == group:
        first -= 1
    last = i
    while last + 1 < len(lanes) and lanes[last + 1].group == group:
        last += 1
    return first, last


def _offset(k: int, count: int) -> float:
    """The k-th of `count` items stacked in one lane, from its top."""
    if count == 1:
        return 0.0
    return -0.32 + 0.64 * k / (count - 1)


EDGE_LABELS = 2  # deadlines beyond one edge of a lane written out; more would overlap


def _edge_labels(deadlines: Sequence[Deadline], edge: str) -> list[tuple[str, str]]:
    """The labels (text, colour) of a lane's deadlines beyond one edge, by day: deadlines alike
    (kind, day, status: two announcements naming one date) share a label, "×2", and past
    `EDGE_LABELS` the rest are counted in a last one, grey, that says where they are listed."""
    alike: dict[tuple[date, str, str], int] = {}
    for d in sorted(deadlines, key=lambda d: (d.day, d.kind)):
        alike[(d.day, d.kind, d.status)] = alike.get((d.day, d.kind, d.status), 0) + 1
    labels = []
    for (day, kind, status), count in alike.items():
        text = f"{KIND_WORDS[kind]} {day.isoformat()} ({status})" + (f" ×{count}" if count > 1 else "")
        labels.append((text, STATUS_COLOURS[status]))
    if len(labels) <= EDGE_LABELS:
        return labels
    rest = sum(alike[key] for key in list(alike)[EDGE_LABELS - 1 :])
    where = "before the first day shown" if edge == "before" else "after the last day shown"
    more = f"{rest} more deadlines {where} (ledger audit promises lists them)"
    return [*labels[: EDGE_LABELS - 1], (more, GREY)]
