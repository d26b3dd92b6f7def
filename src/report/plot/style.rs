//! The house style of every figure: colours, font sizes and line widths.
//!
//! Sizes are given for the default 1200 × 800 px figure and scale with the figure
//! (by the smaller of width / 1200 and height / 800), so a figure looks the same at any size.

use plotters::style::RGBColor;

/// Font family every text is drawn in (DejaVu Sans, bundled and registered once).
pub(crate) const FAMILY: &str = "sans-serif";

/// Eight colours that stay distinguishable with the common colour-vision deficiencies
/// (Okabe and Ito, "Color Universal Design", 2008), in the order series take them. Yellow is
/// last because it has little contrast on white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// Grey of reference shading and grid lines.
pub(crate) const GREY: RGBColor = RGBColor(0x80, 0x80, 0x80);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
/// Secondary text (subtitles).
pub(crate) const DARK_GREY: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// A colour of the house style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// The colour of the series at this position ([`PALETTE`], repeating after eight).
    Series(usize),
    /// Black: published or reference values.
    Black,
    /// Mid grey: reference ranges.
    Grey,
}

impl Colour {
    /// The colour as RGB.
    pub fn rgb(self) -> RGBColor {
        match self {
            Colour::Series(i) => PALETTE[i % PALETTE.len()],
            Colour::Black => RGBColor(0, 0, 0),
            Colour::Grey => GREY,
        }
    }
}

/// Where the legend goes inside the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendPosition {
    /// The corner where it covers the least of the drawn data (upper right when there is a tie).
    #[default]
    Auto,
    /// Upper right corner.
    UpperRight,
    /// Upper left corner.
    UpperLeft,
    /// Lower left corner.
    LowerLeft,
    /// Lower right corner.
    LowerRight,
    /// Under the plot, across the figure, in rows: for crowded line and step charts, whose
    /// data leave no corner free (other figures place it as [`LegendPosition::Auto`]).
    Below,
    /// No legend.
    Hidden,
}

/// Pixel sizes at the figure's scale.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    scale: f64,
}

impl Style {
    /// The style of a `width` × `height` figure.
    pub(crate) fn for_size(width: u32, height: u32) -> Style {
        let scale = (f64::from(width) / 1200.0)
            .min(f64::from(height) / 800.0)
            .clamp(0.4, 4.0);
        Style { scale }
    }

    /// `px` pixels of the default-size figure at this scale.
    pub(crate) fn px(self, px: f64) -> f64 {
        px * self.scale
    }

    /// `px` pixels of the default-size figure at this scale, rounded, at least 1.
    pub(crate) fn ipx(self, px: f64) -> i32 {
        (px * self.scale).round().max(1.0) as i32
    }

    /// Title font size.
    pub(crate) fn title(self) -> f64 {
        self.px(32.0)
    }

    /// Subtitle font size.
    pub(crate) fn subtitle(self) -> f64 {
        self.px(20.0)
    }

    /// Axis label font size.
    pub(crate) fn axis(self) -> f64 {
        self.px(22.0)
    }

    /// Tick label font size.
    pub(crate) fn tick(self) -> f64 {
        self.px(18.0)
    }

    /// Legend font size.
    pub(crate) fn legend(self) -> f64 {
        self.px(18.0)
    }

    /// Width of data lines.
    pub(crate) fn line(self) -> u32 {
        self.ipx(3.0) as u32
    }

    /// Width of reference lines and error bars.
    pub(crate) fn thin(self) -> u32 {
        self.ipx(2.0) as u32
    }

    /// Outer margin of the figure.
    pub(crate) fn margin(self) -> i32 {
        self.ipx(24.0)
    }
}
