//! The avtal command: serve the API (the default), migrate, manage tokens, import data.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use avtal::configuration::{EmailOverrides, FileSettings, Overrides, Settings, WebhookOverrides};
use avtal::domain::{Country, MemberStatus, MunicipalityCode, Role};
use avtal::error::Error;
use avtal::services::import::{ImportRequest, Selection};
use avtal::services::invoicing::RunRequest;
use avtal::services::progress::Progress;
use avtal::startup::Application;
use avtal::storage;

#[derive(Parser)]
#[command(
    name = "avtal",
    version,
    about = "Member agreements, contributions and invoices for Nordic public-sector bodies"
)]
struct Cli {
    /// A TOML file with settings (see the README's Configuration).
    #[arg(
        long,
        global = true,
        env = "AVTAL_CONFIG",
        help_heading = "Global options"
    )]
    config: Option<PathBuf>,
    /// Where the embedded database and the mail folder live (default: the platform's data
    /// directory, ~/.local/share/avtal on Linux).
    #[arg(
        long,
        global = true,
        env = "AVTAL_DATA_DIR",
        help_heading = "Global options"
    )]
    data_dir: Option<String>,
    /// The database: a SQLite file path (default avtal.db in the data directory) or
    /// postgres://…
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        help_heading = "Global options"
    )]
    database_url: Option<String>,
    /// Log format: text or json.
    #[arg(
        long,
        global = true,
        env = "AVTAL_LOG_FORMAT",
        help_heading = "Global options"
    )]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve(ServeArgs),
    /// Make a complete example on the database: an organisation like Navet science center
    /// with a year of agreements, invoices, payments, a reminder and a newsletter.
    Demo {
        /// Start the embedded (SQLite) database afresh first, deleting what it holds.
        #[arg(long)]
        reset: bool,
        /// The demo's today (YYYY-MM-DD; default: today).
        #[arg(long, hide = true)]
        date: Option<chrono::NaiveDate>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import public reference data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Render a document to PDF, e.g. to see a template edit on sample data.
    Render(RenderArgs),
    /// The email outbox.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Invoices: issue the invoices a period makes due.
    #[command(subcommand)]
    Invoices(InvoiceCommand),
}

#[derive(Subcommand)]
enum InvoiceCommand {
    /// Issue every agreement's invoices for a period (an invoice run), as the API's
    /// invoice-runs do: numbered, with PDF and e-invoice, queued to be emailed when the
    /// organisation sends on issue.
    Run {
        /// The organisation whose agreements are invoiced.
        #[arg(long)]
        organisation: String,
        /// The period's first day (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The period's last day (YYYY-MM-DD).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Dates every invoice (default: each agreement's rule).
        #[arg(long)]
        invoice_date: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// Send the outbox's due messages; runs until stopped, or with --once until none is due.
    Run {
        /// Exit when no message is due instead of waiting for more.
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        mail: EmailOverrides,
    },
}

#[derive(Args)]
struct RenderArgs {
    /// offer, invoice, credit-note, reminder or statement.
    #[arg(long)]
    kind: String,
    /// sv, nb or en.
    #[arg(long, default_value = "sv")]
    lang: String,
    /// Fill the template with a realistic sample document (the only source for now).
    #[arg(long, default_value_t = true)]
    sample: bool,
    /// A template file to use instead of the shipped one; it is checked first.
    #[arg(long)]
    template: Option<std::path::PathBuf>,
    /// A logo (PNG or JPEG) for the letterhead.
    #[arg(long)]
    logo: Option<std::path::PathBuf>,
    /// Where to write the PDF.
    #[arg(short, long)]
    output: std::path::PathBuf,
}

/// Server settings, given after `serve` or (with no command) by environment variables.
#[derive(Args, Default, Clone)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "AVTAL_LISTEN")]
    listen: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "AVTAL_WORKERS")]
    workers: Option<usize>,
    /// Connections in the database pool (default 8).
    #[arg(long, env = "AVTAL_POOL_SIZE")]
    pool_size: Option<u32>,
    /// Seconds a checked token is trusted before the database is asked again (default 30;
    /// revocations through the API apply at once, others within this time; 0 disables).
    #[arg(long, env = "AVTAL_TOKEN_CACHE_SECONDS")]
    token_cache_seconds: Option<u64>,
    #[command(flatten)]
    mail: EmailOverrides,
    #[command(flatten)]
    webhooks: WebhookOverrides,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it once; only its hash is stored.
    Create {
        /// operator, admin, finance or viewer.
        #[arg(long)]
        role: String,
        /// The organisation the token belongs to (all roles but operator).
        #[arg(long)]
        organisation: Option<String>,
        /// What the token is for, e.g. "Ekonomi, Navet".
        #[arg(long)]
        name: String,
    },
    /// Revoke a token by its id.
    Revoke { id: String },
    /// List the tokens of an organisation, or the operator tokens.
    List {
        #[arg(long)]
        organisation: Option<String>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Create or update municipalities as members, with their population.
    Municipalities(ImportArgs),
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["codes", "all_se", "all_no", "csv"])))]
struct ImportArgs {
    /// The organisation the members belong to.
    #[arg(long)]
    organisation: String,
    /// Municipality codes, comma-separated (e.g. 1443,1490).
    #[arg(long, value_delimiter = ',')]
    codes: Option<Vec<String>>,
    /// Every Swedish municipality (SCB, 2025-12-31).
    #[arg(long)]
    all_se: bool,
    /// Every Norwegian municipality (SSB, 2024-01-01).
    #[arg(long)]
    all_no: bool,
    /// A CSV file with the columns code,name,county_code,county_name,population,org_number.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// SE or NO, for --codes and --csv (default SE).
    #[arg(long)]
    country: Option<String>,
    /// When the CSV's population was counted (YYYY-MM-DD); required with --csv.
    #[arg(long)]
    reference_date: Option<String>,
    /// Status of newly created members: prospect, member or former (default member).
    #[arg(long, default_value = "member")]
    status: String,
}

