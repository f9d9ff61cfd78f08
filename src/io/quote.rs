//! Escaping user-provided text for the files and pages airace writes.
//!
//! Names, parameter values and error messages come from the user's config
//! and sweep files; a spreadsheet opening `summary.csv` would run a cell
//! starting with `=`, `+`, `-` or `@` as a formula (CSV injection), and a
//! Markdown table breaks on `|` or renders raw HTML.

/// A CSV cell for user-provided text, escaped per OWASP's CSV-injection
/// guidance: text starting with `=`, `+`, `-`, `@`, tab or carriage return
/// gets a leading `'` so spreadsheets show it as text. Numbers (`-1.5`,
/// `+3`, `-inf`) are left alone: they are values, not formulas.
pub fn csv_text(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.trim().parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// [`csv_text`] as a complete CSV field: quoted (RFC 4180) when it holds a
/// comma, quote or line break, for writers that format rows by hand.
pub fn csv_field(s: &str) -> String {
    let t = csv_text(s);
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}

/// A Markdown table cell: `|`, `\`, `<`, `>`, `&` and backticks escaped,
/// line breaks turned into spaces, so the text shows as written.
pub fn markdown_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most ~80 characters of user input, escaped, for error messages: a
/// 100 MB value or a control character must not reach the terminal whole.
pub fn quote(text: &str) -> String {
    const MAX: usize = 80;
    let escaped: String = text.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() <= MAX {
        escaped
    } else {
        let cut: String = escaped.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+cmd"), "'+cmd");
        assert_eq!(csv_text("-2+3"), "'-2+3");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("\tx"), "'\tx");
        assert_eq!(csv_text("-1.5"), "-1.5");
        assert_eq!(csv_text("ban"), "ban");
        assert_eq!(csv_field("=1,2"), "\"'=1,2\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            markdown_cell("a|b<script>x</script>\nc"),
            "a\\|b&lt;script&gt;x&lt;/script&gt; c"
        );
    }
}
