//! Line and step charts: several named series, each with optional point markers and shaded
//! bands, plus reference points with intervals and reference marks. Kaplan-Meier curves are
//! step charts; fan charts are line charts with nested bands.

use super::frame::{
    self, Axis, AxisDraw, Entry, Extent, Mark, Occupancy, Rect, Scale, Swatch, msg,
};
use super::style::{Colour, LegendPosition, Style};
use super::{Figure, FigureOptions, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Opacity of a band; nested bands add up to a darker core.
const BAND_ALPHA: f64 = 0.2;

/// A shaded band between a lower and an upper bound at the x values of its series, such as a
/// confidence band or a quantile range.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Lower bound at each x of the series.
    pub lower: Vec<f64>,
    /// Upper bound at each x of the series.
    pub upper: Vec<f64>,
    /// Legend text; empty for none.
    pub label: String,
}

/// A named line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text; empty for none.
    pub label: String,
    /// x values, increasing.
    pub x: Vec<f64>,
    /// y values; a non-finite value leaves a gap.
    pub y: Vec<f64>,
    /// Shaded bands, drawn under the line in the line's colour; nested bands (widest first)
    /// make a fan whose core is darker.
    pub bands: Vec<Band>,
    /// Draws a marker at every point.
    pub markers: bool,
    /// Draws the line dashed.
    pub dashed: bool,
    /// Colour; `None` takes the palette colour of the series' position.
    pub colour: Option<Colour>,
    /// Draws a thin, pale line behind every band and line (an individual trajectory behind a
    /// fan); such a series has no legend entry.
    pub faint: bool,
}

impl Series {
    /// A line through `(x[i], y[i])`.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Series {
        Series {
            label: label.into(),
            x,
            y,
            bands: Vec::new(),
            markers: false,
            dashed: false,
            colour: None,
            faint: false,
        }
    }

    /// Draws the line thin and pale, behind everything else, without a legend entry.
    #[must_use]
    pub fn faint(mut self) -> Series {
        self.faint = true;
        self
    }

    /// Adds a shaded band from `lower` to `upper`.
    #[must_use]
    pub fn band(mut self, lower: Vec<f64>, upper: Vec<f64>, label: impl Into<String>) -> Series {
        self.bands.push(Band {
            lower,
            upper,
            label: label.into(),
        });
        self
    }

    /// Draws point markers.
    #[must_use]
    pub fn markers(mut self) -> Series {
        self.markers = true;
        self
    }

    /// Draws the line dashed.
    #[must_use]
    pub fn dashed(mut self) -> Series {
        self.dashed = true;
        self
    }

    /// Sets the colour.
    #[must_use]
    pub fn colour(mut self, colour: Colour) -> Series {
        self.colour = Some(colour);
        self
    }
}

/// Single points, optionally with vertical intervals: published values with their accepted
/// range, observed means with confidence intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    /// Legend text; empty for none.
    pub label: String,
    /// x values.
    pub x: Vec<f64>,
    /// y values.
    pub y: Vec<f64>,
    /// Lower and upper ends of an interval at each point.
    pub interval: Option<(Vec<f64>, Vec<f64>)>,
    /// Colour (black unless set).
    pub colour: Colour,
}

impl Points {
    /// Points at `(x[i], y[i])`.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Points {
        Points {
            label: label.into(),
            x,
            y,
            interval: None,
            colour: Colour::Black,
        }
    }

    /// Adds an interval from `lower[i]` to `upper[i]` at each point.
    #[must_use]
    pub fn interval(mut self, lower: Vec<f64>, upper: Vec<f64>) -> Points {
        self.interval = Some((lower, upper));
        self
    }

    /// Sets the colour.
    #[must_use]
    pub fn colour(mut self, colour: Colour) -> Points {
        self.colour = colour;
        self
    }
}

/// One row of a [`RiskTable`]: a label (an arm) and one entry per time of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskRow {
    /// Row label, drawn at the left in the row's colour.
    pub label: String,
    /// Colour of the label (the colour of the row's curve).
    pub colour: Colour,
    /// One entry per time, such as the number of patients at risk.
    pub values: Vec<String>,
}

/// A table under the x axis whose columns sit at x values of the chart, such as the numbers
/// at risk under Kaplan-Meier curves: a heading line, then one line per row.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskTable {
    /// Heading, for example `Number at risk`.
    pub heading: String,
    /// x values of the columns.
    pub x: Vec<f64>,
    /// Rows, top to bottom.
    pub rows: Vec<RiskRow>,
}

