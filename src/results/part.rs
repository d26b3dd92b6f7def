//! `part.json`: what one shard of a sharded run records for `alssim merge`.
//!
//! The record is written as compact JSON with the FNV-1a hash of that text added as the last
//! key ([`Part::seal`]); [`Part::read`] refuses a record whose text no longer matches its hash.

use super::manifest::{Failure, fnv1a};
use super::table::ReadError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The key of `part.json` holding the hash of the rest of the record.
pub const PART_HASH: &str = "part_fnv1a64";

/// Which slice of the patients a part ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// One past the last patient index.
    pub end_index: u64,
    /// First patient index.
    pub first_index: u64,
    /// Shard number, from 1.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

/// The record of one file a part contributes: data rows, bytes and FNV-1a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Size in bytes.
    pub bytes: u64,
    /// FNV-1a hash of the content, 16 hexadecimal digits.
    pub fnv1a64: String,
    /// Data rows.
    pub rows: u64,
}

/// The record of a part folder (`part.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The exact summaries of the part ([`crate::cohort::CohortSummary::to_json`]).
    pub accumulators: serde_json::Value,
    /// The failed patients of the part.
    pub failures: Vec<Failure>,
    /// The files the part contributes, by name.
    pub files: BTreeMap<String, FileRecord>,
    /// The slice of patients.
    pub part: Shard,
    /// The resolved scenario (TOML).
    pub resolved_scenario: String,
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given.
    pub scenario_file: String,
    /// FNV-1a hash of the resolved scenario text: parts of one run share it.
    pub scenario_hash_fnv1a64: String,
    /// Worker threads.
    pub threads: usize,
    /// Whether the part wrote `trajectories.parquet`.
    pub trajectories: bool,
    /// Wall time, seconds.
    pub wall_seconds: f64,
}

impl Part {
    /// The text of `part.json`: the compact JSON of the record, with the FNV-1a hash of that
    /// text added as the last key. The hash is of the text as written (parsing and writing
    /// numbers again need not give the same digits).
    pub fn seal(&self) -> String {
        seal_text(&serde_json::to_string(self).unwrap_or_default())
    }

    /// Reads `part.json` at `path`, checking its hash.
    pub fn read(path: &Path) -> Result<Part, ReadError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ReadError::file(
                path,
                format!("{e} (is it a part folder written by `alssim run --shard`?)"),
            )
        })?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| ReadError::file(path, format!("damaged: {e}")))?;
        if !(json["part"]["k"].is_u64() && json["part"]["n"].is_u64()) {
            return Err(ReadError::file(path, "no shard number"));
        }
        match unseal(&text) {
            None => {
                return Err(ReadError::file(
                    path,
                    "no checksum (written by an older alssim?); run the shard again",
                ));
            }
            Some(false) => {
                return Err(ReadError::file(
                    path,
                    format!(
                        "damaged or edited (its content does not match its checksum {PART_HASH}); \
                         run the shard again"
                    ),
                ));
            }
            Some(true) => {}
        }
        serde_json::from_value(json).map_err(|e| ReadError::file(path, format!("damaged: {e}")))
    }
}

/// Adds the hash of `body` (compact JSON of an object) as its last key.
fn seal_text(body: &str) -> String {
    let open = body.strip_suffix('}').unwrap_or(body);
    format!(
        "{open},\"{PART_HASH}\":\"{:016x}\"}}\n",
        fnv1a(body.as_bytes())
    )
}

/// Whether the text of a `part.json` matches its hash (`None`: it has none).
fn unseal(text: &str) -> Option<bool> {
    let t = text.trim_end();
    let marker = format!(",\"{PART_HASH}\":\"");
    let at = t.rfind(&marker)?;
    let hash = t[at + marker.len()..].strip_suffix("\"}")?;
    let body = format!("{}}}", &t[..at]);
    Some(format!("{:016x}", fnv1a(body.as_bytes())) == hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_part_record_reads_back_and_any_edit_is_seen() {
        // Numbers whose digits need not survive a parse and a second write.
        let part = serde_json::json!({
            "wall_seconds": 0.1 + 0.2,
            "x": [1e-300, 2.5e17, 123_456_789.123_456_79],
            "accumulators": {"enrolled": 325},
        });
        let text = seal_text(&part.to_string());
        assert!(text.ends_with("\"}\n"));
        assert_eq!(unseal(&text), Some(true));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json[PART_HASH].as_str().unwrap().len(), 16);
        assert_eq!(unseal(&text.replace("325", "326")), Some(false));
        assert_eq!(unseal(&part.to_string()), None);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        // The published test vector of FNV-1a 64.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
