"""Scenarios from files, text and dicts, with the command line's validation."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

import alssim

BAD = """\
[population]
size = -5
seed = 1

[[arm]]
name = "a"
therapies = [{ drug = "rilzole" }]
colour = "red"
"""


def test_every_problem_is_raised_at_once_with_line_and_key(cli, tmp_path):
    with pytest.raises(alssim.ScenarioError) as caught:
        alssim.Scenario.from_toml(BAD)
    e = caught.value
    assert isinstance(e, ValueError)
    keys = [p["key"] for p in e.problems]
    assert len(e.problems) >= 3, e.problems
    assert "population.size" in keys
    assert any("colour" in k for k in keys)
    assert any(p["line"] == 2 for p in e.problems)
    # The same file through the command line reports the same problems.
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    p = cli("check", path, check=False)
    assert p.returncode == 2
    with pytest.raises(alssim.ScenarioError) as from_file:
        alssim.Scenario.from_file(path)
    for problem in from_file.value.problems:
        assert problem["message"] in p.stderr
        assert f"{path}:{problem['line']}:{problem['column']}" in p.stderr
    assert "did you mean `riluzole`" in str(from_file.value)


def test_unreadable_file_is_a_scenario_error(tmp_path):
    with pytest.raises(alssim.ScenarioError, match="cannot read"):
        alssim.Scenario.from_file(tmp_path / "missing.toml")


def test_dict_and_toml_give_the_same_scenario():
    d = {
        "scenario": {"name": "mine", "description": "two arms"},
        "simulation": {"horizon-months": 48},
        "population": {"size": 120, "seed": 4, "enrollment": {"at": "diagnosis"}},
        "arm": [
            {"name": "untreated"},
            {"name": "riluzole", "therapies": [{"drug": "riluzole", "adherence": 0.9}]},
        ],
    }
    a = alssim.Scenario.from_dict(d)
    b = alssim.Scenario.from_toml(a.to_toml())
    assert a.to_toml() == b.to_toml()
    assert a.arms == ["untreated", "riluzole"] and a.patients == 120 and a.name == "mine"
    assert a.to_dict()["population"]["size"] == 120
    assert a.run().text("summary.csv") == b.run().text("summary.csv")


def test_dict_with_an_unwritable_value_says_where():
    with pytest.raises(TypeError, match="population.size"):
        alssim.Scenario.from_dict({"population": {"size": object()}})


def test_dict_errors_name_the_key():
    with pytest.raises(alssim.ScenarioError) as caught:
        alssim.Scenario.from_dict({"population": {"size": 10, "sead": 3}})
    assert any("sead" in p["key"] for p in caught.value.problems)


def test_overrides_are_checked_like_the_command_line():
    s = alssim.Scenario.default()
    with pytest.raises(ValueError, match="agg_growth_rat"):
        s.with_options(set={"agg_growth_rat": 0.3})
    with pytest.raises(ValueError, match="set:"):
        s.with_options(set={"agg_growth_rate": -1.0})
    with pytest.raises(ValueError):
        s.run(patients=10**12)
    with pytest.raises(ValueError, match="threads"):
        s.run(patients=10, threads=0)
    assert s.with_options(set={"agg_growth_rate": 0.3}).to_dict()["model"]["agg_growth_rate"] == 0.3


def test_whatif_rejects_unknown_drugs_with_a_suggestion():
    with pytest.raises(ValueError, match="did you mean `riluzole`"):
        alssim.whatif("rilzole", patients=10)
    with pytest.raises(ValueError, match="given twice"):
        alssim.whatif("riluzole", "riluzole", patients=10)


def test_scenarios_pickle():
    s = alssim.Scenario.default().with_options(patients=50)
    t = pickle.loads(pickle.dumps(s))
    assert t.to_toml() == s.to_toml()


def test_library_tables():
    drugs = alssim.drugs()
    assert "riluzole" in set(drugs["name"])
    assert {"name", "status", "targets", "regimen"} <= set(drugs.columns)
    # The exposure chain at the standard dose, as `alssim drugs riluzole` prints it.
    riluzole = drugs.set_index("name").loc["riluzole"]
    assert riluzole["plasma"] == 1.5 and riluzole["exposure_unit"] == "µM"
    assert abs(riluzole["tissue"] - 5.25) < 1e-12
    assert riluzole["half_life_hours"] == 12.0 and riluzole["fed_exposure"] == 0.8
    niv = drugs.set_index("name").loc["niv"]
    assert pd.isna(niv["plasma"]) and pd.isna(niv["fed_exposure"])
    params = alssim.params()
    assert "agg_growth_rate" in set(params["name"])
    assert (params["min"] <= params["default"]).all() and (params["default"] <= params["max"]).all()


def test_simulate_checks_its_arguments():
    with pytest.raises(ValueError, match="accepted bulbar, cervical, thoracic, lumbar"):
        alssim.simulate(onset_region="spine")
    with pytest.raises(ValueError, match="age"):
        alssim.simulate(age=5)
    with pytest.raises(ValueError, match="sod1-a4v"):
        alssim.simulate(genotype="sod2")
    df = alssim.simulate(genotype="sod1-a4v", horizon=60, interval=3)
    assert df["months_since_onset"].iloc[1] == 3.0
    assert df["alsfrs_r"].is_monotonic_increasing is False
