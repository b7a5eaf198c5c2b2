//! The Notifications page: the channels (kind, routing, which secrets are set, Test, Edit, Delete), the
//! add form, a Test's answer, and the delivery log filtered by channel and status.

use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::clock::rfc3339;
use crate::db::entities::{
    notification_channels as channels, notification_outbox as outbox,
    notification_schedules as schedules, notification_silences as silences,
};
use crate::notify::admin::{secrets_set, stored_parts};
use crate::notify::protocol_of;
use crate::web::error::AppError;
use crate::web::params::Params;
use crate::web::views::layout::{Chrome, page};
use crate::web::views::notification_form::channel_fields;
use crate::web::views::notification_silences::silences_section;

/// The delivery statuses a row can have.
pub const STATUSES: [&str; 5] = ["pending", "delivered", "failed", "cancelled", "suppressed"];

/// The delivery log's filter (`?channel=ID&status=…`).
#[derive(Debug, Default)]
pub struct LogFilter {
    pub channel: Option<i64>,
    pub status: Option<String>,
}

impl LogFilter {
    pub fn from_params(params: &Params) -> Result<Self, AppError> {
        let channel = match params.text("channel").filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                AppError::BadRequest(format!(
                    "channel: expected a channel's number, got {text:?}"
                ))
            })?),
        };
        let status = match params.text("status").filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if STATUSES.contains(&s) => Some(s.to_owned()),
            Some(s) => {
                return Err(AppError::BadRequest(format!(
                    "status: expected one of {}, got {s:?}",
                    STATUSES.join(", ")
                )));
            }
        };
        Ok(Self { channel, status })
    }
}

/// A message at the top of the page.
pub enum Notice {
    Error(String),
    Test {
        channel: String,
        result: Box<outbox::Model>,
    },
}

pub struct PageData<'a> {
    pub channels: &'a [channels::Model],
    pub log: &'a [outbox::Model],
    pub filter: &'a LogFilter,
    pub notice: Option<Notice>,
    pub silences: &'a [silences::Model],
    pub schedules: &'a [schedules::Model],
    pub now: f64,
}

pub(crate) fn notifications_page(chrome: &Chrome, me: &CurrentUser, d: &PageData) -> Markup {
    let csrf = me.csrf_token.as_str();
    page(
        chrome,
        "Notifications",
        "/admin/notifications",
        html! {
            h1 { "Notifications" }
            @match &d.notice {
                Some(Notice::Error(why)) => div.banner.banner-danger role="alert" { (why) },
                Some(Notice::Test { channel, result }) => (test_notice(channel, result, kind_of(d, result.channel_id))),
                None => {},
            }
            section.card {
                h2 { "Channels" }
                @if d.channels.is_empty() {
                    p.muted { "No channels yet: add one below, then press Test." }
                } @else {
                    div.table-scroll { table.data #channels {
                        thead { tr { th { "Name" } th { "Kind" } th { "Routing" } th { "Grace" } th { "Secrets" } th { "State" } th { "" } } }
                        tbody { @for c in d.channels { (channel_row(c, csrf)) } }
                    } }
                }
            }
            section.card {
                h2 { "Add a channel" }
                form.stack #add-channel method="post" action="/admin/notifications" {
                    input type="hidden" name="csrf_token" value=(csrf);
                    (channel_fields(None))
                    button type="submit" { "Add channel" }
                }
            }
            (silences_section(d.silences, d.schedules, d.now, csrf))
            section.card { h2 { "Delivery log" } (log_table(d)) }
        },
    )
}

/// The kind of channel `id` (for "HTTP" or "SMTP" beside a reply code).
fn kind_of<'a>(d: &'a PageData, id: i64) -> &'a str {
    d.channels
        .iter()
        .find(|c| c.id == id)
        .map_or("", |c| c.kind.as_str())
}

fn test_notice(channel: &str, r: &outbox::Model, kind: &str) -> Markup {
    let class = if r.status == "delivered" {
        "banner banner-info"
    } else {
        "banner banner-danger"
    };
    html! {
        div class=(class) role="status" #test-result {
            strong { "Test of " (channel) ": " (r.status) }
            @if let Some(status) = r.response_status { " — the receiver answered " (protocol_of(kind)) " " (status) }
            @if let Some(error) = &r.last_error { " — " (error) }
            @if let Some(body) = r.response_body.as_deref().filter(|b| !b.is_empty()) { pre.answer { (body) } }
        }
    }
}

