//! Checkpoints: the whole simulation state after N ticks, in a versioned
//! binary container, so a long run can be resumed (or branched with `--set`)
//! and continue exactly as if it had never stopped.
//!
//! # Layout (all integers little-endian)
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0      | 8    | magic `AIRACECK` |
//! | 8      | 4    | format version (`u32`), currently [`FORMAT_VERSION`] |
//! | 12     | 32   | SHA-256 of the caller's schema string |
//! | 44     | 8    | payload length in bytes (`u64`) |
//! | 52     | 32   | SHA-256 of bytes 0..52 followed by the payload |
//! | 84     | n    | payload: the state, bincode 2 (`standard` config) via serde |
//!
//! The checksum covers the header fields too, so a flipped bit anywhere is
//! reported as corruption rather than as a misleading "different schema".
//! Checks run in an order that gives the most useful message: magic, then
//! version (a newer format may have a different header), then length, then
//! checksum, then schema, then decoding.
//!
//! The schema string is supplied by the caller and should change whenever the
//! config schema or the state layout changes: bincode is not self-describing,
//! so decoding a state with a different layout would silently produce
//! garbage, or fail with an unhelpful message. Refusing up front is safer.
//!
//! # Why bincode is confined here
//!
//! bincode is unmaintained (RUSTSEC-2025-0141). Nothing outside this module
//! names it, so it can be replaced by bumping [`FORMAT_VERSION`] without
//! touching the model. Serde `flatten`, `skip*`, `tag` and `untagged` do not
//! round-trip through bincode: keep them out of checkpointed types.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::read::{try_read_bytes, Cap, ReadError};

/// The first bytes of every checkpoint, so any other file is recognised at once.
pub const MAGIC: &[u8; 8] = b"AIRACECK";

/// The newest container format this build writes and reads. Bump it whenever
/// the header or the payload encoding (not the state layout: that is the
/// schema string's job) changes.
pub const FORMAT_VERSION: u32 = 1;

/// Size of the fixed header that precedes the payload in format 1.
pub const HEADER_LEN: usize = 84;

const VERSION_AT: usize = 8;
const SCHEMA_AT: usize = 12;
const LEN_AT: usize = 44;
const SUM_AT: usize = 52;

/// Encode `state` as a complete checkpoint (header + payload) in memory.
///
/// `schema` identifies the config schema and state layout; [`decode`] refuses
/// a checkpoint whose schema differs. Fails (exit 1) only if the state type
/// cannot be expressed in bincode, which is a programming error.
pub fn encode<T: Serialize>(state: &T, schema: &str) -> Result<Vec<u8>> {
    let payload = bincode::serde::encode_to_vec(state, bincode::config::standard()).map_err(|e| {
        Error::Failed(format!(
            "cannot encode the checkpoint state: {e} (serde flatten/skip/tag/untagged are not supported)"
        ))
    })?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&Sha256::digest(schema.as_bytes()));
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let sum = checksum(&out[..SUM_AT], &payload);
    out.extend_from_slice(&sum);
    out.extend_from_slice(&payload);
    debug_assert_eq!(out.len(), HEADER_LEN + payload.len());
    Ok(out)
}

