//! Email over SMTP against a real server (aiosmtpd on loopback): STARTTLS with AUTH, the message's
//! envelope, subject and both parts with hostile alert text escaped in the HTML; implicit TLS with a
//! wrong password (a failed delivery with the server's reason, retried per the outbox rules); the
//! password never in pages, API, audit or logs; `none` refused for a remote host.

use std::time::Duration;

use serde_json::json;
use smartmon::auth::Role;
use smartmon::collector::Record;
use smartmon::db::alerts::AlertCondition;
use smartmon::domain::{Hostname, Severity};

use crate::both_backends;
use crate::support::log_capture;
use crate::support::notify::{add_channel, outbox, settled, write, writer};
use crate::support::smtp::{SmtpServer, SmtpTls};
use crate::support::{Backend, spawn_app_with};

const PASSWORD: &str = "smtp-pass-do-not-leak-7731";
const WAIT: Duration = Duration::from_secs(10);

/// A failed unit whose message carries quotes, a new line and markup.
fn hostile(ts: f64) -> Record {
    Record::Alert(AlertCondition {
        hostname: Hostname::parse("web01").expect("host name"),
        source: "service:nginx.service".into(),
        severity: Severity::Critical,
        message: "nginx.service failed: <script>alert(\"x\")</script> & 'q'\nsecond line".into(),
        active: true,
        ts_epoch: ts,
    })
}

async fn an_admin_adds_an_email_channel_and_the_alert_arrives_over_starttls(backend: Backend) {
    log_capture::start();
    let server = SmtpServer::start(SmtpTls::StartTls, "mon", PASSWORD);
    let app = spawn_app_with(
        backend,
        &[("SMARTMON_PUBLIC_URL", "https://mon.example.com")],
    )
    .await;
    let admin = app.login_as("root", Role::Admin).await;
    let port = server.port.to_string();
    let ca = server.ca.display().to_string();
    let added = admin
        .post_form(
            "/admin/notifications",
            &[
                ("name", "ops mail"),
                ("kind", "email"),
                ("enabled", "1"),
                ("grace_secs", "0"),
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "starttls"),
                ("from", "smartmon <mon@example.com>"),
                ("to", "ops@example.com, Oncall <oncall@example.com>"),
                ("username", "mon"),
                ("password", PASSWORD),
                ("ca_file", &ca),
            ],
        )
        .await;
    assert_eq!(
        added.status(),
        303,
        "{}",
        added.text().await.unwrap_or_default()
    );

    let collector = writer(&app).await;
    write(&collector, vec![hostile(app.state.clock.now())]).await;
    let mail = &server.wait_for(1, WAIT).await[0];
    assert_eq!(mail["mail_from"], "mon@example.com");
    assert_eq!(
        mail["rcpt_tos"],
        json!(["ops@example.com", "oncall@example.com"])
    );
    assert_eq!(
        (mail["login"].as_str(), mail["tls"].as_bool()),
        (Some("mon"), Some(true))
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    let subject = mail["headers"]["subject"].as_str().unwrap_or("");
    for part in ["CRITICAL", "web01", "nginx.service"] {
        assert!(subject.contains(part), "subject {subject:?} names {part}");
    }
    assert!(!subject.contains('\n'), "one line: {subject:?}");
    let plain = mail["plain"].as_str().unwrap_or("").replace("\r\n", "\n");
    assert!(
        plain.contains("<script>alert(\"x\")</script> & 'q'\nsecond line"),
        "{plain}"
    );
    assert!(plain.contains("https://mon.example.com/services/web01/nginx.service"));
    let html = mail["html"].as_str().unwrap_or("").replace("\r\n", "\n");
    assert!(
        html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "markup in an alert stays text");
    assert!(html.contains(r#"href="https://mon.example.com/services/web01/nginx.service""#));
    settled(&app, WAIT).await;
    let row = &outbox(&app).await[0];
    assert_eq!(
        (row.status.as_str(), row.response_status),
        ("delivered", Some(250))
    );

    let list: serde_json::Value = admin
        .get("/api/notifications/channels")
        .await
        .json()
        .await
        .expect("json");
    let id = list[0]["id"].as_i64().expect("an id");
    assert_eq!(list[0]["secrets"]["password"], "set");
    let tested = admin
        .post_form(&format!("/admin/notifications/{id}/test"), &[])
        .await;
    let page = tested.text().await.expect("html");
    assert!(page.contains("Test of ops mail: delivered"), "{page}");
    assert!(
        page.contains("SMTP 250") && page.contains("queued as"),
        "{page}"
    );
    let test_mail = &server.wait_for(2, WAIT).await[1];
    assert_eq!(test_mail["headers"]["subject"], "smartmon test message");

    let mut seen = String::new();
    for path in [
        "/admin/notifications",
        &format!("/admin/notifications/{id}"),
        "/api/notifications/channels",
        "/api/notifications/deliveries",
    ] {
        seen.push_str(&admin.get(path).await.text().await.expect("body"));
    }
    for audit in ["notify_channel_created", "notify_channel_tested"] {
        let rows = app.audit(audit).await;
        assert_eq!(rows.len(), 1, "{audit} is audited");
        seen.push_str(&format!("{rows:?}"));
    }
    seen.push_str(&format!("{:?}", outbox(&app).await));
    seen.push_str(&log_capture::captured());
    assert!(!seen.contains(PASSWORD), "the SMTP password leaked");
}

async fn a_wrong_password_is_a_failed_delivery_with_the_reason_and_is_retried(backend: Backend) {
    log_capture::start();
    let server = SmtpServer::start(SmtpTls::Implicit, "mon", "the-right-one");
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_NOTIFY", "false"),
            ("SMARTMON_NOTIFY_MAX_ATTEMPTS", "2"),
        ],
    )
    .await;
    add_channel(
        &app,
        "mail",
        "email",
        json!({
            "host": "127.0.0.1", "port": server.port.to_string(), "security": "tls",
            "from": "mon@example.com", "to": "ops@example.com",
            "ca_file": server.ca.display().to_string(),
        }),
        json!({"username": "mon", "password": PASSWORD}),
        0,
    )
    .await;
    let untrusted = add_channel(
        &app,
        "mail without the CA",
        "email",
        json!({
            "host": "127.0.0.1", "port": server.port.to_string(), "security": "tls",
            "from": "mon@example.com", "to": "ops@example.com",
        }),
        json!({}),
        0,
    )
    .await;
    let collector = writer(&app).await;
    write(&collector, vec![hostile(app.state.clock.now())]).await;
    let notifier = &app.state.notifier;
    assert_eq!(notifier.deliver_due().await.expect("delivery"), 2);
    let rows = outbox(&app).await;
    let tls = rows
        .iter()
        .find(|r| r.channel_id == untrusted)
        .expect("a row");
    let tls_error = tls.last_error.clone().unwrap_or_default();
    assert!(
        tls_error.starts_with("TLS with the SMTP server failed")
            && tls_error.contains("certificate"),
        "{tls_error}"
    );
    let row = rows
        .into_iter()
        .find(|r| r.channel_id != untrusted)
        .expect("a row");
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("pending", 1),
        "a retry is due"
    );
    assert_eq!(row.response_status, Some(535));
    let error = row.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("535") && error.contains("Authentication credentials invalid"),
        "{error}"
    );
    assert_eq!(
        notifier.deliver_due().await.expect("delivery"),
        0,
        "not due yet"
    );
    app.state.clock.advance(Duration::from_secs(6));
    assert_eq!(
        notifier.deliver_due().await.expect("delivery"),
        2,
        "retried"
    );
    let rows = outbox(&app).await;
    let row = rows
        .into_iter()
        .find(|r| r.channel_id != untrusted)
        .expect("a row");
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("failed", 2),
        "attempts used up"
    );
    assert!(server.messages().is_empty(), "nothing was accepted");
    let logs = log_capture::captured();
    assert!(
        logs.contains("Authentication credentials invalid"),
        "the reason is logged"
    );
    let seen = format!("{row:?}{logs}{}", server.log());
    assert!(!seen.contains(PASSWORD), "the SMTP password leaked");
}

