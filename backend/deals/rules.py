"""Deal rules, pure (no I/O); tests in tests/backend/deals/test_rules.py.

- **A pipeline's stages** (in order): open stages first, then the terminal ones (won, lost); at least
  one open, one won and one lost stage; exactly one key stage and at most one qualified stage, both
  open; stage codes unique; a terminal stage is never `required`.
- **Skipping**: a move forward (to a later open stage, or to won) may not pass over a `required`
  stage the deal has never been in. A move back, or to lost, skips nothing.
- **Hand-over by stage**: a `stage_reached` rule fires when a move forward into an open or won stage
  reaches or passes its stage (from before it); a move to lost never hands over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from backend.deals.schemas import Outcome, StageRequest


class StageLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def required(self) -> bool: ...


def stages_problem(stages: Sequence[StageRequest]) -> tuple[str, str] | None:
    """(field path, message) of the first problem of a pipeline's stage list, or None."""
    seen: dict[str, int] = {}
    key_at: int | None = None
    qualified_at: int | None = None
    terminal_seen = False
    for index, stage in enumerate(stages):
        path = f"stages[{index}]"
        if stage.code in seen:
            return f"{path}.code", f"stage code {stage.code!r} is used twice (also stages[{seen[stage.code]}])"
        seen[stage.code] = index
        terminal = stage.outcome is not Outcome.OPEN
        if terminal:
            terminal_seen = True
        elif terminal_seen:
            return f"{path}.outcome", "open stages come before the won and lost stages"
        if stage.is_key:
            if terminal:
                return f"{path}.is_key", "the key stage must be an open stage"
            if key_at is not None:
                return f"{path}.is_key", f"only one key stage per pipeline (stages[{key_at}] is one)"
            key_at = index
        if stage.is_qualified:
            if terminal:
                return f"{path}.is_qualified", "the qualified stage must be an open stage"
            if qualified_at is not None:
                return f"{path}.is_qualified", f"at most one qualified stage (stages[{qualified_at}] is one)"
            qualified_at = index
        if stage.required and terminal:
            return f"{path}.required", "a won or lost stage cannot be required"
    outcomes = {stage.outcome for stage in stages}
    if Outcome.OPEN not in outcomes:
        return "stages", "a pipeline needs at least one open stage"
    if Outcome.WON not in outcomes:
        return "stages", "a pipeline needs a won stage"
    if Outcome.LOST not in outcomes:
        return "stages", "a pipeline needs a lost stage"
    if key_at is None:
        return "stages", "mark exactly one stage as the key stage (is_key)"
    return None


def skipped_required(
    stages: Sequence[StageLike], current: StageLike, target: StageLike, visited: set[int]
) -> StageLike | None:
    """The first required stage a move from `current` to `target` would skip, or None."""
    if target.outcome == Outcome.LOST.value or target.position <= current.position:
        return None
    for stage in sorted(stages, key=lambda s: s.position):
        if (
            current.position < stage.position < target.position
            and stage.required
            and stage.outcome == Outcome.OPEN.value
            and stage.id not in visited
        ):
            return stage
    return None


def reaches(rule_position: int, from_position: int | None, target: StageLike) -> bool:
    """Whether a move from `from_position` (None: the deal is being created) to `target` reaches or
    passes the stage at `rule_position`."""
    if target.outcome == Outcome.LOST.value:
        return False
    start = -1 if from_position is None else from_position
    return start < rule_position <= target.position
