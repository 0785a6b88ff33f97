//! Shards: which share of a portfolio one scan job takes.
//!
//! A repository belongs to shard `hash(id) mod N + 1`, where the hash is the first eight bytes
//! of the SHA-256 of the repository's identity (its URL without credentials, and the
//! reference when one is named). The assignment depends on nothing else: adding or removing a
//! repository moves no other repository to another shard, every job of a CI matrix computes
//! the same assignment from the same listing, and no job needs to know what the others do.
//!
//! The shard comes from `--shard I/N`, or else from the CI engine's own variables (see
//! [`from_environment`]), so that the same command line works in every job of a matrix.

use sha2::{Digest, Sha256};
use std::fmt;

/// One share of `total`: `index` counts from 1, as GitLab's `CI_NODE_INDEX` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    pub index: u32,
    pub total: u32,
}

/// Where the shard came from, in words for the shard's manifest and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardChoice {
    pub shard: Shard,
    pub origin: String,
}

impl Shard {
    /// The whole portfolio in one job.
    pub const ALL: Shard = Shard { index: 1, total: 1 };

    /// A shard, checked: `1 <= index <= total`.
    pub fn new(index: u32, total: u32) -> Result<Shard, String> {
        if total == 0 {
            return Err("the number of shards must be at least 1".to_string());
        }
        if index == 0 || index > total {
            return Err(format!(
                "shard {index} of {total} does not exist (shards count from 1 to {total})"
            ));
        }
        Ok(Shard { index, total })
    }

    /// Reads `I/N` (1-based), as `--shard` and `FUNDAMENT_SHARD` take it.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not a shard; write INDEX/TOTAL, such as 2/4");
        let (index, total) = text.trim().split_once('/').ok_or_else(bad)?;
        let index = index.trim().parse::<u32>().map_err(|_| bad())?;
        let total = total.trim().parse::<u32>().map_err(|_| bad())?;
        Shard::new(index, total)
    }

    /// Whether the repository with identity `id` belongs to this shard.
    pub fn owns(&self, id: &str) -> bool {
        shard_of(id, self.total) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// The shard (1-based) of the repository with identity `id` among `total` shards.
pub fn shard_of(id: &str, total: u32) -> u32 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(total.max(1))) as u32 + 1
}

