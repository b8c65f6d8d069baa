//! The device identifies a member: a code is checked offline with the
//! central's cached key, a phone number needs the central, and no phone
//! number reaches the device database or the logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use swalayan::central::client::Client;
use swalayan::checkout::{Checked, Device, IdentifyError};
use swalayan::domain::loyalty::Tier;
use swalayan::tokens::TokenError;

const MEMBERS: &str = "member_id,name,phone,tier,points,birthday
L1,Wulan Sari,0812-0000-0101,gold,1000,1991-03-05
";

/// Everything logged in this test binary, at every level.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The forms of L1's number a leak could take.
const PHONE_FORMS: [&str; 4] = ["6281200000101", "81200000101", "0812-0000-0101", "812 0000 0101"];

fn leaks(bytes: &[u8]) -> Vec<&'static str> {
    PHONE_FORMS
        .into_iter()
        .filter(|form| bytes.windows(form.len()).any(|w| w == form.as_bytes()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_is_identified_online_and_offline_and_their_phone_stays_off_the_device() {
    let logs = Logs::default();
    let sink = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();

    let dir = tempfile::tempdir().unwrap();
    let members = dir.path().join("members.csv");
    std::fs::write(&members, MEMBERS).unwrap();
    let config = swalayan::central::server::Config {
        db: Some(dir.path().join("central.db")),
        members: Some(members),
        ..Default::default()
    };
    let central =
        swalayan::central::server::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = Client::new(&central.url()).unwrap();
    let data = dir.path().join("device");
    let device = Device::open(&data, client.clone()).unwrap();
    device.sync_catalog().await.unwrap();

    // Online: by phone, in the form a shopper types it, and by code.
    let m = device.identify_member("0812-0000-0101").await.unwrap();
    assert_eq!((m.id.as_str(), m.tier, m.checked), ("L1", Tier::Gold, Checked::Online));
    assert_eq!((m.name.as_deref(), m.points), (Some("Wulan Sari"), Some(1000)));
    let code = client.member_code("L1").await.unwrap().code;
    let m = device.identify_member(&code).await.unwrap();
    assert_eq!((m.id.as_str(), m.checked, m.points), ("L1", Checked::Online, Some(1000)));

    // The central goes away: the code is still checked with the cached
    // key, a phone number cannot be looked up, a forged code is refused.
    central.stop().await;
    let m = device.identify_member(&code).await.unwrap();
    assert_eq!((m.id.as_str(), m.tier, m.checked), ("L1", Tier::Gold, Checked::Offline));
    assert_eq!((m.name, m.points), (None, None));
    let e = device.identify_member("+62 812 0000 0101").await.unwrap_err();
    assert!(matches!(e, IdentifyError::NeedsCentral), "{e}");
    let i = "SWM1.".len() + 4;
    let mut forged = code.into_bytes();
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let e = device.identify_member(std::str::from_utf8(&forged).unwrap()).await.unwrap_err();
    assert!(matches!(e, IdentifyError::Code(TokenError::BadSignature(_))), "{e}");
    // A code whose case was changed on the way (a scanner set to lower
    // case) is refused as a code, not taken for a phone number.
    let lowered = std::str::from_utf8(&forged).unwrap().to_ascii_lowercase();
    let e = device.identify_member(&lowered).await.unwrap_err();
    assert!(matches!(e, IdentifyError::Code(TokenError::Malformed(..))), "{e}");
    assert!(e.to_string().contains("changed case"), "{e}");
    let e = device.identify_member("not a phone").await.unwrap_err();
    assert!(matches!(e, IdentifyError::Phone(_)), "{e}");
    drop(device);

    // Nothing of the number in the database files (WAL included) or logs.
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        files += 1;
        assert_eq!(leaks(&bytes), Vec::<&str>::new(), "{}", path.display());
    }
    assert!(files >= 1);
    let logged = logs.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&logged);
    assert!(text.contains("member identified"), "the capture works: {text}");
    assert_eq!(leaks(&logged), Vec::<&str>::new(), "{text}");
    // The leak check itself finds a number where there is one.
    assert_eq!(leaks(b"x 6281200000101 y"), ["6281200000101", "81200000101"]);
}
