//! Reading and writing the CSV tables of a result folder through their records.
//!
//! Every table has one record type (a serde struct whose field names are the column names);
//! [`to_csv`] writes a table, [`read_csv`] reads one back. Numbers are written by the
//! formatting helpers of [`num`] so the same results always give the same bytes; a cell that
//! does not read back as its column's type is an error naming the file, the row and the
//! column, and an empty cell is `None`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Why a file of a result folder could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file is missing, unreadable or not in its format.
    #[error("cannot read {}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// One cell of a table does not read as its column's type.
    #[error("cannot read {}: row {row}, column `{column}`: {message}", path.display())]
    Cell {
        /// The file.
        path: PathBuf,
        /// Data row, counted from 1 (the header is not counted).
        row: u64,
        /// Column name.
        column: String,
        /// What went wrong.
        message: String,
    },
}

impl ReadError {
    /// A whole-file error.
    pub fn file(path: &Path, message: impl ToString) -> ReadError {
        ReadError::File {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// Number formats of the tables.
pub mod num {
    use serde::Serializer;

    /// Rust's shortest round-trip form; empty when not finite.
    pub fn shortest(x: f64) -> String {
        if x.is_finite() {
            format!("{x}")
        } else {
            String::new()
        }
    }

    /// Six decimals; empty when not finite.
    pub fn fixed6(x: f64) -> String {
        if x.is_finite() {
            format!("{x:.6}")
        } else {
            String::new()
        }
    }

    /// `Some(x)` when `x` is finite.
    pub fn finite(x: f64) -> Option<f64> {
        x.is_finite().then_some(x)
    }

    /// Serialises an `f64` in [`shortest`] form.
    pub fn ser<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&shortest(*x))
    }

    /// Serialises an `Option<f64>` in [`shortest`] form, `None` as an empty cell.
    pub fn ser_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.map(shortest).unwrap_or_default())
    }

    /// Serialises an `Option<f64>` with six decimals, `None` as an empty cell.
    pub fn ser_opt6<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.map(fixed6).unwrap_or_default())
    }
}

/// A flag written as `1` or `0`.
pub mod bit {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `1` or `0`.
    pub fn serialize<S: Serializer>(x: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(*x))
    }

    /// Reads `1` or `0`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match u8::deserialize(d)? {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(serde::de::Error::custom(format!("{n} is neither 0 nor 1"))),
        }
    }
}

/// A list of names written joined by `+` (empty for none).
pub mod plus_list {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `a+b`.
    pub fn serialize<S: Serializer>(x: &[String], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.join("+"))
    }

    /// Reads `a+b`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let s = String::deserialize(d)?;
        Ok(if s.is_empty() {
            Vec::new()
        } else {
            s.split('+').map(str::to_string).collect()
        })
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

/// The column names of a record type, in order: the header of its table.
pub fn columns<T: Serialize + Default>() -> Vec<String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // Serialising a record into memory cannot fail: every field is a plain value.
    let _ = w.serialize(T::default());
    let bytes = w.into_inner().unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .next()
        .and_then(Result::ok)
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default()
}

