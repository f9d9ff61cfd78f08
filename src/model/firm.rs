//! Firms: the diffusion side of the race.
//!
//! Each firm agent stands for a number of real firms (its group's `weight`):
//! every agent of a (country, sector) peer group has the same weight, so
//! shares within a group are agent shares, and every total across groups is
//! weighted. Results therefore do not depend on how many agents simulate the
//! economy, beyond sampling noise.
//!
//! Firms are stored as a tight `Vec<Firm>` (12 bytes each) sorted by
//! (country, sector), so that everything a firm reads lives in a few small
//! per-group tables and a tick is one cache-friendly parallel pass. The pass
//! is split into fixed segments that never straddle a group; each segment
//! returns its own partial counts, and partials are added in segment order, so
//! totals are identical whatever the thread count.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::stack::{NO_STACK, N_STACKS};
use crate::math;
use crate::rng::{agent_rng, standard_normal, tick_key, uniform, Stream, TwoUniforms};

/// Firms per parallel work item. Fixed (never derived from the thread count) for determinism.
pub const SEGMENT: usize = 4096;

/// One firm.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Firm {
    /// Index of its country.
    pub country: u16,
    /// Index of its sector.
    pub sector: u8,
    /// Adopted stack, or [`NO_STACK`].
    pub stack: u8,
    /// Intensity of use, 0–1 (0 for non-adopters).
    pub intensity: f32,
    /// Relative size (mean 1); scales its inference demand.
    pub size: f32,
}

/// A run of firms sharing country and sector (the Bass "peer" group).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Group {
    /// Country index.
    pub country: usize,
    /// Sector index.
    pub sector: usize,
    /// First firm index.
    pub start: usize,
    /// One past the last firm index.
    pub end: usize,
    /// Real firms each agent of the group stands for.
    pub weight: f64,
}

impl Group {
    /// Number of agents in the group.
    pub fn agents(&self) -> usize {
        self.end - self.start
    }

    /// Number of real firms the group stands for.
    pub fn real_firms(&self) -> f64 {
        self.agents() as f64 * self.weight
    }
}

/// What a firm needs to know about its surroundings this tick, per group.
#[derive(Clone, Debug, Default)]
pub struct GroupRule {
    /// Bass innovation term this tick (already scaled by utility, sentiment, policy).
    pub p: f64,
    /// Bass imitation term this tick.
    pub q: f64,
    /// Market potential m: the share of the group's firms for which AI is worth adopting now.
    pub potential: f64,
    /// Peer adoption share last tick, measured over potential adopters (adopters / (m N)).
    pub peer_share: f64,
    /// Adoption probability of a non-adopter this quarter, computed once per group:
    /// `(m - F) / (1 - F) * (1 - exp(-(p + q * peer_share)))` with F the adopters' share,
    /// so that only potential adopters adopt (see [`super::adoption::hazard`]).
    pub hazard: f64,
    /// Probability that an adopter abandons AI this quarter (its country not served).
    pub abandon: f64,
    /// Cumulative logit probabilities over stacks for a new adopter.
    pub choose_new: [f32; N_STACKS],
    /// Cumulative probabilities for an adopter re-evaluating from each stack.
    pub choose_from: [[f32; N_STACKS]; N_STACKS],
    /// Which stacks can be used in this country now (a firm on an unavailable one must move).
    pub available: [bool; N_STACKS],
}

/// Per-country inputs to intensity growth.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountryRule {
    /// Intensity growth this tick (already scaled by the served share of demand).
    pub intensity_growth: f64,
}

/// Totals for one group after a tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupTotals {
    /// Adopters per stack.
    pub adopters: [u32; N_STACKS],
    /// Sum of intensity per stack.
    pub intensity: [f64; N_STACKS],
    /// Sum of size × intensity (inference load) per stack.
    pub load: [f64; N_STACKS],
}

impl GroupTotals {
    /// Add one firm (nothing if it has not adopted).
    #[inline]
    fn count(&mut self, f: &Firm) {
        if (f.stack as usize) < N_STACKS {
            let k = f.stack as usize;
            self.adopters[k] += 1;
            self.intensity[k] += f.intensity as f64;
            self.load[k] += (f.size * f.intensity) as f64;
        }
    }

