"""schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by benchmarks/fuzz.py): dates and times are
drawn from the whole calendar and its edges, not only from plausible values, so the fuzzing covers
what the outside probe sent (year 1, year 9999, offsets of 24 h, times without an offset). NUL bytes
in strings are enabled on the command line (--generation-allow-x00 true)."""

from __future__ import annotations

import datetime as dt

import schemathesis
from hypothesis import strategies as st

EXTREME_DAYS = ["0001-01-01", "9999-12-31", "1970-01-01", "1999-12-31", "2100-01-01", "2099-12-31"]
EXTREME_TIMES = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00+00:00",
    "2026-11-23T10:00:00+24:00",
    "2026-11-23T10:00:00",
    "2100-01-01T00:00:00Z",
]

schemathesis.openapi.format("date", st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(EXTREME_DAYS)))
schemathesis.openapi.format(
    "date-time",
    st.one_of(
        st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=14))])).map(
            lambda moment: moment.isoformat()
        ),
        st.sampled_from(EXTREME_TIMES),
    ),
)
