//! Recommendations for a member: what they buy again and what is bought
//! together with it.
//!
//! The rule, in full (the README states it too):
//!
//! - `bought(b)`: how many of the member's own recorded sales hold `b`.
//! - the seeds: every item the member has bought, and every item in the
//!   cart now.
//! - `together(b)`: over every recorded sale (anyone's, anonymous ones
//!   included), the number of (sale, seed) pairs where the sale holds both
//!   the seed and `b`, the seed being another item than `b`.
//! - `score(b) = bought(b) + together(b)`.
//!
//! Items in the cart are never recommended; neither is an item whose score
//! is zero. The order is score (highest first), then `bought` (highest
//! first), then barcode (ascending), so it is the same on every call.

use std::collections::{BTreeMap, BTreeSet};

/// The distinct items of one recorded sale.
pub type Basket = BTreeSet<String>;

/// One recommended item and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored {
    pub barcode: String,
    pub score: u32,
    pub bought: u32,
    pub together: u32,
}

/// Scores every candidate by the rule in the module documentation.
///
/// `own` are the member's own sales; `sales` are recorded sales holding at
/// least one seed (more sales do no harm: one without a seed adds nothing),
/// the member's own included. Returns the candidates in order; the caller
/// filters (in the catalog, in stock) and cuts to a limit.
pub fn score(own: &[Basket], sales: &[Basket], cart: &BTreeSet<String>) -> Vec<Scored> {
    let mut bought: BTreeMap<&str, u32> = BTreeMap::new();
    for basket in own {
        for item in basket {
            *bought.entry(item).or_default() += 1;
        }
    }
    let seeds: BTreeSet<&str> =
        bought.keys().copied().chain(cart.iter().map(|s| s.as_str())).collect();

    let mut together: BTreeMap<&str, u32> = BTreeMap::new();
    for basket in sales {
        let held = basket.iter().filter(|i| seeds.contains(i.as_str())).count() as u32;
        if held == 0 {
            continue;
        }
        for item in basket {
            // Every seed in this sale other than the item itself.
            let pairs = held - u32::from(seeds.contains(item.as_str()));
            if pairs > 0 {
                *together.entry(item).or_default() += pairs;
            }
        }
    }

    let candidates: BTreeSet<&str> = bought.keys().chain(together.keys()).copied().collect();
    let mut out: Vec<Scored> = candidates
        .into_iter()
        .filter(|b| !cart.contains(*b))
        .map(|b| {
            let bought = bought.get(b).copied().unwrap_or(0);
            let together = together.get(b).copied().unwrap_or(0);
            Scored { barcode: b.to_owned(), score: bought + together, bought, together }
        })
        .filter(|s| s.score > 0)
        .collect();
    out.sort_by(|a, b| {
        b.score.cmp(&a.score).then(b.bought.cmp(&a.bought)).then(a.barcode.cmp(&b.barcode))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basket(items: &[&str]) -> Basket {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hand_worked_history_and_cart() {
        // The member bought {A, B} and {A, C}; others bought {A, D},
        // {B, D, E}, {C, E} and {F}. The cart holds E.
        let own = vec![basket(&["A", "B"]), basket(&["A", "C"])];
        let mut sales = own.clone();
        sales.extend([basket(&["A", "D"]), basket(&["B", "D", "E"]), basket(&["C", "E"])]);
        sales.push(basket(&["F"]));
        let cart = basket(&["E"]);
        // Seeds: A, B, C (bought) and E (cart).
        // bought: A 2, B 1, C 1.
        // together, sale by sale (seeds in the sale other than the item):
        //   {A,B}: A+1 (B), B+1 (A)      {A,C}: A+1 (C), C+1 (A)
        //   {A,D}: D+1 (A), A+0          {B,D,E}: B+1 (E), D+2 (B, E), E+1
        //   {C,E}: C+1 (E), E+1          {F}: no seed
        // A: 2 + 2 = 4; B: 1 + 2 = 3; C: 1 + 2 = 3; D: 0 + 3 = 3; E in cart.
        // B, C, D tie at 3: B and C (bought 1) before D (bought 0), then B
        // before C by barcode. F scores nothing.
        let got = score(&own, &sales, &cart);
        let order: Vec<(&str, u32, u32, u32)> =
            got.iter().map(|s| (s.barcode.as_str(), s.score, s.bought, s.together)).collect();
        assert_eq!(order, vec![("A", 4, 2, 2), ("B", 3, 1, 2), ("C", 3, 1, 2), ("D", 3, 0, 3)]);
    }

    #[test]
    fn nothing_bought_and_an_empty_cart_recommend_nothing() {
        let sales = vec![basket(&["A", "B"])];
        assert!(score(&[], &sales, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn a_cart_alone_gives_what_is_bought_with_it() {
        let sales = vec![basket(&["A", "B"]), basket(&["A", "C"]), basket(&["A", "B"])];
        let got = score(&[], &sales, &basket(&["A"]));
        let order: Vec<(&str, u32)> = got.iter().map(|s| (s.barcode.as_str(), s.score)).collect();
        assert_eq!(order, vec![("B", 2), ("C", 1)]);
    }
}