/// The settings of a command: the global options, and the server's and the mailer's
/// where the command takes them (their defaults, the file and the environment otherwise).
fn settings(
    cli: &Cli,
    serve: Option<&ServeArgs>,
    mail: Option<&EmailOverrides>,
) -> anyhow::Result<Settings> {
    let none = ServeArgs::default();
    let serve = serve.unwrap_or(&none);
    let mail = mail.unwrap_or(&serve.mail);
    let file = match &cli.config {
        Some(path) => FileSettings::load(path)?,
        None => FileSettings::default(),
    };
    Settings::resolve(
        file,
        Overrides {
            listen: serve.listen.clone(),
            data_dir: cli.data_dir.clone(),
            database_url: cli.database_url.clone(),
            log_format: cli.log_format.clone(),
            log_filter: None,
            workers: serve.workers,
            pool_size: serve.pool_size,
            token_cache_seconds: serve.token_cache_seconds,
            email: mail.clone(),
            webhooks: serve.webhooks.clone(),
        },
    )
}

/// Explains a failed use case on the terminal, field by field.
fn explain(e: Error) -> anyhow::Error {
    match e {
        Error::Validation(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "  {}: {}",
                        f.field,
                        f.invalid.message(avtal::domain::Language::Sv)
                    )
                })
                .collect();
            anyhow::anyhow!("ogiltiga uppgifter:\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!("{}", other.detail(avtal::domain::Language::Sv))
            .context(other.to_string()),
    }
}

