//! The click-and-collect story through the built binary: staff load an
//! order with `swalayan locker load`, the customer collects it with
//! `swalayan pickup`, against a central on port 0 and a simulated Kerong
//! bank on a pseudo-terminal in this process.
//!
//! The test plays the people at the locker through the simulator (a door
//! opened by its spring, goods put in or taken out, the door shut); the
//! expected states come from what it did, the central's `GET
//! /v1/orders/{id}` and the simulator's own count of unlock frames.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::click::{self, POPOK, on_hand, order};
use serde_json::{Value, json};
use swalayan::central::api::{NewOrder, OrderView, PaidElsewhere};
use swalayan::central::client::Client;
use swalayan::central::server::{Config, Running};
use swalayan::domain::Rupiah;
use swalayan::domain::order::OrderState;
use swalayan::locker::sim::{SimBank, SimConfig};
use swalayan::locker::{DoorState, Family};

use crate::common;

/// The PIN of the test's member of staff, S001.
const PIN: &str = "4321";

/// One story: its files, a central, the simulated bank and the kiosk's
/// data directory.
struct Story {
    dir: tempfile::TempDir,
    sim: SimBank,
    central: Option<Running>,
    client: Client,
}

fn config(dir: &Path) -> Config {
    let staff = dir.join("staff.csv");
    let hash = swalayan::staff::hash_pin(PIN).unwrap();
    std::fs::write(&staff, format!("staff_id,name,pin_hash\nS001,Rina Wulandari,{hash}\n"))
        .unwrap();
    Config { staff: Some(staff), ..click::config(dir) }
}

impl Story {
    async fn start() -> Story {
        let dir = tempfile::tempdir().unwrap();
        let (central, client) = common::start(config(dir.path())).await;
        let sim = SimBank::start(SimConfig::new(Family::Kerong, 1, 16).unwrap()).unwrap();
        Story { dir, sim, central: Some(central), client }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("kiosk")
    }

    fn url(&self) -> String {
        self.client.base_url().trim_end_matches('/').to_owned()
    }

    /// Stops the central (its database stays).
    async fn central_down(&mut self) {
        self.central.take().expect("the central runs").stop().await;
    }

    /// Starts the central again on its database, on a new port.
    async fn central_up(&mut self) {
        let (central, client) = common::start(config(self.dir.path())).await;
        self.central = Some(central);
        self.client = client;
    }

    /// Places `order` (paid on its channel when `paid`), returning its id.
    async fn place(&self, mut order: NewOrder, paid: bool) -> String {
        if paid {
            order.paid = Some(PaidElsewhere {
                amount: swalayan::domain::Rupiah(50_000),
                reference: "APP-1".into(),
                payment_id: None,
            });
        }
        let key = format!("order-{}", uuid::Uuid::new_v4().simple());
        self.client.place_order(&order, &key).await.unwrap().id
    }

    async fn order(&self, id: &str) -> OrderView {
        self.client.order(id).await.unwrap()
    }

    /// `swalayan ARGS... --locker PATH --board kerong --data-dir DIR`,
    /// started.
    fn spawn(&self, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_swalayan"))
            .args(args)
            .args(["--locker", self.sim.path(), "--board", "kerong", "--timeout-ms", "3000"])
            .arg("--data-dir")
            .arg(self.data())
            .args(["--every-ms", "20"])
            .env_remove("SWALAYAN_STAFF_PIN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the swalayan binary starts")
    }

    /// `swalayan locker load` of `id` by S001, with the staff member putting
    /// the parcel in and shutting the door once it opens; returns the JSON
    /// printed.
    fn load(&self, id: &str, compartment: u16) -> Value {
        self.load_with(id, compartment, &[])
    }

