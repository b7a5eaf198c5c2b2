//! The control protocol: a tiny HTTP/1.1 server on loopback, one request per connection, JSON answers.
//! Arguments travel in the path and the query string; request bodies are ignored.
//!
//! | request | effect |
//! | --- | --- |
//! | `GET /units/{unit}` | the unit as the double reports it |
//! | `PUT /units/{unit}?active=&sub=` | adds a unit (`UnitNew`) |
//! | `DELETE /units/{unit}` | removes a unit (`UnitRemoved`) |
//! | `POST /units/{unit}/state?active=&sub=` | changes its states (`PropertiesChanged`) |
//! | `GET /restarts` | every `RestartUnit` call so far: `[{"unit":…,"mode":…}]` |
//! | `POST /restart-outcome?result=&active=&sub=` | how the next restart jobs end |
//! | `POST /bus/restart` | kills the `dbus-daemon` and starts a new one at the same address |

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

use crate::fake_systemd::{FakeSystemd, FakeUnit};

const MAX_HEAD: usize = 16 * 1024;

type Bus = Arc<Mutex<FakeSystemd>>;

/// Answers control requests until the listener fails.
pub async fn serve(listener: TcpListener, bus: Bus) {
    while let Ok((stream, _)) = listener.accept().await {
        let bus = bus.clone();
        tokio::spawn(async move {
            if let Err(err) = handle(stream, &bus).await {
                eprintln!("fake-systemd: control connection: {err}");
            }
        });
    }
}

async fn handle(mut stream: TcpStream, bus: &Bus) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body) = match Request::parse(method, target) {
        Ok(request) => request.run(bus).await,
        Err(message) => (400, json!({ "error": message })),
    };
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// A parsed control request.
#[derive(Debug, PartialEq)]
enum Request {
    Show(String),
    Add(FakeUnit),
    Remove(String),
    SetState {
        unit: String,
        active: String,
        sub: String,
    },
    Restarts,
    RestartOutcome {
        result: String,
        active: String,
        sub: String,
    },
    RestartBus,
}

impl Request {
    fn parse(method: &str, target: &str) -> Result<Request, String> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{method} {path} needs the query parameter {name}"))
        };
        let segments: Vec<String> = path.split('/').skip(1).map(decode).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        Ok(match (method, segments.as_slice()) {
            ("GET", ["units", unit]) => Request::Show((*unit).to_owned()),
            ("PUT", ["units", unit]) => {
                Request::Add(FakeUnit::service(unit, &param("active")?, &param("sub")?))
            }
            ("DELETE", ["units", unit]) => Request::Remove((*unit).to_owned()),
            ("POST", ["units", unit, "state"]) => Request::SetState {
                unit: (*unit).to_owned(),
                active: param("active")?,
                sub: param("sub")?,
            },
            ("GET", ["restarts"]) => Request::Restarts,
            ("POST", ["restart-outcome"]) => Request::RestartOutcome {
                result: param("result")?,
                active: param("active")?,
                sub: param("sub")?,
            },
            ("POST", ["bus", "restart"]) => Request::RestartBus,
            _ => return Err(format!("no such control request: {method} {path}")),
        })
    }

    async fn run(self, bus: &Bus) -> (u16, Value) {
        let mut bus = bus.lock().await;
        let unknown = |unit: &str| (404, json!({ "error": format!("no unit named {unit}") }));
        match self {
            Request::Show(unit) => match bus.unit(&unit) {
                Some(u) => (200, unit_json(&u)),
                None => unknown(&unit),
            },
            Request::Add(unit) => {
                let shown = unit_json(&unit);
                bus.add_unit(unit).await;
                (200, shown)
            }
            Request::Remove(unit) if bus.unit(&unit).is_some() => {
                bus.remove_unit(&unit).await;
                (200, json!({ "removed": unit }))
            }
            Request::Remove(unit) => unknown(&unit),
            Request::SetState { unit, active, sub } => {
                if bus.unit(&unit).is_none() {
                    return unknown(&unit);
                }
                bus.set_state(&unit, &active, &sub).await;
                (200, bus.unit(&unit).map_or(Value::Null, |u| unit_json(&u)))
            }
            Request::Restarts => {
                let calls: Vec<Value> = bus
                    .restart_calls()
                    .into_iter()
                    .map(|(unit, mode)| json!({ "unit": unit, "mode": mode }))
                    .collect();
                (200, Value::Array(calls))
            }
            Request::RestartOutcome {
                result,
                active,
                sub,
            } => {
                bus.set_restart_outcome(&result, &active, &sub);
                (
                    200,
                    json!({ "result": result, "active": active, "sub": sub }),
                )
            }
            Request::RestartBus => {
                bus.restart_daemon().await;
                (200, json!({ "address": bus.address() }))
            }
        }
    }
}

fn unit_json(u: &FakeUnit) -> Value {
    json!({
        "id": u.id,
        "active_state": u.active_state,
        "sub_state": u.sub_state,
        "load_state": u.load_state,
        "unit_file_state": u.unit_file_state,
        "type": u.service_type,
    })
}

/// Percent-decoding (`%40` → `@`, `+` → space) of a path segment or query value.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_from_method_path_and_query() {
        assert_eq!(
            Request::parse(
                "POST",
                "/units/getty%40tty1.service/state?active=failed&sub=failed"
            ),
            Ok(Request::SetState {
                unit: "getty@tty1.service".into(),
                active: "failed".into(),
                sub: "failed".into(),
            })
        );
        assert_eq!(Request::parse("GET", "/restarts"), Ok(Request::Restarts));
        assert_eq!(
            Request::parse("PUT", "/units/x.service?active=active&sub=running"),
            Ok(Request::Add(FakeUnit::service(
                "x.service",
                "active",
                "running"
            )))
        );
    }

    #[test]
    fn bad_requests_say_what_is_missing() {
        let err = Request::parse("POST", "/units/x.service/state?active=failed").expect_err("sub");
        assert!(err.contains("sub"), "{err}");
        assert!(Request::parse("GET", "/nothing").is_err());
    }

    #[test]
    fn percent_escapes_decode_and_bad_ones_stay() {
        assert_eq!(decode("a%40b+c"), "a@b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }
}
