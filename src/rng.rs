//! Counter-based random streams: one generator per (seed, agent kind, agent id, tick).
//!
//! Because a firm's randomness in quarter t depends only on those four numbers,
//! the result is the same whatever thread steps the firm, in whatever order,
//! and a run resumed from a checkpoint draws exactly what the straight run drew.
//! The generator is PCG-64 MCG (`rand_pcg`, pinned minor) seeded through
//! splitmix64 finalisers, which decorrelate neighbouring ids and ticks.

use crate::math;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// Which kind of agent (or model component) a stream belongs to. Never reuse a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// Firm decisions each tick.
    Firm = 1,
    /// Firm attributes drawn once at set-up.
    FirmInit = 2,
    /// Lab decisions.
    Lab = 3,
    /// The synthetic trade network.
    TradeNetwork = 4,
}

/// The splitmix64 finaliser: a fast bijective mixer with good avalanche.
#[inline]
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A generator for one agent in one tick.
#[inline]
pub fn agent_rng(seed: u64, stream: Stream, id: u64, tick: u64) -> Pcg64Mcg {
    let a = splitmix64(seed ^ splitmix64(stream as u64));
    let b = splitmix64(a ^ id);
    let c = splitmix64(b ^ tick.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let hi = splitmix64(c);
    let lo = splitmix64(c ^ 0xA076_1D64_78BD_642F);
    Pcg64Mcg::new(((hi as u128) << 64) | lo as u128)
}

/// The part of a firm's random stream shared by every firm in one tick.
///
/// The firm phase is the hot loop (millions of firms a tick), so instead of seeding
/// a PCG generator per firm it hashes `(tick key, firm id)` twice: two splitmix64
/// finalisers per draw, a counter-based generator in its own right. Streams still
/// depend only on (seed, kind, id, tick), never on threads or order.
#[inline]
pub fn tick_key(seed: u64, stream: Stream, tick: u64) -> u64 {
    splitmix64(
        splitmix64(seed ^ splitmix64(stream as u64)) ^ tick.wrapping_mul(0xD6E8_FEB8_6659_FD93),
    )
}

/// Two independent uniforms in [0, 1) for agent `id` under a [`tick_key`].
#[inline]
pub fn two_uniforms(key: u64, id: u64) -> (f64, f64) {
    let d = TwoUniforms::new(key, id);
    (d.first(), d.second())
}

/// The draws of [`two_uniforms`], each hashed only when it is read.
///
/// A firm reads the second uniform only when it chooses a stack (a few percent
/// of firm-quarters), so the hot loop skips one of its three hashes most of
/// the time; the values are exactly those of [`two_uniforms`].
#[derive(Clone, Copy, Debug)]
pub struct TwoUniforms {
    base: u64,
}

impl TwoUniforms {
    /// The draws of agent `id` under `key`.
    #[inline]
    pub fn new(key: u64, id: u64) -> Self {
        TwoUniforms {
            base: splitmix64(key ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        }
    }

    /// The first uniform.
    #[inline]
    pub fn first(&self) -> f64 {
        to_unit(splitmix64(self.base))
    }

    /// The second uniform, independent of the first.
    #[inline]
    pub fn second(&self) -> f64 {
        to_unit(splitmix64(self.base ^ 0xA076_1D64_78BD_642F))
    }
}

/// The top 53 bits of `x` as a uniform in [0, 1).
#[inline]
fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw in [0, 1).
#[inline]
pub fn uniform(rng: &mut Pcg64Mcg) -> f64 {
    rng.random::<f64>()
}

/// A standard normal draw (Box–Muller; deterministic, no rejection loop).
pub fn standard_normal(rng: &mut Pcg64Mcg) -> f64 {
    let u1 = 1.0 - uniform(rng); // (0, 1]
    let u2 = uniform(rng);
    (-2.0 * math::ln(u1)).sqrt() * math::cos(std::f64::consts::TAU * u2)
}

/// Derive a child seed from a parent seed and a few indices (sweeps, replicates).
pub fn derive_seed(parent: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(splitmix64(parent), |acc, &p| {
        splitmix64(acc ^ splitmix64(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_draws_equal_the_pair() {
        for id in [0u64, 1, 7, 1 << 40, u64::MAX] {
            let key = tick_key(11, Stream::Firm, id % 5);
            let d = TwoUniforms::new(key, id);
            assert_eq!((d.first(), d.second()), two_uniforms(key, id));
            assert_ne!(d.first(), d.second());
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = uniform(&mut agent_rng(1, Stream::Firm, 5, 3));
        let b = uniform(&mut agent_rng(1, Stream::Firm, 5, 3));
        assert_eq!(a, b);
        assert_ne!(a, uniform(&mut agent_rng(1, Stream::Firm, 5, 4)));
        assert_ne!(a, uniform(&mut agent_rng(1, Stream::Firm, 6, 3)));
        assert_ne!(a, uniform(&mut agent_rng(2, Stream::Firm, 5, 3)));
        assert_ne!(a, uniform(&mut agent_rng(1, Stream::Lab, 5, 3)));
    }

    #[test]
    fn hashed_uniforms_look_uniform_and_independent() {
        // n draws: the mean has sd 1/sqrt(12 n), the correlation sd ~1/sqrt(n); allow 5 sd.
        let n = 200_000u64;
        let key = tick_key(3, Stream::Firm, 7);
        let (mut s1, mut s2, mut s12) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let (a, b) = two_uniforms(key, i);
            assert!((0.0..1.0).contains(&a) && (0.0..1.0).contains(&b));
            s1 += a;
            s2 += b;
            s12 += (a - 0.5) * (b - 0.5);
        }
        let nf = n as f64;
        assert!((s1 / nf - 0.5).abs() < 5.0 / (12.0 * nf).sqrt());
        assert!((s2 / nf - 0.5).abs() < 5.0 / (12.0 * nf).sqrt());
        let corr = (s12 / nf) * 12.0;
        assert!(corr.abs() < 5.0 / nf.sqrt(), "correlation {corr}");
        assert_ne!(
            two_uniforms(key, 1),
            two_uniforms(tick_key(3, Stream::Firm, 8), 1)
        );
    }

    #[test]
    fn first_draws_across_ids_look_uniform() {
        // Mean of n U(0,1) has sd 1/sqrt(12 n); 5 sd bound for n = 100k is 0.0046.
        let n = 100_000u64;
        let mean: f64 = (0..n)
            .map(|i| uniform(&mut agent_rng(9, Stream::Firm, i, 0)))
            .sum::<f64>()
            / n as f64;
        assert!(
            (mean - 0.5).abs() < 5.0 / (12.0 * n as f64).sqrt(),
            "mean {mean}"
        );
    }
}
