//! Gotify, Pushover and Telegram: each sends its provider's documented request (path, authentication,
//! body format) to a real receiver standing in for the provider's server.

use serde_json::json;

use crate::both_backends;
use crate::support::notify::{add_channel, condition, write, writer};
use crate::support::receiver::Receiver;
use crate::support::{Backend, spawn_app_with};

async fn push_services_get_their_documented_requests(backend: Backend) {
    let (gotify, pushover, telegram) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_NOTIFY", "false"),
            ("SMARTMON_PUBLIC_URL", "https://mon.example.com"),
        ],
    )
    .await;
    add_channel(
        &app,
        "g",
        "gotify",
        json!({"server": gotify.url("/")}),
        json!({"token": "AppTok.1"}),
        0,
    )
    .await;
    add_channel(&app, "p", "pushover", json!({"server": pushover.url("/")}), json!({"token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "username": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"}), 0).await;
    add_channel(
        &app,
        "t",
        "telegram",
        json!({"server": telegram.url("/"), "chat_id": "-1001234567890"}),
        json!({"token": "123456:ABC-DEF1234ghIkl"}),
        0,
    )
    .await;
    let collector = writer(&app).await;
    write(
        &collector,
        vec![condition(
            "web01",
            "service:nginx.service",
            true,
            app.state.clock.now(),
        )],
    )
    .await;
    assert_eq!(app.state.notifier.deliver_due().await.expect("delivery"), 3);

    let g = &gotify.requests()[0];
    assert_eq!((g.method.as_str(), g.path.as_str()), ("POST", "/message"));
    assert_eq!(g.headers["x-gotify-key"], "AppTok.1");
    let body = g.json();
    assert_eq!(body["priority"], 8);
    assert!(body["title"].as_str().unwrap_or("").contains("web01"));
    assert_eq!(
        body["extras"]["client::notification"]["click"]["url"],
        "https://mon.example.com/services/web01/nginx.service"
    );

    let p = &pushover.requests()[0];
    assert_eq!(p.path, "/1/messages.json");
    assert_eq!(
        p.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(&p.body).expect("a form");
    assert_eq!(form["token"], "azGDORePK8gMaC0QOYAMyEEuzJnyUi");
    assert_eq!(form["user"], "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
    assert_eq!(form["priority"], "1");
    assert!(form["message"].contains("nginx.service"));

    let t = &telegram.requests()[0];
    assert_eq!(t.path, "/bot123456:ABC-DEF1234ghIkl/sendMessage");
    let body = t.json();
    assert_eq!(body["chat_id"], "-1001234567890");
    assert!(
        body["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("CRITICAL web01")
    );
}

both_backends!(push_services_get_their_documented_requests);
