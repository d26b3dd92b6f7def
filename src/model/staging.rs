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

use super::alsfrs::N_ITEMS;

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

/// Latent value below which an item counts as affected (it would be scored below 4).
const AFFECTED: f64 = 3.5;

/// King's stage from latent items and the two stage-4 indications.
pub fn kings(items: &[f64; N_ITEMS], gastrostomy: bool, niv: bool, dead: bool) -> KingsStage {
    if dead {
        return KingsStage::Five;
    }
    if niv {
        return KingsStage::FourB;
    }
    if gastrostomy {
        return KingsStage::FourA;
    }
    match involvement_margins(items)
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
/// the lowest latent item of the region minus 3.5, negative once involved. Bulbar: any bulbar
/// item; upper limb: handwriting or cutting food; lower limb: walking.
pub fn involvement_margins(items: &[f64; N_ITEMS]) -> [f64; 3] {
    let bulbar = items[0].min(items[1]).min(items[2]);
    let upper = items[3].min(items[4]);
    let lower = items[7];
    [bulbar - AFFECTED, upper - AFFECTED, lower - AFFECTED]
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

    #[test]
    fn kings_counts_regions_then_indications() {
        let mut items = [4.0; N_ITEMS];
        assert_eq!(
            kings(&items, false, false, false),
            KingsStage::Presymptomatic
        );
        items[7] = 3.0; // walking
        assert_eq!(kings(&items, false, false, false), KingsStage::One);
        items[3] = 3.0; // handwriting
        assert_eq!(kings(&items, false, false, false), KingsStage::Two);
        items[0] = 3.0; // speech
        assert_eq!(kings(&items, false, false, false), KingsStage::Three);
        assert_eq!(kings(&items, true, false, false), KingsStage::FourA);
        assert_eq!(kings(&items, true, true, false), KingsStage::FourB);
        assert_eq!(kings(&items, true, true, true), KingsStage::Five);
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
