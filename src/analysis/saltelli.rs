//! The Saltelli design: the model evaluations Sobol indices need.
//!
//! From two independent point sets A and B (the two halves of a 2D-dimensional
//! Sobol sequence), AB_i is A with column i taken from B; with second-order
//! indices also BA_i (B with column i from A). Each Sobol index is then a
//! simple average over N blocks (Saltelli 2002, 2010).
//!
//! Rows are laid out block by block, exactly as SALib's `saltelli`/`sobol`
//! samplers do — block j is `A_j, AB_j^1 … AB_j^D, [BA_j^1 … BA_j^D,] B_j` —
//! so a sweep's outputs can be handed to `SALib.analyze.sobol` unchanged (the
//! cross-check in `scripts/salib_check.py`), and a missing run spoils only its
//! own block.

use super::{sobol_seq, AnalysisError, Result};

/// A Saltelli design in the unit hypercube.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    /// Base sample size N (a power of two): the number of blocks.
    pub n: usize,
    /// Number of factors D (including a dummy, if any).
    pub d: usize,
    /// Whether the BA_i rows (for second-order indices) are included.
    pub second_order: bool,
    /// The rows, block by block; `n * block_len()` of them, each of length `d`.
    pub rows: Vec<Vec<f64>>,
}

/// Which matrix a row of a block belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A row of A.
    A,
    /// A with column `i` from B.
    AB(usize),
    /// B with column `i` from A.
    BA(usize),
    /// A row of B.
    B,
}

impl SaltelliDesign {
    /// Build the design: `n` must be a power of two (Sobol nets, and the
    /// N/4, N/2 prefixes of the convergence table, are balanced only then).
    pub fn new(n: usize, d: usize, second_order: bool, seed: u64) -> Result<SaltelliDesign> {
        if n < 4 || !n.is_power_of_two() {
            return Err(AnalysisError::Design {
                key: "n".into(),
                message: format!(
                    "{n}: N must be a power of two and at least 4 (e.g. {}), so that Sobol \
                     points stay balanced",
                    n.max(4).next_power_of_two()
                ),
            });
        }
        if d == 0 {
            return Err(AnalysisError::Design {
                key: "factors".into(),
                message: "no factors to analyse".into(),
            });
        }
        let base = sobol_seq::points(n, 2 * d, seed)?;
        let mut design = SaltelliDesign {
            n,
            d,
            second_order,
            rows: Vec::new(),
        };
        let block = design.block_len();
        design.rows.reserve(n * block);
        for p in &base {
            let (a, b) = p.split_at(d);
            for k in 0..block {
                design.rows.push(match design.kind(k) {
                    RowKind::A => a.to_vec(),
                    RowKind::B => b.to_vec(),
                    RowKind::AB(i) => mixed(a, b, i),
                    RowKind::BA(i) => mixed(b, a, i),
                });
            }
        }
        Ok(design)
    }

    /// Rows per block: D + 2, or 2D + 2 with second-order indices.
    pub fn block_len(&self) -> usize {
        block_len(self.d, self.second_order)
    }

    /// Total number of model evaluations.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the design has no rows (never true for a built design).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The matrix row `k` of a block belongs to.
    pub fn kind(&self, k: usize) -> RowKind {
        row_kind(self.d, self.second_order, k)
    }
}

/// Rows per block for `d` factors.
pub fn block_len(d: usize, second_order: bool) -> usize {
    if second_order {
        2 * d + 2
    } else {
        d + 2
    }
}

/// The matrix row `k` of a block belongs to.
pub fn row_kind(d: usize, second_order: bool, k: usize) -> RowKind {
    match k {
        0 => RowKind::A,
        k if k <= d => RowKind::AB(k - 1),
        k if second_order && k <= 2 * d => RowKind::BA(k - 1 - d),
        _ => RowKind::B,
    }
}

/// `base` with column `i` taken from `other`.
fn mixed(base: &[f64], other: &[f64], i: usize) -> Vec<f64> {
    let mut row = base.to_vec();
    row[i] = other[i];
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_salib() {
        let s = SaltelliDesign::new(8, 3, true, 5).unwrap();
        assert_eq!(s.len(), 8 * 8);
        let blk = &s.rows[8..16];
        let (a, b) = (&blk[0], &blk[7]);
        for i in 0..3 {
            let ab = &blk[1 + i];
            let ba = &blk[4 + i];
            for j in 0..3 {
                assert_eq!(ab[j], if j == i { b[j] } else { a[j] });
                assert_eq!(ba[j], if j == i { a[j] } else { b[j] });
            }
        }
        let first = SaltelliDesign::new(8, 3, false, 5).unwrap();
        assert_eq!(first.block_len(), 5);
        assert_eq!(first.rows[4], s.rows[7], "B rows agree with or without BA");
    }

    #[test]
    fn refuses_n_not_power_of_two() {
        let e = SaltelliDesign::new(1000, 3, false, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("power of two") && e.contains("1024"), "{e}");
    }
}