/// Decode a checkpoint produced by [`encode`] with the same `schema`.
///
/// `origin` is only used to name the file in error messages. Every failure is
/// an input error (exit 2) that says what is wrong with the file; no input,
/// however malformed, makes this panic.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], schema: &str, origin: &Path) -> Result<T> {
    let bad = |msg: String| Error::input(origin, msg);

    // Magic first: for a file that is not a checkpoint at all, that is the only useful message.
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(bad("not an airace checkpoint (wrong magic bytes)".into()));
    }
    if bytes.len() < SCHEMA_AT {
        return Err(bad(format!(
            "truncated: only {} bytes, shorter than the checkpoint header",
            bytes.len()
        )));
    }
    let version = u32::from_le_bytes(field(bytes, VERSION_AT));
    if version > FORMAT_VERSION {
        return Err(bad(format!(
            "written by a newer airace (format {version}, this build reads up to {FORMAT_VERSION}); \
             upgrade airace to resume it"
        )));
    }
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "unknown checkpoint format {version} (this build reads format {FORMAT_VERSION})"
        )));
    }
    if bytes.len() < HEADER_LEN {
        return Err(bad(format!(
            "truncated: only {} bytes, shorter than the {HEADER_LEN}-byte checkpoint header",
            bytes.len()
        )));
    }
    let declared = u64::from_le_bytes(field(bytes, LEN_AT));
    let present = (bytes.len() - HEADER_LEN) as u64;
    if present < declared {
        return Err(bad(format!(
            "truncated: the header declares a {declared}-byte payload but only {present} bytes follow it"
        )));
    }
    if present > declared {
        return Err(bad(format!(
            "{} unexpected trailing bytes after the {declared}-byte payload",
            present - declared
        )));
    }
    let payload = &bytes[HEADER_LEN..];
    if checksum(&bytes[..SUM_AT], payload) != field::<32>(bytes, SUM_AT) {
        return Err(bad("corrupted: checksum mismatch".into()));
    }
    let expected_schema: [u8; 32] = Sha256::digest(schema.as_bytes()).into();
    let found_schema = field::<32>(bytes, SCHEMA_AT);
    if found_schema != expected_schema {
        return Err(Error::CheckpointSchema {
            path: origin.to_path_buf(),
            found: short_hex(&found_schema),
            expected: short_hex(&expected_schema),
        });
    }
    let (state, used) = decode_payload::<T>(payload)
        .map_err(|e| bad(format!("cannot decode the checkpoint state: {e}")))?;
    if used != payload.len() {
        return Err(bad(format!(
            "cannot decode the checkpoint state: {} bytes left over after decoding (state layout mismatch)",
            payload.len() - used
        )));
    }
    Ok(state)
}

/// Write a checkpoint for `state` to `path` atomically, so a run killed while
/// checkpointing leaves the previous checkpoint (or none), never half of one.
pub fn write<T: Serialize>(path: &Path, state: &T, schema: &str) -> Result<()> {
    let bytes = encode(state, schema)?;
    write_atomic(path, &bytes)
}

/// Read and decode the checkpoint at `path`; see [`decode`] for the checks.
pub fn read<T: DeserializeOwned>(path: &Path, schema: &str) -> Result<T> {
    let bytes = try_read_bytes(path, Cap::Checkpoint).map_err(|e| match e {
        ReadError::NotFound => Error::input(path, "checkpoint not found"),
        e => Error::input(path, format!("checkpoint: {e}")),
    })?;
    decode(&bytes, schema, path)
}

/// SHA-256 over the header fields before the checksum and the payload.
fn checksum(header: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(header);
    h.update(payload);
    h.finalize().into()
}

/// Fixed-size field at `at`; callers have checked the length.
fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

