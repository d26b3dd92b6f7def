//! `trajectories.parquet`: every rated visit of every enrolled patient and arm, as a long table
//! (zstd-compressed Parquet; DuckDB, pandas and R arrow read it directly).
//!
//! Rows are handed to the Parquet writer in batches of exactly [`BATCH_ROWS`] rows (the last
//! one shorter) and row groups hold [`ROW_GROUP_ROWS`] rows, whatever the chunking of the run.
//! Page and row-group boundaries therefore depend only on the sequence of rows, so a merged
//! sharded run writes the same bytes as the unsharded run.

use crate::cohort::{CohortSpec, Outcome};
use crate::model::alsfrs::{ITEMS, N_ITEMS};
use arrow_array::{
    Array, ArrayRef, Float64Array, RecordBatch, StringArray, UInt8Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

/// Rows per batch handed to the writer.
pub const BATCH_ROWS: usize = 8192;
/// Rows per Parquet row group (a multiple of [`BATCH_ROWS`]).
pub const ROW_GROUP_ROWS: usize = 8 * BATCH_ROWS;

/// Why the trajectory table could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrajectoryError {
    /// Parquet or Arrow failure.
    #[error("{path}: {message}")]
    Parquet {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

const SCORES: [&str; 5] = [
    "alsfrs_r",
    "bulbar",
    "fine_motor",
    "gross_motor",
    "respiratory",
];

/// The table's schema.
pub fn schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("index", DataType::UInt64, false),
        Field::new("arm", DataType::Utf8, false),
        Field::new("month", DataType::Float64, false),
    ];
    fields.extend(
        SCORES
            .iter()
            .map(|n| Field::new(*n, DataType::UInt8, false)),
    );
    fields.push(Field::new("fvc_pct", DataType::Float64, false));
    fields.push(Field::new("nfl_pg_ml", DataType::Float64, false));
    fields.extend(
        ITEMS
            .iter()
            .map(|i| Field::new(format!("item_{}", i.name), DataType::UInt8, false)),
    );
    Arc::new(Schema::new(fields))
}

/// Buffered rows, column by column.
#[derive(Default)]
struct Rows {
    index: Vec<u64>,
    arm: Vec<String>,
    month: Vec<f64>,
    scores: [Vec<u8>; 5],
    fvc: Vec<f64>,
    nfl: Vec<f64>,
    items: [Vec<u8>; N_ITEMS],
}

impl Rows {
    fn len(&self) -> usize {
        self.index.len()
    }

    /// Removes the first `n` rows as a record batch.
    fn take_batch(
        &mut self,
        n: usize,
        schema: &SchemaRef,
    ) -> Result<RecordBatch, arrow_schema::ArrowError> {
        fn front<T>(v: &mut Vec<T>, n: usize) -> Vec<T> {
            let rest = v.split_off(n);
            std::mem::replace(v, rest)
        }
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(front(&mut self.index, n))),
            Arc::new(StringArray::from(front(&mut self.arm, n))),
            Arc::new(Float64Array::from(front(&mut self.month, n))),
        ];
        for s in &mut self.scores {
            cols.push(Arc::new(UInt8Array::from(front(s, n))));
        }
        cols.push(Arc::new(Float64Array::from(front(&mut self.fvc, n))));
        cols.push(Arc::new(Float64Array::from(front(&mut self.nfl, n))));
        for i in &mut self.items {
            cols.push(Arc::new(UInt8Array::from(front(i, n))));
        }
        RecordBatch::try_new(schema.clone(), cols)
    }

    /// Appends the rows of a batch read back from a part file.
    fn extend_from(&mut self, b: &RecordBatch) -> Option<()> {
        fn col<T: 'static>(b: &RecordBatch, i: usize) -> Option<&T> {
            b.column(i).as_any().downcast_ref::<T>()
        }
        self.index.extend(col::<UInt64Array>(b, 0)?.values().iter());
        self.arm.extend(
            col::<StringArray>(b, 1)?
                .iter()
                .map(|s| s.unwrap_or_default().to_string()),
        );
        self.month
            .extend(col::<Float64Array>(b, 2)?.values().iter());
        for (k, s) in self.scores.iter_mut().enumerate() {
            s.extend(col::<UInt8Array>(b, 3 + k)?.values().iter());
        }
        self.fvc.extend(col::<Float64Array>(b, 8)?.values().iter());
        self.nfl.extend(col::<Float64Array>(b, 9)?.values().iter());
        for (k, s) in self.items.iter_mut().enumerate() {
            s.extend(col::<UInt8Array>(b, 10 + k)?.values().iter());
        }
        Some(())
    }
}

/// A trajectory table being written, to a file or (with [`TrajectoryWriter::in_memory`]) to a
/// buffer: the same rows give the same bytes either way.
pub struct TrajectoryWriter<W: std::io::Write + Send = std::fs::File> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    rows: Rows,
    path: String,
}

