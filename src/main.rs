//! The `swalayan` command line: parse, set up logging, call the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use swalayan::cli;
use swalayan::kiosk::access::{Panel, Size};

/// Self-service checkout for omnichannel retail: the kiosk and handheld
/// application, and a reference central API.
#[derive(Parser)]
#[command(name = "swalayan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Opens the kiosk (the default). Without --central it starts a
    /// reference central in-process with the demo catalog.
    Kiosk(KioskArgs),
    /// Runs the reference central API server.
    Central(CentralArgs),
    /// Reads the barcodes and QR codes in image files and prints one JSON
    /// line per file.
    Decode {
        /// Image files (PNG, JPEG, BMP).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Runs one whole self-checkout without a screen and prints the receipt
    /// as JSON.
    Checkout(CheckoutArgs),
    /// Prices a cart file from the device cache (synced first when the
    /// central answers) and prints the receipt's fields, without paying.
    Price(PriceArgs),
    /// Reads and writes QRIS payloads.
    #[command(subcommand)]
    Qris(QrisCommand),
    /// Staff who approve age-restricted sales.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The locker bank: a simulated one, and the status, unlocking and
    /// commissioning of a real or simulated one.
    #[command(subcommand)]
    Locker(cli::locker::LockerCommand),
    /// Runs one locker pickup without a screen (the pickup QR or the typed
    /// code, payment of an unpaid order, the door) and prints the order as
    /// JSON.
    Pickup(cli::pickup::PickupArgs),
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Reads a PIN (4 to 8 digits) from standard input and prints its
    /// argon2id hash (a PHC string) for the staff file's pin_hash column.
    HashPin,
}

#[derive(Subcommand)]
enum QrisCommand {
    /// Prints a payload (merchant- or customer-presented) as JSON with its
    /// errors and warnings; exits 0 when it can be paid, 1 when not.
    Parse {
        /// The payload, or `-` to read it from standard input.
        payload: String,
    },
    /// Prints the dynamic code of one sale made from a merchant's payload.
    Dynamic {
        /// The payload, or `-` to read it from standard input.
        payload: String,
        /// The amount in whole rupiah (tag 54), 1 to 10000000 (the most one
        /// QRIS payment may be).
        #[arg(long, value_name = "RUPIAH",
              value_parser = clap::value_parser!(i64).range(1..=QRIS_MAX))]
        amount: i64,
        /// A fixed convenience fee in rupiah (tags 55 = 02 and 56).
        #[arg(long, value_name = "RUPIAH", conflicts_with = "fee_percent",
              value_parser = clap::value_parser!(i64).range(1..))]
        fee_fixed: Option<i64>,
        /// A percentage convenience fee, 0.01 to 99.99 (tags 55 = 03 and
        /// 57).
        #[arg(long, value_name = "P")]
        fee_percent: Option<swalayan::domain::qris::Percent>,
        /// The bill number (tag 62, sub 01), 1 to 25 characters.
        #[arg(long, value_name = "REFERENCE", value_parser = bill_number)]
        bill: Option<String>,
    },
}

#[derive(Args, Default)]
struct KioskArgs {
    /// The central API to use instead of the in-process reference central.
    #[arg(long, value_name = "URL")]
    central: Option<String>,
    /// Where the device keeps its database (default: the user's data
    /// directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The camera to read codes from (V4L2 index).
    #[arg(long, value_name = "N", conflicts_with = "frames")]
    camera: Option<u32>,
    /// Reads frames from the images in a folder, cycling, instead of a
    /// camera (demos and tests).
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Seconds without a touch before a visit returns to the welcome screen,
    /// warned for the last 20 (a shorter timeout is taken as 20).
    #[arg(long, value_name = "SECONDS", default_value_t = 90)]
    idle_timeout: u64,
    /// Renders every screen to PNG files in DIR (welcome, scanning,
    /// payment and its other states, done) with the software renderer,
    /// then exits.
    #[arg(long, value_name = "DIR")]
    screenshot: Option<PathBuf>,
    /// Hides the demo button that simulates a payment (on by default only
    /// with the in-process central).
    #[arg(long)]
    no_demo: bool,
    /// The touchscreen's active area in millimetres (default: 286.08x178.8,
    /// the 13.3-inch Innolux N133IGE-L41); sets the smallest touch target
    /// (9 mm) and large text (6.1 mm).
    #[arg(long, value_name = "WIDTHxHEIGHT")]
    panel_mm: Option<Size<f32>>,
    /// The touchscreen's resolution in pixels (default: 1280x800).
    #[arg(long, value_name = "WIDTHxHEIGHT")]
    panel_px: Option<Size<u32>>,
    /// The serial port of the locker bank where customers collect their
    /// orders (without it, the welcome screen says lockers are not
    /// available).
    #[arg(long, value_name = "PATH", requires_all = ["board", "store"])]
    locker: Option<String>,
    /// The locker bank's board family: kerong (KR-CU) or 8a (8A/80 boards).
    #[arg(long, value_name = "FAMILY", requires = "locker")]
    board: Option<swalayan::locker::Family>,
    /// Boards on the locker bank's bus.
    #[arg(long, value_name = "N", default_value_t = 1)]
    boards: u8,
    /// The store whose orders the lockers hold (its id on the central,
    /// e.g. KMG).
    #[arg(long, value_name = "STORE", requires = "locker")]
    store: Option<String>,
    /// The compartments set aside for returned goods, e.g. 7,8: the
    /// welcome screen gets "Return items", and a return opens the first of
    /// them that is shut and empty. Without it the kiosk takes no returns.
    #[arg(long, value_name = "N,N", value_delimiter = ',', requires = "locker")]
    return_compartments: Vec<u16>,
    /// How big the compartments are, e.g. S:1-8,M:9-14,L:15-16 (S < M <
    /// L; a compartment not named is S): a loading takes the smallest free
    /// one that fits the order's size.
    #[arg(long, value_name = "SIZE:N-N,...", requires = "locker")]
    sizes: Option<String>,
}

