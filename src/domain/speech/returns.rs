//! What the return screens say.

use super::{Prompt, Spoken, Value};
use crate::domain::visit::{Refund, ReturnProblem, ReturnStage};

/// The words of a return's screen, then its problem.
pub(super) fn prompts(stage: &ReturnStage) -> Vec<Spoken> {
    use Prompt as P;
    use ReturnStage as S;
    let problem = |p: &ReturnProblem| {
        Spoken::new(match p {
            ReturnProblem::BadQr => P::ReturnBadQr,
            ReturnProblem::NotFound => P::ReturnNotFound,
            ReturnProblem::NotCollected => P::ReturnNotCollected,
            ReturnProblem::Unreachable => P::ReturnUnreachable,
            ReturnProblem::NoAnswer => P::ReturnNoAnswer,
            ReturnProblem::NoCompartment => P::ReturnNoCompartment,
            ReturnProblem::AlreadyBack => P::ReturnAlreadyBack,
            ReturnProblem::TooLate => P::ReturnTooLate,
            ReturnProblem::Refused => P::ReturnRefused,
        })
    };
    let refunded = |prompt, r: &Refund| Spoken { prompt, values: vec![Value::Money(r.amount)] };
    match stage {
        S::Scanning { problem: p } => {
            let mut out: Vec<Spoken> = p.iter().map(problem).collect();
            out.push(Spoken::new(P::ReturnScan));
            out
        }
        S::Looking => vec![Spoken::new(P::ReturnLooking)],
        S::Picking { .. } => vec![Spoken::new(P::ReturnPicking)],
        S::Confirming { choice, problem: p, .. } => {
            let mut out: Vec<Spoken> = p.iter().map(problem).collect();
            out.push(Spoken {
                prompt: P::ReturnConfirm,
                values: vec![
                    Value::Text(choice.items().to_string()),
                    Value::Money(choice.refund()),
                ],
            });
            out
        }
        S::Posting { .. } => vec![Spoken::new(P::ReturnPosting)],
        S::Opening { compartment, .. } | S::Open { compartment, left_open: false, .. } => {
            vec![Spoken::with(P::ReturnOpen, &[&compartment.to_string()])]
        }
        S::Open { compartment, .. } => {
            vec![Spoken::with(P::ReturnLeftOpen, &[&compartment.to_string()])]
        }
        S::Stowed { refund, .. } => vec![refunded(P::ReturnStowed, refund)],
        // The same words for every way it went wrong: staff help.
        S::NotStowed { refund, .. } => vec![refunded(P::ReturnNotStowed, refund)],
    }
}

/// The two texts of a return's prompt; empty for any other prompt, which
/// the speech table's test would catch.
pub(super) fn texts(prompt: Prompt) -> (&'static str, &'static str) {
    use Prompt as P;
    match prompt {
        P::ReturnScan => (
            "Pindai kode QR struk elektronik atau pesanan Anda di bawah pemindai.",
            "Scan the QR code of your e-receipt or of your order under the scanner.",
        ),
        P::ReturnLooking => ("Mencari pembelian Anda.", "Looking up your purchase."),
        P::ReturnPicking => (
            "Pilih barang yang dikembalikan, alasannya, dan ke mana dana dikembalikan. Lalu tekan Lanjut.",
            "Pick the items you bring back, the reason, and where the refund goes. Then press Continue.",
        ),
        P::ReturnConfirm => (
            "Mengembalikan {} barang, dana kembali {}. Tekan Konfirmasi.",
            "Returning {} item(s), refunding {}. Press Confirm.",
        ),
        P::ReturnPosting => ("Memproses pengembalian dana.", "Making your refund."),
        P::ReturnOpen => (
            "Loker {} terbuka. Masukkan barang dan tutup pintunya.",
            "Compartment {} is open. Put the items in and close the door.",
        ),
        P::ReturnLeftOpen => (
            "Pintu loker {} masih terbuka. Silakan tutup.",
            "The door of compartment {} is still open. Please close it.",
        ),
        P::ReturnStowed => (
            "Terima kasih! Dana {} telah dikembalikan. Petugas akan memeriksa barangnya.",
            "Thank you! {} was refunded. Staff will check the items.",
        ),
        P::ReturnNotStowed => (
            "Dana {} telah dikembalikan, tetapi barang belum masuk loker. Silakan hubungi petugas.",
            "{} was refunded, but the items are not in the compartment. Please ask staff.",
        ),
        P::ReturnBadQr => (
            "Kode QR ini bukan struk atau pesanan kami.",
            "This QR code is not a receipt or an order of ours.",
        ),
        P::ReturnNotFound => (
            "Tidak ada pembelian dengan kode ini. Silakan hubungi petugas.",
            "No purchase has this code here. Please ask staff.",
        ),
        P::ReturnNotCollected => (
            "Pesanan ini belum diambil, jadi belum bisa dikembalikan.",
            "This order has not been collected yet, so it cannot come back.",
        ),
        P::ReturnUnreachable => (
            "Pengembalian memerlukan sistem toko, yang saat ini tidak dapat dihubungi. Tidak ada yang diubah.",
            "Returns need the store's system, which cannot be reached now. Nothing was changed.",
        ),
        P::ReturnNoAnswer => (
            "Sistem toko tidak menjawab. Tekan Konfirmasi lagi; dana tidak akan dikembalikan dua kali.",
            "The store's system did not answer. Press Confirm again; a refund is never made twice.",
        ),
        P::ReturnNoCompartment => (
            "Tidak ada loker pengembalian yang kosong. Tidak ada yang diubah. Silakan hubungi petugas.",
            "No return compartment is free. Nothing was changed. Please ask staff.",
        ),
        P::ReturnAlreadyBack => (
            "Sebagian barang ini sudah dikembalikan. Pindai struk lagi untuk melihat sisanya.",
            "Some of these items were returned already. Scan the receipt again to see what is left.",
        ),
        P::ReturnTooLate => (
            "Batas hari pengembalian pembelian ini sudah lewat. Silakan hubungi petugas.",
            "The days for returning this purchase have passed. Please ask staff.",
        ),
        P::ReturnRefused => (
            "Sistem toko tidak dapat menerima pengembalian ini. Silakan hubungi petugas.",
            "The store's system cannot take this return. Please ask staff.",
        ),
        _ => ("", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rupiah;
    use crate::domain::speech::Language;
    use crate::domain::visit::RefundTo;

    #[test]
    fn the_end_of_a_return_says_the_refund() {
        let refund = Refund {
            return_id: "RET-1".into(),
            amount: Rupiah(49_347),
            to: RefundTo::Qris,
            points: Rupiah::ZERO,
        };
        let said = prompts(&ReturnStage::Stowed { refund, compartment: 7 });
        assert_eq!(
            said[0].text(Language::En),
            "Thank you! 49,347 rupiah was refunded. Staff will check the items."
        );
        let down = prompts(&ReturnStage::Scanning { problem: Some(ReturnProblem::Unreachable) });
        assert!(down[0].text(Language::Id).contains("Tidak ada yang diubah"));
    }
}
