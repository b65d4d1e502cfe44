"""The id of the unit of work in progress (an HTTP request or a job), carried by contextvars.

asyncio copies the context into every task it starts, so a log line written anywhere below a
request handler or a job carries that request's or job's id without passing it around.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# A client's id is kept when it is a short token; anything else is replaced (it lands in logs).
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_id() -> str:
    return uuid.uuid4().hex


def accept_or_new(offered: str | None) -> str:
    """The client's request id when it is a safe token, else a fresh one."""
    return offered if offered is not None and _ACCEPTABLE.match(offered) else new_id()


def current_id() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def bound_id(value: str) -> Iterator[str]:
    """Every log line inside carries `value` as its request id."""
    token = REQUEST_ID.set(value)
    try:
        yield value
    finally:
        REQUEST_ID.reset(token)
