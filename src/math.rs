//! Transcendental maths that gives the same bits on every machine.
//!
//! `f64::exp`, `ln`, `powf`, `cos` … call the platform's C library, and glibc,
//! musl, macOS and Windows disagree in the last bit for a few percent of
//! inputs. The model amplifies such differences (a logit share feeds a chip
//! order feeds next quarter's compute), so a seeded run would give different
//! bytes on a colleague's Mac or a cluster node with another libc. Every
//! transcendental call in the crate goes through this module instead, backed by
//! the pure-Rust [`libm`] crate (a port of musl's implementations compiled into
//! our binary, so no C library is involved). Basic arithmetic, `sqrt`,
//! `mul_add` and `powi` are exactly specified by IEEE 754 and may be used
//! directly.
//!
//! `clippy.toml` forbids the `f64`/`f32` transcendental methods everywhere
//! else, so the rule cannot erode.

/// Name and version of the maths backend, recorded in every manifest so that
/// `verify` can say which implementation produced a run.
pub const BACKEND: &str = "libm 0.2.16";

/// e^x.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// e^x − 1, accurate for small x.
#[inline]
pub fn exp_m1(x: f64) -> f64 {
    libm::expm1(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// ln(1 + x), accurate for small x.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// Base-2 logarithm.
#[inline]
pub fn log2(x: f64) -> f64 {
    libm::log2(x)
}

/// Base-10 logarithm.
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// x^y for real y (use `f64::powi` for integer exponents: it is exact
/// arithmetic and needs no library).
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// 10^x, the inverse of [`log10`].
#[inline]
pub fn exp10(x: f64) -> f64 {
    libm::pow(10.0, x)
}

/// Sine (radians).
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// Cosine (radians).
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// Hyperbolic tangent.
#[inline]
pub fn tanh(x: f64) -> f64 {
    libm::tanh(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Exact values every correct implementation must return bit for bit.
    #[test]
    fn exact_points() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(log10(1000.0), 3.0);
        assert_eq!(log2(1024.0), 10.0);
        assert_eq!(powf(2.0, 10.0), 1024.0);
        assert_eq!(exp10(2.0), 100.0);
        assert_eq!(sin(0.0), 0.0);
        assert_eq!(cos(0.0), 1.0);
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(exp_m1(0.0), 0.0);
        assert_eq!(ln_1p(0.0), 0.0);
    }

    // Pinned bits: these are libm's results today. If an upgrade of the
    // backend changes any of them, every seeded output changes too, so the
    // change must be deliberate (and the golden hash updated with it).
    #[test]
    fn pinned_bits() {
        assert_eq!(exp(0.1).to_bits(), 0x3FF1_AEC7_B35A_00D4);
        assert_eq!(ln(3.0).to_bits(), 0x3FF1_93EA_7AAD_030A);
        assert_eq!(powf(1.1, 0.25).to_bits(), 0x3FF0_62C5_0920_0EC3);
    }

    #[test]
    fn backend_names_the_locked_version() {
        // Cargo.toml pins libm exactly; the manifest string must follow it.
        let lock = include_str!("../Cargo.lock");
        let at = lock.find("name = \"libm\"").expect("libm in Cargo.lock");
        let version = lock[at..].lines().nth(1).unwrap_or_default();
        assert_eq!(version, format!("version = \"{}\"", &BACKEND[5..]));
    }

    #[test]
    fn close_to_std_within_one_ulp() {
        // Not a determinism check (std may differ by platform) but a guard
        // that the wrappers call the right function.
        for &x in &[0.3, 1.7, 12.5, -4.25] {
            let ulp = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).abs();
            #[allow(clippy::disallowed_methods)]
            {
                assert!(ulp(exp(x), x.exp()) <= 1);
                assert!(ulp(tanh(x), x.tanh()) <= 1);
                assert!(ulp(sin(x), x.sin()) <= 1);
                assert!(ulp(cos(x), x.cos()) <= 1);
                assert!(ulp(exp_m1(x), x.exp_m1()) <= 1);
                assert!(ulp(exp10(x), 10f64.powf(x)) <= 1);
                if x > -1.0 {
                    assert!(ulp(ln_1p(x), x.ln_1p()) <= 1);
                }
                if x > 0.0 {
                    assert!(ulp(ln(x), x.ln()) <= 1);
                    assert!(ulp(log10(x), x.log10()) <= 1);
                    assert!(ulp(log2(x), x.log2()) <= 1);
                    assert!(ulp(powf(x, 0.37), x.powf(0.37)) <= 1);
                }
            }
        }
    }
}
