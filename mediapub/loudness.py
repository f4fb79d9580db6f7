"""Loudness measurement: what ffmpeg's EBU R128 meter (``ebur128``) says about a stream.

The meter is ffmpeg's own implementation of ITU-R BS.1770-4 (K-weighting,
400 ms blocks, absolute and relative gating) and its true-peak detector (4x
oversampling). mediapub reads its log rather than measuring in Python so that
a 3-hour programme streams through one process in constant memory; the
short-term loudness it logs ten times a second is kept once a second, for
the loudness-over-time plot.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Loudness

#: ebur128 reports -70 LUFS (its absolute gate) when no block is loud enough to count.
SILENCE_LUFS = -70.0
_FRAME = re.compile(r"\bt:\s*([\d.]+)\s.*?\bM:\s*(-?[\d.]+|-inf|nan)\s+S:\s*(-?[\d.]+|-inf|nan)")
_VALUE = re.compile(r"^\s*(I|LRA|Peak):\s+(-?[\d.]+|-inf|inf|nan)\s")
#: BS.1770 gates: absolute, and relative to the ungated mean (integrated loudness; EBU 3342 for the range).
ABSOLUTE_GATE, RELATIVE_GATE, RANGE_GATE = -70.0, -10.0, -20.0


def meter_filter(*, true_peak: bool) -> str:
    """The ``ebur128`` filter that logs what ``LoudnessLog`` reads (ffmpeg must run with ``-v verbose``)."""
    return f"ebur128=framelog=verbose:peak={'true' if true_peak else 'sample'}"


@dataclass(slots=True)
class LoudnessLog:
    """Collects one ``ebur128`` run from ffmpeg's stderr, fed line by line."""

    true_peak: bool
    #: Momentary (400 ms) and short-term (3 s) loudness every 100 ms: BS.1770's gating blocks.
    momentary: array[float] = field(default_factory=lambda: array("f"))
    short_term: array[float] = field(default_factory=lambda: array("f"))
    seconds: list[float] = field(default_factory=list)
    summary: dict[str, float] = field(default_factory=dict)
    _in_summary: bool = False

    def feed(self, line: str) -> None:
        if "Summary:" in line and "ebur128" in line:
            self._in_summary = True
            return
        if self._in_summary:
            match = _VALUE.match(line)
            if match:
                self.summary.setdefault(match.group(1), _number(match.group(2)))
            return
        if "ebur128" not in line:
            return
        frame = _FRAME.search(line)
        if frame:
            self.momentary.append(_number(frame.group(2)))
            self.short_term.append(_number(frame.group(3)))
            # One value per second for the plot: the 3-second window ending at each whole second.
            if float(frame.group(1)) + 1e-3 >= len(self.seconds) + 1:
                self.seconds.append(max(_number(frame.group(3)), -120.0))

    def result(self) -> Loudness:
        """ffmpeg's own summary of this run, or ValueError if it printed none (it failed or measured nothing)."""
        if "I" not in self.summary:
            raise ValueError("the loudness meter printed no summary")
        return Loudness(
            integrated=self.summary["I"],
            loudness_range=self.summary.get("LRA", 0.0),
            peak=self.summary.get("Peak", float("-inf")),
            true_peak=self.true_peak,
            short_term=tuple(self.seconds),
        )


def combine(parts: list[LoudnessLog]) -> Loudness:
    """The loudness of a programme measured in consecutive parts (at once, on several cores).

    Integrated loudness and loudness range are gated over the parts' blocks
    together, exactly as one meter would gate them, so the only difference
    from one run is the three blocks that straddle each join.
    """
    if any("I" not in part.summary for part in parts):
        raise ValueError("the loudness meter printed no summary")
    blocks = [value for part in parts for value in part.momentary]
    windows = [value for part in parts for value in part.short_term]
    seconds: list[float] = []
    for part in parts:
        seconds += part.seconds
    return Loudness(
        integrated=round(gated_loudness(blocks, RELATIVE_GATE), 1),
        loudness_range=round(loudness_range(windows), 1),
        peak=max(part.summary.get("Peak", float("-inf")) for part in parts),
        true_peak=parts[0].true_peak,
        short_term=tuple(seconds),
    )


def gated_loudness(blocks: Sequence[float], relative_gate: float) -> float:
    """BS.1770 integrated loudness of block loudnesses (LUFS): absolute then relative gating."""
    loud = [value for value in blocks if value > ABSOLUTE_GATE]
    if not loud:
        return ABSOLUTE_GATE
    threshold = _mean_loudness(loud) + relative_gate
    kept = [value for value in loud if value > threshold]
    return _mean_loudness(kept) if kept else ABSOLUTE_GATE


def loudness_range(windows: Sequence[float]) -> float:
    """EBU Tech 3342 loudness range: the 10th to 95th percentile of gated short-term loudness (LU)."""
    loud = [value for value in windows if value > ABSOLUTE_GATE]
    if not loud:
        return 0.0
    threshold = _mean_loudness(loud) + RANGE_GATE
    kept = sorted(value for value in loud if value > threshold)
    if len(kept) < 2:
        return 0.0
    return _percentile(kept, 0.95) - _percentile(kept, 0.10)


def _mean_loudness(values: Sequence[float]) -> float:
    return 10 * math.log10(math.fsum(10 ** (value / 10) for value in values) / len(values))


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _number(text: str) -> float:
    return float(text) if text != "nan" else float("-inf")
