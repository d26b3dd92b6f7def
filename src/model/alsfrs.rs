//! The revised ALS Functional Rating Scale (ALSFRS-R) from regional motor capacity.
//!
//! Twelve items, each 4 (normal) to 0, in four domains of three items (Cedarbaum et al. 1999,
//! J Neurol Sci 169:13). The scale is multidimensional, so the latent motor state is mapped to
//! items, not straight to the total (Franchignoni 2013 JNNP 84:1340). Each item draws on the
//! regions that serve it (walking on lumbar, handwriting on cervical, turning in bed on several):
//!
//! ```text
//! c_j = Σ_r w_jr · C_r                                  item capacity (limb and bulbar items)
//! c_j = V = FVC / fvc_healthy                           item capacity (respiratory insufficiency)
//! c_j = 1 − s · (1 − V)                                 item capacity (dyspnoea, orthopnoea)
//! x_j = 4 · clamp((c_j − lo_j) / (hi_j − lo_j), 0, 1)   latent item value
//! ```
//!
//! The three respiratory items read the ventilatory capacity `V` that FVC measures (diaphragm,
//! intercostals and upper airway, [`readout::fvc`](super::readout::fvc)), so the subscore and FVC
//! agree: %SVC tracks the dyspnoea, orthopnoea and respiratory-insufficiency items (Jackson et
//! al. 2018 ALS-FTD), and no patient reaches respiratory failure with a full respiratory score.
//! Dyspnoea and orthopnoea are symptoms: they read the ventilatory deficit `1 − V` as the patient
//! perceives it, scaled by `s = breathlessness_sensitivity` (at 1 they read `V`; the default,
//! 1.126, varies between patients); respiratory insufficiency (ventilatory support) reads `V`
//! itself.
//!
//! `hi_j` is the capacity below which the item first falls from normal, `lo_j` the capacity at
//! which the task is lost. The weights and thresholds are in [`ITEMS`].
//!
//! Observation: a rater reports an integer. The observed item is
//! `clamp(round(x_j + ε), 0, 4)` with `ε ~ Normal(0, σ · min(1, x_j, 4 − x_j))`,
//! `σ = rater_noise_sd`, except that an item is rated 3 rather than 4 once `x_j + ε` has fallen
//! `d = item_detection_loss` below 4: score 3 is the first detectable impairment ("detectable
//! speech disturbance", "early ambulation difficulties"). At the default `d` = 0.5 this is
//! plain rounding. The noise shrinks at the anchors "normal" and "unable", which raters rarely
//! misjudge, and is largest for partly affected items.

use super::layout::N_REGIONS;
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Number of items.
pub const N_ITEMS: usize = 12;

/// The four ALSFRS-R domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Domain {
    /// Speech, salivation, swallowing.
    Bulbar = 0,
    /// Handwriting, cutting food, dressing and hygiene.
    FineMotor = 1,
    /// Turning in bed, walking, climbing stairs.
    GrossMotor = 2,
    /// Dyspnoea, orthopnoea, respiratory insufficiency.
    Respiratory = 3,
}

impl Domain {
    /// All domains in scale order.
    pub const ALL: [Domain; 4] = [
        Domain::Bulbar,
        Domain::FineMotor,
        Domain::GrossMotor,
        Domain::Respiratory,
    ];

    /// Column name.
    pub const fn name(self) -> &'static str {
        match self {
            Domain::Bulbar => "bulbar",
            Domain::FineMotor => "fine_motor",
            Domain::GrossMotor => "gross_motor",
            Domain::Respiratory => "respiratory",
        }
    }
}

/// How one item is derived from the regions.
#[derive(Debug, Clone, Copy)]
pub struct ItemSpec {
    /// Item name.
    pub name: &'static str,
    /// Domain the item belongs to.
    pub domain: Domain,
    /// Weights of bulbar, cervical, thoracic and lumbar capacity (sum to 1); unused by
    /// ventilatory items.
    pub weights: [f64; N_REGIONS],
    /// Whether the item reads the ventilatory capacity (FVC) instead of the regions.
    pub ventilatory: bool,
    /// Whether the item reads breathlessness, the ventilatory deficit as the patient perceives
    /// it (scaled by `breathlessness_sensitivity`), rather than the ventilatory capacity itself.
    pub breathlessness: bool,
    /// Capacity below which the item first drops from 4.
    pub hi: f64,
    /// Capacity at which the item reaches 0.
    pub lo: f64,
}