#[derive(Args)]
struct CentralArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The central database (created if missing); in memory if omitted.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The catalog CSV (header with barcode,name,price); the demo catalog
    /// if omitted.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// The directory of the pictures the catalog's image column names
    /// (png, jpg, jpeg or webp, at most 512 KiB each); the demo pictures if
    /// omitted.
    #[arg(long, value_name = "DIR")]
    images: Option<PathBuf>,
    /// Seconds a shopper has to pay a QRIS code.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    payment_ttl: u64,
    /// The payment gateway: the simulator in memory, or DOKU (configured
    /// from the DOKU_* environment variables).
    #[arg(long, value_enum, default_value_t = GatewayKind::Simulator)]
    gateway: GatewayKind,
    /// Seconds between the central's queries of the gateway about payments
    /// it may still take money for (missed notifications are recovered).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    gateway_poll: u64,
    /// Seconds a payment paid after it ended (cancelled on the device,
    /// expired) waits for a sale before it is refunded automatically.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    late_refund_grace: u64,
    /// Seconds a cart handed from one channel to another (web, app, kiosk)
    /// stays open, and its hand-off code valid.
    #[arg(long, value_name = "SECONDS", default_value_t = 24 * 3600)]
    cart_ttl: u64,
    /// The stores CSV (store_id,name,city,latitude,longitude); the demo
    /// stores at the first start if omitted.
    #[arg(long, value_name = "FILE")]
    stores: Option<PathBuf>,
    /// The stock CSV (store_id,barcode,qty), setting the counts it lists;
    /// the demo stock with the demo stores if omitted.
    #[arg(long, value_name = "FILE")]
    stock: Option<PathBuf>,
    /// The store this central's kiosks stand in (default: the first store).
    #[arg(long, value_name = "ID")]
    store: Option<String>,
    /// The loyalty members CSV (member_id,name,phone,tier,points,birthday);
    /// the demo members if omitted.
    #[arg(long, value_name = "FILE")]
    members: Option<PathBuf>,
    /// Seconds a member code (the QR in the member's app) stays valid.
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    member_code_ttl: u64,
    /// The promotions file (TOML, see the README); the demo promotions if
    /// omitted.
    #[arg(long, value_name = "FILE.toml")]
    promotions: Option<PathBuf>,
    /// The staff CSV (staff_id,name,pin_hash) whose PINs approve
    /// age-restricted sales; the demo staff if omitted.
    #[arg(long, value_name = "FILE.csv")]
    staff: Option<PathBuf>,
    /// The store's variable-measure layouts (TOML, see the README); the
    /// demo layouts (assets/variable-measure.toml) if omitted.
    #[arg(long, value_name = "FILE.toml")]
    variable_measure: Option<PathBuf>,
    /// The return rules (TOML, see the README); assets/returns.toml if
    /// omitted.
    #[arg(long, value_name = "FILE.toml")]
    returns: Option<PathBuf>,
    /// Whole days an order waits in its locker when its channel gives no
    /// deadline.
    #[arg(long, value_name = "DAYS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=30))]
    pickup_days: u32,
    /// What happens to a paid order that expired, when staff take it out:
    /// `full` refunds it, `hold` keeps the money for staff to decide.
    #[arg(long, value_enum, default_value_t = ExpiredRefund::Full)]
    expired_refund: ExpiredRefund,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExpiredRefund {
    Full,
    Hold,
}

