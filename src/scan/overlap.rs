//! Settling contradicting reads of one linear barcode.
//!
//! On a blurred photo zxing-cpp can read a few scan lines of an EAN-13 as
//! another valid EAN-13 (a mod-10 check digit catches most single errors, not
//! all), beside the many lines that read it right: ean13-1/35.png gives
//! 7034759003930 on 3 lines and the printed 5030159003930 on 8. Both come back
//! as separate symbols, and a kiosk must not guess between them.

use super::symbol::{Format, Symbol};

/// A symbol with what zxing-cpp says about where and how well it was read.
#[derive(Debug, Clone)]
pub(super) struct Read {
    pub symbol: Symbol,
    /// How many scan lines agreed on the text of a linear symbol.
    pub lines: i32,
    /// Top-left, top-right, bottom-right, bottom-left, in image pixels. For a
    /// linear symbol, top-left to top-right runs across the bars, along the
    /// scan line.
    pub at: [[f32; 2]; 4],
}

/// Drops each linear read that another read of the same place contradicts,
/// unless it has at least twice the other's scan lines.
///
/// So a clear majority wins, and on a close vote both reads go: the shopper's
/// next frame decides. QR codes carry Reed-Solomon error correction and are
/// never dropped here.
pub(super) fn drop_outvoted(reads: Vec<Read>) -> Vec<Symbol> {
    let outvoted: Vec<bool> =
        reads.iter().map(|read| reads.iter().any(|other| contradicts(other, read))).collect();
    reads.into_iter().zip(outvoted).filter(|(_, out)| !out).map(|(read, _)| read.symbol).collect()
}

/// Returns true if and only if `other` reads a different text at the place of
/// the linear symbol `read` with more than half of `read`'s scan lines.
fn contradicts(other: &Read, read: &Read) -> bool {
    let linear = |r: &Read| r.symbol.format != Format::Qr;
    linear(read)
        && linear(other)
        && read.symbol.text != other.symbol.text
        && read.lines < 2 * other.lines
        && same_place(&read.at, &other.at)
}

/// Returns true if and only if two linear reads lie along the same axis
/// (within about 20 degrees), overlap over at least half of the shorter one's
/// length, and lie closer side by side than half a symbol's length.
///
/// An EAN-13 is about 0.6 times as tall as it is long, so two scan-line bands
/// of one symbol pass the last test, and two products side by side do not.
fn same_place(a: &[[f32; 2]; 4], b: &[[f32; 2]; 4]) -> bool {
    let (Some(along), Some(other)) = (direction(a), direction(b)) else {
        return false;
    };
    if dot(along, other).abs() < 0.94 {
        return false;
    }
    let across = [-along[1], along[0]];

    let (a_start, a_end) = extent(a, along);
    let (b_start, b_end) = extent(b, along);
    let overlap = a_end.min(b_end) - a_start.max(b_start);
    let shorter = (a_end - a_start).min(b_end - b_start);
    let longer = (a_end - a_start).max(b_end - b_start);
    if overlap < 0.5 * shorter {
        return false;
    }

    let (a_low, a_high) = extent(a, across);
    let (b_low, b_high) = extent(b, across);
    let gap = (a_low.max(b_low) - a_high.min(b_high)).max(0.0);
    gap < 0.5 * longer
}

/// The unit vector from top-left to top-right, or `None` for a point.
fn direction(corners: &[[f32; 2]; 4]) -> Option<[f32; 2]> {
    let [tl, tr, ..] = corners;
    let d = [tr[0] - tl[0], tr[1] - tl[1]];
    let len = dot(d, d).sqrt();
    (len >= 1.0).then(|| [d[0] / len, d[1] / len])
}

/// The smallest and largest projection of the corners onto `axis`.
fn extent(corners: &[[f32; 2]; 4], axis: [f32; 2]) -> (f32, f32) {
    corners
        .iter()
        .map(|&c| dot(c, axis))
        .fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p), hi.max(p)))
}

fn dot(a: [f32; 2], b: [f32; 2]) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    // The two reads zxing-cpp makes of ean13-1/35.png, a barcode turned 90
    // degrees: a band of 3 scan lines near the bars' ends and one of 8 lines
    // through their middle, both spanning y 77..420.
    const MISREAD_AT: [[f32; 2]; 4] = [[264., 418.], [264., 80.], [241., 80.], [241., 417.]];
    const RIGHT_AT: [[f32; 2]; 4] = [[413., 420.], [413., 77.], [300., 80.], [300., 418.]];

    fn read(format: Format, text: &str, lines: i32, at: [[f32; 2]; 4]) -> Read {
        Read { symbol: Symbol::new(format, text), lines, at }
    }

    fn shifted(at: [[f32; 2]; 4], dx: f32, dy: f32) -> [[f32; 2]; 4] {
        at.map(|[x, y]| [x + dx, y + dy])
    }

    #[test]
    fn bands_of_one_symbol_are_the_same_place() {
        assert!(same_place(&MISREAD_AT, &RIGHT_AT));
        assert!(same_place(&RIGHT_AT, &MISREAD_AT));
        // Read the other way round (as after a 180 degree turn).
        let reversed = [RIGHT_AT[2], RIGHT_AT[3], RIGHT_AT[0], RIGHT_AT[1]];
        assert!(same_place(&MISREAD_AT, &reversed));
    }

    #[test]
    fn neighbours_and_crossing_symbols_are_not_the_same_place() {
        // The symbol is 343 px long; a second one 300 px beside it is apart.
        assert!(!same_place(&RIGHT_AT, &shifted(RIGHT_AT, 300., 0.)));
        // One further along the same line, overlapping by a fifth.
        assert!(!same_place(&RIGHT_AT, &shifted(RIGHT_AT, 0., 275.)));
        // A horizontal symbol across the vertical one.
        let crossing = [[200., 250.], [500., 250.], [500., 300.], [200., 300.]];
        assert!(!same_place(&RIGHT_AT, &crossing));
        // A degenerate read with no length.
        let point = [[10., 10.]; 4];
        assert!(!same_place(&RIGHT_AT, &point));
    }

    #[test]
    fn a_clear_majority_wins() {
        let kept = drop_outvoted(vec![
            read(Format::Ean13, "7034759003930", 3, MISREAD_AT),
            read(Format::Ean13, "5030159003930", 8, RIGHT_AT),
        ]);
        assert_eq!(kept, vec![Symbol::new(Format::Ean13, "5030159003930")]);
    }

    #[test]
    fn a_close_vote_drops_both() {
        let kept = drop_outvoted(vec![
            read(Format::Ean13, "7034759003930", 5, MISREAD_AT),
            read(Format::Ean13, "5030159003930", 8, RIGHT_AT),
        ]);
        assert_eq!(kept, vec![]);
    }

    #[test]
    fn agreeing_and_distant_reads_all_stay() {
        let reads = vec![
            read(Format::Ean13, "5030159003930", 3, MISREAD_AT),
            read(Format::Ean13, "5030159003930", 8, RIGHT_AT),
            read(Format::Ean8, "96385074", 1, shifted(RIGHT_AT, 400., 0.)),
            read(Format::Qr, "hello", 0, RIGHT_AT),
        ];
        let want: Vec<Symbol> = reads.iter().map(|r| r.symbol.clone()).collect();
        assert_eq!(drop_outvoted(reads), want);
    }
}
