//! Small multiples: several line or step charts in a grid of panels under one title, with
//! one legend shared by all panels.

use super::frame;
use super::line::Chart;
use super::style::Style;
use super::{Figure, FigureOptions, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Panels in rows of `columns`, filled row by row, under a common title and subtitle. Each
/// panel is a [`Chart`] whose title heads the panel. The x axis label is shown under the
/// lowest panel of each column only. Panel legends are not drawn: the legend entries of all
/// panels (each label once) are shown together under the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// What is shown, for which scenario or population.
    pub title: String,
    /// Further lines under the title; empty for none.
    pub subtitle: String,
    /// Panels per row (at least 1).
    pub columns: usize,
    /// The panels, row by row.
    pub panels: Vec<Chart>,
    /// Draws the series of every panel as right-continuous steps.
    pub steps: bool,
}

impl Grid {
    /// An empty grid with `columns` panels per row.
    pub fn new(title: impl Into<String>, columns: usize) -> Grid {
        Grid {
            title: title.into(),
            subtitle: String::new(),
            columns,
            panels: Vec::new(),
            steps: false,
        }
    }

    /// Sets the subtitle (lines separated by `\n`).
    #[must_use]
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Grid {
        self.subtitle = subtitle.into();
        self
    }

    /// Adds a panel.
    #[must_use]
    pub fn panel(mut self, chart: Chart) -> Grid {
        self.panels.push(chart);
        self
    }

    /// Draws the series as right-continuous steps.
    #[must_use]
    pub fn steps(mut self) -> Grid {
        self.steps = true;
        self
    }

    /// Rows of panels.
    pub fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns.max(1))
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        if self.columns == 0 {
            return Err("a grid needs at least one column".into());
        }
        if self.panels.is_empty() {
            return Err("a grid needs at least one panel".into());
        }
        for (k, p) in self.panels.iter().enumerate() {
            p.check()
                .map_err(|e| format!("panel {} (`{}`): {e}", k + 1, p.title))?;
        }
        Ok(())
    }

    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: Style,
    ) -> Result<(), String> {
        let body = frame::header(root, &self.title, &self.subtitle, style)?;
        let entries: Vec<frame::Entry> =
            self.panels.iter().flat_map(|p| p.entries(style)).collect();
        let (_, h) = body.dim_in_pixel();
        let h = h as i32;
        let strip = frame::legend_strip_height(&body, &entries, style)?.min(h / 3);
        let (cells, legend) = body.split_vertically(h - strip);
        let areas = cells.split_evenly((self.rows(), self.columns));
        for (k, (chart, cell)) in self.panels.iter().zip(&areas).enumerate() {
            if k + self.columns < self.panels.len() && !chart.x.label.is_empty() {
                // A panel below shows the label of this column's x axis.
                let mut chart = chart.clone();
                chart.x.label.clear();
                chart.draw_panel(cell, self.steps, style)?;
            } else {
                chart.draw_panel(cell, self.steps, style)?;
            }
        }
        frame::legend_strip(&legend, &entries, style)
    }
}

/// Writes `grid` as `name.png` and `name.svg` (as `options` says) into `dir`; returns the
/// files written.
pub fn grid_chart(
    dir: &Path,
    name: &str,
    grid: &Grid,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    Figure::Grid(grid.clone()).save(dir, name, options)
}
