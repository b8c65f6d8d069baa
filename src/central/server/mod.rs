//! The reference central API: catalog, payments through a gateway (the
//! simulator or DOKU), and sales, over JSON under `/v1/`.

mod carts;
pub mod catalog;
mod db;
pub mod gateway;
mod ledger;
mod lifecycle;
pub mod members;
pub mod notify;
mod orders;
mod payments;
mod personal;
pub mod pictures;
mod points;
pub mod pricing;
mod returns;
mod routes;
mod staff;
pub mod stock;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tracing::{info, warn};

use crate::domain::qris::Merchant;
use crate::domain::variable::Layouts;
use gateway::Gateway;
use gateway::simulator::Simulator;

/// The demo catalog shipped with the binary, used when no file is given.
pub const DEMO_CATALOG: &str = include_str!("../../../assets/catalog.csv");

/// The longest a QRIS code may stay payable: one day.
pub const MAX_PAYMENT_TTL: Duration = Duration::from_secs(24 * 3600);

/// The longest a cart may stay open for its hand-off: thirty days.
pub const MAX_CART_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// How a central is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// The database file; `None` keeps everything in memory.
    pub db: Option<PathBuf>,
    /// The catalog CSV to import at start; `None` imports the demo catalog.
    pub catalog: Option<PathBuf>,
    /// The directory of the pictures the catalog's `image` column names;
    /// `None` serves the demo pictures built into the binary.
    pub images: Option<PathBuf>,
    /// How long a shopper has to pay a QRIS code.
    pub payment_ttl: Duration,
    /// The merchant that dynamic QRIS codes pay.
    pub merchant: Merchant,
    /// The payment gateway.
    pub gateway: GatewayChoice,
    /// How often the central asks the gateway about the payments it may
    /// still take money for, in case a notification was missed. It also
    /// asks at each payment's expiry.
    pub poll_interval: Duration,
    /// How long a payment paid after it ended (cancelled on the device,
    /// expired) waits for a sale before it is refunded automatically.
    pub late_refund_grace: Duration,
    /// How long a cart handed from one channel to another stays open (and
    /// its hand-off code valid), in whole seconds.
    pub cart_ttl: Duration,
    /// The stores CSV to import at start; `None` imports the demo stores
    /// at the first start only.
    pub stores: Option<PathBuf>,
    /// The stock CSV to import at start; `None` imports the demo stock
    /// with the demo stores.
    pub stock: Option<PathBuf>,
    /// The store this central's kiosks stand in, whose stock their sales
    /// lower; `None` is the first store. Set to the store's id at start.
    pub store: Option<String>,
    /// The members CSV to import at start; `None` imports the demo members.
    pub members: Option<PathBuf>,
    /// How long a member code (the app's QR) stays valid.
    pub member_code_ttl: Duration,
    /// Single-use voucher codes a payment may hold beside those of the
    /// promotions file; any other code is refused at payment creation.
    pub voucher_codes: Vec<String>,
    /// The promotions file (TOML) to serve; `None` serves the demo set.
    pub promotions: Option<PathBuf>,
    /// The staff CSV (`staff_id,name,pin_hash`) devices approve
    /// age-restricted sales with; `None` serves the demo staff.
    pub staff: Option<PathBuf>,
    /// The store's variable-measure layouts (TOML, `[[layout]]` tables);
    /// `None` uses the demo layouts (`assets/variable-measure.toml`).
    pub variable_measure: Option<PathBuf>,
    /// Whole days an order waits in its locker when its channel gives no
    /// pickup deadline.
    pub pickup_days: u32,
    /// What happens to the payment of a paid order that expired, when
    /// staff take it out of its locker.
    pub expired_refund: crate::domain::order::ExpiryRefund,
    /// The return rules (TOML, see the README); `None` uses
    /// `assets/returns.toml`.
    pub returns: Option<PathBuf>,
    /// Sends customers their pickup codes; log-only by default.
    pub notifier: notify::NotifierChoice,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            db: None,
            catalog: None,
            images: None,
            payment_ttl: Duration::from_secs(300),
            merchant: demo_merchant(),
            gateway: GatewayChoice::Simulator,
            poll_interval: Duration::from_secs(5),
            late_refund_grace: Duration::from_secs(60),
            cart_ttl: Duration::from_secs(24 * 3600),
            stores: None,
            stock: None,
            store: None,
            members: None,
            member_code_ttl: Duration::from_secs(300),
            voucher_codes: Vec::new(),
            promotions: None,
            staff: None,
            variable_measure: None,
            pickup_days: 3,
            expired_refund: Default::default(),
            returns: None,
            notifier: Default::default(),
        }
    }
}