fn channel_row(c: &channels::Model, csrf: &str) -> Markup {
    let (_, route) = stored_parts(c);
    let kinds = if route.kinds.is_empty() {
        "all kinds".to_owned()
    } else {
        route
            .kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hosts = if route.hosts.is_empty() {
        "*"
    } else {
        &route.hosts
    };
    html! {
        tr {
            td { (c.name) @if c.origin == "file" { " " span.badge.badge-muted title="from SMARTMON_NOTIFY_CONFIG" { "file" } } }
            td { (c.kind) }
            td { (route.min_severity) "+, hosts " (hosts) @if !route.units.is_empty() { ", units " (route.units) } ", " (kinds) }
            td { (c.grace_secs) " s" }
            td { @for (name, set) in secrets_set(c) { @if set { span.badge.badge-ok { (name) ": set" } " " } } }
            td { @if c.enabled { span.badge.badge-ok { "on" } } @else { span.badge.badge-muted { "off" } } }
            td.actions {
                form.inline method="post" action={ "/admin/notifications/" (c.id) "/test" } {
                    input type="hidden" name="csrf_token" value=(csrf);
                    button type="submit" { "Test" }
                }
                " "
                @if c.origin != "file" { a href={ "/admin/notifications/" (c.id) } { "Edit" } " " }
                form.inline method="post" action={ "/admin/notifications/" (c.id) "/delete" } {
                    input type="hidden" name="csrf_token" value=(csrf);
                    button type="submit" { "Delete" }
                }
            }
        }
    }
}

fn log_table(d: &PageData) -> Markup {
    let f = d.filter;
    let name_of = |id: i64| {
        d.channels
            .iter()
            .find(|c| c.id == id)
            .map_or("?", |c| c.name.as_str())
    };
    html! {
        form.filters method="get" action="/admin/notifications" {
            label { "Channel " select name="channel" {
                option value="" { "any channel" }
                @for c in d.channels { option value=(c.id) selected[f.channel == Some(c.id)] { (c.name) } }
            } }
            label { "Status " select name="status" {
                option value="" { "any status" }
                @for s in STATUSES { option value=(s) selected[f.status.as_deref() == Some(s)] { (s) } }
            } }
            button type="submit" { "Filter" }
        }
        @if d.log.is_empty() {
            p.muted { "No messages match." }
        } @else {
            div.table-scroll { table.data #deliveries {
                thead { tr {
                    th { "Queued" } th { "Channel" } th { "Event" } th { "Host" } th { "Alert" } th { "Status" }
                    th { "Attempts" } th { "Sent" } th { "Answer" }
                } }
                tbody { @for r in d.log {
                    tr data-status=(r.status) {
                        td { (rfc3339(r.created_at)) }
                        td { (name_of(r.channel_id)) }
                        td { (r.event) }
                        td { (r.hostname) }
                        td { (r.message) }
                        td { (r.status) @if let Some(g) = r.grouped_with { @if g != r.id { " (with #" (g) ")" } } }
                        td { (r.attempts) }
                        td { (r.sent_at.map(rfc3339).unwrap_or_default()) }
                        td {
                            @if let Some(s) = r.response_status { (protocol_of(kind_of(d, r.channel_id))) " " (s) " " }
                            @if let Some(e) = &r.last_error { span.muted { (e) } }
                        }
                    }
                } }
            } }
        }
    }
}

pub(crate) fn edit_page(
    chrome: &Chrome,
    me: &CurrentUser,
    c: &channels::Model,
    error: Option<&str>,
) -> Markup {
    let csrf = me.csrf_token.as_str();
    page(
        chrome,
        "Edit channel",
        "/admin/notifications",
        html! {
            h1 { "Edit " (c.name) }
            @if let Some(why) = error { div.banner.banner-danger role="alert" { (why) } }
            section.card {
                form.stack #edit-channel method="post" action={ "/admin/notifications/" (c.id) } {
                    input type="hidden" name="csrf_token" value=(csrf);
                    (channel_fields(Some(c)))
                    button type="submit" { "Save" }
                }
                p { a href="/admin/notifications" { "Back to Notifications" } }
            }
        },
    )
}
