"""Hunters find new outlets: a few times a week a hunter adds a lead through `POST /api/v1/leads`
(docs/architecture.md ("The demo sells")).

The hunters are the reps whose sales role is `hunter` (`users.sales_role`); when no rep has that role
(the demo's reps have none yet), the last rep hunts. On each working day a hunter adds a lead with
probability `per_day` (0.5: two or three a week), at a seeded time between 11:00 and 15:00: a HoReCa
outlet with a street address and a point 150-400 m from one of the hunter's accounts, so it lands in
the hunter's territory (or, near the edge, in the unassigned queue; either is the product's answer).
The lead's deal (`deal_id` of the answer) is handed to the funnel's books (backend/simulation/
funnel.py), where the hunter and then the closer work it.

The telemarketers (sales role `telemarketer`: office workers without a field profile) work the phone
on each of their working days (Monday to Friday, less holidays and absences the supervisor knows): from
09:00-09:30 they re-contact 3-6 accounts of their lost leads (the accounts they see: those of their
own deals; `POST /api/v1/activities`, kind call, 0-5 minutes, an outcome such as "not now"), and with
probability `tele_leads_per_day` (0.6: about three a week) one call finds an interested outlet, which
they enter as a lead (`POST /api/v1/leads`, an outlet with an address and a point 150-600 m from an
account of any territory; the API opens its deal with source `telemarketing`) and log that call on
it. The deal goes into the funnel's books: the telemarketer works it up to the tasting (with 0-1
unanswered calls before each answered one), where the rule hands it to the closer.
"""

from __future__ import annotations

import datetime as dt
import uuid

from backend.db.pool import transaction
from backend.simulation import repository
from backend.simulation.behaviour import offset, working
from backend.simulation.engine import Agent, Hook, Simulation
from backend.simulation.funnel import load_office_people, log_call, register_lead
from backend.simulation.schemas import SimRep

_KINDS = ["Bistro", "Café", "Wine bar", "Kitchen", "Terrace", "Brasserie", "Taproom", "Deli"]
_NAMES = ["Aalto", "Kaarna", "Laituri", "Majakka", "Puistola", "Ranta", "Satama", "Tähti", "Vaahtera", "Kivi"]
_RECONTACT = [
    "no answer",
    "not now: call again next season",
    "still with their wholesaler",
    "owner away; call back next week",
    "not interested",
]
_STREETS = ["Bulevardi", "Fredrikinkatu", "Iso Roobertinkatu", "Mannerheimintie", "Runeberginkatu"]


class LeadsByHunters(Hook):
    name = "leads"

    def __init__(self, per_day: float = 0.5, tele_leads_per_day: float = 0.6) -> None:
        self.per_day = per_day
        self.tele_leads_per_day = tele_leads_per_day
        self.hunters: list[SimRep] = []
        self.telemarketers: list[SimRep] = []

    async def setup(self, sim: Simulation) -> None:
        async with transaction(sim.pool, 30) as conn:
            hunter_ids = set(await repository.hunter_ids(conn))
        self.hunters = [rep for rep in sim.reps if rep.id in hunter_ids] or sim.reps[-1:]
        self.telemarketers = await load_office_people(sim)
        sim.state[self.name] = 0

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        hunting = []
        for rep in self.hunters:
            rng = sim.rng(self.name, rep.id, day)
            if working(sim, rep, day) and sim.accounts.get(rep.id) and rng.random() < self.per_day:
                hunting.append(self._lead(sim, rep, day, rng.randrange(11 * 3600, 15 * 3600, 60)))
        for person in self.telemarketers:
            if working(sim, person, day) and any(sim.accounts.values()):
                hunting.append(self._phone(sim, person, day))
        return hunting

    async def _phone(self, sim: Simulation, person: SimRep, day: dt.date) -> Agent:
        """A telemarketer's day on the phone (see the module's docstring)."""
        rng = sim.rng(self.name, "phone", person.id, day)
        yield sim.at(day, rng.randrange(9 * 3600, 9 * 3600 + 1800, 60), person.time_zone)
        async with transaction(sim.pool, 30) as conn:
            lost = await repository.accounts_of_lost_deals(conn, person.id)
        for index, account_id in enumerate(sorted(rng.sample(lost, min(len(lost), rng.randint(3, 6))))):
            duration = rng.randint(0, 300)
            started = sim.clock.now() - dt.timedelta(seconds=duration)
            outcome = rng.choice(_RECONTACT)
            await log_call(sim, person, account_id, None, f"recontact:{day}:{index}", started, duration, outcome)
            yield sim.clock.now() + dt.timedelta(minutes=rng.randint(10, 35))
        if rng.random() >= self.tele_leads_per_day:
            return
        territories = sorted(key for key, accounts in sim.accounts.items() if accounts)
        near = rng.choice(sim.accounts[rng.choice(territories)])
        lat, lon = offset(near.lat, near.lon, rng.uniform(150, 600), rng.uniform(0, 360))
        number = sim.state.get(self.name, 0) + 1
        body = {
            "name": f"{rng.choice(_KINDS)} {rng.choice(_NAMES)} {number}",
            "channel": "horeca",
            "address": f"{rng.choice(_STREETS)} {rng.randint(1, 60)}, Helsinki",
            "phone": f"+35840{rng.randrange(1_000_000, 9_999_999)}",
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "category": "restaurant",
        }
        created = await sim.api(sim.user(person.email), "POST", "/api/v1/leads", json=body, expect=(201,))
        if created is None:
            return
        sim.state[self.name] = number
        account_id = int(created["id"])
        duration = rng.randint(180, 600)  # the call that found the interest, logged once the lead exists
        started = sim.clock.now() - dt.timedelta(seconds=duration + 120)
        await log_call(sim, person, account_id, None, f"lead:{day}", started, duration, "interested; lead entered")
        if created.get("deal_id"):  # its deal (source telemarketing) is worked from now on
            await register_lead(sim, person, uuid.UUID(created["deal_id"]), account_id, day)

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
