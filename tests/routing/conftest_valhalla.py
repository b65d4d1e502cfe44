"""Pytest fixture for a real Valhalla service (see ``tests/routing/valhalla_service.py``).

Import it where it is needed (a ``conftest.py`` or a test module)::

    from tests.routing.conftest_valhalla import valhalla_url  # noqa: F401

and mark the tests ``@pytest.mark.valhalla``. The fixture skips (printing why) only when the
``pyvalhalla-weekly`` wheel is not installed; any failure to build tiles or start the service is an
error. Importing it from several places starts one service: the service is shared per process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.routing import valhalla_service


@pytest.fixture(scope="session")
def valhalla_url() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of a Valhalla service over the bundled Helsinki extract."""
    reason = valhalla_service.valhalla_missing_reason()
    if reason is not None:
        print(f"\nskipping Valhalla tests: {reason}")
        pytest.skip(reason)
    service = valhalla_service.acquire()
    try:
        yield service.url
    finally:
        valhalla_service.release()
