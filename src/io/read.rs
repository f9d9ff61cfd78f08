//! Reading input files safely: every file airace reads goes through here.
//!
//! Two things make a naive `fs::read` dangerous on input the user points at:
//! a path that is not a regular file (`/dev/zero`, a FIFO, a folder, a
//! symlink to any of them) either never ends or blocks forever, and a huge
//! file is read whole into memory before anything can complain. So each read
//! checks that the path (after symlinks) is a regular file and reads at most
//! a cap that depends on what the file is ([`Cap`]); both refusals are input
//! errors (exit 2) naming the file.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::error::{Error, Result};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// What is being read, which sets the largest size accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    /// Config files, overlays (each file of a `base` chain) and sweep files: 16 MiB.
    Config,
    /// `manifest.json`, `outcomes.json`, `failed.json`: 16 MiB.
    Record,
    /// `plan.json` of a sweep (one entry per run): 1 GiB.
    Plan,
    /// `timeseries.csv` (read by `plot`, `compare`, `merge`, `verify`): 1 GiB.
    Timeseries,
    /// Checkpoints: 16 GiB (about 1 GiB per 50 million firms).
    Checkpoint,
}

impl Cap {
    /// The largest size accepted, in bytes.
    pub const fn bytes(self) -> u64 {
        match self {
            Cap::Config | Cap::Record => 16 * MIB,
            Cap::Plan | Cap::Timeseries => GIB,
            Cap::Checkpoint => 16 * GIB,
        }
    }

    /// What the file is, for messages.
    fn what(self) -> &'static str {
        match self {
            Cap::Config => "a config or sweep file",
            Cap::Record => "a manifest or run record",
            Cap::Plan => "a sweep plan",
            Cap::Timeseries => "a time series",
            Cap::Checkpoint => "a checkpoint",
        }
    }
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// There is no such file.
    NotFound,
    /// It exists but is a folder, device, FIFO or socket.
    NotRegular(&'static str),
    /// It is larger than the cap.
    TooLarge {
        /// The cap that applied.
        cap: Cap,
    },
    /// The operating system refused (permissions, I/O error).
    Io(io::Error),
}

impl ReadError {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => write!(f, "cannot read: file not found"),
            ReadError::NotRegular(kind) => {
                write!(f, "cannot read: not a regular file (it is {kind})")
            }
            ReadError::TooLarge { cap } => write!(
                f,
                "cannot read: larger than {}, the most airace reads for {}",
                format_bytes(cap.bytes()),
                cap.what()
            ),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e),
        }
    }
}

fn kind_of(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a plain file"
    }
}

/// Open `path` for reading if it is a regular file (following symlinks) no
/// larger than `cap`. The type is checked before opening, so a FIFO never
/// blocks the open.
pub fn open_regular(path: &Path, cap: Cap) -> std::result::Result<fs::File, ReadError> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > cap.bytes() {
        return Err(ReadError::TooLarge { cap });
    }
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    Ok(file)
}

/// Read all of `path` (a regular file of at most `cap` bytes).
pub fn try_read_bytes(path: &Path, cap: Cap) -> std::result::Result<Vec<u8>, ReadError> {
    let file = open_regular(path, cap)?;
    let mut bytes = Vec::new();
    // One byte past the cap tells a file that grew since `metadata` apart.
    file.take(cap.bytes() + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap.bytes() {
        return Err(ReadError::TooLarge { cap });
    }
    Ok(bytes)
}

/// Read `path` as UTF-8 text (a regular file of at most `cap` bytes).
pub fn try_read_text(path: &Path, cap: Cap) -> std::result::Result<String, ReadError> {
    let bytes = try_read_bytes(path, cap)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// [`try_read_bytes`], every failure an input error (exit 2) naming the file.
pub fn read_bytes(path: &Path, cap: Cap) -> Result<Vec<u8>> {
    try_read_bytes(path, cap).map_err(|e| Error::input(path, e.to_string()))
}

/// [`try_read_text`], every failure an input error (exit 2) naming the file.
pub fn read_text(path: &Path, cap: Cap) -> Result<String> {
    try_read_text(path, cap).map_err(|e| Error::input(path, e.to_string()))
}

/// Human-readable bytes, binary units, three significant figures.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.3} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_and_names_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        fs::write(&p, "x = 1\n").unwrap();
        assert_eq!(read_text(&p, Cap::Config).unwrap(), "x = 1\n");
        let err = read_text(&dir.path().join("nope"), Cap::Config).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("nope") && err.to_string().contains("not found"));
    }

    #[test]
    fn refuses_devices_folders_and_fifos_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        for (p, kind) in [
            (Path::new("/dev/zero").to_path_buf(), "a device"),
            (dir.path().to_path_buf(), "a folder"),
        ] {
            let err = read_bytes(&p, Cap::Checkpoint).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            let m = err.to_string();
            assert!(m.contains("not a regular file") && m.contains(kind), "{m}");
        }
        let link = dir.path().join("ts.csv");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let m = read_text(&link, Cap::Timeseries).unwrap_err().to_string();
        assert!(m.contains("ts.csv") && m.contains("a device"), "{m}");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let m = read_text(&fifo, Cap::Config).unwrap_err().to_string();
            assert!(m.contains("a FIFO"), "{m}");
        }
    }

    #[test]
    fn refuses_files_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        let f = fs::File::create(&p).unwrap();
        f.set_len(Cap::Config.bytes() + 1).unwrap(); // sparse: no disk used
        let m = read_text(&p, Cap::Config).unwrap_err().to_string();
        assert!(m.contains("big.toml") && m.contains("16.000 MiB"), "{m}");
    }

    #[test]
    fn caps_are_ordered_and_stated() {
        assert_eq!(Cap::Config.bytes(), 16 << 20);
        assert_eq!(Cap::Timeseries.bytes(), 1 << 30);
        assert_eq!(Cap::Checkpoint.bytes(), 16 << 30);
    }
}