/// Issues an invoice run and says what it came to.
fn invoice_run(settings: &Settings, org: &str, req: &RunRequest) -> anyhow::Result<()> {
    let started = Instant::now();
    let renderer = avtal::pdf::Renderer::new()?;
    let composer = avtal::services::mail::Composer::new(&settings.email);
    let mut conn = connection(settings)?;
    let watch = Watch::new("Fakturakörning");
    let out = avtal::services::invoicing::issue_run_and_send(
        &mut conn,
        &renderer,
        &composer,
        org,
        req,
        None,
        chrono::Utc::now().date_naive(),
        "avtal invoices run",
        &watch,
    )
    .map_err(explain)?;
    println!(
        "Fakturakörning {}: {} fakturor utfärdade, {} avtal redan fakturerade, {} utan underlag ({} ms)",
        out.run.id,
        out.invoices.invoices.len(),
        out.already_billed.len(),
        out.skipped.len(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// Progress on standard error: a bar on a terminal; elsewhere (a log, a pipe) a line at
/// the start, at every tenth of the way and at the end, which a log keeps and a bar's
/// redrawing would garble.
struct Watch {
    label: &'static str,
    shown: RefCell<Option<Shown>>,
}

enum Shown {
    Bar(indicatif::ProgressBar),
    Lines {
        what: String,
        total: u64,
        done: u64,
        tenths: u64,
        started: Instant,
    },
}

impl Watch {
    fn new(label: &'static str) -> Self {
        Self {
            label,
            shown: RefCell::new(None),
        }
    }
}

impl Progress for Watch {
    fn start(&self, what: &str, total: u64) {
        let shown = if std::io::stderr().is_terminal() {
            let style = indicatif::ProgressStyle::with_template(
                "{prefix} {wide_bar} {pos}/{len} {msg}, {eta} kvar",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            let bar = indicatif::ProgressBar::new(total)
                .with_style(style)
                .with_prefix(self.label)
                .with_message(what.to_owned());
            Shown::Bar(bar)
        } else {
            eprintln!("{}: {total} {what}", self.label);
            Shown::Lines {
                what: what.to_owned(),
                total,
                done: 0,
                tenths: 0,
                started: Instant::now(),
            }
        };
        *self.shown.borrow_mut() = Some(shown);
    }

    fn reached(&self, now_done: u64) {
        match &mut *self.shown.borrow_mut() {
            Some(Shown::Bar(bar)) => bar.set_position(now_done),
            Some(Shown::Lines {
                what,
                total,
                done,
                tenths,
                started,
            }) => {
                *done = now_done;
                let tenth = (now_done * 10).checked_div(*total).unwrap_or(10);
                if tenth > *tenths && now_done < *total && now_done > 0 {
                    *tenths = tenth;
                    let left = started
                        .elapsed()
                        .mul_f64((*total - now_done) as f64 / now_done as f64);
                    eprintln!(
                        "{}: {now_done} av {total} {what} ({} %), {} kvar",
                        self.label,
                        now_done * 100 / *total,
                        seconds(left)
                    );
                }
            }
            None => {}
        }
    }

    fn finish(&self) {
        match self.shown.borrow_mut().take() {
            Some(Shown::Bar(bar)) => bar.finish_and_clear(),
            Some(Shown::Lines {
                what,
                total,
                done,
                started,
                ..
            }) => eprintln!(
                "{}: {done} av {total} {what} klara på {}",
                self.label,
                seconds(started.elapsed())
            ),
            None => {}
        }
    }
}

/// A time as a Swede reads it: "2,4 s".
fn seconds(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64()).replace('.', ",")
}

fn connection(settings: &Settings) -> anyhow::Result<storage::PooledConnection> {
    let pool = storage::connect(&settings.database, 1)?;
    Ok(pool.get()?)
}

fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let country = match (args.all_no, &args.country) {
        (true, _) => Country::No,
        (false, Some(c)) => Country::parse(c).map_err(|e| anyhow::anyhow!("--country: {e}"))?,
        (false, None) => Country::Se,
    };
    let selection = match &args.codes {
        Some(codes) => Selection::Codes(
            codes
                .iter()
                .map(|c| {
                    MunicipalityCode::parse(c).map_err(|e| anyhow::anyhow!("--codes {c}: {e}"))
                })
                .collect::<anyhow::Result<_>>()?,
        ),
        None => Selection::All,
    };
    let csv = args
        .csv
        .as_ref()
        .map(|p| std::fs::read(p).with_context(|| format!("reading {}", p.display())))
        .transpose()?;
    let reference_date = args
        .reference_date
        .as_deref()
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").context("--reference-date: YYYY-MM-DD")
        })
        .transpose()?;
    anyhow::ensure!(
        csv.is_none() || reference_date.is_some(),
        "--csv needs --reference-date"
    );
    let status = MemberStatus::parse(&args.status).map_err(|e| anyhow::anyhow!("--status: {e}"))?;
    let request = ImportRequest {
        country,
        selection,
        csv,
        reference_date,
        status,
    };
    let mut conn = connection(settings)?;
    let watch = Watch::new("Import");
    let report =
        avtal::services::import::import_watched(&mut conn, &args.organisation, &request, &watch)
            .map_err(explain)?;
    println!(
        "{} kommuner: {} nya, {} ändrade, {} oförändrade ({} ms)",
        report.created.len() + report.updated.len() + report.unchanged.len(),
        report.created.len(),
        report.updated.len(),
        report.unchanged.len(),
        started.elapsed().as_millis()
    );
    Ok(())
}

fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let mut conn = connection(settings)?;
    match command {
        TokenCommand::Create {
            role,
            organisation,
            name,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let issued =
                avtal::services::tokens::create(&mut conn, organisation.as_deref(), role, &name)
                    .map_err(explain)?;
            eprintln!(
                "Nyckel {} ({}) skapad. Den visas bara nu:",
                issued.token.id, role
            );
            println!("{}", issued.secret);
        }
        TokenCommand::Revoke { id } => {
            let token = storage::tokens::revoke(&mut conn, &id).map_err(|e| explain(e.into()))?;
            println!("Nyckel {} ({}) återkallad.", token.id, token.name);
        }
        TokenCommand::List { organisation } => {
            for t in storage::tokens::list(&mut conn, organisation.as_deref())
                .map_err(|e| explain(e.into()))?
            {
                let state = if t.revoked_at.is_some() {
                    "återkallad"
                } else {
                    "aktiv"
                };
                println!("{}\t{}\t{}\t{}", t.id, t.role, state, t.name);
            }
        }
    }
    Ok(())
}

/// Makes the demo and says where to look.
fn demo(settings: &Settings, reset: bool, date: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    if reset {
        match &settings.database {
            storage::DatabaseUrl::Sqlite(path) => {
                for file in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
                    match std::fs::remove_file(&file) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            return Err(anyhow::anyhow!("{file}: {e}"));
                        }
                        _ => {}
                    }
                }
            }
            storage::DatabaseUrl::Postgres(_) => anyhow::bail!(
                "--reset deletes only the embedded database; drop a PostgreSQL database yourself"
            ),
        }
    }
    let started = Instant::now();
    let today = date.unwrap_or_else(|| chrono::Local::now().date_naive());
    let made = avtal::demo::make(settings, today)?;
    println!(
        "Demo klar på {} ms i {} ({}):",
        started.elapsed().as_millis(),
        settings.database.redacted(),
        settings.database.backend_name()
    );
    println!(
        "  {} medlemmar, {} avtal, {} fakturor, {} betalningar, {} påminnelser, {} meddelanden i utkorgen",
        made.members, made.agreements, made.invoices, made.payments, made.reminders, made.messages
    );
    println!();
    println!("Starta servern:        avtal serve   (eller cargo run --release -- serve)");
    println!("API-dokumentation:     http://127.0.0.1:8080/docs/");
    println!("Organisation:          {}", made.organisation);
    println!("Administratörsnyckel:  {}", made.admin_token);
    println!("Driftsnyckel:          {}", made.operator_token);
    println!();
    println!(
        "Till exempel: curl -s http://127.0.0.1:8080/api/v1/organisations/{}/invoices \\\n  -H 'Authorization: Bearer {}'",
        made.organisation, made.admin_token
    );
    Ok(())
}

