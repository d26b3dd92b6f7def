//! From an arm's therapies to a patient's modulation schedule.
//!
//! Exposure is resolved on the months scale: each therapy becomes a piecewise-constant
//! timeline of effect levels (one per target), computed once per arm; a patient's schedule
//! merges the timelines of the arm's therapies at the patient's own start times, keeps the
//! effects that exist in the patient's genotype, and carries each adaptive-resistance term
//! across the breakpoints in closed form.

use super::drug::{Drug, Regimen, Target, Trigger};
use super::spec::{CycleMode, TherapySpec};
use crate::model::{
    Compensation, Genotype, MAX_PAIRS, ModulationLaw, PairFactor, Slot, Term, TermKind,
};
use crate::solve::{Schedule, SolveError};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Days per month (a Julian year of 365.25 days).
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// Effect levels over time, relative to the therapy's start: `(start, one level per effect of
/// the drug)`, sorted by start; the last segment lasts forever.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The segments.
    pub segments: Vec<(f64, Vec<f64>)>,
    /// Where a segment carries a cycle-averaged effect: `(start, dosing days, cycle days)` from
    /// that start on, sorted by start (`(start, 0, 0)` ends a stretch of averaged cycles).
    pub averaged_cycles: Vec<(f64, f64, f64)>,
}

impl Timeline {
    /// Effect levels at absolute time `t` for a therapy started at `start` (both months since
    /// initiation), with segment starts placed at `start + s` exactly as breakpoints are.
    pub fn at_absolute(&self, start: f64, t: f64) -> Option<&[f64]> {
        let k = self.segments.partition_point(|(s, _)| start + s <= t);
        (k > 0).then(|| self.segments[k - 1].1.as_slice())
    }

    /// The averaged cycle `(dosing days, cycle days)` in force at absolute time `t` for a
    /// therapy started at `start`, if any.
    pub fn cycle_at_absolute(&self, start: f64, t: f64) -> Option<(f64, f64)> {
        let k = self
            .averaged_cycles
            .partition_point(|(s, _, _)| start + s <= t);
        let &(_, on, len) = self.averaged_cycles.get(k.checked_sub(1)?)?;
        (len > 0.0).then_some((on, len))
    }

    /// Effect levels at `t` months after the start (zero before it).
    pub fn at(&self, t: f64) -> Option<&[f64]> {
        let k = self.segments.partition_point(|(s, _)| *s <= t);
        (k > 0).then(|| self.segments[k - 1].1.as_slice())
    }
}

/// Mean of `f` over `[0, len]` by composite Simpson's rule on 64 intervals.
fn mean_over(f: impl Fn(f64) -> f64, len: f64) -> f64 {
    const N: usize = 64;
    let h = len / N as f64;
    let mut s = f(0.0) + f(len);
    for i in 1..N {
        s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(i as f64 * h);
    }
    s * h / 3.0 / len
}

/// For a regimen of repeated doses, each effect's mean over a dosing interval at the periodic
/// steady state of `t`'s dose and adherence: the level right after a dose is then
/// `1 / (1 − e^(−k·T))` doses (`k = ln 2 / t½`, `T` the interval), and the mean is taken as
/// [`timeline`] takes it. `None` for other regimens.
pub fn periodic_steady_state_effects(drug: &Drug, t: &TherapySpec) -> Option<Vec<f64>> {
    let Regimen::Doses {
        interval_days: Some(interval),
        half_life_days,
        ..
    } = &drug.regimen
    else {
        return None;
    };
    let k = std::f64::consts::LN_2 / half_life_days;
    let peak = 1.0 / (1.0 - (-k * interval).exp());
    Some(
        drug.effects
            .iter()
            .map(|e| {
                mean_over(
                    |s| {
                        e.at(drug.tissue_concentration(
                            t.exposure_scale(),
                            t.adherence,
                            peak * (-k * s).exp(),
                        ))
                    },
                    *interval,
                )
            })
            .collect(),
    )
}

