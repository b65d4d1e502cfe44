"""Log lines a request cannot forge: control characters in what a caller sent (a path with %0A, a NUL)
are written escaped (``\\n``, ``\\x00``), so one request is always one line of its own."""

from __future__ import annotations

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class EscapeControlCharacters(logging.Filter):
    """A handler filter: the formatted message with its control characters escaped (the traceback of
    an exception, formatted later by the handler, keeps its own line breaks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = escape_controls(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True
