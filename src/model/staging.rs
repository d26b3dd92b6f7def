//! Clinical staging: King's stage and MiToS stage from ALSFRS-R items and vital capacity.
//!
//! King's staging counts clinically involved regions (bulbar, upper limb, lower limb) for
//! stages 1-3; stage 4A is the need for gastrostomy and 4B the need for non-invasive
//! ventilation; stage 5 is death (Roche et al. 2012 Brain 135:847). It is estimated from
//! ALSFRS-R items as Balendra et al. 2014 (ALS-FTD 15:279) do: bulbar involvement when any
//! bulbar item is below 4, upper limb when handwriting or cutting food is below 4, lower limb
//! when walking is below 4. Here an item is "below 4" when its latent value is below 3.5 (the
//! value that rounds to 3).
//!
//! MiToS (Chiò et al. 2015 JNNP 86:38) counts lost functional domains, 0-4, with 5 for death:
//! movement (walking ≤ 1 or dressing and hygiene ≤ 1), swallowing (≤ 1), communicating
//! (speech ≤ 1 and handwriting ≤ 1), breathing (dyspnoea ≤ 1 or respiratory insufficiency ≤ 2).
//! On latent values "≤ k" means "below k + 0.5".
//!
//! The diagnostic category of the revised El Escorial criteria (Brooks et al. 2000 ALS 1:293)
//! counts the four regions (bulbar, cervical, thoracic, lumbosacral) with signs of upper and
//! lower motor-neuron degeneration: definite with three or more, probable with two, possible
//! with one, and laboratory-supported probable with one clinically and a second by needle
//! electromyography. [`el_escorial`] estimates it from a visit: a region is clinically
//! involved when it is weak on examination, that is when its functional motor units have fallen
//! to the level at which weakness is first noticed (the onset threshold of motor capacity, which
//! a neurologist finds on examination whether or not the patient has noticed it there), or when
//! an item it serves is rated below 4 (bulbar: speech, salivation, swallowing; cervical:
//! handwriting, cutting food, dressing and hygiene; thoracic: the respiratory items;
//! lumbosacral: walking, climbing stairs); it is involved by electromyography when at least
//! [`EMG_DETECTABLE_LOSS`] of its motor units are lost or denervated. The model does not
//! separate upper from lower motor neurons, so a clinically involved region counts as showing
//! both, and the rostro-caudal condition of "probable" is not checked.

use super::alsfrs::N_ITEMS;
use super::layout::{N_REGIONS, REGION_REPORTED, RegionVar, Reported};

/// Share of a region's motor units lost or denervated at which needle electromyography finds
/// denervation there. Rationale: needle EMG is as abnormal in not-yet-weak limbs as in weak ones
/// (Muscle Nerve 2014, doi:10.1002/mus.24244) and MUNIX falls in still-strong muscles, so EMG
/// sees loss well before the reserve of reinnervation is spent; the loss at which it becomes
/// detectable is not in the sources: 20% is an assumption.
pub const EMG_DETECTABLE_LOSS: f64 = 0.2;

/// Diagnostic category of the revised El Escorial criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ElEscorial {
    /// One region clinically involved.
    Possible,
    /// One region clinically involved and another by electromyography.
    ProbableLaboratorySupported,
    /// Two regions clinically involved.
    Probable,
    /// Three or more regions clinically involved.
    Definite,
}

impl ElEscorial {
    /// Every category, from the least to the most certain.
    pub const ALL: [ElEscorial; 4] = [
        ElEscorial::Possible,
        ElEscorial::ProbableLaboratorySupported,
        ElEscorial::Probable,
        ElEscorial::Definite,
    ];

    /// Name in scenario files and tables.
    pub const fn name(self) -> &'static str {
        match self {
            ElEscorial::Possible => "possible",
            ElEscorial::ProbableLaboratorySupported => "probable-laboratory-supported",
            ElEscorial::Probable => "probable",
            ElEscorial::Definite => "definite",
        }
    }
}

/// Items serving each El Escorial region (bulbar, cervical, thoracic, lumbosacral).
const EL_ESCORIAL_ITEMS: [&[usize]; N_REGIONS] = [&[0, 1, 2], &[3, 4, 5], &[9, 10, 11], &[7, 8]];

