//! The metrics (`/metrics`) and health (`/healthz`, `/readyz`) endpoints: a minimal HTTP/1.1 responder, since
//! each answers one GET with a small body (no framework needed for three fixed routes).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::metrics::Metrics;

/// Whether the operator has started its controllers, or waits for the leader Lease (`/readyz`), and whether
/// it runs them now.
#[derive(Debug, Default)]
pub struct Health {
    pub ready: AtomicBool,
    pub leading: AtomicBool,
}

/// Serves on `addr` until the task is dropped; returns the bound address (port 0 picks one).
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            let metrics = Arc::clone(&metrics);
            let health = Arc::clone(&health);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let (status, content_type, body) = respond(path, &metrics, &health);
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok((bound, task))
}

fn respond(path: &str, metrics: &Metrics, health: &Health) -> (&'static str, &'static str, String) {
    match path {
        "/metrics" => ("200 OK", "application/openmetrics-text; version=1.0.0; charset=utf-8", metrics.encode()),
        "/healthz" => ("200 OK", "text/plain", "ok\n".to_string()),
        "/readyz" if health.ready.load(Ordering::Relaxed) => ("200 OK", "text/plain", "ok\n".to_string()),
        "/readyz" => ("503 Service Unavailable", "text/plain", "starting\n".to_string()),
        _ => ("404 Not Found", "text/plain", "not found\n".to_string()),
    }
}