#[derive(Args)]
struct PriceArgs {
    /// The central API to sync from, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    central: String,
    /// The cart: `{"lines":[{"barcode":"...","qty":2}], "member": {...},
    /// "vouchers": [...], "at": "RFC 3339"}`.
    #[arg(long, value_name = "FILE.json")]
    cart: PathBuf,
    /// Where the device keeps its database (default: the user's data
    /// directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum GatewayKind {
    Simulator,
    Doku,
}

#[derive(Args)]
struct CheckoutArgs {
    /// The central API, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    central: String,
    /// Photos of the products, one product per photo; the same photo twice
    /// is a quantity of two. Needed unless --cart or --code gives the items.
    #[arg(long, value_name = "FILE", num_args = 1..,
          required_unless_present_any = ["cart", "code"])]
    scan: Vec<PathBuf>,
    /// A code as typed on the keypad or read by a USB scanner: a barcode,
    /// a weighed item's label (prefix 20 to 29) or a produce PLU. Repeat
    /// for several; with --scan, the cart takes them in the order given.
    #[arg(long, value_name = "TEXT")]
    code: Vec<String>,
    /// The loyalty member: the code their app shows (SWM1...) or their
    /// phone number. Member prices apply and the sale earns points.
    #[arg(long, value_name = "TOKEN-OR-PHONE")]
    member: Option<String>,
    /// A cart handed over from the web or the app (its SWC1... code); the
    /// scanned photos add to it.
    #[arg(long, value_name = "HANDOFF-CODE")]
    cart: Option<String>,
    /// A voucher code; repeat for several. One that is unknown or does not
    /// apply stops the checkout before any payment.
    #[arg(long, value_name = "CODE")]
    voucher: Vec<String>,
    /// Points of the member to pay part of the total with (1 point = Rp 1;
    /// at least Rp 1 is left for QRIS).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "member")]
    redeem_points: u64,
    /// The PIN of a member of staff approving the age-restricted items
    /// (buyer 21 or older); without it such an item stops the checkout
    /// before payment. The environment variable keeps it off the command
    /// line.
    #[arg(long, value_name = "PIN", env = "SWALAYAN_STAFF_PIN", hide_env_values = true)]
    staff_pin: Option<String>,
    /// How to pay; `simulated` has the gateway simulator pay.
    #[arg(long, value_enum)]
    pay: cli::PayMode,
    /// Where the device keeps its database (default: the user's data
    /// directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

/// The most one QRIS payment may be, in rupiah.
const QRIS_MAX: i64 = swalayan::domain::Rupiah::QRIS_MAX.0;

/// A bill number as tag 62 sub 01 holds it: 1 to 25 characters.
fn bill_number(s: &str) -> Result<String, String> {
    match s.chars().count() {
        1..=25 => Ok(s.to_owned()),
        n => Err(format!("{n} characters; a bill number is 1 to 25")),
    }
}