/// El Escorial category of a visit (`None` when no region is clinically involved): `items`
/// are the rated ALSFRS-R items, `regional` the model's regional quantities at the visit in
/// blocks of [`REGION_REPORTED`] per region (as a visit records them), and `weak` the
/// functional fraction of motor units at which a region becomes weak on examination (for a
/// patient's parameters: `Reserve::functional_at(onset_capacity)`).
pub fn el_escorial(items: &[u8; N_ITEMS], regional: &[f32], weak: f64) -> Option<ElEscorial> {
    let functional = |r: usize| {
        let block = &regional[r * REGION_REPORTED..(r + 1) * REGION_REPORTED];
        f64::from(block[Reported::position_of(RegionVar::Neurons)])
            - f64::from(block[Reported::position_of(RegionVar::Dysfunctional)])
    };
    let clinical: [bool; N_REGIONS] = std::array::from_fn(|r| {
        functional(r) <= weak || EL_ESCORIAL_ITEMS[r].iter().any(|&k| items[k] < 4)
    });
    let emg: [bool; N_REGIONS] =
        std::array::from_fn(|r| functional(r) <= 1.0 - EMG_DETECTABLE_LOSS);
    let n_clinical = clinical.iter().filter(|&&c| c).count();
    let n_any = (0..N_REGIONS).filter(|&r| clinical[r] || emg[r]).count();
    match n_clinical {
        0 => None,
        1 if n_any >= 2 => Some(ElEscorial::ProbableLaboratorySupported),
        1 => Some(ElEscorial::Possible),
        2 => Some(ElEscorial::Probable),
        _ => Some(ElEscorial::Definite),
    }
}

/// King's clinical stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KingsStage {
    /// No region clinically involved (before onset).
    Presymptomatic,
    /// One region involved.
    One,
    /// Two regions involved.
    Two,
    /// Three regions involved.
    Three,
    /// Gastrostomy indicated (nutritional failure).
    FourA,
    /// Non-invasive ventilation indicated (respiratory failure).
    FourB,
    /// Death or permanent ventilation.
    Five,
}

impl KingsStage {
    /// Label as written in tables: `0`, `1`, `2`, `3`, `4A`, `4B`, `5`.
    pub const fn label(self) -> &'static str {
        match self {
            KingsStage::Presymptomatic => "0",
            KingsStage::One => "1",
            KingsStage::Two => "2",
            KingsStage::Three => "3",
            KingsStage::FourA => "4A",
            KingsStage::FourB => "4B",
            KingsStage::Five => "5",
        }
    }
}

/// King's stage from latent items and the two stage-4 indications; an item counts as affected
/// once it has fallen `detection` (`item_detection_loss`) below 4, where it is scored 3.
pub fn kings(
    items: &[f64; N_ITEMS],
    detection: f64,
    gastrostomy: bool,
    niv: bool,
    dead: bool,
) -> KingsStage {
    if dead {
        return KingsStage::Five;
    }
    if niv {
        return KingsStage::FourB;
    }
    if gastrostomy {
        return KingsStage::FourA;
    }
    match involvement_margins(items, detection)
        .iter()
        .filter(|&&m| m < 0.0)
        .count()
    {
        0 => KingsStage::Presymptomatic,
        1 => KingsStage::One,
        2 => KingsStage::Two,
        _ => KingsStage::Three,
    }
}

/// How far each King's region (bulbar, upper limb, lower limb) is from clinical involvement:
/// the lowest latent item of the region minus `4 − detection` (3.5 at the default
/// `item_detection_loss`), negative once involved. Bulbar: any bulbar item; upper limb:
/// handwriting or cutting food; lower limb: walking.
pub fn involvement_margins(items: &[f64; N_ITEMS], detection: f64) -> [f64; 3] {
    let affected = 4.0 - detection;
    let bulbar = items[0].min(items[1]).min(items[2]);
    let upper = items[3].min(items[4]);
    let lower = items[7];
    [bulbar - affected, upper - affected, lower - affected]
}

/// Motor capacity behind each King's region (bulbar, upper limb, lower limb): the regional
/// capacities weighted as the item that marks the region's involvement (speech, handwriting,
/// walking) weights them.
pub fn kings_capacities(capacities: &[f64; crate::model::N_REGIONS]) -> [f64; 3] {
    [0, 3, 7].map(|k| {
        crate::model::alsfrs::ITEMS[k]
            .weights
            .iter()
            .zip(capacities)
            .map(|(w, c)| w * c)
            .sum()
    })
}

