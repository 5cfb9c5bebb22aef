//! Japan dates, JST timestamps and Japanese era dates (和暦) (SPEC §2).
//!
//! Business dates are Japan dates (JST, UTC+9, no daylight saving);
//! timestamps are instants, stored in UTC. The core never reads the wall
//! clock: a [`Clock`] is passed in.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, SecondsFormat, TimeDelta,
    TimeZone, Timelike, Utc,
};
use thiserror::Error;

/// Why a date or timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// Not an ISO 8601 calendar date `YYYY-MM-DD`.
    #[error("invalid date {value:?}: expected YYYY-MM-DD")]
    InvalidDate {
        /// The value as given.
        value: String,
    },
    /// Not an RFC 3339 timestamp with an offset.
    #[error("invalid timestamp {value:?}: expected RFC 3339 with an offset, e.g. 2025-04-01T10:00:00+09:00")]
    InvalidTimestamp {
        /// The value as given.
        value: String,
    },
    /// A date that no Japanese era covers (before 1873-01-01, when Japan
    /// adopted the Gregorian calendar).
    #[error("{date} is outside the range of Japanese era dates (from 1873-01-01)")]
    DateOutOfRange {
        /// The date.
        date: NaiveDate,
    },
    /// A period that takes an instant past what can be represented (a
    /// validity of billions of days).
    #[error("{what}: {amount} {unit} is out of range")]
    PeriodOutOfRange {
        /// Which setting or argument.
        what: &'static str,
        /// The amount given.
        amount: i64,
        /// Its unit.
        unit: &'static str,
    },
}

impl CalendarError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::InvalidDate { .. } => "invalid_date",
            CalendarError::InvalidTimestamp { .. } => "invalid_timestamp",
            CalendarError::DateOutOfRange { .. } => "date_out_of_range",
            CalendarError::PeriodOutOfRange { .. } => "period_out_of_range",
        }
    }
}

/// `at` plus `hours`, checked: an amount that leaves the representable
/// range is `period_out_of_range` naming `what`, never a panic.
pub fn hours_after(
    at: DateTime<Utc>,
    hours: i64,
    what: &'static str,
) -> Result<DateTime<Utc>, CalendarError> {
    seconds_after(at, hours.checked_mul(3600), hours, "hours", what)
}

/// `at` plus `days`, checked like [`hours_after`].
pub fn days_after(
    at: DateTime<Utc>,
    days: i64,
    what: &'static str,
) -> Result<DateTime<Utc>, CalendarError> {
    seconds_after(at, days.checked_mul(86_400), days, "days", what)
}

fn seconds_after(
    at: DateTime<Utc>,
    seconds: Option<i64>,
    amount: i64,
    unit: &'static str,
    what: &'static str,
) -> Result<DateTime<Utc>, CalendarError> {
    seconds
        .and_then(TimeDelta::try_seconds)
        .and_then(|d| at.checked_add_signed(d))
        .ok_or(CalendarError::PeriodOutOfRange { what, amount, unit })
}