/// The shard the environment names, if any, first match wins:
///
/// 1. `FUNDAMENT_SHARD=I/N` (1-based), for any engine;
/// 2. `FUNDAMENT_SHARD_INDEX` (0-based) with `FUNDAMENT_SHARD_TOTAL`: GitHub Actions matrices,
///    whose `strategy.job-index` counts from 0 and `strategy.job-total` is the count;
/// 3. `CI_NODE_INDEX` (1-based) with `CI_NODE_TOTAL`: GitLab CI jobs with `parallel: N`;
/// 4. `JOB_COMPLETION_INDEX` (0-based) with `FUNDAMENT_SHARD_TOTAL`: Kubernetes Indexed Jobs,
///    which do not expose their `completions` to the pod, so the manifest sets the count.
///
/// A variable that is set but unusable is an error, not a silent fall-back to scanning
/// everything (which would make every job of a matrix scan the whole portfolio).
pub fn from_environment(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ShardChoice>, String> {
    let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let number = |name: &str, value: &str| {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{name}=`{value}` is not a number; it must name this job's shard"))
    };
    if let Some(text) = get("FUNDAMENT_SHARD") {
        let shard = Shard::parse(&text).map_err(|e| format!("FUNDAMENT_SHARD: {e}"))?;
        return Ok(Some(ShardChoice {
            shard,
            origin: format!("FUNDAMENT_SHARD={text}"),
        }));
    }
    let zero_based = |index_var: &str, index: String, engine: &str| {
        let total = get("FUNDAMENT_SHARD_TOTAL").ok_or_else(|| {
            format!(
                "{index_var} is set ({engine}), but FUNDAMENT_SHARD_TOTAL is not: set it to \
                 the number of jobs, or pass --shard INDEX/TOTAL"
            )
        })?;
        let index = number(index_var, &index)?;
        let total = number("FUNDAMENT_SHARD_TOTAL", &total)?;
        let shard = Shard::new(index.saturating_add(1), total)
            .map_err(|e| format!("{index_var}={index} (counting from 0): {e}"))?;
        Ok::<_, String>(Some(ShardChoice {
            shard,
            origin: format!("{engine}: {index_var}={index}, FUNDAMENT_SHARD_TOTAL={total}"),
        }))
    };
    if let Some(index) = get("FUNDAMENT_SHARD_INDEX") {
        return zero_based("FUNDAMENT_SHARD_INDEX", index, "a CI matrix");
    }
    match (get("CI_NODE_INDEX"), get("CI_NODE_TOTAL")) {
        (Some(index), Some(total)) => {
            let index_n = number("CI_NODE_INDEX", &index)?;
            let total_n = number("CI_NODE_TOTAL", &total)?;
            let shard = Shard::new(index_n, total_n).map_err(|e| format!("GitLab CI: {e}"))?;
            return Ok(Some(ShardChoice {
                shard,
                origin: format!("GitLab CI parallel: CI_NODE_INDEX={index}, CI_NODE_TOTAL={total}"),
            }));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(
                "only one of CI_NODE_INDEX and CI_NODE_TOTAL is set; GitLab sets both for a \
                 job with `parallel: N`"
                    .to_string(),
            );
        }
        (None, None) => {}
    }
    if let Some(index) = get("JOB_COMPLETION_INDEX") {
        return zero_based("JOB_COMPLETION_INDEX", index, "a Kubernetes Indexed Job");
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn shards_are_read_and_checked() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, total: 4 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard::ALL));
        assert!(Shard::parse("0/4").unwrap_err().contains("count from 1"));
        assert!(Shard::parse("5/4").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("2").unwrap_err().contains("INDEX/TOTAL"));
        assert!(Shard::parse("a/b").is_err());
    }

    #[test]
    fn every_repository_has_exactly_one_shard_and_additions_move_nothing() {
        let ids: Vec<String> = (0..500)
            .map(|i| format!("https://git.example/g/r{i}.git"))
            .collect();
        for total in 1..=7 {
            for id in &ids {
                let owners: Vec<u32> = (1..=total)
                    .filter(|&i| Shard::new(i, total).unwrap().owns(id))
                    .collect();
                assert_eq!(owners.len(), 1, "{id} in {total} shards: {owners:?}");
                assert_eq!(owners[0], shard_of(id, total));
            }
        }
        // Balanced enough to be useful: every shard of 4 gets between 15 % and 35 %.
        for i in 1..=4 {
            let n = ids.iter().filter(|id| shard_of(id, 4) == i).count();
            assert!((75..=175).contains(&n), "shard {i} of 4 has {n} of 500");
        }
        // The assignment is a function of the identity alone.
        assert_eq!(
            shard_of("https://git.example/g/r7.git", 4),
            shard_of(&ids[7], 4)
        );
    }

    #[test]
    fn ci_engines_name_the_shard() {
        assert_eq!(from_environment(env(&[])), Ok(None));
        let gitlab = from_environment(env(&[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "4")]))
            .unwrap()
            .unwrap();
        assert_eq!(gitlab.shard, Shard { index: 3, total: 4 });
        assert!(gitlab.origin.contains("GitLab"));
        let k8s = from_environment(env(&[
            ("JOB_COMPLETION_INDEX", "0"),
            ("FUNDAMENT_SHARD_TOTAL", "5"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(k8s.shard, Shard { index: 1, total: 5 });
        assert!(k8s.origin.contains("Kubernetes"));
        let github = from_environment(env(&[
            ("FUNDAMENT_SHARD_INDEX", "3"),
            ("FUNDAMENT_SHARD_TOTAL", "4"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(github.shard, Shard { index: 4, total: 4 });
        // FUNDAMENT_SHARD wins over the engine's variables.
        let explicit = from_environment(env(&[
            ("FUNDAMENT_SHARD", "1/2"),
            ("CI_NODE_INDEX", "3"),
            ("CI_NODE_TOTAL", "4"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(explicit.shard, Shard { index: 1, total: 2 });
    }

    #[test]
    fn unusable_variables_are_errors_not_a_scan_of_everything() {
        let err = from_environment(env(&[("JOB_COMPLETION_INDEX", "2")])).unwrap_err();
        assert!(err.contains("FUNDAMENT_SHARD_TOTAL"), "{err}");
        let err = from_environment(env(&[("CI_NODE_INDEX", "2")])).unwrap_err();
        assert!(err.contains("CI_NODE_TOTAL"), "{err}");
        let err = from_environment(env(&[
            ("FUNDAMENT_SHARD_INDEX", "4"),
            ("FUNDAMENT_SHARD_TOTAL", "4"),
        ]))
        .unwrap_err();
        assert!(err.contains("counting from 0"), "{err}");
        let err =
            from_environment(env(&[("CI_NODE_INDEX", "x"), ("CI_NODE_TOTAL", "4")])).unwrap_err();
        assert!(err.contains("not a number"), "{err}");
        assert!(from_environment(env(&[("FUNDAMENT_SHARD", "9/4")])).is_err());
    }
}
