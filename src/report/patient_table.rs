//! The visit table of one simulated patient: what `alssim simulate` prints and writes.

use crate::model::{Covariates, ModelError, Params, PatientModel, Readout, alsfrs};
use crate::solve::{Schedule, Solution, SolveError, SolverOptions, Visit, simulate};
use rand::{Rng, SeedableRng};

/// Why one patient could not be simulated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnePatientError {
    /// The parameters or covariates are not accepted.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The integration failed.
    #[error("the simulation failed: {0}")]
    Solve(#[from] SolveError),
    /// The disease never reaches clinical onset.
    #[error(
        "no clinical onset within {0} months of disease initiation: with these parameters the \
         disease does not progress to symptoms"
    )]
    NoOnset(f64),
}

/// One untreated patient followed for `horizon` months after onset, rated every `interval`
/// months (`seed` seeds the rater noise): the solution and its visit table, as `alssim
/// simulate` prints them.
pub fn simulate_one(
    params: Params,
    covariates: Covariates,
    horizon: f64,
    interval: f64,
    seed: u64,
) -> Result<(Solution, PatientTable), OnePatientError> {
    // The disease activity from a stream of its own (the cohort's stream of patient 0 for this
    // seed), so the rater noise is as without it.
    let model = PatientModel::new(params, covariates)?
        .with_activity(&mut crate::cohort::sample::activity_rng(seed, 0));
    let options = SolverOptions {
        follow_up_after_onset_months: Some(horizon),
        ..SolverOptions::default()
    };
    let solution = simulate(&model, &Schedule::untreated(), &options)?;
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let table = PatientTable::from_onset(&solution, interval, horizon, &mut rng)
        .ok_or(OnePatientError::NoOnset(options.max_time_months))?;
    Ok((solution, table))
}

/// Column names of the table, with units.
pub const COLUMNS: [&str; 14] = [
    "months_since_onset",
    "alsfrs_r",
    "bulbar",
    "fine_motor",
    "gross_motor",
    "respiratory",
    "alsfrs_r_latent",
    "fvc_pct",
    "nfl_pg_ml",
    "gfap_pg_ml",
    "kings",
    "mitos",
    "months_since_initiation",
    "disease_activity",
];

/// One visit.
#[derive(Debug, Clone)]
pub struct Row {
    /// Months since clinical onset.
    pub months_since_onset: f64,
    /// Months since disease initiation.
    pub months_since_initiation: f64,
    /// Observed (rated, integer) items.
    pub observed_items: [u8; alsfrs::N_ITEMS],
    /// Latent readouts.
    pub readout: Readout,
    /// Disease activity in force, the multiplier of the damage drive (1 on average from clinical
    /// onset on; [`PatientModel::activity_in`](crate::model::PatientModel::activity_in)).
    pub activity: f64,
}

impl Row {
    /// Observed total, 0-48.
    pub fn total(&self) -> u32 {
        self.observed_items.iter().map(|&x| u32::from(x)).sum()
    }

    /// Observed domain subscores, 0-12 each.
    pub fn domains(&self) -> [u32; 4] {
        let d = alsfrs::domains(&self.observed_items);
        // Sums of at most three items of 0-4: exact small integers.
        d.map(|x| x.round() as u32)
    }
}

/// A patient's visits with observed ALSFRS-R.
#[derive(Debug, Clone)]
pub struct PatientTable {
    /// Visits in time order.
    pub rows: Vec<Row>,
}

impl PatientTable {
    /// Builds the table at `interval`-month visits from onset up to `horizon` months after
    /// onset (or death). Observed items are drawn from `rng` with the model's rater noise.
    /// Returns `None` when the patient never reached clinical onset.
    pub fn from_onset<R: Rng + ?Sized>(
        solution: &Solution,
        interval: f64,
        horizon: f64,
        rng: &mut R,
    ) -> Option<PatientTable> {
        let onset = solution.events().onset?;
        let n = (horizon / interval).floor() as usize;
        let times: Vec<f64> = (0..=n).map(|k| onset + k as f64 * interval).collect();
        let rater = alsfrs::Rater::of(solution.model().params());
        let rows = solution
            .visits(&times)
            .into_iter()
            .map(|Visit { t, state, readout }| Row {
                months_since_onset: t - onset,
                months_since_initiation: t,
                observed_items: alsfrs::observe(&readout.items, rater, rng),
                readout,
                activity: solution.model().activity_in(t, &state),
            })
            .collect();
        Some(PatientTable { rows })
    }

    /// The table as CSV text.
    pub fn to_csv(&self) -> String {
        let mut out = COLUMNS.join(",");
        out.push('\n');
        for r in &self.rows {
            let d = r.domains();
            out.push_str(&format!(
                "{:.4},{},{},{},{},{},{:.4},{:.3},{:.3},{:.3},{},{},{:.4},{:.4}\n",
                r.months_since_onset,
                r.total(),
                d[0],
                d[1],
                d[2],
                d[3],
                r.readout.total,
                r.readout.fvc,
                r.readout.nfl,
                r.readout.gfap,
                r.readout.kings.label(),
                r.readout.mitos,
                r.months_since_initiation,
                r.activity,
            ));
        }
        out
    }

    /// The table as aligned text for a terminal. Months carry as many decimals as the spacing
    /// of the visits needs (at least 1, at most 6), so that no two visits print the same month.
    pub fn to_text(&self) -> String {
        let step = self
            .rows
            .windows(2)
            .map(|w| w[1].months_since_onset - w[0].months_since_onset)
            .filter(|d| *d > 0.0)
            .fold(f64::INFINITY, f64::min);
        let decimals = month_decimals(step);
        let width = (decimals + 6).max(7);
        let mut out = format!(
            "{:>width$}  ALSFRS-R  bulbar  fine  gross  resp  latent   FVC%   NfL pg/mL  King's  MiToS  activity\n",
            "month"
        );
        for r in &self.rows {
            let d = r.domains();
            out.push_str(&format!(
                "{:width$.decimals$}  {:8}  {:6}  {:4}  {:5}  {:4}  {:6.1}  {:5.1}  {:10.1}  {:>6}  {:5}  {:8.2}\n",
                r.months_since_onset,
                r.total(),
                d[0],
                d[1],
                d[2],
                d[3],
                r.readout.total,
                r.readout.fvc,
                r.readout.nfl,
                r.readout.kings.label(),
                r.readout.mitos,
                r.activity,
            ));
        }
        out
    }
}

/// Decimals that show a visit spacing of `step` months exactly, or to 6 decimals: 1 for
/// whole and tenth months, 2 for 0.25 or 0.01, and so on.
pub fn month_decimals(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 1;
    }
    (1..=6)
        .find(|&d| {
            let scale = 10f64.powi(d as i32);
            let scaled = step * scale;
            (scaled - scaled.round()).abs() <= 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6)
}

#[cfg(test)]
mod tests {
    use super::month_decimals;

    #[test]
    fn month_decimals_follow_the_visit_spacing() {
        assert_eq!(month_decimals(1.0), 1);
        assert_eq!(month_decimals(0.5), 1);
        assert_eq!(month_decimals(0.25), 2);
        assert_eq!(month_decimals(0.01), 2);
        assert_eq!(month_decimals(0.001), 3);
        assert_eq!(month_decimals(1.0 / 3.0), 6);
        assert_eq!(month_decimals(f64::INFINITY), 1);
    }
}
