"""Band descriptors: what a range of scores means for one criterion (0-2, 3-5, 6-8, 9-10 on the
default scale), so that a juror's 2, 5 or 8 means the same as everyone else's.

Each criterion holds one sentence per band in English and in French (``Criterion.bands``, a list
of ``[en, fr]`` pairs); a blank sentence is the default one below, in the reader's language. The
ranges are not stored: they are the edition's scale cut in four, so a change of scale keeps them
true.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prize.i18n import N_, gettext
from prize.models import Criterion, Edition

BANDS = 4
MAX_BAND = 300

DEFAULTS: tuple[str, ...] = (
    N_("Weak: the application shows little or nothing of this."),
    N_("Fair: some of it is there, with clear gaps."),
    N_("Good: clearly there, with small gaps."),
    N_("Excellent: strong, convincing and well shown."),
)


@dataclass(frozen=True)
class Band:
    """Scores from ``low`` to ``high`` (both included) and what they mean."""

    low: int
    high: int
    en: str  # the secretariat's sentence, or "" for the default
    fr: str
    default: str  # the default sentence's message id

    def text(self, language: str) -> str:
        """The secretariat's sentence in ``language`` (English if only that was written), or ""
        when the default applies (then translate ``default``)."""
        return (self.fr if language == "fr" else "") or self.en


def ranges(scale_min: int, scale_max: int) -> list[tuple[int, int]]:
    """The scale cut in four: 0-10 gives 0-2, 3-5, 6-8, 9-10. A scale of fewer than four values
    gives fewer bands."""
    size = scale_max - scale_min + 1
    starts = sorted(
        {scale_min + math.ceil(i * size / BANDS) for i in range(BANDS)}
        & set(range(scale_min, scale_max + 1))
    )
    ends = [s - 1 for s in starts[1:]] + [scale_max]
    return list(zip(starts, ends, strict=True))


def pairs(stored: object) -> list[tuple[str, str]]:
    """The stored sentences as ``BANDS`` (en, fr) pairs, blanks where none is stored."""
    found = stored if isinstance(stored, list) else []
    result: list[tuple[str, str]] = []
    for index in range(BANDS):
        item = found[index] if index < len(found) else None
        if isinstance(item, (list, tuple)) and len(item) == 2:
            result.append((str(item[0]), str(item[1])))
        else:
            result.append(("", ""))
    return result


def bands_of(criterion: Criterion, edition: Edition) -> list[Band]:
    """The criterion's bands on the edition's scale, defaults filled in."""
    texts = pairs(criterion.bands)
    return [
        Band(low, high, texts[index][0], texts[index][1], DEFAULTS[index])
        for index, (low, high) in enumerate(ranges(edition.scale_min, edition.scale_max))
    ]


def band_of(value: int, bands: list[Band]) -> Band | None:
    return next((b for b in bands if b.low <= value <= b.high), None)


def defaults_in(language: str) -> list[str]:
    """The default sentences, in ``language``."""
    return [gettext(language, sentence) for sentence in DEFAULTS]
