"""jsonschema-rs is imported without email.utils (schema_engine.py): its build metadata is the
same, the stand-in is gone once the import is done, and the date parse is the real one's."""

from __future__ import annotations

import email.utils
import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamcheck import schema_engine
from tests.conftest import ROOT, run_python

SHOW = (
    "import sys, {first}; import jsonschema_rs.jsonschema_rs as m;"
    " print(repr(m.__build__['info-time']), 'email.utils' in sys.modules)"
)


def _run(code: str, pythonpath: str = str(ROOT)) -> str:
    done = run_python(code, env={"PYTHONPATH": pythonpath})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_build_metadata_is_what_the_real_parse_gives() -> None:
    through_us = _run(SHOW.format(first="streamcheck.schema_engine"))
    plain = _run(SHOW.format(first="email.utils"))
    assert through_us.endswith(" False")  # loaded without email.utils
    assert plain.endswith(" True")
    assert through_us.split(" ")[:-1] == plain.split(" ")[:-1]
    assert "datetime.datetime(" in through_us


def test_a_later_import_of_email_utils_gets_the_real_module() -> None:
    code = (
        "import streamcheck.schema_engine, email.utils;"
        " print(email.utils.formataddr(('a', 'b@c')), email.utils.__file__ is not None)"
    )
    assert _run(code) == "a <b@c> True"


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(minutes=330))]
        ),
    )
)
def test_the_date_parse_is_email_utils_own(when: datetime) -> None:
    text = email.utils.format_datetime(when.replace(microsecond=0))
    assert schema_engine._parsedate_to_datetime(text) == email.utils.parsedate_to_datetime(text)


@pytest.mark.parametrize("text", ["12 Nov 2026 07:50:16 GMT", "Thu, 12 Nov 2026 07:50 +0000"])
def test_any_other_form_is_handed_to_the_real_function(text: str) -> None:
    # Not the form pyo3-built writes: the real parser's answer (email.utils is loaded here,
    # so the stand-in's hand-over leaves sys.modules as it is).
    assert schema_engine._parsedate_to_datetime(text) == email.utils.parsedate_to_datetime(text)
    assert sys.modules["email.utils"] is email.utils


@pytest.mark.parametrize(
    "text",
    [
        "Thu, 1 Nov 2026 07:50:16 +0000",  # a day of one digit
        "Thu, 12 Nov 2026 07:50:16 -0000",  # no zone at all: a naive datetime
        "Thu, 12 Nov 26 07:50:16 +0000",  # a year of two digits: 2026
        "Thu, 12 November 2026 07:50:16 +0530",
    ],
)
def test_the_edges_of_the_form_parse_as_email_utils_parses_them(text: str) -> None:
    mine = schema_engine._parsedate_to_datetime(text)
    real = email.utils.parsedate_to_datetime(text)
    assert mine == real and mine.tzinfo == real.tzinfo


_ASKS_MORE = """
import email.utils
email.utils.formataddr  # what the stand-in does not have
"""


def test_a_release_that_asks_email_utils_for_more_is_imported_the_plain_way(
    tmp_path: Path,
) -> None:
    fake = tmp_path / "jsonschema_rs"
    fake.mkdir()
    (fake / "__init__.py").write_text(_ASKS_MORE)
    code = (
        "import sys; from streamcheck.schema_engine import jsonschema_rs;"
        " import email.utils; print(jsonschema_rs.__file__, hasattr(email.utils, 'formataddr'))"
    )
    shown = _run(code, pythonpath=f"{tmp_path}{os.pathsep}{ROOT}")
    assert shown == f"{fake / '__init__.py'} True"


def test_with_another_thread_running_it_is_the_plain_import() -> None:
    code = (
        "import sys, threading, time;"
        " threading.Thread(target=time.sleep, args=(1,), daemon=True).start();"
        " import streamcheck.schema_engine; print('email.utils' in sys.modules)"
    )
    assert _run(code) == "True"
