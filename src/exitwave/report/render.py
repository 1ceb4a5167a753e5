"""The report's markup lives in Jinja2 templates (``templates/*.html.j2``, shipped with the
package); Python gathers the numbers and words, the templates lay them out.

Autoescaping is on for every template: scenario names, descriptions, file names and notes come
from files anyone may write, so they are always escaped; only markup made by another template of
this package (a rendered section) is passed through as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

__all__ = ["Markup", "render"]


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("exitwave.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **context: Any) -> Markup:
    """The template ``name`` (in ``exitwave/report/templates/``) rendered with ``context``,
    as markup (already escaped)."""
    return Markup(_environment().get_template(name).render(**context))
