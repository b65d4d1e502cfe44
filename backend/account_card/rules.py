"""Pure rules of the account card (no I/O), each with its own test in tests/backend/account_card/test_rules.py.

- Status transitions a person may make from the card (`status_problem`):
  potential -> closed and active -> closed (the outlet closed down or refuses for good), closed ->
  potential (it reopened: a lead again), potential -> active only by a supervisor or an admin (the
  office confirms a new customer; a rep's first order is what makes one). active -> potential is
  refused: an account that bought stays active until it closes. The same status is no change.
- Phones (`normalize_phone_list`): each entry is one number in any local or international spelling,
  stored E.164 by `geo_data.normalize.normalize_phones` in the configured region; an entry that is
  not exactly one valid number is refused naming it (`phones[1]`); duplicates are dropped.
- E-mail (`email_problem`): one address, `local@domain.tld`, no spaces; stored with a lower-case domain.
- Consents: giving consent to SMS or calls needs a phone, to e-mail needs an address (`consent_problem`).
- Timeline summaries (`summary_of`): one short line per item, in business words.
"""

from __future__ import annotations

import re

from backend.account_card.schemas import (
    CallItem,
    ChecklistItem,
    DealItem,
    HandoverItem,
    MeetingItem,
    MessageItem,
    NoteItem,
    OrderItem,
    PhotoItem,
    StageChangeItem,
    TaskItem,
    TimelineItem,
    TimelineKind,
    VisitItem,
)
from backend.accounts.schemas import AccountStatus
from geo_data.normalize import normalize_phones

# (from, to) -> roles that may make the move.
_ANYONE = frozenset({"rep", "supervisor", "admin"})
_OFFICE = frozenset({"supervisor", "admin"})
TRANSITIONS: dict[tuple[AccountStatus, AccountStatus], frozenset[str]] = {
    (AccountStatus.POTENTIAL, AccountStatus.CLOSED): _ANYONE,
    (AccountStatus.ACTIVE, AccountStatus.CLOSED): _ANYONE,
    (AccountStatus.CLOSED, AccountStatus.POTENTIAL): _ANYONE,
    (AccountStatus.POTENTIAL, AccountStatus.ACTIVE): _OFFICE,
}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
NOTE_SUMMARY_CHARS = 80


def status_problem(current: AccountStatus, new: AccountStatus, role: str) -> str | None:
    """Why `role` may not move an account from `current` to `new`; None when it may (or nothing moves)."""
    if current == new:
        return None
    allowed = TRANSITIONS.get((current, new))
    if allowed is None:
        moves = ", ".join(f"{a.value} -> {b.value}" for (a, b), roles in TRANSITIONS.items() if role in roles)
        return f"status {current.value} -> {new.value} is not allowed; allowed: {moves}"
    if role not in allowed:
        return (
            f"status {current.value} -> {new.value} is set by a supervisor or an admin (a first order makes a customer)"
        )
    return None


def normalize_phone_list(raw: list[str], region: str) -> tuple[list[str], tuple[int, str] | None]:
    """E.164 numbers of `raw` in order without duplicates, or (index, reason) of the first bad entry."""
    phones: list[str] = []
    for index, text in enumerate(raw):
        found, warnings = normalize_phones(text, region)
        if len(found) != 1 or warnings:
            reason = warnings[0] if warnings else f"phone {text!r} is not one phone number (region {region})"
            return [], (index, reason)
        if found[0] not in phones:
            phones.append(found[0])
    return phones, None


def normalize_email(raw: str | None) -> tuple[str | None, str | None]:
    """(the address to store, a problem); a blank address is no address."""
    if raw is None or not raw.strip():
        return None, None
    text = raw.strip()
    if not _EMAIL.match(text):
        return None, f"email {text!r} is not an address like name@example.com"
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}", None


def consent_problem(
    phones: list[str], email: str | None, calls: bool | None, sms: bool | None, mail: bool | None
) -> tuple[str, str] | None:
    """(field, reason) when a consent is given for a channel the contact has no address on."""
    if calls and not phones:
        return "consent_calls", "consent to calls needs a phone number"
    if sms and not phones:
        return "consent_sms", "consent to SMS needs a phone number"
    if mail and email is None:
        return "consent_email", "consent to e-mail needs an e-mail address"
    return None


def parse_kinds(raw: str | None) -> list[str]:
    """The timeline kinds of a `kinds=` parameter (comma-separated); all when absent or blank."""
    if raw is None or not raw.strip():
        return [kind.value for kind in TimelineKind]
    kinds: list[str] = []
    for part in raw.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in TimelineKind.__members__.values():
            known = ", ".join(kind.value for kind in TimelineKind)
            raise ValueError(f"unknown timeline kind {name!r}; known: {known}")
        if name not in kinds:
            kinds.append(name)
    return kinds


def _money(amount: object) -> str:
    return f"{amount:.2f}" if amount is not None else "no amount"


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(seconds, 60)
    return f", {minutes} min {rest} s" if minutes else f", {rest} s"


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= NOTE_SUMMARY_CHARS else line[: NOTE_SUMMARY_CHARS - 1] + "…"


def summary_of(item: TimelineItem) -> str:
    """One short line saying what happened, for the phone's timeline."""
    who = f" by {item.user.name}" if item.user is not None else ""
    if isinstance(item, VisitItem):
        state = "checked out" if item.checked_out_at is not None else "still open"
        flags = f"; flags: {', '.join(item.flags)}" if item.flags else ""
        return f"Visit{who}, {state}{flags}"
    if isinstance(item, ChecklistItem):
        score = f"{item.score_pct:g} %" if item.score_pct is not None else "not scored"
        return f"Checklist {item.template_name}: {score}"
    if isinstance(item, PhotoItem):
        what = f" of {item.item_key}" if item.item_key else ""
        flags = f"; flags: {', '.join(item.flags)}" if item.flags else ""
        return f"Photo{what}{who}{flags}"
    if isinstance(item, OrderItem):
        lines = "line" if item.line_count == 1 else "lines"
        return f"Order {item.status}: {_money(item.total_amount)}, {item.line_count} {lines}{who}"
    if isinstance(item, DealItem):
        title = f" {item.title!r}" if item.title else ""
        return f"Deal{title} opened in {item.pipeline} ({item.source}), now {item.stage}: {_money(item.amount)}"
    if isinstance(item, StageChangeItem):
        title = f" {item.deal_title!r}" if item.deal_title else ""
        return f"Deal{title} moved {item.from_stage or 'in'} -> {item.to_stage}{who}"
    if isinstance(item, HandoverItem):
        source = item.from_user.name if item.from_user is not None else "nobody"
        what = "Deal handed over" if item.deal_id is not None else "Account handed over"
        return f"{what} from {source} to {item.to_user.name}: {item.reason}"
    if isinstance(item, TaskItem):
        return f"Task ({item.task_kind}, {item.status}): {item.title}"
    if isinstance(item, CallItem | MeetingItem | MessageItem):
        kind = {CallItem: "Call", MeetingItem: "Meeting", MessageItem: "Message"}[type(item)]
        direction = f" {item.direction}" if item.direction else ""
        outcome = f": {item.outcome}" if item.outcome else ""
        return f"{kind}{direction}{who}{_duration(item.duration_s)}{outcome}"
    if isinstance(item, NoteItem):
        return f"Note{who}: {_short(item.text)}"
    raise TypeError(f"no summary for {type(item).__name__}")  # pragma: no cover - every kind above
