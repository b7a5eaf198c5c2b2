//! A loopback TCP proxy that a test can cut and restore, to take a database away from a running server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::{Backend, TestApp, TestDb, spawn_app_on};

pub struct TcpProxy {
    pub addr: SocketAddr,
    open: Arc<watch::Sender<bool>>,
    /// While cut: hold new connections open without an answer (a host that drops packets) rather than
    /// closing them.
    hang: Arc<AtomicBool>,
}

impl TcpProxy {
    /// Forwards connections to `target` until `cut` is called.
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let (open, _) = watch::channel(true);
        let open = Arc::new(open);
        let gate = open.clone();
        let hang = Arc::new(AtomicBool::new(false));
        let hanging = hang.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !*gate.borrow() {
                    if hanging.load(Ordering::SeqCst) {
                        let mut reopened = gate.subscribe();
                        tokio::spawn(async move {
                            let _held = inbound;
                            let _ = reopened.wait_for(|open| *open).await;
                        });
                    }
                    continue; // dropped: the client sees the connection closed
                }
                let mut closed = gate.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = closed.wait_for(|open| !*open) => {}
                    }
                });
            }
        });
        TcpProxy { addr, open, hang }
    }

    /// Closes every proxied connection and refuses new ones.
    pub fn cut(&self) {
        self.open.send_replace(false);
    }

    /// Closes every proxied connection and leaves new ones unanswered, as a database host that stopped
    /// answering does: a client waits for its timeout.
    pub fn hang(&self) {
        self.hang.store(true, Ordering::SeqCst);
        self.open.send_replace(false);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.hang.store(false, Ordering::SeqCst);
        self.open.send_replace(true);
    }
}

/// A server on a fresh Postgres database whose connections pass through a proxy the test can cut.
/// Keep the returned `TestDb` bound: it owns (and drops) the database.
pub async fn spawn_app_behind_proxy(extra: &[(&str, &str)]) -> (TestApp, TcpProxy, TestDb) {
    let db = TestDb::create(Backend::Postgres).await;
    let real = db.url.clone().expect("pg url");
    let authority = real
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the test database URL has an authority");
    let host_port = authority
        .rsplit('@')
        .next()
        .expect("host")
        .replace("localhost", "127.0.0.1");
    let proxy = TcpProxy::start(host_port.parse().expect("127.0.0.1:port")).await;
    let url = real.replacen(&host_port, &proxy.addr.to_string(), 1);
    let app = spawn_app_on(TestDb::external(url), extra).await;
    (app, proxy, db)
}
