//! Builds the server from typed settings. Tests call the same code with port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use tracing_actix_web::TracingLogger;

use crate::configuration::Settings;
use crate::email::Mailer;
use crate::http::Db;
use crate::http::{self, problem, system};
use crate::services::background::{Handle, Stop};
use crate::services::outbox::Worker;
use crate::services::tokens::TokenCache;
use crate::storage;
use crate::storage::signals::{Listener, Signal};

pub struct Application {
    port: u16,
    server: Server,
    /// The outbox worker, when this server runs one; it stops with the server.
    outbox: Option<Handle>,
    /// The webhook delivery worker, likewise.
    webhooks: Option<Handle>,
    /// What the other processes on the database say (PostgreSQL only).
    signals: Option<Listener>,
}

impl Application {
    /// Opens the database (applying migrations), binds the listener and prepares the server.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let pool = storage::connect(&settings.database, settings.pool_size)?;
        let listener = TcpListener::bind(&settings.listen)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
        let port = listener.local_addr()?.port();
        tracing::info!("{}", Mailer::describe(&settings.email));
        tracing::info!(
            "avtal listens on http://{} with {} at {}",
            listener.local_addr()?,
            settings.database.backend_name(),
            settings.database.redacted()
        );
        let outbox = if settings.email.worker {
            Some(Worker::new(pool.clone(), settings.email.clone())?.spawn()?)
        } else {
            tracing::info!("the outbox worker is off here: `avtal outbox run` sends the email");
            None
        };
        let webhooks = if settings.webhooks.worker {
            Some(
                crate::services::webhooks::delivery::Worker::new(
                    pool.clone(),
                    settings.webhooks.clone(),
                )
                .spawn()?,
            )
        } else {
            tracing::info!(
                "the webhook worker is off here: another avtal process posts the webhooks"
            );
            None
        };
        let tokens = web::Data::new(TokenCache::new(settings.token_cache));
        let signals = listen(
            settings,
            &tokens,
            outbox.as_ref().map(Handle::waker),
            webhooks.as_ref().map(Handle::waker),
        )?;
        let server = serve(
            listener,
            Db::new(crate::services::Db::new(pool)),
            tokens,
            settings,
        )?;
        Ok(Self {
            port,
            server,
            outbox,
            webhooks,
            signals,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (a test that restarts it); its workers stop after it.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests under way.
    /// The outbox worker stops after the server, finishing the messages under way.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let (outbox, webhooks, signals) = (self.outbox, self.webhooks, self.signals);
        // Joining blocks until the workers' current passes are recorded.
        let _ = actix_web::rt::task::spawn_blocking(move || {
            if let Some(worker) = outbox {
                worker.stop();
            }
            if let Some(worker) = webhooks {
                worker.stop();
            }
            drop(signals);
        })
        .await;
        result
    }
}

/// On PostgreSQL, hears the other processes on the database: a token revoked anywhere is
/// forgotten here at once, and a message queued anywhere wakes this server's worker. The
/// token cache trusts nothing until the listener hears.
fn listen(
    settings: &Settings,
    tokens: &web::Data<TokenCache>,
    worker: Option<Stop>,
    webhooks: Option<Stop>,
) -> anyhow::Result<Option<Listener>> {
    if matches!(settings.database, storage::DatabaseUrl::Sqlite(_)) {
        return Ok(None);
    }
    tokens.hearing(false);
    let tokens = tokens.clone();
    Listener::spawn(&settings.database, move |signal| match signal {
        Signal::TokenRevoked => tokens.clear(),
        Signal::OutboxQueued => {
            if let Some(w) = &worker {
                w.wake();
            }
        }
        Signal::WebhookQueued => {
            if let Some(w) = &webhooks {
                w.wake();
            }
        }
        Signal::Listening => {
            tokens.hearing(true);
            for w in worker.iter().chain(webhooks.iter()) {
                w.wake();
            }
        }
        Signal::Deaf => tokens.hearing(false),
    })
}

/// What every worker's application shares: the pool, the token cache, the parsed fonts
/// and templates, the OpenAPI document and the metrics.
#[derive(Clone)]
pub struct Shared {
    db: web::Data<Db>,
    tokens: web::Data<TokenCache>,
    renderer: web::Data<crate::pdf::Renderer>,
    composer: web::Data<crate::services::mail::Composer>,
    openapi: web::Data<system::OpenApiJson>,
    route_table: web::Data<http::methods::RouteTable>,
    metrics: actix_web_prom::PrometheusMetrics,
}

impl Shared {
    pub fn new(db: Db, tokens: web::Data<TokenCache>, settings: &Settings) -> anyhow::Result<Self> {
        let (_, api) = http::routes(App::new());
        Ok(Self {
            db: web::Data::new(db),
            tokens,
            // Fonts and templates are parsed once and shared by every worker.
            renderer: web::Data::new(crate::pdf::Renderer::new()?),
            composer: web::Data::new(crate::services::mail::Composer::new(&settings.email)),
            openapi: web::Data::new(system::OpenApiJson(api.to_json()?)),
            route_table: web::Data::new(http::methods::RouteTable::of(&api)),
            metrics: PrometheusMetricsBuilder::new("avtal")
                .endpoint("/metrics")
                .mask_unmatched_patterns("UNKNOWN")
                .build()
                .map_err(|e| anyhow::anyhow!("metrics: {e}"))?,
        })
    }
}

/// The whole application as one worker serves it; `avtal demo` calls it in process.
pub fn app(
    shared: &Shared,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody + use<>>,
        Error = actix_web::Error,
        InitError = (),
    > + use<>,
> {
    let (app, _) = http::routes(App::new());
    app.app_data(shared.db.clone())
        .app_data(shared.tokens.clone())
        .app_data(shared.renderer.clone())
        .app_data(shared.composer.clone())
        .app_data(shared.openapi.clone())
        .app_data(shared.route_table.clone())
        .app_data(http::query_config())
        .app_data(http::path_config())
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::Found()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .route("/docs/{file:.*}", web::get().to(system::docs))
        .default_service(web::to(http::methods::unanswered))
        .wrap(from_fn(problem::localise))
        .wrap(shared.metrics.clone())
        .wrap(from_fn(problem::request_id_header))
        .wrap(TracingLogger::default())
}

pub fn serve(
    listener: TcpListener,
    db: Db,
    tokens: web::Data<TokenCache>,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let shared = Shared::new(db, tokens, settings)?;
    let mut server = HttpServer::new(move || app(&shared))
        .shutdown_timeout(10)
        .listen(listener)?;
    if let Some(n) = settings.workers {
        server = server.workers(n);
    }
    Ok(server.run())
}
