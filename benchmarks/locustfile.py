"""A morning in the field for locust (driven by benchmarks/load_morning.py; see its docstring).

User classes at constant rates (`constant_throughput`: the next task is scheduled, not sent as soon as the
previous one answered, so a slow server is not hidden by fewer requests):

- RouteReader: a rep's phone polling the day's route (GET /api/v1/me/route);
- FieldRep: a rep's visit: check-in, checklist, check-out, a photo on one visit in PHOTO_EVERY;
- Supervisor: the console's map layers.

Every rep user logs in with its own account (load<N>@example.com) and, on start, fetches its route and
account list. Acknowledged writes (2xx check-ins) are counted into LOAD_ACK_FILE for the loss check.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import random
import uuid
from typing import Any

import gevent
from locust import FastHttpUser, constant_throughput, events, task

PASSWORD = "demo-password"
ROUTE_RATE = float(os.environ.get("LOAD_ROUTE_RATE_PER_USER", "0.5"))
VISIT_RATE = float(os.environ.get("LOAD_VISIT_RATE_PER_USER", "0.25"))
PHOTO_EVERY = int(os.environ.get("LOAD_PHOTO_EVERY", "10"))
TEMPLATE_ID = int(os.environ.get("LOAD_TEMPLATE_ID", "1"))
SUPERVISORS = int(os.environ.get("LOAD_SUPERVISORS", "10"))
ACK_FILE = os.environ.get("LOAD_ACK_FILE", "")
PHOTO = b""
if os.environ.get("LOAD_PHOTO_FILE"):
    with open(os.environ["LOAD_PHOTO_FILE"], "rb") as handle:
        PHOTO = handle.read()

_rep_numbers = itertools.count()
_supervisor_numbers = itertools.count()
ACKED: list[str] = []  # visit ids answered 201/200


def _login(user: FastHttpUser, email: str) -> str:
    """A phone retries a failed login (503 under overload) after the server's Retry-After."""
    for _ in range(10):
        response = user.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, name="POST /auth/login"
        )
        if response.status_code == 200:
            return str(response.json()["access_token"])
        gevent.sleep(float(response.headers.get("retry-after") or 2))
    return ""


def _north(lat: float, metres: float) -> float:
    return lat + metres / (math.pi * 6_371_008.8 / 180)


class _Rep(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        number = next(_rep_numbers)
        self.email = f"load{number}@example.com"
        self.headers = {"Authorization": f"Bearer {_login(self, self.email)}"}
        self.client.get("/api/v1/me/route", headers=self.headers, name="GET /me/route")
        accounts = self.client.get("/api/v1/me/accounts?limit=50", headers=self.headers, name="GET /me/accounts")
        self.accounts: list[dict[str, Any]] = accounts.json().get("items", []) if accounts.status_code == 200 else []


class RouteReader(_Rep):
    weight = 600
    wait_time = constant_throughput(ROUTE_RATE)

    @task
    def route(self) -> None:
        self.client.get("/api/v1/me/route", headers=self.headers, name="GET /me/route")


class FieldRep(_Rep):
    weight = 400
    wait_time = constant_throughput(VISIT_RATE)
    visits = 0

    @task
    def visit(self) -> None:
        if not self.accounts:
            return
        account = random.choice(self.accounts)
        now = dt.datetime.now(dt.UTC)
        visit_id = str(uuid.uuid4())
        body = {
            "id": visit_id,
            "account_id": account["id"],
            "checked_in_at": now.isoformat(),
            "lat": _north(account["lat"], 12),
            "lon": account["lon"],
            "accuracy_m": 8,
            "mock_location": False,
        }
        response = self.client.post("/api/v1/visits", json=body, headers=self.headers, name="POST /visits (check-in)")
        if response.status_code not in (200, 201):
            return
        ACKED.append(visit_id)
        self.visits += 1
        self.client.put(
            f"/api/v1/visits/{visit_id}/checklist",
            json={
                "template_id": TEMPLATE_ID,
                "answered_at": now.isoformat(),
                "answers": [{"item": "brand_a_listed", "value": True}, {"item": "share", "value": 35}],
            },
            headers=self.headers,
            name="PUT /visits/{id}/checklist",
        )
        if PHOTO and self.visits % PHOTO_EVERY == 0:
            # Other bytes per upload (another content hash): a trailing comment after the JPEG's end.
            content = PHOTO + visit_id.encode()
            self.client.post(
                f"/api/v1/visits/{visit_id}/photos",
                data={"photo_id": str(uuid.uuid4()), "item_key": "shelf"},
                files={"file": ("shelf.jpg", content, "image/jpeg")},
                headers=self.headers,
                name="POST /visits/{id}/photos",
            )
        self.client.post(
            f"/api/v1/visits/{visit_id}/checkout",
            json={"checked_out_at": now.isoformat(), "lat": body["lat"], "lon": body["lon"], "accuracy_m": 8},
            headers=self.headers,
            name="POST /visits/{id}/checkout",
        )


class Supervisor(FastHttpUser):
    weight = SUPERVISORS
    fixed_count = SUPERVISORS
    wait_time = constant_throughput(1.0)

    def on_start(self) -> None:
        number = next(_supervisor_numbers)
        self.headers = {"Authorization": f"Bearer {_login(self, f'loadsup{number}@example.com')}"}

    @task(3)
    def routes_map(self) -> None:
        self.client.get("/api/v1/supervision/routes.geojson", headers=self.headers, name="GET /supervision/routes")

    @task(2)
    def visits_map(self) -> None:
        self.client.get("/api/v1/supervision/visits.geojson", headers=self.headers, name="GET /supervision/visits")

    @task(1)
    def team(self) -> None:
        self.client.get("/api/v1/supervision/reps", headers=self.headers, name="GET /supervision/reps")


@events.test_stop.add_listener
def _write_acks(**_: Any) -> None:
    if ACK_FILE:
        with open(ACK_FILE, "w") as handle:
            json.dump(ACKED, handle)