/// Builds the effect timeline of one therapy of an arm, up to `until` months after its start
/// (the horizon: nothing after it is needed). Dose changes splice the timelines of each dose:
/// from a change on, the levels are those the regimen has at that time at the new dose (the
/// cycles keep their timing; a drug cleared within days carries nothing of the old dose over).
pub fn timeline(drug: &Drug, t: &TherapySpec, until: f64) -> Timeline {
    if t.dose_changes.is_empty() {
        return single_dose_timeline(drug, t, until);
    }
    let mut pieces: Vec<(f64, Timeline)> = vec![(0.0, {
        let mut first = t.clone();
        first.dose_changes.clear();
        single_dose_timeline(drug, &first, until)
    })];
    for &(at, dose) in &t.dose_changes {
        let mut then = t.clone();
        then.dose_changes.clear();
        then.dose = dose;
        pieces.push((at, single_dose_timeline(drug, &then, until)));
    }
    let mut segments: Vec<(f64, Vec<f64>)> = Vec::new();
    for (k, (from, tl)) in pieces.iter().enumerate() {
        let to = pieces.get(k + 1).map_or(f64::INFINITY, |p| p.0);
        let mut push = |start: f64, level: &[f64]| {
            if segments.last().is_none_or(|(_, l)| l.as_slice() != level) {
                segments.push((start, level.to_vec()));
            }
        };
        if let Some(level) = tl.at(*from) {
            push(*from, level);
        }
        for (start, level) in &tl.segments {
            if *start > *from && *start < to {
                push(*start, level);
            }
        }
    }
    Timeline {
        segments,
        averaged_cycles: pieces[0].1.averaged_cycles.clone(),
    }
}

fn single_dose_timeline(drug: &Drug, t: &TherapySpec, until: f64) -> Timeline {
    let n = drug.effects.len();
    let zero = vec![0.0; n];
    let stop = t.stop_months.map(|s| s - t.start_months);
    let on = drug.effects_at(t.exposure_scale(), t.adherence, 1.0);
    let mut segments: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut averaged_cycles: Vec<(f64, f64, f64)> = Vec::new();
    let end = stop.unwrap_or(f64::INFINITY).min(until.max(0.0));
    match &drug.regimen {
        Regimen::Continuous => {
            segments.push((0.0, on.clone()));
            if let Some(s) = stop {
                segments.push((s, zero.clone()));
            }
        }
        Regimen::Permanent => segments.push((0.0, on.clone())),
        Regimen::Cyclic {
            first_on_days,
            first_cycle_days,
            on_days,
            cycle_days,
        } => {
            Timeline {
                segments,
                averaged_cycles,
            } = cyclic_segments(
                &on,
                &zero,
                [*first_on_days, *first_cycle_days, *on_days, *cycle_days],
                t.cycles,
                stop,
                end,
            );
        }
        Regimen::Doses {
            loading_days,
            interval_days,
            half_life_days,
        } => {
            segments = dose_segments(
                drug,
                t,
                (loading_days, *interval_days, *half_life_days),
                end,
                until,
                &zero,
            );
        }
    }
    if segments.is_empty() {
        segments.push((0.0, zero.clone()));
    }
    if let Some((on_m, off_m)) = t.holidays {
        segments = with_holidays(&segments, on_m, off_m, end, &zero);
    }
    Timeline {
        segments,
        averaged_cycles,
    }
}

/// The segments of a cyclic regimen (and, averaged, the cycles whose resistance follows the
/// real on/off pattern), given the first on-days, first cycle, on-days and cycle length.
fn cyclic_segments(
    on: &[f64],
    zero: &[f64],
    [first_on_days, first_cycle_days, on_days, cycle_days]: [f64; 4],
    mode: CycleMode,
    stop: Option<f64>,
    end: f64,
) -> Timeline {
    let scaled = |f: f64| on.iter().map(|e| e * f).collect::<Vec<f64>>();
    let mut segments: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut averaged_cycles: Vec<(f64, f64, f64)> = Vec::new();
    let first = first_cycle_days / DAYS_PER_MONTH;
    let cycle = cycle_days / DAYS_PER_MONTH;
    match mode {
        CycleMode::Averaged => {
            segments.push((0.0, scaled(first_on_days / first_cycle_days)));
            averaged_cycles.push((0.0, first_on_days, first_cycle_days));
            if first < end {
                segments.push((first, scaled(on_days / cycle_days)));
                averaged_cycles.push((first, on_days, cycle_days));
            }
            if let Some(s) = stop {
                averaged_cycles.retain(|(start, _, _)| *start < s);
                averaged_cycles.push((s, 0.0, 0.0));
            }
        }
        CycleMode::Resolved => {
            segments.push((0.0, on.to_vec()));
            segments.push((first_on_days / DAYS_PER_MONTH, zero.to_vec()));
            let mut c = first;
            while c < end {
                segments.push((c, on.to_vec()));
                segments.push((c + on_days / DAYS_PER_MONTH, zero.to_vec()));
                c += cycle;
            }
        }
    }
    if let Some(s) = stop {
        segments.retain(|(start, _)| *start < s);
        segments.push((s, zero.to_vec()));
    }
    Timeline {
        segments,
        averaged_cycles,
    }
}

