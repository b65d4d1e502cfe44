"""Headers every answer carries, added in one place (a before-send hook of the app, so error answers
of middleware get them too):

* ``X-Content-Type-Options: nosniff``: a browser takes the declared type, never guesses one;
* ``X-Frame-Options: DENY`` and, where an answer has no policy of its own, ``Content-Security-Policy:
  frame-ancestors 'none'`` (the console's own policy says the same): no page may frame ours;
* ``Cache-Control: no-store`` (and ``Pragma: no-cache``) on every ``/api/v1/auth/`` answer: tokens are
  never kept by a cache or a browser's history.
"""

from __future__ import annotations

from litestar.types import Message, Scope

_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"))
_NO_FRAMES = b"frame-ancestors 'none'"
_NO_STORE = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))


def with_security_headers(headers: list[tuple[bytes, bytes]], *, no_store: bool) -> list[tuple[bytes, bytes]]:
    """An answer's headers with the ones above set (replacing a weaker Cache-Control on token answers)."""
    replaced = {name for name, _ in _ALWAYS} | ({name for name, _ in _NO_STORE} if no_store else set())
    kept = [(name, value) for name, value in headers if name.lower() not in replaced]
    policy = next((value for name, value in kept if name.lower() == b"content-security-policy"), None)
    if policy is None:
        kept.append((b"content-security-policy", _NO_FRAMES))
    elif b"frame-ancestors" not in policy:
        kept = [
            (name, value + b"; " + _NO_FRAMES if name.lower() == b"content-security-policy" else value)
            for name, value in kept
        ]
    return [*kept, *_ALWAYS, *(_NO_STORE if no_store else ())]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar's before-send hook: it sees every answer, error answers of middleware included."""
    if message["type"] == "http.response.start":
        headers = [(bytes(name), bytes(value)) for name, value in message.get("headers", [])]
        no_store = str(scope.get("path", "")).startswith("/api/v1/auth/")
        message["headers"] = with_security_headers(headers, no_store=no_store)
