//! Figures: PNG and SVG charts of numbers computed elsewhere.
//!
//! Every figure is drawn from finished numbers (curves, bins, estimates); nothing here computes
//! a statistic. A figure is written as `NAME.png` and `NAME.svg` into a folder, 1200 × 800 px
//! unless [`FigureOptions`] says otherwise, each file drawn under a temporary name and renamed
//! into place when complete. Drawing never panics: bad input and failures of the drawing
//! library or the file system come back as a [`PlotError`] naming the file.
//!
//! The style is shared by all figures ([`style`]): white background, DejaVu Sans (bundled, so
//! nothing depends on the fonts of the machine), a bold title of about 32 px with an optional
//! grey subtitle for the population, sample size and sources, axis labels of 22 px with their
//! units, tick labels of 18 px, and the colour-blind-safe Okabe-Ito [`PALETTE`] for up to
//! eight series.
//!
//! Figure families:
//!
//! - [`line_chart`] and [`step_chart`] ([`line`](mod@line)): named [`Series`] with optional markers and
//!   shaded [`Band`]s (confidence bands, quantile fans), reference [`Points`] with intervals
//!   and reference [`Mark`]s (lines, segments, shaded ranges). Kaplan-Meier curves are step
//!   charts.
//! - [`histogram()`] ([`histogram`](mod@histogram)): bins given by their edges and counts, with marks.
//! - [`horizontal_bars`] ([`bars`]): one bar per name with optional error bars, such as
//!   sensitivity indices.
//! - [`grid_chart`] ([`grid`]): small multiples, line or step charts as panels of a grid under
//!   one title, with one legend shared by the panels below them.
//!
//! A line or step chart can carry a [`RiskTable`] under its x axis: a line per group (such as
//! the numbers at risk of each arm under Kaplan-Meier curves) with the values centred under
//! their x values and the group's label at the left in its colour.
//!
//! ```no_run
//! use alssim::report::plot::{Axis, Chart, FigureOptions, Series, step_chart};
//! # fn main() -> Result<(), alssim::report::plot::PlotError> {
//! let chart = Chart::new(
//!     "Survival from diagnosis: example cohort",
//!     Axis::new("Months since diagnosis").tick_step(12.0),
//!     Axis::new("Alive (%)").percent().range(0.0, 1.0),
//! )
//! .series(
//!     Series::new("Kaplan-Meier", vec![0.0, 12.0, 24.0], vec![1.0, 0.8, 0.55])
//!         .band(vec![1.0, 0.75, 0.5], vec![1.0, 0.85, 0.6], "95% confidence band"),
//! );
//! step_chart(std::path::Path::new("out"), "survival", &chart, &FigureOptions::default())?;
//! # Ok(())
//! # }
//! ```

pub mod bars;
mod frame;
pub mod grid;
pub mod histogram;
pub mod line;
pub mod style;

pub use bars::{Bars, horizontal_bars};
pub use frame::{Axis, Mark, MarkKind};
pub use grid::{Grid, grid_chart};
pub use histogram::{Histogram, histogram};
pub use line::{Band, Chart, Points, RiskRow, RiskTable, Series, line_chart, step_chart};
pub use style::{Colour, LegendPosition, PALETTE};

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Default figure width in pixels.
pub const DEFAULT_WIDTH: u32 = 1200;
/// Default figure height in pixels.
pub const DEFAULT_HEIGHT: u32 = 800;
/// Smallest accepted width or height in pixels.
pub const MIN_SIZE: u32 = 200;
/// Largest accepted width or height in pixels.
pub const MAX_SIZE: u32 = 10_000;

/// An image file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Raster image.
    Png,
    /// Vector image with text kept as text.
    Svg,
}

impl Format {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Size and formats of written figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureOptions {
    /// Width in pixels ([`MIN_SIZE`] to [`MAX_SIZE`]).
    pub width: u32,
    /// Height in pixels ([`MIN_SIZE`] to [`MAX_SIZE`]).
    pub height: u32,
    /// Formats to write, one file each.
    pub formats: Vec<Format>,
}

impl Default for FigureOptions {
    /// 1200 × 800 px, PNG and SVG.
    fn default() -> FigureOptions {
        FigureOptions {
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            formats: vec![Format::Png, Format::Svg],
        }
    }
}

impl FigureOptions {
    /// PNG and SVG of the given size.
    pub fn sized(width: u32, height: u32) -> FigureOptions {
        FigureOptions {
            width,
            height,
            ..FigureOptions::default()
        }
    }