/// The segments of separate doses: each dosing interval's mean effect (intervals at the
/// periodic steady state merge), then the washout after the last dose.
fn dose_segments(
    drug: &Drug,
    t: &TherapySpec,
    (loading_days, interval_days, half_life_days): (&[f64], Option<f64>, f64),
    end: f64,
    until: f64,
    zero: &[f64],
) -> Vec<(f64, Vec<f64>)> {
    let n = drug.effects.len();
    let mut segments: Vec<(f64, Vec<f64>)> = Vec::new();
    let k = std::f64::consts::LN_2 / half_life_days;
    let doses = dose_days(loading_days, interval_days, end);
    // Concentration right after each dose, in units of one dose's level.
    let mut level = 0.0;
    let mut prev = 0.0;
    let mut last_levels: Option<Vec<f64>> = None;
    let effects_at = |amp: f64, len_days: f64| -> Vec<f64> {
        (0..n)
            .map(|j| {
                mean_over(
                    |s| {
                        let c = drug.tissue_concentration(
                            t.exposure_scale(),
                            t.adherence,
                            amp * (-k * s).exp(),
                        );
                        drug.effects[j].at(c)
                    },
                    len_days,
                )
            })
            .collect()
    };
    for (i, &d) in doses.iter().enumerate() {
        level = level * (-k * (d - prev)).exp() + 1.0;
        prev = d;
        let next = doses.get(i + 1).copied();
        let len = next.unwrap_or(d + half_life_days) - d;
        let levels = effects_at(level, len);
        // Periodic steady state: intervals whose mean effects agree to 0.1% merge.
        let same = last_levels.as_ref().is_some_and(|l: &Vec<f64>| {
            l.iter()
                .zip(&levels)
                .all(|(a, b)| (a - b).abs() <= 1e-3 * a.abs().max(1e-12))
        });
        if !same || next.is_none() {
            segments.push((d / DAYS_PER_MONTH, levels.clone()));
        }
        last_levels = Some(levels);
    }
    // After the last dose the drug washes out: one segment per half-life for eight
    // half-lives (under 0.4% left), then nothing.
    if let Some(&last) = doses.last() {
        let mut amp = level;
        let mut s = last;
        segments.pop();
        segments.push((last / DAYS_PER_MONTH, effects_at(amp, half_life_days)));
        for _ in 0..8 {
            s += half_life_days;
            amp *= 0.5;
            if s / DAYS_PER_MONTH >= until {
                break;
            }
            segments.push((s / DAYS_PER_MONTH, effects_at(amp, half_life_days)));
        }
        if s / DAYS_PER_MONTH < until {
            segments.push((
                s / DAYS_PER_MONTH + half_life_days / DAYS_PER_MONTH,
                zero.to_vec(),
            ));
        }
    }
    // A dose regimen whose next dose is due at the stop is cut there.
    segments.dedup_by(|b, a| b.0 <= a.0);
    segments
}

/// Dose days after the start, before `end` (months): the loading doses, then one every
/// `interval_days` after the last of them.
fn dose_days(loading_days: &[f64], interval_days: Option<f64>, end: f64) -> Vec<f64> {
    let mut doses: Vec<f64> = loading_days
        .iter()
        .copied()
        .filter(|d| d / DAYS_PER_MONTH < end)
        .collect();
    if let (Some(iv), Some(&last)) = (interval_days, loading_days.last()) {
        let mut d = last + iv;
        while d / DAYS_PER_MONTH < end {
            doses.push(d);
            d += iv;
        }
    }
    doses
}

