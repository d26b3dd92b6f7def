//! What every figure shares: axes and their ticks, reference marks, the title block, the
//! legend, and clipping of data to the plotting area.

use super::style::{Colour, DARK_GREY, FAMILY, GRID, LegendPosition, Style};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A linear numeric axis with the tick positions of its [`Scale`].
#[derive(Debug, Clone)]
pub(crate) struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        let p = f64::from(limit.0) + t * f64::from(limit.1 - limit.0);
        // Far-off values saturate well inside i32 so that pixel arithmetic cannot overflow.
        p.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Coordinates of a plotting area: two numeric axes with explicit tick positions.
pub(crate) type Coord = Cartesian2d<Ticked, Ticked>;

/// Drawing errors as text (the caller adds the file name).
pub(crate) fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// One axis: its label (with the unit) and, optionally, a fixed range and tick spacing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axis {
    /// The label, with the unit in brackets, for example `Months since diagnosis`.
    pub label: String,
    /// Fixed range; `None` fits the data (widened to whole ticks).
    pub range: Option<(f64, f64)>,
    /// Distance between ticks; `None` chooses 1, 2, 2.5 or 5 times a power of ten.
    pub tick_step: Option<f64>,
    /// Shows values as percentages (0.25 as `25%`).
    pub percent: bool,
    /// Puts ticks on whole numbers only (counts).
    pub integer: bool,
}

impl Axis {
    /// An axis fitted to the data.
    pub fn new(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            ..Axis::default()
        }
    }

    /// Fixes the range.
    #[must_use]
    pub fn range(mut self, lo: f64, hi: f64) -> Axis {
        self.range = Some((lo, hi));
        self
    }

    /// Fixes the distance between ticks.
    #[must_use]
    pub fn tick_step(mut self, step: f64) -> Axis {
        self.tick_step = Some(step);
        self
    }

    /// Labels the ticks as percentages of 1.
    #[must_use]
    pub fn percent(mut self) -> Axis {
        self.percent = true;
        self
    }

    /// Puts ticks on whole numbers only, for counts.
    #[must_use]
    pub fn integer(mut self) -> Axis {
        self.integer = true;
        self
    }
}

/// What a reference mark draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MarkKind {
    /// A vertical line across the plot at this x.
    VLine(f64),
    /// A horizontal line across the plot at this y.
    HLine(f64),
    /// A straight line between two points.
    Segment {
        /// Start.
        from: (f64, f64),
        /// End.
        to: (f64, f64),
    },
    /// A shaded vertical stripe between two x values, across the plot.
    VSpan(f64, f64),
}

/// A reference line or range, such as a published value or a median.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// What is drawn.
    pub kind: MarkKind,
    /// Legend text; empty for none. Marks with the same text share one legend entry.
    pub label: String,
    /// Colour (black for lines and grey for stripes unless set).
    pub colour: Colour,
    /// Dashed instead of solid (lines only).
    pub dashed: bool,
}

impl Mark {
    fn with(kind: MarkKind, label: impl Into<String>, colour: Colour) -> Mark {
        Mark {
            kind,
            label: label.into(),
            colour,
            dashed: false,
        }
    }

    /// A vertical line at `x`.
    pub fn vline(x: f64, label: impl Into<String>) -> Mark {
        Mark::with(MarkKind::VLine(x), label, Colour::Black)
    }

    /// A horizontal line at `y`.
    pub fn hline(y: f64, label: impl Into<String>) -> Mark {
        Mark::with(MarkKind::HLine(y), label, Colour::Black)
    }

    /// A line from `from` to `to`.
    pub fn segment(from: (f64, f64), to: (f64, f64), label: impl Into<String>) -> Mark {
        Mark::with(MarkKind::Segment { from, to }, label, Colour::Black)
    }

    /// A shaded stripe from `x0` to `x1`.
    pub fn vspan(x0: f64, x1: f64, label: impl Into<String>) -> Mark {
        Mark::with(MarkKind::VSpan(x0, x1), label, Colour::Grey)
    }

    /// Sets the colour.
    #[must_use]
    pub fn colour(mut self, colour: Colour) -> Mark {
        self.colour = colour;
        self
    }

    /// Draws the line dashed.
    #[must_use]
    pub fn dashed(mut self) -> Mark {
        self.dashed = true;
        self
    }