/// The twelve items in scale order.
///
/// No item falls below 4 while every region is above `onset_capacity` (0.93): the most
/// sensitive items start to fall exactly at clinical onset.
/// Region weights follow the anatomy of each task; dyspnoea also draws on bulbar function
/// (airway), orthopnoea and respiratory insufficiency on the diaphragm (thoracic) alone. Thresholds put the
/// demanding tasks (stairs, handwriting, speech) early and the respiratory items late:
/// respiratory insufficiency (4 = no ventilatory support) starts to fall near the NIV
/// threshold (FVC 50%) and reaches 0 near permanent ventilation, and the respiratory domain
/// declines least in trial data (Atassi 2014 Neurology 83:1719).
pub const ITEMS: [ItemSpec; N_ITEMS] = [
    ItemSpec {
        name: "speech",
        domain: Domain::Bulbar,
        weights: [1.0, 0.0, 0.0, 0.0],
        ventilatory: false,
        breathlessness: false,
        hi: 0.93,
        lo: 0.15,
    },
    ItemSpec {
        name: "salivation",
        domain: Domain::Bulbar,
        weights: [1.0, 0.0, 0.0, 0.0],
        ventilatory: false,
        breathlessness: false,
        hi: 0.85,
        lo: 0.10,
    },
    ItemSpec {
        name: "swallowing",
        domain: Domain::Bulbar,
        weights: [1.0, 0.0, 0.0, 0.0],
        ventilatory: false,
        breathlessness: false,
        hi: 0.88,
        lo: 0.12,
    },
    ItemSpec {
        name: "handwriting",
        domain: Domain::FineMotor,
        weights: [0.0, 1.0, 0.0, 0.0],
        ventilatory: false,
        breathlessness: false,
        hi: 0.93,
        lo: 0.15,
    },
    ItemSpec {
        name: "cutting_food",
        domain: Domain::FineMotor,
        weights: [0.0, 1.0, 0.0, 0.0],
        ventilatory: false,
        breathlessness: false,
        hi: 0.90,
        lo: 0.12,
    },
    ItemSpec {
        name: "dressing_hygiene",
        domain: Domain::FineMotor,
        weights: [0.0, 0.7, 0.15, 0.15],
        ventilatory: false,
        breathlessness: false,
        hi: 0.90,
        lo: 0.12,
    },
    ItemSpec {
        name: "turning_in_bed",
        domain: Domain::GrossMotor,
        weights: [0.0, 0.35, 0.35, 0.3],
        ventilatory: false,
        breathlessness: false,
        hi: 0.85,
        lo: 0.10,
    },
    ItemSpec {
        name: "walking",
        domain: Domain::GrossMotor,
        weights: [0.0, 0.0, 0.1, 0.9],
        ventilatory: false,
        breathlessness: false,
        hi: 0.93,
        lo: 0.15,
    },
    ItemSpec {
        name: "climbing_stairs",
        domain: Domain::GrossMotor,
        weights: [0.0, 0.0, 0.15, 0.85],
        ventilatory: false,
        breathlessness: false,
        hi: 0.93,
        lo: 0.25,
    },
    ItemSpec {
        name: "dyspnea",
        domain: Domain::Respiratory,
        weights: [0.2, 0.0, 0.8, 0.0],
        ventilatory: true,
        breathlessness: true,
        hi: 0.80,
        lo: 0.20,
    },
    ItemSpec {
        name: "orthopnea",
        domain: Domain::Respiratory,
        weights: [0.0, 0.0, 1.0, 0.0],
        ventilatory: true,
        breathlessness: true,
        hi: 0.65,
        lo: 0.24,
    },
    ItemSpec {
        name: "respiratory_insufficiency",
        domain: Domain::Respiratory,
        weights: [0.0, 0.0, 1.0, 0.0],
        ventilatory: true,
        breathlessness: false,
        hi: 0.50,
        lo: 0.22,
    },
];

/// Index of the swallowing item.
pub const SWALLOWING: usize = 2;

