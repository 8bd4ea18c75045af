"""Every server check passes against our mock, with no baseline; the reports are complete and valid."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import yaml

from image_skill_conformance import categories
from image_skill_conformance.categories.schema import HOSTED

from .conftest import run_kit, statuses

FIELDS = {"id", "category", "status", "statement", "contract_ref", "repro"}


def test_every_check_passes_against_the_mock_and_the_reports_say_so(mock_url: str, tmp_path: Path) -> None:
    status, report = run_kit(tmp_path, "run", "--url", mock_url)
    assert status == 0, [c for c in report["checks"] if c["status"] != "passed"]
    found = statuses(report)
    expected = {check.id for name in categories.SERVER for check in categories.load(name).checks}
    assert set(found) == expected
    assert set(found.values()) == {"passed"}
    assert {f"schema.{op}" for op in HOSTED} | {"schema.stateful"} <= set(found)
    assert all(set(check) >= FIELDS for check in report["checks"])
    product = report["product"]
    assert product["base_url"] == mock_url
    assert product["score"] == 100.0
    assert product["categories"] == list(categories.SERVER)
    assert yaml.safe_load((tmp_path / "PRODUCT.yaml").read_text(encoding="utf-8")) == product
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert sum(int(s.get("tests", "0")) for s in suites.iter("testsuite")) == len(found)
    assert not list(suites.iter("failure"))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    for fetched in ("<script", "src=", "<link"):  # self-contained: nothing fetched
        assert fetched not in page
    assert all(check_id in page for check_id in found)
