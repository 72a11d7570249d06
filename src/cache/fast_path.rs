//! The fast path: a request whose exact target was answered from a fresh cache entry before is answered
//! again from that entry, ahead of routing, query validation and key normalisation. It sits inside the
//! caller gate, so authentication, rate limits, CORS and the access log apply as on every other answer.

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::Error;

use super::respond::{respond, wants_revalidation};
use super::status::Served;
use super::ResponseCache;
use crate::shortcut::Shortcut;

/// The middleware factory: `App::new().wrap(FastPath::new(cache))`, inside the gate.
pub struct FastPath {
    cache: Arc<ResponseCache>,
}

impl FastPath {
    /// Answers repeated requests from `cache` (the one the routes use).
    pub fn new(cache: Arc<ResponseCache>) -> Self {
        Self { cache }
    }
}

impl<S, B> Transform<S, ServiceRequest> for FastPath
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = FastPathService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(FastPathService {
            cache: self.cache.clone(),
            service,
        }))
    }
}

/// [`FastPath`] in front of one worker's routes.
pub struct FastPathService<S> {
    cache: Arc<ResponseCache>,
    service: S,
}

impl<S, B> Service<ServiceRequest> for FastPathService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = Shortcut<S::Future, ()>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // A caller's no-cache must reach the cache's revalidation, the full path.
        let hot = (request.method() == Method::GET && !wants_revalidation(request.request()))
            .then(|| self.cache.find_hot(request.path(), request.query_string()))
            .flatten();
        match hot {
            Some(hot) => {
                let answer = respond(request.request(), &hot.body, &Served::Hit, Some(&hot.entry));
                Shortcut::answered(request.into_response(answer))
            }
            None => Shortcut::passed(self.service.call(request), ()),
        }
    }
}
