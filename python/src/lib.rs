//! `alssim._alssim`: the compiled core of the Python package. It hands the tables of a run to
//! Python as the bytes `alssim run` writes (CSV text and Parquet), so a notebook reads exactly
//! the numbers of the command line; `alssim/__init__.py` turns them into pandas DataFrames.

use alssim::cohort::EngineError;
use alssim::model::{Covariates, Genotype, Param, Region, Sex};
use alssim::report::patient_table::{OnePatientError, simulate_one};
use alssim::report::run::{RunError, shard_range};
use alssim::report::tables::{Tables as CoreTables, run_tables};
use alssim::results::trajectories::TrajectoryError;
use alssim::scenario::{self, ScenarioError as CoreScenarioError};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

create_exception!(
    alssim,
    ScenarioError,
    PyValueError,
    "A scenario has problems; `problems` lists every one (file, line, column, key, message, \
     help)."
);
create_exception!(
    alssim,
    SimulationError,
    PyRuntimeError,
    "A run or merge could not be completed."
);

/// A Python `ScenarioError` carrying every diagnostic of `e`.
fn scenario_error(py: Python<'_>, e: &CoreScenarioError) -> PyErr {
    let err = ScenarioError::new_err(e.report());
    let problems = PyList::empty(py);
    for d in e.diagnostics() {
        let item = PyDict::new(py);
        let _ok = (|| -> PyResult<()> {
            item.set_item("file", &d.file)?;
            item.set_item("line", d.line)?;
            item.set_item("column", d.column)?;
            item.set_item("key", &d.path)?;
            item.set_item("message", &d.message)?;
            item.set_item("help", d.help.as_deref())?;
            problems.append(item)
        })();
    }
    if let Err(e) = err.value(py).setattr("problems", problems) {
        return e;
    }
    err
}

/// Why a run stopped: the engine, the trajectory table, or the caller (Ctrl-C).
enum Stop {
    Engine(EngineError),
    Trajectories(TrajectoryError),
    Interrupted(PyErr),
}

impl From<EngineError> for Stop {
    fn from(e: EngineError) -> Stop {
        Stop::Engine(e)
    }
}

impl From<TrajectoryError> for Stop {
    fn from(e: TrajectoryError) -> Stop {
        Stop::Trajectories(e)
    }
}

impl From<Stop> for PyErr {
    fn from(s: Stop) -> PyErr {
        match s {
            Stop::Engine(e) => SimulationError::new_err(e.to_string()),
            Stop::Trajectories(e) => SimulationError::new_err(e.to_string()),
            Stop::Interrupted(e) => e,
        }
    }
}

fn run_error(e: RunError) -> PyErr {
    SimulationError::new_err(e.to_string())
}

/// A validated scenario.
#[pyclass(module = "alssim._alssim", frozen)]
#[derive(Clone)]
struct Scenario {
    inner: scenario::Scenario,
}

#[pymethods]
impl Scenario {
    /// Parses scenario TOML text; `file` names it in messages and `name` is the scenario's
    /// name unless the text gives one.
    #[staticmethod]
    #[pyo3(signature = (text, file = "<string>", name = "scenario"))]
    fn parse(py: Python<'_>, text: &str, file: &str, name: &str) -> PyResult<Scenario> {
        scenario::parse(file, name, text)
            .map(|inner| Scenario { inner })
            .map_err(|e| scenario_error(py, &e))
    }

