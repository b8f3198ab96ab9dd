//! A small deterministic generator for property tests: xorshift64*, replayable from its seed,
//! with no dependency (a failing case prints its seed and reruns exactly).

/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators"): the
/// state is the tuple field, which must not be 0 (use [`Rng::new`] for any seed).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// A generator whose state is splitmix64 of `seed`, so that neighbouring seeds start far
    /// apart (and never at 0).
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Self((z ^ (z >> 31)) | 1)
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)] // not an iterator: it never ends
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An index in `0..len` (`len` > 0): [`Rng::below`] for lengths.
    pub fn index(&mut self, len: usize) -> usize {
        (self.next() % len as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// True with probability 1 / `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// `N` random bytes.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.next() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_sequence_is_xorshift64_star() {
        // xorshift64* as defined (shifts 12, 25, 27; multiplier 2685821657736338717); the
        // constant below was computed independently with Python's integers.
        let mut rng = Rng(1);
        let mut x: u64 = 1;
        for _ in 0..4 {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            assert_eq!(rng.next(), x.wrapping_mul(2_685_821_657_736_338_717));
        }
        assert_eq!(Rng(1).next(), 0x47e4_ce4b_896c_dd1d);
    }

    #[test]
    fn ranges_hold() {
        let mut rng = Rng::new(7);
        for _ in 0..1000 {
            assert!(rng.below(5) < 5);
            assert!(rng.index(3) < 3);
        }
        assert_ne!(Rng::new(1).0, Rng::new(2).0);
        assert_eq!(rng.bytes(9).len(), 9);
    }
}
