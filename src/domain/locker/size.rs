//! Compartment sizes: which compartments of a bank are small, medium or
//! large (`--sizes S:1-8,M:9-14,L:15-16`), and the size an order needs.
//!
//! A compartment the configuration does not name is small: a bank set up
//! with no sizes is all one size, and every order fits every compartment.

use std::fmt;
use std::ops::RangeInclusive;

/// How big a compartment is, or how big a compartment an order needs.
/// Sizes are ordered: an order fits a compartment of its size or larger.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Size {
    #[default]
    S,
    M,
    L,
}

impl Size {
    pub const ALL: [Size; 3] = [Size::S, Size::M, Size::L];

    pub fn as_str(self) -> &'static str {
        match self {
            Size::S => "S",
            Size::M => "M",
            Size::L => "L",
        }
    }

    /// `S`, `M` or `L`.
    pub fn parse(text: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sizes of a bank's compartments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// The named ranges, as given; they do not overlap.
    ranges: Vec<(RangeInclusive<u16>, Size)>,
}

/// Why a `--sizes` value was refused; each names the part at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizesError {
    #[error("{part:?}: expected SIZE:COMPARTMENTS, e.g. M:9-14")]
    Shape { part: String },
    #[error("{part:?}: unknown size {size} (S, M or L)")]
    UnknownSize { part: String, size: String },
    #[error("{part:?}: {range:?} is not a compartment number or a range like 9-14")]
    Range { part: String, range: String },
    #[error("{part:?}: the range runs backwards ({last} is before {first})")]
    Backwards { part: String, first: u16, last: u16 },
    #[error("{part:?}: compartment {number} is not in this bank (1 to {count})")]
    NotInBank { part: String, number: u16, count: u16 },
    #[error("{part:?} overlaps {earlier:?} at compartment {number}")]
    Overlap { part: String, earlier: String, number: u16 },
    #[error("an empty part between commas")]
    Empty,
}

impl Sizes {
    /// Reads `S:1-8,M:9-14,L:15-16` for a bank of `count` compartments: a
    /// size, a colon, and one compartment or a range of them, the parts
    /// separated by commas. A size may be named more than once
    /// (`S:1-4,L:5,S:6-8`); no compartment may be named twice.
    ///
    /// # Errors
    ///
    /// [`SizesError`], naming the first part at fault.
    pub fn parse(text: &str, count: u16) -> Result<Sizes, SizesError> {
        let mut ranges: Vec<(RangeInclusive<u16>, Size, &str)> = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(SizesError::Empty);
            }
            let owned = || part.to_owned();
            let (size, range) =
                part.split_once(':').ok_or_else(|| SizesError::Shape { part: owned() })?;
            let size = Size::parse(&size.trim().to_ascii_uppercase()).ok_or_else(|| {
                SizesError::UnknownSize { part: owned(), size: size.trim().to_owned() }
            })?;
            let range_error =
                || SizesError::Range { part: owned(), range: range.trim().to_owned() };
            let number = |n: &str| n.trim().parse::<u16>().map_err(|_| range_error());
            let (first, last) = match range.split_once('-') {
                Some((first, last)) => (number(first)?, number(last)?),
                None => (number(range)?, number(range)?),
            };
            if last < first {
                return Err(SizesError::Backwards { part: owned(), first, last });
            }
            if let Some(number) = [first, last].into_iter().find(|n| *n == 0 || *n > count) {
                return Err(SizesError::NotInBank { part: owned(), number, count });
            }
            if let Some((earlier, number)) = ranges.iter().find_map(|(r, _, earlier)| {
                let number = first.max(*r.start());
                (number <= last.min(*r.end())).then_some((earlier, number))
            }) {
                let earlier = (*earlier).to_owned();
                return Err(SizesError::Overlap { part: owned(), earlier, number });
            }
            ranges.push((first..=last, size, part));
        }
        Ok(Sizes { ranges: ranges.into_iter().map(|(r, size, _)| (r, size)).collect() })
    }

    /// The size of compartment `number`: the one its range names, else S.
    pub fn of(&self, number: u16) -> Size {
        self.ranges.iter().find(|(r, _)| r.contains(&number)).map_or(Size::S, |(_, size)| *size)
    }
}

