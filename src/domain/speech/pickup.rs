//! What the pickup screens say: the code to scan or type, the open door,
//! the thanks, and why a code did not open.

use super::{Prompt, Spoken};
use crate::domain::visit::{PickupProblem, PickupStage};

/// The words of a pickup's screen, its problem first. Paying for an order
/// speaks as the payment screen does, elsewhere.
pub(super) fn prompts(stage: &PickupStage) -> Vec<Spoken> {
    use PickupStage as S;
    use Prompt as P;
    match stage {
        S::Entering { problem, .. } => {
            let mut out: Vec<Spoken> = problem.iter().map(problem_prompt).collect();
            out.push(Spoken::new(P::PickupEntering));
            out
        }
        S::Checking => vec![Spoken::new(P::PickupChecking)],
        S::Paying { .. } => vec![],
        S::Opening { compartment, .. } | S::Open { compartment, left_open: false, .. } => {
            vec![Spoken::with(P::PickupOpen, &[&compartment.to_string()])]
        }
        S::Open { compartment, .. } => {
            vec![Spoken::with(P::PickupLeftOpen, &[&compartment.to_string()])]
        }
        S::Collected { .. } => vec![Spoken::new(P::PickupCollected)],
    }
}

fn problem_prompt(problem: &PickupProblem) -> Spoken {
    use PickupProblem as W;
    use Prompt as P;
    match problem {
        W::Unknown => Spoken::new(P::PickupUnknown),
        W::Collected => Spoken::new(P::PickupAlreadyCollected),
        W::WrongDigits { left } => Spoken::with(P::PickupWrongDigits, &[&left.to_string()]),
        W::Locked { wait } => Spoken::with(P::PickupLocked, &[wait]),
        W::UnpaidOffline => Spoken::new(P::PickupUnpaidOffline),
        W::PaymentCancelled => Spoken::new(P::PickupPaymentCancelled),
        W::Expired => Spoken::new(P::PickupExpired),
        W::BadQr => Spoken::new(P::PickupBadQr),
        W::DoorNotOpened { compartment } => {
            Spoken::with(P::PickupDoorNotOpened, &[&compartment.to_string()])
        }
        W::NotTaken { compartment } => Spoken::with(P::PickupNotTaken, &[&compartment.to_string()]),
        W::Unavailable => Spoken::new(P::PickupUnavailable),
    }
}

/// The two texts of a pickup's prompt; empty for any other prompt, which
/// the speech table's test would catch.
pub(super) fn texts(prompt: Prompt) -> (&'static str, &'static str) {
    use Prompt as P;
    match prompt {
        P::PickupEntering => (
            "Pindai kode QR pengambilan dari pesan Anda, atau ketik kode 6 angka lalu 4 angka terakhir nomor HP Anda, lalu tekan Buka.",
            "Scan the pickup QR code from your message, or type the 6-digit code and then the last 4 digits of your phone, then press Open.",
        ),
        P::PickupChecking => ("Memeriksa kode Anda.", "Checking your code."),
        P::PickupOpen => (
            "Loker {} terbuka. Ambil pesanan Anda, lalu tutup pintunya.",
            "Compartment {} is open. Take your order, then close the door.",
        ),
        P::PickupLeftOpen => (
            "Pintu loker {} masih terbuka. Mohon tutup pintunya.",
            "The door of compartment {} is still open. Please close it.",
        ),
        P::PickupCollected => {
            ("Terima kasih. Pesanan Anda sudah diambil.", "Thank you. Your order is collected.")
        }
        P::PickupUnknown => (
            "Tidak ada pesanan dengan kode ini di loker ini. Periksa kodenya, atau hubungi petugas.",
            "No order in these lockers has this code. Check the code, or ask staff.",
        ),
        P::PickupAlreadyCollected => {
            ("Pesanan ini sudah diambil.", "This order was collected already.")
        }
        P::PickupWrongDigits => (
            "Kode atau angka HP salah. Tersisa {} kali percobaan.",
            "The code or the phone digits are wrong. {} tries left.",
        ),
        P::PickupLocked => (
            "Terlalu banyak percobaan salah. Coba lagi dalam {}, atau pindai kode QR.",
            "Too many wrong tries. Try again in {}, or scan the QR code.",
        ),
        P::PickupExpired => (
            "Batas waktu pengambilan pesanan ini sudah lewat. Silakan hubungi petugas.",
            "This order is past its pickup deadline. Please ask staff.",
        ),
        P::PickupBadQr => (
            "Kode QR ini bukan kode pengambilan kami. Pindai kode QR dari pesan Anda.",
            "This QR code is not one of our pickup codes. Scan the QR code from your message.",
        ),
        P::PickupDoorNotOpened => (
            "Loker {} tidak dibuka dan sudah terkunci lagi. Kode Anda masih berlaku.",
            "Compartment {} was not opened and is locked again. Your code is still valid.",
        ),
        P::PickupNotTaken => (
            "Loker {} ditutup dengan pesanan masih di dalam. Kode Anda masih berlaku.",
            "Compartment {} was closed with the order still inside. Your code is still valid.",
        ),
        P::PickupUnavailable => (
            "Loker tidak dapat dibuka sekarang. Silakan hubungi petugas.",
            "The lockers cannot be opened now. Please ask staff.",
        ),
        _ => ("", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::speech::Language;

    #[test]
    fn a_wrong_code_says_the_tries_left_and_then_what_to_do() {
        let stage = PickupStage::Entering {
            code: String::new(),
            phone: String::new(),
            problem: Some(PickupProblem::WrongDigits { left: 3 }),
        };
        let said = prompts(&stage);
        assert_eq!(said.len(), 2);
        assert_eq!(
            said[0].text(Language::En),
            "The code or the phone digits are wrong. 3 tries left."
        );
        assert_eq!(
            said[0].text(Language::Id),
            "Kode atau angka HP salah. Tersisa 3 kali percobaan."
        );
        assert_eq!(said[1].prompt, Prompt::PickupEntering);
    }

    #[test]
    fn the_door_names_its_compartment_and_a_door_left_open_asks_to_close_it() {
        let open =
            |left_open| PickupStage::Open { order_id: "ORD-1".into(), compartment: 4, left_open };
        assert_eq!(
            prompts(&open(false))[0].text(Language::En),
            "Compartment 4 is open. Take your order, then close the door."
        );
        assert_eq!(
            prompts(&open(true))[0].text(Language::Id),
            "Pintu loker 4 masih terbuka. Mohon tutup pintunya."
        );
        let locked = PickupStage::Entering {
            code: String::new(),
            phone: String::new(),
            problem: Some(PickupProblem::Locked { wait: "4 min 30 s".into() }),
        };
        assert_eq!(
            prompts(&locked)[0].text(Language::En),
            "Too many wrong tries. Try again in 4 min 30 s, or scan the QR code."
        );
    }
}