    /// Adds the mark's coordinates to the extent of the data.
    pub(crate) fn extend(&self, e: &mut Extent) {
        match self.kind {
            MarkKind::VLine(x) => e.x(x),
            MarkKind::HLine(y) => e.y(y),
            MarkKind::Segment { from, to } => {
                e.point(from.0, from.1);
                e.point(to.0, to.1);
            }
            MarkKind::VSpan(a, b) => {
                e.x(a);
                e.x(b);
            }
        }
    }

    /// Checks the mark's numbers.
    pub(crate) fn check(&self) -> Result<(), String> {
        let ok = match self.kind {
            MarkKind::VLine(v) | MarkKind::HLine(v) => v.is_finite(),
            MarkKind::Segment { from, to } => {
                [from.0, from.1, to.0, to.1].iter().all(|v| v.is_finite())
            }
            MarkKind::VSpan(a, b) => a.is_finite() && b.is_finite(),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("mark `{}` has a non-finite coordinate", self.label))
        }
    }
}

/// Smallest and largest finite values seen on each axis.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extent {
    pub(crate) x: (f64, f64),
    pub(crate) y: (f64, f64),
}

impl Default for Extent {
    fn default() -> Extent {
        Extent {
            x: (f64::INFINITY, f64::NEG_INFINITY),
            y: (f64::INFINITY, f64::NEG_INFINITY),
        }
    }
}

impl Extent {
    pub(crate) fn x(&mut self, v: f64) {
        if v.is_finite() {
            self.x = (self.x.0.min(v), self.x.1.max(v));
        }
    }

    pub(crate) fn y(&mut self, v: f64) {
        if v.is_finite() {
            self.y = (self.y.0.min(v), self.y.1.max(v));
        }
    }

    /// Adds a point whose both coordinates are finite.
    pub(crate) fn point(&mut self, x: f64, y: f64) {
        if x.is_finite() && y.is_finite() {
            self.x(x);
            self.y(y);
        }
    }
}

/// A resolved axis: range, tick positions and their format.
#[derive(Debug, Clone)]
pub(crate) struct Scale {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) ticks: Vec<f64>,
    decimals: usize,
    percent: bool,
}

/// 1, 2, 2.5 or 5 times a power of ten giving close to `target` intervals over `span`;
/// with `integer`, a whole number without 2.5.
fn nice_step(span: f64, target: usize, integer: bool) -> f64 {
    let target = target.max(1) as f64;
    let mag = 10f64.powf((span / target).log10().floor());
    let mut best = mag;
    let mut best_miss = f64::INFINITY;
    for m in [mag / 10.0, mag, mag * 10.0] {
        for f in [1.0, 2.0, 2.5, 5.0] {
            let step = f * m;
            if integer && (step < 1.0 || step.fract() != 0.0) {
                continue;
            }
            let miss = (span / step - target).abs();
            // On a tie the larger step (fewer ticks) wins.
            if miss <= best_miss {
                best = step;
                best_miss = miss;
            }
        }
    }
    if integer && best < 1.0 { 1.0 } else { best }
}

impl Scale {
    /// Resolves `axis` for data spanning `data` (infinite bounds when there is none), with
    /// about `target` ticks. `include_zero` widens the range to 0.
    pub(crate) fn new(axis: &Axis, data: (f64, f64), include_zero: bool, target: usize) -> Scale {
        let fixed = axis
            .range
            .filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo < hi);
        let (mut lo, mut hi) = match fixed {
            Some(r) => r,
            None if data.0.is_finite() && data.1.is_finite() => data,
            None => (0.0, 1.0),
        };
        if fixed.is_none() {
            if include_zero {
                lo = lo.min(0.0);
                hi = hi.max(0.0);
            }
            if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()).max(1.0) {
                let pad = (lo.abs() * 0.1).max(1.0);
                lo -= pad;
                hi += pad;
            }
        }
        let span = hi - lo;
        let step = axis
            .tick_step
            .filter(|s| s.is_finite() && *s > 0.0 && span / s <= 50.0)
            .unwrap_or_else(|| nice_step(span, target, axis.integer));
        if fixed.is_none() {
            lo = (lo / step + 1e-9).floor() * step;
            hi = (hi / step - 1e-9).ceil() * step;
        }
        let first = (lo / step - 1e-9).ceil();
        let last = (hi / step + 1e-9).floor();
        // At most a few hundred ticks even for absurd spans.
        let count = (last - first).clamp(0.0, 500.0) as usize;
        let ticks: Vec<f64> = (0..=count)
            .map(|k| (first + k as f64) * step)
            .map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t })
            .collect();
        let factor = if axis.percent { 100.0 } else { 1.0 };
        let decimals = (0..=6)
            .find(|&d| {
                let p = 10f64.powi(d);
                ticks
                    .iter()
                    .all(|t| ((t * factor * p).round() - t * factor * p).abs() < 1e-6)
            })
            .unwrap_or(6) as usize;
        Scale {
            lo,
            hi,
            ticks,
            decimals,
            percent: axis.percent,
        }
    }

    /// Positions 0 to `n - 1` of `n` categories, one tick each.
    pub(crate) fn categories(n: usize) -> Scale {
        Scale {
            lo: -0.5,
            hi: n as f64 - 0.5,
            ticks: (0..n).map(|k| k as f64).collect(),
            decimals: 0,
            percent: false,
        }
    }

    /// The coordinate range with its ticks.
    pub(crate) fn coord(&self) -> Ticked {
        Ticked {
            lo: self.lo,
            hi: self.hi,
            ticks: self.ticks.clone(),
        }
    }

    /// A tick label.
    pub(crate) fn format(&self, v: f64) -> String {
        let (v, unit) = if self.percent {
            (v * 100.0, "%")
        } else {
            (v, "")
        };
        let s = format!("{v:.*}", self.decimals);
        let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_string()
        } else {
            s
        };
        format!("{s}{unit}")
    }
}

