//! The gate as actix middleware: refused requests are answered here; admitted ones carry their [`Caller`]
//! downstream and get the rate-limit fields on the way back. Written by hand rather than with `from_fn`, which
//! boxes two futures per request: this runs on every request, cache hits included.
//!
//! [`Caller`]: super::Caller

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage};
use pin_project_lite::pin_project;

use super::gate::{Admission, Gate};
use super::headers;
use super::limiter::Decision;

/// The middleware factory: `App::new().wrap(GateLayer::new(gate))`.
pub struct GateLayer {
    gate: Arc<Gate>,
}

impl GateLayer {
    /// Applies `gate` (built once and shared by every worker).
    pub fn new(gate: Arc<Gate>) -> Self {
        Self { gate }
    }
}

impl<S, B> Transform<S, ServiceRequest> for GateLayer
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = GateService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GateService {
            gate: self.gate.clone(),
            service,
        }))
    }
}

/// The gate in front of one worker's services.
pub struct GateService<S> {
    gate: Arc<Gate>,
    service: S,
}

impl<S, B> Service<ServiceRequest> for GateService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = GateFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let decision = match self.gate.admit(&request) {
            Admission::Open => None,
            Admission::Admitted(caller, decision) => {
                if self.gate.records_callers() {
                    request.extensions_mut().insert(caller);
                }
                decision
            }
            Admission::Refused(error, decision) => {
                let mut response = request.error_response(error);
                if let Some(decision) = &decision {
                    headers::append(response.headers_mut(), decision);
                }
                return GateFuture::Refused {
                    response: Some(response),
                };
            }
        };
        GateFuture::Passed {
            inner: self.service.call(request),
            decision,
        }
    }
}

pin_project! {
    /// A refusal answered by the gate, or an admitted request on its way through.
    #[project = GateFutureProjection]
    pub enum GateFuture<F> {
        /// Refused here.
        Refused { response: Option<ServiceResponse<BoxBody>> },
        /// Passed on; admitted answers get the caller's rate-limit fields (open paths have none).
        Passed { #[pin] inner: F, decision: Option<Decision> },
    }
}

impl<F, B> Future for GateFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GateFutureProjection::Refused { response } => {
                let response = response.take().expect("polled after completion");
                Poll::Ready(Ok(response.map_into_right_body()))
            }
            GateFutureProjection::Passed { inner, decision } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                if let Some(decision) = decision.take() {
                    headers::append(response.headers_mut(), &decision);
                }
                Poll::Ready(Ok(response.map_into_left_body()))
            }
        }
    }
}
