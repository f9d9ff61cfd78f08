//! HTML pages: the run report, the comparison page, and the one page
//! skeleton every other page (scenarios, sweep, validate) is written with.
//!
//! One style for every page, so a reader learns it once: an `<h1>` that
//! names what the page is about (with its provenance under it), a
//! one-paragraph answer first, then figures with captions and readable
//! tables. Images shrink to the page (`max-width:100%`); a wide table
//! scrolls inside its own box, so no page is ever wider than the window.
//! Pages are self-contained: inline CSS, relative image links, no scripts,
//! no external assets, so they open offline and survive being zipped.

mod compare;
/// The earned headline: verdicts, index definitions, the why bullets.
pub mod headline;
mod run;

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;
use crate::io::atomic::write_atomic;

pub use compare::{compare_subtitle, config_diff, flatten_toml, write_compare_page, CompareRun};
pub use run::{format_figure, format_pair, write_run_report, ReportMeta};

/// Escape `s` for HTML text and attribute values.
///
/// Config names, scopes and file names come from users; escaping every data
/// string keeps a name like `a<b` from breaking (or scripting) the page.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The shared stylesheet. `img`, `table` and `pre` are bounded by the page
/// width everywhere (a table is a scrolling block), so even a page that does
/// not use [`table`] or [`figure`] cannot overflow horizontally.
const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#212529;background:#fff;margin:0;overflow-wrap:break-word}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px;line-height:1.5}
h1{font-size:1.9em;margin:0.2em 0}h2{margin-top:1.8em;border-bottom:1px solid #dee2e6;padding-bottom:4px}
.sub{color:#6c757d;margin-top:0}
.lead{font-size:1.2em;background:#f4f6f9;border-left:5px solid #495057;padding:12px 16px;border-radius:4px}
.us{color:#1f5fbf;font-weight:600}.cn{color:#d62728;font-weight:600}
img{max-width:100%;height:auto}
figure{margin:18px 0}figure img{display:block;width:100%;max-width:100%;height:auto;border:1px solid #e2e4e8;border-radius:4px}
figcaption{color:#495057;font-size:0.95em;margin-top:4px}
.scroll{max-width:100%;overflow-x:auto;margin:10px 0}
table{border-collapse:collapse;font-size:0.95em;display:block;max-width:100%;overflow-x:auto}
.scroll table{display:table;max-width:none;overflow:visible;margin:0}
th,td{border-bottom:1px solid #e2e4e8;padding:5px 12px;text-align:left;vertical-align:top}
th{background:#f4f6f9}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.up{color:#1b6e3a}td.down{color:#9c2b1b}
pre{max-width:100%;overflow-x:auto}
code{font-family:'DejaVu Sans Mono',monospace;font-size:0.9em;word-break:break-all}
";

/// A page in the shared style ([`write_page`]).
#[derive(Clone, Debug, Default)]
pub struct Page<'a> {
    /// The browser tab title and the `<h1>` (plain text; escaped).
    pub title: &'a str,
    /// The grey line under the `<h1>`: provenance, seed, span (plain text; escaped).
    pub subtitle: &'a str,
    /// The answer, one paragraph of HTML (callers escape their data strings).
    pub answer: &'a str,
    /// The rest of the page, HTML (callers escape their data strings).
    pub body: &'a str,
}

/// The page as HTML text: `<h1>`, subtitle, the answer paragraph, the body.
pub fn page_html(page: &Page<'_>) -> String {
    let mut b = format!("<h1>{}</h1>\n", escape_html(page.title));
    if !page.subtitle.is_empty() {
        let _ = writeln!(b, "<p class=\"sub\">{}</p>", escape_html(page.subtitle));
    }
    if !page.answer.is_empty() {
        let _ = writeln!(b, "<p class=\"lead\">{}</p>", page.answer);
    }
    b.push_str(page.body);
    document(page.title, &b)
}

/// Write `page` to `path` atomically.
pub fn write_page(path: &Path, page: &Page<'_>) -> Result<()> {
    write_atomic(path, page_html(page).as_bytes())
}

/// Write a complete, self-contained HTML page to `path` (atomically).
///
/// `title` is escaped; `body_html` is inserted as is, so callers must escape
/// the data strings they put in it (use [`escape_html`]). A body without an
/// `<h1>` gets `title` as its heading. Prefer [`write_page`], which also puts
/// the answer first.
pub fn write_html_page(path: &Path, title: &str, body_html: &str) -> Result<()> {
    let body = if body_html.contains("<h1") {
        body_html.to_string()
    } else {
        format!("<h1>{}</h1>\n{body_html}", escape_html(title))
    };
    write_atomic(path, document(title, &body).as_bytes())
}

/// The HTML document around a page's body.
fn document(title: &str, body_html: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body_html}\n</main>\n</body>\n</html>\n",
        escape_html(title)
    )
}

/// A chart as a `<figure>` with its caption; `src` is a relative link.
/// The image scales down with the page and keeps its aspect ratio.
pub fn figure(src: &str, alt: &str, caption: &str) -> String {
    let cap = if caption.is_empty() {
        String::new()
    } else {
        format!("<figcaption>{}</figcaption>", escape_html(caption))
    };
    format!(
        "<figure><img src=\"{}\" alt=\"{}\" loading=\"lazy\">{cap}</figure>\n",
        escape_html(src),
        escape_html(alt)
    )
}

/// A table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text, left-aligned (escaped).
    Text(String),
    /// A formatted number, right-aligned (escaped).
    Num(String),
    /// A signed difference, right-aligned and tinted by its sign (escaped).
    Delta(String, f64),
    /// Trusted HTML (the caller escaped it).
    Html(String),
}

/// A table in its own horizontally scrolling box: however many columns it
/// has, the page around it never gets wider than the window.
/// Header cells ending in a number column are right-aligned like the cells.
pub fn table(head: &[String], rows: &[Vec<Cell>]) -> String {
    let mut h = String::from("<div class=\"scroll\"><table>\n<tr>");
    let numeric: Vec<bool> = (0..head.len())
        .map(|i| {
            rows.iter()
                .all(|r| matches!(r.get(i), Some(Cell::Num(_) | Cell::Delta(..))))
                && !rows.is_empty()
        })
        .collect();
    for (t, num) in head.iter().zip(&numeric) {
        let class = if *num { " class=\"num\"" } else { "" };
        let _ = write!(h, "<th{class}>{}</th>", escape_html(t));
    }
    h.push_str("</tr>\n");
    for row in rows {
        h.push_str("<tr>");
        for c in row {
            match c {
                Cell::Text(s) => {
                    let _ = write!(h, "<td>{}</td>", escape_html(s));
                }
                Cell::Num(s) => {
                    let _ = write!(h, "<td class=\"num\">{}</td>", escape_html(s));
                }
                Cell::Delta(s, d) => {
                    let class = match d {
                        d if *d > 0.0 => "num up",
                        d if *d < 0.0 => "num down",
                        _ => "num",
                    };
                    let _ = write!(h, "<td class=\"{class}\">{}</td>", escape_html(s));
                }
                Cell::Html(s) => {
                    let _ = write!(h, "<td>{s}</td>");
                }
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }

    #[test]
    fn pages_put_the_heading_and_answer_first() {
        let html = page_html(&Page {
            title: "Sweep <x>",
            subtitle: "seed 1",
            answer: "It depends.",
            body: "<h2>More</h2>",
        });
        let h1 = html.find("<h1>Sweep &lt;x&gt;</h1>").unwrap();
        let lead = html.find("<p class=\"lead\">It depends.</p>").unwrap();
        assert!(h1 < lead && lead < html.find("<h2>More").unwrap());
        assert!(html.contains("max-width:100%"));
    }

    #[test]
    fn tables_scroll_in_their_own_box_and_align_numbers() {
        let t = table(
            &["metric".into(), "value".into()],
            &[vec![Cell::Text("a<b".into()), Cell::Num("1.5%".into())]],
        );
        assert!(t.starts_with("<div class=\"scroll\"><table>"));
        assert!(t.contains("<th class=\"num\">value</th>") && t.contains("a&lt;b"));
    }
}
