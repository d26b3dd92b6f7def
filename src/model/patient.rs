//! A virtual patient's covariates: what is fixed about a person before the disease runs.

use super::layout::Region;
use super::params::Params;

/// Sex, recorded as a covariate. It has no effect on the dynamics of the model at present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    /// Parses `female`/`f` or `male`/`m` (case-insensitive).
    pub fn parse(s: &str) -> Option<Sex> {
        match s.to_ascii_lowercase().as_str() {
            "female" | "f" => Some(Sex::Female),
            "male" | "m" => Some(Sex::Male),
            _ => None,
        }
    }
}

/// Genetic background of the disease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Genotype {
    /// No known causal mutation (about 90% of cases); TDP-43 proteinopathy.
    Sporadic,
    /// C9orf72 hexanucleotide repeat expansion; TDP-43 proteinopathy.
    C9orf72,
    /// SOD1 mutation other than A4V; SOD1 aggregates.
    Sod1,
    /// SOD1 A4V, the fast North-American variant; SOD1 aggregates.
    Sod1A4v,
    /// TARDBP (TDP-43 gene) mutation; TDP-43 proteinopathy.
    Tardbp,
    /// FUS mutation; FUS aggregates.
    Fus,
}

/// Which protein forms the aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Proteinopathy {
    /// Misfolded, cytoplasmic TDP-43 (about 97% of cases).
    Tdp43,
    /// Misfolded mutant SOD1.
    Sod1,
    /// Misfolded mutant FUS.
    Fus,
}

/// Steps to disease of sporadic ALS in the multistep model, and of the population's onset-age
/// distribution (`[population.covariates] age`), which is mostly sporadic disease: see
/// [`Genotype::multistep_steps`].
pub const SPORADIC_STEPS: f64 = 6.0;

impl Genotype {
    /// All genotypes.
    pub const ALL: [Genotype; 6] = [
        Genotype::Sporadic,
        Genotype::C9orf72,
        Genotype::Sod1,
        Genotype::Sod1A4v,
        Genotype::Tardbp,
        Genotype::Fus,
    ];

    /// Name used on the command line and in files.
    pub const fn name(self) -> &'static str {
        match self {
            Genotype::Sporadic => "sporadic",
            Genotype::C9orf72 => "c9orf72",
            Genotype::Sod1 => "sod1",
            Genotype::Sod1A4v => "sod1-a4v",
            Genotype::Tardbp => "tardbp",
            Genotype::Fus => "fus",
        }
    }

    /// Parses a genotype name (case-insensitive).
    pub fn parse(s: &str) -> Option<Genotype> {
        let lower = s.to_ascii_lowercase();
        Genotype::ALL.into_iter().find(|g| g.name() == lower)
    }

    /// The aggregating protein for this genotype.
    pub const fn proteinopathy(self) -> Proteinopathy {
        match self {
            Genotype::Sporadic | Genotype::C9orf72 | Genotype::Tardbp => Proteinopathy::Tdp43,
            Genotype::Sod1 | Genotype::Sod1A4v => Proteinopathy::Sod1,
            Genotype::Fus => Proteinopathy::Fus,
        }
    }

    /// Number of steps (exposures) to disease in the multistep model: the log of incidence
    /// rises linearly with the log of age, with a slope of one less than the number of steps.
    /// About 6 steps in the population, whose disease is mostly sporadic (slope 4.8, Al-Chalabi
    /// et al. 2014 Lancet Neurol 13:1108; 5-6 in Japan, Australia and South Korea, Vucic et al.
    /// 2020 Neurology 94:e1657); fewer in carriers, for whom the mutation is one of the steps:
    /// C9orf72 3, SOD1 2, TARDBP 4 (Chiò et al. 2018 Neurology 91:e635). FUS was not estimated
    /// (too few carriers); one step is this model's assumption, for the youngest onset of the
    /// major genes (Byrne et al. 2012 Lancet Neurol 11:232), and SOD1 A4V takes the SOD1 value.
    pub const fn multistep_steps(self) -> f64 {
        match self {
            Genotype::Sporadic => SPORADIC_STEPS,
            Genotype::C9orf72 => 3.0,
            Genotype::Sod1 | Genotype::Sod1A4v => 2.0,
            Genotype::Tardbp => 4.0,
            Genotype::Fus => 1.0,
        }
    }

    /// Multiplier of aggregate growth and seeding for this genotype.
    pub fn growth_factor(self, p: &Params) -> f64 {
        match self {
            Genotype::Sporadic => 1.0,
            Genotype::C9orf72 => p.growth_factor_c9orf72,
            Genotype::Sod1 => p.growth_factor_sod1,
            Genotype::Sod1A4v => p.growth_factor_sod1_a4v,
            Genotype::Tardbp => p.growth_factor_tardbp,
            Genotype::Fus => p.growth_factor_fus,
        }
    }
}

