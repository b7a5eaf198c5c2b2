//! Asking the host helper over its unix socket (what `RESTART_MODE=helper` executes with).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::{HelperRequest, HelperResponse};
use crate::domain::{UnitAction, UnitName};
use crate::restart::local::JobEnd;
use crate::vars::Secret;

/// Sends one request and reads the answer, within `timeout`.
pub async fn call(
    socket: &Path,
    request: &HelperRequest,
    timeout: Duration,
) -> anyhow::Result<HelperResponse> {
    let exchange = async {
        let mut stream = UnixStream::connect(socket)
            .await
            .with_context(|| format!("cannot reach the helper at {}", socket.display()))?;
        let mut line = serde_json::to_vec(request)?;
        line.push(b'\n');
        stream.write_all(&line).await?;
        let mut answer = String::new();
        BufReader::new(stream).read_line(&mut answer).await?;
        serde_json::from_str::<HelperResponse>(&answer)
            .with_context(|| format!("the helper answered {answer:?}"))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| anyhow::anyhow!("the helper did not answer within {timeout:?}"))?
}

/// Runs `action` (the helper's verb of the same name) on `unit` through the helper; a refusal is an
/// error naming the helper's reason.
pub async fn run(
    socket: &Path,
    api_key: Option<&Secret>,
    action: UnitAction,
    unit: &UnitName,
    job_timeout: Duration,
) -> anyhow::Result<JobEnd> {
    let api_key = api_key.context("RESTART_MODE=helper needs SMARTMON_API_KEY (or _FILE)")?;
    let request = HelperRequest {
        api_key: api_key.expose().to_owned(),
        action: action.as_str().into(),
        unit: Some(unit.to_string()),
        device: None,
        lines: None,
    };
    let answer = call(socket, &request, job_timeout + Duration::from_secs(10)).await?;
    match answer.state.as_str() {
        "refused" => anyhow::bail!("the helper refused: {}", answer.error.unwrap_or_default()),
        "dry_run" => Ok(JobEnd {
            action,
            result: "dry_run".into(),
            active_state: None,
        }),
        _ => Ok(JobEnd {
            action,
            result: answer
                .result
                .or(answer.error)
                .unwrap_or_else(|| answer.state.clone()),
            active_state: answer.active_state,
        }),
    }
}