    /// As [`Story::load`], with more arguments of `swalayan locker load`.
    fn load_with(&self, id: &str, compartment: u16, more: &[&str]) -> Value {
        let before = self.sim.unlocks_received(compartment);
        let child = self.spawn_load(id, more);
        self.wait_unlock(compartment, before + 1);
        self.sim.put(compartment);
        self.sim.close_door(compartment);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `swalayan locker load` of `id` by S001 with MORE..., started.
    fn spawn_load(&self, id: &str, more: &[&str]) -> Child {
        let url = self.url();
        let load = ["locker", "load", "--central", &url, "--order", id, "--staff-pin", PIN];
        self.spawn(&[&load[..], more].concat())
    }

    /// `swalayan pickup --central URL --code CODE MORE...`, started.
    fn spawn_pickup(&self, code: &str, more: &[&str]) -> Child {
        let url = self.url();
        let args = [&["pickup", "--central", url.as_str(), "--code", code][..], more].concat();
        self.spawn(&args)
    }

    /// A pickup in which the customer takes the parcel and shuts the door.
    fn collect(&self, code: &str, compartment: u16, more: &[&str]) -> Output {
        let before = self.sim.unlocks_received(compartment);
        let child = self.spawn_pickup(code, more);
        self.wait_unlock(compartment, before + 1);
        self.sim.take(compartment);
        self.sim.close_door(compartment);
        child.wait_with_output().unwrap()
    }

    /// A pickup that ends before any unlock (a refusal).
    fn refused(&self, code: &str, more: &[&str]) -> Output {
        let out = self.spawn_pickup(code, more).wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        out
    }

    /// Waits (at most 20 s) until the bank got `count` unlocks of `n`.
    fn wait_unlock(&self, n: u16, count: usize) {
        for _ in 0..2000 {
            if self.sim.unlocks_received(n) >= count {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("compartment {n} got no unlock {count}");
    }

    fn device_id(&self) -> String {
        let store = swalayan::store::Store::open(&self.data().join("device.db")).unwrap();
        store.device_id().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_of(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn collects(view: &OrderView) -> Vec<&swalayan::central::api::OrderEvent> {
    view.history.iter().filter(|e| e.step == "collect").collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_loaded_by_staff_collected_by_its_code_and_refused_after() {
    let story = Story::start().await;
    let id = story.place(order(&[(POPOK, 1)]), true).await;

    // A wrong PIN opens nothing.
    let url = story.url();
    let wrong = story
        .spawn(&["locker", "load", "--central", &url, "--order", &id, "--staff-pin", "1111"])
        .wait_with_output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong.stderr).contains("the staff PIN is wrong"), "{}", text(&wrong.stderr));
    assert!((1..=16).all(|n| story.sim.unlocks_received(n) == 0));

    // Every compartment is shut and empty and none holds an order: the
    // first, 1, is picked.
    let loaded = story.load(&id, 1);
    let view = story.order(&id).await;
    let code = view.pickup.clone().expect("a loaded order has its codes");
    assert_eq!(
        loaded,
        json!({"order_id": id, "compartment": 1, "status": "loaded",
               "pickup_code": code.code, "pickup_token": code.token})
    );
    assert_eq!(view.status, OrderState::Loaded);
    assert_eq!(view.compartment, Some(1));
    let load = view.history.last().unwrap();
    assert_eq!(load.step, "load");
    assert_eq!(load.device.as_deref(), Some(story.device_id().as_str()));
    assert!(load.cause.contains("by staff S001"), "{}", load.cause);
    assert_eq!(story.sim.unlocks_received(1), 1);

    // The customer types the code and the last 4 digits of 0812-0000-0001.
    let out = story.collect(&code.code, 1, &["--phone-last4", "0001"]);
    assert_eq!(json_of(&out), json!({"order_id": id, "compartment": 1, "status": "collected"}));
    let view = story.order(&id).await;
    assert_eq!(view.status, OrderState::Collected);
    assert_eq!(collects(&view).len(), 1);
    // Kemang had 5 Popok; one went out with the order.
    assert_eq!(on_hand(&story.client, POPOK).await, 4);
    assert_eq!(story.sim.compartment(1).door, DoorState::Closed);

    // The QR of the same order afterwards: refused, no unlock sent.
    let out = story.refused(&code.token, &[]);
    assert!(text(&out.stderr).contains("no door was opened"), "{}", text(&out.stderr));
    assert_eq!(story.sim.unlocks_received(1), 2);
    assert_eq!(collects(&story.order(&id).await).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_central_down_a_pickup_opens_once_and_is_reconciled_when_it_returns() {
    let mut story = Story::start().await;
    let id = story.place(order(&[(POPOK, 1)]), true).await;
    let token = story.load(&id, 1)["pickup_token"].as_str().unwrap().to_owned();
    story.central_down().await;

    // Checked with the kept key and manifest; the collect waits.
    let out = story.collect(&token, 1, &[]);
    assert_eq!(json_of(&out), json!({"order_id": id, "compartment": 1, "status": "collected"}));
    assert!(text(&out.stderr).contains("outbox"), "{}", text(&out.stderr));
    // Once: the same QR again opens nothing.
    let out = story.refused(&token, &[]);
    assert!(text(&out.stderr).contains("opened already"), "{}", text(&out.stderr));
    assert_eq!(story.sim.unlocks_received(1), 2);

    // The central returns; the next run delivers the collect first, and
    // the central then refuses the code itself.
    story.central_up().await;
    assert_eq!(story.order(&id).await.status, OrderState::Loaded);
    story.refused(&token, &[]);
    let view = story.order(&id).await;
    assert_eq!(view.status, OrderState::Collected);
    let done = collects(&view);
    assert_eq!(done.len(), 1);
    assert!(done[0].cause.contains("opened with no central"), "{}", done[0].cause);
    assert_eq!(done[0].device.as_deref(), Some(story.device_id().as_str()));
    story.refused(&token, &[]);
    assert_eq!(collects(&story.order(&id).await).len(), 1);
    assert_eq!(story.sim.unlocks_received(1), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_door_left_open_is_warned_about_and_the_pickup_ends_when_it_shuts() {
    let story = Story::start().await;
    let id = story.place(order(&[(POPOK, 1)]), true).await;
    let token = story.load(&id, 1)["pickup_token"].as_str().unwrap().to_owned();

    let mut child = story.spawn_pickup(&token, &["--left-open-s", "1"]);
    story.wait_unlock(1, 2);
    story.sim.take(1);
    // The door stays open until the warning is heard.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let warning = loop {
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("a warning on stderr");
        if line.contains("warning") {
            break line;
        }
    };
    assert!(warning.contains("door of compartment 1 has been open for 1 s"), "{warning}");
    assert_eq!(story.order(&id).await.status, OrderState::Loaded);
    story.sim.close_door(1);
    let out = child.wait_with_output().unwrap();
    assert_eq!(json_of(&out), json!({"order_id": id, "compartment": 1, "status": "collected"}));
    assert_eq!(story.order(&id).await.status, OrderState::Collected);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unpaid_order_is_refused_unpaid_and_paid_by_the_simulator() {
    let story = Story::start().await;
    let id = story.place(order(&[(POPOK, 1)]), false).await;
    let token = story.load(&id, 1)["pickup_token"].as_str().unwrap().to_owned();

    let out = story.refused(&token, &[]);
    let said = text(&out.stderr);
    assert!(said.contains(&format!("order {id} is unpaid")), "{said}");
    assert!(said.contains("--pay simulated"), "{said}");
    assert_eq!(story.sim.unlocks_received(1), 1);
    assert!(!story.order(&id).await.paid);

    // An earlier run's payment, cancelled before it was paid, under the
    // key a run used to take for every run of this order and device: a
    // new run pays afresh rather than finding the cancelled one again.
    let earlier = format!("pickup-{}-{id}", story.device_id());
    let dead = story.client.pay_order(&id, Rupiah(50_000), &earlier).await.unwrap();
    story.client.cancel_payment(&dead.id).await.unwrap();

    let out = story.collect(&token, 1, &["--pay", "simulated"]);
    assert_eq!(json_of(&out), json!({"order_id": id, "compartment": 1, "status": "collected"}));
    let view = story.order(&id).await;
    assert_eq!(view.status, OrderState::Collected);
    assert!(view.paid);
    let payment = view.payment.expect("the order's payment");
    // One Popok M 34 at its list price, Rp 50.000.
    assert_eq!((payment.by.as_str(), payment.amount.0), ("qris", 50_000));
    assert_ne!(payment.payment_id.as_deref(), Some(dead.id.as_str()), "not the cancelled payment");
    assert_eq!(story.sim.unlocks_received(1), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_door_not_opened_in_time_leaves_the_code_valid() {
    let story = Story::start().await;
    let id = story.place(order(&[(POPOK, 1)]), true).await;
    let token = story.load(&id, 1)["pickup_token"].as_str().unwrap().to_owned();

    // The lock does not let go: the door stays shut past the limit.
    story.sim.stick(1, true);
    let out = story.spawn_pickup(&token, &["--door-timeout-s", "1"]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("the pickup code stays valid"), "{}", text(&out.stderr));
    assert_eq!(story.sim.unlocks_received(1), 2);
    assert_eq!(story.order(&id).await.status, OrderState::Loaded);

    story.sim.stick(1, false);
    let out = story.collect(&token, 1, &[]);
    assert_eq!(json_of(&out)["status"], "collected");
    assert_eq!(story.sim.unlocks_received(1), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_killed_with_the_door_open_records_the_pickup_exactly_once() {
    let story = Story::start().await;
    let id = story.place(order(&[(POPOK, 1)]), true).await;
    let token = story.load(&id, 1)["pickup_token"].as_str().unwrap().to_owned();

    let mut child = story.spawn_pickup(&token, &[]);
    story.wait_unlock(1, 2);
    // The door is open; the kiosk dies (SIGKILL) before any confirmation.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(story.sim.compartment(1).door, DoorState::Open);
    assert_eq!(story.order(&id).await.status, OrderState::Loaded);
    // The customer takes the parcel and shuts the door meanwhile.
    story.sim.take(1);
    story.sim.close_door(1);

    // The next run finds its opening, reads the compartment shut and
    // empty and confirms it; the same QR opens nothing again.
    let out = story.refused(&token, &[]);
    assert!(text(&out.stderr).contains("no door was opened"), "{}", text(&out.stderr));
    let view = story.order(&id).await;
    assert_eq!(view.status, OrderState::Collected);
    assert_eq!(collects(&view).len(), 1);
    assert_eq!(story.sim.unlocks_received(1), 2);
    story.refused(&token, &[]);
    assert_eq!(collects(&story.order(&id).await).len(), 1);
    assert_eq!(on_hand(&story.client, POPOK).await, 4);
}

/// A bank of 16 in three sizes: eight small, six medium, two large.
const SIZES: &str = "S:1-8,M:9-14,L:15-16";

#[tokio::test(flavor = "multi_thread")]
async fn a_large_order_goes_to_the_first_large_compartment_and_one_too_many_is_refused() {
    let story = Story::start().await;
    let large = || NewOrder { size: Some("L".into()), ..order(&[(POPOK, 1)]) };
    let (first, second, third) = (
        story.place(large(), true).await,
        story.place(large(), true).await,
        story.place(large(), true).await,
    );
    let sizes = ["--sizes", SIZES];

    // Every compartment is free: the first large one, 15, opens.
    assert_eq!(story.load_with(&first, 15, &sizes)["compartment"], 15);
    assert_eq!(story.order(&first).await.compartment, Some(15));
    // 15 holds the first order (and its parcel): the next is 16.
    assert_eq!(story.load_with(&second, 16, &sizes)["compartment"], 16);
    assert!((1..=14).all(|n| story.sim.unlocks_received(n) == 0));

    // Both large ones are taken: staff are told what is free, and nothing
    // opens.
    let out = story.spawn_load(&third, &sizes).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = "no free compartment is big enough for this size L order (free now: S 1-8; M 9-14)";
    assert!(text(&out.stderr).contains(said), "{}", text(&out.stderr));
    assert!((1..=14).all(|n| story.sim.unlocks_received(n) == 0));
    assert_eq!(story.order(&third).await.status, OrderState::Placed);

    // A bad --sizes is bad usage, naming the part.
    let out = story.spawn_load(&third, &["--sizes", "S:1-8,L:15-17"]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = r#"--sizes: "L:15-17": compartment 17 is not in this bank (1 to 16)"#;
    assert!(text(&out.stderr).contains(said), "{}", text(&out.stderr));
}