async fn unencrypted_smtp_to_another_machine_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    let admin = app.login_as("root", Role::Admin).await;
    let refused = admin
        .post_form(
            "/admin/notifications",
            &[
                ("name", "plain mail"),
                ("kind", "email"),
                ("host", "smtp.example.com"),
                ("security", "none"),
                ("from", "mon@example.com"),
                ("to", "ops@example.com"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 400);
    let page = refused.text().await.expect("html");
    assert!(page.contains("only for a relay on this machine"), "{page}");
    let bad_to = admin
        .post_form(
            "/admin/notifications",
            &[
                ("name", "bad mail"),
                ("kind", "email"),
                ("host", "smtp.example.com"),
                ("from", "mon@example.com"),
                ("to", "ops@example.com, nobody"),
            ],
        )
        .await;
    assert_eq!(bad_to.status(), 400);
    assert!(
        bad_to
            .text()
            .await
            .expect("html")
            .contains("is not an email address")
    );
}

both_backends!(
    an_admin_adds_an_email_channel_and_the_alert_arrives_over_starttls,
    a_wrong_password_is_a_failed_delivery_with_the_reason_and_is_retried,
    unencrypted_smtp_to_another_machine_is_refused,
);

#[test]
fn the_channel_file_takes_an_email_channel_with_its_password_from_a_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let password = dir.path().join("smtp_password");
    std::fs::write(&password, format!("{PASSWORD}\n")).expect("write");
    let file = dir.path().join("channels.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[channel]]
name = "ops-mail"
kind = "email"
host = "smtp.example.com"
port = 465
security = "tls"
from = "smartmon <mon@example.com>"
to = ["ops@example.com", "oncall@example.com"]
username = "mon"
password_file = "{}"
"#,
            password.display()
        ),
    )
    .expect("write");
    let drafts = smartmon::notify::file_config::load(&file)
        .expect("the file is valid")
        .channels;
    let config: serde_json::Value = serde_json::from_str(&drafts[0].config).expect("json");
    assert_eq!(config["to"], "ops@example.com, oncall@example.com");
    assert_eq!(config["port"], "465");
    let secrets: serde_json::Value = serde_json::from_str(&drafts[0].secrets).expect("json");
    assert_eq!(
        secrets["password"], PASSWORD,
        "read from the file, without its new line"
    );

    std::fs::write(
        &file,
        "[[channel]]\nname = \"m\"\nkind = \"email\"\nhost = \"mail.example.com\"\nsecurity = \"none\"\nfrom = \"a@example.com\"\nto = \"b@example.com\"\n",
    )
    .expect("write");
    let refused = smartmon::notify::file_config::load(&file)
        .expect_err("refused")
        .to_string();
    assert!(
        refused.contains("channel \"m\"") && refused.contains("only for a relay on this machine"),
        "{refused}"
    );
}
