"""Fixtures for the report tests: the sample reports, rendered once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.reports import sample_reports
from tests.reports.report_helpers import RenderedPdf, render_to


@pytest.fixture(scope="session", autouse=True)
def _poppler() -> None:
    missing = [t for t in ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm") if not shutil.which(t)]
    if missing:
        pytest.fail(f"poppler-utils missing ({', '.join(missing)}): run scripts/install-system.sh")


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def unit_data():
    return sample_reports.sample_unit_report(0)


@pytest.fixture(scope="session")
def unit_pdf(pdf_dir, unit_data) -> RenderedPdf:
    return render_to(pdf_dir, "unit.pdf", unit_data)


@pytest.fixture(scope="session")
def city_data():
    return sample_reports.sample_city_summary()


@pytest.fixture(scope="session")
def city_pdf(pdf_dir, city_data) -> RenderedPdf:
    return render_to(pdf_dir, "city.pdf", city_data)


@pytest.fixture(scope="session")
def award_data():
    return sample_reports.sample_award_list()


@pytest.fixture(scope="session")
def award_pdf(pdf_dir, award_data) -> RenderedPdf:
    return render_to(pdf_dir, "award.pdf", award_data)
