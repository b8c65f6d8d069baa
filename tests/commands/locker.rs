//! The serial locker driver against the simulated bank on a pseudo-terminal,
//! and `swalayan locker sim/status/open/check` as the real binary.
//!
//! Expected states come from what the test did to the simulated bank (its
//! doors, items and faults), never from the driver's own reading; expected
//! checksums are worked out by hand in the comments.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use swalayan::domain::locker::{FrameError, Layout};
use swalayan::locker::poll::{DoorEvent, DoorLimits, Poller, unlock_and_watch};
use swalayan::locker::sim::{SimBank, SimConfig};
use swalayan::locker::{
    self, BankConfig, Compartment, DoorState, Family, LockerBank, LockerError, Occupancy, Polarity,
    SerialBank,
};

/// Long enough for a loaded machine; only lost replies wait it out.
const TIMEOUT: Duration = Duration::from_secs(1);

fn sim(family: Family, boards: u8) -> SimBank {
    SimBank::start(SimConfig::new(family, boards, family.default_locks()).unwrap()).unwrap()
}

fn bank_on(sim: &SimBank, polarity: Polarity) -> SerialBank {
    let config = BankConfig {
        port: sim.path().to_owned(),
        layout: sim.layout(),
        polarity,
        timeout: TIMEOUT,
        sizes: Default::default(),
    };
    locker::open(&config).unwrap()
}

fn bank(sim: &SimBank) -> SerialBank {
    bank_on(sim, Polarity::NORMAL)
}

fn c(number: u16, door: DoorState, occupancy: Option<Occupancy>) -> Compartment {
    Compartment { number, door, occupancy }
}

#[test]
fn status_reads_every_door_and_sensor_of_two_boards() {
    let sim = sim(Family::Kerong, 2);
    sim.put(3);
    sim.open_door(20);
    let all = bank(&sim).status().unwrap();
    assert_eq!(all.len(), 32);
    for got in &all {
        let want = match got.number {
            3 => c(3, DoorState::Closed, Some(Occupancy::Occupied)),
            20 => c(20, DoorState::Open, Some(Occupancy::Empty)),
            n => c(n, DoorState::Closed, Some(Occupancy::Empty)),
        };
        assert_eq!(*got, want);
    }
}

#[test]
fn unlock_opens_the_door_and_is_sent_once() {
    let sim = sim(Family::Kerong, 1);
    let mut bank = bank(&sim);
    assert_eq!(bank.unlock(5).unwrap(), DoorState::Open);
    assert_eq!(sim.compartment(5).door, DoorState::Open);
    assert_eq!(sim.unlocks_received(5), 1);
    assert_eq!(bank.status().unwrap()[4].door, DoorState::Open);
    assert_eq!(bank.status().unwrap()[3].door, DoorState::Closed);
}

#[test]
fn unlock_is_not_sent_again_when_its_reply_is_lost() {
    let sim = sim(Family::Kerong, 1);
    let mut bank = bank(&sim);
    sim.drop_next_reply();
    let before = sim.frames_received();
    let e = bank.unlock(7).unwrap_err();
    assert!(matches!(e, LockerError::NoReply { .. }), "{e}");
    assert!(e.to_string().starts_with("no reply to the unlock of compartment 7"), "{e}");
    assert_eq!(sim.frames_received(), before + 1);
    assert_eq!(sim.unlocks_received(7), 1);
    // The door did open: the status, safe to ask, tells.
    assert_eq!(bank.status().unwrap()[6].door, DoorState::Open);
    assert_eq!(sim.unlocks_received(7), 1);
}

#[test]
fn a_late_reply_is_discarded_and_the_next_request_gets_its_own() {
    let sim = sim(Family::Kerong, 1);
    let mut bank = bank(&sim);
    // The board answers the first status late, when door 2 was still shut.
    sim.hold_next_reply();
    assert!(matches!(bank.status(), Err(LockerError::NoReply { .. })));
    sim.open_door(2);
    sim.release_held().unwrap();
    let all = bank.status().unwrap();
    assert_eq!(all[1].door, DoorState::Open);
}

