"""Geocoding structs: an account waiting for geocoding and the report of a run."""

from __future__ import annotations

import msgspec


class PendingAccount(msgspec.Struct, frozen=True):
    id: int
    name: str
    address: str | None


class GeocodeReport(msgspec.Struct):
    considered: int = 0
    placed: int = 0  # located at a house number: in a territory now, or in the unassigned queue
    review: int = 0  # only a street or a city (or an ambiguous address): flagged, not placed
    not_found: int = 0
    failed: int = 0  # the service did not answer; left for the next run
    assigned: int = 0  # of the placed, those inside a territory (in its rep's list)
    account_ids: list[int] = []

    @property
    def summary(self) -> str:
        return (
            f"{self.considered} account(s) considered: {self.placed} placed ({self.assigned} in a territory), "
            f"{self.review} flagged for review (street or city only), {self.not_found} not found, "
            f"{self.failed} failed (service unavailable; retried next run)"
        )
