//! Horizontal bar charts of named values with optional error bars, such as sensitivity
//! indices of model parameters.

use super::frame::{self, Axis, AxisDraw, Extent, Occupancy, Scale, msg};
use super::style::{Colour, Style};
use super::{Figure, FigureOptions, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One bar per label, from 0 to its value, the first label at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// What is shown, for which scenario or population.
    pub title: String,
    /// Further lines under the title; empty for none.
    pub subtitle: String,
    /// Bar names, top to bottom.
    pub labels: Vec<String>,
    /// Bar values.
    pub values: Vec<f64>,
    /// Half-widths of error bars (drawn from value − error to value + error).
    pub error: Option<Vec<f64>>,
    /// The value axis.
    pub x: Axis,
    /// Bar colour.
    pub colour: Colour,
}

impl Bars {
    /// Bars of `values` named by `labels`.
    pub fn new(title: impl Into<String>, labels: Vec<String>, values: Vec<f64>, x: Axis) -> Bars {
        Bars {
            title: title.into(),
            subtitle: String::new(),
            labels,
            values,
            error: None,
            x,
            colour: Colour::Series(0),
        }
    }

    /// Sets the subtitle (lines separated by `\n`).
    #[must_use]
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Bars {
        self.subtitle = subtitle.into();
        self
    }

    /// Adds error bars of half-width `error[i]`.
    #[must_use]
    pub fn error(mut self, error: Vec<f64>) -> Bars {
        self.error = Some(error);
        self
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        let n = self.labels.len();
        if n == 0 {
            return Err("a bar chart needs at least one bar".into());
        }
        if self.values.len() != n || self.error.as_ref().is_some_and(|e| e.len() != n) {
            return Err(format!(
                "a bar chart needs one value (and one error) per label: {n} labels, {} values{}",
                self.values.len(),
                self.error
                    .as_ref()
                    .map_or(String::new(), |e| format!(", {} errors", e.len()))
            ));
        }
        Ok(())
    }

    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: Style,
    ) -> Result<(), String> {
        let n = self.labels.len();
        let e = self.extent();
        let xs = Scale::new(&self.x, e.x, true, 8);
        let ys = Scale::categories(n);
        let body = frame::header(root, &self.title, &self.subtitle, style)?;
        // Category labels as large as the rows allow, and at most 40% of the width.
        let (w, h) = body.dim_in_pixel();
        let row = (f64::from(h) - style.px(100.0)).max(1.0) / n as f64;
        let tick = style.tick().min(row * 0.8).max(7.0);
        let font = frame::text(tick);
        let room = (f64::from(w) * 0.4) as i32;
        let mut shown = Vec::with_capacity(n);
        for l in &self.labels {
            shown.push(fit(&body, l, &font, room)?);
        }
        let fx = |v: &f64| xs.format(*v);
        let fy = |v: &f64| {
            let k = v.round();
            if k >= 0.0 && (k as usize) < n {
                shown[n - 1 - k as usize].clone()
            } else {
                String::new()
            }
        };
        let area = frame::plot_area(
            &body,
            &AxisDraw {
                label: &self.x.label,
                scale: &xs,
                format: &fx,
                grid: true,
                tick_size: style.tick(),
            },
            &AxisDraw {
                label: "",
                scale: &ys,
                format: &fy,
                grid: false,
                tick_size: tick,
            },
            style,
        )?;
        self.draw_bars(&area, frame::rect(&xs, &ys), row, style)
    }

    /// The range of the values and their error bars.
    fn extent(&self) -> Extent {
        let mut e = Extent::default();
        for (i, &v) in self.values.iter().enumerate() {
            e.x(v);
            if let Some(err) = &self.error
                && err[i].is_finite()
            {
                e.x(v - err[i].abs());
                e.x(v + err[i].abs());
            }
        }
        e
    }

    /// The bars (rows of `row` pixels) with their error bars, and the zero line.
    fn draw_bars<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, frame::Coord>,
        r: frame::Rect,
        row: f64,
        style: Style,
    ) -> Result<(), String> {
        let n = self.labels.len();
        let c = self.colour.rgb();
        let mut occupied = Occupancy::default();
        if r.0 < 0.0 && r.1 > 0.0 {
            frame::polyline(area, r, &[(0.0, r.2), (0.0, r.3)], BLACK, 1, false, style)?;
        }
        let half = 0.34;
        let cap = ((row * 0.22) as i32).clamp(2, style.ipx(8.0));
        for (i, &v) in self.values.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let y = (n - 1 - i) as f64;
            let poly = [
                (0.0, y - half),
                (v, y - half),
                (v, y + half),
                (0.0, y + half),
            ];
            frame::fill(area, r, &poly, c.mix(0.85))?;
            if let Some(err) = &self.error {
                let d = err[i].abs();
                if d.is_finite() && d > 0.0 {
                    let whisker = [(v - d, y), (v + d, y)];
                    frame::polyline(area, r, &whisker, BLACK, style.thin(), false, style)?;
                    occupied.line(area, r, &whisker);
                    for end in [v - d, v + d] {
                        if end >= r.0 && end <= r.1 {
                            area.draw(
                                &(EmptyElement::at((end, y))
                                    + PathElement::new(
                                        vec![(0, -cap), (0, cap)],
                                        BLACK.stroke_width(style.thin()),
                                    )),
                            )
                            .map_err(msg)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// `s`, shortened with an ellipsis to at most `room` pixels.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    font: &TextStyle,
    room: i32,
) -> Result<String, String> {
    if frame::text_size(area, s, font)?.0 <= room {
        return Ok(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut keep = chars.len();
    while keep > 1 {
        keep -= 1;
        let t: String = chars[..keep].iter().collect::<String>() + "…";
        if frame::text_size(area, &t, font)?.0 <= room {
            return Ok(t);
        }
    }
    Ok("…".into())
}

/// Writes a horizontal bar chart of `values` named by `labels` (first at the top), with
/// optional error bars of half-width `error[i]`, as `name.png` and `name.svg` (as `options`
/// says) into `dir`; returns the files written. `x_label` names the values with their unit.
#[allow(clippy::too_many_arguments)]
pub fn horizontal_bars(
    dir: &Path,
    name: &str,
    title: &str,
    labels: &[String],
    values: &[f64],
    error: Option<&[f64]>,
    x_label: &str,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut bars = Bars::new(title, labels.to_vec(), values.to_vec(), Axis::new(x_label));
    bars.error = error.map(<[f64]>::to_vec);
    Figure::Bars(bars).save(dir, name, options)
}