/// MiToS stage (0-5) from latent items.
pub fn mitos(items: &[f64; N_ITEMS], dead: bool) -> u8 {
    if dead {
        return 5;
    }
    let at_most = |x: f64, k: f64| x < k + 0.5;
    let movement = at_most(items[7], 1.0) || at_most(items[5], 1.0);
    let swallowing = at_most(items[2], 1.0);
    let communicating = at_most(items[0], 1.0) && at_most(items[3], 1.0);
    let breathing = at_most(items[9], 1.0) || at_most(items[11], 2.0);
    u8::from(movement) + u8::from(swallowing) + u8::from(communicating) + u8::from(breathing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regional quantities with every region healthy except the given surviving and
    /// dysfunctional fractions.
    fn regional(units: [(f32, f32); N_REGIONS]) -> Vec<f32> {
        let mut v = vec![0.0; N_REGIONS * REGION_REPORTED];
        for (r, (alive, dysfunctional)) in units.into_iter().enumerate() {
            v[r * REGION_REPORTED + Reported::position_of(RegionVar::Neurons)] = alive;
            v[r * REGION_REPORTED + Reported::position_of(RegionVar::Dysfunctional)] =
                dysfunctional;
        }
        v
    }

    #[test]
    fn an_item_counts_as_affected_once_it_falls_the_detection_threshold() {
        let mut items = [4.0; N_ITEMS];
        items[3] = 3.8; // handwriting: upper limb
        assert_eq!(
            kings(&items, 0.5, false, false, false),
            KingsStage::Presymptomatic
        );
        assert_eq!(kings(&items, 0.1, false, false, false), KingsStage::One);
        let m = involvement_margins(&items, 0.1);
        assert!((m[1] + 0.1).abs() < 1e-12, "{m:?}");
        assert!(
            (m[0] - 0.1).abs() < 1e-12 && (m[2] - 0.1).abs() < 1e-12,
            "{m:?}"
        );
    }

    #[test]
    fn el_escorial_counts_clinical_regions_and_electromyography_adds_one() {
        let healthy = regional([(1.0, 0.0); N_REGIONS]);
        let mut items = [4u8; N_ITEMS];
        assert_eq!(el_escorial(&items, &healthy, 0.5), None);
        items[3] = 3; // handwriting: cervical
        assert_eq!(
            el_escorial(&items, &healthy, 0.5),
            Some(ElEscorial::Possible)
        );
        // Lumbosacral units 25% lost: denervation on EMG, no weakness yet.
        let emg = regional([(1.0, 0.0), (0.7, 0.0), (1.0, 0.0), (0.75, 0.0)]);
        assert_eq!(
            el_escorial(&items, &emg, 0.5),
            Some(ElEscorial::ProbableLaboratorySupported)
        );
        // Denervated units count as lost for EMG; 15% is not enough.
        let denervated = regional([(1.0, 0.0), (0.7, 0.0), (0.95, 0.16), (0.85, 0.0)]);
        assert_eq!(
            el_escorial(&items, &denervated, 0.5),
            Some(ElEscorial::ProbableLaboratorySupported)
        );
        let little = regional([(0.9, 0.0), (0.7, 0.0), (0.95, 0.0), (0.85, 0.0)]);
        assert_eq!(
            el_escorial(&items, &little, 0.5),
            Some(ElEscorial::Possible)
        );
        items[10] = 3; // orthopnoea: thoracic
        assert_eq!(
            el_escorial(&items, &healthy, 0.5),
            Some(ElEscorial::Probable)
        );
        items[1] = 2; // salivation: bulbar
        assert_eq!(
            el_escorial(&items, &healthy, 0.5),
            Some(ElEscorial::Definite)
        );
        items[8] = 1; // climbing stairs: lumbosacral
        assert_eq!(
            el_escorial(&items, &healthy, 0.5),
            Some(ElEscorial::Definite)
        );
        // Turning in bed serves no single region.
        let mut trunk = [4u8; N_ITEMS];
        trunk[6] = 2;
        assert_eq!(el_escorial(&trunk, &healthy, 0.5), None);
        assert!(ElEscorial::Definite > ElEscorial::Probable);
        // Weak on examination before any item falls: lumbar units down to the threshold.
        let weak = regional([(1.0, 0.0), (1.0, 0.0), (1.0, 0.0), (0.45, 0.0)]);
        assert_eq!(
            el_escorial(&[4; N_ITEMS], &weak, 0.5),
            Some(ElEscorial::Possible)
        );
    }

    #[test]
    fn kings_counts_regions_then_indications() {
        let mut items = [4.0; N_ITEMS];
        assert_eq!(
            kings(&items, 0.5, false, false, false),
            KingsStage::Presymptomatic
        );
        items[7] = 3.0; // walking
        assert_eq!(kings(&items, 0.5, false, false, false), KingsStage::One);
        items[3] = 3.0; // handwriting
        assert_eq!(kings(&items, 0.5, false, false, false), KingsStage::Two);
        items[0] = 3.0; // speech
        assert_eq!(kings(&items, 0.5, false, false, false), KingsStage::Three);
        assert_eq!(kings(&items, 0.5, true, false, false), KingsStage::FourA);
        assert_eq!(kings(&items, 0.5, true, true, false), KingsStage::FourB);
        assert_eq!(kings(&items, 0.5, true, true, true), KingsStage::Five);
    }

    #[test]
    fn mitos_counts_lost_domains() {
        let mut items = [4.0; N_ITEMS];
        assert_eq!(mitos(&items, false), 0);
        items[2] = 1.0; // swallowing lost
        assert_eq!(mitos(&items, false), 1);
        items[0] = 0.0; // speech lost, handwriting kept: communication still possible
        assert_eq!(mitos(&items, false), 1);
        items[3] = 1.0;
        assert_eq!(mitos(&items, false), 2);
        items[11] = 2.0;
        assert_eq!(mitos(&items, false), 3);
        items[7] = 0.0;
        assert_eq!(mitos(&items, false), 4);
        assert_eq!(mitos(&items, true), 5);
    }
}