#[test]
fn a_late_reply_from_another_board_arriving_first_is_skipped() {
    let sim = sim(Family::Kerong, 2);
    let mut bank = bank(&sim);
    // Board 0's status reply is held back: every door there shut.
    sim.hold_next_reply();
    assert!(matches!(bank.status(), Err(LockerError::NoReply { .. })));
    // It comes just before board 1's reply to the unlock of compartment
    // 17 (its lock 1). Read as the answer, it would say lock 1 is shut.
    sim.release_held_before_next_reply();
    assert_eq!(bank.unlock(17).unwrap(), DoorState::Open);
    assert_eq!(sim.unlocks_received(17), 1);
    assert_eq!(sim.unlocks_received(1), 0);
}

#[test]
fn a_late_reply_to_another_command_is_skipped_on_8a_boards() {
    let sim = sim(Family::Dip8a, 1);
    let mut bank = bank(&sim);
    // A held query-all reply (80 ...) arrives before the unlock's (8A ...).
    sim.hold_next_reply();
    assert!(matches!(bank.status(), Err(LockerError::NoReply { .. })));
    sim.release_held_before_next_reply();
    assert_eq!(bank.unlock(4).unwrap(), DoorState::Open);
}

#[test]
fn a_bad_checksum_is_reported_naming_the_byte() {
    let sim = sim(Family::Kerong, 1);
    let mut bank = bank(&sim);
    sim.corrupt_next_checksum();
    // All 16 shut and empty: 02 00 35 FF FF 00 00 03, whose sum is
    // 2 + 53 + 255 + 255 + 3 = 568 = 0x238, so SUM 0x38; the simulator
    // flips its low bit to 0x39.
    let e = bank.status().unwrap_err();
    let LockerError::BadReply { source, frame, .. } = &e else { panic!("{e}") };
    assert_eq!(*source, FrameError::Checksum { offset: 8, expected: 0x38, got: 0x39 });
    assert_eq!(frame, "02 00 35 FF FF 00 00 03 39");
    assert!(e.to_string().contains("byte 8: checksum expected 0x38, got 0x39"), "{e}");
    assert!(e.is_unanswered());
    // The next reading is sound again.
    assert_eq!(bank.status().unwrap().len(), 16);
}

#[test]
fn inverted_polarity_is_flagged_at_commissioning_and_read_right_once_set() {
    let inverted: Polarity = "inverted".parse().unwrap();
    let layout = Layout::new(Family::Kerong, 1, 16).unwrap();
    let sim = SimBank::start(SimConfig { layout, wiring: inverted }).unwrap();
    sim.put(4);

    let mut wrong = bank(&sim);
    // Read as normal, a shut empty compartment looks open and occupied.
    assert_eq!(wrong.status().unwrap()[0], c(1, DoorState::Open, Some(Occupancy::Occupied)));
    let check = locker::commission(&mut wrong, 1).unwrap();
    assert!(!check.matches());
    assert_eq!(check.suggested, inverted);
    drop(wrong);

    let mut right = bank_on(&sim, inverted);
    assert!(locker::commission(&mut right, 1).unwrap().matches());
    let all = right.status().unwrap();
    assert_eq!(all[0], c(1, DoorState::Closed, Some(Occupancy::Empty)));
    assert_eq!(all[3], c(4, DoorState::Closed, Some(Occupancy::Occupied)));
    assert_eq!(right.unlock(4).unwrap(), DoorState::Open);
}

#[test]
fn two_boards_are_addressed_separately() {
    let sim = sim(Family::Kerong, 2);
    let mut bank = bank(&sim);
    assert_eq!(bank.unlock(16).unwrap(), DoorState::Open);
    assert_eq!(bank.unlock(17).unwrap(), DoorState::Open);
    for n in 1..=32 {
        let expected = u16::from(n == 16 || n == 17);
        assert_eq!(sim.unlocks_received(n), usize::from(expected), "compartment {n}");
    }
    let open: Vec<u16> = bank
        .status()
        .unwrap()
        .iter()
        .filter(|c| c.door == DoorState::Open)
        .map(|c| c.number)
        .collect();
    assert_eq!(open, [16, 17]);
    // One compartment is read from its own board alone.
    let before = sim.frames_received();
    assert_eq!(bank.compartment(17).unwrap(), c(17, DoorState::Open, Some(Occupancy::Empty)));
    assert_eq!(sim.frames_received(), before + 1);
}

