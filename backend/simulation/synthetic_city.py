"""A synthetic city for large simulations: N reps, each with a square territory of outlets.

Documented and fixed by its seed (docs/architecture.md, "The simulator"):
- Territories: a grid of squares of `cell_km` (default 3 km) around central Helsinki, one per rep,
  `ceil(sqrt(N))` columns; codes `S001`, `S002`, ... Reps `rep{i}@synthetic.example` (working
  Monday-Friday, 08:00-17:00, Europe/Helsinki, by car), home at the centre of their square;
  one supervisor `supervisor@synthetic.example`, one admin `admin@synthetic.example`.
- Outlets: `accounts_per_rep` (default 60) per territory at uniform random points inside it:
  channel horeca 60 % / retail 40 %; class A 15 %, B 35 %, C 50 % (visits per 4 weeks 4 / 2 / 1,
  service 30 / 20 / 15 min); status active 70 %, potential 30 %; opening hours Mo-Sa 09:00-20:00
  (horeca 10:00-22:00 every day).
The same (reps, accounts_per_rep, seed) gives the same city byte for byte.
"""

from __future__ import annotations

import math
import random

import shapely

from geo_data.demo_city import DemoAccount, DemoCity, DemoRep, DemoTerritory, DemoUser
from geo_data.opening_hours import WeeklyWindow

CENTRE_LAT, CENTRE_LON = 60.17, 24.94
KM_PER_DEG_LAT = 111.32
SHIFT_START_S, SHIFT_END_S = 8 * 3600, 17 * 3600
TIME_ZONE = "Europe/Helsinki"
CLASS_SHARES = (("A", 0.15), ("B", 0.35), ("C", 0.50))
FREQUENCY = {"A": 4, "B": 2, "C": 1}
SERVICE_S = {"A": 1800, "B": 1200, "C": 900}
HOURS = {
    "horeca": ("Mo-Su 10:00-22:00", tuple(WeeklyWindow(day, 10 * 3600, 22 * 3600) for day in range(7))),
    "retail": ("Mo-Sa 09:00-20:00", tuple(WeeklyWindow(day, 9 * 3600, 20 * 3600) for day in range(6))),
}
SUPERVISOR = DemoUser(email="supervisor@synthetic.example", name="Synthetic Supervisor", role="supervisor")
ADMIN = DemoUser(email="admin@synthetic.example", name="Synthetic Admin", role="admin")


def _class(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for account_class, share in CLASS_SHARES:
        total += share
        if draw < total:
            return account_class
    return "C"


def synthetic_city(reps: int, accounts_per_rep: int = 60, seed: int = 1, cell_km: float = 3.0) -> DemoCity:
    """The city described in the module docstring."""
    if reps < 1:
        raise ValueError("a synthetic city needs at least one rep")
    rng = random.Random(seed)  # noqa: S311 - a reproducible city, not a secret
    columns = math.ceil(math.sqrt(reps))
    rows = math.ceil(reps / columns)
    dlat = cell_km / KM_PER_DEG_LAT
    dlon = cell_km / (KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT)))
    lat0 = CENTRE_LAT - rows * dlat / 2
    lon0 = CENTRE_LON - columns * dlon / 2
    territories: list[DemoTerritory] = []
    rep_list: list[DemoRep] = []
    accounts: list[DemoAccount] = []
    for index in range(reps):
        row, column = divmod(index, columns)
        south, west = lat0 + row * dlat, lon0 + column * dlon
        code = f"S{index + 1:03d}"
        email = f"rep{index + 1}@synthetic.example"
        polygon = shapely.MultiPolygon([shapely.box(west, south, west + dlon, south + dlat)])
        territories.append(DemoTerritory(code=code, name=f"Synthetic {code}", polygon=polygon, rep_email=email))
        rep_list.append(
            DemoRep(
                email=email,
                name=f"Synthetic Rep {index + 1}",
                territory_code=code,
                supervisor_email=SUPERVISOR.email,
                home_lat=round(south + dlat / 2, 6),
                home_lon=round(west + dlon / 2, 6),
                shift_start_s=SHIFT_START_S,
                shift_end_s=SHIFT_END_S,
                time_zone=TIME_ZONE,
                travel_mode="car",
            )
        )
        for number in range(accounts_per_rep):
            channel = "horeca" if rng.random() < 0.6 else "retail"
            account_class = _class(rng)
            raw_hours, windows = HOURS[channel]
            # Kept 2 % inside the square, so no outlet sits on a shared border.
            lat = round(south + dlat * (0.02 + 0.96 * rng.random()), 6)
            lon = round(west + dlon * (0.02 + 0.96 * rng.random()), 6)
            accounts.append(
                DemoAccount(
                    external_id=f"synthetic:{code}/{number + 1}",
                    name=f"{'Bar' if channel == 'horeca' else 'Shop'} {code}-{number + 1}",
                    address=None,
                    phone=None,
                    channel=channel,  # type: ignore[arg-type]
                    category="bar" if channel == "horeca" else "convenience",
                    account_class=account_class,  # type: ignore[arg-type]
                    visit_frequency_per_4_weeks=FREQUENCY[account_class],
                    status="active" if rng.random() < 0.7 else "potential",
                    lat=lat,
                    lon=lon,
                    opening_hours_raw=raw_hours,
                    opening_hours=windows,
                    opening_hours_source="osm",
                    service_s=SERVICE_S[account_class],
                    territory_code=code,
                )
            )
    return DemoCity(
        accounts=tuple(accounts),
        territories=tuple(territories),
        reps=tuple(rep_list),
        supervisor=SUPERVISOR,
        admin=ADMIN,
        streets=(),
        bbox=(lon0, lat0, lon0 + columns * dlon, lat0 + rows * dlat),
    )
