//! `alssim serve`: a local web page for what-if questions, and the JSON API behind it
//! (docs/SERVE.md).
//!
//! The page, its script and its styles are compiled into the program: nothing is fetched from
//! elsewhere, and nothing is written. Every request's work is bounded ([`api`]); at most
//! [`Config::max_concurrent`] simulations run at once, further requests wait in a queue of at
//! most [`Config::max_queue`] for at most [`Config::queue_timeout`], and the simulations run on
//! worker threads of their own (the engine's rayon pool, entered from a blocking task), never
//! on the threads that serve HTTP.

pub mod api;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The page.
pub const INDEX_HTML: &str = include_str!("page/index.html");
/// The page's script.
pub const APP_JS: &str = include_str!("page/app.js");
/// The page's styles.
pub const STYLE_CSS: &str = include_str!("page/style.css");

/// Largest request body, bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Limits of a server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Simulations run at once.
    pub max_concurrent: usize,
    /// Requests waiting for a simulation slot; more are refused at once (503).
    pub max_queue: usize,
    /// Longest wait for a slot before a request is refused (503).
    pub queue_timeout: Duration,
    /// Worker threads of one simulation.
    pub threads: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_concurrent: 2,
            max_queue: 64,
            queue_timeout: Duration::from_secs(30),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

struct Shared {
    config: Config,
    slots: Semaphore,
    waiting: AtomicUsize,
}

/// The routes of the server.
pub fn router(config: Config) -> Router {
    let shared = Arc::new(Shared {
        slots: Semaphore::new(config.max_concurrent.max(1)),
        waiting: AtomicUsize::new(0),
        config,
    });
    Router::new()
        .route(
            "/",
            get(|| async { page(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/style.css",
            get(|| async { page(STYLE_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/drugs", get(|| async { json_ok(api::drugs()) }))
        .route("/api/limits", get(|| async { json_ok(api::limits()) }))
        .route("/api/scenario", post(scenario))
        .route("/api/whatif", post(whatif))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page or API endpoint", &[]) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(config))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A bundled file, with headers that keep the page to its own resources.
fn page(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; \
                 script-src 'self'; connect-src 'self'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn json_ok(v: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn error(status: StatusCode, message: &str, problems: &[String]) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"error": message, "problems": problems}).to_string(),
    )
        .into_response()
}

/// Why a request is refused: what it is, and every problem found.
struct Refused(&'static str, Vec<String>);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error(StatusCode::BAD_REQUEST, self.0, &self.1)
    }
}

/// Reads a what-if request and its scenario, or says what is wrong with it.
fn read_request(body: &[u8]) -> Result<crate::scenario::Scenario, Refused> {
    let request: api::WhatifRequest = serde_json::from_slice(body)
        .map_err(|e| Refused("the request is not a what-if request", vec![e.to_string()]))?;
    api::scenario(&request).map_err(|e| Refused("the request has problems", e.0))
}

/// `POST /api/scenario`: the scenario file of a request, as `alssim run` reads it.
async fn scenario(body: Bytes) -> Response {
    match read_request(&body) {
        Ok(s) => (
            [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
            crate::scenario::to_toml(&s),
        )
            .into_response(),
        Err(r) => r.into_response(),
    }
}

/// Leaves the queue when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `POST /api/whatif`: runs the request's scenario and returns the page's JSON.
async fn whatif(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let s = match read_request(&body) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let queued = shared.waiting.fetch_add(1, Ordering::SeqCst);
    let waiting = Waiting(&shared.waiting);
    if queued >= shared.config.max_queue {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy: too many simulations are waiting; try again shortly",
            &[],
        );
    }
    let permit =
        match tokio::time::timeout(shared.config.queue_timeout, shared.slots.acquire()).await {
            Ok(Ok(p)) => p,
            _ => {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is busy: no simulation slot came free in time; try again",
                    &[],
                );
            }
        };
    drop(waiting);
    let threads = shared.config.threads;
    let result = tokio::task::spawn_blocking(move || api::run(&s, threads)).await;
    drop(permit);
    match result {
        Ok(Ok(v)) => json_ok(v),
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the simulation failed: {e}"),
            &[],
        ),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the simulation stopped unexpectedly",
            &[],
        ),
    }
}
