//! Diagnostics: one problem in an input file (a scenario or a drug file), with where it is and
//! what would be accepted.

use std::fmt;
use std::ops::Range;

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Key path, e.g. `population.covariates.age.sd` (empty for syntax errors).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What would be accepted, or a likely fix.
    pub help: Option<String>,
    /// The source line, for the caret display.
    pub source_line: String,
    /// Width of the caret underline, in characters (at least 1).
    pub width: usize,
}

impl Diagnostic {
    /// A diagnostic at a byte span of `src`.
    pub fn at(
        file: &str,
        src: &str,
        span: Range<usize>,
        path: &str,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let start = span.start.min(src.len());
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line = src[..start].matches('\n').count() + 1;
        let column = src[line_start..start].chars().count() + 1;
        let end = span.end.clamp(start, line_end);
        let width = src[start..end].chars().count().max(1);
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            path: path.to_string(),
            message,
            help,
            source_line: src[line_start..line_end].trim_end_matches('\r').to_string(),
            width,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::text::clip;
        write!(
            f,
            "{}:{}:{}: ",
            clip(&self.file, 200),
            self.line,
            self.column
        )?;
        if !self.path.is_empty() {
            write!(f, "`{}`: ", clip(&self.path, 200))?;
        }
        writeln!(f, "{}", clip(&self.message, 400))?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        // A long line is shown as a window of at most SHOWN characters around the column, so
        // that a 200,000-character value is not echoed whole.
        const SHOWN: usize = 200;
        let chars = self.source_line.chars().count();
        let (line, column, width) = if chars <= SHOWN {
            (self.source_line.clone(), self.column, self.width)
        } else {
            let first = self
                .column
                .saturating_sub(40)
                .min(chars.saturating_sub(SHOWN));
            let window: String = self.source_line.chars().skip(first).take(SHOWN).collect();
            let before = if first > 0 { "..." } else { "" };
            let after = if first + SHOWN < chars { "..." } else { "" };
            let column = self.column - first + before.len();
            let width = self
                .width
                .min(SHOWN + 1 + before.len() - column.min(SHOWN + before.len()));
            (format!("{before}{window}{after}"), column, width.max(1))
        };
        writeln!(f, "{} | {line}", self.line)?;
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(column - 1),
            "^".repeat(width)
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n{:gutter$} = help: {}", "", clip(help, 800))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let src = "a = 1\nbé = 2\n";
        let start = src.find('2').unwrap();
        let d = Diagnostic::at("f.toml", src, start..start + 1, "bé", "bad".into(), None);
        assert_eq!((d.line, d.column), (2, 6));
        assert_eq!(d.source_line, "bé = 2");
        let text = d.to_string();
        assert!(text.starts_with("f.toml:2:6: `bé`: bad"), "{text}");
        assert!(text.contains("     ^"), "{text}");
    }
}
