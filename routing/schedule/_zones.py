"""Day zones: the territory cut into as many compact, balanced zones as the rep has working weekdays.

Sweep start (equal-weight angular sectors around the weighted centre, so it is deterministic), then a few
Lloyd rounds with a balanced assignment (largest regret first, each account to its nearest zone with weight
left). Zones get weekdays by the permutation that lets most weight sit on a weekday it is open / pinned to.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from routing.schedule._geo import FloatArray

BALANCE_SLACK = 1.05
LLOYD_ROUNDS = 12


def weekday_centroids(
    xy: FloatArray, weights: FloatArray, allowed: list[frozenset[int]], weekdays: list[int]
) -> dict[int, tuple[float, float]]:
    k = len(weekdays)
    if k == 0:
        return {}
    if len(xy) == 0:
        return dict.fromkeys(weekdays, (0.0, 0.0))
    centre = np.average(xy, axis=0, weights=weights)
    if k == 1 or len(xy) < k:
        return dict.fromkeys(weekdays, (float(centre[0]), float(centre[1])))
    centroids = _sweep_start(xy, weights, centre, k)
    labels = np.zeros(len(xy), dtype=np.int64)
    for _ in range(LLOYD_ROUNDS):
        new = _balanced_assign(xy, weights, centroids)
        for c in range(k):
            mask = new == c
            if mask.any():
                centroids[c] = np.average(xy[mask], axis=0, weights=weights[mask])
        if np.array_equal(new, labels):
            break
        labels = new
    compat = np.zeros((k, k))
    for i, c in enumerate(labels.tolist()):
        for d, wd in enumerate(weekdays):
            if wd in allowed[i]:
                compat[c, d] += weights[i]
    best: tuple[int, ...] = tuple(range(k))
    best_score = -1.0
    for perm in itertools.permutations(range(k)):
        score = float(sum(compat[c, perm[c]] for c in range(k)))
        if score > best_score + 1e-9:
            best, best_score = perm, score
    return {weekdays[best[c]]: (float(centroids[c, 0]), float(centroids[c, 1])) for c in range(k)}


def _sweep_start(xy: FloatArray, weights: FloatArray, centre: FloatArray, k: int) -> FloatArray:
    rel = xy - centre
    angle = np.arctan2(rel[:, 1], rel[:, 0])
    order = np.lexsort((np.arange(len(xy)), angle))
    cum = np.cumsum(weights[order])
    part = np.minimum((cum - weights[order] / 2) / cum[-1] * k, k - 1).astype(np.int64)
    out = np.zeros((k, 2))
    for c in range(k):
        idx = order[part == c]
        out[c] = np.average(xy[idx], axis=0, weights=weights[idx]) if len(idx) else centre
    return out


def _balanced_assign(xy: FloatArray, weights: FloatArray, centroids: FloatArray) -> npt.NDArray[np.int64]:
    k = len(centroids)
    dist = np.linalg.norm(xy[:, None, :] - centroids[None, :, :], axis=2)
    room = np.full(k, float(weights.sum()) / k * BALANCE_SLACK)
    ranked = np.sort(dist, axis=1)
    regret = ranked[:, 1] - ranked[:, 0]
    labels = np.zeros(len(xy), dtype=np.int64)
    for i in np.lexsort((np.arange(len(xy)), -regret)):
        fits = [c for c in np.lexsort((np.arange(k), dist[i])) if room[c] >= weights[i]]
        c = fits[0] if fits else int(np.argmin(dist[i]))
        labels[i] = c
        room[c] -= weights[i]
    return labels
