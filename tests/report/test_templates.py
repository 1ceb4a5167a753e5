"""The report's markup comes from Jinja2 templates shipped with the package, autoescaped: text
from scenario files reaches the page as text, never as markup."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import jinja2
import pytest

from exitwave.experiments import compare
from exitwave.report import build_report
from exitwave.report.render import render

HOSTILE = "<script>alert(1)</script> & <img src=x onerror=alert(2)> 'quoted' \"double\""


def test_templates_are_package_data_and_every_one_compiles():
    folder = resources.files("exitwave.report") / "templates"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith((".j2", ".css")))
    assert "report.html.j2" in names and "claims.html.j2" in names and "style.css" in names
    env = jinja2.Environment(loader=jinja2.PackageLoader("exitwave.report", "templates"))
    for name in names:
        env.get_template(name)  # raises on a syntax error
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "report/templates/*" in pyproject["tool"]["setuptools"]["package-data"]["exitwave"]
    assert any(d.startswith("jinja2") for d in pyproject["project"]["dependencies"])


def test_rendering_escapes_text_and_refuses_a_missing_value():
    html = render("scenarios.html.j2", scenarios=[{"name": HOSTILE, "runs": "1", "scale": "1 men",
                                                   "period": "5 days", "text": HOSTILE}])
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img") == 2
    with pytest.raises(jinja2.UndefinedError):  # a section never renders half-filled
        render("scenarios.html.j2")


def test_a_scenario_description_with_markup_is_shown_as_text(tmp_path):
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(f"name: hostile\ndescription: {json.dumps(HOSTILE)}\nextends: asylum-coalition\n")
    compare(["russia-2022", str(scenario)], n=2, scale=30000, days=8, out_dir=tmp_path / "cmp")
    page = build_report(tmp_path / "cmp", tmp_path / "report.html", calibration_dir=None).read_text()
    assert "<script" not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;" in page
    assert not re.search(r"<img(?![^>]*src=\"data:image/png;base64,)", page)  # every <img> is an inline plot
