//! State layout: named blocks of the state vector.
//!
//! The state vector is built from blocks so that every equation can address a state by name
//! (`y[Region::Bulbar.idx(RegionVar::Neurons)]`) rather than by a magic index:
//!
//! | block | size | contents |
//! |---|---|---|
//! | region block × 4 | [`REGION_VARS`] each | [`RegionVar`] for bulbar, cervical, thoracic, lumbar |
//! | global block | [`GLOBAL_VARS`] | [`GlobalVar`]: serum neurofilament light |
//!
//! The layout leaves room for more blocks: states added later (therapy exposure and
//! resistance) go after [`GLOBAL_OFFSET`] + [`GLOBAL_VARS`], so the region and global blocks
//! never move.

use nalgebra::SVector;

/// Number of body regions along the neuraxis.
pub const N_REGIONS: usize = 4;
/// Number of state variables per region.
pub const REGION_VARS: usize = 5;
/// Number of global (whole-body) state variables.
pub const GLOBAL_VARS: usize = 1;
/// Offset of the global block.
pub const GLOBAL_OFFSET: usize = N_REGIONS * REGION_VARS;
/// Dimension of the state vector.
pub const DIM: usize = GLOBAL_OFFSET + GLOBAL_VARS;

/// The model state: a fixed-size vector (stack allocated, no heap traffic in the solver).
pub type State = SVector<f64, DIM>;

/// Body regions along the neuraxis, in anatomical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(usize)]
pub enum Region {
    /// Brainstem motor nuclei: speech, salivation, swallowing.
    Bulbar = 0,
    /// Cervical cord: arms and hands.
    Cervical = 1,
    /// Thoracic/respiratory: trunk, diaphragm and intercostal drive.
    Thoracic = 2,
    /// Lumbosacral cord: legs.
    Lumbar = 3,
}

impl Region {
    /// All regions in anatomical order.
    pub const ALL: [Region; N_REGIONS] = [
        Region::Bulbar,
        Region::Cervical,
        Region::Thoracic,
        Region::Lumbar,
    ];

    /// Zero-based index of the region.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Index of a regional variable in the state vector.
    pub const fn idx(self, var: RegionVar) -> usize {
        self.index() * REGION_VARS + var as usize
    }

    /// Index of this region's motor-neuron survival fraction.
    pub const fn neurons(self) -> usize {
        self.idx(RegionVar::Neurons)
    }

    /// Index of this region's aggregate burden.
    pub const fn aggregate(self) -> usize {
        self.idx(RegionVar::Aggregate)
    }

    /// Contiguous regions (the short paths of prion-like seeding): along the cord, the limb
    /// enlargements (cervical, lumbar) border each other and the respiratory region (thoracic:
    /// intercostal and, by function, phrenic pools), and the bulbar region borders the arms.
    /// After limb onset the other limbs are reached first and bulbar muscles last (Walhout et
    /// al. 2018 ALS-FTD 19:21; after leg onset the arm before bulbar muscles, Turner et al.
    /// 2010), and King's staging counts arm-to-leg spread as contiguous, so the legs are a
    /// neighbour of the arms; the bulbar region reaches the respiratory region and the legs
    /// only through the cord (non-contiguously in this graph).
    pub const fn neighbours(self) -> &'static [Region] {
        match self {
            Region::Bulbar => &[Region::Cervical],
            Region::Cervical => &[Region::Bulbar, Region::Thoracic, Region::Lumbar],
            Region::Thoracic => &[Region::Cervical, Region::Lumbar],
            Region::Lumbar => &[Region::Cervical, Region::Thoracic],
        }
    }

    /// Regions that are not contiguous with this one (reached only through the non-contiguous
    /// paths of the spread graph: the motor cortex and long corticospinal connections).
    pub const fn distant(self) -> &'static [Region] {
        match self {
            Region::Bulbar => &[Region::Thoracic, Region::Lumbar],
            Region::Cervical => &[],
            Region::Thoracic => &[Region::Bulbar],
            Region::Lumbar => &[Region::Bulbar],
        }
    }

    /// Index of this region's dysfunctional (alive but not working) motor units.
    pub const fn dysfunctional(self) -> usize {
        self.idx(RegionVar::Dysfunctional)
    }

    /// Lower-case name used on the command line, in files and in column names.
    pub const fn name(self) -> &'static str {
        match self {
            Region::Bulbar => "bulbar",
            Region::Cervical => "cervical",
            Region::Thoracic => "thoracic",
            Region::Lumbar => "lumbar",
        }
    }

    /// Parses a region name (case-insensitive; `respiratory` is accepted for thoracic).
    pub fn parse(s: &str) -> Option<Region> {
        match s.to_ascii_lowercase().as_str() {
            "bulbar" => Some(Region::Bulbar),
            "cervical" | "upper-limb" | "arm" | "arms" => Some(Region::Cervical),
            "thoracic" | "respiratory" | "trunk" => Some(Region::Thoracic),
            "lumbar" | "lower-limb" | "leg" | "legs" => Some(Region::Lumbar),
            _ => None,
        }
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// State variables of one region, in block order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
#[non_exhaustive]
pub enum RegionVar {
    /// Motor-neuron survival, fraction of the healthy lower-motor-neuron pool (1 = healthy).
    Neurons = 0,
    /// Misfolded, aggregated protein burden, fraction of the largest possible burden (A = 1).
    Aggregate = 1,
    /// Fraction of microglia in the activated, pro-inflammatory state.
    Microglia = 2,
    /// Fraction of astrocytes in the reactive state.
    Astrocytes = 3,
    /// Dysfunctional motor units: alive (counted in [`RegionVar::Neurons`]) but denervated or
    /// synaptically failing, so not contributing force; they recover or die.
    Dysfunctional = 4,
}

impl RegionVar {
    /// All regional variables in block order.
    pub const ALL: [RegionVar; REGION_VARS] = [
        RegionVar::Neurons,
        RegionVar::Aggregate,
        RegionVar::Microglia,
        RegionVar::Astrocytes,
        RegionVar::Dysfunctional,
    ];

    /// Short name used in column names (`neurons_bulbar`).
    pub const fn name(self) -> &'static str {
        match self {
            RegionVar::Neurons => "neurons",
            RegionVar::Aggregate => "aggregate",
            RegionVar::Microglia => "microglia",
            RegionVar::Astrocytes => "astrocytes",
            RegionVar::Dysfunctional => "dysfunctional",
        }
    }
}

