//! Sticky sampling: the same subject is always in, or always out, of a survey's sample.

use crate::ids::SurveyId;

/// 64-bit FNV-1a over the parts, each followed by a 0xFF separator (a byte UTF-8 never holds),
/// so `("ab", "c")` and `("a", "bc")` differ. Chosen because it is tiny, identical on wasm and
/// native, and stable forever: changing it would reshuffle every sample.
pub fn stable_hash(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(std::iter::once(&0xFF)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// Whether `subject` falls in a `percent` (0 to 100) sample of `survey`. The salt lets a team
/// draw a fresh sample without changing the survey id.
pub fn is_sampled(percent: f64, salt: &str, survey: &SurveyId, subject: &str) -> bool {
    if percent >= 100.0 {
        return true;
    }
    if percent.is_nan() || percent <= 0.0 {
        return false;
    }
    // A million buckets: resolution to 0.0001 %.
    let bucket = stable_hash(&[salt, survey.as_str(), subject]) % 1_000_000;
    (bucket as f64) < percent * 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_reference_values() {
        // FNV-1a of "a" followed by our separator, computed by hand from the published constants.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in [b'a', 0xFF] {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        assert_eq!(stable_hash(&["a"]), h);
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        // Pinned: a change here reshuffles every live sample. Computed once, independently, with
        // Python's arbitrary-precision integers.
        assert_eq!(stable_hash(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(&[""]), 0xaf64_724c_8602_eb6e);
        assert_eq!(
            stable_hash(&["salt", "nps", "device-1"]),
            0x4972_d7b1_f353_4557
        );
        // That hash is bucket 258_071 of a million: inside a 25.81 % sample, outside 25.80 %.
        let nps = SurveyId::parse("nps").unwrap();
        assert!(is_sampled(25.81, "salt", &nps, "device-1"));
        assert!(!is_sampled(25.80, "salt", &nps, "device-1"));
    }

    #[test]
    fn sample_share_is_close_to_percent() {
        let survey = SurveyId::parse("nps").unwrap();
        let n = 20_000;
        let inside = (0..n)
            .filter(|i| is_sampled(20.0, "", &survey, &format!("subject-{i}")))
            .count();
        let share = inside as f64 / n as f64;
        assert!((0.18..0.22).contains(&share), "share {share}");
        assert!(!is_sampled(0.0, "", &survey, "x"));
        assert!(is_sampled(100.0, "", &survey, "x"));
    }
}
