//! The gate as actix middleware: refused requests are answered here; admitted ones carry their [`Caller`]
//! downstream and get the rate-limit fields on the way back. Written by hand rather than with `from_fn`, which
//! boxes two futures per request: this runs on every request, cache hits included.
//!
//! [`Caller`]: super::Caller

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderMap;
use actix_web::{Error, HttpMessage};

use super::gate::{Admission, Gate};
use super::headers;
use super::limiter::Decision;
use crate::shortcut::{Finish, Shortcut};

/// Admitted answers carry the caller's rate-limit fields (open paths have none).
impl Finish for Option<Decision> {
    fn finish(self, fields: &mut HeaderMap) {
        if let Some(decision) = self {
            headers::insert(fields, &decision);
        }
    }
}

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
    type Future = Shortcut<S::Future, Option<Decision>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let decision = match self.gate.admit(&request) {
            Admission::Open => None,
            Admission::Admitted(caller, decision) => {
                if self.gate.records_callers() {
                    request.extensions_mut().insert(caller);
                }
                Some(decision)
            }
            Admission::Refused(error, decision) => {
                let mut response = request.error_response(error);
                if let Some(decision) = &decision {
                    headers::insert(response.headers_mut(), decision);
                }
                return Shortcut::answered(response);
            }
        };
        Shortcut::passed(self.service.call(request), decision)
    }
}