impl RiskTable {
    /// An empty table with columns at `x`.
    pub fn new(heading: impl Into<String>, x: Vec<f64>) -> RiskTable {
        RiskTable {
            heading: heading.into(),
            x,
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    #[must_use]
    pub fn row(
        mut self,
        label: impl Into<String>,
        colour: Colour,
        values: Vec<String>,
    ) -> RiskTable {
        self.rows.push(RiskRow {
            label: label.into(),
            colour,
            values,
        });
        self
    }
}

/// A chart of series, points and marks over two numeric axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// What is shown, for which scenario or population.
    pub title: String,
    /// Further lines under the title (sample size, seed, sources); empty for none.
    pub subtitle: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Lines, drawn in order.
    pub series: Vec<Series>,
    /// Points with intervals, drawn over the lines.
    pub points: Vec<Points>,
    /// Reference marks.
    pub marks: Vec<Mark>,
    /// Legend placement.
    pub legend: LegendPosition,
    /// A table under the x axis (numbers at risk), if any.
    pub table: Option<RiskTable>,
}

impl Chart {
    /// An empty chart.
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> Chart {
        Chart {
            title: title.into(),
            subtitle: String::new(),
            x,
            y,
            series: Vec::new(),
            points: Vec::new(),
            marks: Vec::new(),
            legend: LegendPosition::Auto,
            table: None,
        }
    }

    /// Sets the subtitle (lines separated by `\n`).
    #[must_use]
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Chart {
        self.subtitle = subtitle.into();
        self
    }

    /// Adds a series.
    #[must_use]
    pub fn series(mut self, series: Series) -> Chart {
        self.series.push(series);
        self
    }

    /// Adds points.
    #[must_use]
    pub fn points(mut self, points: Points) -> Chart {
        self.points.push(points);
        self
    }

    /// Adds a reference mark.
    #[must_use]
    pub fn mark(mut self, mark: Mark) -> Chart {
        self.marks.push(mark);
        self
    }

    /// Sets the legend placement.
    #[must_use]
    pub fn legend(mut self, legend: LegendPosition) -> Chart {
        self.legend = legend;
        self
    }

    /// Adds a table under the x axis, such as the numbers at risk.
    #[must_use]
    pub fn table(mut self, table: RiskTable) -> Chart {
        self.table = Some(table);
        self
    }