/// Regular text of `size` pixels.
pub(crate) fn text(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Bold text of `size` pixels.
pub(crate) fn bold(size: f64) -> TextStyle<'static> {
    (FAMILY, size, FontStyle::Bold).into_font().color(&BLACK)
}

/// Width and height of `s` in `style` on `area`.
pub(crate) fn text_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
) -> Result<(i32, i32), String> {
    let (w, h) = area.estimate_text_size(s, style).map_err(msg)?;
    Ok((w as i32, h as i32))
}

/// Draws the title (bold) and subtitle lines at the top of `root`, returning the area below.
/// A title too wide for the figure is set in a smaller size.
pub(crate) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    style: Style,
) -> Result<DrawingArea<DB, Shift>, String> {
    header_sized(root, title, subtitle, style, style.title())
}

/// [`header`] with a title of `title_size` pixels (panel titles are smaller than figure titles).
pub(crate) fn header_sized<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    style: Style,
    title_size: f64,
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, h) = root.dim_in_pixel();
    let margin = style.margin();
    let room = w as i32 - 2 * margin;
    let mut size = title_size;
    let (tw, _) = text_size(root, title, &bold(size))?;
    if tw > room && tw > 0 {
        size = (size * f64::from(room) / f64::from(tw)).max(title_size * 0.6);
    }
    let mut y = margin;
    root.draw_text(title, &bold(size), (margin, y))
        .map_err(msg)?;
    y += (size * 1.35).round() as i32;
    let sub = style.subtitle();
    let grey = (FAMILY, sub).into_font().color(&DARK_GREY);
    for paragraph in subtitle.lines().filter(|l| !l.trim().is_empty()) {
        for line in wrap(root, paragraph, &grey, room)? {
            root.draw_text(&line, &grey, (margin, y)).map_err(msg)?;
            y += (sub * 1.35).round() as i32;
        }
    }
    y += style.ipx(6.0);
    Ok(root.split_vertically(y.clamp(0, h as i32)).1)
}

/// `text` broken into lines of at most `room` pixels at spaces (a single word wider than
/// `room` gets a line of its own).
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    room: i32,
) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_size(area, &candidate, style)?.0 > room {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// One axis as drawn: label, scale, tick text and grid lines.
pub(crate) struct AxisDraw<'a> {
    pub(crate) label: &'a str,
    pub(crate) scale: &'a Scale,
    pub(crate) format: &'a dyn Fn(&f64) -> String,
    pub(crate) grid: bool,
    pub(crate) tick_size: f64,
}

/// Lays out and draws the axes, ticks and grid in `body`, returning the plotting area.
pub(crate) fn plot_area<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x: &AxisDraw,
    y: &AxisDraw,
    style: Style,
) -> Result<DrawingArea<DB, Coord>, String> {
    plot_area_padded(body, x, y, style, (0, 0))
}

