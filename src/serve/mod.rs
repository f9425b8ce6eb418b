//! `jixiao serve`: the same engine behind a local web page, for clerks who
//! do not use a terminal.
//!
//! The page (`page.html`, embedded) uploads each dropped file to its own
//! session; the server imports and reviews it with the library's code and
//! answers in JSON: the file list with statuses, a form's sheet as a grid
//! with the cells its record came from, the findings, the summary, and the
//! downloads (consolidated workbook, standard form, 复核 workbook, Word
//! reports) written by the same functions as the CLI.
//!
//! Safety: 127.0.0.1 unless `--listen` is given, and then every request
//! must carry the token; uploads are bounded per file, per session and in
//! number; they live in one temporary folder removed when the server stops,
//! never beside the user's originals; each file is read under the source
//! stage's hostile-input limits on a blocking thread, so a bad file is a
//! line in the list and never stops the server; sessions are separate
//! folders and records, so two tabs never mix.

mod session;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub use session::Limits;
use session::Session;

const PAGE: &str = include_str!("page.html");

/// How the server is started.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// Required on every request when set (a non-loopback `--listen`).
    pub token: Option<String>,
    pub limits: Limits,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{addr}: cannot listen: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the temporary folder: {0}")]
    Temp(#[source] std::io::Error),
    #[error("server: {0}")]
    Io(#[source] std::io::Error),
}

/// Everything the handlers share: the sessions, each in its own folder
/// under one temporary root.
struct App {
    root: tempfile::TempDir,
    sessions: Mutex<HashMap<String, Arc<Mutex<Session>>>>,
    token: Option<String>,
    limits: Limits,
}

type Shared = Arc<App>;

/// Serves until Ctrl-C; `ready` is called with the address once listening
/// (the CLI prints it). The temporary folder is removed on the way out.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(ServeError::Io)?;
        let app = Arc::new(App {
            root: tempfile::Builder::new()
                .prefix("jixiao-serve-")
                .tempdir()
                .map_err(ServeError::Temp)?,
            sessions: Mutex::new(HashMap::new()),
            token: config.token,
            limits: config.limits,
        });
        ready(addr);
        let router = router(app.clone());
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signal = stopping.clone();
        let stop = async move {
            let _ = tokio::signal::ctrl_c().await;
            signal.notify_one();
        };
        let served = axum::serve(listener, router).with_graceful_shutdown(stop);
        // A browser keeps its connection open: give requests in flight a
        // moment, then stop anyway.
        let grace = async {
            stopping.notified().await;
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        };
        tokio::select! {
            served = served => served.map_err(ServeError::Io)?,
            () = grace => {}
        }
        // Dropping the last handle removes the temporary folder.
        drop(app);
        Ok(())
    })
}

