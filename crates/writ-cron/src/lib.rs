//! Five-field cron expressions, pure (the worker's scheduled handler passes the time in) (minute hour day-of-month month day-of-week): `*`, `*/n`, `a-b`, `a-b/n`,
//! and comma lists. Day-of-month and day-of-week combine as in Vixie cron (either matches when both are set).

#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    fields: [Vec<bool>; 5],
    dom_any: bool,
    dow_any: bool,
}

const RANGES: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "`{text}` has {} fields; cron needs 5 (minute hour day month weekday)",
                parts.len()
            ));
        }
        let mut fields: [Vec<bool>; 5] = Default::default();
        for (i, part) in parts.iter().enumerate() {
            fields[i] = field(part, RANGES[i].0, RANGES[i].1)
                .map_err(|e| format!("field {} (`{part}`): {e}", i + 1))?;
        }
        Ok(Cron {
            fields,
            dom_any: parts[2] == "*",
            dow_any: parts[4] == "*",
        })
    }

    /// Does the minute starting at `ms` (Unix milliseconds, UTC) match?
    pub fn matches_ms(&self, ms: u64) -> bool {
        let minutes = ms / 60_000;
        let (minute, hour) = ((minutes % 60) as usize, ((minutes / 60) % 24) as usize);
        self.fields[0][minute] && self.fields[1][hour] && self.day_matches(minutes / 1440)
    }
}

/// How far ahead [`Cron::next_after`] looks: a leap day on a given weekday can be 28 years away, but an
/// expression that is not due within eight years is refused as never due.
pub const LOOKAHEAD_DAYS: u64 = 8 * 366;

/// What a schedule should do at a tick: the due minutes to run now (oldest first), and those left for a
/// later tick because one tick runs at most `per_tick`, and those too old to run any more.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatchUp {
    pub run: Vec<u64>,
    /// Due minutes older than the catch-up window: recorded as missed, never run.
    pub expired: Vec<u64>,
    /// Due minutes still to run at a later tick (beyond `per_tick`).
    pub deferred: u64,
}

impl Cron {
    /// The first due minute strictly after `after_ms` (Unix milliseconds), if one comes within
    /// [`LOOKAHEAD_DAYS`].
    pub fn next_after(&self, after_ms: u64) -> Option<u64> {
        let start = after_ms / 60_000 + 1;
        let end = start.saturating_add(LOOKAHEAD_DAYS * 1440);
        let mut m = start;
        while m < end {
            // Whole days and hours that cannot match are skipped at once.
            if !self.day_matches(m / 1440) {
                m = (m / 1440 + 1) * 1440;
                continue;
            }
            if !self.fields[1][((m / 60) % 24) as usize] {
                m = (m / 60 + 1) * 60;
                continue;
            }
            if self.fields[0][(m % 60) as usize] {
                return Some(m * 60_000);
            }
            m += 1;
        }
        None
    }

    /// Every due minute in `(after_ms, until_ms]`, oldest first, at most `limit` of them.
    pub fn due_between(&self, after_ms: u64, until_ms: u64, limit: usize) -> Vec<u64> {
        let mut due = Vec::new();
        let mut t = after_ms;
        while due.len() < limit {
            match self.next_after(t) {
                Some(next) if next <= until_ms => {
                    due.push(next);
                    t = next;
                }
                _ => break,
            }
        }
        due
    }

    /// The catch-up decision at a tick at `now_ms` for a schedule last handled at `last_ms` (the last due
    /// minute run, or its creation): every due minute since runs once, oldest first, at most `per_tick`
    /// per tick (the rest at the next ticks); due minutes older than `window_ms` are missed for good.
    pub fn catch_up(&self, last_ms: u64, now_ms: u64, per_tick: usize, window_ms: u64) -> CatchUp {
        let oldest = now_ms.saturating_sub(window_ms);
        let mut out = CatchUp::default();
        let mut t = last_ms;
        // Missed for good: recorded, but at most a bounded number of them are listed one by one.
        if t < oldest {
            out.expired = self.due_between(t, oldest, per_tick.max(1) * 100);
            t = oldest.max(t);
        }
        let due = self.due_between(t, now_ms, per_tick.saturating_add(1));
        out.deferred = u64::from(due.len() > per_tick);
        out.run = due.into_iter().take(per_tick).collect();
        out
    }

    fn day_matches(&self, days: u64) -> bool {
        let days = days as i64;
        let (_, month, day) = civil_from_days(days);
        let weekday = ((days + 4).rem_euclid(7)) as usize; // 1970-01-01 was a Thursday
        let dom = self.fields[2][day as usize];
        let dow = self.fields[4][weekday];
        let day_ok = match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        };
        self.fields[3][month as usize] && day_ok
    }
}

fn field(text: &str, lo: u32, hi: u32) -> Result<Vec<bool>, String> {
    let mut set = vec![false; hi as usize + 1];
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|_| format!("bad step `{s}`"))?),
            None => (item, 1),
        };
        if step == 0 {
            return Err("a step of 0".into());
        }
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (num(a)?, num(b)?)
        } else {
            let v = num(range)?;
            (v, if item.contains('/') { hi } else { v })
        };
        // Sunday may be written 7.
        let (a, b) = if hi == 6 {
            (a % 7, if b == 7 { 6 } else { b })
        } else {
            (a, b)
        };
        if a < lo || b > hi || a > b {
            return Err(format!("{a}-{b} is outside {lo}-{hi}"));
        }
        let mut v = a;
        while v <= b {
            set[v as usize] = true;
            v += step;
        }
        if item == "7" && hi == 6 {
            set[0] = true;
        }
    }
    Ok(set)
}

