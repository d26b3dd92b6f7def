"""Shards of a run as tasks of a Dask distributed cluster, merged into the whole run.

A run splits into ``n`` shards of consecutive patients (as ``alssim run --shard K/N``); each
shard is one task, run anywhere the cluster has a worker, and the shards' tables travel back
to the client, where :func:`alssim.merge` joins them into the result of the unsharded run,
byte for byte. Nothing is written to disk, so the workers need no shared file system.

Example (a local cluster of worker processes; on a cluster, connect a ``Client`` to its
scheduler instead)::

    from dask.distributed import Client, LocalCluster
    import alssim, alssim.distributed

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, \\
            Client(cluster) as client:
        s = alssim.Scenario.from_file("scenarios/natural-history.toml")
        result = alssim.distributed.run(s, client, shards=8, patients=100_000)
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from . import Result, Scenario, merge


def _shard(text: str, name: str, k: int, n: int, threads: int, trajectories: bool) -> Result:
    s = Scenario.from_toml(text, name=name)
    return s.run(shard=(k, n), threads=threads, trajectories=trajectories)


def run(
    scenario: Scenario,
    client: Any = None,
    shards: Optional[int] = None,
    threads: int = 1,
    trajectories: Optional[bool] = None,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, float]] = None,
) -> Result:
    """Runs ``scenario`` as ``shards`` tasks of the Dask ``client`` (default: the current
    client; ``shards`` default: one per worker thread) with ``threads`` simulator threads
    each, and merges them. ``patients``, ``seed``, ``set`` and ``trajectories`` mean what they
    mean in :meth:`Scenario.run`; the result equals ``scenario.run(...)`` exactly."""
    try:
        from dask.distributed import get_client
    except ImportError as e:  # pragma: no cover - dask is optional
        raise ImportError(
            "alssim.distributed needs Dask distributed: pip install 'dask[distributed]'"
        ) from e
    if client is None:
        client = get_client()
    s = scenario
    if patients is not None or seed is not None or set:
        s = scenario.with_options(patients=patients, seed=seed, set=set)
    if shards is None:
        shards = max(1, sum(client.nthreads().values()))
    shards = int(shards)
    if shards < 1:
        raise ValueError(f"shards {shards}: accepted 1 or more")
    if shards > max(1, s.patients):
        raise ValueError(f"shards {shards}: more shards than the {s.patients} patients")
    keep = s._core.keep_trajectories if trajectories is None else bool(trajectories)
    text = s.to_toml()
    futures = [
        client.submit(_shard, text, s.name, k, shards, threads, keep, pure=False)
        for k in range(1, shards + 1)
    ]
    return merge(client.gather(futures))