/// Drug holidays: the timeline's levels during `on` months, then nothing for `off` months,
/// repeated up to `end`.
fn with_holidays(
    segments: &[(f64, Vec<f64>)],
    on: f64,
    off: f64,
    end: f64,
    zero: &[f64],
) -> Vec<(f64, Vec<f64>)> {
    let period = on + off;
    let mut times: Vec<f64> = segments.iter().map(|(s, _)| *s).collect();
    let mut k = 0.0;
    while k * period < end {
        times.push(k * period);
        times.push(k * period + on);
        k += 1.0;
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    let tl = Timeline {
        segments: segments.to_vec(),
        averaged_cycles: Vec::new(),
    };
    let mut out: Vec<(f64, Vec<f64>)> = Vec::new();
    for t in times {
        let phase = t - (t / period).floor() * period;
        let level = if phase < on {
            tl.at(t).map_or_else(|| zero.to_vec(), <[f64]>::to_vec)
        } else {
            zero.to_vec()
        };
        if out.last().is_none_or(|(_, l)| *l != level) {
            out.push((t, level));
        }
    }
    out
}

/// An arm's therapies with their timelines, computed once per arm.
#[derive(Debug, Clone)]
pub struct ArmPlan {
    therapies: Vec<Planned>,
    interaction: f64,
    /// Interaction factors set for pairs of the arm's therapies on one slot.
    pairs: Vec<PairFactor>,
}

#[derive(Debug, Clone)]
struct Planned {
    spec: TherapySpec,
    drug: Drug,
    timeline: Timeline,
    trigger: Option<Trigger>,
    /// Key of the drug's resistance draws (stable across arms and runs).
    key: u64,
    /// Per effect: the arm's number of the shared site it acts through, if it names one.
    sites: Vec<Option<u32>>,
}

/// When the clinical events that start triggered therapies happened for a patient, months
/// since initiation (`None`: not yet).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TriggerTimes {
    /// NIV indicated.
    pub niv: Option<f64>,
    /// Gastrostomy indicated.
    pub gastrostomy: Option<f64>,
}

impl TriggerTimes {
    /// The time of one trigger.
    pub fn get(&self, t: Trigger) -> Option<f64> {
        match t {
            Trigger::Niv => self.niv,
            Trigger::Gastrostomy => self.gastrostomy,
        }
    }

    /// Records one trigger.
    pub fn set(&mut self, t: Trigger, at: f64) {
        match t {
            Trigger::Niv => self.niv = Some(at),
            Trigger::Gastrostomy => self.gastrostomy = Some(at),
        }
    }
}

impl Planned {
    /// Whether each of the drug's effects applies to a patient of this genotype.
    fn applies(&self, genotype: Genotype) -> Vec<bool> {
        self.drug
            .effects
            .iter()
            .map(|e| e.target.applies_to(genotype))
            .collect()
    }

    /// Whether the therapy changes anything in a patient of this genotype.
    fn acts_in(&self, genotype: Genotype) -> bool {
        let applies = self.applies(genotype);
        self.timeline
            .segments
            .iter()
            .any(|(_, levels)| levels.iter().zip(&applies).any(|(&l, &a)| a && l > 0.0))
    }
}

/// Scale of the compensation target for a cycle-averaged effect: the ratio of the mean
/// compensation of the real on/off pattern at its periodic steady state to the compensation the
/// averaged effect alone would build. During `on` dosing days of each `len`-day cycle the
/// compensation approaches `C` with time constant `τ_b` (build-up), on rest days it decays with
/// `τ_w` (washout). Only the compensation during dosing days erodes the effect, unless rebound is
/// on (then the whole cycle counts). With `c_0` the level at the start of dosing,
/// `c_0 = C (1 − E_b) E_w / (1 − E_b E_w)` with `E_b = exp(−a/τ_b)`, `E_w = exp(−b/τ_w)` (`a`, `b`
/// the dosing and rest time), and the factor is `∫ c dt / (C a)`; it is 1 for continuous dosing
/// and below 1 when washout during rest days outpaces build-up.
pub fn cycle_compensation_factor(
    on: f64,
    len: f64,
    build: f64,
    washout: f64,
    rebound: bool,
) -> f64 {
    let a = on / DAYS_PER_MONTH;
    let b = (len - on).max(0.0) / DAYS_PER_MONTH;
    if a <= 0.0 || b <= 0.0 {
        return 1.0;
    }
    let eb = (-a / build).exp();
    let ew = (-b / washout).exp();
    // In units of C.
    let c0 = (1.0 - eb) * ew / (1.0 - eb * ew);
    let c1 = 1.0 + (c0 - 1.0) * eb;
    let on_integral = a + (c0 - 1.0) * build * (1.0 - eb);
    let off_integral = c1 * washout * (1.0 - ew);
    let integral = if rebound {
        on_integral + off_integral
    } else {
        on_integral
    };
    integral / a
}

/// FNV-1a hash of a name: a stable key for per-drug random streams.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Mixed into the seed of resistance draws so they never coincide with other streams.
const RESISTANCE_SEED_MIX: u64 = 0x7265_7369_7374_616e;