fn num(s: &str) -> Result<u32, String> {
    s.parse().map_err(|_| format!("`{s}` is not a number"))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm). The one
/// calendar conversion of writ: the CLI and the tests use it too.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since 1970-01-01, the inverse of [`civil_from_days`].
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod calendar {
    use super::{civil_from_days, days_from_civil};

    #[test]
    fn civil_dates_both_ways() {
        let cases = [
            (0, (1970, 1, 1)),
            (-1, (1969, 12, 31)),
            (19_723, (2024, 1, 1)),
            (19_782, (2024, 2, 29)),
            (20_088, (2024, 12, 31)),
            (11_016, (2000, 2, 29)),
        ];
        for (days, want) in cases {
            assert_eq!(civil_from_days(days), want, "{days}");
            assert_eq!(days_from_civil(want.0, want.1, want.2), days, "{want:?}");
        }
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cron;

    /// Unix milliseconds of a UTC date and time.
    fn at(y: i64, mo: i64, d: i64, h: u64, mi: u64) -> u64 {
        let days = super::days_from_civil(y, mo as u32, d as u32);
        (days as u64 * 1440 + h * 60 + mi) * 60_000
    }

    #[test]
    fn table() {
        // 2026-11-27 is a Friday.
        let cases: &[(&str, (i64, i64, i64, u64, u64), bool)] = &[
            ("* * * * *", (2026, 11, 27, 10, 3), true),
            ("*/5 * * * *", (2026, 11, 27, 10, 5), true),
            ("*/5 * * * *", (2026, 11, 27, 10, 6), false),
            ("0 9 * * 5", (2026, 11, 27, 9, 0), true),
            ("0 9 * * 5", (2026, 11, 26, 9, 0), false),
            ("0 9 * * 7", (2026, 11, 29, 9, 0), true),
            ("15,45 8-17 * * 1-5", (2026, 11, 27, 17, 45), true),
            ("15,45 8-17 * * 1-5", (2026, 11, 28, 17, 45), false),
            ("0 0 1 * *", (2026, 12, 1, 0, 0), true),
            ("0 0 1 * 5", (2026, 11, 27, 0, 0), true),
            ("0 0 29 2 *", (2028, 2, 29, 0, 0), true),
        ];
        for (expr, (y, mo, d, h, mi), due) in cases {
            let cron = Cron::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(
                cron.matches_ms(at(*y, *mo, *d, *h, *mi)),
                *due,
                "{expr} at {y}-{mo}-{d} {h}:{mi}"
            );
        }
    }

    #[test]
    fn next_due_minute() {
        let cases: &[(
            &str,
            (i64, i64, i64, u64, u64),
            Option<(i64, i64, i64, u64, u64)>,
        )] = &[
            ("7 9 * * 5", (2026, 11, 27, 9, 7), Some((2026, 12, 4, 9, 7))),
            (
                "7 9 * * 5",
                (2026, 11, 27, 9, 6),
                Some((2026, 11, 27, 9, 7)),
            ),
            (
                "* * * * *",
                (2026, 12, 31, 23, 59),
                Some((2027, 1, 1, 0, 0)),
            ),
            ("0 0 29 2 *", (2026, 3, 1, 0, 0), Some((2028, 2, 29, 0, 0))),
            ("0 0 31 2 *", (2026, 3, 1, 0, 0), None),
        ];
        for (expr, (y, mo, d, h, mi), want) in cases {
            let cron = Cron::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            let got = cron.next_after(at(*y, *mo, *d, *h, *mi));
            let want = want.map(|(y, mo, d, h, mi)| at(y, mo, d, h, mi));
            assert_eq!(got, want, "{expr}");
        }
    }

    #[test]
    fn every_missed_minute_runs_once_oldest_first_bounded_per_tick() {
        let cron = Cron::parse("7 * * * *").expect("parses");
        let last = at(2026, 12, 3, 10, 7);
        // Down from 10:08 to 13:30: 11:07, 12:07 and 13:07 were missed.
        let plan = cron.catch_up(last, at(2026, 12, 3, 13, 30), 10, 7 * 86_400_000);
        assert_eq!(
            plan.run,
            [
                at(2026, 12, 3, 11, 7),
                at(2026, 12, 3, 12, 7),
                at(2026, 12, 3, 13, 7)
            ]
        );
        assert_eq!((plan.expired.len(), plan.deferred), (0, 0));
        // At most two per tick: the third waits for the next tick.
        let plan = cron.catch_up(last, at(2026, 12, 3, 13, 30), 2, 7 * 86_400_000);
        assert_eq!(plan.run.len(), 2);
        assert_eq!(plan.deferred, 1);
        // Nothing due since the last: nothing runs, twice in the same minute included.
        let plan = cron.catch_up(
            at(2026, 12, 3, 13, 7),
            at(2026, 12, 3, 13, 7),
            10,
            86_400_000,
        );
        assert_eq!(plan, super::CatchUp::default());
        // Older than the window: missed for good, listed, never run.
        let plan = cron.catch_up(last, at(2026, 12, 3, 13, 30), 10, 90 * 60_000);
        assert_eq!(plan.expired, [at(2026, 12, 3, 11, 7)]);
        assert_eq!(plan.run, [at(2026, 12, 3, 12, 7), at(2026, 12, 3, 13, 7)]);
    }

    #[test]
    fn bad_expressions_say_which_field() {
        for (expr, needle) in [
            ("* * * *", "4 fields"),
            ("61 * * * *", "field 1"),
            ("* * * * */0", "step of 0"),
            ("a * * * *", "not a number"),
            ("5-2 * * * *", "outside"),
        ] {
            let err = Cron::parse(expr).expect_err(expr);
            assert!(err.contains(needle), "{expr}: {err}");
        }
    }
}
