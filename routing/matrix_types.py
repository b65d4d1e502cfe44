"""The travel matrix type shared by the solver and the matrix providers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Matrix:
    """Square travel matrices: ``durations[i][j]`` seconds and ``distances[i][j]`` metres.

    ``None``, ``inf`` or any value >= 2**62 marks the pair unreachable.
    """

    durations: Sequence[Sequence[float | None]]
    distances: Sequence[Sequence[float | None]]
