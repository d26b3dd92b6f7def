//! Survival and slope statistics for simulated cohorts.
//!
//! - [`ancova`]: ANCOVA of the change from baseline on arm, adjusted for baseline;
//! - [`lmm`]: linear mixed model with random intercepts and slopes fitted by REML, for the
//!   treatment-by-time effect of slope trials;
//! - [`joint_rank`]: Finkelstein-Schoenfeld joint rank test of survival and function, and
//!   the CAFS score;
//! - [`km`]: Kaplan-Meier curves with Greenwood standard errors, pointwise and median
//!   confidence intervals, and the k-sample log-rank test;
//! - [`cox`]: Cox proportional-hazards regression (Newton-Raphson, Efron or Breslow ties);
//! - [`responder`]: difference of proportions (Newcombe's hybrid score interval) and ratio
//!   of geometric means;
//! - [`slope`]: least-squares lines and parabolas for progression slopes;
//! - [`describe`]: mean, standard deviation and quantiles of a finished sample (NaN where a
//!   statistic is undefined, as for an empty sample);
//! - [`summary`]: confidence intervals for a mean and a proportion (Wilson);
//! - [`dist`]: the distribution functions behind the p-values and critical values
//!   (incomplete gamma and beta, chi-square, normal and Student t).
//!
//! Every function validates its input and returns `None` or an error for empty, mismatched,
//! non-finite or degenerate data instead of panicking. The tests check each estimator against
//! published worked examples (Freireich's leukemia trial as analysed by Gehan and by
//! Kleinbaum & Klein, the `aml` and `ovarian` data of R `survival`, Anscombe's quartet,
//! Newcombe's proportion intervals, standard tables) and against small data sets solved by
//! hand in the test comments.

pub mod ancova;
pub mod cox;
pub mod describe;
pub mod dist;
pub mod joint_rank;
pub mod km;
mod linalg;
pub mod lmm;
pub mod responder;
pub mod slope;
pub mod summary;
