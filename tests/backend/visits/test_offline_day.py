"""A rep's offline day replayed: every request sent late, out of order and twice; the database ends
with exactly one record per real action and every flag right."""

from __future__ import annotations

import random
import uuid
from collections import deque
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import DAY, SERVER_NOW, check_in_body, check_out_body, rep_accounts
from tests.backend.visits.test_checklists import create_template, good_answers
from tests.backend.visits.test_photos import stored_files
from tests.visits.images import jpeg, shelf_image


async def test_an_offline_day_replayed_late_out_of_order_and_twice(
    client: httpx.AsyncClient, conn: asyncpg.Connection, photo_dir: Path
) -> None:
    template = await create_template(client)
    headers = await auth_headers(client, "rep1@example.com")
    a, b, c = (await rep_accounts(conn, "rep1@example.com", 3))[:3]
    plan = [  # (account, check-in hour, metres from the outlet, minutes inside)
        (a, 9, 15.0, 25),
        (b, 10, 350.0, 20),  # out of range
        (c, 11, 10.0, 1),  # too short
    ]
    reused_picture = shelf_image(11, (1200, 900))
    photos = {  # visit index -> photo bytes taken there
        0: [jpeg(reused_picture), jpeg(shelf_image(12, (1200, 900)))],
        1: [jpeg(shelf_image(13, (1200, 900)))],
        2: [jpeg(reused_picture.resize((800, 600)), quality=75), jpeg(shelf_image(14, (1200, 900)))],
    }
    requests: list[tuple[str, str, dict[str, Any]]] = []
    visit_ids: list[str] = []
    photo_ids: dict[str, tuple[int, int]] = {}
    for index, (account, hour, metres, minutes) in enumerate(plan):
        at = DAY.replace(hour=hour)
        check_in = check_in_body(account, at, metres=metres)
        visit_id = str(check_in["id"])
        visit_ids.append(visit_id)
        requests.append((f"check-in {index}", "/api/v1/visits", {"json": check_in}))
        out = check_out_body(account, at.replace(minute=minutes), metres=metres)
        requests.append((f"check-out {index}", f"/api/v1/visits/{visit_id}/checkout", {"json": out}))
        ids = [str(uuid.uuid4()) for _ in photos[index]]
        for number, (photo_id, content) in enumerate(zip(ids, photos[index], strict=True)):
            photo_ids[photo_id] = (index, number)
            requests.append(
                (
                    f"photo {index}.{number}",
                    f"/api/v1/visits/{visit_id}/photos",
                    {
                        "data": {"photo_id": photo_id, "item_key": "shelf_photo"},
                        "files": {"file": ("IMG.jpg", content, "image/jpeg")},
                    },
                )
            )
        answers = good_answers(template["id"], ids[0])
        requests.append((f"checklist {index}", f"/api/v1/visits/{visit_id}/checklist", {"json": answers}))

    queue = deque(requests * 2)
    random.Random(20261123).shuffle(queue)
    sent = 0
    first_answers: dict[str, Any] = {}
    while queue:
        name, url, kwargs = queue.popleft()
        sent += 1
        assert sent < 10 * len(requests), "the replay does not converge"
        if "json" in kwargs and name.startswith("check"):
            kwargs = {"json": {**kwargs["json"]}}
            if not name.startswith("checklist"):
                kwargs["json"]["sent_at"] = SERVER_NOW.isoformat()
        method = client.put if name.startswith("checklist") else client.post
        response = await method(url, headers=headers, **kwargs)
        if response.status_code == 404 and not name.startswith("check-in"):
            queue.append((name, url, kwargs))  # its visit has not arrived yet: the phone retries later
            continue
        assert response.status_code in (200, 201), (name, response.text)
        if name in first_answers:
            assert response.json() == first_answers[name], f"{name}: a replay returns the original result"
        else:
            first_answers[name] = response.json()

    rep_id = await conn.fetchval("select id from users where email = 'rep1@example.com'")
    visits = await conn.fetch("select id::text, flags from visits where rep_id = $1 order by checked_in_at", rep_id)
    assert [row["id"] for row in visits] == visit_ids
    # Visit 1 was checked in and out 350 m away; visit 2 lasted one minute.
    assert [row["flags"] for row in visits] == [[], ["out_of_range", "checkout_out_of_range"], ["too_short"]]
    assert await conn.fetchval("select count(*) from visit_checklists") == 3
    assert await conn.fetchval("select count(*) from photo_blobs") == 5
    assert len(stored_files(photo_dir)) == 10
    rows = await conn.fetch("select id::text, flags, reused_from_visit_id::text as source from visit_photos")
    assert len(rows) == 5
    flags = {photo_ids[row["id"]]: (row["flags"], row["source"]) for row in rows}
    assert flags == {
        (0, 0): ([], None),
        (0, 1): ([], None),
        (1, 0): ([], None),
        (2, 0): (["reused"], visit_ids[0]),
        (2, 1): ([], None),
    }