    fn check(&self) -> Result<(), String> {
        let ok = |v: u32| (MIN_SIZE..=MAX_SIZE).contains(&v);
        if ok(self.width) && ok(self.height) {
            Ok(())
        } else {
            Err(format!(
                "figure size {}x{} px is outside {MIN_SIZE} to {MAX_SIZE} px",
                self.width, self.height
            ))
        }
    }
}

/// Why a figure was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The numbers or options given cannot be drawn (for example series of different lengths).
    #[error("cannot draw {file}: {message}")]
    Invalid {
        /// The figure file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The drawing library failed.
    #[error("drawing {file} failed: {message}")]
    Draw {
        /// The figure file.
        file: PathBuf,
        /// The library's message.
        message: String,
    },
    /// The file could not be written.
    #[error("cannot write {file}: {source}")]
    Io {
        /// The figure file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Any figure.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Figure {
    /// Series joined by straight lines.
    Line(Chart),
    /// Series drawn as right-continuous steps.
    Step(Chart),
    /// A histogram.
    Histogram(Histogram),
    /// Horizontal bars.
    Bars(Bars),
    /// Panels of line or step charts in a grid.
    Grid(Grid),
}

/// Registers the bundled DejaVu Sans (regular and bold) with the drawing library, once per
/// process; text cannot be drawn before.
fn fonts() -> Result<(), String> {
    static FONTS: OnceLock<Result<(), String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            for (face, bytes) in [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ] {
                plotters::style::register_font(style::FAMILY, face, bytes).map_err(|_| {
                    format!(
                        "the bundled DejaVu Sans ({}) cannot be loaded",
                        face.as_str()
                    )
                })?;
            }
            Ok(())
        })
        .clone()
}

/// Runs a drawing, turning a panic inside the drawing library into an error.
fn guarded(draw: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw)).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        Err(format!("the drawing library failed: {what}"))
    })
}

impl Figure {
    fn check(&self) -> Result<(), String> {
        match self {
            Figure::Line(c) | Figure::Step(c) => c.check(),
            Figure::Histogram(h) => h.check(),
            Figure::Bars(b) => b.check(),
            Figure::Grid(g) => g.check(),
        }
    }

    /// Draws the whole figure on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        fonts()?;
        root.fill(&WHITE).map_err(frame::msg)?;
        let (w, h) = root.dim_in_pixel();
        let style = style::Style::for_size(w, h);
        match self {
            Figure::Line(c) => c.draw(root, false, style),
            Figure::Step(c) => c.draw(root, true, style),
            Figure::Histogram(hist) => hist.draw(root, style),
            Figure::Bars(b) => b.draw(root, style),
            Figure::Grid(g) => g.draw(root, style),
        }
    }

    fn validate(&self, file: &Path, width: u32, height: u32) -> Result<(), PlotError> {
        let invalid = |message| PlotError::Invalid {
            file: file.to_path_buf(),
            message,
        };
        FigureOptions::sized(width, height)
            .check()
            .map_err(invalid)?;
        self.check().map_err(invalid)
    }

    /// Writes the figure as `NAME.EXT` for each format of `options` into the existing folder
    /// `dir`; returns the files written.
    pub fn save(
        &self,
        dir: &Path,
        name: &str,
        options: &FigureOptions,
    ) -> Result<Vec<PathBuf>, PlotError> {
        let mut written = Vec::new();
        let mut formats: Vec<Format> = Vec::new();
        for &f in &options.formats {
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        for format in formats {
            let file = dir.join(format!("{name}.{}", format.extension()));
            if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
                return Err(PlotError::Invalid {
                    file,
                    message: "a figure name must be a plain file name".into(),
                });
            }
            self.validate(&file, options.width, options.height)?;
            match format {
                Format::Png => self.write_png(&file, dir, name, options)?,
                Format::Svg => {
                    let svg = self.render_svg_for(&file, options.width, options.height)?;
                    crate::report::write_atomic(&file, svg.as_bytes()).map_err(|source| {
                        PlotError::Io {
                            file: file.clone(),
                            source,
                        }
                    })?;
                }
            }
            written.push(file);
        }
        Ok(written)
    }

    fn write_png(
        &self,
        file: &Path,
        dir: &Path,
        name: &str,
        options: &FigureOptions,
    ) -> Result<(), PlotError> {
        if !dir.is_dir() {
            return Err(PlotError::Io {
                file: file.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("folder {} does not exist", dir.display()),
                ),
            });
        }
        // The encoder picks the format from the extension, so the temporary name ends in .png.
        let tmp = dir.join(format!(".{name}.tmp{}.png", std::process::id()));
        let drawn = guarded(|| {
            let root =
                BitMapBackend::new(&tmp, (options.width, options.height)).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(frame::msg)
        });
        let result = match drawn {
            Ok(()) => std::fs::rename(&tmp, file).map_err(|source| PlotError::Io {
                file: file.to_path_buf(),
                source,
            }),
            Err(message) => Err(PlotError::Draw {
                file: file.to_path_buf(),
                message,
            }),
        };
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn render_svg_for(&self, file: &Path, width: u32, height: u32) -> Result<String, PlotError> {
        let mut svg = String::new();
        guarded(|| {
            let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(frame::msg)
        })
        .map_err(|message| PlotError::Draw {
            file: file.to_path_buf(),
            message,
        })?;
        Ok(svg)
    }

    /// The figure as an SVG document, without writing a file.
    pub fn render_svg(&self, width: u32, height: u32) -> Result<String, PlotError> {
        let file = PathBuf::from("(in memory).svg");
        self.validate(&file, width, height)?;
        self.render_svg_for(&file, width, height)
    }

    /// The figure as raw 8-bit RGB pixels, row by row from the top left (`width × height × 3`
    /// bytes), exactly as the PNG file would hold them.
    pub fn render_rgb(&self, width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
        let file = PathBuf::from("(in memory).png");
        self.validate(&file, width, height)?;
        let mut buf = vec![0u8; width as usize * height as usize * 3];
        guarded(|| {
            let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(frame::msg)
        })
        .map_err(|message| PlotError::Draw { file, message })?;
        Ok(buf)
    }
}
