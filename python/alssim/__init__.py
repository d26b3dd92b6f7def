"""alssim: a mechanistic disease-progression simulator for amyotrophic lateral sclerosis.

The simulator itself is compiled Rust (``alssim._alssim``); this package gives it a small
Python face. Tables come back as pandas DataFrames holding exactly the numbers that the
``alssim`` command line writes to its CSV and Parquet files (they are parsed from the same
bytes), so a notebook and a shell script agree to the last digit.

Quick start::

    import alssim
    result = alssim.Scenario.from_file("scenarios/natural-history.toml").run(patients=200)
    result.summary.head()          # summary.csv: per arm, visit and variable
    result.patients                # patients.csv: one row per patient and arm
    alssim.simulate(age=70, onset_region="bulbar")   # one patient's course
    alssim.whatif("riluzole", "edaravone-iv", patients=500)

Simulations release the GIL and run on the simulator's own worker threads; Ctrl-C stops a
run between chunks of patients with ``KeyboardInterrupt``.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _alssim
from ._alssim import ScenarioError, SimulationError
from ._toml import dumps as _dumps

__all__ = [
    "Scenario",
    "Result",
    "TrialResult",
    "ScenarioError",
    "SimulationError",
    "simulate",
    "whatif",
    "trial",
    "drugs",
    "params",
    "merge",
    "__version__",
]

__version__: str = _alssim.version()

PathLike = Union[str, "os.PathLike[str]"]


def _frame(text: Optional[str], what: str) -> pd.DataFrame:
    if text is None:
        raise ValueError(f"this run has no {what}: the scenario's simulation.outputs leaves it out")
    return pd.read_csv(io.StringIO(text))


def _set_items(set: Optional[Mapping[str, float]]) -> list:
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise TypeError("set: a dict of parameter names and values is expected, e.g. "
                        "{'agg_growth_rate': 0.3}")
    return [(str(k), float(v)) for k, v in set.items()]


class Scenario:
    """A validated scenario: population, arms (therapies), schedule and model overrides.

    Build one with :meth:`from_file`, :meth:`from_toml`, :meth:`from_dict`, :meth:`default` or
    :meth:`whatif`. A scenario with problems raises :class:`ScenarioError`, whose message lists
    every problem with its line, column and key (as ``alssim check`` prints them) and whose
    ``problems`` attribute holds them as dicts.
    """

    __slots__ = ("_core",)

    def __init__(self, core: "_alssim.Scenario") -> None:
        self._core = core

    @classmethod
    def from_file(cls, path: PathLike) -> "Scenario":
        """Reads and validates a scenario file."""
        return cls(_alssim.Scenario.load(os.fspath(path)))

    @classmethod
    def from_toml(cls, text: str, name: str = "scenario") -> "Scenario":
        """Validates scenario TOML text; ``name`` is used unless the text names the scenario."""
        return cls(_alssim.Scenario.parse(text, file="<string>", name=name))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], name: str = "scenario") -> "Scenario":
        """Validates a scenario given as nested dicts and lists, with the keys of a scenario
        file (``{"population": {"size": 500}, "arm": [{"name": "untreated"}]}``)."""
        return cls(_alssim.Scenario.parse(_dumps(d), file="<dict>", name=name))

    @classmethod
    def default(cls) -> "Scenario":
        """The bundled default scenario (``scenarios/natural-history.toml``)."""
        return cls.from_toml(_alssim.DEFAULT_SCENARIO, name="natural-history")

    @classmethod
    def whatif(cls, *arms: str) -> "Scenario":
        """The default population with an untreated ``control`` arm and one arm per argument,
        each a library drug or drugs joined by ``+`` (as ``alssim whatif`` runs)."""
        return cls(_alssim.Scenario.whatif(list(arms)))

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._core.name

    @property
    def description(self) -> str:
        """The scenario's description."""
        return self._core.description

    @property
    def arms(self) -> list:
        """Arm names, in order."""
        return self._core.arms

    @property
    def patients(self) -> int:
        """Virtual patients screened."""
        return self._core.patients

    @property
    def seed(self) -> int:
        """Master seed."""
        return self._core.seed

    def to_toml(self) -> str:
        """The scenario with every default filled in (``alssim show``), as TOML that
        ``alssim run`` runs to the same numbers."""
        return self._core.to_toml()

    def to_dict(self) -> dict:
        """The scenario with every default filled in, as nested dicts."""
        try:
            import tomllib  # Python 3.11+
        except ImportError:  # pragma: no cover - older Pythons
            import tomli as tomllib  # type: ignore[no-redef]
        return tomllib.loads(self.to_toml())

    def with_options(
        self,
        patients: Optional[int] = None,
        seed: Optional[int] = None,
        set: Optional[Mapping[str, float]] = None,
    ) -> "Scenario":
        """A copy with the population size, the seed or model parameters replaced, each
        checked as ``--patients``, ``--seed`` and ``--set`` are on the command line."""
        return Scenario(self._core.with_overrides(seed=seed, patients=patients, set=_set_items(set)))

    def run(
        self,
        patients: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        trajectories: Optional[bool] = None,
        set: Optional[Mapping[str, float]] = None,
        shard: Optional[Tuple[int, int]] = None,
    ) -> "Result":
        """Simulates the virtual cohort.

        ``patients``, ``seed`` and ``set`` override the scenario as ``alssim run --patients
        --seed --set`` do; ``threads`` (default: all cores) does not change any number;
        ``trajectories=True`` keeps every rated visit (``Result.trajectories``), as
        ``--trajectories`` does. ``shard=(k, n)`` runs only the k-th of n slices of the
        population (1-based): :func:`merge` joins the shards into the result of the whole run,
        byte for byte (see :mod:`alssim.distributed`).
        """
        s = self
        if patients is not None or seed is not None or set:
            s = self.with_options(patients=patients, seed=seed, set=set)
        if shard is None:
            start, end = 0, s.patients
        else:
            k, n = shard
            start, end = s._core.shard_range(int(k), int(n))
        keep = s._core.keep_trajectories if trajectories is None else bool(trajectories)
        if threads is not None and threads < 1:
            raise ValueError(f"threads {threads}: accepted 1 or more (None: all cores)")
        tables = s._core.run(start, end, threads=threads or 0, trajectories=keep)
        return Result(s, tables)

    def trial(
        self,
        sample_sizes: Optional[Sequence[int]] = None,
        replicates: int = 1,
        threads: Optional[int] = None,
    ) -> "TrialResult":
        """Runs the scenario's ``[trial]`` design as ``alssim trial`` does (docs/TRIALS.md):
        ``replicates`` randomised trials at each sample size (default: the design's)."""
        tables = self._core.trial(
            sample_sizes=list(sample_sizes or []), replicates=replicates, threads=threads or 0
        )
        return TrialResult(self, tables)

    def __repr__(self) -> str:
        return repr(self._core)

    def __reduce__(self):
        return (_scenario_from_toml, (self.to_toml(), self.name))