    /// Checks that every vector has the length it must have.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let Some(t) = &self.table {
            if let Some(r) = t.rows.iter().find(|r| r.values.len() != t.x.len()) {
                return Err(format!(
                    "row `{}` of the table has {} values for {} x values",
                    r.label,
                    r.values.len(),
                    t.x.len()
                ));
            }
            if t.x.iter().any(|x| !x.is_finite()) {
                return Err("the table has a non-finite x value".into());
            }
        }
        for s in &self.series {
            if s.x.len() != s.y.len() {
                return Err(format!(
                    "series `{}` has {} x values and {} y values",
                    s.label,
                    s.x.len(),
                    s.y.len()
                ));
            }
            for b in &s.bands {
                if b.lower.len() != s.x.len() || b.upper.len() != s.x.len() {
                    return Err(format!(
                        "a band of series `{}` does not have one lower and one upper bound per x value",
                        s.label
                    ));
                }
            }
        }
        for p in &self.points {
            let n = p.x.len();
            let interval_ok = p
                .interval
                .as_ref()
                .is_none_or(|(lo, hi)| lo.len() == n && hi.len() == n);
            if p.y.len() != n || !interval_ok {
                return Err(format!(
                    "points `{}` do not have as many y values (and interval ends) as x values",
                    p.label
                ));
            }
        }
        self.marks.iter().try_for_each(Mark::check)
    }

    fn colour_of(&self, i: usize) -> RGBColor {
        self.series[i].colour.unwrap_or(Colour::Series(i)).rgb()
    }

    fn extent(&self) -> Extent {
        let mut e = Extent::default();
        for s in &self.series {
            for (i, (&x, &y)) in s.x.iter().zip(&s.y).enumerate() {
                e.point(x, y);
                for b in &s.bands {
                    e.point(x, b.lower[i]);
                    e.point(x, b.upper[i]);
                }
            }
        }
        for p in &self.points {
            for (i, (&x, &y)) in p.x.iter().zip(&p.y).enumerate() {
                e.point(x, y);
                if let Some((lo, hi)) = &p.interval {
                    e.point(x, lo[i]);
                    e.point(x, hi[i]);
                }
            }
        }
        for m in &self.marks {
            m.extend(&mut e);
        }
        e
    }

    /// The legend entries, in the order the legend shows them.
    pub(crate) fn entries(&self, style: Style) -> Vec<Entry> {
        let mut entries = Vec::new();
        for (i, s) in self.series.iter().enumerate().filter(|(_, s)| !s.faint) {
            let c = self.colour_of(i);
            entries.push(Entry {
                label: s.label.clone(),
                swatch: Swatch::Line {
                    colour: c,
                    width: style.line(),
                    dashed: s.dashed,
                    marker: s.markers,
                },
            });
            // Bands are meant to nest (a fan): the k-th shows where k + 1 bands overlap.
            entries.extend(s.bands.iter().enumerate().map(|(k, b)| Entry {
                label: b.label.clone(),
                swatch: Swatch::Fill {
                    colour: c,
                    alpha: 1.0 - (1.0 - BAND_ALPHA).powi(k as i32 + 1),
                },
            }));
        }
        entries.extend(frame::mark_entries(&self.marks, style));
        entries.extend(self.points.iter().map(|p| Entry {
            label: p.label.clone(),
            swatch: Swatch::Point {
                colour: p.colour.rgb(),
                interval: p.interval.is_some(),
            },
        }));
        entries
    }

    /// Draws the chart; `steps` draws series as right-continuous steps (each value holds
    /// until the next x).
    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        steps: bool,
        style: Style,
    ) -> Result<(), String> {
        let body = frame::header(root, &self.title, &self.subtitle, style)?;
        self.draw_body(&body, steps, style, true)
    }

    /// Draws the chart as one panel of several: a smaller title, no legend.
    pub(crate) fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        steps: bool,
        style: Style,
    ) -> Result<(), String> {
        let body = frame::header_sized(cell, &self.title, &self.subtitle, style, style.axis())?;
        self.draw_body(&body, steps, style, false)
    }

    /// Draws axes, data, the table under the x axis and (with `legend`) the legend in `body`.
    fn draw_body<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        steps: bool,
        style: Style,
        legend: bool,
    ) -> Result<(), String> {
        let e = self.extent();
        let xs = Scale::new(&self.x, e.x, false, 8);
        let ys = Scale::new(&self.y, e.y, false, 6);
        let fx = |v: &f64| xs.format(*v);
        let fy = |v: &f64| ys.format(*v);
        let entries = self.entries(style);
        let (rest, strip) = if legend && self.legend == LegendPosition::Below {
            let (_, h) = body.dim_in_pixel();
            let sh = frame::legend_strip_height(body, &entries, style)?.min(h as i32 / 3);
            let (rest, strip) = body.split_vertically(h as i32 - sh);
            (rest, Some(strip))
        } else {
            (body.clone(), None)
        };
        let (upper, table) = match &self.table {
            Some(t) if !t.rows.is_empty() => {
                let (_, h) = rest.dim_in_pixel();
                let th = table_height(t, style).min(h as i32 / 2);
                let (upper, lower) = rest.split_vertically(h as i32 - th);
                (upper, Some((t, lower)))
            }
            _ => (rest, None),
        };
        let pad = match &table {
            Some((t, lower)) => table_pad(lower, t, style)?,
            None => (0, 0),
        };
        let area = frame::plot_area_padded(
            &upper,
            &AxisDraw {
                label: &self.x.label,
                scale: &xs,
                format: &fx,
                grid: true,
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
            pad,
        )?;
        let r = frame::rect(&xs, &ys);
        let mut occupied = Occupancy::default();
        frame::draw_marks(&area, r, &self.marks, true, style, &mut occupied)?;
        self.draw_series(&area, r, steps, style, &mut occupied)?;
        frame::draw_marks(&area, r, &self.marks, false, style, &mut occupied)?;
        for p in &self.points {
            self.draw_points(&area, r, p, style, &mut occupied)?;
        }
        if let Some((t, lower)) = &table {
            draw_table(lower, &area, t, r, style)?;
        }
        if let Some(strip) = strip {
            frame::legend_strip(&strip, &entries, style)?;
        } else if legend {
            frame::legend(body, &area, &entries, self.legend, &occupied, style)?;
        }
        Ok(())
    }

    /// The series: faint courses first, then the bands, then the lines (with their markers).
    fn draw_series<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, frame::Coord>,
        r: Rect,
        steps: bool,
        style: Style,
        occupied: &mut Occupancy,
    ) -> Result<(), String> {
        for (i, s) in self.series.iter().enumerate().filter(|(_, s)| s.faint) {
            // Three parts white to one of colour: pale, behind the fans.
            let RGBColor(r0, g0, b0) = self.colour_of(i);
            let pale = |v: u8| ((u16::from(v) + 3 * 255) / 4) as u8;
            let c = RGBColor(pale(r0), pale(g0), pale(b0));
            for run in frame::finite_runs(&s.x, &[&s.y]) {
                let pts: Vec<(f64, f64)> = run.map(|k| (s.x[k], s.y[k])).collect();
                frame::polyline(area, r, &pts, c, style.thin(), false, style)?;
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = self.colour_of(i);
            for b in &s.bands {
                self.draw_band(area, r, s, b, c, steps, occupied)?;
            }
        }
        for (i, s) in self.series.iter().enumerate().filter(|(_, s)| !s.faint) {
            let c = self.colour_of(i);
            for run in frame::finite_runs(&s.x, &[&s.y]) {
                let next = s.x.get(run.end).copied().filter(|x| x.is_finite());
                let pts: Vec<(f64, f64)> = run.clone().map(|k| (s.x[k], s.y[k])).collect();
                let path = if steps {
                    stepped(&pts, next)
                } else {
                    pts.clone()
                };
                frame::polyline(area, r, &path, c, style.line(), s.dashed, style)?;
                occupied.line(area, r, &path);
                if s.markers {
                    for p in pts.iter().filter(|p| inside(**p, r)) {
                        area.draw(&Circle::new(*p, style.ipx(4.5), c.filled()))
                            .map_err(msg)?;
                    }
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_band<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, frame::Coord>,
        r: Rect,
        s: &Series,
        b: &Band,
        c: RGBColor,
        steps: bool,
        occupied: &mut Occupancy,
    ) -> Result<(), String> {
        for run in frame::finite_runs(&s.x, &[&b.lower, &b.upper]) {
            let next = s.x.get(run.end).copied().filter(|x| x.is_finite());
            let upper: Vec<(f64, f64)> = run.clone().map(|k| (s.x[k], b.upper[k])).collect();
            let lower: Vec<(f64, f64)> = run.clone().map(|k| (s.x[k], b.lower[k])).collect();
            let (mut upper, mut lower) = if steps {
                (stepped(&upper, next), stepped(&lower, next))
            } else {
                (upper, lower)
            };
            for (u, l) in upper.iter().zip(&lower) {
                occupied.column(area, r, u.0, l.1, u.1);
            }
            lower.reverse();
            upper.extend(lower);
            frame::fill(area, r, &upper, c.mix(BAND_ALPHA))?;
        }
        Ok(())
    }

    fn draw_points<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, frame::Coord>,
        r: Rect,
        p: &Points,
        style: Style,
        occupied: &mut Occupancy,
    ) -> Result<(), String> {
        let c = p.colour.rgb();
        let line = c.stroke_width(style.thin());
        let cap = style.ipx(7.0);
        for i in 0..p.x.len() {
            let (x, y) = (p.x[i], p.y[i]);
            if let Some((lo, hi)) = &p.interval {
                let (a, b) = ((x, lo[i]), (x, hi[i]));
                if [a.1, b.1].iter().all(|v| v.is_finite()) && x.is_finite() {
                    frame::polyline(area, r, &[a, b], c, style.thin(), false, style)?;
                    occupied.line(area, r, &[a, b]);
                    for end in [a, b].into_iter().filter(|e| inside(*e, r)) {
                        area.draw(
                            &(EmptyElement::at(end)
                                + PathElement::new(vec![(-cap, 0), (cap, 0)], line)),
                        )
                        .map_err(msg)?;
                    }
                }
            }
            if inside((x, y), r) {
                area.draw(
                    &(EmptyElement::at((x, y))
                        + Circle::new((0, 0), style.ipx(6.5), WHITE.filled())
                        + Circle::new((0, 0), style.ipx(5.5), c.filled())),
                )
                .map_err(msg)?;
                occupied.line(area, r, &[(x, y)]);
            }
        }
        Ok(())
    }
}

/// Height of one line of a table under the x axis.
fn table_row(style: Style) -> i32 {
    (style.tick() * 1.45).round() as i32
}

/// Pixels a table under the x axis takes: a gap, the heading and one line per row.
fn table_height(t: &RiskTable, style: Style) -> i32 {
    style.ipx(10.0) + table_row(style) * (t.rows.len() as i32 + 1) + style.margin() / 2
}

/// Room the table needs left and right of the plotting area: its labels and the first value
/// at the left, half of the last value at the right.
fn table_pad<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    t: &RiskTable,
    style: Style,
) -> Result<(i32, i32), String> {
    let font = frame::text(style.tick());
    // The heading has a line of its own, so only the row labels take room at the left.
    let mut label_w = 0;
    let (mut first_w, mut last_w) = (0, 0);
    for r in &t.rows {
        label_w = label_w.max(frame::text_size(area, &r.label, &font)?.0);
        if let Some(v) = r.values.first() {
            first_w = first_w.max(frame::text_size(area, v, &font)?.0);
        }
        if let Some(v) = r.values.last() {
            last_w = last_w.max(frame::text_size(area, v, &font)?.0);
        }
    }
    Ok((
        style.margin() + label_w + style.ipx(16.0) + first_w / 2,
        last_w / 2 + style.margin(),
    ))
}

/// Draws the table under the x axis: the heading, then for each row its label at the left in
/// its colour and its values centred under their x values.
fn draw_table<DB: DrawingBackend>(
    lower: &DrawingArea<DB, Shift>,
    plot: &DrawingArea<DB, frame::Coord>,
    t: &RiskTable,
    r: Rect,
    style: Style,
) -> Result<(), String> {
    let row = table_row(style);
    let (bx, _) = lower.get_base_pixel();
    let left = style.margin();
    let y0 = style.ipx(10.0) + row / 2;
    let heading = frame::bold(style.tick()).pos(Pos::new(HPos::Left, VPos::Center));
    lower
        .draw_text(&t.heading, &heading, (left, y0))
        .map_err(msg)?;
    for (k, tr) in t.rows.iter().enumerate() {
        let y = y0 + (k as i32 + 1) * row;
        let colour = tr.colour.rgb();
        let label = frame::text(style.tick())
            .color(&colour)
            .pos(Pos::new(HPos::Left, VPos::Center));
        lower.draw_text(&tr.label, &label, (left, y)).map_err(msg)?;
        let value = frame::text(style.tick()).pos(Pos::new(HPos::Center, VPos::Center));
        for (x, v) in t.x.iter().zip(&tr.values) {
            if *x < r.0 - 1e-9 || *x > r.1 + 1e-9 {
                continue;
            }
            let (px, _) = plot.map_coordinate(&(*x, r.2));
            lower.draw_text(v, &value, (px - bx, y)).map_err(msg)?;
        }
    }
    Ok(())
}

/// Whether a finite point lies in the rectangle.
fn inside(p: (f64, f64), r: Rect) -> bool {
    p.0.is_finite() && p.1.is_finite() && p.0 >= r.0 && p.0 <= r.1 && p.1 >= r.2 && p.1 <= r.3
}

/// The staircase through `points` (each value holding until the next x), extended to
/// `next_x` when the run is followed by a further x value.
fn stepped(points: &[(f64, f64)], next_x: Option<f64>) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2 + 1);
    for (i, &p) in points.iter().enumerate() {
        if i > 0 {
            out.push((p.0, points[i - 1].1));
        }
        out.push(p);
    }
    if let (Some(x), Some(&last)) = (next_x, points.last()) {
        out.push((x, last.1));
    }
    out
}

/// Writes `chart` with straight lines between points as `name.png` and `name.svg` (as
/// `options` says) into `dir`; returns the files written.
pub fn line_chart(
    dir: &Path,
    name: &str,
    chart: &Chart,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    Figure::Line(chart.clone()).save(dir, name, options)
}

/// Writes `chart` with every series drawn as a right-continuous step function (each value
/// holds until the next x, as a Kaplan-Meier curve does); otherwise as [`line_chart`].
pub fn step_chart(
    dir: &Path,
    name: &str,
    chart: &Chart,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    Figure::Step(chart.clone()).save(dir, name, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_each_value_until_the_next_x() {
        assert_eq!(
            stepped(&[(0.0, 1.0), (2.0, 0.5), (3.0, 0.25)], Some(5.0)),
            vec![
                (0.0, 1.0),
                (2.0, 1.0),
                (2.0, 0.5),
                (3.0, 0.5),
                (3.0, 0.25),
                (5.0, 0.25)
            ]
        );
    }
}