/// Japan Standard Time, UTC+9.
pub fn jst() -> FixedOffset {
    // 9 hours is always within ±24 h, so the fallback is never taken.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Parses an ISO 8601 calendar date `YYYY-MM-DD`: four-digit year,
/// two-digit month and day (`2019-5-1` and `+2019-05-01` are refused, not
/// read as `2019-05-01`).
pub fn parse_date(input: &str) -> Result<NaiveDate, CalendarError> {
    let s = input.trim();
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    // The shape is checked: the numbers are read directly (chrono's
    // parser costs more than the rest of a master row's checks).
    let number = |r: std::ops::Range<usize>| {
        b.get(r)
            .unwrap_or_default()
            .iter()
            .fold(0u32, |n, &c| n * 10 + u32::from(c.wrapping_sub(b'0')))
    };
    shaped
        .then(|| {
            let year = i32::try_from(number(0..4)).ok()?;
            NaiveDate::from_ymd_opt(year, number(5..7), number(8..10))
        })
        .flatten()
        .ok_or_else(|| CalendarError::InvalidDate {
            value: input.to_owned(),
        })
}

/// Parses an RFC 3339 timestamp (an offset is required) into UTC.
pub fn parse_timestamp(input: &str) -> Result<DateTime<Utc>, CalendarError> {
    DateTime::parse_from_rfc3339(input.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CalendarError::InvalidTimestamp {
            value: input.to_owned(),
        })
}

fn push_digits(out: &mut String, value: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut v = value;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend(buf[..width].iter().map(|&b| char::from(b)));
}

fn push_date(out: &mut String, d: NaiveDate) {
    push_digits(out, d.year().unsigned_abs(), 4);
    out.push('-');
    push_digits(out, d.month(), 2);
    out.push('-');
    push_digits(out, d.day(), 2);
}

/// A date as `YYYY-MM-DD` (the stored and exchanged form).
pub fn date_text(d: NaiveDate) -> String {
    if !(0..=9999).contains(&d.year()) {
        return d.format("%Y-%m-%d").to_string();
    }
    let mut out = String::with_capacity(10);
    push_date(&mut out, d);
    out
}

/// An instant as fixed-width UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`
/// (microseconds; text order is time order). The same text as chrono's
/// RFC 3339 form with microseconds and `Z`, made without its formatter
/// because stores and the access log write it for every row.
pub fn utc_text(t: DateTime<Utc>) -> String {
    let micros = t.nanosecond() / 1_000;
    if !(0..=9999).contains(&t.year()) || micros >= 1_000_000 {
        return t.to_rfc3339_opts(SecondsFormat::Micros, true);
    }
    let mut out = String::with_capacity(27);
    push_date(&mut out, t.date_naive());
    out.push('T');
    push_digits(&mut out, t.hour(), 2);
    out.push(':');
    push_digits(&mut out, t.minute(), 2);
    out.push(':');
    push_digits(&mut out, t.second(), 2);
    out.push('.');
    push_digits(&mut out, micros, 6);
    out.push('Z');
    out
}

/// 00:00 JST at the start of a Japan date, as an instant.
pub fn start_of_day_jst(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN)
        .and_local_timezone(jst())
        .single()
        .map(|t| t.with_timezone(&Utc))
        // A fixed offset has exactly one mapping; this arm is unreachable.
        .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)))
}

/// The instant in JST, for display (`2025-10-01T00:00:00+09:00`).
pub fn to_jst(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&jst())
}

/// The Japan date on which an instant falls.
pub fn jst_date(t: DateTime<Utc>) -> NaiveDate {
    to_jst(t).date_naive()
}

/// The day at whose end a person born on `birth` attains age `years`
/// (年齢計算ニ関スル法律 with 民法 第143条): age is counted from the day of
/// birth, and the period of `years` years ends on the day before the
/// anniversary; for a birth on 29 February, in a year without one the
/// period ends on 28 February (the month's last day). `None` beyond the
/// calendar.
pub fn attains_age_at_end_of(birth: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = birth.year().checked_add(i32::try_from(years).ok()?)?;
    let anniversary = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        // No 29 February that year: the period ends on the month's last day.
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))?;
    anniversary.pred_opt()
}

/// A person's age during `day` (満年齢): the number of ages attained at
/// the end of a day before it ([`attains_age_at_end_of`]). On the birthday
/// the new age is already held (it was attained at the end of the day
/// before); someone born on 1 April attains 6 at the end of 31 March, so is
/// of the school year before those born on 2 April. Before the birth, 0.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    if day <= birth {
        return 0;
    }
    let mut years = u32::try_from(day.year() - birth.year()).unwrap_or(0);
    while years > 0 && attains_age_at_end_of(birth, years).is_none_or(|end| end >= day) {
        years -= 1;
    }
    years
}

/// The day at whose end a person born on `birth` attains `months` months
/// of age (月齢), by the same rule as [`attains_age_at_end_of`]: the period
/// ends on the day before the day of the final month that corresponds to
/// the birth day; where that month has no such day (born on the 31st, the
/// final month has 30), it ends on the month's last day. `None` beyond the
/// calendar.
pub fn attains_months_at_end_of(birth: NaiveDate, months: u32) -> Option<NaiveDate> {
    let first = birth
        .with_day(1)?
        .checked_add_months(chrono::Months::new(months))?;
    match first.with_day(birth.day()) {
        Some(corresponding) => corresponding.pred_opt(),
        // No corresponding day: the last day of that month.
        None => first.checked_add_months(chrono::Months::new(1))?.pred_opt(),
    }
}

/// A person's age in months during `day` (月齢): the number of months
/// attained at the end of a day before it ([`attains_months_at_end_of`]).
/// Before the birth, 0.
pub fn months_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    if day <= birth {
        return 0;
    }
    let span = (day.year() - birth.year()) * 12 + i32::try_from(day.month()).unwrap_or(0)
        - i32::try_from(birth.month()).unwrap_or(0);
    let mut months = u32::try_from(span).unwrap_or(0);
    while months > 0 && attains_months_at_end_of(birth, months).is_none_or(|end| end >= day) {
        months -= 1;
    }
    months
}

/// Where the core gets "now" from. Services take one; tests pin it.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's Japan date.
    fn today_jst(&self) -> NaiveDate {
        jst_date(self.now())
    }
}