/// Renders a sample document with the shipped template or the author's own.
fn render(args: RenderArgs) -> anyhow::Result<()> {
    use avtal::domain::Language;
    use avtal::domain::documents::DocumentKind;
    let kind = DocumentKind::parse(&args.kind)
        .map_err(|_| anyhow::anyhow!("--kind: en av {}", DocumentKind::NAMES.join(", ")))?;
    let lang = Language::parse(&args.lang)
        .map_err(|_| anyhow::anyhow!("--lang: en av {}", Language::NAMES.join(", ")))?;
    if !args.sample {
        anyhow::bail!("ange --sample: dokument ur databasen hämtas via API:t");
    }
    let renderer = avtal::pdf::Renderer::new()?;
    let own = match &args.template {
        Some(path) => {
            let source = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let template = avtal::pdf::parse_template(&source, kind, lang)
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message(Language::Sv)))?;
            Some(template)
        }
        None => None,
    };
    let logo = match &args.logo {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Some(std::sync::Arc::new(avtal::pdf::writer::decode_logo(
                &bytes,
            )?))
        }
        None => None,
    };
    let ctx = avtal::pdf::sample_context(kind, lang);
    let bytes = renderer.render(&ctx, own.as_ref(), logo)?;
    std::fs::write(&args.output, &bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.output.display()))?;
    println!("{} ({} byte)", args.output.display(), bytes.len());
    Ok(())
}

/// Sends the outbox from the command line: once through, or until the process is stopped.
/// SIGTERM or Ctrl-C lets the messages under way finish and be recorded, then it exits; a
/// process killed outright loses nothing either: its messages come back after the lease.
fn outbox(settings: &Settings, once: bool) -> anyhow::Result<()> {
    use avtal::services::background::Stop;
    use avtal::services::outbox::Worker;
    use avtal::storage::signals::Signal;
    avtal::telemetry::init(settings.log_format, &settings.log_filter);
    tracing::info!("{}", avtal::email::Mailer::describe(&settings.email));
    let pool = storage::connect(&settings.database, 2)?;
    let worker = Worker::new(pool, settings.email.clone())?;
    if once {
        let pass = worker.drain(&Watch::new("Utkorgen")).map_err(explain)?;
        println!(
            "{} skickade, {} att försöka igen, {} delvis misslyckade, {} misslyckade",
            pass.sent, pass.retried, pass.partly_failed, pass.failed
        );
    } else {
        let stop = Stop::default();
        let on_signal = stop.clone();
        ctrlc::set_handler(move || on_signal.stop())?;
        // On PostgreSQL a message queued by any server wakes this sender at once.
        let waker = stop.clone();
        let _signals = storage::signals::Listener::spawn(&settings.database, move |signal| {
            if matches!(signal, Signal::OutboxQueued | Signal::Listening) {
                waker.wake();
            }
        })?;
        worker.run(&stop);
        tracing::info!("outbox worker stopped");
    }
    Ok(())
}

fn run(mut cli: Cli) -> anyhow::Result<()> {
    let Some(command) = cli.command.take() else {
        // No command is `serve`, with its settings read from the environment as then.
        return run(Cli::parse_from(
            std::env::args_os().chain(std::iter::once("serve".into())),
        ));
    };
    if let Command::Render(args) = command {
        return render(args);
    }
    let settings = match &command {
        Command::Serve(serve) => settings(&cli, Some(serve), None)?,
        Command::Outbox(OutboxCommand::Run { mail, .. }) => settings(&cli, None, Some(mail))?,
        _ => settings(&cli, None, None)?,
    };
    match command {
        Command::Render(_) => Ok(()),
        Command::Serve(_) => {
            avtal::telemetry::init(settings.log_format, &settings.log_filter);
            actix_web::rt::System::new().block_on(async {
                let app = Application::build(&settings)?;
                app.run_until_stopped().await?;
                tracing::info!("avtal stopped");
                Ok(())
            })
        }
        Command::Migrate => {
            let pool = storage::connect(&settings.database, 1)?;
            drop(pool);
            println!(
                "{} vid {}: databasen är uppdaterad.",
                settings.database.backend_name(),
                settings.database.redacted()
            );
            Ok(())
        }
        Command::Demo { reset, date } => demo(&settings, reset, date),
        Command::Token(t) => token(&settings, t),
        Command::Import(ImportCommand::Municipalities(args)) => import(&settings, args),
        Command::Outbox(OutboxCommand::Run { once, .. }) => outbox(&settings, once),
        Command::Invoices(InvoiceCommand::Run {
            organisation,
            from,
            to,
            invoice_date,
        }) => invoice_run(
            &settings,
            &organisation,
            &RunRequest {
                from,
                to,
                invoice_date,
            },
        ),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("avtal: {e:#}");
            ExitCode::FAILURE
        }
    }
}