/// [`plot_area`] keeping at least `min_left` pixels between the left edge of `body` and the
/// plotting area, and `min_right` between the plotting area and the right edge (room for text
/// drawn beside or under the plot).
pub(crate) fn plot_area_padded<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x: &AxisDraw,
    y: &AxisDraw,
    style: Style,
    (min_left, min_right): (i32, i32),
) -> Result<DrawingArea<DB, Coord>, String> {
    let tick = style.ipx(6.0);
    let axis_font = style.axis();
    let x_tick_style = text(x.tick_size);
    let y_tick_style = text(y.tick_size);
    let mut y_label_w = 0;
    for t in &y.scale.ticks {
        y_label_w = y_label_w.max(text_size(body, &(y.format)(t), &y_tick_style)?.0);
    }
    let mut last_x_w = 0;
    if let Some(t) = x.scale.ticks.last() {
        last_x_w = text_size(body, &(x.format)(t), &x_tick_style)?.0;
    }
    let y_desc = if y.label.is_empty() {
        0
    } else {
        (axis_font * 1.25) as i32 + style.ipx(14.0)
    };
    let y_area = y_desc + y_label_w + 2 * tick + style.ipx(4.0);
    let x_desc = if x.label.is_empty() {
        0
    } else {
        (axis_font * 1.2) as i32
    };
    let x_area = 2 * tick + (x.tick_size * 1.2) as i32 + style.ipx(6.0) + x_desc;
    let margin = style.margin();
    let mut chart = ChartBuilder::on(body)
        .margin_top(style.ipx(8.0))
        .margin_bottom(margin / 2)
        .margin_left((margin / 2).max(min_left - y_area))
        .margin_right(margin.max(last_x_w / 2 + style.ipx(6.0)).max(min_right))
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x.scale.coord(), y.scale.coord())
        .map_err(msg)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x.label)
        .y_desc(y.label)
        .axis_desc_style(text(axis_font))
        .x_label_style(x_tick_style)
        .y_label_style(y_tick_style)
        .x_label_formatter(x.format)
        .y_label_formatter(y.format)
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK.stroke_width(1))
        .set_all_tick_mark_size(tick);
    if !x.grid {
        mesh.disable_x_mesh();
    }
    if !y.grid {
        mesh.disable_y_mesh();
    }
    mesh.draw().map_err(msg)?;
    Ok(chart.plotting_area().clone())
}

/// The data rectangle of a plotting area: (x0, x1, y0, y1).
pub(crate) type Rect = (f64, f64, f64, f64);

/// The data rectangle of two scales.
pub(crate) fn rect(x: &Scale, y: &Scale) -> Rect {
    (x.lo, x.hi, y.lo, y.hi)
}

