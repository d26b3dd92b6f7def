//! Histograms of already binned data, with reference marks.

use super::frame::{self, Axis, AxisDraw, Entry, Extent, Mark, Occupancy, Scale, Swatch};
use super::style::{Colour, LegendPosition, Style};
use super::{Figure, FigureOptions, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// A histogram: bin edges and the count (or share, or density) in each bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// What is shown, for which scenario or population.
    pub title: String,
    /// Further lines under the title; empty for none.
    pub subtitle: String,
    /// Horizontal axis: the binned quantity.
    pub x: Axis,
    /// Vertical axis: what `counts` holds (always includes 0).
    pub y: Axis,
    /// `counts.len() + 1` increasing bin edges.
    pub edges: Vec<f64>,
    /// The height of each bin.
    pub counts: Vec<f64>,
    /// Legend text of the bars; empty for none.
    pub label: String,
    /// Bar colour.
    pub colour: Colour,
    /// Reference marks over the bars.
    pub marks: Vec<Mark>,
    /// Legend placement.
    pub legend: LegendPosition,
}

impl Histogram {
    /// A histogram of `counts` between `edges`.
    pub fn new(
        title: impl Into<String>,
        x: Axis,
        y: Axis,
        edges: Vec<f64>,
        counts: Vec<f64>,
    ) -> Histogram {
        Histogram {
            title: title.into(),
            subtitle: String::new(),
            x,
            y,
            edges,
            counts,
            label: String::new(),
            colour: Colour::Series(0),
            marks: Vec::new(),
            legend: LegendPosition::Auto,
        }
    }

    /// Sets the subtitle (lines separated by `\n`).
    #[must_use]
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Histogram {
        self.subtitle = subtitle.into();
        self
    }

    /// Sets the legend text of the bars.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Histogram {
        self.label = label.into();
        self
    }

    /// Adds a reference mark.
    #[must_use]
    pub fn mark(mut self, mark: Mark) -> Histogram {
        self.marks.push(mark);
        self
    }

    /// Sets the legend placement.
    #[must_use]
    pub fn legend(mut self, legend: LegendPosition) -> Histogram {
        self.legend = legend;
        self
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        if self.edges.len() != self.counts.len() + 1 {
            return Err(format!(
                "a histogram needs one more bin edge than counts ({} edges, {} counts)",
                self.edges.len(),
                self.counts.len()
            ));
        }
        if !self.edges.iter().all(|e| e.is_finite()) || self.edges.windows(2).any(|w| w[0] >= w[1])
        {
            return Err("histogram bin edges must be finite and increasing".into());
        }
        if !self.counts.iter().all(|c| c.is_finite()) {
            return Err("histogram counts must be finite".into());
        }
        self.marks.iter().try_for_each(Mark::check)
    }

    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: Style,
    ) -> Result<(), String> {
        let mut e = Extent::default();
        for (i, &c) in self.counts.iter().enumerate() {
            e.point(self.edges[i], c);
            e.point(self.edges[i + 1], c);
        }
        for m in &self.marks {
            m.extend(&mut e);
        }
        // Room above the tallest bar for the legend.
        e.y.1 *= 1.12;
        let xs = Scale::new(&self.x, e.x, false, 8);
        let ys = Scale::new(&self.y, e.y, true, 6);
        let body = frame::header(root, &self.title, &self.subtitle, style)?;
        let fx = |v: &f64| xs.format(*v);
        let fy = |v: &f64| ys.format(*v);
        let area = frame::plot_area(
            &body,
            &AxisDraw {
                label: &self.x.label,
                scale: &xs,
                format: &fx,
                grid: false,
                tick_size: style.tick(),
            },
            &AxisDraw {
                label: &self.y.label,
                scale: &ys,
                format: &fy,
                grid: true,
                tick_size: style.tick(),
            },
            style,
        )?;
        let r = frame::rect(&xs, &ys);
        let mut occupied = Occupancy::default();
        frame::draw_marks(&area, r, &self.marks, true, style, &mut occupied)?;
        let c = self.colour.rgb();
        let gap = (xs.hi - xs.lo) / f64::from(area.dim_in_pixel().0.max(1));
        for (i, &count) in self.counts.iter().enumerate() {
            let (a, b) = (self.edges[i], self.edges[i + 1]);
            if count == 0.0 {
                continue;
            }
            let poly = [
                (a + gap, 0.0),
                (b - gap, 0.0),
                (b - gap, count),
                (a + gap, count),
            ];
            frame::fill(&area, r, &poly, c.mix(0.75))?;
            occupied.rect(&area, r, (a, 0.0), (b, count));
        }
        frame::draw_marks(&area, r, &self.marks, false, style, &mut occupied)?;
        let mut entries = vec![Entry {
            label: self.label.clone(),
            swatch: Swatch::Fill {
                colour: c,
                alpha: 0.75,
            },
        }];
        entries.extend(frame::mark_entries(&self.marks, style));
        frame::legend(root, &area, &entries, self.legend, &occupied, style)
    }
}

/// Writes `hist` as `name.png` and `name.svg` (as `options` says) into `dir`; returns the
/// files written.
pub fn histogram(
    dir: &Path,
    name: &str,
    hist: &Histogram,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    Figure::Histogram(hist.clone()).save(dir, name, options)
}