    fn add(&mut self, o: &GroupTotals) {
        for k in 0..N_STACKS {
            self.adopters[k] += o.adopters[k];
            self.intensity[k] += o.intensity[k];
            self.load[k] += o.load[k];
        }
    }

    /// Adopters of any stack.
    pub fn total_adopters(&self) -> u32 {
        self.adopters.iter().sum()
    }

    /// Load of all stacks.
    pub fn total_load(&self) -> f64 {
        self.load.iter().sum()
    }
}

/// The firm population.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Firms {
    /// All firms, sorted by (country, sector).
    pub firms: Vec<Firm>,
    /// Contiguous groups.
    pub groups: Vec<Group>,
    /// Work items: (group index, start, end), each within one group.
    pub segments: Vec<(usize, usize, usize)>,
}

/// Draw a stack from cumulative probabilities (the last entry is 1 or the choice set is empty).
#[inline]
fn pick(cum: &[f32; N_STACKS], u: f32) -> u8 {
    for (k, &c) in cum.iter().enumerate() {
        if u < c {
            return k as u8;
        }
    }
    NO_STACK
}

impl Firms {
    /// Create `counts[c][s]` agents per (country, sector), each standing for
    /// `weights[c][s]` real firms, with seeded sizes and initial adopters.
    ///
    /// Each agent of country c adopts at the start with probability `initial[c]`
    /// (one draw from its own stream, so the expected share is exact whatever the
    /// group size) and then starts on a stack drawn from the cumulative
    /// probabilities `initial_stack[c]` at `intensity_start`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        counts: &[Vec<u64>],
        weights: &[Vec<f64>],
        initial: &[f64],
        initial_stack: &[[f32; N_STACKS]],
        size_sigma: f64,
        intensity_start: f64,
        seed: u64,
    ) -> Firms {
        // Groups first (country-major, sector-minor, as before); then every
        // firm from its own counter-based streams, in parallel: firm `id`'s
        // draws depend only on (seed, id), so the result is the same at any
        // thread count, and set-up no longer runs on one core.
        let mut groups = Vec::new();
        let mut start = 0usize;
        for (c, per_sector) in counts.iter().enumerate() {
            for (s, &n) in per_sector.iter().enumerate() {
                if n > 0 {
                    groups.push(Group {
                        country: c,
                        sector: s,
                        start,
                        end: start + n as usize,
                        weight: weights[c][s],
                    });
                }
                start += n as usize;
            }
        }
        let firms: Vec<Firm> = (0..start)
            .into_par_iter()
            .map(|i| {
                let g = &groups[groups.partition_point(|g| g.end <= i)];
                let (c, s) = (g.country, g.sector);
                let id = i as u64;
                let mut rng = agent_rng(seed, Stream::FirmInit, id, 0);
                // Log-normal with mean 1: exp(sigma z - sigma^2 / 2).
                let size = math::exp(
                    size_sigma * standard_normal(&mut rng) - size_sigma * size_sigma / 2.0,
                );
                let mut draw = agent_rng(seed, Stream::FirmInit, id, 1);
                let adopted = uniform(&mut draw) < initial[c];
                let stack = if adopted {
                    pick(&initial_stack[c], uniform(&mut draw) as f32)
                } else {
                    NO_STACK
                };
                Firm {
                    country: c as u16,
                    sector: s as u8,
                    stack,
                    intensity: if stack != NO_STACK {
                        intensity_start as f32
                    } else {
                        0.0
                    },
                    size: size as f32,
                }
            })
            .collect();
        let segments = groups
            .iter()
            .enumerate()
            .flat_map(|(g, grp)| {
                (grp.start..grp.end)
                    .step_by(SEGMENT)
                    .map(move |a| (g, a, (a + SEGMENT).min(grp.end)))
            })
            .collect();
        Firms {
            firms,
            groups,
            segments,
        }
    }

    /// Totals per group from the current state (used at set-up and after each tick).
    pub fn totals(&self) -> Vec<GroupTotals> {
        let partials: Vec<GroupTotals> = self
            .segments
            .par_iter()
            .map(|&(_, a, b)| segment_totals(&self.firms[a..b]))
            .collect();
        self.reduce(&partials)
    }

    fn reduce(&self, partials: &[GroupTotals]) -> Vec<GroupTotals> {
        let mut out = vec![GroupTotals::default(); self.groups.len()];
        for (&(g, _, _), p) in self.segments.iter().zip(partials) {
            out[g].add(p);
        }
        out
    }

    /// Advance every firm one quarter and return the new per-group totals.
    pub fn step(
        &mut self,
        rules: &[GroupRule],
        countries: &[CountryRule],
        reevaluate: f64,
        intensity_start: f64,
        seed: u64,
        tick: u32,
    ) -> Vec<GroupTotals> {
        let groups = &self.groups;
        let mut work: Vec<(usize, usize, &mut [Firm])> = Vec::with_capacity(self.segments.len());
        let mut rest: &mut [Firm] = &mut self.firms;
        let mut offset = 0;
        for &(g, a, b) in &self.segments {
            let (_, tail) = rest.split_at_mut(a - offset);
            let (seg, tail) = tail.split_at_mut(b - a);
            work.push((g, a, seg));
            rest = tail;
            offset = b;
        }
        let key = tick_key(seed, Stream::Firm, tick as u64);
        let partials: Vec<GroupTotals> = work
            .into_par_iter()
            // Small segments are batched to cut scheduling overhead; each still returns
            // its own partial, so the fixed-order reduction (and the result) is unchanged.
            .with_min_len(8)
            .map(|(g, first_id, seg)| {
                let rule = &rules[g];
                // A segment lies within one group, so within one country.
                let growth = countries[groups[g].country].intensity_growth;
                // Totals are counted as the firms are stepped: one pass, same order.
                let mut totals = GroupTotals::default();
                for (i, f) in seg.iter_mut().enumerate() {
                    step_firm(
                        f,
                        rule,
                        growth,
                        reevaluate,
                        intensity_start,
                        key,
                        (first_id + i) as u64,
                    );
                    totals.count(f);
                }
                totals
            })
            .collect();
        self.reduce(&partials)
    }
}