/// A clock that always says the same instant (tests, batch re-runs, demos).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The system clock, for embedders (feature `system-clock`). The rules
/// never call it; services read time only through the [`Clock`] they are given.
#[cfg(feature = "system-clock")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

#[cfg(feature = "system-clock")]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A Japanese era (元号) of the modern calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    /// 明治, from 1868 (dates from 1873-01-01 only).
    Meiji,
    /// 大正, from 1912-07-30.
    Taisho,
    /// 昭和, from 1926-12-25.
    Showa,
    /// 平成, from 1989-01-08.
    Heisei,
    /// 令和, from 2019-05-01.
    Reiwa,
}

impl Era {
    /// The era's name in kanji (令和).
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's name in Roman letters (Reiwa).
    pub fn romaji(self) -> &'static str {
        match self {
            Era::Meiji => "Meiji",
            Era::Taisho => "Taisho",
            Era::Showa => "Showa",
            Era::Heisei => "Heisei",
            Era::Reiwa => "Reiwa",
        }
    }

    /// The first day of the era, and the Gregorian year that is its year 1.
    fn start(self) -> (i32, u32, u32) {
        match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        }
    }
}

/// The first date that has a 和暦 rendering: Japan adopted the Gregorian
/// calendar on 明治6年1月1日.
const FIRST_WAREKI_DATE: (i32, u32, u32) = (1873, 1, 1);

/// The first date that has a 和暦 rendering (明治6年1月1日, 1873-01-01).
pub fn first_wareki_date() -> NaiveDate {
    let (y, m, d) = FIRST_WAREKI_DATE;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// A date in the Japanese calendar (和暦), as printed on documents.
///
/// ```
/// use chrono::NaiveDate;
/// use sesshu_core::calendar::WarekiDate;
/// let d = NaiveDate::from_ymd_opt(2019, 5, 1).unwrap();
/// assert_eq!(WarekiDate::from_date(d).unwrap().to_string(), "令和元年5月1日");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WarekiDate {
    /// The era.
    pub era: Era,
    /// The year of the era, 1 = 元年.
    pub year: u32,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
}

impl WarekiDate {
    /// Converts a Gregorian date; dates before 1873-01-01 are out of range.
    pub fn from_date(date: NaiveDate) -> Result<Self, CalendarError> {
        let ymd = (date.year(), date.month(), date.day());
        if ymd < FIRST_WAREKI_DATE {
            return Err(CalendarError::DateOutOfRange { date });
        }
        let era = [Era::Reiwa, Era::Heisei, Era::Showa, Era::Taisho, Era::Meiji]
            .into_iter()
            .find(|e| ymd >= e.start())
            .unwrap_or(Era::Meiji);
        let year = u32::try_from(date.year() - era.start().0 + 1).unwrap_or(1);
        Ok(WarekiDate {
            era,
            year,
            month: date.month(),
            day: date.day(),
        })
    }
}

impl std::fmt::Display for WarekiDate {
    /// `令和元年5月1日`, `平成31年4月30日`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.era.kanji())?;
        if self.year == 1 {
            f.write_str("元")?;
        } else {
            write!(f, "{}", self.year)?;
        }
        write!(f, "年{}月{}日", self.month, self.day)
    }
}