#[test]
fn eight_a_boards_read_doors_without_sensors() {
    let sim = sim(Family::Dip8a, 2);
    let mut bank = bank(&sim);
    sim.open_door(2);
    assert_eq!(bank.unlock(30).unwrap(), DoorState::Open);
    let all = bank.status().unwrap();
    assert_eq!(all.len(), 48);
    assert_eq!(all[1], c(2, DoorState::Open, None));
    assert_eq!(all[29], c(30, DoorState::Open, None));
    assert_eq!(all.iter().filter(|c| c.door == DoorState::Open).count(), 2);
}

#[test]
fn a_refused_unlock_reports_the_door_still_shut() {
    let sim = sim(Family::Dip8a, 1);
    sim.stick(9, true);
    assert_eq!(bank(&sim).unlock(9).unwrap(), DoorState::Closed);
    assert_eq!(sim.unlocks_received(9), 1);
}

#[test]
fn a_board_missing_from_the_bus_does_not_answer() {
    let sim = sim(Family::Kerong, 1);
    let config = BankConfig {
        port: sim.path().to_owned(),
        layout: Layout::new(Family::Kerong, 2, 16).unwrap(),
        polarity: Polarity::NORMAL,
        timeout: TIMEOUT,
        sizes: Default::default(),
    };
    let mut bank = locker::open(&config).unwrap();
    let e = bank.status().unwrap_err();
    assert!(e.to_string().starts_with("no reply to the status of board 1"), "{e}");
    let e = bank.unlock(33).unwrap_err();
    assert!(
        e.to_string().starts_with("no compartment 33: this bank has 1 to 32 (give --boards"),
        "{e}"
    );
}

#[test]
fn the_poller_reports_doors_and_sensors_that_changed() {
    let sim = sim(Family::Kerong, 1);
    let mut bank = bank(&sim);
    let mut poller = Poller::new();
    assert_eq!(poller.poll(&mut bank).unwrap(), []);
    sim.open_door(6);
    sim.put(6);
    sim.put(8);
    use swalayan::locker::poll::Change::*;
    assert_eq!(poller.poll(&mut bank).unwrap(), [DoorOpened(6), Filled(6), Filled(8)]);
    sim.close_door(6);
    sim.take(8);
    assert_eq!(poller.poll(&mut bank).unwrap(), [DoorClosed(6), Emptied(8)]);
    assert_eq!(poller.poll(&mut bank).unwrap(), []);
}

/// Waits (at most 10 s) until `sim` shows compartment `n`'s door open.
fn wait_for_open(sim: &SimBank, n: u16) {
    for _ in 0..1000 {
        if sim.compartment(n).door == DoorState::Open {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("compartment {n} never opened");
}

#[test]
fn a_pickup_is_watched_from_unlock_to_closed_and_empty() {
    let sim = sim(Family::Kerong, 1);
    sim.put(9);
    let mut bank = bank(&sim);
    let limits =
        DoorLimits { open_within: Duration::from_secs(20), close_within: Duration::from_secs(60) };
    let mut events = Vec::new();
    let last = std::thread::scope(|s| {
        // The customer: takes the parcel once the door opens, and shuts it.
        s.spawn(|| {
            wait_for_open(&sim, 9);
            sim.take(9);
            std::thread::sleep(Duration::from_millis(100));
            sim.close_door(9);
        });
        unlock_and_watch(&mut bank, 9, limits, Duration::from_millis(20), |e| events.push(e))
    })
    .unwrap();
    assert_eq!(last, DoorEvent::Closed { occupancy: Some(Occupancy::Empty) });
    assert_eq!(events.first(), Some(&DoorEvent::Opened));
    assert_eq!(sim.unlocks_received(9), 1);
}

#[test]
fn a_door_not_opened_in_time_ends_the_watch() {
    let sim = sim(Family::Kerong, 1);
    sim.put(10);
    sim.stick(10, true);
    let mut bank = bank(&sim);
    let limits = DoorLimits {
        open_within: Duration::from_millis(200),
        close_within: Duration::from_secs(60),
    };
    let last = unlock_and_watch(&mut bank, 10, limits, Duration::from_millis(20), |_| {}).unwrap();
    assert_eq!(last, DoorEvent::NotOpened);
    assert_eq!(sim.compartment(10).door, DoorState::Closed);
}

// The command line, as the built binary.

fn swalayan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the swalayan binary runs")
}

/// `swalayan locker sim`, killed when dropped.
struct SimProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    path: String,
}