/// One firm's quarter: adopt (Bass hazard + logit choice), or abandon, or deepen and maybe switch.
///
/// One uniform decides the event: a non-adopter adopts when it falls below the
/// group's hazard; an adopter abandons below `rule.abandon`, and re-evaluates its
/// stack in the next `reevaluate` of the unit interval (so the two never overlap).
#[inline]
#[allow(clippy::too_many_arguments)]
fn step_firm(
    f: &mut Firm,
    rule: &GroupRule,
    growth: f64,
    reevaluate: f64,
    intensity_start: f64,
    key: u64,
    id: u64,
) {
    let draws = TwoUniforms::new(key, id);
    let u_event = draws.first();
    if f.stack == NO_STACK {
        if u_event < rule.hazard {
            f.stack = pick(&rule.choose_new, draws.second() as f32);
            if f.stack != NO_STACK {
                f.intensity = intensity_start as f32;
            }
        }
        return;
    }
    if u_event < rule.abandon {
        f.stack = NO_STACK;
        f.intensity = 0.0;
        return;
    }
    f.intensity += (growth * (1.0 - f.intensity as f64)) as f32;
    let current = f.stack as usize;
    // A firm whose stack has become unavailable must move; others re-evaluate rarely.
    let stranded = !rule.available[current];
    if stranded || u_event < rule.abandon + reevaluate {
        let next = pick(&rule.choose_from[current], draws.second() as f32);
        if next != NO_STACK {
            f.stack = next;
        }
    }
}

