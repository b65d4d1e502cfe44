"""The multi-week visit schedule (journey plan) of one rep: which account on which day of the cycle.

    report = check_feasibility(request)   # required visits against capacity, per class; what would be dropped
    schedule = plan_schedule(request)     # runs the check, then plans what remains

See :mod:`routing.schedule.plan` for the rule and :mod:`routing.schedule.feasibility` for the capacity
check. Deterministic: the same request gives the same schedule.
"""

from routing.schedule.feasibility import check_feasibility
from routing.schedule.plan import plan_schedule
from routing.schedule.types import (
    AccountClass,
    ClassShortfall,
    DroppedAccount,
    FeasibilityReport,
    MissingVisit,
    Schedule,
    ScheduleAccount,
    ScheduleDay,
    ScheduleRep,
    ScheduleRequest,
)

__all__ = [
    "AccountClass",
    "ClassShortfall",
    "DroppedAccount",
    "FeasibilityReport",
    "MissingVisit",
    "Schedule",
    "ScheduleAccount",
    "ScheduleDay",
    "ScheduleRep",
    "ScheduleRequest",
    "check_feasibility",
    "plan_schedule",
]