impl SimProcess {
    fn start(args: &[&str]) -> SimProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_swalayan"))
            .args(["locker", "sim"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the swalayan binary starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut path = String::new();
        stdout.read_line(&mut path).unwrap();
        let path = path.trim_end().to_owned();
        SimProcess { child, stdin, stdout, path }
    }

    /// Types one command and returns the line the simulator answers.
    fn type_line(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        answer.trim_end().to_owned()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn locker_commands_run_against_the_simulator() {
    let mut sim = SimProcess::start(&["--board", "kerong", "--boards", "2"]);
    assert!(sim.path.starts_with("/dev/"), "{}", sim.path);
    let path = sim.path.clone();
    let bank =
        ["--port", path.as_str(), "--board", "kerong", "--boards", "2", "--timeout-ms", "3000"];
    let with =
        |more: &[&str]| -> Vec<String> { bank.iter().chain(more).map(|s| s.to_string()).collect() };
    let run = |cmd: &str, more: &[&str]| {
        let mut args = vec!["locker".to_owned(), cmd.to_owned()];
        args.extend(with(more));
        swalayan(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let out = run("status", &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["compartments"].as_array().unwrap();
    assert_eq!(rows.len(), 32);
    assert!(rows.iter().all(|r| r["door"] == "closed" && r["sensor"] == "empty"));
    // Compartment 17 is lock 1 of the second board (address 1).
    assert_eq!(rows[16]["board"], 1);
    assert_eq!(rows[16]["lock"], 1);

    let out = run("open", &["17"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"compartment": 17, "door": "open"}));

    assert_eq!(sim.type_line("put 3"), "3: door closed, occupied");
    assert_eq!(sim.type_line("open 30"), "30: door open, empty");
    assert!(sim.type_line("open 99").starts_with("error:"));
    let out = run("status", &[]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    let row = |n: &str| {
        table.lines().find(|l| l.split_whitespace().next() == Some(n)).unwrap().to_owned()
    };
    assert_eq!(
        row("3").split_whitespace().collect::<Vec<_>>(),
        ["3", "0", "3", "closed", "occupied"]
    );
    assert_eq!(row("17").split_whitespace().collect::<Vec<_>>(), ["17", "1", "1", "open", "empty"]);
    assert_eq!(
        row("30").split_whitespace().collect::<Vec<_>>(),
        ["30", "1", "14", "open", "empty"]
    );

    let out = run("check", &["1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("the polarity matches"));
    let out = run("check", &["1", "--polarity", "sensor-inverted"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("use --polarity normal"), "{}", text(&out.stdout));

    let out = run("open", &["33"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no compartment 33: this bank has 1 to 32"));
}

#[test]
fn locker_open_exits_3_when_no_board_answers_and_2_on_bad_usage() {
    let sim = SimProcess::start(&["--board", "8a"]);
    // A third board that is not on the bus: compartment 49 is its lock 1.
    let args = ["locker", "open", "--port", &sim.path, "--board", "8a", "--boards", "3"];
    let out = swalayan(&[&args[..], &["--timeout-ms", "200", "49"]].concat());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no reply to the unlock of compartment 49"));

    let out = swalayan(&["locker", "open", "--port", &sim.path, "--board", "lego", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let out = swalayan(&[
        "locker", "open", "--port", &sim.path, "--board", "kerong", "--boards", "17", "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("go past address 15"), "{}", text(&out.stderr));
}

#[test]
fn locker_watch_prints_each_change_as_it_happens() {
    let mut sim = SimProcess::start(&["--board", "kerong"]);
    let mut watch = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(["locker", "watch", "--port", &sim.path, "--board", "kerong", "--every-ms", "20"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Changes count from the first reading, which it announces.
    let mut ready = String::new();
    BufReader::new(watch.stderr.take().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready.trim_end(), "watching compartments 1 to 16 every 20 ms");
    let (lines, got) = std::sync::mpsc::channel();
    let stdout = BufReader::new(watch.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let next = || got.recv_timeout(Duration::from_secs(20)).expect("a change line");

    assert_eq!(sim.type_line("open 3"), "3: door open, empty");
    assert_eq!(next(), r#"{"change":"door_opened","compartment":3}"#);
    assert_eq!(sim.type_line("put 3"), "3: door open, occupied");
    assert_eq!(next(), r#"{"change":"filled","compartment":3}"#);
    assert_eq!(sim.type_line("close 3"), "3: door closed, occupied");
    assert_eq!(next(), r#"{"change":"door_closed","compartment":3}"#);
    let _ = watch.kill();
    let _ = watch.wait();
}