impl ArmPlan {
    /// The plan of an arm's therapies, combined with the arm's `interaction` factor, with
    /// exposure resolved up to `horizon` months after enrollment.
    pub fn new(therapies: &[TherapySpec], interaction: f64, horizon: f64) -> ArmPlan {
        let mut therapies: Vec<Planned> = therapies
            .iter()
            .map(|t| Planned {
                timeline: timeline(&t.definition, t, horizon - t.start_months + 1.0),
                trigger: t.trigger,
                key: fnv(&t.drug),
                sites: Vec::new(),
                drug: t.definition.clone(),
                spec: t.clone(),
            })
            .collect();
        // Number the sites named in the arm, in order of first mention.
        let mut names: Vec<String> = Vec::new();
        for p in &mut therapies {
            p.sites = p
                .drug
                .effects
                .iter()
                .map(|e| {
                    let site = e.site.as_ref()?;
                    let k = names.iter().position(|n| n == site).unwrap_or_else(|| {
                        names.push(site.clone());
                        names.len() - 1
                    });
                    u32::try_from(k).ok()
                })
                .collect();
        }
        ArmPlan {
            therapies,
            interaction,
            pairs: Vec::new(),
        }
    }

    /// The same plan with interaction factors for pairs of its therapies: each is `(first,
    /// second, target, factor)`, the therapies by position in the arm (as validated by the
    /// scenario reader: distinct, both acting on the target, at most [`MAX_PAIRS`] pairs, a
    /// therapy and target in one pair at most).
    pub fn with_pairs(mut self, pairs: &[(usize, usize, Target, f64)]) -> ArmPlan {
        self.pairs = pairs
            .iter()
            .filter_map(|&(a, b, target, factor)| {
                Some(PairFactor {
                    slot: target.slot(),
                    therapies: (u16::try_from(a).ok()?, u16::try_from(b).ok()?),
                    factor,
                })
            })
            .take(MAX_PAIRS)
            .collect();
        self
    }

    /// Whether the arm has no therapy.
    pub fn is_empty(&self) -> bool {
        self.therapies.is_empty()
    }

    /// The triggers of the arm's therapies.
    pub fn triggers(&self) -> Vec<Trigger> {
        let mut t: Vec<Trigger> = self.therapies.iter().filter_map(|p| p.trigger).collect();
        t.dedup();
        t
    }

    /// The drugs that act in a patient of this genotype (at least one effect applies, at a
    /// dose and adherence above zero), in arm order.
    pub fn acting(&self, genotype: Genotype) -> Vec<&str> {
        self.therapies
            .iter()
            .filter(|p| p.acts_in(genotype))
            .map(|p| p.spec.drug.as_str())
            .collect()
    }

    /// Months after enrollment from which the arm's course may differ from the untreated one,
    /// when that is known before integrating: the earliest start of a therapy that acts in this
    /// genotype. `None` when the untreated course may be needed beyond enrollment: nothing acts,
    /// or a therapy waits for a clinical event of the course.
    pub fn first_start(&self, genotype: Genotype) -> Option<f64> {
        let acting: Vec<&Planned> = self
            .therapies
            .iter()
            .filter(|p| p.acts_in(genotype))
            .collect();
        if acting.is_empty() || acting.iter().any(|p| p.trigger.is_some()) {
            return None;
        }
        acting
            .iter()
            .map(|p| p.spec.start_months)
            .min_by(f64::total_cmp)
    }

    /// Start of a therapy for a patient, months since initiation (`None`: never starts).
    fn start(&self, p: &Planned, enrollment: f64, triggers: &TriggerTimes) -> Option<f64> {
        let planned = enrollment + p.spec.start_months;
        match p.trigger {
            None => Some(planned),
            Some(tr) => triggers.get(tr).map(|t| t.max(planned)),
        }
    }