fn short_hex(bytes: &[u8]) -> String {
    bytes[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Decode the payload, always with an allocation limit scaled to its size.
///
/// bincode allocates a string's buffer from its declared length before
/// reading it, so a bad length could ask for a terabyte (and abort the
/// process rather than return an error). Through serde, the only memory
/// bincode claims against its limit is the bytes of strings and byte
/// buffers, which must all be present in the payload: a limit of the payload
/// size, rounded up to a tier, never rejects a genuine checkpoint. The limit
/// is a const generic, hence the fixed tiers, up to the checkpoint size cap
/// ([`Cap::Checkpoint`]); a larger payload is refused before decoding.
fn decode_payload<T: DeserializeOwned>(
    payload: &[u8],
) -> std::result::Result<(T, usize), bincode::error::DecodeError> {
    use bincode::config::standard;
    use bincode::error::DecodeError;
    use bincode::serde::decode_from_slice;
    const MIB: usize = 1 << 20;
    const GIB: usize = 1 << 30;
    match payload.len() {
        n if n <= MIB => decode_from_slice(payload, standard().with_limit::<{ 16 * MIB }>()),
        n if n <= 64 * MIB => decode_from_slice(payload, standard().with_limit::<{ 256 * MIB }>()),
        n if n <= GIB => decode_from_slice(payload, standard().with_limit::<{ 2 * GIB }>()),
        n if n <= 4 * GIB => decode_from_slice(payload, standard().with_limit::<{ 4 * GIB }>()),
        n if n as u64 <= Cap::Checkpoint.bytes() => {
            decode_from_slice(payload, standard().with_limit::<{ 16 * GIB }>())
        }
        _ => Err(DecodeError::LimitExceeded),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;

    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;

    const SCHEMA: &str = "test-state-v1";

    #[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
    enum Regime {
        Open,
        Controlled { tier: u8, license: Option<String> },
        Banned(u32),
    }

    #[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
    struct State {
        tick: u32,
        seed: u64,
        compute: Vec<f32>,
        gdp: BTreeMap<String, f64>,
        leader: Option<String>,
        regimes: Vec<Regime>,
        rng: u128,
        done: bool,
    }

    fn state() -> State {
        State {
            tick: 20,
            seed: 42,
            compute: vec![1.5, -0.0, f32::MAX, 1e-30, 3.25],
            gdp: [("CN".to_string(), 17.9), ("US".to_string(), 27.4)]
                .into_iter()
                .collect(),
            leader: Some("US".into()),
            regimes: vec![
                Regime::Open,
                Regime::Controlled {
                    tier: 2,
                    license: None,
                },
                Regime::Controlled {
                    tier: 3,
                    license: Some("EAR".into()),
                },
                Regime::Banned(7),
            ],
            rng: u128::MAX - 12345,
            done: false,
        }
    }

    fn origin() -> &'static Path {
        Path::new("runs/base/tick-20.bin")
    }

    /// Assert the error is an input error naming the file and containing `needle`.
    fn assert_input_err<T: std::fmt::Debug>(r: Result<T>, needle: &str) {
        let err = r.unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.exit_code(), 2, "{msg}");
        assert!(
            msg.contains("tick-20.bin"),
            "message does not name the file: {msg}"
        );
        assert!(msg.contains(needle), "expected {needle:?} in: {msg}");
    }

    /// Recompute the checksum after editing header fields, to reach later checks.
    fn reseal(bytes: &mut [u8]) {
        let sum = checksum(&bytes[..SUM_AT], &bytes[HEADER_LEN..]);
        bytes[SUM_AT..HEADER_LEN].copy_from_slice(&sum);
    }

    #[test]
    fn round_trip_in_memory_and_on_disk() {
        let s = state();
        let bytes = encode(&s, SCHEMA).unwrap();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(decode::<State>(&bytes, SCHEMA, origin()).unwrap(), s);
        // Encoding is deterministic: same state, same bytes.
        assert_eq!(encode(&s, SCHEMA).unwrap(), bytes);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/tick-20.bin");
        write(&path, &s, SCHEMA).unwrap();
        assert_eq!(read::<State>(&path, SCHEMA).unwrap(), s);
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn empty_and_unit_states_round_trip() {
        let bytes = encode(&(), SCHEMA).unwrap();
        assert_eq!(bytes.len(), HEADER_LEN);
        decode::<()>(&bytes, SCHEMA, origin()).unwrap();
        let v: Vec<String> = Vec::new();
        assert_eq!(
            decode::<Vec<String>>(&encode(&v, SCHEMA).unwrap(), SCHEMA, origin()).unwrap(),
            v
        );
    }

    #[test]
    fn missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read::<State>(&dir.path().join("tick-20.bin"), SCHEMA).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("tick-20.bin") && msg.contains("not found"),
            "{msg}"
        );
    }

    #[test]
    fn truncated_at_any_length() {
        let bytes = encode(&state(), SCHEMA).unwrap();
        for len in [
            0,
            1,
            7,
            8,
            11,
            12,
            40,
            HEADER_LEN - 1,
            HEADER_LEN,
            HEADER_LEN + 1,
            bytes.len() - 1,
        ] {
            assert_input_err(
                decode::<State>(&bytes[..len], SCHEMA, origin()),
                "truncated",
            );
        }
    }

    #[test]
    fn flipped_byte_is_corruption() {
        let bytes = encode(&state(), SCHEMA).unwrap();
        // Payload bytes, the schema digest, and the checksum itself.
        for at in [
            HEADER_LEN,
            HEADER_LEN + 5,
            bytes.len() - 1,
            SCHEMA_AT,
            SUM_AT + 3,
        ] {
            let mut b = bytes.clone();
            b[at] ^= 0x01;
            assert_input_err(
                decode::<State>(&b, SCHEMA, origin()),
                "corrupted: checksum mismatch",
            );
        }
    }

    #[test]
    fn bad_magic() {
        let mut b = encode(&state(), SCHEMA).unwrap();
        b[0] = b'X';
        assert_input_err(
            decode::<State>(&b, SCHEMA, origin()),
            "not an airace checkpoint",
        );
        assert_input_err(
            decode::<State>(b"{\"seed\": 1}", SCHEMA, origin()),
            "not an airace checkpoint",
        );
        assert_input_err(decode::<State>(b"AIR", SCHEMA, origin()), "truncated");
    }

    #[test]
    fn future_and_unknown_versions() {
        let mut b = encode(&state(), SCHEMA).unwrap();
        b[VERSION_AT..SCHEMA_AT].copy_from_slice(&2u32.to_le_bytes());
        assert_input_err(
            decode::<State>(&b, SCHEMA, origin()),
            "written by a newer airace (format 2, this build reads up to 1)",
        );
        // A newer format may have a different header: the version check must not need the rest.
        assert_input_err(
            decode::<State>(&b[..SCHEMA_AT], SCHEMA, origin()),
            "newer airace",
        );
        b[VERSION_AT..SCHEMA_AT].copy_from_slice(&0u32.to_le_bytes());
        assert_input_err(
            decode::<State>(&b, SCHEMA, origin()),
            "unknown checkpoint format 0",
        );
    }

    #[test]
    fn schema_mismatch() {
        let b = encode(&state(), SCHEMA).unwrap();
        assert_input_err(
            decode::<State>(&b, "test-state-v2", origin()),
            "checkpoint was written for a different config schema/state layout",
        );
        assert_input_err(
            decode::<State>(&b, "test-state-v2", origin()),
            "rerun from the start",
        );
    }

    #[test]
    fn trailing_bytes() {
        let mut b = encode(&state(), SCHEMA).unwrap();
        b.extend_from_slice(b"junk");
        assert_input_err(
            decode::<State>(&b, SCHEMA, origin()),
            "4 unexpected trailing bytes",
        );
    }

    #[test]
    fn wrong_type_with_same_schema_is_a_decode_error() {
        // A layout change without a schema bump: caught by bincode or by leftover bytes.
        let b = encode(&state(), SCHEMA).unwrap();
        assert_input_err(
            decode::<(u32, u64)>(&b, SCHEMA, origin()),
            "cannot decode the checkpoint state",
        );
        assert_input_err(
            decode::<Vec<u128>>(&b, SCHEMA, origin()),
            "cannot decode the checkpoint state",
        );
    }

    #[test]
    fn huge_declared_string_length_is_refused_without_allocating() {
        // A sealed payload declaring a ~4 GiB string: must fail on the limit, not try to allocate.
        let mut b = encode(&(), SCHEMA).unwrap();
        let payload = [252u8, 0xff, 0xff, 0xff, 0xf0];
        b.extend_from_slice(&payload);
        b[LEN_AT..SUM_AT].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        reseal(&mut b);
        assert_input_err(decode::<String>(&b, SCHEMA, origin()), "cannot decode");
    }

    #[test]
    fn terabyte_string_in_a_large_payload_is_refused() {
        // Above 256 MiB of payload the limit used to be lifted entirely, so a
        // claimed 1 TiB string aborted the process (exit 134). The buffer is
        // calloc'ed and only its first bytes are written, so it costs little.
        let len = 257 << 20;
        let mut payload = vec![0u8; len];
        // varint u64 marker (253) then 2^40 little-endian: a 1 TiB string.
        payload[0] = 253;
        payload[1..9].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let r = decode_payload::<String>(&payload);
        assert!(
            matches!(r, Err(bincode::error::DecodeError::LimitExceeded)),
            "{r:?}"
        );
        // And through the whole container: an input error (exit 2).
        let mut b = encode(&(), SCHEMA).unwrap();
        b.extend_from_slice(&payload);
        b[LEN_AT..SUM_AT].copy_from_slice(&(len as u64).to_le_bytes());
        reseal(&mut b);
        assert_input_err(decode::<String>(&b, SCHEMA, origin()), "cannot decode");
    }

    #[test]
    fn each_payload_tier_has_its_own_limit() {
        // A claimed string larger than a tier's limit but smaller than the next
        // tier's is refused for the limit, not read: each payload size gets the
        // smallest limit that still fits every genuine checkpoint of that size.
        let claim = |payload_len: usize, string_len: u64| {
            let mut payload = vec![0u8; payload_len];
            payload[0] = 253;
            payload[1..9].copy_from_slice(&string_len.to_le_bytes());
            decode_payload::<String>(&payload)
        };
        let limited = |r: &std::result::Result<(String, usize), bincode::error::DecodeError>| {
            matches!(r, Err(bincode::error::DecodeError::LimitExceeded))
        };
        // Up to 1 MiB of payload: 16 MiB; up to 64 MiB: 256 MiB.
        assert!(limited(&claim(1 << 20, 17 << 20)));
        let r = claim(2 << 20, 300 << 20);
        assert!(limited(&r), "{r:?}");
        // Under its tier's limit the claim is read, and fails for missing bytes.
        let r = claim(2 << 20, 200 << 20);
        assert!(r.is_err() && !limited(&r), "{r:?}");
        // Every tier decodes a genuine short string (its limit is not zero), and the
        // 1-4 GiB tier refuses a 5 GiB claim that the next tier (16 GiB) would read.
        // The buffers are calloc'ed and only their first bytes written.
        for len in [
            1 << 20,
            2 << 20,
            65 << 20,
            (1 << 30) + (1 << 20),
            (4 << 30) + (1 << 20),
        ] {
            let mut payload = vec![0u8; len];
            payload[0] = 3;
            payload[1..4].copy_from_slice(b"abc");
            let r = decode_payload::<String>(&payload);
            assert!(matches!(&r, Ok((s, 4)) if s == "abc"), "{len}: {r:?}");
        }
        let r = claim((1 << 30) + (1 << 20), 5 << 30);
        assert!(limited(&r), "{r:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            prop_assert!(decode::<State>(&bytes, SCHEMA, origin()).is_err());
        }

        #[test]
        fn arbitrary_bytes_after_a_valid_prefix_never_panic(
            tail in proptest::collection::vec(any::<u8>(), 0..512),
            keep in 0usize..=HEADER_LEN,
        ) {
            let mut bytes = encode(&state(), SCHEMA).unwrap();
            bytes.truncate(keep);
            bytes.extend_from_slice(&tail);
            prop_assert!(decode::<State>(&bytes, SCHEMA, origin()).is_err());
        }

        /// Garbage that passes every container check reaches bincode itself.
        #[test]
        fn sealed_garbage_payload_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut b = encode(&(), SCHEMA).unwrap();
            b.extend_from_slice(&payload);
            b[LEN_AT..SUM_AT].copy_from_slice(&(payload.len() as u64).to_le_bytes());
            reseal(&mut b);
            let r = decode::<State>(&b, SCHEMA, origin());
            if let Err(e) = &r {
                prop_assert_eq!(e.exit_code(), 2);
            }
        }
    }
}
