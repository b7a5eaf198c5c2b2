//! A recurring maintenance window: on chosen weekdays, from a local start time, for a number of minutes,
//! in an IANA time zone read from the system's tz database (`TZDIR`, else /usr/share/zoneinfo).
//!
//! Daylight saving time: the start is a local wall-clock time and the duration is elapsed time.
//! - A start that does not exist that day (02:30 when clocks jump from 02:00 to 03:00) moves forward
//!   by the jump: the window starts at 03:30 local, once, and lasts its full duration.
//! - A start that exists twice (02:30 when clocks fall back from 03:00 to 02:00) is taken once, at
//!   its first instance (summer time).
//!
//! So an occurrence never vanishes and never doubles. A window may cross midnight (23:00 for 120
//! minutes ends at 01:00 the next day); its day is the day it starts.

use std::path::PathBuf;

use tz::TimeZone;

use super::ParseError;

const DAY: i64 = 86_400;
/// Monday first, as ISO 8601 counts.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const FULL_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
/// The longest window: a week.
pub const MAX_MINUTES: u32 = 7 * 24 * 60;

/// One occurrence, in seconds since the Unix epoch: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: i64,
    pub end: i64,
}

/// Which weekdays, from what local time, for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyWindow {
    days: [bool; 7],
    /// Minutes after local midnight.
    start_minute: u32,
    minutes: u32,
}

