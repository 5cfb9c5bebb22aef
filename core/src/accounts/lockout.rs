//! Sign-in lockout (H-1-9): repeated failures lock an account for a while.

use chrono::{DateTime, TimeDelta, Utc};

/// When repeated failures lock an account. Default: 5 failures within 15
/// minutes lock it for 15 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockoutPolicy {
    /// Failures that lock.
    pub max_failures: u32,
    /// The window the failures must fall in, in seconds.
    pub window_secs: i64,
    /// How long a lock lasts, in seconds.
    pub lock_secs: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window_secs: 15 * 60,
            lock_secs: 15 * 60,
        }
    }
}

/// An account's recent sign-in failures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FailureState {
    /// Failures counted in the current window.
    pub failures: u32,
    /// When the current window began (the first failure counted).
    pub window_start: Option<DateTime<Utc>>,
    /// Locked until then.
    pub locked_until: Option<DateTime<Utc>>,
}

impl LockoutPolicy {
    /// Whether the account is locked at `now`.
    pub fn is_locked(&self, state: &FailureState, now: DateTime<Utc>) -> bool {
        state.locked_until.is_some_and(|until| now < until)
    }

    /// The state after a failed attempt at `now`: counted in the window
    /// (a new window when the last one is over); the failure that reaches
    /// `max_failures` locks the account and starts a new count.
    pub fn after_failure(&self, state: &FailureState, now: DateTime<Utc>) -> FailureState {
        let in_window = state.window_start.is_some_and(|start| {
            now - start < TimeDelta::try_seconds(self.window_secs).unwrap_or(TimeDelta::MAX)
        });
        let (failures, window_start) = if in_window {
            (state.failures.saturating_add(1), state.window_start)
        } else {
            (1, Some(now))
        };
        if failures >= self.max_failures.max(1) {
            FailureState {
                failures: 0,
                window_start: None,
                // A lock longer than time can hold locks until the end of time.
                locked_until: Some(
                    TimeDelta::try_seconds(self.lock_secs)
                        .and_then(|d| now.checked_add_signed(d))
                        .unwrap_or(DateTime::<Utc>::MAX_UTC),
                ),
            }
        } else {
            FailureState {
                failures,
                window_start,
                locked_until: state.locked_until,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + secs, 0).unwrap_or_default()
    }

    #[test]
    fn five_failures_in_fifteen_minutes_lock_for_fifteen_minutes() {
        let p = LockoutPolicy::default();
        let mut s = FailureState::default();
        for i in 0..4 {
            s = p.after_failure(&s, t(i * 60));
            assert!(!p.is_locked(&s, t(i * 60)));
        }
        s = p.after_failure(&s, t(240));
        assert!(p.is_locked(&s, t(240)));
        assert!(p.is_locked(&s, t(240 + 899)));
        assert!(!p.is_locked(&s, t(240 + 900)));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let p = LockoutPolicy::default();
        let mut s = FailureState::default();
        for i in 0..4 {
            s = p.after_failure(&s, t(i));
        }
        s = p.after_failure(&s, t(15 * 60 + 1));
        assert_eq!(s.failures, 1);
        assert!(!p.is_locked(&s, t(15 * 60 + 1)));
    }
}
