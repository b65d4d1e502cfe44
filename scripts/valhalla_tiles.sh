#!/usr/bin/env bash
# Build Valhalla tiles from the bundled central-Helsinki extract (into var/valhalla/, reused) and serve
# them on 127.0.0.1 until Ctrl-C; prints the base URL. Needs: .venv/bin/pip install pyvalhalla-weekly
#   scripts/valhalla_tiles.sh            # build if needed, then serve
#   scripts/valhalla_tiles.sh --build    # only build the tiles
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if [[ "${1:-}" == "--build" ]]; then
  exec "$PY" -c "from tests.routing.valhalla_service import ensure_tiles; print(ensure_tiles())"
fi
exec "$PY" -m tests.routing.valhalla_service
