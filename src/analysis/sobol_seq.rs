//! Scrambled Sobol points in the unit hypercube.
//!
//! Sobol points fill the cube far more evenly than random draws, so Sobol
//! index estimates converge faster (Saltelli et al. 2010 use them for exactly
//! this reason). Owen scrambling removes the unscrambled sequence's artefacts
//! (the first point at the origin, aligned low-dimensional projections) and,
//! keyed by a seed, lets a study draw independent replicate designs. We use
//! `sobol_burley` (Burley 2020, Kuo's direction numbers): a small, dependency-
//! free crate whose points are a pure function of (index, dimension, seed).
//! Its limits (2^16 points, 256 dimensions) are far above a sweep's needs and
//! are checked here with a typed error rather than a panic.

use super::{AnalysisError, Result};
use crate::rng::derive_seed;

/// Most points one design may ask for (`sobol_burley`'s limit).
pub const MAX_POINTS: usize = 1 << 16;
/// Most dimensions one design may use (`sobol_burley`'s limit).
pub const MAX_DIMENSIONS: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// The first `n` points of an Owen-scrambled Sobol sequence in `dims`
/// dimensions, one `Vec` per point, each coordinate in `[0, 1)`.
///
/// Any power-of-two prefix is itself a well-stratified net, which is what
/// lets the convergence table reuse the first N/4 and N/2 points.
pub fn points(n: usize, dims: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
    if n > MAX_POINTS {
        return Err(AnalysisError::Design {
            key: "n".into(),
            message: format!("{n} points: at most {MAX_POINTS} per design"),
        });
    }
    if dims == 0 || dims > MAX_DIMENSIONS {
        return Err(AnalysisError::Design {
            key: "factors".into(),
            message: format!("{dims} dimensions: need 1..={MAX_DIMENSIONS}"),
        });
    }
    // sobol_burley takes a 32-bit seed; mix the 64-bit study seed down.
    let s = derive_seed(seed, &[0x5_0B01]) as u32;
    Ok((0..n as u32)
        .map(|i| {
            (0..dims as u32)
                .map(|d| f64::from(sobol_burley::sample(i, d, s)))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_stratified_and_seeded() {
        let a = points(64, 3, 1).unwrap();
        assert_eq!(a, points(64, 3, 1).unwrap());
        assert_ne!(a, points(64, 3, 2).unwrap());
        // A (t, m, s)-net: each of the 64 equal slabs of every axis holds one point.
        for d in 0..3 {
            let mut slabs: Vec<usize> = a.iter().map(|p| (p[d] * 64.0) as usize).collect();
            slabs.sort_unstable();
            assert_eq!(slabs, (0..64).collect::<Vec<_>>(), "dimension {d}");
        }
        assert!(points(MAX_POINTS + 1, 2, 0).is_err());
        assert!(points(4, MAX_DIMENSIONS + 1, 0).is_err());
    }
}
