"""Shards merge into the whole run, byte for byte: in one process, through pickling, and as
tasks of a Dask cluster of worker processes."""

from __future__ import annotations

import pickle

import pytest

import alssim


@pytest.fixture(scope="module")
def scenario():
    return alssim.Scenario.default().with_options(patients=400, seed=11)


@pytest.fixture(scope="module")
def whole(scenario):
    return scenario.run(trajectories=True)


def same(a, b):
    for name in ["summary.csv", "patients.csv", "sample_trajectories.csv"]:
        assert a.text(name) == b.text(name), name
    assert a.parquet_bytes() == b.parquet_bytes()
    assert a.counts == b.counts


def test_shards_merge_to_the_whole_run_in_any_order(scenario, whole):
    parts = [scenario.run(shard=(k, 3), trajectories=True) for k in (3, 1, 2)]
    assert not parts[0].complete
    with pytest.raises(ValueError, match="merge the shards first"):
        parts[0].summary
    same(alssim.merge(parts), whole)


def test_shards_survive_pickling(scenario, whole):
    parts = [pickle.loads(pickle.dumps(scenario.run(shard=(k, 2), trajectories=True))) for k in (1, 2)]
    same(alssim.merge(parts), whole)


def test_a_missing_or_foreign_shard_is_refused(scenario):
    a = scenario.run(shard=(1, 3))
    c = scenario.run(shard=(3, 3))
    with pytest.raises(alssim.SimulationError, match="not consecutive"):
        alssim.merge([a, c])
    other = scenario.with_options(seed=12).run(shard=(2, 3))
    with pytest.raises(alssim.SimulationError, match="different scenarios"):
        alssim.merge([a, other])
    with pytest.raises(ValueError, match="shard"):
        scenario.run(shard=(4, 3))


def test_dask_workers_give_the_whole_run(scenario, whole):
    distributed = pytest.importorskip("dask.distributed")
    import alssim.distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        merged = alssim.distributed.run(scenario, client, shards=4, trajectories=True)
        pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(pids) == 2
    same(merged, whole)
