"""The front against history: the model's desertion and surrender next to published magnitudes.

Usage::

    .venv/bin/python benchmarks/front_history.py                 # the table in docs/model.md §7
    .venv/bin/python benchmarks/front_history.py --seeds 1,2,3 --scale 5000 --json-out runs/history.json

Runs ``russia-2022-to-2025`` from 14 Sep 2022 to 30 Jun 2024 with the war-end rule off (the war
went on; a war-end draw would freeze the front at a different day in each seed) for ``--seeds``
at ``--scale`` men per agent, and sets its monthly desertions, surrenders and hotline surrenders
next to

* Russia 2022–24: AWOL (Art. 337) and other refusal-to-serve prosecutions per month and
  surrender-hotline surrenders (``src/exitwave/data/sources/russia-2022/desertion_surrender_pow.csv``,
  Mediazona and Ukrainian sources);
* Germany 1918: prisoners taken by the Allies in the last four months of the war and before, per
  month and per man of the field force (``src/exitwave/data/sources/front-history/germany-1918.csv``).

Prints a Markdown table: what was measured, the published figure, the model's figure, and what
the comparison can say. Independent of pytest.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MONTH = 365.25 / 12
END = dt.date(2024, 6, 30)


def _rows(*path: str) -> dict[tuple[str, str], float]:
    """(series, date) → value of a bundled sources CSV."""
    file = resources.files("exitwave.data").joinpath("sources", *path)
    with file.open(encoding="utf-8") as handle:
        return {(r["series"], r["date"]): float(r["value"]) for r in csv.DictReader(handle)}


def _run(seed: int, scale: float) -> dict[str, Any]:
    import pandas as pd

    from exitwave import Simulation, load_scenario

    sc = load_scenario("russia-2022-to-2025", overrides={"front.war_end.rule": "none"})
    days = (END - sc.time.start).days + 1
    series = Simulation(sc, seed=seed, scale=scale, days=days).run().series
    monthly = series[["deserted", "surrendered", "hotline_surrenders"]].resample("MS").last().diff()
    monthly.iloc[0] = series[["deserted", "surrendered", "hotline_surrenders"]].resample("MS").last().iloc[0]
    strength = series["status.soldier"].resample("MS").mean()
    out = pd.DataFrame({"deserted": monthly["deserted"], "surrendered": monthly["surrendered"],
                        "hotline": monthly["hotline_surrenders"], "strength": strength})
    out["desertion_share"] = out["deserted"] / out["strength"] * (MONTH / out.index.days_in_month)
    out["surrender_share"] = out["surrendered"] / out["strength"] * (MONTH / out.index.days_in_month)
    return {"seed": seed, "months": {d.strftime("%Y-%m"): {k: float(v) for k, v in row.items()}
                                     for d, row in out.iterrows()},
            "hotline_by_2024_06_22": float(series["hotline_surrenders"].loc[:"2024-06-22"].iloc[-1])}


def _mean(runs: list[dict[str, Any]], months: list[str], key: str) -> float:
    return float(np.mean([np.mean([r["months"][m][key] for m in months]) for r in runs]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1,2", help="comma-separated seeds")
    parser.add_argument("--scale", type=float, default=20_000.0, help="men per agent")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    runs = [_run(int(s), args.scale) for s in args.seeds.split(",")]
    ru = _rows("russia-2022", "desertion_surrender_pow.csv")
    de = _rows("front-history", "germany-1918.csv")
    h1_2023 = [f"2023-0{m}" for m in range(1, 7)]
    h1_2024 = [f"2024-0{m}" for m in range(1, 7)]
    all_months = sorted(runs[0]["months"])
    last4 = de[("DE_POW_captured_by_Allies_last_four_months", "1918-11-11")] / 4
    # the rest of the whole war's prisoners, over Aug 1914 – mid-July 1918 (~47.5 months)
    before = (de[("DE_POW_captured_Western_Front_whole_war", "1918-11-11")]
              - de[("DE_POW_captured_by_Allies_last_four_months", "1918-11-11")]) / 47.5
    field = de[("DE_field_force_implied", "1918-11-10")]
    peak_surrender = max(float(np.mean([r["months"][m]["surrender_share"] for r in runs])) for m in all_months)
    peak_desertion = max(float(np.mean([r["months"][m]["desertion_share"] for r in runs])) for m in all_months)
    rows = [
        ("Russia, AWOL (Art. 337) cases received per month, H1 2023",
         f"{ru[('RU_AWOL_Art337_cases_received_H1', '2023-06-30')] / 6:,.0f} (2,076 in six months)",
         f"deserted {_mean(runs, h1_2023, 'deserted'):,.0f} a month"),
        ("Russia, refusal-to-serve cases per month, May 2024 (Art. 337: 844)",
         f"{ru[('RU_mil_refusal_cases_month', '2024-05-31')]:,.0f}",
         f"deserted {_mean(runs, h1_2024, 'deserted'):,.0f} a month (H1 2024)"),
        ("Russia, desertions per soldier per month implied by the prosecutions (÷ the model's force)",
         f"{ru[('RU_mil_refusal_cases_month', '2024-05-31')] / _mean(runs, h1_2024, 'strength'):.2%}",
         f"{_mean(runs, h1_2024, 'desertion_share'):.2%} (H1 2024)"),
        ("Russia, surrenders through the 'I want to live' hotline, cumulative to 22 Jun 2024",
         f"{ru[('IWTL_surrenders_cumulative', '2024-06-22')]:,.0f} ('more than 300')",
         f"{np.mean([r['hotline_by_2024_06_22'] for r in runs]):,.0f}"),
        ("Russia, all surrenders per month", "not published",
         f"{_mean(runs, h1_2024, 'surrendered'):,.0f} a month (H1 2024)"),
        ("Germany 1918, prisoners taken by the Allies per month, last four months",
         f"{last4:,.0f} ({last4 / field:.1%} of a ~1.45 M field force)",
         f"highest monthly surrender share of the run: {peak_surrender:.2%}"),
        ("Germany 1914–18, prisoners per month on the Western Front before the collapse",
         f"{before:,.0f}", f"desertion share at its highest month: {peak_desertion:.2%}"),
    ]
    print(f"russia-2022-to-2025, war end off, seeds {args.seeds}, 1 agent = {args.scale:g} men, to {END}\n")
    print("| magnitude | published | model |")
    print("|---|---:|---:|")
    for what, published, model in rows:
        print(f"| {what} | {published} | {model} |")
    if args.json_out:
        args.json_out.write_text(json.dumps(runs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
