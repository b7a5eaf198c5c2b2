//! `smartmon user add|passwd|list|disable|enable`, run as the real binary against the test database.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::both_backends;
use crate::support::{Backend, TestDb, client, spawn_app_on};

const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

fn user_cmd(db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("user")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SMARTMON_INIT_PG", "1")
        .envs(db.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run smartmon user");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn users_are_managed_from_the_command_line(backend: Backend) {
    let db = TestDb::create(backend).await;
    let added = user_cmd(
        &db,
        &["add", "carol", "--role", "operator"],
        "carol-password-1\n",
    );
    assert!(added.status.success(), "{}", text(&added));
    assert!(text(&added).contains("created operator carol"));
    let dup = user_cmd(&db, &["add", "carol"], "another-password\n");
    assert!(!dup.status.success());
    assert!(text(&dup).contains("already exists"), "{}", text(&dup));
    let weak = user_cmd(&db, &["add", "dave"], "short\n");
    assert!(!weak.status.success() && text(&weak).contains("at least 10 characters"));
    let bad_role = user_cmd(&db, &["add", "erin", "--role", "root"], "erin-password-1\n");
    assert!(!bad_role.status.success() && text(&bad_role).contains("--role"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("pw");
    std::fs::write(&file, "from-a-file-pw\n").expect("write");
    let from_file = user_cmd(
        &db,
        &[
            "add",
            "frank",
            "--password-file",
            file.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(from_file.status.success(), "{}", text(&from_file));

    let app = spawn_app_on(db, &[]).await;
    let carol = app.login("carol", "carol-password-1").await;
    app.login("frank", "from-a-file-pw").await;
    let passwd = user_cmd(&app.db, &["passwd", "carol"], "carol-password-2\n");
    assert!(passwd.status.success(), "{}", text(&passwd));
    assert!(
        text(&passwd).contains("1 session(s) ended"),
        "{}",
        text(&passwd)
    );
    // The CLI is another process: the server trusts a session from memory for at most five seconds
    // before the database confirms it again.
    app.state.clock.advance(Duration::from_secs(6));
    assert_eq!(carol.get("/").await.status(), 303, "the old session ended");
    let carol_again = app.login("carol", "carol-password-2").await;
    assert_eq!(carol_again.get("/").await.status(), 200);

    let disabled = user_cmd(&app.db, &["disable", "carol"], "");
    assert!(disabled.status.success());
    app.state.clock.advance(Duration::from_secs(6));
    assert_eq!(
        carol_again.get("/").await.status(),
        303,
        "disabling ends the session too"
    );
    let refused = client()
        .post(app.url("/login"))
        .form(&[("username", "carol"), ("password", "carol-password-2")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 401);
    let list = user_cmd(&app.db, &["list"], "");
    let listing = text(&list);
    assert!(
        listing.contains("carol") && listing.contains("disabled") && listing.contains("frank"),
        "{listing}"
    );
    assert!(!listing.contains("argon2"), "hashes are never printed");
    assert!(user_cmd(&app.db, &["enable", "carol"], "").status.success());
    app.login("carol", "carol-password-2").await;
    let unknown = user_cmd(&app.db, &["disable", "nobody"], "");
    assert!(!unknown.status.success() && text(&unknown).contains("no user named"));
    assert_eq!(app.audit("user_created").await.len(), 2);
}

both_backends!(users_are_managed_from_the_command_line);