/// Liang-Barsky clipping of the segment `a`-`b` to `r`.
fn clip_segment(a: (f64, f64), b: (f64, f64), r: Rect) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a.0 - r.0),
        (dx, r.1 - a.0),
        (-dy, a.1 - r.2),
        (dy, r.3 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// The parts of a polyline inside `r`.
pub(crate) fn clip_polyline(points: &[(f64, f64)], r: Rect) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    if points.len() == 1 {
        let p = points[0];
        if p.0 >= r.0 && p.0 <= r.1 && p.1 >= r.2 && p.1 <= r.3 {
            out.push(vec![p]);
        }
        return out;
    }
    for w in points.windows(2) {
        match clip_segment(w[0], w[1], r) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() > 1 {
                        out.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                current.push(b);
            }
            None => {
                if current.len() > 1 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// Sutherland-Hodgman clipping of a polygon to `r`.
pub(crate) fn clip_polygon(points: &[(f64, f64)], r: Rect) -> Vec<(f64, f64)> {
    type Edge = (
        fn((f64, f64), Rect) -> bool,
        fn((f64, f64), (f64, f64), Rect) -> (f64, f64),
    );
    fn at_x(a: (f64, f64), b: (f64, f64), x: f64) -> (f64, f64) {
        let t = (x - a.0) / (b.0 - a.0);
        (x, a.1 + t * (b.1 - a.1))
    }
    fn at_y(a: (f64, f64), b: (f64, f64), y: f64) -> (f64, f64) {
        let t = (y - a.1) / (b.1 - a.1);
        (a.0 + t * (b.0 - a.0), y)
    }
    let edges: [Edge; 4] = [
        (|p, r| p.0 >= r.0, |a, b, r| at_x(a, b, r.0)),
        (|p, r| p.0 <= r.1, |a, b, r| at_x(a, b, r.1)),
        (|p, r| p.1 >= r.2, |a, b, r| at_y(a, b, r.2)),
        (|p, r| p.1 <= r.3, |a, b, r| at_y(a, b, r.3)),
    ];
    let mut poly = points.to_vec();
    for (inside, cut) in edges {
        if poly.is_empty() {
            break;
        }
        let input = std::mem::take(&mut poly);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            match (inside(cur, r), inside(prev, r)) {
                (true, true) => poly.push(cur),
                (true, false) => {
                    poly.push(cut(prev, cur, r));
                    poly.push(cur);
                }
                (false, true) => poly.push(cut(prev, cur, r)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    poly
}

/// Index ranges where `x` and every column are finite.
pub(crate) fn finite_runs(x: &[f64], columns: &[&[f64]]) -> Vec<std::ops::Range<usize>> {
    let ok = |i: usize| x[i].is_finite() && columns.iter().all(|c| c[i].is_finite());
    let mut runs = Vec::new();
    let mut start = None;
    for i in 0..x.len() {
        match (ok(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(s..x.len());
    }
    runs
}

/// Draws a polyline (data coordinates), clipped to the plotting area.
pub(crate) fn polyline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Coord>,
    r: Rect,
    points: &[(f64, f64)],
    colour: RGBColor,
    width: u32,
    dashed: bool,
    style: Style,
) -> Result<(), String> {
    let line = colour.stroke_width(width);
    for part in clip_polyline(points, r) {
        if part.len() < 2 {
            continue;
        }
        if dashed {
            area.draw(&DashedPathElement::new(
                part,
                style.ipx(9.0),
                style.ipx(6.0),
                line,
            ))
            .map_err(msg)?;
        } else {
            area.draw(&PathElement::new(part, line)).map_err(msg)?;
        }
    }
    Ok(())
}

/// Fills a polygon (data coordinates), clipped to the plotting area.
pub(crate) fn fill<DB: DrawingBackend>(
    area: &DrawingArea<DB, Coord>,
    r: Rect,
    points: &[(f64, f64)],
    colour: RGBAColor,
) -> Result<(), String> {
    let poly = clip_polygon(points, r);
    if poly.len() >= 3 {
        area.draw(&Polygon::new(poly, colour.filled()))
            .map_err(msg)?;
    }
    Ok(())
}

/// Draws reference marks of one layer: stripes (`stripes == true`) or lines.
pub(crate) fn draw_marks<DB: DrawingBackend>(
    area: &DrawingArea<DB, Coord>,
    r: Rect,
    marks: &[Mark],
    stripes: bool,
    style: Style,
    occupied: &mut Occupancy,
) -> Result<(), String> {
    for m in marks {
        let c = m.colour.rgb();
        let line = match (m.kind, stripes) {
            (MarkKind::VSpan(a, b), true) => {
                let poly = [(a, r.2), (b, r.2), (b, r.3), (a, r.3)];
                fill(area, r, &poly, c.mix(0.16))?;
                continue;
            }
            (MarkKind::VLine(x), false) => vec![(x, r.2), (x, r.3)],
            (MarkKind::HLine(y), false) => vec![(r.0, y), (r.1, y)],
            (MarkKind::Segment { from, to }, false) => vec![from, to],
            _ => continue,
        };
        polyline(area, r, &line, c, style.thin(), m.dashed, style)?;
        occupied.line(area, r, &line);
    }
    Ok(())
}

/// The legend entries of marks.
pub(crate) fn mark_entries(marks: &[Mark], style: Style) -> Vec<Entry> {
    marks
        .iter()
        .map(|m| Entry {
            label: m.label.clone(),
            swatch: match m.kind {
                MarkKind::VSpan(..) => Swatch::Fill {
                    colour: m.colour.rgb(),
                    alpha: 0.16,
                },
                _ => Swatch::Line {
                    colour: m.colour.rgb(),
                    width: style.thin(),
                    dashed: m.dashed,
                    marker: false,
                },
            },
        })
        .collect()
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A line, optionally dashed and with a point marker.
    Line {
        colour: RGBColor,
        width: u32,
        dashed: bool,
        marker: bool,
    },
    /// A filled box.
    Fill { colour: RGBColor, alpha: f64 },
    /// A point, optionally with an interval.
    Point { colour: RGBColor, interval: bool },
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) label: String,
    pub(crate) swatch: Swatch,
}

/// Pixels covered by drawn data, to keep the legend off them.
#[derive(Debug, Default)]
pub(crate) struct Occupancy {
    points: Vec<(i32, i32)>,
}

impl Occupancy {
    /// Samples a polyline every few pixels.
    pub(crate) fn line<DB: DrawingBackend>(
        &mut self,
        area: &DrawingArea<DB, Coord>,
        r: Rect,
        points: &[(f64, f64)],
    ) {
        for part in clip_polyline(points, r) {
            let px: Vec<(i32, i32)> = part.iter().map(|p| area.map_coordinate(p)).collect();
            if px.len() == 1 {
                self.points.push(px[0]);
            }
            for w in px.windows(2) {
                let (a, b) = (w[0], w[1]);
                let len = f64::from((b.0 - a.0).abs().max((b.1 - a.1).abs()));
                let n = (len / 4.0).ceil().max(1.0) as i32;
                for k in 0..=n {
                    let t = f64::from(k) / f64::from(n);
                    self.points.push((
                        a.0 + (t * f64::from(b.0 - a.0)).round() as i32,
                        a.1 + (t * f64::from(b.1 - a.1)).round() as i32,
                    ));
                }
            }
        }
    }

    /// Samples the vertical extent from `y0` to `y1` at `x`.
    pub(crate) fn column<DB: DrawingBackend>(
        &mut self,
        area: &DrawingArea<DB, Coord>,
        r: Rect,
        x: f64,
        y0: f64,
        y1: f64,
    ) {
        self.line(area, r, &[(x, y0), (x, y1)]);
    }

    /// Samples a filled rectangle.
    pub(crate) fn rect<DB: DrawingBackend>(
        &mut self,
        area: &DrawingArea<DB, Coord>,
        r: Rect,
        a: (f64, f64),
        b: (f64, f64),
    ) {
        let (x0, x1) = (a.0.max(r.0).min(r.1), b.0.max(r.0).min(r.1));
        let p0 = area.map_coordinate(&(x0, a.1));
        let p1 = area.map_coordinate(&(x1, a.1));
        let cols = ((p1.0 - p0.0).abs() / 6).max(1);
        for k in 0..=cols {
            let x = x0 + (x1 - x0) * f64::from(k) / f64::from(cols);
            self.column(area, r, x, a.1, b.1);
        }
    }

    fn count(&self, (x0, y0, x1, y1): (i32, i32, i32, i32)) -> usize {
        self.points
            .iter()
            .filter(|p| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1)
            .count()
    }
}

/// Draws the legend in a corner of the plotting area `plot` (drawn on `root`, whose pixel
/// coordinates are the figure's). Entries with an empty label are left out; entries with the
/// same label are shown once.
pub(crate) fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &DrawingArea<DB, Coord>,
    entries: &[Entry],
    position: LegendPosition,
    occupied: &Occupancy,
    style: Style,
) -> Result<(), String> {
    let shown = distinct(entries);
    if shown.is_empty() || position == LegendPosition::Hidden {
        return Ok(());
    }
    let font = text(style.legend());
    let pad = style.ipx(12.0);
    let swatch_w = style.ipx(40.0);
    let gap = style.ipx(10.0);
    let row = (style.legend() * 1.55).round() as i32;
    let mut text_w = 0;
    for e in &shown {
        text_w = text_w.max(text_size(root, &e.label, &font)?.0);
    }
    let w = 2 * pad + swatch_w + gap + text_w;
    let h = 2 * pad + row * shown.len() as i32 - (row - style.legend().round() as i32);
    // The plot's pixel range is the figure's; `root` may be a part of the figure.
    let (xs, ys) = plot.get_pixel_range();
    let (bx, by) = root.get_base_pixel();
    let (xs, ys) = (xs.start - bx..xs.end - bx, ys.start - by..ys.end - by);
    let inset = style.ipx(14.0);
    let corner = |p: LegendPosition| -> (i32, i32) {
        let left = xs.start + inset;
        let right = xs.end - inset - w;
        let top = ys.start + inset;
        let bottom = ys.end - inset - h;
        match p {
            LegendPosition::UpperLeft => (left, top),
            LegendPosition::LowerLeft => (left, bottom),
            LegendPosition::LowerRight => (right, bottom),
            _ => (right, top),
        }
    };
    let position = if matches!(position, LegendPosition::Auto | LegendPosition::Below) {
        let candidates = [
            LegendPosition::UpperRight,
            LegendPosition::UpperLeft,
            LegendPosition::LowerLeft,
            LegendPosition::LowerRight,
        ];
        let m = style.ipx(6.0);
        let cost = |p: LegendPosition| {
            let (x, y) = corner(p);
            let (x, y) = (x + bx, y + by);
            occupied.count((x - m, y - m, x + w + m, y + h + m))
        };
        let mut best = candidates[0];
        for &c in &candidates[1..] {
            if cost(c) < cost(best) {
                best = c;
            }
        }
        best
    } else {
        position
    };
    legend_box(root, &shown, corner(position), (w, h), &font, style)
}

/// Draws a legend's box at `(x0, y0)`, `w` by `h` pixels, and its entries.
fn legend_box<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    shown: &[&Entry],
    (x0, y0): (i32, i32),
    (w, h): (i32, i32),
    font: &TextStyle<'_>,
    style: Style,
) -> Result<(), String> {
    let pad = style.ipx(12.0);
    let swatch_w = style.ipx(40.0);
    let gap = style.ipx(10.0);
    let row = (style.legend() * 1.55).round() as i32;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        WHITE.mix(0.92).filled(),
    ))
    .map_err(msg)?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        RGBColor(0xB0, 0xB0, 0xB0).stroke_width(1),
    ))
    .map_err(msg)?;
    let label_style = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in shown.iter().enumerate() {
        let yc = y0 + pad + (style.legend() / 2.0).round() as i32 + i as i32 * row;
        let sx = x0 + pad;
        swatch(root, e.swatch, (sx, yc), swatch_w, style)?;
        root.draw_text(&e.label, &label_style, (sx + swatch_w + gap, yc))
            .map_err(msg)?;
    }
    Ok(())
}