impl TrajectoryWriter {
    /// Creates the file.
    pub fn create(path: &Path) -> Result<TrajectoryWriter, TrajectoryError> {
        let file = std::fs::File::create(path).map_err(|e| TrajectoryError::Parquet {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        TrajectoryWriter::new(file, &path.display().to_string())
    }
}

impl TrajectoryWriter<Vec<u8>> {
    /// A table written to memory; [`TrajectoryWriter::finish`] returns its bytes, which are
    /// those [`TrajectoryWriter::create`] writes to a file for the same rows.
    pub fn in_memory() -> Result<TrajectoryWriter<Vec<u8>>, TrajectoryError> {
        TrajectoryWriter::new(Vec::new(), "trajectories.parquet (in memory)")
    }

    /// Appends every row of a part's trajectory table held in memory (`name` is used in
    /// messages).
    pub fn append_bytes(&mut self, bytes: Vec<u8>, name: &str) -> Result<(), TrajectoryError> {
        self.append_from(open_reader(bytes::Bytes::from(bytes), name)?, name)
    }
}

impl<W: std::io::Write + Send> TrajectoryWriter<W> {
    /// Starts a table on `sink`; `name` is used in messages.
    pub fn new(sink: W, name: &str) -> Result<TrajectoryWriter<W>, TrajectoryError> {
        let p = name.to_string();
        let err = |message: String| TrajectoryError::Parquet {
            path: p.clone(),
            message,
        };
        let level = ZstdLevel::try_new(3).map_err(|e| err(e.to_string()))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_max_row_group_bytes(None)
            .set_write_batch_size(1024)
            .set_created_by(format!("alssim {}", env!("CARGO_PKG_VERSION")))
            .build();
        let schema = schema();
        let writer = ArrowWriter::try_new(sink, schema.clone(), Some(props))
            .map_err(|e| err(e.to_string()))?;
        Ok(TrajectoryWriter {
            writer,
            schema,
            rows: Rows::default(),
            path: p,
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> TrajectoryError {
        TrajectoryError::Parquet {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn drain(&mut self, all: bool) -> Result<(), TrajectoryError> {
        while self.rows.len() >= BATCH_ROWS || (all && self.rows.len() > 0) {
            let n = self.rows.len().min(BATCH_ROWS);
            let batch = self
                .rows
                .take_batch(n, &self.schema)
                .map_err(|e| self.err(e))?;
            self.writer.write(&batch).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Appends the visits of a chunk of outcomes (patients in index order, arms in order).
    pub fn push(&mut self, spec: &CohortSpec, outcomes: &[Outcome]) -> Result<(), TrajectoryError> {
        for o in outcomes {
            let Outcome::Enrolled { draw, arms, .. } = o else {
                continue;
            };
            for (arm, c) in spec.arms.iter().zip(arms) {
                for v in &c.visits {
                    let r = &mut self.rows;
                    r.index.push(draw.index);
                    r.arm.push(arm.name.clone());
                    r.month.push(v.t);
                    let d = v.domains();
                    // Rated scores: the total is at most 48 and each domain at most 12.
                    let scores = [v.total(), d[0], d[1], d[2], d[3]]
                        .map(|x| u8::try_from(x).unwrap_or(u8::MAX));
                    for (col, x) in r.scores.iter_mut().zip(scores) {
                        col.push(x);
                    }
                    r.fvc.push(v.fvc);
                    r.nfl.push(v.nfl);
                    for (col, x) in r.items.iter_mut().zip(v.items) {
                        col.push(x);
                    }
                }
            }
        }
        self.drain(false)
    }

    /// Appends every row of a part's trajectory file.
    pub fn append_file(&mut self, path: &Path) -> Result<(), TrajectoryError> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| TrajectoryError::Parquet {
            path: name.clone(),
            message: e.to_string(),
        })?;
        self.append_from(open_reader(file, &name)?, &name)
    }

    fn append_from(
        &mut self,
        reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
        name: &str,
    ) -> Result<(), TrajectoryError> {
        let err = |message: String| TrajectoryError::Parquet {
            path: name.to_string(),
            message,
        };
        for batch in reader {
            let batch = batch.map_err(|e| err(e.to_string()))?;
            if batch.schema().fields() != self.schema.fields() {
                return Err(err("not an alssim trajectory table (columns differ)".into()));
            }
            self.rows
                .extend_from(&batch)
                .ok_or_else(|| err("unexpected column types".into()))?;
            self.drain(false)?;
        }
        Ok(())
    }

    /// Writes the remaining rows and closes the table; returns what it was written to.
    pub fn finish(mut self) -> Result<W, TrajectoryError> {
        self.drain(true)?;
        let path = self.path.clone();
        self.writer
            .into_inner()
            .map_err(|e| TrajectoryError::Parquet {
                path,
                message: e.to_string(),
            })
    }
}

/// Opens a trajectory table (named `name` in messages) for reading in batches of
/// [`BATCH_ROWS`] rows.
fn open_reader<R: parquet::file::reader::ChunkReader + 'static>(
    source: R,
    name: &str,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader, TrajectoryError> {
    let err = |e: &dyn std::fmt::Display| TrajectoryError::Parquet {
        path: name.to_string(),
        message: e.to_string(),
    };
    ParquetRecordBatchReaderBuilder::try_new(source)
        .map_err(|e| err(&e))?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| err(&e))
}

/// Number of rows of a trajectory table, from its footer.
pub fn file_rows(path: &Path) -> Result<u64, TrajectoryError> {
    let err = |e: &dyn std::fmt::Display| TrajectoryError::Parquet {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|e| err(&e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| err(&e))?;
    u64::try_from(builder.metadata().file_metadata().num_rows())
        .map_err(|_| err(&"negative row count"))
}

/// Reads a whole trajectory table (for tests and small files).
pub fn read_all(path: &Path) -> Result<Vec<RecordBatch>, TrajectoryError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| TrajectoryError::Parquet {
        path: name.clone(),
        message: e.to_string(),
    })?;
    open_reader(file, &name)?
        .map(|b| {
            b.map_err(|e| TrajectoryError::Parquet {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// Number of rows in a set of batches.
pub fn row_count(batches: &[RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

/// Whether a column of a batch has no nulls (every column of the table is required).
pub fn no_nulls(batch: &RecordBatch) -> bool {
    batch.columns().iter().all(|c| c.null_count() == 0)
}