/// Latent (continuous, noise-free) item values from regional capacities and the ventilatory
/// capacity `ventilation` (FVC as a fraction of healthy).
pub fn latent_items(
    capacities: &[f64; N_REGIONS],
    ventilation: f64,
    breathlessness_sensitivity: f64,
) -> [f64; N_ITEMS] {
    ITEMS.map(|spec| {
        let c: f64 = if spec.breathlessness {
            perceived_ventilation(ventilation, breathlessness_sensitivity)
        } else if spec.ventilatory {
            ventilation
        } else {
            spec.weights
                .iter()
                .zip(capacities)
                .map(|(w, c)| w * c)
                .sum()
        };
        4.0 * ((c - spec.lo) / (spec.hi - spec.lo)).clamp(0.0, 1.0)
    })
}

/// The ventilatory capacity the breathlessness items read: the deficit `1 − V` scaled by the
/// patient's sensitivity `s`, `1 − s · (1 − V)`. A healthy `V` of 1 reads 1 whatever `s`; at
/// `s` = 1 the items read `V` itself.
pub fn perceived_ventilation(ventilation: f64, sensitivity: f64) -> f64 {
    1.0 - sensitivity * (1.0 - ventilation)
}

/// Domain subscores (0-12 each) of item values.
pub fn domains<T: Copy + Into<f64>>(items: &[T; N_ITEMS]) -> [f64; 4] {
    let mut d = [0.0; 4];
    for (spec, &x) in ITEMS.iter().zip(items) {
        d[spec.domain as usize] += x.into();
    }
    d
}

/// Observed integer items: a rater's scores of the latent values.
pub fn observe<R: Rng + ?Sized>(
    latent: &[f64; N_ITEMS],
    rater: Rater,
    rng: &mut R,
) -> [u8; N_ITEMS] {
    latent.map(|x| {
        let sd = rater.noise_sd * x.min(4.0 - x).clamp(0.0, 1.0);
        let eps = if sd > 0.0 {
            // sd is finite and positive here, so the distribution is valid.
            Normal::new(0.0, sd).map(|d| d.sample(rng)).unwrap_or(0.0)
        } else {
            0.0
        };
        let v = x + eps;
        // Clamped to 0..=4 before the cast, so the conversion is exact.
        let rated = v.round().clamp(0.0, 4.0) as u8;
        if rated == 4 && v < 4.0 - rater.detection {
            3
        } else {
            rated
        }
    })
}

/// How a rater turns latent items into scores: the rater noise and the fall below normal at
/// which an item is rated 3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rater {
    /// Standard deviation of the rater noise, item points (`rater_noise_sd`).
    pub noise_sd: f64,
    /// Fall of the latent item below 4 at which it is rated 3 (`item_detection_loss`).
    pub detection: f64,
}

