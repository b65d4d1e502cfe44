"""The messy customer-base benchmark: its figures recomputed by hand, and a small run held to the targets."""

from __future__ import annotations

from benchmarks.customer_base_mess import KINDS, Truth, evaluate, generate, run_batch


def test_precision_recall_and_kinds_by_hand() -> None:
    # Outlet 1: three rows (a, b, c); outlet 2: one row (d); outlets 3 and 4: branches of one chain.
    truth = Truth(
        entity={("f", 1): 1, ("f", 2): 1, ("g", 1): 1, ("g", 2): 2, ("f", 3): 3, ("g", 3): 4},
        kinds={
            ("f", 1): set(),
            ("f", 2): {"typo"},
            ("g", 1): {"street"},
            ("g", 2): set(),
            ("f", 3): set(),
            ("g", 3): set(),
        },
        chain_of={3: 0, 4: 0},
    )
    # Rows a and b merged, c apart (queued for review with a), d wrongly merged with a and b; the
    # two branches kept apart.
    account_of = {("f", 1): 10, ("f", 2): 10, ("g", 1): 11, ("g", 2): 10, ("f", 3): 12, ("g", 3): 13}
    scores = evaluate(truth, account_of, queued={(10, 11)})
    # merged pairs: {a,b}, {a,d}, {b,d} = 3, of which 1 true; true pairs: ab, ac, bc = 3, of which 1 merged
    assert (scores.merged_pairs, scores.true_pairs) == (3, 3)
    assert scores.precision == 1 / 3 and scores.recall == 1 / 3
    assert scores.found == 1.0  # ac and bc are queued (accounts 10 and 11)
    assert scores.per_kind["typo"] == (2, 0.5, 1.0)  # ab (merged) and bc (queued)
    assert scores.per_kind["street"] == (2, 0.0, 1.0)  # ac, bc
    assert scores.chain_pairs == 1 and scores.chain_kept_apart == 1.0


def test_a_small_generated_base_meets_the_targets() -> None:
    files, truth, outlets = generate(400, seed=21)
    assert len(outlets) == 400 and {f.name for f in files} == {"crm.csv", "manager_fi.csv", "manager_ru.csv"}
    assert files == generate(400, seed=21)[0], "the same seed gives the same files"
    scores, _ = run_batch(files, truth)
    assert scores.precision >= 0.99 and scores.recall >= 0.97, scores
    assert scores.chain_kept_apart == 1.0
    assert set(scores.per_kind) <= set(KINDS)