fn segment_totals(seg: &[Firm]) -> GroupTotals {
    let mut t = GroupTotals::default();
    for f in seg {
        t.count(f);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cumulative probabilities putting every draw on stack `k`.
    pub(super) fn on(k: usize) -> [f32; N_STACKS] {
        let mut c = [0.0; N_STACKS];
        for x in c.iter_mut().skip(k) {
            *x = 1.0;
        }
        c
    }

    fn rule_all_to(k: usize, p: f64) -> GroupRule {
        let mut choose_new = [0.0; N_STACKS];
        for c in choose_new.iter_mut().skip(k) {
            *c = 1.0;
        }
        let mut available = [false; N_STACKS];
        available[k] = true;
        GroupRule {
            p,
            q: 0.0,
            potential: 1.0,
            peer_share: 0.0,
            hazard: 1.0 - math::exp(-p),
            abandon: 0.0,
            choose_new,
            choose_from: [choose_new; N_STACKS],
            available,
        }
    }

    #[test]
    fn groups_are_contiguous_and_segments_cover_everything() {
        let f = Firms::new(
            &[vec![5000, 0, 3], vec![10]],
            &[vec![1.0, 1.0, 1.0], vec![2.0]],
            &[0.0, 1.0],
            &[on(0), on(2)],
            0.5,
            0.2,
            1,
        );
        assert_eq!(f.firms.len(), 5013);
        assert_eq!(f.groups.len(), 3);
        let covered: usize = f.segments.iter().map(|&(_, a, b)| b - a).sum();
        assert_eq!(covered, 5013);
        assert!(f
            .segments
            .iter()
            .all(|&(g, a, b)| a >= f.groups[g].start && b <= f.groups[g].end));
        let t = f.totals();
        assert_eq!(
            t[2].adopters[2], 10,
            "all of country 1's 10 firms start on stack 2"
        );
    }

    #[test]
    fn certain_adoption_picks_the_only_stack() {
        let mut f = Firms::new(&[vec![100]], &[vec![1.0]], &[0.0], &[on(0)], 0.0, 0.2, 1);
        let t = f.step(
            &[rule_all_to(3, 50.0)],
            &[CountryRule {
                intensity_growth: 0.1,
            }],
            0.0,
            0.2,
            7,
            0,
        );
        assert_eq!(t[0].adopters[3], 100);
        assert!((t[0].intensity[3] - 20.0).abs() < 1e-4);
    }

    #[test]
    fn intensity_grows_toward_one() {
        let mut f = Firms::new(&[vec![10]], &[vec![1.0]], &[1.0], &[on(1)], 0.0, 0.2, 1);
        let r = rule_all_to(1, 0.0);
        for t in 0..50 {
            f.step(
                std::slice::from_ref(&r),
                &[CountryRule {
                    intensity_growth: 0.2,
                }],
                0.0,
                0.2,
                7,
                t,
            );
        }
        assert!(f
            .firms
            .iter()
            .all(|x| x.intensity > 0.99 && x.intensity <= 1.0));
    }

    #[test]
    fn stranded_adopters_move() {
        let mut f = Firms::new(&[vec![50]], &[vec![1.0]], &[1.0], &[on(0)], 0.0, 0.2, 1);
        // Stack 0 no longer offered: every row only reaches stack 2.
        let r = rule_all_to(2, 0.0);
        let t = f.step(&[r], &[CountryRule::default()], 0.0, 0.2, 7, 0);
        assert_eq!(t[0].adopters[0], 0);
        assert_eq!(t[0].adopters[2], 50);
    }

    #[test]
    fn initial_adoption_is_unbiased_in_small_groups() {
        // 2,000 groups of 5 agents at 17%: rounding per group would give 20%.
        let counts = vec![vec![5u64; 2000]];
        let f = Firms::new(&counts, &[vec![1.0; 2000]], &[0.17], &[on(0)], 0.0, 0.2, 3);
        let share = f.totals().iter().map(|t| t.total_adopters()).sum::<u32>() as f64 / 10_000.0;
        // Binomial(10,000, 0.17): sd 0.0038; allow 5 sd.
        assert!((share - 0.17).abs() < 0.019, "{share}");
    }

    #[test]
    fn adopters_abandon_at_the_rules_rate() {
        let mut f = Firms::new(&[vec![20_000]], &[vec![1.0]], &[1.0], &[on(1)], 0.0, 0.2, 1);
        let mut r = rule_all_to(1, 0.0);
        r.hazard = 0.0;
        r.abandon = 0.25;
        let t = f.step(&[r], &[CountryRule::default()], 0.03, 0.2, 7, 0);
        let left = 1.0 - t[0].total_adopters() as f64 / 20_000.0;
        // Binomial(20,000, 0.25): sd 0.0031; allow 5 sd.
        assert!((left - 0.25).abs() < 0.016, "{left}");
    }
}
