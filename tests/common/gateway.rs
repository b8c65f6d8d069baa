//! A gateway for tests: the simulator behind switches that make it fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use async_trait::async_trait;
use axum::http::HeaderMap;
use swalayan::central::server::demo_merchant;
use swalayan::central::server::gateway::simulator::Simulator;
use swalayan::central::server::gateway::{
    CustomerCode, Gateway, GatewayError, GatewayPayment, GatewayState, Notification, QrIssued,
    QrRequest, RefundRequest,
};

/// The simulator behind switches; its name is `test`.
pub struct TestGateway {
    pub sim: Simulator,
    /// Every call answers `Unreachable`.
    pub down: AtomicBool,
    /// `cancel` answers `Unreachable`.
    pub cancel_down: AtomicBool,
    /// `refund` answers `Unreachable`.
    pub refund_down: AtomicBool,
    /// Every `create_qr` tried, failed or not.
    pub create_attempts: AtomicU32,
}

impl TestGateway {
    pub fn new() -> Arc<TestGateway> {
        Arc::new(TestGateway {
            sim: Simulator::new(demo_merchant()),
            down: AtomicBool::new(false),
            cancel_down: AtomicBool::new(false),
            refund_down: AtomicBool::new(false),
            create_attempts: AtomicU32::new(0),
        })
    }

    fn check(&self, what: &'static str, switch: &AtomicBool) -> Result<(), GatewayError> {
        if self.down.load(Ordering::SeqCst) || switch.load(Ordering::SeqCst) {
            return Err(GatewayError::Unreachable {
                gateway: "test",
                what,
                detail: "connection timed out".into(),
            });
        }
        Ok(())
    }
}

#[async_trait]
impl Gateway for TestGateway {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn create_qr(&self, req: &QrRequest) -> Result<QrIssued, GatewayError> {
        self.create_attempts.fetch_add(1, Ordering::SeqCst);
        self.check("a QR code", &AtomicBool::new(false))?;
        self.sim.create_qr(req).await
    }

    async fn query(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError> {
        self.check("a query", &AtomicBool::new(false))?;
        self.sim.query(p).await
    }

    async fn cancel(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError> {
        self.check("a cancel", &self.cancel_down)?;
        self.sim.cancel(p).await
    }

    async fn refund(&self, p: &GatewayPayment, r: &RefundRequest) -> Result<(), GatewayError> {
        self.check("a refund", &self.refund_down)?;
        self.sim.refund(p, r).await
    }

    async fn charge_customer_code(
        &self,
        p: &GatewayPayment,
        code: &CustomerCode,
    ) -> Result<GatewayState, GatewayError> {
        self.sim.charge_customer_code(p, code).await
    }

    /// Signed means the header `x-test-signature: good`.
    fn notification(
        &self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, GatewayError> {
        if headers.get("x-test-signature").is_none_or(|v| v != "good") {
            return Err(GatewayError::BadNotification("signature does not verify".into()));
        }
        self.sim.notification(path, headers, body)
    }
}
