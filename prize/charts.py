"""Coordinates of the charts the pages draw as inline SVG: no chart library, no script.

Each function takes plain figures and returns frozen geometry that a template turns into SVG
elements with presentation attributes and classes only (the Content-Security-Policy forbids
``style``). The figures themselves go, unchanged, into each chart's text alternative and the
table behind it, so what is drawn and what is read never differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640


def _round(value: float) -> float:
    return round(value, 1)


def short(label: str, limit: int = 32) -> str:
    """A label cut to ``limit`` characters with an ellipsis (the full text is in the table)."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- one stacked bar


@dataclass(frozen=True)
class Segment:
    key: str  # a class name's suffix: seg-<key>
    label: str
    value: int
    x: float
    width: float


@dataclass(frozen=True)
class StackedBar:
    segments: tuple[Segment, ...]  # every part, those of zero width included (for the legend)
    total: int
    width: int
    height: int


def stacked_bar(parts: Sequence[tuple[str, str, int]], *, width: int = WIDTH) -> StackedBar:
    """One bar split in proportion to ``parts`` ((key, label, value), in order)."""
    height = 28
    total = sum(max(0, v) for _, _, v in parts)
    x = 0.0
    segments = []
    for key, label, value in parts:
        share = max(0, value) / total * width if total else 0.0
        segments.append(Segment(key, label, value, _round(x), _round(share)))
        x += share
    return StackedBar(tuple(segments), total, width, height)


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Columns:
    columns: tuple[Column, ...]
    ticks: tuple[tuple[float, int], ...]  # (y, value) of the horizontal grid lines
    top: int
    bottom: float  # the baseline's y
    left: int
    width: int
    height: int
    labels: tuple[tuple[float, str], ...]  # (x, text) under some columns

    @property
    def most(self) -> int:
        return max((c.value for c in self.columns), default=0)


def columns(points: Sequence[tuple[str, int]], *, width: int = WIDTH) -> Columns:
    """One column per point ((label, value), in order), on a scale from 0 to the largest value
    rounded up; a label under the first column and under every seventh after it."""
    height, top, bottom_margin, left = 170, 12, 28, 32
    bottom = height - bottom_margin
    most = max((v for _, v in points), default=0)
    scale_top = max(1, most)
    step = max(1, -(-scale_top // 4))  # at most about four grid lines
    scale_top = step * -(-scale_top // step)
    plot = width - left - 4
    slot = plot / len(points) if points else plot
    cols = []
    for n, (label, value) in enumerate(points):
        h = (bottom - top) * max(0, value) / scale_top
        cols.append(
            Column(
                label=label,
                value=value,
                x=_round(left + n * slot + slot * 0.15),
                y=_round(bottom - h),
                width=_round(slot * 0.7),
                height=_round(h),
            )
        )
    ticks = tuple(
        (_round(bottom - (bottom - top) * v / scale_top), v) for v in range(0, scale_top + 1, step)
    )
    labels = tuple(
        (_round(left + n * slot + slot / 2), label)
        for n, (label, _) in enumerate(points)
        if n % 7 == 0
    )
    return Columns(tuple(cols), ticks, top, bottom, left, width, height, labels)


# --------------------------------------------------------------------------- horizontal bars


@dataclass(frozen=True)
class HBar:
    label: str
    value: float
    total: float
    y: float
    length: float  # of the filled bar
    text: str  # shown at the end of the bar


@dataclass(frozen=True)
class HBars:
    bars: tuple[HBar, ...]
    left: int  # where the bars start (labels end)
    length: int  # the length of a full bar
    step: int
    width: int
    height: int
    ticks: tuple[tuple[float, str], ...]


def hbars(
    rows: Sequence[tuple[str, float, float, str]],
    *,
    low: float = 0.0,
    width: int = WIDTH,
    ticks: Sequence[float] = (),
) -> HBars:
    """One bar per row ((label, value, full, text)): ``value`` from ``low`` out of ``full``."""
    left, right, step, top = 190, 70, 24, 20 if ticks else 4
    length = width - left - right
    bars = []
    for n, (label, value, full, text) in enumerate(rows):
        span = (full - low) or 1
        share = min(1.0, max(0.0, (value - low) / span))
        bars.append(
            HBar(short(label, 28), value, full, top + n * step, _round(share * length), text)
        )
    full = rows[0][2] if rows else 1
    span = (full - low) or 1
    marks = tuple((_round(left + (t - low) / span * length), f"{t:g}") for t in ticks)
    return HBars(tuple(bars), left, length, step, width, top + len(rows) * step + 4, marks)


# --------------------------------------------------------------------------- dot plot


@dataclass(frozen=True)
class DotRow:
    y: float
    label: str
    dots: tuple[float, ...]
    mean: float | None
    low: float | None
    high: float | None
    proposed: bool


@dataclass(frozen=True)
class DotPlot:
    width: int
    height: int
    left: int
    right: int
    top: int
    rows: tuple[DotRow, ...]
    ticks: tuple[tuple[float, str], ...]
    cut_y: float | None  # the line under the last proposed place, None without a cut


def dot_plot(
    rows: Sequence[tuple[str, Sequence[float], float | None, bool]],
    *,
    low: float,
    high: float,
    cut: int | None = None,
    width: int = WIDTH + 120,
) -> DotPlot:
    """One row per item ((label, values, mean, proposed), in rank order): a dot per value, a line
    from the lowest to the highest (the spread), a mark at the mean; a dashed line after the
    ``cut``-th row."""
    left, right, top, step = 260, 16, 28, 22
    span = (high - low) or 1

    def x(value: float) -> float:
        value = min(high, max(low, value))
        return _round(left + (value - low) / span * (width - left - right))

    out = []
    for n, (label, values, mean, proposed) in enumerate(rows):
        out.append(
            DotRow(
                y=top + n * step + step / 2,
                label=short(label, 40),
                dots=tuple(x(v) for v in sorted(values)),
                mean=x(mean) if mean is not None else None,
                low=x(min(values)) if values else None,
                high=x(max(values)) if values else None,
                proposed=proposed,
            )
        )
    count = int(high - low)
    every = 1 if count <= 10 else max(1, count // 10)
    ticks = tuple((x(low + i), f"{low + i:g}") for i in range(0, count + 1, every))
    cut_y = top + cut * step if cut is not None and 0 < cut < len(out) else None
    return DotPlot(width, top + len(out) * step + 10, left, right, top, tuple(out), ticks, cut_y)
