//! The Notifications page's maintenance section: running and upcoming windows (End now) and the form
//! that starts one.

use maud::{Markup, html};

use crate::clock::rfc3339;
use crate::db::entities::notification_silences as silences;

pub(crate) fn silences_section(list: &[silences::Model], now: f64, csrf: &str) -> Markup {
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
                            td { (s.reason) }
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
        }
    }
}