impl std::fmt::Display for Genotype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Covariates of one virtual patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariates {
    /// Age at clinical onset, years. The model uses it for age-dependent proteostasis and NfL.
    pub age_years: f64,
    /// Sex.
    pub sex: Sex,
    /// Region where disease is initiated (and, normally, where symptoms begin).
    pub onset_region: Region,
    /// Genetic background.
    pub genotype: Genotype,
    /// Months from clinical onset to diagnosis.
    pub diagnostic_delay_months: f64,
}

impl Default for Covariates {
    /// The reference patient: sporadic, limb (upper-limb) onset, aged 60, with the population's
    /// median referral delay of 15 months (diagnosis comes sooner if the disease is recognised
    /// first; the realised median diagnostic delay is 11-12 months, Paganoni 2014 ALS-FTD
    /// 15:453).
    fn default() -> Self {
        Covariates {
            age_years: 60.0,
            sex: Sex::Male,
            onset_region: Region::Cervical,
            genotype: Genotype::Sporadic,
            diagnostic_delay_months: 15.0,
        }
    }
}

/// Accepted range of age at onset, years.
pub const AGE_RANGE: (f64, f64) = (18.0, 100.0);
/// Accepted range of the diagnostic delay, months.
pub const DIAGNOSTIC_DELAY_RANGE: (f64, f64) = (0.0, 120.0);

/// A covariate outside the range the model accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{name} {value} is out of range: accepted {min} to {max} {unit}")]
pub struct CovariateError {
    /// Which covariate (`age`, `diagnostic delay`).
    pub name: &'static str,
    /// The value given.
    pub value: f64,
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
    /// Unit of the value.
    pub unit: &'static str,
}

impl Covariates {
    /// Checks that the covariates are inside the ranges the model accepts.
    pub fn check(&self) -> Result<(), CovariateError> {
        let inside = |x: f64, (lo, hi): (f64, f64)| x.is_finite() && x >= lo && x <= hi;
        if !inside(self.age_years, AGE_RANGE) {
            return Err(CovariateError {
                name: "age",
                value: self.age_years,
                min: AGE_RANGE.0,
                max: AGE_RANGE.1,
                unit: "years",
            });
        }
        if !inside(self.diagnostic_delay_months, DIAGNOSTIC_DELAY_RANGE) {
            return Err(CovariateError {
                name: "diagnostic delay",
                value: self.diagnostic_delay_months,
                min: DIAGNOSTIC_DELAY_RANGE.0,
                max: DIAGNOSTIC_DELAY_RANGE.1,
                unit: "months",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genotype_names_round_trip() {
        for g in Genotype::ALL {
            assert_eq!(Genotype::parse(g.name()), Some(g));
        }
        assert_eq!(Genotype::parse("SOD1-A4V"), Some(Genotype::Sod1A4v));
        assert_eq!(Genotype::parse("sod2"), None);
    }

    #[test]
    fn sod1_and_fus_are_not_tdp43() {
        assert_eq!(Genotype::Sod1A4v.proteinopathy(), Proteinopathy::Sod1);
        assert_eq!(Genotype::Fus.proteinopathy(), Proteinopathy::Fus);
        assert_eq!(Genotype::C9orf72.proteinopathy(), Proteinopathy::Tdp43);
    }

    #[test]
    fn covariate_ranges_are_checked() {
        let mut c = Covariates::default();
        assert!(c.check().is_ok());
        c.age_years = 5.0;
        assert_eq!(c.check().unwrap_err().name, "age");
        assert!(
            c.check()
                .unwrap_err()
                .to_string()
                .contains("accepted 18 to 100 years")
        );
        c.age_years = 60.0;
        c.diagnostic_delay_months = f64::NAN;
        assert_eq!(c.check().unwrap_err().name, "diagnostic delay");
    }
}