    /// The therapies that start and act in a patient of `genotype`, with the patient's own
    /// resistance ceilings (drawn from the patient's stream) and no compensation yet.
    fn active(
        &self,
        genotype: Genotype,
        enrollment: f64,
        triggers: &TriggerTimes,
        seed: u64,
        index: u64,
    ) -> Vec<Active<'_>> {
        let mut active: Vec<Active<'_>> = Vec::new();
        for (position, p) in (0u16..).zip(&self.therapies) {
            let applies = p.applies(genotype);
            if !applies.iter().any(|&a| a) {
                continue;
            }
            let Some(start) = self.start(p, enrollment, triggers) else {
                continue;
            };
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ RESISTANCE_SEED_MIX ^ p.key);
            rng.set_stream(index);
            let ceilings = p
                .drug
                .resistance
                .iter()
                .map(|r| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let s2 = (1.0 + r.ceiling_cv * r.ceiling_cv).ln();
                    (r.ceiling * (s2.sqrt() * z - s2 / 2.0).exp()).min(1.0)
                })
                .collect();
            let comp = vec![0.0; p.drug.resistance.len()];
            active.push(Active {
                p,
                index: position,
                start,
                applies,
                ceilings,
                comp,
            });
        }
        active
    }

    /// A patient's schedule. `seed` and `index` key the patient's resistance draws;
    /// `None` when no therapy acts in the patient (the untreated course applies unchanged).
    pub fn schedule(
        &self,
        genotype: Genotype,
        enrollment: f64,
        triggers: &TriggerTimes,
        seed: u64,
        index: u64,
    ) -> Result<Option<Schedule>, SolveError> {
        let mut active = self.active(genotype, enrollment, triggers, seed, index);
        if active.is_empty() {
            return Ok(None);
        }
        // Breakpoints: every segment start of every active therapy (a stop is one of them).
        let mut breaks: Vec<f64> = active
            .iter()
            .flat_map(|a| a.p.timeline.segments.iter().map(move |(s, _)| a.start + s))
            .collect();
        breaks.sort_by(f64::total_cmp);
        breaks.dedup_by(|b, a| (*b - *a).abs() <= 1e-12);
        let mut phases = Vec::with_capacity(breaks.len());
        for (i, &t0) in breaks.iter().enumerate() {
            let t1 = breaks.get(i + 1).copied();
            let mut levels: Vec<Vec<f64>> = active.iter().map(|a| a.levels(t0)).collect();
            compete_for_sites(&active, &mut levels);
            let mut terms = Vec::new();
            for (a, level) in active.iter_mut().zip(&levels) {
                a.phase_terms(t0, t1, level, &mut terms);
            }
            let law = ModulationLaw::new(terms, self.interaction);
            phases.push((
                t0,
                if self.pairs.is_empty() {
                    law
                } else {
                    law.with_pairs(&self.pairs)
                },
            ));
        }
        // A plan that changes nothing (zero dose, zero adherence) leaves the course untouched.
        if phases.iter().all(|(_, law)| law.terms().is_empty()) {
            return Ok(None);
        }
        Schedule::from_laws(phases).map(Some)
    }
}

/// A therapy that starts and acts in one patient.
struct Active<'a> {
    p: &'a Planned,
    /// Position of the therapy in the arm.
    index: u16,
    /// When it starts, months since disease initiation.
    start: f64,
    /// Per effect: whether its target exists in the patient.
    applies: Vec<bool>,
    /// Per resistance term: the patient's ceiling and the current compensation.
    ceilings: Vec<f64>,
    comp: Vec<f64>,
}

