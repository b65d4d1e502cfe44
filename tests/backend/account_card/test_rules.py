"""The pure rules of the account card (backend/account_card/rules.py), one assertion per rule."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from backend.account_card import rules
from backend.account_card.schemas import CallItem, NoteItem, OrderItem, Person, StageChangeItem, TimelineKind
from backend.accounts.schemas import AccountStatus as S

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("current", "new", "role", "allowed"),
    [
        (S.POTENTIAL, S.CLOSED, "rep", True),
        (S.ACTIVE, S.CLOSED, "rep", True),
        (S.CLOSED, S.POTENTIAL, "rep", True),
        (S.POTENTIAL, S.ACTIVE, "rep", False),
        (S.POTENTIAL, S.ACTIVE, "supervisor", True),
        (S.ACTIVE, S.POTENTIAL, "admin", False),
        (S.CLOSED, S.ACTIVE, "admin", False),
        (S.ACTIVE, S.ACTIVE, "rep", True),  # no move: nothing to refuse
    ],
)
def test_status_moves(current: S, new: S, role: str, allowed: bool) -> None:
    assert (rules.status_problem(current, new, role) is None) is allowed


def test_a_refused_move_names_the_moves_the_caller_may_make() -> None:
    problem = rules.status_problem(S.ACTIVE, S.POTENTIAL, "rep")
    assert problem is not None and "potential -> closed" in problem and "potential -> active" not in problem


def test_phones_in_any_spelling_become_e164_once_each() -> None:
    phones, problem = rules.normalize_phone_list(["040 123 4567", "+358 40 1234567", "00358 9 3103 4567"], "FI")
    assert problem is None
    assert phones == ["+358401234567", "+358931034567"]


def test_a_bad_phone_is_named_by_its_index() -> None:
    phones, problem = rules.normalize_phone_list(["040 123 4567", "12"], "FI")
    assert phones == [] and problem is not None and problem[0] == 1
    # Two numbers in one entry are refused: one number per entry.
    assert rules.normalize_phone_list(["040 123 4567, 050 765 4321"], "FI")[1] is not None


def test_email_gets_a_lower_case_domain_and_a_bad_one_a_reason() -> None:
    assert rules.normalize_email(" Anna.K@Example.FI ") == ("Anna.K@example.fi", None)
    assert rules.normalize_email("") == (None, None)
    assert rules.normalize_email("anna at example")[1] is not None
    assert rules.normalize_email("anna@example")[1] is not None


def test_a_consent_needs_the_channel() -> None:
    assert rules.consent_problem([], None, True, None, None) == (
        "consent_calls",
        "consent to calls needs a phone number",
    )
    assert rules.consent_problem([], None, None, True, None)[0] == "consent_sms"  # type: ignore[index]
    assert rules.consent_problem(["+358401234567"], None, True, True, True)[0] == "consent_email"  # type: ignore[index]
    assert rules.consent_problem([], None, False, False, False) is None  # withdrawing needs nothing


def test_kinds_default_to_all_and_an_unknown_one_is_refused() -> None:
    assert rules.parse_kinds(None) == [kind.value for kind in TimelineKind]
    assert rules.parse_kinds(" Call,visit,call ") == ["call", "visit"]
    with pytest.raises(ValueError, match="calls"):
        rules.parse_kinds("visit,calls")


def test_summaries_say_what_happened() -> None:
    rep = Person(id=1, name="Rita Rep", sales_role="farmer")
    call = CallItem(
        at=AT,
        id="x",
        user=rep,
        direction="outbound",
        duration_s=185,
        outcome="agreed a tasting",
        note=None,
        deal_id=None,
    )
    assert rules.summary_of(call) == "Call outbound by Rita Rep, 3 min 5 s: agreed a tasting"
    order = OrderItem(
        at=AT, id="o", user=rep, status="submitted", total_amount=Decimal("120.5"), line_count=1, order_day="2026-12-01"
    )
    assert rules.summary_of(order) == "Order submitted: 120.50, 1 line by Rita Rep"
    change = StageChangeItem(
        at=AT, id="1", user=None, deal_id=uuid.uuid4(), deal_title="Wine list", from_stage="Lead", to_stage="Tasting"
    )
    assert rules.summary_of(change) == "Deal 'Wine list' moved Lead -> Tasting"
    long = NoteItem(at=AT, id="n", user=None, text="word " * 40)
    assert rules.summary_of(long).endswith("…") and len(rules.summary_of(long)) <= len("Note: ") + 80