def _scenario_from_toml(text: str, name: str) -> Scenario:
    return Scenario.from_toml(text, name=name)


class Result:
    """The tables of a run: the files ``alssim run`` writes, as DataFrames.

    Tables are parsed when first asked for. ``text(name)`` gives a table's raw CSV text,
    byte for byte the file the command line writes.
    """

    def __init__(self, scenario: Scenario, tables: "_alssim.Tables") -> None:
        self.scenario = scenario
        self._tables = tables
        self._cache: dict = {}

    def _cached(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def complete(self) -> bool:
        """Whether this result covers the whole population (not one shard of it)."""
        return self._tables.range == (0, self.scenario.patients)

    def _whole(self, what: str) -> None:
        if not self.complete:
            start, end = self._tables.range
            raise ValueError(
                f"{what} needs the whole population: this is patients {start}..{end} of "
                f"{self.scenario.patients}; merge the shards first (alssim.merge)"
            )

    def text(self, name: str) -> str:
        """The CSV text of ``summary.csv``, ``patients.csv`` or ``sample_trajectories.csv``."""
        if name == "summary.csv":
            self._whole("summary.csv")
            t = self._tables.summary_csv(self.scenario._core)
        elif name == "sample_trajectories.csv":
            self._whole("sample_trajectories.csv")
            t = self._tables.sample_csv(self.scenario._core)
        elif name == "patients.csv":
            t = self._tables.patients_csv
        else:
            raise ValueError(
                f"unknown table {name!r}: accepted summary.csv, patients.csv, "
                "sample_trajectories.csv"
            )
        if t is None:
            raise ValueError(f"this run has no {name}: the scenario's simulation.outputs leaves it out")
        return t

    @property
    def summary(self) -> pd.DataFrame:
        """``summary.csv``: per arm, visit and variable (ALSFRS-R total and domains, FVC,
        NfL), patients at risk, survival, mean, SD and quantiles (docs/OUTPUTS.md)."""
        return self._cached("summary", lambda: _frame(self.text("summary.csv"), "summary.csv"))

    @property
    def patients(self) -> pd.DataFrame:
        """``patients.csv``: one row per enrolled patient and arm: covariates, baseline, event
        times, ALSFRS-R slope, and per-patient benefit when arms are compared."""
        return self._cached("patients", lambda: _frame(self.text("patients.csv"), "patients.csv"))

    @property
    def sample(self) -> pd.DataFrame:
        """``sample_trajectories.csv``: the rated ALSFRS-R courses of the first five enrolled
        patients in every arm."""
        return self._cached(
            "sample", lambda: _frame(self.text("sample_trajectories.csv"), "sample_trajectories.csv")
        )

    def trajectories_arrow(self):
        """Every rated visit of every patient and arm (``trajectories.parquet``) as a
        ``pyarrow.Table``; the run must have been made with ``trajectories=True``."""
        def read():
            data = self._tables.trajectories
            if data is None:
                raise ValueError("this run kept no trajectories: run with trajectories=True")
            import pyarrow as pa
            import pyarrow.parquet as pq

            return pq.read_table(pa.BufferReader(data))

        return self._cached("trajectories_arrow", read)

    @property
    def trajectories(self) -> pd.DataFrame:
        """Every rated visit of every patient and arm, down to the 12 ALSFRS-R items, FVC and
        NfL (``trajectories.parquet``); the run must have been made with
        ``trajectories=True``."""
        return self._cached("trajectories", lambda: self.trajectories_arrow().to_pandas())

    def parquet_bytes(self) -> bytes:
        """The bytes of ``trajectories.parquet``, as the command line writes them."""
        data = self._tables.trajectories
        if data is None:
            raise ValueError("this run kept no trajectories: run with trajectories=True")
        return data

    def to_arrow(self, table: str = "summary"):
        """A table (``summary``, ``patients``, ``sample`` or ``trajectories``) as a
        ``pyarrow.Table``."""
        if table == "trajectories":
            return self.trajectories_arrow()
        import pyarrow as pa

        return pa.Table.from_pandas(getattr(self, _table_attr(table)), preserve_index=False)

    def to_polars(self, table: str = "summary"):
        """A table (``summary``, ``patients``, ``sample`` or ``trajectories``) as a polars
        DataFrame (polars must be installed)."""
        try:
            import polars as pl
        except ImportError as e:
            raise ImportError("to_polars needs polars: pip install polars") from e
        return pl.from_arrow(self.to_arrow(table))

    @property
    def failures(self) -> list:
        """Patients who could not be simulated (each with its error and what reproduces it)."""
        return json.loads(self._tables.failures_json)

    @property
    def counts(self) -> dict:
        """Patients screened, enrolled and failed, and the screen failures by reason."""
        return self._tables.counts

    @property
    def patient_range(self) -> Tuple[int, int]:
        """The patient indices ``(start, end)`` this result holds."""
        return self._tables.range

    def __repr__(self) -> str:
        c = self.counts
        start, end = self.patient_range
        part = "" if self.complete else f", patients {start}..{end}"
        return (f"Result(scenario={self.scenario.name!r}, screened={c['screened']}, "
                f"enrolled={c['enrolled']}, failed={c['failed']}{part})")

    def __reduce__(self):
        return (Result, (self.scenario, self._tables))


def _table_attr(table: str) -> str:
    if table not in ("summary", "patients", "sample"):
        raise ValueError(f"unknown table {table!r}: accepted summary, patients, sample, trajectories")
    return table


class TrialResult:
    """The tables of ``alssim trial`` (docs/TRIALS.md) as DataFrames: ``trial`` (estimates
    per sample size, replicate, endpoint and comparison), ``power``, ``flow`` (screening to
    randomisation) and ``patients`` (the tidy data of the first replicate)."""

    def __init__(self, scenario: Scenario, tables: Mapping[str, str]) -> None:
        self.scenario = scenario
        self._text = dict(tables)

    def text(self, name: str) -> str:
        """The CSV text of ``trial.csv``, ``power.csv``, ``flow.csv`` or
        ``trial-patients.csv``, byte for byte the file the command line writes."""
        try:
            return self._text[name]
        except KeyError:
            raise ValueError(f"unknown table {name!r}: accepted {', '.join(self._text)}") from None

    @property
    def trial(self) -> pd.DataFrame:
        return _frame(self._text["trial.csv"], "trial.csv")

    @property
    def power(self) -> pd.DataFrame:
        return _frame(self._text["power.csv"], "power.csv")

    @property
    def flow(self) -> pd.DataFrame:
        return _frame(self._text["flow.csv"], "flow.csv")

    @property
    def patients(self) -> pd.DataFrame:
        return _frame(self._text["trial-patients.csv"], "trial-patients.csv")

    def __repr__(self) -> str:
        return f"TrialResult(scenario={self.scenario.name!r})"


def merge(parts: Iterable[Result]) -> Result:
    """Joins the results of the shards of one run (``Scenario.run(shard=(k, n))``, in any
    order) into the result of the whole run: the same tables, byte for byte."""
    parts = list(parts)
    if not parts:
        raise ValueError("merge: no parts given")
    for p in parts:
        if not isinstance(p, Result):
            raise TypeError(f"merge: a Result is expected, not {type(p).__name__}")
    merged = _alssim.Tables.merge([p._tables for p in parts])
    return Result(parts[0].scenario, merged)


def simulate(
    age: float = 60.0,
    onset_region: str = "cervical",
    genotype: str = "sporadic",
    sex: str = "male",
    diagnostic_delay: float = 15.0,
    horizon: float = 120.0,
    interval: float = 1.0,
    seed: int = 1,
    set: Optional[Mapping[str, float]] = None,
) -> pd.DataFrame:
    """One untreated virtual patient, as ``alssim simulate``: a DataFrame with one row per
    visit from clinical onset (months since onset, the rated ALSFRS-R total and domains, the
    noiseless model score, FVC % predicted, NfL pg/mL, GFAP, King's and MiToS stages, months
    since initiation and the disease activity, the multiplier of the damage drive). The
    event times (onset, second and third region, diagnosis, gastrostomy, NIV, death), in
    months since onset, are in ``df.attrs["events"]``.

    ``onset_region``: bulbar, cervical, thoracic or lumbar; ``genotype``: sporadic, c9orf72,
    sod1, sod1-a4v, tardbp or fus; ``set``: model parameters by name (``alssim.params()``).
    ``seed`` seeds the rater noise of the observed items and, on a stream of its own, the
    patient's disease activity.
    """
    csv, events = _alssim.simulate(
        age=float(age), onset_region=onset_region, genotype=genotype, sex=sex,
        diagnostic_delay=float(diagnostic_delay), horizon=float(horizon),
        interval=float(interval), seed=int(seed), set=_set_items(set),
    )
    df = pd.read_csv(io.StringIO(csv))
    df.attrs["events"] = events
    return df


def whatif(
    *arms: str,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Optional[Mapping[str, float]] = None,
) -> Result:
    """Runs the default population (2,000 patients, from diagnosis) in an untreated
    ``control`` arm and one arm per argument (a drug, or drugs joined by ``+``), the same
    virtual patients in every arm, as ``alssim whatif`` does. Arms are named with ``_`` for
    ``+``."""
    if not arms:
        raise ValueError("whatif: name at least one arm, e.g. whatif('riluzole')")
    return Scenario.whatif(*arms).run(patients=patients, seed=seed, threads=threads, set=set)


def trial(
    scenario: Union[Scenario, PathLike],
    sample_sizes: Optional[Sequence[int]] = None,
    replicates: int = 1,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> TrialResult:
    """Runs the ``[trial]`` design of a scenario (a :class:`Scenario` or a file) as ``alssim
    trial`` does: ``replicates`` randomised trials at each sample size (default: the design's),
    with the master seed replaced when ``seed`` is given."""
    s = scenario if isinstance(scenario, Scenario) else Scenario.from_file(scenario)
    if seed is not None:
        s = s.with_options(seed=seed)
    return s.trial(sample_sizes=sample_sizes, replicates=replicates, threads=threads)


def drugs() -> pd.DataFrame:
    """The drug library: name, title, status, targets, regimen, standard dose, the exposure at
    the standard dose (plasma, its unit, CNS ratio and tissue; plasma half-life and food effect
    where the drug states its kinetics; empty for interventions without exposure) and summary."""
    return pd.DataFrame(_alssim.drugs())


def params() -> pd.DataFrame:
    """The model parameters: name, mechanism group, default, unit, accepted range, meaning and
    source (docs/MODEL.md)."""
    return pd.DataFrame(_alssim.params())
