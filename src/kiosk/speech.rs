//! The kiosk's voice: a [`Speaker`] trait, espeak-ng behind it, and a
//! recording fake for tests.

use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::{debug, warn};

use crate::domain::speech::{Language, Volume};

/// Something that says text aloud. Calls return at once; the speech goes
/// on in the background until it ends, is stopped, or the next text cuts
/// it off.
pub trait Speaker: Send + Sync {
    /// Returns true if and only if this speaker can make a sound at all.
    fn available(&self) -> bool;
    /// Says `text` in `language` at `volume`, cutting off what it was saying.
    fn say(&self, text: &str, language: Language, volume: Volume);
    /// Stops what is being said, if anything.
    fn stop(&self);
}

/// The name of espeak-ng's program.
const ESPEAK: &str = "espeak-ng";

/// espeak-ng, one process per utterance: `espeak-ng -v id -a 100 -- TEXT`.
///
/// Without espeak-ng installed it says nothing, logs that once, and
/// reports itself unavailable, so the screens say speech is unavailable.
pub struct Espeak {
    program: String,
    available: AtomicBool,
    /// The utterance being said. A std mutex: held only to spawn or kill a
    /// process, never across an await.
    current: Mutex<Option<Child>>,
}

impl Espeak {
    /// espeak-ng from `PATH`, if it runs.
    pub fn detect() -> Espeak {
        Espeak::with_program(ESPEAK)
    }

    /// The speaker that runs `program` as espeak-ng; a missing one makes an
    /// unavailable speaker (tests use a name that does not exist).
    pub fn with_program(program: &str) -> Espeak {
        let runs = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !runs {
            warn!(program, "espeak-ng not found; spoken guidance unavailable");
        }
        Espeak {
            program: program.to_owned(),
            available: AtomicBool::new(runs),
            current: None.into(),
        }
    }

    fn stop_locked(current: &mut Option<Child>) {
        if let Some(mut child) = current.take() {
            // Already finished is fine: the kill then fails and the wait
            // reaps it.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Speaker for Espeak {
    fn available(&self) -> bool {
        self.available.load(Ordering::Relaxed)
    }

    fn say(&self, text: &str, language: Language, volume: Volume) {
        if !self.available() {
            return;
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        Espeak::stop_locked(&mut current);
        // espeak-ng's amplitude is 0 to 200, 100 its normal loudness: the
        // volume's percent.
        let spawned = Command::new(&self.program)
            .args(["-v", language.code(), "-a", &volume.percent().to_string(), "--", text])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(child) => {
                debug!(language = language.code(), volume = volume.percent(), "speaking");
                *current = Some(child);
            }
            // Removed while the kiosk runs: said once, then quiet.
            Err(e) => {
                if self.available.swap(false, Ordering::Relaxed) {
                    warn!(error = %e, "espeak-ng cannot be started; spoken guidance unavailable");
                }
            }
        }
    }

    fn stop(&self) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        Espeak::stop_locked(&mut current);
    }
}

impl Drop for Espeak {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a [`Recorder`] was asked to do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    Said { text: String, language: Language, volume: Volume },
    Stopped,
}

/// A speaker for tests: it keeps what it is asked to say.
#[derive(Default)]
pub struct Recorder {
    heard: Mutex<Vec<Heard>>,
    unavailable: bool,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// A recorder that behaves like a kiosk without espeak-ng.
    pub fn unavailable() -> Recorder {
        Recorder { unavailable: true, ..Recorder::default() }
    }

    /// Everything heard so far.
    pub fn heard(&self) -> Vec<Heard> {
        self.heard.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The texts said so far, in order.
    pub fn said(&self) -> Vec<String> {
        self.heard()
            .into_iter()
            .filter_map(|h| match h {
                Heard::Said { text, .. } => Some(text),
                Heard::Stopped => None,
            })
            .collect()
    }

    fn push(&self, h: Heard) {
        self.heard.lock().unwrap_or_else(|p| p.into_inner()).push(h);
    }
}

impl Speaker for Recorder {
    fn available(&self) -> bool {
        !self.unavailable
    }

    fn say(&self, text: &str, language: Language, volume: Volume) {
        if !self.unavailable {
            self.push(Heard::Said { text: text.to_owned(), language, volume });
        }
    }

    fn stop(&self) {
        self.push(Heard::Stopped);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_missing_espeak_is_unavailable_and_says_nothing() {
        let s = Espeak::with_program("espeak-ng-that-is-not-installed");
        assert!(!s.available());
        s.say("Halo", Language::Id, Volume::DEFAULT);
        s.stop();
        assert!(s.current.lock().unwrap().is_none());
    }

    /// A stand-in for espeak-ng that records its arguments and then talks
    /// for a long time, so that `stop` has something to kill.
    fn fake_espeak(dir: &std::path::Path) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("espeak-ng");
        let log = dir.join("args");
        let script = format!(
            "#!/bin/sh\n[ \"$1\" = --version ] && exit 0\necho \"$@\" >> {}\nexec sleep 30\n",
            log.display()
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn espeak_gets_the_voice_the_volume_and_the_text_and_stop_kills_it() {
        let dir = tempfile::tempdir().unwrap();
        let program = fake_espeak(dir.path());
        let s = Espeak::with_program(program.to_str().unwrap());
        assert!(s.available());
        let args = dir.path().join("args");
        let ran = |times: usize| {
            let start = Instant::now();
            while std::fs::read_to_string(&args).unwrap_or_default().lines().count() < times {
                assert!(start.elapsed() < Duration::from_secs(10), "espeak-ng never ran");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        s.say("Selamat datang", Language::Id, Volume::DEFAULT.louder());
        ran(1);
        // The next text cuts the first off.
        s.say("-a 0 is text", Language::En, Volume::DEFAULT);
        ran(2);
        assert_eq!(
            std::fs::read_to_string(&args).unwrap(),
            "-v id -a 125 -- Selamat datang\n-v en -a 100 -- -a 0 is text\n"
        );
        let pid = s.current.lock().unwrap().as_ref().unwrap().id();
        s.stop();
        assert!(s.current.lock().unwrap().is_none());
        // The process is gone (killed and reaped), not left talking.
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
}
