"""Hunters find new outlets: a few times a week a hunter adds a lead through `POST /api/v1/leads`
(docs/architecture.md ("The demo sells")).

The hunters are the reps whose sales role is `hunter` (`users.sales_role`); when no rep has that role
(the demo's reps have none yet), the last rep hunts. On each working day a hunter adds a lead with
probability `per_day` (0.5: two or three a week), at a seeded time between 11:00 and 15:00: a HoReCa
outlet with a street address and a point 150-400 m from one of the hunter's accounts, so it lands in
the hunter's territory (or, near the edge, in the unassigned queue; either is the product's answer).
The lead's deal (`deal_id` of the answer) is handed to the funnel's books (backend/simulation/
funnel.py), where the hunter and then the closer work it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from backend.db.pool import transaction
from backend.simulation import repository
from backend.simulation.behaviour import offset, working
from backend.simulation.engine import Agent, Hook, Simulation
from backend.simulation.funnel import register_lead
from backend.simulation.schemas import SimRep

_KINDS = ["Bistro", "Café", "Wine bar", "Kitchen", "Terrace", "Brasserie", "Taproom", "Deli"]
_NAMES = ["Aalto", "Kaarna", "Laituri", "Majakka", "Puistola", "Ranta", "Satama", "Tähti", "Vaahtera", "Kivi"]
_STREETS = ["Bulevardi", "Fredrikinkatu", "Iso Roobertinkatu", "Mannerheimintie", "Runeberginkatu"]


class LeadsByHunters(Hook):
    name = "leads"

    def __init__(self, per_day: float = 0.5) -> None:
        self.per_day = per_day
        self.hunters: list[SimRep] = []

    async def setup(self, sim: Simulation) -> None:
        async with transaction(sim.pool, 30) as conn:
            hunter_ids = set(await repository.hunter_ids(conn))
        self.hunters = [rep for rep in sim.reps if rep.id in hunter_ids] or sim.reps[-1:]
        sim.state[self.name] = 0

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        hunting = []
        for rep in self.hunters:
            rng = sim.rng(self.name, rep.id, day)
            if working(sim, rep, day) and sim.accounts.get(rep.id) and rng.random() < self.per_day:
                hunting.append(self._lead(sim, rep, day, rng.randrange(11 * 3600, 15 * 3600, 60)))
        return hunting

    async def _lead(self, sim: Simulation, rep: SimRep, day: dt.date, at_s: int) -> Agent:
        yield sim.at(day, at_s, rep.time_zone)
        rng = sim.rng(self.name, "lead", rep.id, day)
        near = rng.choice(sim.accounts[rep.id])
        lat, lon = offset(near.lat, near.lon, rng.uniform(150, 400), rng.uniform(0, 360))
        number = sim.state.get(self.name, 0) + 1
        body = {
            "name": f"{rng.choice(_KINDS)} {rng.choice(_NAMES)} {number}",
            "channel": "horeca",
            "address": f"{rng.choice(_STREETS)} {rng.randint(1, 60)}, Helsinki",
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "category": "restaurant",
        }
        created = await sim.api(sim.user(rep.email), "POST", "/api/v1/leads", json=body, expect=(201,))
        if created is not None:
            sim.state[self.name] = number
            if created.get("deal_id"):  # the lead's deal in the new-customer pipeline: worked from now on
                await register_lead(sim, rep, uuid.UUID(created["deal_id"]), int(created["id"]), day)