/// Entries with a label, each label once, in order.
fn distinct(entries: &[Entry]) -> Vec<&Entry> {
    let mut shown: Vec<&Entry> = Vec::new();
    for e in entries {
        if !e.label.is_empty() && !shown.iter().any(|s| s.label == e.label) {
            shown.push(e);
        }
    }
    shown
}

/// A legend laid out in rows across a figure `width` pixels wide: the entries of each row and
/// the width of each entry.
struct StripLayout<'a> {
    rows: Vec<Vec<(&'a Entry, i32)>>,
}

const STRIP_SWATCH: f64 = 40.0;

fn strip_layout<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &'a [Entry],
    style: Style,
) -> Result<StripLayout<'a>, String> {
    let (w, _) = area.dim_in_pixel();
    let room = w as i32 - 2 * style.margin();
    let font = text(style.legend());
    let spacing = style.ipx(28.0);
    let mut rows: Vec<Vec<(&Entry, i32)>> = Vec::new();
    let mut used = 0;
    for e in distinct(entries) {
        let ew = style.ipx(STRIP_SWATCH) + style.ipx(10.0) + text_size(area, &e.label, &font)?.0;
        match rows.last_mut() {
            Some(row) if used + spacing + ew <= room => {
                row.push((e, ew));
                used += spacing + ew;
            }
            _ => {
                rows.push(vec![(e, ew)]);
                used = ew;
            }
        }
    }
    Ok(StripLayout { rows })
}

