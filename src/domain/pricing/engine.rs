//! The engine: applies a ranked promotion set to cart lines.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

use super::model::{Audience, Effect, Promotion, Promotions, Reward, Target, normalise_code};
use super::{
    Discount, MemberFacts, Priced, PricedLine, Shopper, VoucherOutcome, VoucherStatus, jakarta,
};
use crate::domain::Rupiah;
use crate::domain::cart::Line;

/// Prices `lines` with `promotions` for `shopper` at `at` (any offset; the
/// windows and birthdays are compared in Jakarta time).
///
/// Deterministic: promotions are tried in [`Promotions::ranked`] order, as
/// the module documentation describes, and nothing else is read.
pub fn price(
    lines: &[Line],
    promotions: &Promotions,
    shopper: &Shopper,
    at: DateTime<FixedOffset>,
) -> Priced {
    let mut priced: Vec<PricedLine> = lines
        .iter()
        .map(|l| PricedLine {
            barcode: l.barcode.clone(),
            name: l.name.clone(),
            qty: l.qty,
            unit_price: l.unit_price,
            line_total: l.total(),
            discount: Rupiah::ZERO,
            promotions: Vec::new(),
            measure: l.measure,
        })
        .collect();
    let subtotal = priced.iter().fold(0i64, |s, l| s.saturating_add(l.line_total.0));
    let now = at.timestamp();
    let today = at.with_timezone(&jakarta()).date_naive();

    // The codes given, normalised and once each, with their promotions.
    let mut given: Vec<(String, Option<&Promotion>)> = Vec::new();
    for code in shopper.vouchers.iter().map(|c| normalise_code(c)) {
        if !given.iter().any(|(c, _)| *c == code) {
            let promotion = promotions.voucher(&code);
            given.push((code, promotion));
        }
    }

    let mut free: Vec<u32> = lines.iter().map(|l| l.qty).collect();
    let mut uses: Vec<Use> = Vec::new();
    let mut discounts = Vec::new();
    let mut notes: Vec<(&str, Note)> = Vec::new();
    let mut running = subtotal;
    let mut spend: Option<i64> = None;
    let mut stopped_by: Option<&str> = None;

    for p in promotions.ranked() {
        let has_code =
            p.codes.is_empty() || given.iter().any(|(_, q)| q.is_some_and(|q| std::ptr::eq(q, p)));
        if !has_code {
            continue;
        }
        if let Err(reason) = eligible(p, shopper.member.as_ref(), now, today) {
            notes.push((&p.id, Note::Ineligible(reason)));
            continue;
        }
        if let Some(by) = stopped_by {
            notes.push((&p.id, Note::Stopped(by)));
            continue;
        }
        let amount = if p.effect.is_cart_level() {
            // Thresholds compare the spend after item promotions only, so
            // the order of cart promotions cannot move a threshold.
            let spend = *spend.get_or_insert(running);
            cart_discount(&p.effect, lines, &mut free, running, spend)
        } else {
            uses.clear();
            item_uses(&p.effect, lines, &free, &mut uses);
            let amount: i64 = uses.iter().map(|u| u.amount).sum();
            if amount > 0 {
                for u in &uses {
                    free[u.line] -= u.units;
                    let line = &mut priced[u.line];
                    line.discount.0 += u.amount;
                    line.promotions.push(p.id.clone());
                }
            }
            amount
        };
        if amount > 0 {
            running -= amount;
            discounts.push(Discount { promotion: p.id.clone(), amount: Rupiah(amount) });
            notes.push((&p.id, Note::Applied));
            if p.exclusive {
                stopped_by = Some(&p.id);
            }
        } else {
            notes.push((&p.id, Note::NoEffect));
        }
    }

    let vouchers = given
        .iter()
        .map(|(code, promotion)| voucher_outcome(code, *promotion, &given, &notes))
        .collect();
    Priced {
        lines: priced,
        subtotal: Rupiah(subtotal),
        discounts,
        total: Rupiah(running),
        vouchers,
    }
}

/// What happened to a promotion, for the voucher outcomes.
enum Note<'a> {
    Applied,
    Ineligible(String),
    NoEffect,
    Stopped(&'a str),
}

/// Units of one line an item promotion uses, and what it takes off them.
struct Use {
    line: usize,
    units: u32,
    amount: i64,
}

fn voucher_outcome(
    code: &str,
    promotion: Option<&Promotion>,
    given: &[(String, Option<&Promotion>)],
    notes: &[(&str, Note)],
) -> VoucherOutcome {
    let Some(p) = promotion else {
        return VoucherOutcome {
            code: code.to_owned(),
            promotion: None,
            status: VoucherStatus::Unknown,
            reason: Some("no promotion has this code".into()),
        };
    };
    let first = given
        .iter()
        .find(|(_, q)| q.is_some_and(|q| std::ptr::eq(q, p)))
        .map(|(c, _)| c.as_str())
        .unwrap_or(code);
    let reason = if first != code {
        Some(format!("{} already takes code {first}", p.id))
    } else {
        match notes.iter().find(|(id, _)| *id == p.id).map(|(_, n)| n) {
            Some(Note::Applied) => None,
            Some(Note::Ineligible(r)) => Some(r.clone()),
            Some(Note::Stopped(by)) => Some(format!("exclusive promotion {by} applies instead")),
            Some(Note::NoEffect) | None => Some("nothing in the cart qualifies".into()),
        }
    };
    VoucherOutcome {
        code: code.to_owned(),
        promotion: Some(p.id.clone()),
        status: if reason.is_none() {
            VoucherStatus::Applied
        } else {
            VoucherStatus::NotApplicable
        },
        reason,
    }
}