impl WeeklyWindow {
    /// `days`: weekday names (`mon`…`sun`, comma separated, or `daily`); `start`: `HH:MM`.
    pub fn parse(days: &str, start: &str, minutes: u32) -> Result<Self, ParseError> {
        let mut set = [false; 7];
        for name in days
            .split([',', ' '])
            .map(|d| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
        {
            if name == "daily" {
                set = [true; 7];
                continue;
            }
            let index = WEEKDAYS
                .iter()
                .zip(FULL_NAMES)
                .position(|(short, full)| name == *short || name == full)
                .ok_or_else(|| {
                    ParseError(format!(
                        "days: {name:?} is not a weekday (mon, tue, wed, thu, fri, sat, sun, or daily)"
                    ))
                })?;
            set[index] = true;
        }
        if !set.contains(&true) {
            return Err(ParseError("days: choose at least one weekday".into()));
        }
        let start_minute = start
            .trim()
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
            .filter(|(h, m)| *h < 24 && *m < 60)
            .map(|(h, m)| h * 60 + m)
            .ok_or_else(|| ParseError(format!("start: a time as HH:MM, got {start:?}")))?;
        if minutes == 0 || minutes > MAX_MINUTES {
            return Err(ParseError(format!(
                "duration: 1 to {MAX_MINUTES} minutes, got {minutes}"
            )));
        }
        Ok(Self {
            days: set,
            start_minute,
            minutes,
        })
    }

    /// The weekdays as stored and shown: `mon,wed,fri`.
    pub fn days_text(&self) -> String {
        WEEKDAYS
            .iter()
            .zip(self.days)
            .filter(|(_, on)| *on)
            .map(|(d, _)| *d)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The start as `HH:MM`.
    pub fn start_text(&self) -> String {
        format!(
            "{:02}:{:02}",
            self.start_minute / 60,
            self.start_minute % 60
        )
    }

    pub fn minutes(&self) -> u32 {
        self.minutes
    }

    /// The occurrences overlapping `[from, to)`, in order of start.
    pub fn occurrences(&self, zone: &TimeZone, from: i64, to: i64) -> Vec<Occurrence> {
        let length = i64::from(self.minutes) * 60;
        let first_day = (from - length - 2 * DAY).div_euclid(DAY);
        let last_day = (to + 2 * DAY).div_euclid(DAY);
        let mut out = Vec::new();
        for day in first_day..=last_day {
            // 1970-01-01 was a Thursday (index 3, Monday first).
            let weekday = usize::try_from((day + 3).rem_euclid(7)).unwrap_or(0);
            if !self.days[weekday] {
                continue;
            }
            let local = day * DAY + i64::from(self.start_minute) * 60;
            let start = to_utc(zone, local);
            let occurrence = Occurrence {
                start,
                end: start + length,
            };
            if occurrence.end > from && occurrence.start < to {
                out.push(occurrence);
            }
        }
        out.sort_by_key(|o| o.start);
        out.dedup();
        out
    }
}

/// The zone's offset from UTC (seconds) at `unix`; UTC if the zone cannot say.
fn offset_at(zone: &TimeZone, unix: i64) -> i64 {
    zone.find_local_time_type(unix)
        .map_or(0, |t| i64::from(t.ut_offset()))
}

/// The instant a local wall-clock time (seconds since the epoch as if local were UTC) happens: the
/// first of two in a fall-back fold; in a spring-forward gap, the time moved forward by the gap.
fn to_utc(zone: &TimeZone, local: i64) -> i64 {
    let before = offset_at(zone, local - DAY);
    let mut candidates: Vec<i64> = [before, offset_at(zone, local), offset_at(zone, local + DAY)]
        .into_iter()
        .map(|offset| local - offset)
        .filter(|&utc| local - offset_at(zone, utc) == utc)
        .collect();
    candidates.sort_unstable();
    // Empty in a gap: the offset in force before it puts the start after the jump, by the jump.
    candidates.first().copied().unwrap_or(local - before)
}

/// Directories searched for zone files: `TZDIR`, then the usual system places.
fn zone_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("TZDIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    dirs.extend(["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/etc/zoneinfo"].map(PathBuf::from));
    dirs
}

/// An IANA zone (`Europe/Berlin`, `UTC`) from the system's tz database.
pub fn load_zone(name: &str) -> Result<TimeZone, ParseError> {
    let name = name.trim();
    let well_formed = !name.is_empty()
        && name.len() <= 64
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
        });
    if !well_formed {
        return Err(ParseError(format!(
            "time zone: an IANA name such as Europe/Berlin or UTC, got {name:?}"
        )));
    }
    for dir in zone_dirs() {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            return TimeZone::from_tz_data(&bytes).map_err(|_| {
                ParseError(format!(
                    "time zone: {name:?} in {} is not a zone file",
                    dir.display()
                ))
            });
        }
    }
    Err(ParseError(format!(
        "time zone: {name:?} is not in the system's time zone database (/usr/share/zoneinfo: install tzdata, or set TZDIR)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seconds since the epoch of a UTC date and time.
    fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        // Days from civil (Howard Hinnant's algorithm).
        let y = if mo <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (mo + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * DAY + h * 3600 + mi * 60
    }

    fn berlin() -> TimeZone {
        load_zone("Europe/Berlin").expect("tzdata is installed")
    }

    #[test]
    fn a_start_in_the_spring_forward_gap_moves_forward_and_happens_once() {
        // 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST; 02:30 does not exist.
        let w = WeeklyWindow::parse("sun", "02:30", 60).expect("valid");
        let got = w.occurrences(&berlin(), utc(2026, 3, 28, 0, 0), utc(2026, 3, 30, 0, 0));
        // 03:30 CEST is 01:30 UTC.
        assert_eq!(
            got,
            vec![Occurrence {
                start: utc(2026, 3, 29, 1, 30),
                end: utc(2026, 3, 29, 2, 30)
            }]
        );
        // The Sundays around it keep 02:30 local: CET (01:30 UTC) before, CEST (00:30 UTC) after.
        let weeks = w.occurrences(&berlin(), utc(2026, 3, 21, 0, 0), utc(2026, 4, 6, 0, 0));
        let starts: Vec<i64> = weeks.iter().map(|o| o.start).collect();
        assert_eq!(
            starts,
            vec![
                utc(2026, 3, 22, 1, 30),
                utc(2026, 3, 29, 1, 30),
                utc(2026, 4, 5, 0, 30)
            ]
        );
    }

    #[test]
    fn a_start_in_the_fall_back_fold_happens_once_at_its_first_instance() {
        // 2026-10-25: Berlin falls back from 03:00 CEST to 02:00 CET; 02:30 happens twice.
        let w = WeeklyWindow::parse("sun", "02:30", 60).expect("valid");
        let got = w.occurrences(&berlin(), utc(2026, 10, 24, 0, 0), utc(2026, 10, 26, 0, 0));
        assert_eq!(got.len(), 1, "{got:?}");
        // The first 02:30 is CEST, 00:30 UTC; the duration is elapsed time.
        assert_eq!(got[0].start, utc(2026, 10, 25, 0, 30));
        assert_eq!(got[0].end - got[0].start, 3600);
    }

    #[test]
    fn a_window_crosses_midnight_and_belongs_to_the_day_it_starts() {
        // Friday 23:00 Berlin (CET, 22:00 UTC) for two hours: until Saturday 01:00 Berlin.
        let w = WeeklyWindow::parse("fri", "23:00", 120).expect("valid");
        let saturday_half_past_midnight = utc(2026, 12, 11, 23, 30);
        let got = w.occurrences(
            &berlin(),
            saturday_half_past_midnight,
            saturday_half_past_midnight + 1,
        );
        let friday = Occurrence {
            start: utc(2026, 12, 11, 22, 0),
            end: utc(2026, 12, 12, 0, 0),
        };
        assert_eq!(got, vec![friday]);
        // Saturday 23:30 Berlin is not: only Fridays were chosen.
        let saturday_night = utc(2026, 12, 12, 22, 30);
        let none = w.occurrences(&berlin(), saturday_night, saturday_night + 1);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn only_the_chosen_weekdays_occur() {
        let w = WeeklyWindow::parse("mon, wed,fri", "09:00", 30).expect("valid");
        assert_eq!(w.days_text(), "mon,wed,fri");
        let utc_zone = load_zone("UTC").expect("UTC");
        // 2026-12-07 is a Monday.
        let got = w.occurrences(&utc_zone, utc(2026, 12, 7, 0, 0), utc(2026, 12, 14, 0, 0));
        let starts: Vec<i64> = got.iter().map(|o| o.start).collect();
        assert_eq!(
            starts,
            vec![
                utc(2026, 12, 7, 9, 0),
                utc(2026, 12, 9, 9, 0),
                utc(2026, 12, 11, 9, 0)
            ]
        );
        assert_eq!(
            WeeklyWindow::parse("daily", "00:00", 1)
                .map(|w| w.days_text())
                .ok()
                .as_deref(),
            Some("mon,tue,wed,thu,fri,sat,sun")
        );
    }

    #[test]
    fn bad_days_times_durations_and_zones_are_refused_by_name() {
        assert!(WeeklyWindow::parse("someday", "02:00", 60).is_err());
        assert!(WeeklyWindow::parse("satx", "02:00", 60).is_err());
        assert!(WeeklyWindow::parse("Saturday", "02:00", 60).is_ok());
        assert!(WeeklyWindow::parse("", "02:00", 60).is_err());
        assert!(WeeklyWindow::parse("mon", "24:00", 60).is_err());
        assert!(WeeklyWindow::parse("mon", "2", 60).is_err());
        assert!(WeeklyWindow::parse("mon", "02:00", 0).is_err());
        assert!(WeeklyWindow::parse("mon", "02:00", MAX_MINUTES + 1).is_err());
        for bad in [
            "../../etc/passwd",
            "/etc/localtime",
            "Mars/Olympus_Mons",
            "",
        ] {
            assert!(load_zone(bad).is_err(), "{bad}");
        }
    }
}
