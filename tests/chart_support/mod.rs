//! Helpers shared by the chart test files: the committed fixture run, run
//! folders built from it, and a decoded PNG.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use airace::io::timeseries::Timeseries;
use airace::plot::{BandChart, BandSeries};

/// The synthetic run `tests/charts.rs` generates and checks.
pub const FIXTURE: &str = "tests/fixtures/timeseries_sample.csv";
/// Quarters in the fixture.
pub const TICKS: u32 = 40;

/// The fixture run.
pub fn fixture() -> Timeseries {
    Timeseries::read(Path::new(FIXTURE)).expect("fixture readable")
}

/// A decoded RGB image.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Image {
    pub fn decode(path: &Path) -> Image {
        let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let decoder = png::Decoder::new(std::io::BufReader::new(file));
        let mut reader = decoder.read_info().expect("valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("valid PNG data");
        assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb: buf,
        }
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y * self.width + x) as usize * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    pub fn distinct_colours(&self) -> usize {
        self.rgb
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Dark pixels (title text) in the top `rows` rows.
    pub fn dark_pixels_in_top(&self, rows: u32) -> usize {
        let mut n = 0;
        for y in 0..rows.min(self.height) {
            for x in 0..self.width {
                let [r, g, b] = self.pixel(x, y);
                n += usize::from((r as u32 + g as u32 + b as u32) < 200);
            }
        }
        n
    }

    pub fn count_colour(&self, c: [u8; 3]) -> usize {
        self.rgb.chunks_exact(3).filter(|p| *p == c).count()
    }
}

/// File names of `paths`.
pub fn names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// A run folder with the fixture CSV and a manifest.
pub fn run_dir(root: &Path, name: &str, scale: f64) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    let mut ts = fixture();
    for v in ts.values_mut() {
        *v *= scale;
    }
    fs::write(dir.join("timeseries.csv"), ts.to_csv_string()).unwrap();
    let mut manifest =
        airace::io::manifest::Manifest::new_for_build(format!("{name}<x>"), "", 7, 1, 1);
    manifest
        .files
        .insert("timeseries.csv".into(), "ab12".into());
    manifest.files.insert("config.toml".into(), "cd34".into());
    airace::layout::write_manifest(&dir, &manifest).unwrap();
    dir
}

/// A band chart spec over `groups` (the first is the baseline).
pub fn band_spec<'a>(groups: &'a [BandSeries], periods: &'a [(u32, String)]) -> BandChart<'a> {
    BandChart {
        title: "Diffusion index, China",
        subtitle: "sweep demo",
        metric: "diffusion_index",
        groups,
        baseline: Some(0),
        pooled: "20 seeds per scenario",
        periods,
    }
}
