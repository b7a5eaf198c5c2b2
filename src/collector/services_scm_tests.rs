//! The tracker: Windows services (first sightings, polls that see nothing new, the watch list) and
//! when a unit's state began, whichever way its change was seen.

use super::*;

fn spooler(current_state: u32, pid: u32, start_type: Option<(u32, bool)>) -> ScmService {
    ScmService {
        name: "Spooler".into(),
        display_name: "Print Spooler".into(),
        service_type: 0x10,
        current_state,
        win32_exit_code: 0,
        service_specific_exit_code: 0,
        pid,
        start_type,
    }
}

fn rows(records: &[Record]) -> Vec<(&service_current::Model, bool)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Service { row, history } => Some((row, *history)),
            _ => None,
        })
        .collect()
}

#[test]
fn windows_services_write_on_first_sight_and_on_change_only() {
    let host = Hostname::parse("win01").expect("a host");
    let mut tracker = ServiceTracker::new(&host, &[], Vec::new());
    let first = tracker.observe_scm(&spooler(4, 100, Some((2, true))), 1.0);
    let (row, history) = rows(&first)[0];
    assert!(history);
    assert_eq!(
        row.service_name.as_str(),
        "Spooler",
        "the name is the SCM's, unsuffixed"
    );
    assert_eq!(
        (
            row.raw_status.as_str(),
            row.sub_state.as_str(),
            row.normalized_status
        ),
        ("RUNNING", "pid 100", ServiceState::Running)
    );
    assert_eq!(
        (row.service_type.as_str(), row.unit_file_state.as_str()),
        ("own_process", "auto-delayed")
    );
    assert_eq!(row.description, "Print Spooler");
    assert!(
        tracker.observe_scm(&spooler(4, 100, None), 2.0).is_empty(),
        "a poll that sees nothing new writes nothing"
    );
    let stopped = tracker.observe_scm(&spooler(1, 0, None), 3.0);
    let (row, history) = rows(&stopped)[0];
    assert!(history);
    assert_eq!(row.normalized_status, ServiceState::Stopped);
    assert_eq!(
        row.unit_file_state, "auto-delayed",
        "the poll keeps the known start type"
    );
}

#[test]
fn a_windows_watch_list_limits_the_services() {
    let host = Hostname::parse("win01").expect("a host");
    let watch = [UnitName::parse_windows("Schedule").expect("a name")];
    let mut tracker = ServiceTracker::new(&host, &watch, Vec::new());
    assert!(
        tracker
            .observe_scm(&spooler(4, 1, Some((2, false))), 1.0)
            .is_empty()
    );
}

#[cfg(unix)]
#[test]
fn a_state_change_from_a_signal_starts_the_units_since_anew() {
    let host = Hostname::parse("web01").expect("a host");
    let mut tracker = ServiceTracker::new(&host, &[], Vec::new());
    let snap = UnitSnapshot {
        name: "nginx.service".into(),
        description: "A web server".into(),
        active_state: "active".into(),
        sub_state: "running".into(),
        load_state: "loaded".into(),
        unit_file_state: "enabled".into(),
        service_type: "forking".into(),
    };
    tracker.observe(&snap, 10.0);
    let since = |records: &[Record]| rows(records)[0].0.since_epoch;

    let failed = tracker
        .observe_states("nginx.service", "failed", "failed", 50.0)
        .expect("a known unit");
    assert_eq!(
        since(&failed),
        50.0,
        "failed since the signal, not since first sight"
    );
    let still = tracker
        .observe_states("nginx.service", "failed", "failed", 60.0)
        .expect("a known unit");
    assert!(still.is_empty(), "the same state again writes nothing");
    let back = tracker
        .observe_states("nginx.service", "active", "running", 70.0)
        .expect("a known unit");
    assert_eq!(since(&back), 70.0);
    let resync = tracker.observe(&snap, 80.0);
    assert!(resync.is_empty(), "a resync that agrees writes nothing");
    let gone_unknown = tracker.mark_unknown(90.0);
    assert_eq!(
        since(&gone_unknown),
        90.0,
        "unknown since the bus went away"
    );
}