/// Compartments that are free, each with its size: what staff are told
/// when none of them is big enough.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Free(pub Vec<(u16, Size)>);

impl Free {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `S 1-3, 5; M 10`: by size, smallest first, runs of numbers as ranges;
/// `none` when nothing is free.
impl fmt::Display for Free {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let mut groups = Vec::new();
        for size in Size::ALL {
            let mut numbers: Vec<u16> =
                self.0.iter().filter(|(_, s)| *s == size).map(|(n, _)| *n).collect();
            numbers.sort_unstable();
            let mut runs: Vec<(u16, u16)> = Vec::new();
            for n in numbers {
                match runs.last_mut() {
                    Some((_, last)) if *last + 1 == n => *last = n,
                    _ => runs.push((n, n)),
                }
            }
            if runs.is_empty() {
                continue;
            }
            let runs: Vec<String> = runs
                .into_iter()
                .map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
                .collect();
            groups.push(format!("{size} {}", runs.join(", ")));
        }
        f.write_str(&groups.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bank_of_three_sizes_reads_each_compartment() {
        let sizes = Sizes::parse("S:1-8, M:9-14,l:15-16", 16).unwrap();
        assert_eq!(sizes.of(1), Size::S);
        assert_eq!(sizes.of(8), Size::S);
        assert_eq!(sizes.of(9), Size::M);
        assert_eq!(sizes.of(14), Size::M);
        assert_eq!(sizes.of(15), Size::L);
        assert_eq!(sizes.of(16), Size::L);
    }

    #[test]
    fn a_compartment_not_named_is_small() {
        let sizes = Sizes::parse("L:16,M:3", 16).unwrap();
        assert_eq!(
            [sizes.of(1), sizes.of(3), sizes.of(15), sizes.of(16)],
            [Size::S, Size::M, Size::S, Size::L]
        );
        assert_eq!(Sizes::default().of(7), Size::S);
    }

    #[test]
    fn each_bad_part_is_named() {
        let err = |text: &str| Sizes::parse(text, 16).unwrap_err().to_string();
        assert_eq!(err("X:1-3"), r#""X:1-3": unknown size X (S, M or L)"#);
        assert_eq!(err("S:1-8,M9-14"), r#""M9-14": expected SIZE:COMPARTMENTS, e.g. M:9-14"#);
        assert_eq!(
            err("M:9-x"),
            r#""M:9-x": "9-x" is not a compartment number or a range like 9-14"#
        );
        assert_eq!(err("M:14-9"), r#""M:14-9": the range runs backwards (9 is before 14)"#);
        assert_eq!(err("L:15-17"), r#""L:15-17": compartment 17 is not in this bank (1 to 16)"#);
        assert_eq!(err("S:0-4"), r#""S:0-4": compartment 0 is not in this bank (1 to 16)"#);
        assert_eq!(err("S:1-8,M:8-14"), r#""M:8-14" overlaps "S:1-8" at compartment 8"#);
        assert_eq!(err("M:9-14,S:1-16"), r#""S:1-16" overlaps "M:9-14" at compartment 9"#);
        assert_eq!(err("S:1-8,,L:16"), "an empty part between commas");
    }

    #[test]
    fn sizes_are_ordered_small_to_large() {
        assert!(Size::S < Size::M && Size::M < Size::L);
        assert_eq!(Size::parse("M"), Some(Size::M));
        assert_eq!(Size::parse("m"), None);
        assert_eq!(Size::parse("XL"), None);
    }

    #[test]
    fn free_compartments_read_by_size_in_runs() {
        let free =
            Free(vec![(10, Size::M), (3, Size::S), (1, Size::S), (2, Size::S), (5, Size::S)]);
        assert_eq!(free.to_string(), "S 1-3, 5; M 10");
        assert_eq!(Free::default().to_string(), "none");
    }
}
