"""The pure deal rules (backend.deals.rules), each on a small hand-made case."""

from __future__ import annotations

from dataclasses import dataclass

from backend.deals.rules import reaches, skipped_required, stages_problem
from backend.deals.schemas import Outcome, StageRequest


def _stages(*specs: str) -> list[StageRequest]:
    """'code:flags' with flags k (key), q (qualified), r (required), W (won), L (lost)."""
    result = []
    for spec in specs:
        code, _, flags = spec.partition(":")
        outcome = Outcome.WON if "W" in flags else Outcome.LOST if "L" in flags else Outcome.OPEN
        result.append(
            StageRequest(
                code=code,
                name=code,
                outcome=outcome,
                is_key="k" in flags,
                is_qualified="q" in flags,
                required="r" in flags,
            )
        )
    return result


def test_a_pipeline_needs_one_key_stage_a_won_and_a_lost_stage_and_open_stages_first() -> None:
    assert stages_problem(_stages("a", "b:qk", "won:W", "lost:L")) is None
    assert stages_problem(_stages("a", "b", "won:W", "lost:L")) == (
        "stages",
        "mark exactly one stage as the key stage (is_key)",
    )
    assert stages_problem(_stages("a:k", "b:k", "won:W", "lost:L"))[0] == "stages[1].is_key"  # type: ignore[index]
    assert stages_problem(_stages("a:kq", "b:q", "won:W", "lost:L"))[0] == "stages[1].is_qualified"  # type: ignore[index]
    assert stages_problem(_stages("a:k", "lost:L"))[0] == "stages"  # type: ignore[index]
    assert stages_problem(_stages("a:k", "won:W"))[0] == "stages"  # type: ignore[index]
    assert stages_problem(_stages("won:W", "a:k", "lost:L"))[0] == "stages[1].outcome"  # type: ignore[index]
    assert stages_problem(_stages("a:k", "won:Wr", "lost:L"))[0] == "stages[1].required"  # type: ignore[index]
    assert stages_problem(_stages("a:k", "a", "won:W", "lost:L"))[0] == "stages[1].code"  # type: ignore[index]
    assert stages_problem(_stages("a", "won:Wk", "lost:L"))[0] == "stages[1].is_key"  # type: ignore[index]


@dataclass(frozen=True)
class S:
    id: int
    position: int
    code: str
    outcome: str = "open"
    required: bool = False


FUNNEL = [
    S(1, 0, "lead"),
    S(2, 1, "contacted"),
    S(3, 2, "tasting", required=True),
    S(4, 3, "offer"),
    S(5, 4, "won", "won"),
    S(6, 5, "lost", "lost"),
]


def test_a_move_forward_may_not_pass_a_required_stage_never_entered() -> None:
    lead, contacted, tasting, offer, won, lost = FUNNEL
    assert skipped_required(FUNNEL, lead, offer, {1}) == tasting
    assert skipped_required(FUNNEL, contacted, won, {1, 2}) == tasting
    assert skipped_required(FUNNEL, lead, tasting, {1}) is None  # into it is not past it
    assert skipped_required(FUNNEL, lead, lost, {1}) is None  # lost skips nothing
    assert skipped_required(FUNNEL, offer, contacted, {1, 2, 3, 4}) is None  # back
    assert skipped_required(FUNNEL, contacted, offer, {1, 2, 3, 4}) is None  # been there before


def test_a_stage_rule_fires_when_a_move_reaches_or_passes_its_stage() -> None:
    lead, contacted, tasting, offer, won, lost = FUNNEL
    assert reaches(2, 1, tasting) and reaches(2, 1, offer) and reaches(2, 3, won) is False
    assert reaches(0, None, lead)  # a rule on the first stage fires when the deal is opened
    assert reaches(2, 3, offer) is False  # already past it
    assert reaches(2, 1, lost) is False  # a lost deal is not handed over
    assert reaches(2, 3, contacted) is False  # a move back
