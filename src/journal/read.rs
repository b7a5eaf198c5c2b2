//! Running `journalctl`: one-off reads (bounded in lines, bytes and time) and followers (new lines as
//! they are written, until the receiver is dropped). The child is killed whenever its reader stops.

use std::process::Stdio;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::{
    Cursor, Journal, LogLine, MAX_ENTRY_BYTES, MAX_READ_BYTES, MAX_READ_LINES, Position, Query,
    READ_TIMEOUT,
};

/// Lines read, in the order they were written.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Page {
    pub lines: Vec<LogLine>,
    /// The read stopped at its line limit, so there may be more (older, or newer when catching up).
    pub full: bool,
    /// Why the read stopped early (bytes or time), when it did.
    pub cut_short: Option<String>,
    /// Entries larger than `MAX_ENTRY_BYTES`, skipped.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("journalctl could not be started ({path}): {source}")]
    Spawn {
        path: String,
        source: std::io::Error,
    },
    #[error("journalctl failed: {0}")]
    Failed(String),
    #[error("reading journalctl's output failed: {0}")]
    Io(#[from] std::io::Error),
}

impl Journal {
    /// One bounded read of `query`'s lines.
    pub async fn read(&self, query: &Query) -> Result<Page, ReadError> {
        let limit = query.limit.clamp(1, MAX_READ_LINES);
        let mut args = self.base_args(query);
        let newest_first = match &query.position {
            Position::Latest => {
                args.extend(["--reverse".to_owned(), format!("--lines={limit}")]);
                true
            }
            Position::Before(cursor) => {
                args.extend([
                    "--reverse".to_owned(),
                    format!("--after-cursor={}", cursor.as_str()),
                    format!("--lines={limit}"),
                ]);
                true
            }
            Position::After(Some(cursor)) => {
                args.push(format!("--after-cursor={}", cursor.as_str()));
                false
            }
            Position::After(None) => false,
        };
        let mut child = self.spawn(&args)?;
        let mut page = Page::default();
        let outcome =
            tokio::time::timeout(READ_TIMEOUT, collect(&mut child, limit, &mut page)).await;
        match outcome {
            Err(_) => page.cut_short = Some(format!("the read took over {READ_TIMEOUT:?}")),
            Ok(Err(err)) => return Err(err),
            Ok(Ok(())) => {}
        }
        if page.lines.is_empty() && page.cut_short.is_none() {
            check_exit(&mut child).await?;
        }
        let _ = child.start_kill();
        if newest_first {
            page.lines.reverse();
        }
        Ok(page)
    }

    /// Follows `unit`'s new lines (after `after`, or all of them when None) until the receiver is
    /// dropped; the channel closes when `journalctl` ends.
    pub fn follow(
        &self,
        query: &Query,
        after: Option<&Cursor>,
    ) -> Result<mpsc::Receiver<LogLine>, ReadError> {
        let mut args = self.base_args(query);
        args.push("--follow".into());
        match after {
            Some(cursor) => args.push(format!("--after-cursor={}", cursor.as_str())),
            None => args.push("--lines=all".into()),
        }
        let mut child = self.spawn(&args)?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            let Some(stdout) = child.stdout.take() else {
                return;
            };
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            loop {
                let next = tokio::select! {
                    next = next_entry(&mut reader, &mut buf) => next,
                    () = tx.closed() => break,
                };
                match next {
                    Ok(Some(true)) => {
                        if let Some(line) = LogLine::parse(&buf)
                            && tx.send(line).await.is_err()
                        {
                            break;
                        }
                    }
                    Ok(Some(false)) => {
                        tracing::debug!("skipped a journal entry over the size limit")
                    }
                    Ok(None) | Err(_) => break,
                }
            }
            let _ = child.start_kill();
            let _ = child.wait().await;
        });
        Ok(rx)
    }

    fn spawn(&self, args: &[String]) -> Result<Child, ReadError> {
        Command::new(&self.settings.journalctl)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| ReadError::Spawn {
                path: self.settings.journalctl.display().to_string(),
                source,
            })
    }
}

/// Reads entries into `page` until `limit` lines, the byte budget, or the end of the output.
async fn collect(child: &mut Child, limit: usize, page: &mut Page) -> Result<(), ReadError> {
    let Some(stdout) = child.stdout.take() else {
        return Ok(());
    };
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    let mut bytes = 0usize;
    while let Some(complete) = next_entry(&mut reader, &mut buf).await? {
        bytes += buf.len().max(1);
        if !complete {
            page.skipped += 1;
        } else if let Some(line) = LogLine::parse(&buf) {
            page.lines.push(line);
        }
        if page.lines.len() >= limit {
            page.full = true;
            break;
        }
        if bytes > MAX_READ_BYTES {
            page.cut_short = Some(format!("the read passed {MAX_READ_BYTES} bytes"));
            break;
        }
    }
    Ok(())
}

/// The exit status of a read that showed nothing: journalctl's own message when it failed.
async fn check_exit(child: &mut Child) -> Result<(), ReadError> {
    let status = tokio::time::timeout(READ_TIMEOUT, child.wait()).await;
    let Ok(Ok(status)) = status else {
        return Ok(());
    };
    if status.success() {
        return Ok(());
    }
    let mut message = String::new();
    if let Some(stderr) = child.stderr.take() {
        let _ = stderr.take(2048).read_to_string(&mut message).await;
    }
    let first = message.lines().next().unwrap_or("no message").trim();
    Err(ReadError::Failed(format!("{status}: {first}")))
}

/// Reads the next newline-ended entry into `buf`: Some(true) when read whole, Some(false) when it was
/// over `MAX_ENTRY_BYTES` (skipped, `buf` empty), None at the end of the output.
async fn next_entry<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut over = false;
    let mut any = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(any.then_some(!over));
        }
        any = true;
        let (chunk, ended) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], i + 1),
            None => (available, available.len()),
        };
        if !over && buf.len() + chunk.len() <= MAX_ENTRY_BYTES {
            buf.extend_from_slice(chunk);
        } else {
            over = true;
            buf.clear();
        }
        let done = ended > chunk.len();
        reader.consume(ended);
        if done {
            return Ok(Some(!over));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_entry_over_the_limit_is_skipped_and_the_next_one_read() {
        let mut input = vec![b'x'; MAX_ENTRY_BYTES + 10];
        input.extend_from_slice(b"\nsmall\n");
        let mut reader = BufReader::new(&input[..]);
        let mut buf = Vec::new();
        assert_eq!(
            next_entry(&mut reader, &mut buf).await.ok(),
            Some(Some(false))
        );
        assert_eq!(
            next_entry(&mut reader, &mut buf).await.ok(),
            Some(Some(true))
        );
        assert_eq!(buf, b"small");
        assert_eq!(next_entry(&mut reader, &mut buf).await.ok(), Some(None));
    }
}