impl Rater {
    /// The rater of a parameter set.
    pub fn of(p: &super::Params) -> Rater {
        Rater {
            noise_sd: p.rater_noise_sd,
            detection: p.item_detection_loss,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn rater(noise_sd: f64) -> Rater {
        Rater {
            noise_sd,
            detection: 0.5,
        }
    }

    #[test]
    fn weights_sum_to_one_and_thresholds_are_ordered() {
        for spec in ITEMS {
            let s: f64 = spec.weights.iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "{}", spec.name);
            assert!(spec.lo < spec.hi, "{}", spec.name);
        }
        assert_eq!(ITEMS[SWALLOWING].name, "swallowing");
    }

    #[test]
    fn no_item_falls_before_clinical_onset() {
        // Every region at the default onset capacity: every item still 4.
        let onset = crate::model::Params::default().onset_capacity;
        let items = latent_items(&[onset; 4], onset, 1.0);
        assert!(items.iter().all(|&x| (x - 4.0).abs() < 1e-12), "{items:?}");
        assert!(
            ITEMS.iter().any(|i| (i.hi - onset).abs() < 1e-12),
            "some item falls exactly at onset"
        );
    }

    #[test]
    fn breathlessness_sensitivity_scales_the_perceived_deficit_of_two_items() {
        let v = 0.75;
        let plain = latent_items(&[1.0; 4], v, 1.0);
        let sensitive = latent_items(&[1.0; 4], v, 1.5);
        let blunted = latent_items(&[1.0; 4], v, 0.5);
        for (k, spec) in ITEMS.iter().enumerate() {
            if spec.breathlessness {
                assert!(
                    sensitive[k] < plain[k] && plain[k] <= blunted[k],
                    "{}",
                    spec.name
                );
            } else {
                assert_eq!(sensitive[k].to_bits(), plain[k].to_bits(), "{}", spec.name);
                assert_eq!(blunted[k].to_bits(), plain[k].to_bits(), "{}", spec.name);
            }
        }
        // Dyspnoea (hi 0.80) leaves 4 at V = 1 − 0.2 / s: 0.867 at s = 1.5, 0.6 at s = 0.5.
        let dyspnea = ITEMS.iter().position(|i| i.name == "dyspnea").unwrap();
        assert!((latent_items(&[1.0; 4], 0.868, 1.5)[dyspnea] - 4.0).abs() < 1e-12);
        assert!(latent_items(&[1.0; 4], 0.866, 1.5)[dyspnea] < 4.0);
        assert!((latent_items(&[1.0; 4], 0.601, 0.5)[dyspnea] - 4.0).abs() < 1e-12);
        // A healthy ventilation reads healthy at any sensitivity.
        for s in [0.3, 1.0, 3.0] {
            let healthy = latent_items(&[1.0; 4], 1.0, s);
            assert!(healthy.iter().all(|&x| (x - 4.0).abs() < 1e-12), "{s}");
        }
        assert_eq!(
            ITEMS
                .iter()
                .filter(|i| i.breathlessness)
                .map(|i| i.name)
                .collect::<Vec<_>>(),
            ["dyspnea", "orthopnea"]
        );
    }

    #[test]
    fn healthy_scores_48_and_paralysed_scores_0() {
        let healthy = latent_items(&[1.0; 4], 1.0, 1.0);
        assert!(healthy.iter().all(|&x| (x - 4.0).abs() < 1e-12));
        let lost = latent_items(&[0.0; 4], 0.0, 1.0);
        assert!(lost.iter().all(|&x| x.abs() < 1e-12));
        assert!((domains(&healthy).iter().sum::<f64>() - 48.0).abs() < 1e-12);
    }

    #[test]
    fn bulbar_loss_spares_limb_items() {
        let items = latent_items(&[0.2, 1.0, 1.0, 1.0], 1.0, 1.0);
        let d = domains(&items);
        assert!(d[Domain::Bulbar as usize] < 3.0);
        assert!((d[Domain::FineMotor as usize] - 12.0).abs() < 1e-12);
        assert!((d[Domain::GrossMotor as usize] - 12.0).abs() < 1e-12);
    }

    #[test]
    fn detection_at_one_half_is_rounding_and_smaller_reads_the_first_loss() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let grid: [f64; N_ITEMS] = std::array::from_fn(|k| 4.0 - 0.07 * k as f64);
        // Without noise, the default threshold rounds: 4 down to a latent 3.5.
        let plain = observe(&grid, rater(0.0), &mut rng);
        for (x, o) in grid.iter().zip(plain) {
            assert_eq!(o, x.round() as u8, "{x}");
        }
        // A threshold of 0.1: every item more than 0.1 below normal is rated 3.
        let fine = Rater {
            noise_sd: 0.0,
            detection: 0.1,
        };
        let rated = observe(&grid, fine, &mut rng);
        for (x, o) in grid.iter().zip(rated) {
            let expected = if *x > 3.9 {
                4
            } else {
                x.round().min(3.0) as u8
            };
            assert_eq!(o, expected, "{x}");
        }
        assert_eq!(rated[0], 4);
        assert_eq!(rated[2], 3, "a latent 3.86 is a detectable impairment");
        assert_eq!(plain[2], 4, "which rounding does not see");
    }

    #[test]
    fn observation_is_integer_in_range_and_exact_at_anchors() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let latent = [4.0, 0.0, 2.0, 2.5, 3.2, 1.1, 0.4, 3.9, 4.0, 0.0, 2.0, 2.0];
        for _ in 0..200 {
            let obs = observe(&latent, rater(0.35), &mut rng);
            assert_eq!(obs[0], 4);
            assert_eq!(obs[1], 0);
            assert!(obs.iter().all(|&o| o <= 4));
        }
    }

    #[test]
    fn observation_noise_is_unbiased_mid_scale() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let latent = [2.0; N_ITEMS];
        let n = 2000;
        let mean: f64 = (0..n)
            .map(|_| {
                observe(&latent, rater(0.5), &mut rng)
                    .iter()
                    .map(|&o| f64::from(o))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / f64::from(n);
        assert!((mean - 24.0).abs() < 0.3, "mean total {mean}");
    }
}
