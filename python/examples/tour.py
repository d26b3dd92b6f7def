"""The README's tour, from Python: a virtual cohort, its ALSFRS-R fan chart, Kaplan-Meier
survival (with lifelines when it is installed), a what-if comparison and a parameter sweep.

    python python/examples/tour.py [OUTPUT_FOLDER]

writes tour-fan.png, tour-survival.png and tour-sweep.png into OUTPUT_FOLDER (default: the
current folder) and prints the numbers behind them.
"""

from __future__ import annotations

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import alssim

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Colour-blind-safe (Okabe-Ito).
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]


def kaplan_meier(months: np.ndarray, died: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival at each distinct death time (a step function from 1)."""
    order = np.argsort(months, kind="stable")
    months, died = months[order], died[order]
    at_risk = len(months) - np.arange(len(months))
    times, survival, s = [0.0], [1.0], 1.0
    for t in np.unique(months[died]):
        deaths = np.sum((months == t) & died)
        n = at_risk[np.searchsorted(months, t)]
        s *= 1.0 - deaths / n
        times.append(float(t))
        survival.append(s)
    return np.array(times), np.array(survival)


def fan_chart(result: alssim.Result, path: pathlib.Path) -> None:
    s = result.summary
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, (arm, rows) in enumerate(s[s.variable == "alsfrs_r"].groupby("arm", sort=False)):
        c = COLOURS[k % len(COLOURS)]
        rows = rows.dropna(subset=["median"])
        ax.fill_between(rows.month, rows.q05, rows.q95, color=c, alpha=0.15, lw=0)
        ax.fill_between(rows.month, rows.q25, rows.q75, color=c, alpha=0.3, lw=0)
        ax.plot(rows.month, rows["median"], color=c, label=f"{arm} (median, 50% and 90% bands)")
    ax.set(xlabel="months since diagnosis", ylabel="ALSFRS-R (0-48)", ylim=(0, 48))
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def survival_chart(result: alssim.Result, path: pathlib.Path) -> dict:
    p = result.patients
    medians = {}
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, (arm, rows) in enumerate(p.groupby("arm", sort=False)):
        months = rows.follow_up_months.to_numpy(float)
        died = rows.censored.to_numpy() == 0
        try:
            from lifelines import KaplanMeierFitter

            km = KaplanMeierFitter().fit(months, died)
            times = km.survival_function_.index.to_numpy()
            surv = km.survival_function_.iloc[:, 0].to_numpy()
        except ImportError:
            times, surv = kaplan_meier(months, died)
        below = np.nonzero(surv <= 0.5)[0]
        medians[arm] = float(times[below[0]]) if len(below) else None
        ax.step(times, surv, where="post", color=COLOURS[k % len(COLOURS)], label=arm)
    ax.set(xlabel="months since enrollment", ylabel="tracheostomy-free survival", ylim=(0, 1.02))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return medians


def sweep(path: pathlib.Path) -> pd.DataFrame:
    """Median survival from diagnosis as the aggregate growth rate varies."""
    base = alssim.Scenario.from_file(ROOT / "scenarios" / "natural-history.toml")
    default = float(alssim.params().set_index("name").loc["agg_growth_rate", "default"])
    rows = []
    for factor in [0.7, 0.85, 1.0, 1.15, 1.3]:
        value = default * factor
        r = base.run(patients=400, seed=1, set={"agg_growth_rate": value})
        s = r.summary[(r.summary.variable == "alsfrs_r")]
        below = s[s.survival <= 0.5]
        rows.append({
            "agg_growth_rate": value,
            "median_survival_months": float(below.month.iloc[0]) if len(below) else None,
        })
    table = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(table.agg_growth_rate, table.median_survival_months, "o-", color=COLOURS[0])
    ax.set(xlabel="agg_growth_rate (1/month)", ylabel="median survival (months, first visit below 50%)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return table


def main(out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cohort = alssim.Scenario.from_file(ROOT / "scenarios" / "natural-history.toml").run(patients=1000)
    print(cohort)
    fan_chart(cohort, out / "tour-fan.png")
    one = alssim.simulate(age=55, onset_region="bulbar")
    print("one bulbar-onset patient: events (months since onset)", one.attrs["events"])
    compared = alssim.whatif("riluzole", patients=1000)
    print("median survival (months):", survival_chart(compared, out / "tour-survival.png"))
    print(sweep(out / "tour-sweep.png").to_string(index=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path("."))