/// Height in pixels of the legend strip of `entries` across `area` (0 without entries).
pub(crate) fn legend_strip_height<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    style: Style,
) -> Result<i32, String> {
    let rows = strip_layout(area, entries, style)?.rows.len() as i32;
    Ok(if rows == 0 {
        0
    } else {
        rows * (style.legend() * 1.55).round() as i32 + style.ipx(16.0)
    })
}

/// Draws a legend shared by several plots: its entries (each label once) in rows, centred
/// across `area`, below a thin rule.
pub(crate) fn legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    style: Style,
) -> Result<(), String> {
    let layout = strip_layout(area, entries, style)?;
    if layout.rows.is_empty() {
        return Ok(());
    }
    let (w, _) = area.dim_in_pixel();
    let w = w as i32;
    let margin = style.margin();
    area.draw(&PathElement::new(
        vec![(margin, style.ipx(4.0)), (w - margin, style.ipx(4.0))],
        RGBColor(0xB0, 0xB0, 0xB0).stroke_width(1),
    ))
    .map_err(msg)?;
    let row_h = (style.legend() * 1.55).round() as i32;
    let spacing = style.ipx(28.0);
    let label_style = text(style.legend()).pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in layout.rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|(_, ew)| ew).sum::<i32>() + spacing * (row.len() as i32 - 1);
        let mut x = ((w - total) / 2).max(margin);
        let yc = style.ipx(12.0) + row_h / 2 + r as i32 * row_h;
        for (e, ew) in row {
            let sw = style.ipx(STRIP_SWATCH);
            swatch(area, e.swatch, (x, yc), sw, style)?;
            area.draw_text(&e.label, &label_style, (x + sw + style.ipx(10.0), yc))
                .map_err(msg)?;
            x += ew + spacing;
        }
    }
    Ok(())
}