/// Effects of different therapies on one target through one shared site compete for it
/// ([`crate::therapy::drug::compete`]): each level becomes that therapy's share of the site.
/// Effects alone on their site keep their level exactly.
fn compete_for_sites(active: &[Active<'_>], levels: &mut [Vec<f64>]) {
    // Every acting effect that names a site: (site, target, therapy, effect).
    let mut named: Vec<(u32, Target, usize, usize)> = Vec::new();
    for (k, a) in active.iter().enumerate() {
        for (m, site) in a.p.sites.iter().enumerate() {
            if let Some(site) = *site
                && levels[k][m] > 0.0
            {
                named.push((site, a.p.drug.effects[m].target, k, m));
            }
        }
    }
    let mut done = vec![false; named.len()];
    for i in 0..named.len() {
        if done[i] {
            continue;
        }
        let (site, target, ..) = named[i];
        let group: Vec<usize> = (i..named.len())
            .filter(|&n| named[n].0 == site && named[n].1 == target)
            .collect();
        for &n in &group {
            done[n] = true;
        }
        if group.len() < 2 {
            continue;
        }
        let shares = super::drug::compete(
            &group
                .iter()
                .map(|&n| {
                    let (_, _, k, m) = named[n];
                    (&active[k].p.drug.effects[m], levels[k][m])
                })
                .collect::<Vec<_>>(),
        );
        for (&n, share) in group.iter().zip(shares) {
            let (_, _, k, m) = named[n];
            levels[k][m] = share;
        }
    }
}

impl Active<'_> {
    /// The level of each of the therapy's effects at `t0` (0 where it does not act).
    fn levels(&self, t0: f64) -> Vec<f64> {
        // Compared in absolute time, as the breakpoints were made: `t0 − start` may
        // round below a segment's start.
        let levels = self.p.timeline.at_absolute(self.start, t0);
        (0..self.p.drug.effects.len())
            .map(|j| match levels {
                Some(l) if self.applies[j] => l[j],
                _ => 0.0,
            })
            .collect()
    }

    /// The modulation terms of this therapy in the phase `[t0, t1)`, given its effects'
    /// `level` there; carries its resistance compensation to `t1`.
    fn phase_terms(&mut self, t0: f64, t1: Option<f64>, level: &[f64], terms: &mut Vec<Term>) {
        let erosion = self.resistance_terms(t0, t1, level, terms);
        for (j, eff) in self.p.drug.effects.iter().enumerate() {
            let e = level[j];
            if e == 0.0 && erosion[j].is_none() {
                continue;
            }
            terms.push(Term {
                slot: eff.target.slot(),
                kind: TermKind::Effect {
                    direction: eff.target.direction(),
                    effect: e,
                    compensation: erosion[j].map(|(c, _)| c),
                    rebound: erosion[j].is_some_and(|(_, r)| r),
                    site: self.p.sites[j],
                    therapy: self.index,
                },
            });
        }
    }

    /// Efflux induction at `comp` (the fraction of the CNS ratio lost): every effect loses what
    /// its Emax curve loses when the concentration falls by the fraction lost at full build-up
    /// (`ceiling`), interpolated linearly in the fraction lost in between.
    fn efflux_erosion(
        &self,
        ceiling: f64,
        comp: Compensation,
        level: &[f64],
        erosion: &mut [Option<(Compensation, bool)>],
    ) {
        if ceiling <= 0.0 {
            return;
        }
        for (j, eff) in self.p.drug.effects.iter().enumerate() {
            if level[j] <= 0.0 {
                continue;
            }
            let scale = level[j] * eff.lost_to_concentration_fall(level[j], ceiling) / ceiling;
            erosion[j] = Some((
                Compensation {
                    target: comp.target * scale,
                    initial: comp.initial * scale,
                    ..comp
                },
                false,
            ));
        }
    }

    /// The resistance driven by the effects (`level`, per effect) in the phase `[t0, t1)`:
    /// sensitization terms are pushed to `terms`; the compensation that erodes an effect is
    /// returned per effect (with whether it rebounds). Carries each compensation to `t1`.
    fn resistance_terms(
        &mut self,
        t0: f64,
        t1: Option<f64>,
        level: &[f64],
        terms: &mut Vec<Term>,
    ) -> Vec<Option<(Compensation, bool)>> {
        let mut erosion: Vec<Option<(Compensation, bool)>> = vec![None; self.p.drug.effects.len()];
        for (k, r) in self.p.drug.resistance.iter().enumerate() {
            let Some(j) = self
                .p
                .drug
                .effects
                .iter()
                .position(|e| e.target == r.target)
            else {
                continue;
            };
            let e = level[j];
            // A cycle-averaged effect keeps the mean compensation of the real on/off
            // pattern at its periodic steady state.
            let kappa =
                self.p
                    .timeline
                    .cycle_at_absolute(self.start, t0)
                    .map_or(1.0, |(on, len)| {
                        cycle_compensation_factor(
                            on,
                            len,
                            r.build_up_months,
                            r.washout_months,
                            r.rebound,
                        )
                    });
            // Efflux induction builds up while the drug is present and lowers its
            // concentration: its level is the fraction of the CNS ratio lost.
            let drive = if r.mechanism.lowers_exposure() {
                if level.iter().any(|&l| l > 0.0) {
                    1.0
                } else {
                    0.0
                }
            } else {
                e
            };
            let target = self.ceilings[k] * drive * kappa;
            let c0 = self.comp[k];
            let tau = if target > c0 {
                r.build_up_months
            } else {
                r.washout_months
            };
            let comp = Compensation {
                target,
                initial: c0,
                t0,
                tau,
            };
            if let Some(t1) = t1 {
                self.comp[k] = comp.at(t1);
            }
            if c0 == 0.0 && target == 0.0 {
                continue;
            }
            if r.mechanism.lowers_exposure() {
                self.efflux_erosion(self.ceilings[k], comp, level, &mut erosion);
            } else if r.mechanism.sensitizes() {
                terms.push(Term {
                    slot: Slot::ExcitotoxicSensitivity,
                    kind: TermKind::Sensitization {
                        compensation: comp,
                        rebound: r.rebound,
                    },
                });
            } else {
                erosion[j] = Some((comp, r.rebound));
            }
        }
        erosion
    }
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "levels are copied, not computed, between segments"
)]
mod tests {
    use super::*;
    use crate::therapy::library;

    fn spec(drug: &str) -> TherapySpec {
        TherapySpec::new(library::find(drug).unwrap().clone())
    }