    /// Reads and validates a scenario file.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Scenario> {
        scenario::load(&path)
            .map(|inner| Scenario { inner })
            .map_err(|e| scenario_error(py, &e))
    }

    /// The default population with an untreated control and one arm per entry (`drug` or
    /// `drug+drug`), as `alssim whatif` runs.
    #[staticmethod]
    fn whatif(arms: Vec<String>) -> PyResult<Scenario> {
        scenario::whatif::whatif(&arms)
            .map(|inner| Scenario { inner })
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// A copy with the seed, the population size and model parameters replaced (each checked
    /// as the command line's `--seed`, `--patients` and `--set` are).
    #[pyo3(signature = (seed = None, patients = None, set = Vec::new()))]
    fn with_overrides(
        &self,
        seed: Option<u64>,
        patients: Option<u64>,
        set: Vec<(String, f64)>,
    ) -> PyResult<Scenario> {
        let parsed = set
            .iter()
            .map(|(name, value)| {
                Param::parse_name(name)
                    .map(|p| (p, *value))
                    .map_err(|e| PyValueError::new_err(format!("set: {e}")))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let overrides = scenario::Overrides {
            seed,
            patients,
            set: parsed,
            ..Default::default()
        };
        let s = self.inner.with_overrides(&overrides).map_err(|e| match e {
            scenario::OverridesError::Set(e) => PyValueError::new_err(format!("set: {e}")),
            other => PyValueError::new_err(other.to_string()),
        })?;
        Ok(Scenario { inner: s })
    }

    /// The scenario with every default filled in, as TOML that reads back to it.
    fn to_toml(&self) -> String {
        scenario::to_toml(&self.inner)
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.meta().name.clone()
    }

    /// The scenario's description.
    #[getter]
    fn description(&self) -> String {
        self.inner.meta().description.clone()
    }

    /// Master seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.population().seed
    }

    /// Patients screened.
    #[getter]
    fn patients(&self) -> u64 {
        self.inner.population().size
    }

    /// Arm names, in order.
    #[getter]
    fn arms(&self) -> Vec<String> {
        self.inner.arms().iter().map(|a| a.name.clone()).collect()
    }

    /// Whether the scenario asks for `trajectories.parquet`.
    #[getter]
    fn keep_trajectories(&self) -> bool {
        self.inner.simulation().keep_trajectories
    }

    /// Patient indices `(start, end)` of shard `k` of `n` (1-based), as `--shard K/N`.
    fn shard_range(&self, k: u64, n: u64) -> PyResult<(u64, u64)> {
        if n == 0 || k == 0 || k > n {
            return Err(PyValueError::new_err(format!(
                "shard {k}/{n}: accepted K/N with 1 <= K <= N"
            )));
        }
        let r = shard_range(self.inner.population().size, k, n);
        Ok((r.start, r.end))
    }

    /// Simulates patients `start..end` on `threads` threads (0: all cores) without holding the
    /// GIL; Ctrl-C stops it between chunks of patients with `KeyboardInterrupt`.
    #[pyo3(signature = (start, end, threads = 0, trajectories = false))]
    fn run(
        &self,
        py: Python<'_>,
        start: u64,
        end: u64,
        threads: usize,
        trajectories: bool,
    ) -> PyResult<Tables> {
        if start > end || end > self.inner.population().size {
            return Err(PyValueError::new_err(format!(
                "patients {start}..{end}: accepted 0 <= start <= end <= {}",
                self.inner.population().size
            )));
        }
        let threads = all_cores(threads);
        let s = &self.inner;
        let tables = py.detach(|| {
            run_tables::<Stop>(s, start..end, threads, trajectories, |_| {
                Python::attach(|py| py.check_signals()).map_err(Stop::Interrupted)
            })
        })?;
        Ok(Tables { inner: tables })
    }

    /// Runs the scenario's `[trial]` design as `alssim trial` does: the tables `trial.csv`,
    /// `power.csv`, `flow.csv` and `trial-patients.csv` as CSV text, by file name.
    #[pyo3(signature = (sample_sizes = Vec::new(), replicates = 1, threads = 0))]
    fn trial<'py>(
        &self,
        py: Python<'py>,
        sample_sizes: Vec<usize>,
        replicates: usize,
        threads: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        use alssim::trial;
        let Some(design) = self.inner.trial() else {
            return Err(PyValueError::new_err(format!(
                "scenario `{}` has no [trial] table: a trial runs a trial design (docs/TRIALS.md)",
                self.inner.meta().name
            )));
        };
        let mut sizes = if sample_sizes.is_empty() {
            vec![design.sample_size]
        } else {
            sample_sizes
        };
        sizes.sort_unstable();
        sizes.dedup();
        if sizes.iter().any(|&n| !(2..=100_000).contains(&n)) {
            return Err(PyValueError::new_err(
                "sample_sizes: accepted 2 to 100000 patients each",
            ));
        }
        if !(1..=100_000).contains(&replicates) {
            return Err(PyValueError::new_err("replicates: accepted 1 to 100000"));
        }
        let total = (replicates as u64)
            .saturating_mul(sizes.len() as u64)
            .saturating_mul(sizes.iter().copied().max().unwrap_or(0) as u64);
        if total > 200_000_000 {
            return Err(PyValueError::new_err(format!(
                "{replicates} replicates at {} sample sizes is more than 200,000,000 randomised \
                 patients; use fewer replicates or smaller samples",
                sizes.len()
            )));
        }
        let threads = all_cores(threads);
        let spec = self.inner.cohort_spec();
        let result = py
            .detach(|| trial::run_trial(&spec, design, &sizes, replicates, threads))
            .map_err(|e| SimulationError::new_err(e.to_string()))?;
        let names: Vec<String> = spec.arms().iter().map(|a| a.name.clone()).collect();
        let out = PyDict::new(py);
        out.set_item("trial.csv", trial::output::trial_csv(&result.sizes, &names))?;
        out.set_item(
            "power.csv",
            trial::output::power_csv(&result.power, &names, replicates),
        )?;
        out.set_item("flow.csv", trial::output::flow_csv(&result.flow))?;
        out.set_item("trial-patients.csv", &result.example_patients)?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "Scenario(name={:?}, patients={}, seed={}, arms={:?})",
            self.inner.meta().name,
            self.inner.population().size,
            self.inner.population().seed,
            self.arms()
        )
    }
}

