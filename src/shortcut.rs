//! The future of a middleware that either answers a request itself or passes it on, touching up the inner
//! answer on its way back. The gate's hand-written middleware uses it instead of `from_fn`, which boxes per
//! request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderMap;
use actix_web::Error;
use pin_project_lite::pin_project;

/// What a middleware adds to an inner answer on its way back.
pub trait Finish {
    /// Adds to the answer's headers.
    fn finish(self, headers: &mut HeaderMap);
}

pin_project! {
    /// Answered here, or passed on to `F` with `D` to finish its answer.
    #[project = ShortcutProjection]
    pub enum Shortcut<F, D> {
        /// Answered by the middleware itself.
        Answered { response: Option<ServiceResponse<BoxBody>> },
        /// Passed on.
        Passed { #[pin] inner: F, finish: Option<D> },
    }
}

impl<F, D> Shortcut<F, D> {
    /// The middleware's own answer.
    pub fn answered(response: ServiceResponse<BoxBody>) -> Self {
        Self::Answered {
            response: Some(response),
        }
    }

    /// The inner service's answer, finished with `finish`.
    pub fn passed(inner: F, finish: D) -> Self {
        Self::Passed {
            inner,
            finish: Some(finish),
        }
    }
}

impl<F, D, B> Future for Shortcut<F, D>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    D: Finish,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ShortcutProjection::Answered { response } => {
                let response = response.take().expect("polled after completion");
                Poll::Ready(Ok(response.map_into_right_body()))
            }
            ShortcutProjection::Passed { inner, finish } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                if let Some(finish) = finish.take() {
                    finish.finish(response.headers_mut());
                }
                Poll::Ready(Ok(response.map_into_left_body()))
            }
        }
    }
}