/// The photos and typed codes of `swalayan checkout` in the order the
/// command line gives them, which is the order of the cart.
fn cart_inputs(args: &mut CheckoutArgs, matches: Option<&ArgMatches>) -> Vec<cli::CartInput> {
    let at = |name: &str| -> Vec<usize> {
        matches.and_then(|m| m.indices_of(name)).map(Iterator::collect).unwrap_or_default()
    };
    let scans = std::mem::take(&mut args.scan).into_iter().map(cli::CartInput::Scan);
    let codes = std::mem::take(&mut args.code).into_iter().map(cli::CartInput::Code);
    let mut inputs: Vec<(usize, cli::CartInput)> =
        at("scan").into_iter().zip(scans).chain(at("code").into_iter().zip(codes)).collect();
    inputs.sort_by_key(|(i, _)| *i);
    inputs.into_iter().map(|(_, input)| input).collect()
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let command = cli.command.unwrap_or(Command::Kiosk(KioskArgs::default_args()));
    let quiet = matches!(
        command,
        Command::Decode { .. }
            | Command::Checkout(_)
            | Command::Price(_)
            | Command::Qris(_)
            | Command::Staff(_)
            | Command::Pickup(_)
            | Command::Locker(cli::locker::LockerCommand::Load(_))
    );
    // The locker commands print every failure themselves.
    let level = match &command {
        _ if quiet => "warn",
        Command::Locker(_) => "error",
        _ => "info",
    };
    cli::init_logging(level);

    let result = match command {
        Command::Kiosk(KioskArgs { screenshot: Some(dir), frames, .. }) => {
            swalayan::kiosk::screenshots(&dir, frames.as_deref()).map(|files| {
                for f in files {
                    eprintln!("wrote {}", f.display());
                }
                ExitCode::SUCCESS
            })
        }
        Command::Kiosk(a) => panel(a.panel_mm, a.panel_px)
            .and_then(|panel| {
                let pickup = match (&a.locker, a.board, &a.store) {
                    (Some(port), Some(family), Some(store)) => {
                        let mut bank = swalayan::locker::BankConfig::new(port, family, a.boards)
                            .map_err(|e| anyhow::anyhow!("--board, --boards: {e}"))?;
                        let count = bank.layout.compartments();
                        if let Some(text) = &a.sizes {
                            bank.sizes = swalayan::locker::Sizes::parse(text, count)
                                .map_err(|e| anyhow::anyhow!("--sizes: {e}"))?;
                        }
                        if let Some(n) =
                            a.return_compartments.iter().find(|n| **n == 0 || **n > count)
                        {
                            anyhow::bail!(
                                "--return-compartments: no compartment {n}: this bank has 1 to \
                                 {count} (--boards sets its size)"
                            );
                        }
                        let mut pickup = swalayan::kiosk::PickupOptions::new(bank, store);
                        pickup.returns = a.return_compartments.clone();
                        Some(pickup)
                    }
                    _ => None,
                };
                let opts = swalayan::kiosk::KioskOptions {
                    central: a.central,
                    data_dir: a.data_dir,
                    camera: a.camera,
                    frames: a.frames,
                    idle_timeout: Duration::from_secs(a.idle_timeout),
                    demo: !a.no_demo,
                    pickup,
                };
                swalayan::kiosk::run(opts, panel)
            })
            .map(|()| ExitCode::SUCCESS),
        Command::Central(a) => cli::central(
            swalayan::central::server::Config {
                db: a.db,
                catalog: a.catalog,
                images: a.images,
                payment_ttl: Duration::from_secs(a.payment_ttl),
                gateway: match a.gateway {
                    GatewayKind::Simulator => swalayan::central::server::GatewayChoice::Simulator,
                    GatewayKind::Doku => swalayan::central::server::GatewayChoice::Doku,
                },
                poll_interval: Duration::from_secs(a.gateway_poll),
                late_refund_grace: Duration::from_secs(a.late_refund_grace),
                cart_ttl: Duration::from_secs(a.cart_ttl),
                stores: a.stores,
                stock: a.stock,
                store: a.store,
                members: a.members,
                member_code_ttl: Duration::from_secs(a.member_code_ttl),
                promotions: a.promotions,
                staff: a.staff,
                variable_measure: a.variable_measure,
                returns: a.returns,
                pickup_days: a.pickup_days,
                expired_refund: match a.expired_refund {
                    ExpiredRefund::Full => swalayan::domain::order::ExpiryRefund::Full,
                    ExpiredRefund::Hold => swalayan::domain::order::ExpiryRefund::Hold,
                },
                ..Default::default()
            },
            a.listen,
        ),
        Command::Decode { files } => cli::decode(&files),
        Command::Checkout(mut a) => cli::checkout(cli::CheckoutOptions {
            items: cart_inputs(&mut a, matches.subcommand_matches("checkout")),
            central: a.central,
            pay: a.pay,
            data_dir: a.data_dir,
            member: a.member,
            cart: a.cart,
            vouchers: a.voucher,
            redeem_points: a.redeem_points,
            staff_pin: a.staff_pin,
        }),
        Command::Price(a) => cli::price(cli::price::PriceOptions {
            central: a.central,
            cart: a.cart,
            data_dir: a.data_dir,
        }),
        Command::Staff(StaffCommand::HashPin) => cli::hash_pin(),
        Command::Locker(command) => cli::locker::run(command),
        Command::Pickup(args) => cli::pickup::pickup(args),
        Command::Qris(QrisCommand::Parse { payload }) => cli::qris::parse(&payload),
        Command::Qris(QrisCommand::Dynamic { payload, amount, fee_fixed, fee_percent, bill }) => {
            cli::qris::dynamic(cli::qris::DynamicOptions {
                payload,
                amount,
                fee_fixed,
                fee_percent,
                bill,
            })
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("swalayan: {}", error_chain(&e));
            // A checkout whose payment may have been made is not a refusal.
            if e.downcast_ref::<cli::Unsettled>().is_some() {
                ExitCode::from(4)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes, like `{:#}`, but without a cause whose text
/// the message before it already holds: several errors print their source
/// inside their own message.
fn error_chain(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// The panel of `--panel-mm` and `--panel-px`, each defaulting to the
/// default panel's.
fn panel(mm: Option<Size<f32>>, px: Option<Size<u32>>) -> anyhow::Result<Panel> {
    let d = Panel::DEFAULT;
    let mm = mm.unwrap_or(Size(d.width_mm, d.height_mm));
    let px = px.unwrap_or(Size(d.width_px, d.height_px));
    Panel::new(mm, px).map_err(|e| anyhow::anyhow!("--panel-mm, --panel-px: {e}"))
}

impl KioskArgs {
    fn default_args() -> KioskArgs {
        KioskArgs { idle_timeout: 90, boards: 1, ..Default::default() }
    }
}
