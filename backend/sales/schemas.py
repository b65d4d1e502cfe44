"""Sales rows as read from files and stored; the import report."""

from __future__ import annotations

import datetime as dt

import msgspec


class SalesRow(msgspec.Struct, frozen=True):
    """One file row, normalised: the rep by email, the month as its first day."""

    row_number: int
    rep_email: str
    category: str
    region: str
    month: dt.date
    plan_amount: float | None
    actual_amount: float | None


class RejectedRow(msgspec.Struct, frozen=True):
    row_number: int
    field: str
    reason: str


class SalesImportReport(msgspec.Struct, frozen=True):
    file_name: str
    rows_read: int
    rows_stored: int
    rejected: list[RejectedRow]
    dry_run: bool = False


class SalesFact(msgspec.Struct, frozen=True):
    """A stored monthly figure, with the rep's name (reports group these)."""

    rep_id: int
    rep_name: str
    category: str
    region: str
    month: dt.date
    plan_amount: float | None
    actual_amount: float | None