/// A quantity reported per region: a regional state, or one of the algebraic (quasi-steady)
/// levels that are not part of the state vector: excess ROS
/// ([`oxidative`](super::oxidative)), extracellular glutamate
/// ([`excitotoxicity`](super::excitotoxicity)) and the soluble misfolded protein
/// ([`aggregation`](super::aggregation)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reported {
    /// A state of the region block.
    State(RegionVar),
    /// Excess reactive oxygen species (algebraic).
    Oxidative,
    /// Extracellular glutamate relative to healthy tissue (algebraic).
    Glutamate,
    /// Soluble misfolded protein (algebraic).
    Soluble,
}

impl Reported {
    /// Name used in column names (`oxidative_bulbar`).
    pub const fn name(self) -> &'static str {
        match self {
            Reported::State(v) => v.name(),
            Reported::Oxidative => "oxidative",
            Reported::Glutamate => "glutamate",
            Reported::Soluble => "soluble",
        }
    }

    /// Position of a regional state in a region's report block.
    pub const fn position_of(var: RegionVar) -> usize {
        let mut k = 0;
        while k < REGION_REPORTED {
            if let Reported::State(v) = REGION_REPORTED_ORDER[k]
                && v as usize == var as usize
            {
                return k;
            }
            k += 1;
        }
        panic!("every regional state is reported")
    }
}

/// Number of quantities reported per region: the [`RegionVar`] states and the three algebraic
/// levels of [`Reported`].
pub const REGION_REPORTED: usize = REGION_VARS + 3;

/// The quantities reported per region, in report order (the order of the columns and rows
/// that name them; excess ROS keeps the place it had when it was a state).
pub const REGION_REPORTED_ORDER: [Reported; REGION_REPORTED] = [
    Reported::State(RegionVar::Neurons),
    Reported::State(RegionVar::Aggregate),
    Reported::Oxidative,
    Reported::State(RegionVar::Microglia),
    Reported::State(RegionVar::Astrocytes),
    Reported::State(RegionVar::Dysfunctional),
    Reported::Glutamate,
    Reported::Soluble,
];

/// Names of the quantities reported per region, in report order (`neurons`, ..., `soluble`).
pub const REGION_REPORTED_NAMES: [&str; REGION_REPORTED] = {
    let mut names = [""; REGION_REPORTED];
    let mut k = 0;
    while k < REGION_REPORTED {
        names[k] = REGION_REPORTED_ORDER[k].name();
        k += 1;
    }
    names
};

/// Global state variables, in block order after the region blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
#[non_exhaustive]
pub enum GlobalVar {
    /// Serum neurofilament light chain, pg/mL.
    Nfl = 0,
}

impl GlobalVar {
    /// Index of the global variable in the state vector.
    pub const fn idx(self) -> usize {
        GLOBAL_OFFSET + self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_unique_and_cover_the_state() {
        let mut seen = [false; DIM];
        for r in Region::ALL {
            for v in RegionVar::ALL {
                assert!(!seen[r.idx(v)], "index {} used twice", r.idx(v));
                seen[r.idx(v)] = true;
            }
        }
        seen[GlobalVar::Nfl.idx()] = true;
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn every_regional_state_is_reported_once_in_its_place() {
        for v in RegionVar::ALL {
            let k = Reported::position_of(v);
            assert_eq!(REGION_REPORTED_ORDER[k], Reported::State(v));
            assert_eq!(REGION_REPORTED_NAMES[k], v.name());
        }
        let mut names = REGION_REPORTED_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGION_REPORTED);
        assert_eq!(
            REGION_REPORTED_NAMES,
            [
                "neurons",
                "aggregate",
                "oxidative",
                "microglia",
                "astrocytes",
                "dysfunctional",
                "glutamate",
                "soluble"
            ]
        );
    }

    #[test]
    fn neighbourhood_is_symmetric() {
        for r in Region::ALL {
            for n in r.neighbours() {
                assert!(n.neighbours().contains(&r));
            }
        }
    }

    #[test]
    fn every_other_region_is_a_neighbour_or_distant_exactly_once() {
        for r in Region::ALL {
            for o in Region::ALL {
                let n = r.neighbours().contains(&o) as u8 + r.distant().contains(&o) as u8;
                assert_eq!(n, u8::from(o != r), "{r} -> {o}");
                assert_eq!(r.distant().contains(&o), o.distant().contains(&r));
            }
        }
    }

    #[test]
    fn region_names_round_trip() {
        for r in Region::ALL {
            assert_eq!(Region::parse(r.name()), Some(r));
        }
        assert_eq!(Region::parse("respiratory"), Some(Region::Thoracic));
        assert_eq!(Region::parse("elbow"), None);
    }
}
