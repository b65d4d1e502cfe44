"""The OpenAPI document is the mobile team's contract: a client generated from it with
`openapi-python-client` (0 warnings allowed) drives a rep's day and a supervisor's report against the
session's live server (tests/e2e/conftest.py), through the generated code only.

The generator runs as its own tool, with the project's config `docs/openapi-python-client.yaml`
(image bytes read as bytes), exactly as the mobile team would run it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.backend.supervision.known_day import DAY, HELSINKI, OTHER_SUPERVISOR, KnownDay
from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, ROOT
from tests.visits.images import jpeg, shelf_image

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"


@pytest.fixture(scope="module")
def generated(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("client")
    schema = out / "openapi.json"
    response = httpx.get(f"{server}/schema/openapi.json", timeout=30)
    assert response.status_code == 200
    schema.write_bytes(response.content)
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(out / "fieldsales_client"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "openapi-python-client.log").write_text(output)
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("fieldsales_client")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.startswith("fieldsales_client")]:
            del sys.modules[name]


def _api(client_package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"fieldsales_client.{name}")


def _login(package: ModuleType, base: str, email: str) -> Any:
    login = _api(package, "api.auth.login_user")
    models = _api(package, "models")
    anonymous = package.Client(base_url=base)
    tokens = login.sync(client=anonymous, body=models.LoginRequest(email=email, password=DEMO_PASSWORD))
    assert isinstance(tokens, models.TokenPair), tokens
    return package.AuthenticatedClient(base_url=base, token=tokens.access_token)


def test_the_generated_client_drives_a_reps_day_and_a_supervisors_report(
    generated: ModuleType, server: str, known: KnownDay
) -> None:
    models = _api(generated, "models")
    rep = _login(generated, server, "rep3@example.com")

    # The day's route; a day without one is a 404 problem, typed.
    route = _api(generated, "api.routes.get_my_route").sync(client=rep, day=DAY)
    assert isinstance(route, models.DayRoute) and len(route.stops) >= 3
    none = _api(generated, "api.routes.get_my_route").sync(client=rep, day=DAY + dt.timedelta(days=30))
    assert isinstance(none, models.ProblemDetails) and none.status == 404

    stop = route.stops[2]  # the first two stops were visited already (the known day)
    arrived = dt.datetime.combine(DAY, dt.time(), tzinfo=HELSINKI) + dt.timedelta(seconds=stop.start_s)
    visit_id = uuid.uuid4()
    check_in = _api(generated, "api.visits.check_in_visit").sync_detailed(
        client=rep,
        body=models.CheckInRequest(
            id=visit_id,
            account_id=stop.account.id,
            checked_in_at=arrived,
            lat=stop.account.lat,
            lon=stop.account.lon,
            accuracy_m=8.0,
            # The known day lies in the past: the phone sends it now, saying so (as an offline phone does).
            sent_at=dt.datetime.now(dt.UTC),
        ),
    )
    assert check_in.status_code == 201, check_in.content
    visit = check_in.parsed
    assert isinstance(visit, models.Visit) and visit.flags == [] and visit.route_stop_seq == stop.seq

    # The checklist: every template assigned to the outlet, answered.
    checklist = _api(generated, "api.checklists.get_visit_checklist").sync(client=rep, visit_id=visit_id)
    assert isinstance(checklist, models.VisitChecklist) and checklist.templates
    for template in checklist.templates:
        answers = [models.Answer(item=item.key, value=True) for item in template.items if item.type_ == "yes_no"]
        result = _api(generated, "api.checklists.submit_visit_checklist").sync(
            client=rep, visit_id=visit_id, body=models.ChecklistRequest(template_id=template.id, answers=answers)
        )
        assert isinstance(result, models.ChecklistResult), result

    # A shelf photo, multipart, as the phone sends it; then a dark one, flagged.
    upload = _api(generated, "api.photos.upload_photo")
    file_type = _api(generated, "types").File
    shelf = upload.sync_detailed(
        client=rep,
        visit_id=visit_id,
        body=models.PhotoUpload(
            photo_id=str(uuid.uuid4()),
            file=file_type(
                payload=io.BytesIO(jpeg(shelf_image(41, (1200, 900)))), file_name="shelf.jpg", mime_type="image/jpeg"
            ),
        ),
    )
    assert shelf.status_code == 201, shelf.content
    assert isinstance(shelf.parsed, models.Photo) and shelf.parsed.flags == []
    dark = upload.sync(
        client=rep,
        visit_id=visit_id,
        body=models.PhotoUpload(
            photo_id=str(uuid.uuid4()),
            file=file_type(
                payload=io.BytesIO(jpeg(Image.new("RGB", (1200, 900), (5, 5, 5)))),
                file_name="d.jpg",
                mime_type="image/jpeg",
            ),
        ),
    )
    assert isinstance(dark, models.Photo) and dark.flags == ["too_dark", "too_uniform"]
    thumbnail = _api(generated, "api.photos.get_photo_thumbnail").sync_detailed(client=rep, photo_id=shelf.parsed.id)
    assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"

    out = _api(generated, "api.visits.checkout_visit").sync(
        client=rep,
        visit_id=visit_id,
        body=models.CheckOutRequest(
            checked_out_at=arrived + dt.timedelta(minutes=18),
            lat=stop.account.lat,
            lon=stop.account.lon,
            accuracy_m=9.0,
            sent_at=dt.datetime.now(dt.UTC),
        ),
    )
    assert isinstance(out, models.Visit) and out.checked_out_at is not None and out.flags == []
    # Bad input comes back as the one problem type, naming the field.
    bad = _api(generated, "api.visits.checkout_visit").sync(
        client=rep,
        visit_id=uuid.uuid4(),
        body=models.CheckOutRequest(checked_out_at=arrived, lat=60.0, lon=24.0, accuracy_m=5.0),
    )
    assert isinstance(bad, models.ProblemDetails) and bad.status == 404 and bad.field == "visit_id"

    # The other team's supervisor reads the plan vs fact of the day: rep3 did 3 of their stops.
    supervisor = _login(generated, server, OTHER_SUPERVISOR)
    report = _api(generated, "api.reports.get_visits_report").sync(
        client=supervisor, from_=DAY.isoformat(), to=DAY.isoformat(), group_by=models.VisitGroup.REP
    )
    assert isinstance(report, models.VisitsReport), report
    (row,) = report.rows
    assert row.key == str(known.reps["rep3"]) and row.label and not row.label.isdigit()
    assert (row.planned, row.done) == (len(route.stops), 3)
    # CSV: the generated request with the generated client's transport (its parser reads JSON only).
    request = _api(generated, "api.reports.get_visits_report")._get_kwargs(
        from_=DAY.isoformat(), to=DAY.isoformat(), format_=models.ReportFormat.CSV
    )
    csv = supervisor.get_httpx_client().request(**request)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("key,label,planned,done")
    refused = _api(generated, "api.reports.get_visits_report").sync(client=rep, from_=DAY.isoformat())
    assert isinstance(refused, models.ProblemDetails) and refused.status == 403