/// `threads`, or every core for 0.
fn all_cores(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    }
}

/// The tables of a run or of one shard, as the bytes `alssim run` writes.
#[pyclass(module = "alssim._alssim", frozen)]
struct Tables {
    inner: CoreTables,
}

#[pymethods]
impl Tables {
    /// `summary.csv` of these patients for `scenario` (None if the scenario writes none).
    fn summary_csv(&self, scenario: &Scenario) -> Option<String> {
        self.inner.summary_csv(&scenario.inner)
    }

    /// `sample_trajectories.csv` (None if the scenario writes no summary).
    fn sample_csv(&self, scenario: &Scenario) -> Option<String> {
        self.inner.sample_csv(&scenario.inner)
    }

    /// `patients.csv` (None if the scenario writes none).
    #[getter]
    fn patients_csv(&self) -> Option<String> {
        self.inner.patients_csv.clone()
    }

    /// The bytes of `trajectories.parquet` (None unless asked for).
    #[getter]
    fn trajectories<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner
            .trajectories
            .as_deref()
            .map(|b| PyBytes::new(py, b))
    }

    /// Patients who could not be simulated, as JSON (the manifest's `failures`).
    #[getter]
    fn failures_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner.failures)
            .map_err(|e| SimulationError::new_err(e.to_string()))
    }

    /// `(start, end)` patient indices.
    #[getter]
    fn range(&self) -> (u64, u64) {
        (self.inner.range.start, self.inner.range.end)
    }

    /// Counts: screened, enrolled, failed and each screen failure.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.inner.summary;
        let d = PyDict::new(py);
        d.set_item("screened", s.screened)?;
        d.set_item("enrolled", s.enrolled)?;
        d.set_item("failed", s.failed)?;
        let failures = PyDict::new(py);
        for (reason, n) in alssim::cohort::ScreenFailure::ALL
            .iter()
            .zip(s.screen_failures)
        {
            failures.set_item(reason.name(), n)?;
        }
        d.set_item("screen_failures", failures)?;
        Ok(d)
    }

    /// Merges the tables of consecutive shards of one scenario (any order) into those of the
    /// whole run, byte for byte.
    #[staticmethod]
    fn merge(py: Python<'_>, parts: Vec<PyRef<'_, Tables>>) -> PyResult<Tables> {
        let parts: Vec<CoreTables> = parts.iter().map(|p| p.inner.clone()).collect();
        py.detach(|| CoreTables::merge(parts))
            .map(|inner| Tables { inner })
            .map_err(run_error)
    }

    /// The state for pickling (shards travel between processes of a distributed run).
    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.inner;
        let d = PyDict::new(py);
        d.set_item("range", (t.range.start, t.range.end))?;
        d.set_item("scenario_hash", t.scenario_hash)?;
        d.set_item("summary", t.summary.to_json().to_string())?;
        d.set_item("patients", t.patients_csv.as_deref())?;
        d.set_item(
            "trajectories",
            t.trajectories.as_deref().map(|b| PyBytes::new(py, b)),
        )?;
        d.set_item("failures", self.failures_json()?)?;
        Ok(d)
    }

    /// Rebuilds tables from [`Tables::__getstate__`].
    #[staticmethod]
    fn _from_state(state: &Bound<'_, PyDict>) -> PyResult<Tables> {
        let get = |k: &str| {
            state
                .get_item(k)?
                .ok_or_else(|| PyValueError::new_err(format!("tables state without `{k}`")))
        };
        let (start, end): (u64, u64) = get("range")?.extract()?;
        let summary: String = get("summary")?.extract()?;
        let summary = serde_json::from_str(&summary)
            .ok()
            .and_then(|v| alssim::cohort::CohortSummary::from_json(&v))
            .ok_or_else(|| PyValueError::new_err("damaged summary accumulators"))?;
        let failures: String = get("failures")?.extract()?;
        Ok(Tables {
            inner: CoreTables {
                range: start..end,
                scenario_hash: get("scenario_hash")?.extract()?,
                summary,
                patients_csv: get("patients")?.extract()?,
                trajectories: get("trajectories")?.extract()?,
                failures: serde_json::from_str(&failures)
                    .map_err(|e| PyValueError::new_err(format!("damaged failures: {e}")))?,
            },
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let from_state = slf.getattr("_from_state")?;
        Ok((from_state, (slf.get().__getstate__(slf.py())?,)))
    }
}

/// One untreated patient: the rated visit table from onset (the CSV of `alssim simulate
/// --csv`) and the event times in months since onset.
#[pyfunction]
#[pyo3(signature = (age = 60.0, onset_region = "cervical", genotype = "sporadic", sex = "male",
    diagnostic_delay = 15.0, horizon = 120.0, interval = 1.0, seed = 1, set = Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn simulate<'py>(
    py: Python<'py>,
    age: f64,
    onset_region: &str,
    genotype: &str,
    sex: &str,
    diagnostic_delay: f64,
    horizon: f64,
    interval: f64,
    seed: u64,
    set: Vec<(String, f64)>,
) -> PyResult<(String, Bound<'py, PyDict>)> {
    use alssim::model::patient::{AGE_RANGE, DIAGNOSTIC_DELAY_RANGE};
    let bad = |what: String| PyValueError::new_err(what);
    let region = Region::parse(onset_region).ok_or_else(|| {
        bad(format!(
            "onset_region `{onset_region}`: accepted bulbar, cervical, thoracic, lumbar"
        ))
    })?;
    let genotype = Genotype::parse(genotype).ok_or_else(|| {
        let names: Vec<_> = Genotype::ALL.iter().map(|g| g.name()).collect();
        bad(format!(
            "genotype `{genotype}`: accepted {}",
            names.join(", ")
        ))
    })?;
    let sex = Sex::parse(sex).ok_or_else(|| bad(format!("sex `{sex}`: accepted female, male")))?;
    let within = |name: &str, v: f64, (lo, hi): (f64, f64), unit: &str| {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(bad(format!("{name} {v}: accepted {lo} to {hi} {unit}")))
        }
    };
    within("age", age, AGE_RANGE, "years")?;
    within(
        "diagnostic_delay",
        diagnostic_delay,
        DIAGNOSTIC_DELAY_RANGE,
        "months",
    )?;
    within("horizon", horizon, (1e-9, 1200.0), "months")?;
    within("interval", interval, (1e-9, 1200.0), "months")?;
    if horizon / interval > 100_000.0 {
        return Err(bad(format!(
            "interval {interval}: more than 100000 visits over {horizon} months"
        )));
    }
    let set = set
        .iter()
        .map(|(name, value)| Param::parse_name(name).map(|p| (p, *value)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("set: {e}")))?;
    let mut params = alssim::model::Params::default();
    params.set_all(&set).map_err(|e| bad(format!("set: {e}")))?;
    let covariates = Covariates {
        age_years: age,
        sex,
        onset_region: region,
        genotype,
        diagnostic_delay_months: diagnostic_delay,
    };
    let (solution, table) = py
        .detach(|| simulate_one(params, covariates, horizon, interval, seed))
        .map_err(|e| match e {
            OnePatientError::Model(e) => bad(e.to_string()),
            e => SimulationError::new_err(e.to_string()),
        })?;
    let ev = solution.events();
    let onset = ev.onset.unwrap_or(0.0);
    let events = PyDict::new(py);
    for (name, t) in [
        ("onset", ev.onset),
        ("second_region", ev.second_region),
        ("third_region", ev.third_region),
        ("diagnosis", ev.diagnosis),
        ("gastrostomy", ev.gastrostomy),
        ("niv", ev.niv),
        ("death", ev.death),
    ] {
        events.set_item(name, t.map(|t| t - onset))?;
    }
    Ok((table.to_csv(), events))
}

