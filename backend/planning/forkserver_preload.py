"""Imported once, by the solver processes' fork server as it starts (multiprocessing's forkserver
preload), and nowhere else: the fork server asks to be killed when the API or job-worker process that
started it dies. Each solver process asks the same of the fork server (`die_with_parent`, its
initializer), so killing the parent with SIGKILL takes the whole chain down.

Without this the chain would outlive its parent: every solver process holds the fork server's
"alive" pipe open, so the fork server never sees the EOF that would otherwise stop it.
"""

from __future__ import annotations

from backend.planning.pdeathsig import die_with_parent

die_with_parent()