/// Which payment gateway a central uses.
#[derive(Clone, Default)]
pub enum GatewayChoice {
    /// The simulator in memory, paying [`Config::merchant`]; it also serves
    /// `POST /v1/payments/{id}/simulate`.
    #[default]
    Simulator,
    /// DOKU's SNAP QRIS API, configured from the environment.
    Doku,
    /// A gateway the caller built (tests, other deployments).
    Custom(Arc<dyn Gateway>),
}

impl std::fmt::Debug for GatewayChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatewayChoice::Simulator => f.write_str("Simulator"),
            GatewayChoice::Doku => f.write_str("Doku"),
            GatewayChoice::Custom(g) => write!(f, "Custom({})", g.name()),
        }
    }
}

/// The merchant of the demo store.
pub fn demo_merchant() -> Merchant {
    Merchant {
        acquirer_domain: "ID.CO.SWALAYAN.WWW".into(),
        merchant_pan: "936000000000000017".into(),
        merchant_id: "SWL000000000017".into(),
        nmid: "ID1026000000017".into(),
        criteria: "UMI".into(),
        mcc: "5411".into(),
        name: "Swalayan Demo Kemang".into(),
        city: "JAKARTA SELATAN".into(),
        postal_code: "12730".into(),
    }
}

/// Imports the members file at `path`, or the demo members.
async fn import_members(db: &db::Db, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let (text, source) = match path {
        Some(path) => (
            tokio::fs::read_to_string(path)
                .await
                .with_context(|| format!("cannot read the members file {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (members::DEMO_MEMBERS.to_owned(), "demo members".to_owned()),
    };
    let rows = members::parse(&text, &source)?;
    let name = source.clone();
    let report = db.run(move |conn| Ok(members::import(conn, &rows, &name)?)).await?;
    info!(source, members = report.total, added = report.added, "members imported");
    Ok(())
}

/// State shared by every request.
pub(crate) struct AppState {
    db: db::Db,
    config: Config,
    gateway: Arc<dyn Gateway>,
    /// Set when the gateway is the simulator, for `/simulate`.
    simulator: Option<Simulator>,
    /// Woken on every payment change, so long-polling readers re-check.
    payments_changed: Notify,
    /// Wakes the poller early (a payment expired on a read).
    poke_poller: Notify,
    /// One operation at a time per payment and per creation key.
    locks: lifecycle::Locks,
    /// Signs member codes and cart hand-off codes.
    signer: Arc<crate::tokens::Signer>,
    /// The promotion set devices sync and `/v1/price` uses.
    promotions: pricing::Loaded,
    /// The staff who approve age-restricted sales, from the staff file.
    staff: Arc<Vec<crate::central::api::StaffMember>>,
    /// How the store lays out its variable-measure codes: sent with every
    /// catalog page, and used to price sales and `/v1/price` here.
    layouts: Arc<Layouts>,
    /// Sends customers their messages.
    notifier: Arc<dyn notify::Notifier>,
    /// What goods may come back.
    returns: Arc<crate::domain::returns::ReturnRules>,
    /// The products' pictures, read at start.
    pictures: Arc<pictures::Pictures>,
}

/// A central serving in the background; dropping it stops it.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    poller: tokio::task::JoinHandle<()>,
    simulator: Option<Simulator>,
}

impl Running {
    /// The base URL devices use, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The gateway simulator, when it is the gateway (tests drive it and
    /// count its calls).
    pub fn simulator(&self) -> Option<&Simulator> {
        self.simulator.as_ref()
    }

    /// Stops accepting requests and waits for those in flight.
    pub async fn stop(mut self) {
        self.poller.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the process is stopped.
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.poller.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Opens the database, imports the catalog, binds `addr` (port 0 picks a
/// free port) and serves in a background task. Returns once it is ready.
pub async fn start(config: Config, addr: SocketAddr) -> anyhow::Result<Running> {
    if config.payment_ttl.is_zero() || config.payment_ttl > MAX_PAYMENT_TTL {
        anyhow::bail!(
            "payment time-to-live of {} s is outside 1 s to {} s",
            config.payment_ttl.as_secs_f64(),
            MAX_PAYMENT_TTL.as_secs()
        );
    }
    if config.cart_ttl.as_secs() == 0 || config.cart_ttl > MAX_CART_TTL {
        anyhow::bail!(
            "cart time-to-live of {} s is outside 1 s to {} s",
            config.cart_ttl.as_secs_f64(),
            MAX_CART_TTL.as_secs()
        );
    }
    if config.poll_interval.is_zero() {
        anyhow::bail!("the gateway poll interval must be above zero");
    }
    let (gateway, simulator): (Arc<dyn Gateway>, _) = match &config.gateway {
        GatewayChoice::Simulator => {
            let sim = Simulator::new(config.merchant.clone());
            (Arc::new(sim.clone()), Some(sim))
        }
        GatewayChoice::Doku => (gateway::doku_from_env()?, None),
        GatewayChoice::Custom(g) => (g.clone(), None),
    };
    let db = db::Db::open(config.db.as_deref())?;

    let layouts = match &config.variable_measure {
        Some(path) => {
            let text = tokio::fs::read_to_string(path).await.with_context(|| {
                format!("cannot read the variable-measure layouts {}", path.display())
            })?;
            Layouts::from_toml(&text, &path.display().to_string())?
        }
        None => Layouts::default(),
    };
    info!(layouts = layouts.layouts().len(), "variable-measure layouts loaded");

    let (text, source) = match &config.catalog {
        Some(path) => (
            tokio::fs::read_to_string(path)
                .await
                .with_context(|| format!("cannot read the catalog {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (DEMO_CATALOG.to_owned(), "demo catalog".to_owned()),
    };
    let pictures = Arc::new(match &config.images {
        Some(dir) => {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || pictures::Pictures::from_dir(&dir)).await??
        }
        None => pictures::Pictures::demo()?,
    });
    info!(source = pictures.source, count = pictures.len(), "pictures loaded");
    let rows = catalog::parse(&text, &source)?;
    catalog::check_layouts(&rows, &layouts, &source)?;
    catalog::check_pictures(&rows, &pictures, &source)?;
    let imported = pictures.clone();
    let report = db.run(move |conn| Ok(catalog::import(conn, &rows, &imported)?)).await?;
    info!(
        source,
        products = report.total,
        added = report.added,
        changed = report.changed,
        removed = report.removed,
        "catalog imported"
    );

    import_members(&db, config.members.as_deref()).await?;
    if config.member_code_ttl.is_zero() {
        anyhow::bail!("the member code time-to-live must be above zero");
    }

    let signer = Arc::new(db.run(|conn| db::signer(conn)).await?);

    let mut config = config;
    let home =
        stock::setup(&db, config.stores.as_ref(), config.stock.as_ref(), config.store.as_deref())
            .await?;
    info!(store = home, "kiosks' store");
    config.store = Some(home);
    let (text, source) = match &config.promotions {
        Some(path) => (
            tokio::fs::read_to_string(path)
                .await
                .with_context(|| format!("cannot read the promotions {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (pricing::DEMO_PROMOTIONS.to_owned(), "demo promotions".to_owned()),
    };
    let set = crate::domain::pricing::Promotions::from_toml(&text, &source)?;
    let promotions = pricing::Loaded { version: set.version(), set: Arc::new(set) };
    info!(source, count = promotions.set.len(), version = %promotions.version, "promotions loaded");

    let (text, source) = match &config.staff {
        Some(path) => (
            tokio::fs::read_to_string(path)
                .await
                .with_context(|| format!("cannot read the staff file {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (crate::staff::DEMO_STAFF.to_owned(), "demo staff".to_owned()),
    };
    let staff = Arc::new(crate::staff::parse(&text, &source)?);
    if staff.is_empty() {
        warn!(source, "the staff file lists no one: no age-restricted item can be approved");
    }
    info!(source, count = staff.len(), "staff loaded");

    let (text, source) = match &config.returns {
        Some(path) => (
            tokio::fs::read_to_string(path)
                .await
                .with_context(|| format!("cannot read the return rules {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (returns::DEFAULT_RULES.to_owned(), "default return rules".to_owned()),
    };
    let return_rules = crate::domain::returns::ReturnRules::from_toml(&text, &source)?;
    info!(source, days = return_rules.days, "return rules loaded");
    if config.pickup_days == 0 || i64::from(config.pickup_days) > orders::MAX_DEADLINE_DAYS {
        anyhow::bail!(
            "the pickup deadline of {} days is outside 1 to {} days",
            config.pickup_days,
            orders::MAX_DEADLINE_DAYS
        );
    }

    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let addr = listener.local_addr()?;
    let config_notifier = config.notifier.build();
    let state = Arc::new(AppState {
        db,
        config,
        gateway,
        simulator: simulator.clone(),
        payments_changed: Notify::new(),
        poke_poller: Notify::new(),
        locks: lifecycle::Locks::default(),
        signer,
        promotions,
        staff,
        layouts: Arc::new(layouts),
        notifier: config_notifier,
        returns: Arc::new(return_rules),
        pictures,
    });
    // One task for both background loops, so stopping the server ends both.
    let poll_interval = state.config.poll_interval;
    let (polled, swept) = (state.clone(), state.clone());
    let poller = tokio::spawn(async move {
        tokio::join!(lifecycle::poll(polled), orders::sweep(swept, poll_interval));
    });
    let app = routes::router(state);

    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "central server stopped");
        }
    });
    info!(%addr, "central ready");
    Ok(Running { addr, shutdown: Some(tx), task: Some(task), poller, simulator })
}
