//! The Notifications page's maintenance section: running and upcoming windows (End now), the form
//! that starts one, and the recurring windows (weekdays, local start, minutes, time zone; Delete) with
//! the form that adds one.

use maud::{Markup, html};

use crate::clock::rfc3339;
use crate::db::entities::{notification_schedules as schedules, notification_silences as silences};
use crate::domain::weekly_window::WEEKDAYS;

pub(crate) fn silences_section(
    list: &[silences::Model],
    recurring: &[schedules::Model],
    now: f64,
    csrf: &str,
) -> Markup {
    html! {
        section.card #maintenance {
            h2 { "Maintenance and snooze" }
            p.muted { "Checks and collection keep running; notifications for what a window covers are held, and \
                       what is still wrong when it ends is announced once." }
            @if !list.is_empty() {
                div.table-scroll { table.data #silences {
                    thead { tr { th { "Hosts" } th { "Units" } th { "From" } th { "Until" } th { "Reason" } th { "By" } th { "" } } }
                    tbody { @for s in list {
                        tr {
                            td { @if s.hosts.is_empty() { "all (fleet-wide)" } @else { (s.hosts) } }
                            td { @if s.units.is_empty() { "all" } @else { (s.units) } }
                            td { (rfc3339(s.starts_at)) @if s.starts_at > now { " (upcoming)" } }
                            td { (rfc3339(s.ends_at)) }
                            td { (s.reason) @if s.schedule_id.is_some() { " (recurring)" } }
                            td { (s.created_by) }
                            td { form.inline method="post" action={ "/admin/notifications/silences/" (s.id) "/end" } {
                                input type="hidden" name="csrf_token" value=(csrf);
                                button type="submit" { "End now" }
                            } }
                        }
                    } }
                } }
            }
            form.stack #add-silence method="post" action="/admin/notifications/silences" {
                input type="hidden" name="csrf_token" value=(csrf);
                label { "Hosts (globs; empty: the whole fleet)" input name="hosts" autocomplete="off"; }
                label { "Units (globs; empty: every unit and check)" input name="units" autocomplete="off"; }
                label { "Starts in (minutes)" input name="starts_in_minutes" inputmode="numeric" value="0"; }
                label { "Lasts (minutes)" input name="minutes" inputmode="numeric" value="60"; }
                label { "Reason" input name="reason" placeholder="maintenance"; }
                button type="submit" { "Hold notifications" }
            }
            (recurring_part(recurring, csrf))
        }
    }
}

fn recurring_part(recurring: &[schedules::Model], csrf: &str) -> Markup {
    html! {
        h3 { "Recurring windows" }
        p.muted { "Every chosen weekday from a local start time, in a time zone (an IANA name such as \
                   Europe/Berlin). A start that a clock change skips moves forward by the change; one that \
                   happens twice is taken once, the first time. The duration is elapsed time." }
        @if !recurring.is_empty() {
            div.table-scroll { table.data #schedules {
                thead { tr { th { "Hosts" } th { "Units" } th { "Days" } th { "Start" } th { "Minutes" } th { "Time zone" } th { "Reason" } th { "" } } }
                tbody { @for s in recurring {
                    tr {
                        td { @if s.hosts.is_empty() { "all (fleet-wide)" } @else { (s.hosts) } }
                        td { @if s.units.is_empty() { "all" } @else { (s.units) } }
                        td { (s.days) }
                        td { (s.start_time) }
                        td { (s.minutes) }
                        td { (s.time_zone) }
                        td { (s.reason) }
                        td {
                            @if s.origin == "file" { span.muted { "file" } } @else {
                                form.inline method="post" action={ "/admin/notifications/schedules/" (s.id) "/delete" } {
                                    input type="hidden" name="csrf_token" value=(csrf);
                                    button type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                } }
            } }
        }
        form.stack #add-schedule method="post" action="/admin/notifications/schedules" {
            input type="hidden" name="csrf_token" value=(csrf);
            label { "Hosts (globs; empty: the whole fleet)" input name="hosts" autocomplete="off"; }
            label { "Units (globs; empty: every unit and check)" input name="units" autocomplete="off"; }
            fieldset {
                legend { "Days" }
                @for day in WEEKDAYS {
                    label.checkbox { input type="checkbox" name={ "day_" (day) } value="1"; " " (day) }
                }
            }
            label { "Starts at (local time, HH:MM)" input name="start_time" type="time" value="02:00"; }
            label { "Lasts (minutes)" input name="minutes" inputmode="numeric" value="60"; }
            label { "Time zone" input name="time_zone" value="UTC" placeholder="Europe/Berlin" autocomplete="off"; }
            label { "Reason" input name="reason" placeholder="recurring maintenance"; }
            button type="submit" { "Add recurring window" }
        }
    }
}