/// One record as a CSV line (without the line end) of its table.
pub fn line<T: Serialize>(row: &T) -> String {
    let mut w = writer();
    let _ = w.serialize(row);
    let bytes = w.into_inner().unwrap_or_default();
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

/// The rows of a table as CSV text, without the header.
pub fn rows_csv<T: Serialize>(rows: &[T]) -> String {
    let mut w = writer();
    for r in rows {
        let _ = w.serialize(r);
    }
    String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned()
}

/// The header line of a table of records `T`, with `extra` columns after the record's.
pub fn header_csv<T: Serialize + Default>(extra: &[String]) -> String {
    let mut names = columns::<T>();
    names.extend(extra.iter().cloned());
    names.join(",") + "\n"
}

/// A whole table: the header, then one line per record.
pub fn to_csv<T: Serialize + Default>(rows: &[T]) -> String {
    header_csv::<T>(&[]) + &rows_csv(rows)
}

/// A table read raw: its header and rows.
pub struct RawTable {
    /// The file.
    pub path: PathBuf,
    /// Column names.
    pub header: csv::StringRecord,
    /// Data rows.
    pub rows: Vec<csv::StringRecord>,
}

impl RawTable {
    /// Reads the file at `path`.
    pub fn read(path: &Path) -> Result<RawTable, ReadError> {
        let file = std::fs::File::open(path).map_err(|e| ReadError::file(path, e))?;
        RawTable::from_reader(path, file)
    }

    /// Reads a table held in memory; `path` names it in messages.
    pub fn parse(path: &Path, text: &str) -> Result<RawTable, ReadError> {
        RawTable::from_reader(path, text.as_bytes())
    }

    fn from_reader(path: &Path, source: impl std::io::Read) -> Result<RawTable, ReadError> {
        let mut r = csv::Reader::from_reader(source);
        let header = r.headers().map_err(|e| ReadError::file(path, e))?.clone();
        let rows = r
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ReadError::file(path, e))?;
        Ok(RawTable {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The rows as records of type `T`, matched to the columns by name (other columns are
    /// ignored).
    pub fn records<T: DeserializeOwned + Serialize + Default>(&self) -> Result<Vec<T>, ReadError> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.deserialize(Some(&self.header))
                    .map_err(|e| self.cell_error::<T>(i, &e))
            })
            .collect()
    }

    /// The error of a row that does not read as a record: the cell when known.
    fn cell_error<T: DeserializeOwned + Serialize + Default>(
        &self,
        i: usize,
        e: &csv::Error,
    ) -> ReadError {
        let row = i as u64 + 1;
        let message = match e.kind() {
            csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
            _ => e.to_string(),
        };
        let field = match e.kind() {
            csv::ErrorKind::Deserialize { err, .. } => err.field().map(|f| f as usize),
            _ => None,
        };
        // A value rejected by a record's own check carries no column: find the cell whose
        // replacement by the default value makes the row read.
        if let Some(c) = field.or_else(|| self.culprit::<T>(i)) {
            return ReadError::Cell {
                path: self.path.clone(),
                row,
                column: self.header.get(c).unwrap_or("").to_string(),
                message: format!("`{}`: {message}", self.rows[i].get(c).unwrap_or("")),
            };
        }
        ReadError::File {
            path: self.path.clone(),
            message: format!("row {row}: {message}"),
        }
    }

    /// The one column of row `i` whose cell, replaced by the record's default, makes the row
    /// read as a `T`.
    fn culprit<T: DeserializeOwned + Serialize + Default>(&self, i: usize) -> Option<usize> {
        let names = columns::<T>();
        let defaults: Vec<String> = {
            let text = line(&T::default());
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            let rec = r.records().next()?.ok()?;
            rec.iter().map(str::to_string).collect()
        };
        let found: Vec<usize> = (0..self.header.len())
            .filter(|&c| {
                let Some(k) = names.iter().position(|n| n == &self.header[c]) else {
                    return false;
                };
                let cells: csv::StringRecord = self.rows[i]
                    .iter()
                    .enumerate()
                    .map(|(j, cell)| if j == c { defaults[k].as_str() } else { cell })
                    .collect();
                cells.deserialize::<T>(Some(&self.header)).is_ok()
            })
            .collect();
        match found.as_slice() {
            [c] => Some(*c),
            _ => None,
        }
    }

    /// The number in column `c` of data row `i` (0-based): `None` when empty.
    pub fn number(&self, i: usize, c: usize) -> Result<Option<f64>, ReadError> {
        let cell = self.rows[i].get(c).unwrap_or("");
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse().map(Some).map_err(|e| ReadError::Cell {
            path: self.path.clone(),
            row: i as u64 + 1,
            column: self.header.get(c).unwrap_or("").to_string(),
            message: format!("`{cell}`: {e}"),
        })
    }
}

/// Reads the table at `path` into records of type `T`.
pub fn read_csv<T: DeserializeOwned + Serialize + Default>(
    path: &Path,
) -> Result<Vec<T>, ReadError> {
    RawTable::read(path)?.records()
}

/// Reads a table held in memory into records (`path` names it in messages).
pub fn parse_csv<T: DeserializeOwned + Serialize + Default>(
    path: &Path,
    text: &str,
) -> Result<Vec<T>, ReadError> {
    RawTable::parse(path, text)?.records()
}

#[cfg(test)]
mod tests {
    use super::super::patients::read_patients;
    use super::super::summary::SummaryRow;
    use super::*;

    const SUMMARY: &str = "arm,month,variable,n_enrolled,n_at_risk,survival,mean,sd,median,q05,q25,q75,q95\n\
        placebo,0,alsfrs_r,10,10,1,40.5,3,41,35,38,43,46\n\
        placebo,3,neurons_bulbar,10,9,0.9,0.75,,,,,,\n";

    #[test]
    fn a_table_reads_back_as_written_and_empty_cells_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, SUMMARY).unwrap();
        let rows: Vec<SummaryRow> = read_csv(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].median, Some(41.0));
        assert_eq!(
            (rows[1].mean, rows[1].sd, rows[1].q95),
            (Some(0.75), None, None)
        );
        assert_eq!(to_csv(&rows), SUMMARY);
    }

    #[test]
    fn a_bad_cell_is_an_error_naming_the_file_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, SUMMARY.replace("0.9,0.75", "0.9,many")).unwrap();
        let e = read_csv::<SummaryRow>(&path).unwrap_err();
        match &e {
            ReadError::Cell {
                path: p,
                row,
                column,
                ..
            } => assert_eq!((p, *row, column.as_str()), (&path, 2, "mean")),
            other => panic!("{other:?}"),
        }
        let text = e.to_string();
        assert!(
            text.contains("summary.csv") && text.contains("row 2") && text.contains("`mean`"),
            "{text}"
        );
        // A missing column names the file and the column.
        std::fs::write(&path, SUMMARY.replace("n_at_risk", "at_risk")).unwrap();
        let text = read_csv::<SummaryRow>(&path).unwrap_err().to_string();
        assert!(
            text.contains("summary.csv") && text.contains("n_at_risk"),
            "{text}"
        );
    }

    #[test]
    fn a_bad_parameter_cell_of_patients_csv_names_its_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patients.csv");
        let mut header = columns::<super::super::PatientRow>();
        header.push("agg_growth_rate".into());
        let row = |censored: &str, param: &str| {
            format!(
                "3,untreated,60,male,bulbar,sporadic,10,10,40,80,50,20,10,12,,,,15,{censored},5,-1.2,,neurons,1.5,,{param}\n"
            )
        };
        std::fs::write(
            &path,
            header.join(",") + "\n" + &row("0", "0.25") + &row("1", ""),
        )
        .unwrap();
        let p = read_patients(&path).unwrap();
        assert_eq!(p.parameters, ["agg_growth_rate"]);
        assert_eq!(p.values, [vec![Some(0.25)], vec![None]]);
        assert!(p.rows[0].died() && !p.rows[1].died());
        assert_eq!(p.rows[0].third_region_months, None);
        assert_eq!(p.rows[0].alsfrs_r_slope, Some(-1.2));
        assert_eq!(p.rows[0].benefit_survival_months, Some(1.5));
        assert_eq!(p.rows[0].benefit_alsfrs_r_12, None);
        // A file written before the benefit columns existed still reads, without them.
        let old: Vec<String> = header
            .iter()
            .filter(|h| !h.starts_with("benefit_"))
            .cloned()
            .collect();
        std::fs::write(
            &path,
            old.join(",") + "\n" + &row("0", "0.25").replace(",1.5,,", ","),
        )
        .unwrap();
        let p = read_patients(&path).unwrap();
        assert_eq!(p.values, [vec![Some(0.25)]]);
        assert_eq!(p.rows[0].benefit_survival_months, None);
        std::fs::write(
            &path,
            header.join(",") + "\n" + &row("0", "0.25") + &row("1", "x"),
        )
        .unwrap();
        let text = read_patients(&path).unwrap_err().to_string();
        assert!(
            text.contains("patients.csv")
                && text.contains("row 2")
                && text.contains("`agg_growth_rate`"),
            "{text}"
        );
        std::fs::write(&path, header.join(",") + "\n" + &row("2", "0.25")).unwrap();
        let text = read_patients(&path).unwrap_err().to_string();
        assert!(
            text.contains("row 1") && text.contains("`censored`"),
            "{text}"
        );
    }
}
