"""The Python package gives exactly the numbers of the command line."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

import alssim


@pytest.fixture(scope="module")
def both(cli, root, tmp_path_factory):
    """One scenario through the command line and through Python."""
    out = tmp_path_factory.mktemp("cli") / "nh"
    cli("run", root / "scenarios" / "natural-history.toml", "--patients", "300", "--seed", "5",
        "--trajectories", "--no-plots", "--quiet", "--out", out)
    result = alssim.Scenario.from_file(root / "scenarios" / "natural-history.toml").run(
        patients=300, seed=5, trajectories=True
    )
    return out, result


@pytest.mark.parametrize("name", ["summary.csv", "patients.csv", "sample_trajectories.csv"])
def test_tables_are_the_files_byte_for_byte(both, name):
    out, result = both
    assert result.text(name) == (out / name).read_text()


def test_dataframes_equal_the_files_read_by_pandas(both):
    out, result = both
    pd.testing.assert_frame_equal(result.summary, pd.read_csv(out / "summary.csv"), check_exact=True)
    pd.testing.assert_frame_equal(result.patients, pd.read_csv(out / "patients.csv"), check_exact=True)
    pd.testing.assert_frame_equal(result.sample, pd.read_csv(out / "sample_trajectories.csv"), check_exact=True)


def test_trajectories_are_the_parquet_file(both):
    out, result = both
    assert result.parquet_bytes() == (out / "trajectories.parquet").read_bytes()
    expected = pq.read_table(out / "trajectories.parquet").to_pandas()
    pd.testing.assert_frame_equal(result.trajectories, expected, check_exact=True)
    assert set(result.trajectories.columns) >= {"index", "arm", "month", "alsfrs_r", "fvc_pct", "nfl_pg_ml", "item_speech"}


def test_counts_match_the_manifest(both):
    import json

    out, result = both
    manifest = json.loads((out / "manifest.json").read_text())
    c = result.counts
    assert (c["screened"], c["enrolled"], c["failed"]) == (
        manifest["screened"], manifest["enrolled"], manifest["failed"])
    assert c["screen_failures"] == manifest["screen_failures"]
    assert result.failures == manifest["failures"]


def test_thread_count_does_not_change_a_number():
    s = alssim.Scenario.default().with_options(patients=150, seed=2)
    one = s.run(threads=1)
    two = s.run(threads=2)
    assert one.text("summary.csv") == two.text("summary.csv")
    assert one.text("patients.csv") == two.text("patients.csv")


def test_simulate_is_the_cli_table(cli, tmp_path):
    csv = tmp_path / "p.csv"
    cli("simulate", "--onset-region", "bulbar", "--age", "70", "--genotype", "c9orf72",
        "--seed", "4", "--set", "agg_growth_rate=0.3", "--csv", csv)
    df = alssim.simulate(age=70, onset_region="bulbar", genotype="c9orf72", seed=4,
                         set={"agg_growth_rate": 0.3})
    pd.testing.assert_frame_equal(df, pd.read_csv(csv), check_exact=True)
    ev = df.attrs["events"]
    assert ev["onset"] == 0.0
    assert ev["death"] is not None and ev["death"] > 0


def test_simulate_defaults_are_the_cli_defaults(cli, tmp_path):
    # The default patient: the same table, and the same diagnosis (which the referral delay's
    # default decides when the disease is not recognised first).
    csv = tmp_path / "p.csv"
    out = cli("simulate", "--horizon", "24", "--csv", csv).stdout
    df = alssim.simulate(horizon=24)
    pd.testing.assert_frame_equal(df, pd.read_csv(csv), check_exact=True)
    line = next(l for l in out.splitlines() if l.strip().startswith("diagnosis"))
    assert float(line.split()[1]) == pytest.approx(df.attrs["events"]["diagnosis"], abs=0.005)


def test_the_type_stub_states_the_defaults_of_simulate():
    import ast
    import inspect
    from pathlib import Path

    stub = ast.parse((Path(alssim.__file__).parent / "_alssim.pyi").read_text())
    fn = next(n for n in stub.body if isinstance(n, ast.FunctionDef) and n.name == "simulate")
    args = fn.args.args[len(fn.args.args) - len(fn.args.defaults):]
    stated = {
        a.arg: ast.literal_eval(d)
        for a, d in zip(args, fn.args.defaults)
        if not isinstance(d, ast.Constant) or d.value is not Ellipsis
    }
    actual = {
        name: p.default
        for name, p in inspect.signature(alssim.simulate).parameters.items()
        if name in stated
    }
    assert stated == actual
    assert "diagnostic_delay" in stated


def test_trial_tables_are_the_cli_files(cli, root, tmp_path):
    scenario = root / "scenarios" / "trial-riluzole-bensimon.toml"
    cli("trial", scenario, "--replicates", "2", "--seed", "3", "--quiet", "--no-plots", "--out", tmp_path / "t")
    r = alssim.Scenario.from_file(scenario).with_options(seed=3).trial(replicates=2)
    for name in ["trial.csv", "power.csv", "flow.csv", "trial-patients.csv"]:
        assert r.text(name) == (tmp_path / "t" / name).read_text(), name
    assert len(r.power) > 0 and {"endpoint"} <= set(r.power.columns)
    again = alssim.trial(scenario, replicates=2, seed=3)
    assert again.text("trial.csv") == r.text("trial.csv")


def test_whatif_runs_control_and_arms(cli, tmp_path):
    cli("whatif", "riluzole", "riluzole+edaravone-iv", "--patients", "200", "--seed", "9",
        "--no-plots", "--quiet", "--out", tmp_path / "w")
    r = alssim.whatif("riluzole", "riluzole+edaravone-iv", patients=200, seed=9)
    assert list(r.summary["arm"].unique()) == ["control", "riluzole", "riluzole_edaravone-iv"]
    assert r.text("summary.csv") == (tmp_path / "w" / "summary.csv").read_text()
    assert r.text("patients.csv") == (tmp_path / "w" / "patients.csv").read_text()
