"""Settings: every field from FIELDSALES_<FIELD>, parsed at load into its type, documented in the README."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from backend.settings import FIELD_DOCS, Settings, SettingsError, env_name, fields, load_settings, settings_table

README = Path(__file__).resolve().parents[2] / "README.md"
# A value of the right type for each field type, as text.
SAMPLES = {int: "7", float: "2.5", str: "custom", dt.time: "21:45", bool: "true"}
PARSED = {int: 7, float: 2.5, str: "custom", dt.time: dt.time(21, 45), bool: True}


def _kind(field: str) -> type:
    hint = Settings.__annotations__[field]
    text = hint if isinstance(hint, str) else getattr(hint, "__name__", str(hint))
    for kind, name in ((dt.time, "dt.time"), (float, "float"), (int, "int"), (bool, "bool")):
        if text.startswith(name):
            return kind
    return str


@pytest.mark.parametrize("field", fields())
def test_every_field_is_read_from_its_variable(field: str) -> None:
    kind = _kind(field)
    if field in ("log_format", "log_level", "matrix_provider"):
        value = {"log_format": "json", "log_level": "debug", "matrix_provider": "haversine"}[field]
        assert getattr(load_settings({env_name(field): value}), field) == value
        return
    assert getattr(load_settings({env_name(field): SAMPLES[kind]}), field) == PARSED[kind]


def test_older_names_still_work_and_the_convention_wins() -> None:
    assert load_settings({"DATABASE_URL": "postgresql://a/b"}).database_url == "postgresql://a/b"
    assert load_settings({"FIELDSALES_ENV": "test"}).environment == "test"
    both = {"DATABASE_URL": "postgresql://old/x", "FIELDSALES_DATABASE_URL": "postgresql://new/x"}
    assert load_settings(both).database_url == "postgresql://new/x"


def test_times_are_parsed_at_load_and_a_bad_one_names_the_variable_and_the_form() -> None:
    assert load_settings({"FIELDSALES_NIGHTLY_LOCAL_TIME": "23:15"}).nightly_local_time == dt.time(23, 15)
    assert load_settings({}).morning_check_local_time == dt.time(5, 30)
    with pytest.raises(
        SettingsError, match=r"FIELDSALES_NIGHTLY_LOCAL_TIME='10pm' is not valid: expected a time of day HH:MM"
    ):
        load_settings({"FIELDSALES_NIGHTLY_LOCAL_TIME": "10pm"})
    with pytest.raises(SettingsError, match=r"FIELDSALES_CHURN_CAP_SHARE='a third' is not valid: expected a number"):
        load_settings({"FIELDSALES_CHURN_CAP_SHARE": "a third"})
    with pytest.raises(SettingsError, match="FIELDSALES_LOG_FORMAT='xml': expected one of text, json"):
        load_settings({"FIELDSALES_LOG_FORMAT": "xml"})


def test_every_field_is_documented_and_the_readme_table_is_the_generated_one() -> None:
    assert set(FIELD_DOCS) == set(fields())
    text = README.read_text()
    found = re.search(r"<!-- settings-table:begin -->\n(.*?)<!-- settings-table:end -->", text, re.S)
    assert found, "README.md has no generated settings table"
    assert found.group(1) == settings_table(), "regenerate with: python -m backend.settings"
    for field in fields():
        assert f"`{env_name(field)}`" in found.group(1)
