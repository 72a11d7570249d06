//! The front door: a request whose exact target was answered from a fresh cache entry before is answered
//! again from that entry as it arrives, ahead of actix-web's `App` (its request objects, routing, query
//! validation, key normalisation and middleware layers). It applies the same caller gate first, and
//! counts and logs the answer as the access log does; everything else goes through the `App` untouched.
//! It sits above both the caller gate and the cache, composing them; neither knows of the other.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_http::{Request, Response};
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{AppConfig, Service, ServiceFactory, ServiceResponse};
use actix_web::http::Method;
use actix_web::{Error, ResponseError};
use futures_util::future::LocalBoxFuture;
use pin_project_lite::pin_project;

use crate::cache::asked::Asked;
use crate::cache::respond::{is_ready, respond};
use crate::cache::status::Served;
use crate::cache::ResponseCache;
use crate::callers::gate::{Admission, Gate};
use crate::callers::headers;
use crate::callers::Caller;
use crate::ops::access_log::observe_answer;

/// Wraps the `App`'s factory: `HttpServer::new(move || FrontDoor::new(App::new()...into_factory(), ..))`.
pub struct FrontDoor<F> {
    app: F,
    gate: Arc<Gate>,
    cache: Arc<ResponseCache>,
    cors: bool,
}

impl<F> FrontDoor<F> {
    /// Answers repeated targets from `cache` after `gate`; with `cors`, browser requests (with an `Origin`)
    /// go through the `App`, whose CORS layer answers them.
    pub fn new(app: F, gate: Arc<Gate>, cache: Arc<ResponseCache>, cors: bool) -> Self {
        Self {
            app,
            gate,
            cache,
            cors,
        }
    }
}

impl<F, B> ServiceFactory<Request> for FrontDoor<F>
where
    F: ServiceFactory<
        Request,
        Config = AppConfig,
        Response = ServiceResponse<B>,
        Error = Error,
        InitError = (),
    >,
    F::Future: 'static,
    B: MessageBody,
{
    type Response = Response<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Config = AppConfig;
    type Service = FrontDoorService<F::Service>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Service, ()>>;

    fn new_service(&self, config: AppConfig) -> Self::Future {
        let app = self.app.new_service(config);
        let (gate, cache, cors) = (self.gate.clone(), self.cache.clone(), self.cors);
        Box::pin(async move {
            Ok(FrontDoorService {
                app: app.await?,
                gate,
                cache,
                cors,
            })
        })
    }
}

/// The front door of one worker.
pub struct FrontDoorService<S> {
    app: S,
    gate: Arc<Gate>,
    cache: Arc<ResponseCache>,
    cors: bool,
}

impl<S> FrontDoorService<S> {
    /// The answer to a repeated target, when there is one: the hit, or the gate's refusal.
    fn answer(&self, request: &Request) -> Option<Response<BoxBody>> {
        let started = Instant::now();
        let head = request.head();
        if head.method != Method::GET {
            return None;
        }
        let asked = Asked::read(head.headers());
        if asked.revalidate || (self.cors && asked.origin) {
            return None;
        }
        let target = head.uri.path_and_query()?.as_str();
        let hot = self.cache.find_hot(target, started)?;
        // A large body's first compression for this coding runs off the worker, on the full path.
        if !is_ready(&asked, &hot.body) {
            return None;
        }
        let (mut answer, decision, caller) = match self.gate.admit(request) {
            Admission::Admitted(caller, decision) => {
                self.cache.count_hit(hot.class);
                let answer = respond(&asked, &hot.body, &Served::Hit, Some(&hot.entry), started);
                (answer, decision, Some(caller))
            }
            Admission::Refused(error, decision) => (error.error_response(), decision, None),
            // Open paths are never remembered; answer nothing rather than guess.
            Admission::Open => return None,
        };
        if let Some(decision) = &decision {
            headers::append(answer.headers_mut(), decision);
        }
        observe_answer(
            head,
            || {
                caller
                    .unwrap_or_else(|| Caller::from_peer(request.peer_addr()))
                    .name
            },
            answer.status().as_u16(),
            answer.headers(),
            started.elapsed(),
        );
        Some(answer.into())
    }
}

impl<S, B> Service<Request> for FrontDoorService<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = Response<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = FrontDoorFuture<S::Future>;

    actix_web::dev::forward_ready!(app);

    fn call(&self, request: Request) -> Self::Future {
        match self.answer(&request) {
            Some(answer) => FrontDoorFuture::Answered {
                answer: Some(answer),
            },
            None => FrontDoorFuture::Passed {
                inner: self.app.call(request),
            },
        }
    }
}

pin_project! {
    /// Answered at the door, or by the `App`.
    #[project = FrontDoorProjection]
    pub enum FrontDoorFuture<F> {
        /// Answered at the door.
        Answered { answer: Option<Response<BoxBody>> },
        /// Passed to the `App`.
        Passed { #[pin] inner: F },
    }
}

impl<F, B> Future for FrontDoorFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<Response<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            FrontDoorProjection::Answered { answer } => {
                let answer = answer.take().expect("polled after completion");
                Poll::Ready(Ok(answer.map_body(|_, body| EitherBody::right(body))))
            }
            FrontDoorProjection::Passed { inner } => inner.poll(cx).map_ok(|response| {
                Response::from(response).map_body(|_, body| EitherBody::left(body))
            }),
        }
    }
}