/// Whether the promotion runs at `now` for this member; says why not.
fn eligible(
    p: &Promotion,
    member: Option<&MemberFacts>,
    now: i64,
    today: NaiveDate,
) -> Result<(), String> {
    let local = |t: i64| {
        DateTime::from_timestamp(t, 0)
            .map(|d| d.with_timezone(&jakarta()).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    if let Some(from) = p.from.filter(|&f| now < f) {
        return Err(format!("starts {} Jakarta time", local(from)));
    }
    if let Some(until) = p.until.filter(|&u| now >= u) {
        return Err(format!("ended {} Jakarta time", local(until)));
    }
    match &p.audience {
        Audience::Everyone => {}
        Audience::Members if member.is_none() => return Err("for members only".into()),
        Audience::Members => {}
        Audience::Tiers(tiers) => {
            if !member.is_some_and(|m| tiers.contains(&m.tier)) {
                return Err(format!("for {} members only", tiers.join(", ")));
            }
        }
    }
    if let Some(days) = p.birthday_within_days {
        let near = member
            .and_then(|m| m.birthday)
            .is_some_and(|b| days_from_birthday(b, today) <= i64::from(days));
        if !near {
            return Err("a birthday offer: the member's birthday is not near".into());
        }
    }
    Ok(())
}

/// Days between `today` and the nearest anniversary of `birthday` (a
/// 29 February birthday falls on 28 February in other years).
fn days_from_birthday(birthday: NaiveDate, today: NaiveDate) -> i64 {
    (today.year() - 1..=today.year() + 1)
        .filter_map(|y| {
            NaiveDate::from_ymd_opt(y, birthday.month(), birthday.day())
                .or_else(|| NaiveDate::from_ymd_opt(y, 2, 28))
        })
        .map(|d| (today - d).num_days().abs())
        .min()
        .unwrap_or(i64::MAX)
}

/// `amount * percent / 100`, floored, without overflow.
fn percent_of(amount: i64, percent: u32) -> i64 {
    (i128::from(amount) * i128::from(percent) / 100) as i64
}

fn unit(line: &Line) -> i64 {
    line.unit_price.0.max(0)
}

/// What an item promotion would use of the free units; nothing is taken
/// yet (a promotion that saves nothing takes nothing).
fn item_uses(effect: &Effect, lines: &[Line], free: &[u32], uses: &mut Vec<Use>) {
    let open = |i: usize| free[i] > 0;
    match effect {
        Effect::PercentOff { percent, target } => {
            for (i, l) in lines.iter().enumerate() {
                if open(i) && target.covers(&l.barcode, l.category.as_deref()) {
                    let amount = percent_of(unit(l).saturating_mul(i64::from(free[i])), *percent);
                    if amount > 0 {
                        uses.push(Use { line: i, units: free[i], amount });
                    }
                }
            }
        }
        Effect::AmountOff { amount, target } => {
            for (i, l) in lines.iter().enumerate() {
                if open(i) && target.covers(&l.barcode, l.category.as_deref()) {
                    let amount = amount.0.min(unit(l)).saturating_mul(i64::from(free[i]));
                    if amount > 0 {
                        uses.push(Use { line: i, units: free[i], amount });
                    }
                }
            }
        }
        Effect::MemberPrice { items, price } => {
            for (i, l) in lines.iter().enumerate() {
                if open(i) && unit(l) > price.0 && items.contains(&l.barcode) {
                    let amount = (unit(l) - price.0).saturating_mul(i64::from(free[i]));
                    uses.push(Use { line: i, units: free[i], amount });
                }
            }
        }
        Effect::BuyGet { buy, get, target, free_item: None } => {
            cheapest_free(*buy, *get, target, lines, free, uses)
        }
        Effect::BuyGet { buy, get, target, free_item: Some(item) } => {
            named_free(*buy, *get, target, item, lines, free, uses)
        }
        Effect::Bundle { items, price } => bundle(items, *price, lines, free, uses),
        Effect::SpendThreshold { .. } => {}
    }
}

/// Buy `buy` get `get` of the target, the cheapest free: the units sorted
/// dearest first make groups of `buy + get`, and the last `get` of each
/// full group are free. Every unit of a full group is used.
fn cheapest_free(
    buy: u32,
    get: u32,
    target: &Target,
    lines: &[Line],
    free: &[u32],
    uses: &mut Vec<Use>,
) {
    let mut matching: Vec<usize> = (0..lines.len())
        .filter(|&i| free[i] > 0 && target.covers(&lines[i].barcode, lines[i].category.as_deref()))
        .collect();
    let group = buy + get;
    let units: u32 = matching.iter().map(|&i| free[i]).sum();
    let used = units / group * group;
    if used == 0 {
        return;
    }
    matching.sort_by(|&a, &b| unit(&lines[b]).cmp(&unit(&lines[a])).then(a.cmp(&b)));
    let mut k = 0u32;
    for i in matching {
        if k >= used {
            break;
        }
        let take = free[i].min(used - k);
        let free_units = (k..k + take).filter(|pos| pos % group >= buy).count() as i64;
        uses.push(Use { line: i, units: take, amount: free_units * unit(&lines[i]) });
        k += take;
    }
}

/// Buy `buy` of the target, get `get` units of `item` free (when in the
/// cart). The triggering units are used in line order.
fn named_free(
    buy: u32,
    get: u32,
    target: &Target,
    item: &str,
    lines: &[Line],
    free: &[u32],
    uses: &mut Vec<Use>,
) {
    let triggers = |i: usize| {
        free[i] > 0
            && lines[i].barcode != item
            && target.covers(&lines[i].barcode, lines[i].category.as_deref())
    };
    let bought: u32 = (0..lines.len()).filter(|&i| triggers(i)).map(|i| free[i]).sum();
    let available: u32 =
        (0..lines.len()).filter(|&i| lines[i].barcode == item).map(|i| free[i]).sum();
    let given = (bought / buy * get).min(available);
    if given == 0 {
        return;
    }
    let mut to_take = given.div_ceil(get) * buy;
    for i in (0..lines.len()).filter(|&i| triggers(i)) {
        let take = free[i].min(to_take);
        uses.push(Use { line: i, units: take, amount: 0 });
        to_take -= take;
        if to_take == 0 {
            break;
        }
    }
    let mut to_give = given;
    for i in (0..lines.len()).filter(|&i| lines[i].barcode == item && free[i] > 0) {
        let take = free[i].min(to_give);
        uses.push(Use { line: i, units: take, amount: i64::from(take) * unit(&lines[i]) });
        to_give -= take;
        if to_give == 0 {
            break;
        }
    }
}

/// As many whole sets of `items` as the free units make, each for `price`;
/// nothing when a set costs no more than `price` anyway. The saving is
/// shared out over the lines in the order they were used.
fn bundle(items: &[String], price: Rupiah, lines: &[Line], free: &[u32], uses: &mut Vec<Use>) {
    let mut need: Vec<(&str, u32)> = Vec::with_capacity(items.len());
    for b in items {
        match need.iter_mut().find(|(n, _)| *n == b.as_str()) {
            Some((_, c)) => *c += 1,
            None => need.push((b.as_str(), 1)),
        }
    }
    let sets = need
        .iter()
        .map(|(b, n)| {
            let have: u32 =
                (0..lines.len()).filter(|&i| lines[i].barcode == *b).map(|i| free[i]).sum();
            have / n
        })
        .min()
        .unwrap_or(0);
    if sets == 0 {
        return;
    }
    let start = uses.len();
    let mut value = 0i64;
    for (b, n) in &need {
        let mut to_take = sets * n;
        for i in (0..lines.len()).filter(|&i| lines[i].barcode == *b && free[i] > 0) {
            let take = free[i].min(to_take);
            let worth = unit(&lines[i]).saturating_mul(i64::from(take));
            value = value.saturating_add(worth);
            uses.push(Use { line: i, units: take, amount: worth });
            to_take -= take;
            if to_take == 0 {
                break;
            }
        }
    }
    let mut saving = value.saturating_sub(price.0.saturating_mul(i64::from(sets)));
    if saving <= 0 {
        uses.truncate(start);
        return;
    }
    for u in &mut uses[start..] {
        let share = u.amount.min(saving);
        u.amount = share;
        saving -= share;
    }
}

/// What a cart promotion takes off the running total.
fn cart_discount(
    effect: &Effect,
    lines: &[Line],
    free: &mut [u32],
    running: i64,
    spend: i64,
) -> i64 {
    match effect {
        Effect::PercentOff { percent, target: Target::Cart } => percent_of(running, *percent),
        Effect::AmountOff { amount, target: Target::Cart } => amount.0.min(running),
        Effect::SpendThreshold { min_spend, .. } if spend < min_spend.0 => 0,
        Effect::SpendThreshold { reward: Reward::AmountOff(a), .. } => a.0.min(running),
        Effect::SpendThreshold { reward: Reward::FreeItem(item), .. } => {
            match (0..lines.len()).find(|&i| lines[i].barcode == *item && free[i] > 0) {
                Some(i) => {
                    free[i] -= 1;
                    unit(&lines[i]).min(running)
                }
                None => 0,
            }
        }
        _ => 0,
    }
}
