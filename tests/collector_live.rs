//! Live events: the in-process broadcast, and `NOTIFY`/`LISTEN` between processes on Postgres.

use std::time::Duration;

use smartmon::live::LiveEvent;

use crate::support::{Backend, TestDb, spawn_app, spawn_app_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_other_replicas_through_postgres_and_never_echo() {
    let first = spawn_app(Backend::Postgres).await;
    let url = first.db.url.clone().expect("pg url");
    let second = spawn_app_on(TestDb::external(url), &[]).await;
    let mut at_first = first.state.live.subscribe();
    let mut at_second = second.state.live.subscribe();
    let event = LiveEvent::AlertChanged {
        hostname: "web01".into(),
    };

    // The listener connects in the background: publish until the other replica hears it.
    let mut published = 0;
    let heard = loop {
        first.state.live.publish(vec![event.clone()]).await;
        published += 1;
        if let Ok(Ok(got)) =
            tokio::time::timeout(Duration::from_millis(250), at_second.recv()).await
        {
            break got;
        }
        assert!(published < 20, "the other replica never heard the event");
    };
    assert_eq!(heard, event);
    // Earlier attempts may still be on their way: let them land, then start from a clean slate.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(late) = at_second.try_recv() {
        assert_eq!(late, event);
    }

    let batch = vec![
        LiveEvent::ServiceChanged {
            hostname: "web01".into(),
            service_name: "nginx.service".into(),
            news: None,
        },
        LiveEvent::DiskUpdated {
            hostname: "web01".into(),
        },
    ];
    first.state.live.publish(batch.clone()).await;
    published += 1;
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(5), at_second.recv())
            .await
            .expect("the batch arrives")
            .expect("event")
    };
    for expected in &batch {
        let got = next().await;
        assert_eq!(&got, expected, "one notification per event, in order");
        if matches!(got, LiveEvent::ServiceChanged { .. }) {
            assert_eq!(
                next().await,
                LiveEvent::ServiceStored {
                    hostname: "web01".into(),
                    service_name: "nginx.service".into(),
                },
                "another process's unit change is stored already"
            );
        }
    }

    tokio::time::sleep(Duration::from_millis(300)).await; // let any echo arrive
    let mut local = 0;
    while at_first.try_recv().is_ok() {
        local += 1;
    }
    assert_eq!(
        local,
        published - 1 + batch.len(),
        "the publisher sees each event once, never its own NOTIFY back"
    );
}
