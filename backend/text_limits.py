"""Length limits of free text at the schema edge, one place for every schema (a 422 names the field).

Sized for what the business writes (a shop's name, a street address) and, for indexed columns, well
below PostgreSQL's B-tree entry limit (about 2,700 bytes), which a longer value would hit as a 500.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="at most 200 characters")]
Address = Annotated[str, msgspec.Meta(max_length=500, description="at most 500 characters")]
Code = Annotated[str, msgspec.Meta(max_length=64, description="at most 64 characters")]
Category = Annotated[str, msgspec.Meta(max_length=100, description="at most 100 characters")]
Phone = Annotated[str, msgspec.Meta(max_length=50, description="at most 50 characters")]
Note = Annotated[str, msgspec.Meta(max_length=2000, description="at most 2,000 characters")]
Email = Annotated[str, msgspec.Meta(max_length=320, description="an email address, at most 320 characters")]
# A password's own policy (backend.auth.passwords) says more; this only bounds what is hashed at log-in.
PasswordText = Annotated[str, msgspec.Meta(max_length=1024)]
TokenText = Annotated[str, msgspec.Meta(max_length=4096)]
OpeningHours = Annotated[str, msgspec.Meta(max_length=500, description="OSM opening_hours, at most 500 characters")]