fn router(app: Shared) -> Router {
    let limit = usize::try_from(app.limits.file_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route("/", get(page))
        .route("/api/session", post(new_session))
        .route("/api/s/{sid}/upload", post(upload))
        .route("/api/s/{sid}/roster", post(roster))
        .route("/api/s/{sid}/files", get(files))
        .route("/api/s/{sid}/form/{n}", get(form))
        .route("/api/s/{sid}/summary", get(summary))
        .route("/api/s/{sid}/download/{what}", get(download))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Refuses a request without the token when one is required.
async fn guard(
    State(app): State<Shared>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &app.token {
        let given = headers
            .get("x-jixiao-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or(q.token);
        if given.as_deref() != Some(token.as_str()) {
            return (StatusCode::UNAUTHORIZED, "需要访问令牌（token）").into_response();
        }
    }
    next.run(request).await
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// A failure shown to the person on the page, in Chinese.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

async fn new_session(State(app): State<Shared>) -> Response {
    let mut sessions = app.sessions.lock().unwrap_or_else(|e| e.into_inner());
    if sessions.len() >= app.limits.sessions {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "会话过多，请重启 jixiao serve",
        );
    }
    let id = session::new_id();
    let dir = app.root.path().join(&id);
    match Session::new(dir) {
        Ok(s) => {
            sessions.insert(id.clone(), Arc::new(Mutex::new(s)));
            Json(serde_json::json!({ "session": id })).into_response()
        }
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法创建临时目录：{e}"),
        ),
    }
}

fn session_of(app: &App, sid: &str) -> Option<Arc<Mutex<Session>>> {
    let sessions = app.sessions.lock().unwrap_or_else(|e| e.into_inner());
    sessions.get(sid).cloned()
}

#[derive(Deserialize)]
struct NameQuery {
    name: String,
}

/// A refusal: the status and the message the page shows.
type Refusal = (StatusCode, String);

/// Runs `work` on the session on a blocking thread; a panic inside (a
/// defect, not bad input) becomes a 500 for that request only.
async fn with_session<T, F>(app: &Shared, sid: &str, work: F) -> Response
where
    F: FnOnce(&mut Session) -> Result<T, Refusal> + Send + 'static,
    T: IntoResponse + Send + 'static,
{
    let Some(session) = session_of(app, sid) else {
        return refuse(StatusCode::NOT_FOUND, "会话不存在，请刷新页面");
    };
    let joined = tokio::task::spawn_blocking(move || {
        let mut s = session.lock().unwrap_or_else(|e| e.into_inner());
        match work(&mut s) {
            Ok(answer) => answer.into_response(),
            Err((status, message)) => refuse(status, message),
        }
    })
    .await;
    joined.unwrap_or_else(|_| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "处理时出错（程序缺陷），请报告",
        )
    })
}

async fn upload(
    State(app): State<Shared>,
    UrlPath(sid): UrlPath<String>,
    Query(q): Query<NameQuery>,
    body: Bytes,
) -> Response {
    let limits = app.limits.clone();
    with_session(&app, &sid, move |s| {
        s.add(&q.name, &body, &limits)
            .map(Json)
            .map_err(|m| (StatusCode::PAYLOAD_TOO_LARGE, m))
    })
    .await
}

async fn roster(
    State(app): State<Shared>,
    UrlPath(sid): UrlPath<String>,
    Query(q): Query<NameQuery>,
    body: Bytes,
) -> Response {
    with_session(&app, &sid, move |s| {
        s.set_roster(&q.name, &body)
            .map(|()| Json(s.summary()))
            .map_err(|m| (StatusCode::BAD_REQUEST, m))
    })
    .await
}

async fn files(State(app): State<Shared>, UrlPath(sid): UrlPath<String>) -> Response {
    with_session(&app, &sid, |s| Ok::<_, Refusal>(Json(s.files_json()))).await
}

async fn form(State(app): State<Shared>, UrlPath((sid, n)): UrlPath<(String, usize)>) -> Response {
    with_session(&app, &sid, move |s| {
        s.form_json(n)
            .map(Json)
            .map_err(|m| (StatusCode::NOT_FOUND, m))
    })
    .await
}

async fn summary(State(app): State<Shared>, UrlPath(sid): UrlPath<String>) -> Response {
    with_session(&app, &sid, |s| Ok::<_, Refusal>(Json(s.summary()))).await
}

#[derive(Deserialize)]
struct FormQuery {
    form: Option<usize>,
    /// The region heading the consolidated workbook's titles (`XX市`).
    region: Option<String>,
}

async fn download(
    State(app): State<Shared>,
    UrlPath((sid, what)): UrlPath<(String, String)>,
    Query(q): Query<FormQuery>,
) -> Response {
    with_session(&app, &sid, move |s| {
        let (name, path) = s
            .download(&what, q.form, q.region.as_deref())
            .map_err(|m| (StatusCode::BAD_REQUEST, m))?;
        let bytes =
            std::fs::read(&path).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        Ok(attachment(&name, bytes))
    })
    .await
}

/// A file download named `name` (UTF-8 names per RFC 6266/5987).
fn attachment(name: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let kind = if name.ends_with(".docx") {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    Response::builder()
        .header(header::CONTENT_TYPE, kind)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
        )
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
