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
    let escaped = escape(text);
    if escaped.chars().count() <= MAX {
        escaped
    } else {
        let cut: String = escaped.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Control characters (and the bidirectional overrides that reorder what a
/// terminal shows) as `\u{..}` escapes; everything else unchanged.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if c.is_control() || bidi {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// A file path for a message: escaped like [`quote`], and when long its end
/// is kept (`…/scenarios/ban.toml`), since the file name is what tells.
pub fn path(p: &std::path::Path) -> String {
    const MAX: usize = 80;
    let escaped = escape(&p.display().to_string());
    let n = escaped.chars().count();
    if n <= MAX {
        escaped
    } else {
        format!("…{}", escaped.chars().skip(n - MAX).collect::<String>())
    }
}

/// A number for an error message: as written when short, in scientific
/// notation when its plain form is long (`1e300` prints 301 digits plainly).
pub fn number(v: f64) -> String {
    let plain = v.to_string();
    if plain.len() <= 24 {
        plain
    } else {
        format!("{v:e}")
    }
}

/// Longest line [`terminal`] lets through, in characters.
pub const MAX_LINE: usize = 320;

/// Make a whole message safe for a terminal, the last guard before stderr:
/// control characters other than line breaks are escaped (`\u{1b}`), a run of
/// more than 80 non-blank characters is cut to 80 with `…`, and a line longer
/// than [`MAX_LINE`] keeps its start and its end (where "expected …" usually
/// is) around a `…`. Messages should quote user input with [`quote`]; this
/// catches what they miss (text from the argument parser, the OS, serde or TOML).
pub fn terminal(text: &str) -> String {
    text.split('\n')
        .map(terminal_line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn terminal_line(line: &str) -> String {
    const MAX_RUN: usize = 80;
    let mut out = String::new();
    let mut run = 0usize;
    for c in line.chars() {
        if c == ' ' {
            run = 0;
            out.push(c);
            continue;
        }
        run += 1;
        if run > MAX_RUN {
            if run == MAX_RUN + 1 {
                out.push('…');
            }
            continue;
        }
        push_escaped(&mut out, c);
    }
    let n = out.chars().count();
    if n <= MAX_LINE {
        return out;
    }
    let head: String = out.chars().take(MAX_LINE * 2 / 3).collect();
    let tail: String = out.chars().skip(n - MAX_LINE / 3 + 2).collect();
    format!("{head} … {tail}")
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
    fn terminal_text_is_short_and_has_no_control_characters() {
        let huge = "9".repeat(1_000_000);
        let t = terminal(&format!("key: `{huge}` \x1b[31mred\r\0 expected f64"));
        assert!(t.chars().count() <= MAX_LINE + 3, "{}", t.len());
        assert!(!t.chars().any(|c| c.is_control()), "{t}");
        assert!(
            t.contains("\\u{1b}[31mred") && t.ends_with("expected f64"),
            "{t}"
        );
        let many = "ab ".repeat(10_000);
        assert!(terminal(&many).chars().count() <= MAX_LINE + 3);
        assert_eq!(terminal("a\nb"), "a\nb");
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-0.25), "-0.25");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            markdown_cell("a|b<script>x</script>\nc"),
            "a\\|b&lt;script&gt;x&lt;/script&gt; c"
        );
    }
}
