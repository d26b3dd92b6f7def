//! Text tables for the terminal: every column as wide as its widest cell, header included.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: cells start at the same column.
    Left,
    /// Numbers: cells end at the same column.
    Right,
}

/// The table as lines, columns separated by two spaces; an empty cell is written `-`, so that
/// every cell of every row is visible and the columns can be told apart.
pub fn render(header: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| -> String {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    let all: Vec<Vec<String>> = std::iter::once(header.iter().map(|h| cell(h)).collect())
        .chain(rows.iter().map(|r| r.iter().map(|c| cell(c)).collect()))
        .collect();
    let columns = all.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..columns)
        .map(|i| {
            all.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &all {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = width[i].saturating_sub(c.chars().count());
            let last = i + 1 == row.len();
            match align.get(i).copied().unwrap_or(Align::Left) {
                Align::Right => {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(c);
                }
                Align::Left => {
                    line.push_str(c);
                    if !last {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_widths() {
        let t = render(
            &["name", "n"],
            &[Align::Left, Align::Right],
            &[
                vec!["a-long-name".into(), "1".into()],
                vec!["b".into(), "12345".into()],
                vec!["".into(), "".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "name             n");
        assert_eq!(lines[1], "a-long-name      1");
        assert_eq!(lines[2], "b            12345");
        assert_eq!(lines[3], "-                -");
    }
}
