//! Reading Prometheus' text exposition format: sums of a metric over its label sets, and the quantiles of a
//! histogram interpolated inside its buckets (as `PromQL`'s `histogram_quantile` does).

use std::collections::BTreeMap;

/// One scrape: every sample as `(name, labels text, value)`.
#[derive(Debug, Default, Clone)]
pub struct Scrape {
    samples: Vec<(String, String, f64)>,
}

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        let mut samples = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (series, value) = match line.rsplit_once(' ') {
                Some((s, v)) => (s.trim(), v),
                None => continue,
            };
            let Ok(value) = value.parse::<f64>() else { continue };
            let (name, labels) = match series.split_once('{') {
                Some((n, l)) => (n, l.trim_end_matches('}')),
                None => (series, ""),
            };
            samples.push((name.to_string(), labels.to_string(), value));
        }
        Scrape { samples }
    }

    /// The sum of `name` over every label set whose labels contain all of `having` (`key="value"` pieces).
    pub fn sum(&self, name: &str, having: &[&str]) -> f64 {
        self.samples
            .iter()
            .filter(|(n, l, _)| n == name && having.iter().all(|h| l.contains(h)))
            .map(|(_, _, v)| v)
            .sum()
    }

    /// The sum of `name` by the value of the label `key`.
    pub fn by_label(&self, name: &str, key: &str) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (n, labels, v) in &self.samples {
            if n == name {
                *out.entry(label(labels, key).unwrap_or_default()).or_insert(0.0) += v;
            }
        }
        out
    }

    /// The sum of `name` by the values of the labels `keys` (a missing label is `""`).
    pub fn by_labels(&self, name: &str, keys: &[&str]) -> BTreeMap<Vec<String>, f64> {
        let mut out = BTreeMap::new();
        for (n, labels, v) in &self.samples {
            if n == name {
                let key = keys.iter().map(|k| label(labels, k).unwrap_or_default()).collect();
                *out.entry(key).or_insert(0.0) += v;
            }
        }
        out
    }

    /// The cumulative bucket counts of the histogram `name` (summed over label sets), by upper bound.
    pub fn histogram(&self, name: &str) -> Histogram {
        let bucket = format!("{name}_bucket");
        let mut buckets: BTreeMap<Bound, f64> = BTreeMap::new();
        for (n, labels, v) in &self.samples {
            if *n != bucket {
                continue;
            }
            let Some(le) = label(labels, "le") else { continue };
            let le = if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap_or(f64::INFINITY) };
            *buckets.entry(Bound(le)).or_insert(0.0) += v;
        }
        Histogram { buckets }
    }
}

fn label(labels: &str, key: &str) -> Option<String> {
    let start = labels.find(&format!("{key}=\""))? + key.len() + 2;
    let end = labels[start..].find('"')? + start;
    Some(labels[start..end].to_string())
}

/// An upper bound of a bucket, ordered as a number (never NaN here).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bound(f64);

impl Eq for Bound {}

impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Cumulative counts by upper bound.
#[derive(Debug, Default, Clone)]
pub struct Histogram {
    buckets: BTreeMap<Bound, f64>,
}

impl Histogram {
    /// What was observed between two scrapes.
    pub fn since(&self, before: &Histogram) -> Histogram {
        let buckets =
            self.buckets.iter().map(|(b, v)| (*b, v - before.buckets.get(b).copied().unwrap_or(0.0))).collect();
        Histogram { buckets }
    }

    pub fn count(&self) -> f64 {
        self.buckets.values().copied().fold(0.0, f64::max)
    }

    /// The `q` quantile (0..=1), interpolated linearly inside its bucket; `None` with no observation. A
    /// quantile in the +Inf bucket reports the highest finite bound.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total <= 0.0 {
            return None;
        }
        let rank = q * total;
        let mut lower = (0.0, 0.0);
        for (bound, cumulative) in &self.buckets {
            if *cumulative >= rank {
                if bound.0.is_infinite() {
                    return Some(lower.0);
                }
                let in_bucket = cumulative - lower.1;
                let fraction = if in_bucket > 0.0 { (rank - lower.1) / in_bucket } else { 1.0 };
                return Some(lower.0 + (bound.0 - lower.0) * fraction);
            }
            lower = (bound.0, *cumulative);
        }
        Some(lower.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Scrape;

    const TEXT: &str = r#"# HELP x_total a counter
x_total{method="GET"} 3
x_total{method="PATCH"} 4.5
d_seconds_bucket{gvr="a",le="0.1"} 2
d_seconds_bucket{gvr="a",le="0.2"} 4
d_seconds_bucket{gvr="a",le="+Inf"} 4
d_seconds_bucket{gvr="b",le="0.1"} 0
d_seconds_bucket{gvr="b",le="0.2"} 0
d_seconds_bucket{gvr="b",le="+Inf"} 4
"#;

    #[test]
    fn counters_are_summed_over_label_sets_and_by_label() {
        let s = Scrape::parse(TEXT);
        assert!((s.sum("x_total", &[]) - 7.5).abs() < 1e-9);
        assert!((s.sum("x_total", &["method=\"GET\""]) - 3.0).abs() < 1e-9);
        assert_eq!(s.by_label("x_total", "method").get("PATCH"), Some(&4.5));
    }

    #[test]
    fn quantiles_interpolate_inside_buckets_and_cap_at_the_last_finite_bound() {
        let h = Scrape::parse(TEXT).histogram("d_seconds");
        assert!((h.count() - 8.0).abs() < 1e-9);
        // Rank 4 of 8: the 0.1 bucket holds 2, the 0.2 bucket 2 more: the top of the 0.2 bucket.
        assert!((h.quantile(0.5).unwrap() - 0.2).abs() < 1e-9);
        // Rank 1: half-way through the first bucket.
        assert!((h.quantile(0.125).unwrap() - 0.05).abs() < 1e-9);
        assert!((h.quantile(0.99).unwrap() - 0.2).abs() < 1e-9);
        assert_eq!(h.since(&h).quantile(0.5), None);
    }
}
