//! Open a generated `report.html` in headless Chromium and check that every
//! chart image actually loads (naturalWidth > 0), i.e. the relative links and
//! the PNG bytes are right, as a reader's browser would see them.
//!
//! The report itself has no scripts; the test copies it to a probe page with
//! one inline script that, on `load`, writes each image's size into a
//! `<pre id="airace-probe">`, then reads it back from `--dump-dom`.
//! Without `/usr/bin/chromium` the test is skipped with a message, unless
//! `AIRACE_REQUIRE_CHROMIUM=1` (CI) makes that a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The browser to use, or `None` (after saying why) when the test should be skipped.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("AIRACE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| CHROMIUM.into());
    if path.exists() {
        return Some(path);
    }
    if std::env::var("AIRACE_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
        panic!(
            "{} not found and AIRACE_REQUIRE_CHROMIUM=1 (run scripts/install-test-deps.sh)",
            path.display()
        );
    }
    eprintln!(
        "skipping report_browser: {} not found (set AIRACE_REQUIRE_CHROMIUM=1 to fail instead)",
        path.display()
    );
    None
}

/// A run folder with the fixture CSV and a manifest, rendered with `airace plot`.
fn rendered_run(root: &Path) -> PathBuf {
    let dir = root.join("baseline run");
    fs::create_dir_all(&dir).unwrap();
    fs::copy(
        "tests/fixtures/timeseries_sample.csv",
        dir.join("timeseries.csv"),
    )
    .unwrap();
    let mut manifest = airace::io::manifest::Manifest::new_for_build("baseline", "", 42, 1, 1);
    manifest
        .files
        .insert("timeseries.csv".into(), "00ff".into());
    airace::layout::write_manifest(&dir, &manifest).unwrap();
    airace::render::plot_run(&dir).expect("plot succeeds on the fixture");
    dir
}

/// The script injected into the probe copy of the report.
const PROBE: &str = r#"<script>
window.addEventListener('load', function () {
  var lines = Array.prototype.map.call(document.images, function (img) {
    return img.getAttribute('src') + ' ' + img.naturalWidth + 'x' + img.naturalHeight;
  });
  var pre = document.createElement('pre');
  pre.id = 'airace-probe';
  pre.textContent = 'IMAGES ' + document.images.length + '\n' + lines.join('\n') + '\nEND';
  document.body.appendChild(pre);
});
</script>"#;

/// Run Chromium on `page` and return the dumped DOM, killing it after `limit`.
fn dump_dom(browser: &Path, page: &Path, profile: &Path, limit: Duration) -> String {
    let url = format!("file://{}", page.display()).replace(' ', "%20");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=5000", "--dump-dom", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    while child.try_wait().expect("wait on chromium").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("chromium output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_report_image_loads_in_chromium() {
    let Some(browser) = chromium() else { return };
    let root = tempfile::tempdir().unwrap();
    let dir = rendered_run(root.path());
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("<script"), "report must not need JavaScript");
    for external in ["http://", "https://", "//cdn", "@import"] {
        assert!(
            !html.contains(external),
            "report references an external asset ({external})"
        );
    }
    let probe_page = dir.join("probe.html");
    fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}\n</body>")),
    )
    .unwrap();

    let profile = tempfile::tempdir().unwrap();
    let dom = dump_dom(
        &browser,
        &probe_page,
        profile.path(),
        Duration::from_secs(120),
    );
    let images = probe_result(&dom);
    assert_eq!(images.len(), 7, "{images:?}");
    for (src, size) in &images {
        assert!(
            src.starts_with("charts/"),
            "image link not relative to charts/: {src}"
        );
        assert_eq!(size, "1400x900", "image {src} did not load");
    }
    assert!(
        dom.contains("leads on innovation") && dom.contains("leads on diffusion"),
        "headline missing"
    );

    // Control: the probe must notice a broken image, or the check above proves nothing.
    fs::remove_file(dir.join("charts/power.png")).unwrap();
    let dom = dump_dom(
        &browser,
        &probe_page,
        profile.path(),
        Duration::from_secs(120),
    );
    let broken: Vec<_> = probe_result(&dom)
        .into_iter()
        .filter(|(_, size)| size == "0x0")
        .collect();
    assert_eq!(
        broken,
        [("charts/power.png".to_string(), "0x0".to_string())]
    );
}

/// `(src, "WxH")` of every image, from the element the probe script wrote.
fn probe_result(dom: &str) -> Vec<(String, String)> {
    // The dumped DOM also contains the script's own source; read the element it wrote.
    let marker = "<pre id=\"airace-probe\">";
    let start = dom.find(marker).map(|i| i + marker.len());
    let start = start.unwrap_or_else(|| panic!("probe output missing; DOM was:\n{dom}"));
    let end = dom[start..]
        .find("END")
        .map(|e| start + e)
        .unwrap_or(dom.len());
    let mut lines = dom[start..end].lines();
    let count: usize = lines
        .next()
        .and_then(|l| l.strip_prefix("IMAGES "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let images: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.rsplit_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .unwrap_or((l.to_string(), String::new()))
        })
        .collect();
    assert_eq!(
        images.len(),
        count,
        "probe listed {count} images but reported {}",
        images.len()
    );
    images
}