#[cfg(test)]
mod age_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn an_age_is_attained_at_the_end_of_the_day_before_the_birthday() {
        let birth = d("2019-04-01");
        assert_eq!(attains_age_at_end_of(birth, 6), Some(d("2025-03-31")));
        assert_eq!(age_on(birth, d("2025-03-31")), 5);
        assert_eq!(age_on(birth, d("2025-04-01")), 6);
        // Born 1 April: 6 on the first day of the school year (1 April),
        // with those born since 2 April of the year before.
        assert_eq!(age_on(d("2019-04-02"), d("2025-04-01")), 5);
        assert_eq!(age_on(birth, d("2019-04-01")), 0);
        assert_eq!(age_on(birth, d("2018-01-01")), 0);
        assert_eq!(age_on(birth, d("2020-03-31")), 0);
        assert_eq!(age_on(birth, d("2020-04-01")), 1);
    }

    #[test]
    fn a_birth_on_29_february() {
        let birth = d("2020-02-29");
        // 2021 has no 29 February: the year ends with 28 February.
        assert_eq!(attains_age_at_end_of(birth, 1), Some(d("2021-02-28")));
        assert_eq!(age_on(birth, d("2021-02-28")), 0);
        assert_eq!(age_on(birth, d("2021-03-01")), 1);
        // 2024 has one: the year ends with 28 February, as for anyone.
        assert_eq!(attains_age_at_end_of(birth, 4), Some(d("2024-02-28")));
        assert_eq!(age_on(birth, d("2024-02-28")), 3);
        assert_eq!(age_on(birth, d("2024-02-29")), 4);
    }

    #[test]
    fn months_are_attained_at_the_end_of_the_day_before_the_corresponding_day() {
        let birth = d("2024-01-15");
        assert_eq!(attains_months_at_end_of(birth, 1), Some(d("2024-02-14")));
        assert_eq!(months_on(birth, d("2024-02-14")), 0);
        assert_eq!(months_on(birth, d("2024-02-15")), 1);
        assert_eq!(months_on(birth, d("2025-01-15")), 12);
        assert_eq!(months_on(birth, d("2025-01-14")), 11);
        // Born on the 31st: a month without a 31st ends on its last day.
        let birth = d("2024-01-31");
        assert_eq!(attains_months_at_end_of(birth, 1), Some(d("2024-02-29")));
        assert_eq!(months_on(birth, d("2024-02-29")), 0);
        assert_eq!(months_on(birth, d("2024-03-01")), 1);
        assert_eq!(attains_months_at_end_of(birth, 3), Some(d("2024-04-30")));
        assert_eq!(months_on(birth, d("2024-05-01")), 3);
        // Twelve months are one year, by the same rule.
        for b in ["2020-02-29", "2019-04-01", "2023-12-31"] {
            let birth = d(b);
            assert_eq!(
                attains_months_at_end_of(birth, 12),
                attains_age_at_end_of(birth, 1)
            );
        }
    }

    proptest! {
        #[test]
        fn months_are_the_count_of_months_attained_before_the_day(
            b in 0i64..40_000, offset in 0i64..3_000
        ) {
            let birth = d("1930-01-01") + TimeDelta::days(b);
            let day = birth + TimeDelta::days(offset);
            let months = months_on(birth, day);
            if months > 0 {
                prop_assert!(attains_months_at_end_of(birth, months).unwrap() < day);
            }
            prop_assert!(attains_months_at_end_of(birth, months + 1).unwrap() >= day);
            prop_assert_eq!(months / 12, age_on(birth, day));
        }

        #[test]
        fn age_is_the_count_of_ages_attained_before_the_day(
            b in 0i64..40_000, offset in 0i64..40_000
        ) {
            let birth = d("1930-01-01") + TimeDelta::days(b);
            let day = birth + TimeDelta::days(offset);
            let age = age_on(birth, day);
            if age > 0 {
                prop_assert!(attains_age_at_end_of(birth, age).unwrap() < day);
            }
            prop_assert!(attains_age_at_end_of(birth, age + 1).unwrap() >= day);
            // The common reckoning agrees: years since birth, less one
            // before this year's birthday (1 March for 29 February).
            let mut common = day.year() - birth.year();
            let (m, dd) = if birth.month() == 2 && birth.day() == 29
                && NaiveDate::from_ymd_opt(day.year(), 2, 29).is_none() { (3, 1) } else { (birth.month(), birth.day()) };
            if (day.month(), day.day()) < (m, dd) { common -= 1; }
            prop_assert_eq!(i64::from(age), i64::from(common.max(0)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("test date")
    }

    #[test]
    fn dates_are_read_in_their_one_form() {
        assert_eq!(
            d(" 2019-05-01 "),
            NaiveDate::from_ymd_opt(2019, 5, 1).expect("date")
        );
        for bad in [
            "2019-5-1",
            "2019-05-1",
            "+2019-05-01",
            "20190501",
            "2019/05/01",
            "２０１９-05-01",
            "2019-02-30",
            "",
        ] {
            assert!(
                matches!(parse_date(bad), Err(CalendarError::InvalidDate { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn era_boundaries() {
        let w = |s| WarekiDate::from_date(d(s)).map(|w| w.to_string());
        assert_eq!(w("2019-05-01"), Ok("令和元年5月1日".into()));
        assert_eq!(w("2019-04-30"), Ok("平成31年4月30日".into()));
        assert_eq!(w("1912-07-29"), Ok("明治45年7月29日".into()));
        assert_eq!(w("1873-01-01"), Ok("明治6年1月1日".into()));
        assert_eq!(
            w("1872-12-31").map_err(|e| e.code()),
            Err("date_out_of_range")
        );
    }

    #[test]
    fn jst_midnight() {
        assert_eq!(
            start_of_day_jst(d("2025-10-01")),
            parse_timestamp("2025-09-30T15:00:00Z").expect("ts")
        );
        assert!(parse_timestamp("2025-09-30T15:00:00").is_err());
        assert!(parse_date("2025-02-30").is_err());
    }
}