/// The drug library: one dict per drug.
#[pyfunction]
fn drugs(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for d in alssim::therapy::library::builtin() {
        let item = PyDict::new(py);
        item.set_item("name", &d.name)?;
        item.set_item("title", &d.title)?;
        item.set_item("status", d.status.name())?;
        let targets: Vec<&str> = d.effects.iter().map(|e| e.target.name()).collect();
        item.set_item("targets", targets.join(", "))?;
        item.set_item("regimen", d.regimen.kind())?;
        item.set_item("standard_dose", &d.standard_dose)?;
        // The exposure chain at the standard dose (None for exposure-free interventions, and
        // for the plasma kinetics of drugs that state none).
        let e = d.exposure.as_ref();
        let pk = e.and_then(|e| e.pk.as_ref());
        item.set_item("plasma", e.map(|e| e.concentration))?;
        item.set_item("exposure_unit", e.map(|e| e.unit.as_str()))?;
        item.set_item("cns_ratio", e.map(|e| e.cns_ratio))?;
        item.set_item("tissue", e.map(|_| d.tissue_concentration(1.0, 1.0, 1.0)))?;
        item.set_item("half_life_hours", pk.map(|p| p.half_life_hours))?;
        item.set_item("fed_exposure", pk.and_then(|p| p.fed_exposure))?;
        item.set_item("summary", &d.summary)?;
        out.append(item)?;
    }
    Ok(out)
}

/// The model parameters: name, group, default, unit, accepted range, meaning and source.
#[pyfunction]
fn params(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for p in Param::ALL {
        let i = p.info();
        let item = PyDict::new(py);
        item.set_item("name", i.name)?;
        item.set_item("group", i.group)?;
        item.set_item("default", i.default)?;
        item.set_item("unit", i.unit)?;
        item.set_item("min", i.min)?;
        item.set_item("max", i.max)?;
        item.set_item("meaning", i.description)?;
        item.set_item("source", i.source)?;
        out.append(item)?;
    }
    Ok(out)
}

/// The version of the simulator.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _alssim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scenario>()?;
    m.add_class::<Tables>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(drugs, m)?)?;
    m.add_function(wrap_pyfunction!(params, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("SimulationError", m.py().get_type::<SimulationError>())?;
    m.add("DEFAULT_SCENARIO", scenario::whatif::DEFAULT_TOML)?;
    Ok(())
}