/// Draws a legend swatch `w` pixels wide centred vertically on `yc`.
fn swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Swatch,
    (x, yc): (i32, i32),
    w: i32,
    style: Style,
) -> Result<(), String> {
    let half = (style.legend() * 0.45).round() as i32;
    match s {
        Swatch::Line {
            colour,
            width,
            dashed,
            marker,
        } => {
            let line = colour.stroke_width(width);
            if dashed {
                root.draw(&DashedPathElement::new(
                    vec![(x, yc), (x + w, yc)],
                    style.ipx(9.0),
                    style.ipx(6.0),
                    line,
                ))
                .map_err(msg)?;
            } else {
                root.draw(&PathElement::new(vec![(x, yc), (x + w, yc)], line))
                    .map_err(msg)?;
            }
            if marker {
                root.draw(&Circle::new(
                    (x + w / 2, yc),
                    style.ipx(4.0),
                    colour.filled(),
                ))
                .map_err(msg)?;
            }
        }
        Swatch::Fill { colour, alpha } => {
            root.draw(&Rectangle::new(
                [(x, yc - half), (x + w, yc + half)],
                colour.mix(alpha).filled(),
            ))
            .map_err(msg)?;
        }
        Swatch::Point { colour, interval } => {
            let cx = x + w / 2;
            if interval {
                let line = colour.stroke_width(style.thin());
                let cap = style.ipx(6.0);
                for (a, b) in [
                    ((cx, yc - half), (cx, yc + half)),
                    ((cx - cap, yc - half), (cx + cap, yc - half)),
                    ((cx - cap, yc + half), (cx + cap, yc + half)),
                ] {
                    root.draw(&PathElement::new(vec![a, b], line))
                        .map_err(msg)?;
                }
            }
            root.draw(&Circle::new((cx, yc), style.ipx(6.0), colour.filled()))
                .map_err(msg)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_covering_the_data() {
        let s = Scale::new(&Axis::new("x"), (0.03, 0.97), false, 6);
        assert_eq!((s.lo, s.hi), (0.0, 1.0));
        let h = Scale::new(&Axis::new("h"), (0.0, 433.0), true, 6);
        assert_eq!((h.lo, h.hi), (0.0, 500.0));
        assert_eq!(s.ticks.len(), 6);
        assert_eq!(s.format(0.4), "0.4");
        let p = Scale::new(
            &Axis::new("p").percent().range(0.0, 1.0),
            (0.0, 0.5),
            false,
            5,
        );
        assert_eq!(p.format(0.2), "20%");
        let m = Scale::new(&Axis::new("m").tick_step(12.0), (0.0, 118.0), false, 6);
        assert_eq!((m.lo, m.hi), (0.0, 120.0));
        assert!((m.ticks[1] - 12.0).abs() < 1e-12);
        let q = Scale::new(&Axis::new("q"), (-0.25, 2.2), false, 8);
        assert!(q.ticks.iter().all(|t| q.format(*t) != "-0"));
        let counts = Scale::new(&Axis::new("c").integer(), (0.0, 14.0), true, 6);
        assert!(counts.ticks.iter().all(|t| t.fract() == 0.0));
        let few = Scale::new(&Axis::new("c").integer(), (0.0, 2.0), true, 6);
        assert_eq!(few.ticks, vec![0.0, 1.0, 2.0]);
        let flat = Scale::new(&Axis::new("f"), (3.0, 3.0), false, 6);
        assert!(flat.lo < 3.0 && flat.hi > 3.0);
        let none = Scale::new(&Axis::new("n"), (f64::INFINITY, f64::NEG_INFINITY), true, 6);
        assert_eq!((none.lo, none.hi), (0.0, 1.0));
    }

    #[test]
    fn clipping_keeps_what_is_inside() {
        let r = (0.0, 1.0, 0.0, 1.0);
        let parts = clip_polyline(&[(-1.0, 0.5), (0.5, 0.5), (0.5, 2.0)], r);
        assert_eq!(parts, vec![vec![(0.0, 0.5), (0.5, 0.5), (0.5, 1.0)]]);
        assert!(clip_polyline(&[(2.0, 2.0), (3.0, 3.0)], r).is_empty());
        let poly = clip_polygon(&[(-1.0, -1.0), (2.0, -1.0), (2.0, 0.5), (-1.0, 0.5)], r);
        assert!(
            poly.iter()
                .all(|p| p.0 >= 0.0 && p.0 <= 1.0 && p.1 >= 0.0 && p.1 <= 1.0)
        );
        assert_eq!(poly.len(), 4);
        assert_eq!(
            finite_runs(&[0.0, 1.0, 2.0, 3.0], &[&[1.0, f64::NAN, 1.0, 1.0]]),
            vec![0..1, 2..4]
        );
    }
}
