//! The life of a click-and-collect order, as a pure state machine.
//!
//! ```text
//!  placed ──load──▶ loaded ──collect──▶ collected ──return (all)──▶ returned
//!    │                │
//!    ├──cancel──▶ cancelled ◀──cancel──┤
//!    └──expire──▶ expired ◀──expire────┘
//! ```
//!
//! An order is placed on another channel, loaded by staff into a locker
//! compartment, and collected by its customer. One not collected by its
//! deadline expires, and staff take it out again ([`Step::Unload`], which
//! keeps the state and applies the expiry refund policy). A collected
//! order whose goods all came back is returned. Every other step is
//! refused with the reason, so the central and the kiosk say the same
//! thing.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an order is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderState {
    /// Taken on another channel; its stock is reserved at the store.
    Placed,
    /// In a locker compartment, with a pickup code issued.
    Loaded,
    /// Taken out of its compartment by its customer.
    Collected,
    /// Not collected by its deadline.
    Expired,
    /// Collected, then all of it came back.
    Returned,
    /// Called off before it was collected.
    Cancelled,
}

impl OrderState {
    pub const ALL: [OrderState; 6] = [
        OrderState::Placed,
        OrderState::Loaded,
        OrderState::Collected,
        OrderState::Expired,
        OrderState::Returned,
        OrderState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Placed => "placed",
            OrderState::Loaded => "loaded",
            OrderState::Collected => "collected",
            OrderState::Expired => "expired",
            OrderState::Returned => "returned",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// True if and only if the order still holds its stock reservation
    /// (and, once loaded, a live pickup code).
    pub fn is_live(self) -> bool {
        matches!(self, OrderState::Placed | OrderState::Loaded)
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Staff put it into a compartment.
    Load,
    /// Its customer took it out.
    Collect,
    /// The channel or staff called it off.
    Cancel,
    /// Its deadline passed.
    Expire,
    /// Staff took an expired or cancelled order out of its compartment.
    Unload,
    /// The last of its goods came back.
    Return,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Load => "load",
            Step::Collect => "collect",
            Step::Cancel => "cancel",
            Step::Expire => "expire",
            Step::Unload => "unload",
            Step::Return => "return",
        }
    }
}

/// A step the order's state does not allow, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} an order that is {from}: {reason}", .step.as_str())]
pub struct Refused {
    pub from: OrderState,
    pub step: Step,
    pub reason: &'static str,
}

/// The state after `step` from `from`, or why the step is refused.
pub fn next(from: OrderState, step: Step) -> Result<OrderState, Refused> {
    use OrderState as S;
    let refuse = |reason| Err(Refused { from, step, reason });
    match (from, step) {
        (S::Placed, Step::Load) => Ok(S::Loaded),
        (S::Loaded, Step::Collect) => Ok(S::Collected),
        (S::Placed | S::Loaded, Step::Cancel) => Ok(S::Cancelled),
        (S::Placed | S::Loaded, Step::Expire) => Ok(S::Expired),
        (S::Expired | S::Cancelled, Step::Unload) => Ok(from),
        (S::Collected, Step::Return) => Ok(S::Returned),

        (S::Loaded, Step::Load) => refuse("it is in a compartment already"),
        (S::Placed, Step::Collect) => refuse("staff have not loaded it into a locker yet"),
        (S::Collected, Step::Collect) => refuse("it was collected already"),
        (S::Expired, Step::Collect) => {
            refuse("its pickup deadline passed; staff take it out of the locker")
        }
        (S::Cancelled, Step::Collect) => refuse("it was cancelled"),
        (S::Returned, _) => refuse("its goods came back; it is closed"),
        (S::Collected, Step::Cancel | Step::Expire | Step::Load | Step::Unload) => {
            refuse("its customer has it; only a return can follow")
        }
        (S::Expired | S::Cancelled, Step::Load) => refuse("it is no longer to be collected"),
        (S::Expired | S::Cancelled, Step::Cancel | Step::Expire) => refuse("it has ended already"),
        (S::Placed | S::Loaded, Step::Unload) => {
            refuse("it is still to be collected; cancel it or let it expire first")
        }
        (S::Placed | S::Loaded | S::Expired | S::Cancelled, Step::Return) => {
            refuse("only a collected order comes back")
        }
    }
}

/// The step to take for an order that is `state` with `deadline` at `now`,
/// if its deadline passed: [`Step::Expire`] for a live order past it.
pub fn due(state: OrderState, deadline: DateTime<Utc>, now: DateTime<Utc>) -> Option<Step> {
    (state.is_live() && now > deadline).then_some(Step::Expire)
}

/// What the central does with a paid order that expired, when staff take
/// it out of its locker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryRefund {
    /// Refund the whole payment at once.
    #[default]
    Full,
    /// Keep the money: staff call the customer and decide.
    Hold,
}

impl ExpiryRefund {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryRefund::Full => "full",
            ExpiryRefund::Hold => "hold",
        }
    }

    pub fn parse(text: &str) -> Option<ExpiryRefund> {
        match text {
            "full" => Some(ExpiryRefund::Full),
            "hold" => Some(ExpiryRefund::Hold),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderState as S;
    use super::*;

    const STEPS: [Step; 6] =
        [Step::Load, Step::Collect, Step::Cancel, Step::Expire, Step::Unload, Step::Return];

    #[test]
    fn the_allowed_steps_are_those_of_the_diagram() {
        // Worked out from the diagram in the module's documentation; every
        // other pair is refused.
        let allowed = [
            (S::Placed, Step::Load, S::Loaded),
            (S::Placed, Step::Cancel, S::Cancelled),
            (S::Placed, Step::Expire, S::Expired),
            (S::Loaded, Step::Collect, S::Collected),
            (S::Loaded, Step::Cancel, S::Cancelled),
            (S::Loaded, Step::Expire, S::Expired),
            (S::Expired, Step::Unload, S::Expired),
            (S::Cancelled, Step::Unload, S::Cancelled),
            (S::Collected, Step::Return, S::Returned),
        ];
        for from in OrderState::ALL {
            for step in STEPS {
                let want = allowed.iter().find(|(f, s, _)| *f == from && *s == step);
                match (next(from, step), want) {
                    (Ok(to), Some((_, _, want))) => assert_eq!(to, *want, "{from} {step:?}"),
                    (Err(r), None) => {
                        assert_eq!((r.from, r.step), (from, step));
                        assert!(!r.reason.is_empty());
                    }
                    (got, want) => panic!("{from} {step:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn a_second_collect_is_refused_saying_so() {
        let e = next(S::Collected, Step::Collect).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot collect an order that is collected: it was collected already"
        );
    }

    #[test]
    fn only_a_live_order_past_its_deadline_is_due_to_expire() {
        let deadline = DateTime::parse_from_rfc3339("2026-03-04T10:00:00Z").unwrap().to_utc();
        let before = deadline - chrono::Duration::seconds(1);
        let after = deadline + chrono::Duration::seconds(1);
        assert_eq!(due(S::Loaded, deadline, after), Some(Step::Expire));
        assert_eq!(due(S::Placed, deadline, after), Some(Step::Expire));
        assert_eq!(due(S::Loaded, deadline, deadline), None, "the deadline itself still counts");
        assert_eq!(due(S::Loaded, deadline, before), None);
        assert_eq!(due(S::Collected, deadline, after), None);
    }

    #[test]
    fn states_read_back_from_their_names() {
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderState::parse("Loaded"), None);
    }
}