    #[test]
    fn periodic_steady_state_is_the_settled_interval_mean_of_the_timeline() {
        let t = spec("tofersen");
        let drug = &t.definition;
        let steady = periodic_steady_state_effects(drug, &t).unwrap();
        // THERAPIES.md: 0.356 at the periodic steady state (36% target engagement).
        assert!((steady[0] - 0.356).abs() < 5e-4, "{steady:?}");
        // The timeline merges intervals that agree to 0.1%, so once settled it carries the
        // same mean to within that.
        let settled = timeline(drug, &t, 36.0).at(24.0).unwrap()[0];
        assert!(
            (settled - steady[0]).abs() <= 2e-3 * steady[0],
            "{settled} {steady:?}"
        );
        // Half the dose, lower mean; not a dose regimen, no steady state to report.
        let mut half = t.clone();
        half.dose = 0.5;
        assert!(periodic_steady_state_effects(drug, &half).unwrap()[0] < steady[0]);
        assert!(
            periodic_steady_state_effects(&spec("riluzole").definition, &spec("riluzole"))
                .is_none()
        );
        assert!(
            periodic_steady_state_effects(&spec("msc-ntf").definition, &spec("msc-ntf")).is_none()
        );
    }

    #[test]
    fn averaged_cycles_scale_the_on_effect_by_the_dosing_fraction() {
        let t = spec("edaravone-iv");
        let tl = timeline(&t.definition, &t, 120.0);
        let on = t.definition.effects_at(1.0, 1.0, 1.0)[0];
        assert_eq!(tl.segments.len(), 2);
        assert!((tl.segments[0].1[0] - on * 14.0 / 28.0).abs() < 1e-15);
        assert!((tl.segments[1].1[0] - on * 10.0 / 28.0).abs() < 1e-15);
    }

    #[test]
    fn cycle_compensation_factor_matches_a_simulated_periodic_steady_state() {
        for &(on, len, build, washout, rebound) in &[
            (14.0_f64, 28.0_f64, 4.0_f64, 2.0_f64, false),
            (10.0, 28.0, 4.0, 2.0, true),
            (5.0, 7.0, 1.0, 6.0, false),
        ] {
            // Euler steps of dc/dt = (target − c)/τ over many cycles, then one cycle measured.
            let dt = 1e-4;
            let (a, cycle) = (on / DAYS_PER_MONTH, len / DAYS_PER_MONTH);
            let mut c: f64 = 0.0;
            let (mut t, mut integral) = (0.0, 0.0);
            let cycles = 60.0;
            while t < cycles * cycle {
                let phase = t % cycle;
                let dosing = phase < a;
                let target: f64 = if dosing { 1.0 } else { 0.0 };
                let tau = if target > c { build } else { washout };
                if t >= (cycles - 1.0) * cycle && (dosing || rebound) {
                    integral += c * dt;
                }
                c += (target - c) / tau * dt;
                t += dt;
            }
            let want = integral / a;
            let got = cycle_compensation_factor(on, len, build, washout, rebound);
            assert!((got - want).abs() < 2e-3, "{on}/{len}: {got} vs {want}");
        }
        assert_eq!(cycle_compensation_factor(28.0, 28.0, 4.0, 2.0, false), 1.0);
    }

    #[test]
    fn resolved_cycles_switch_on_and_off() {
        let mut t = spec("edaravone-iv");
        t.cycles = CycleMode::Resolved;
        let tl = timeline(&t.definition, &t, 12.0);
        let on = t.definition.effects_at(1.0, 1.0, 1.0)[0];
        assert_eq!(tl.at(0.1).unwrap()[0], on);
        assert_eq!(tl.at(15.0 / DAYS_PER_MONTH).unwrap()[0], 0.0);
        assert_eq!(tl.at(29.0 / DAYS_PER_MONTH).unwrap()[0], on);
        assert_eq!(tl.at(39.0 / DAYS_PER_MONTH).unwrap()[0], 0.0);
        assert!(tl.segments.len() > 20);
    }

    #[test]
    fn intrathecal_doses_reach_a_periodic_steady_state_and_wash_out() {
        let mut t = spec("tofersen");
        let tl = timeline(&t.definition, &t, 60.0);
        // Loading builds up, then maintenance intervals merge into one segment.
        assert!(tl.segments.len() < 16, "{:?}", tl.segments);
        let early = tl.at(0.1).unwrap()[0];
        let late = tl.at(50.0).unwrap()[0];
        assert!(late > early && late > 0.0);
        t.stop_months = Some(12.0);
        let stopped = timeline(&t.definition, &t, 60.0);
        let after = |m: f64| stopped.at(m).unwrap()[0];
        assert!(after(13.0) < after(11.0));
        assert!(after(15.0) < after(13.0));
        assert_eq!(after(59.0), 0.0);
    }
}
