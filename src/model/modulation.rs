//! Mechanism modulation: the seam through which therapies act on the model.
//!
//! Each field scales one mechanism target of the right-hand side. The neutral value leaves the
//! untreated model unchanged exactly (multiplication by 1.0 is exact in floating point). The
//! therapy layer computes these factors from exposure, an Emax effect and resistance, and holds
//! them constant between integration breakpoints.

/// Multipliers on the model's mechanism targets. All are 1.0 when untreated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Modulation {
    /// Scales presynaptic glutamate release (riluzole lowers it).
    pub glutamate_release: f64,
    /// Scales astrocytic EAAT2 glutamate uptake capacity (ceftriaxone raises it).
    pub glutamate_uptake: f64,
    /// Scales clearance of reactive oxygen species (edaravone raises it).
    pub ros_clearance: f64,
    /// Scales mitochondrial ROS production (mitochondrial protection and ER-stress relief lower it).
    pub ros_production: f64,
    /// Scales microglial activation (masitinib, ibudilast lower it).
    pub microglial_activation: f64,
    /// Scales astrocyte conversion to the reactive state.
    pub astrocyte_reactivity: f64,
    /// Scales proteostatic aggregate clearance (integrated-stress-response modulators raise it).
    pub aggregate_clearance: f64,
    /// Scales synthesis of the aggregating gene product (antisense oligonucleotides lower it).
    pub synthesis: f64,
    /// Scales the whole neuron death hazard (neurotrophic support lowers it).
    pub death_hazard: f64,
    /// Scales neuronal sensitivity to excess glutamate (receptor upregulation raises it).
    pub excitotoxic_sensitivity: f64,
}

impl Modulation {
    /// No therapy: every factor is exactly 1.
    pub const NEUTRAL: Modulation = Modulation {
        glutamate_release: 1.0,
        glutamate_uptake: 1.0,
        ros_clearance: 1.0,
        ros_production: 1.0,
        microglial_activation: 1.0,
        astrocyte_reactivity: 1.0,
        aggregate_clearance: 1.0,
        synthesis: 1.0,
        death_hazard: 1.0,
        excitotoxic_sensitivity: 1.0,
    };
}

impl Default for Modulation {
    fn default() -> Self {
        Modulation::NEUTRAL
    }
}
