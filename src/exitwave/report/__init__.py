"""Reports for people who read rather than query: one self-contained HTML file."""

from exitwave.report.html import build_report

__all__ = ["build_report"]
