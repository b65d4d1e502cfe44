"""The Solomon benchmark's arc conventions: what every solver is given and how routes are valued."""

from __future__ import annotations

import math

import pytest

from benchmarks.instances import Instance, check_routes


def _square() -> Instance:
    # Depot at (0, 0); customers at (1, 1) and (3, 1): arcs sqrt(2) = 1.414..., 2, sqrt(10) = 3.162...
    return Instance(
        name="T1",
        num_vehicles=1,
        capacity=None,
        coords=((0.0, 0.0), (1.0, 1.0), (3.0, 1.0)),
        demand=(0, 1, 1),
        ready=(0, 0, 0),
        due=(100, 100, 100),
        service=(0, 0, 0),
    )


def test_dimacs_arcs_are_truncated_to_a_tenth_for_cost_and_time() -> None:
    inst = _square()
    assert inst.arcs == "dimacs"
    assert inst.dist_int[0][1] == 140 and inst.dist_int[1][2] == 200 and inst.dist_int[2][0] == 310
    assert inst.time_int == inst.dist_int
    check = check_routes(inst, [[1, 2]])
    assert check.feasible
    assert check.distance == pytest.approx(1.4 + 2.0 + 3.1)


def test_float_arcs_round_costs_and_round_times_up() -> None:
    inst = _square().with_arcs("float")
    assert inst.dist_int[0][1] == 141 and inst.time_int[0][1] == 142
    check = check_routes(inst, [[1, 2]])
    assert check.distance == pytest.approx(math.sqrt(2) + 2 + math.sqrt(10), abs=1e-6)


def test_an_unknown_convention_is_refused() -> None:
    with pytest.raises(ValueError, match="arcs must be one of"):
        _square().with_arcs("rounded")
