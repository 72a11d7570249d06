//! The OpenAPI document of the API and the Swagger UI that shows it: `GET /openapi.json`, `GET /swagger-ui/`.

pub mod mirror_routes;
pub mod mirror_schemas;
pub mod params;
pub mod responses;
pub mod schemas;
pub mod stream_routes;

use actix_web::http::header;
use actix_web::{web, App, HttpResponse};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::error::ErrorBody;
use mirror_schemas::SeriesList;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where the Swagger UI is served (the path without the slash redirects here).
pub const SWAGGER_UI_PATH: &str = "/swagger-ui/";

/// The name of the bearer security scheme in the document.
pub const BEARER: &str = "bearer";

const DESCRIPTION: &str = "A signing, pacing gateway in front of the Camlytics Cloud REST API. \
Same paths, parameters and envelope (`{\"code\":0,\"msg\":\"success\",\"result\":[...]}`) as the cloud; \
the gateway holds the key and secret, signs, hands out nonces and paces calls to the cloud's one call a second. \
Every parameter is checked first: bad input is a 400 naming the parameter, and costs no upstream call. \
Errors use the same envelope with `code` = the HTTP status. \
Parameter examples are ids and times of the simulated cloud of `camlytics-gateway demo`, \
so \"Try it out\" against the demo returns data.";

/// What the routes cannot say about themselves: title, version, licence, the error body, the security scheme.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "camlytics-gateway",
        version = env!("CARGO_PKG_VERSION"),
        description = DESCRIPTION,
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(ErrorBody, SeriesList)),
    modifiers(&BearerScheme),
    security((), ("bearer" = [])),
    tags(
        (name = "Dictionaries", description = "Locations, channels and triggers of the account."),
        (name = "Statistic", description = "Events and their totals."),
        (name = "Live", description = "Data as it happens: events the cloud delivers by webhook, kept durably and handed on as they arrive, and occupancy and zone counts from them and the mirror's sync."),
        (name = "Mirror", description = "The gateway's local copy of every event: its state, and the answers only it gives (series, exports), with no upstream call."),
    ),
)]
struct ApiDoc;

/// Adds the optional bearer scheme: a gateway configured with caller tokens wants `Authorization: Bearer <token>`.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document the server serves: [`ApiDoc`] plus the paths of every route that `routes` registers
/// (the API passes its own registration, so this module need not know the routes).
pub fn document(routes: impl FnOnce(&mut ServiceConfig)) -> OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .configure(routes)
        .split_for_parts();
    document
}

/// Registers `/openapi.json` (serving `document`), the Swagger UI, and the redirect to it.
pub fn configure(document: OpenApi) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            .service(
                SwaggerUi::new(format!("{SWAGGER_UI_PATH}{{_:.*}}"))
                    .url(OPENAPI_PATH, document)
                    .config(Config::new([OPENAPI_PATH]).display_request_duration(true)),
            )
            .route(
                SWAGGER_UI_PATH.trim_end_matches('/'),
                web::get().to(to_swagger_ui),
            );
    }
}

async fn to_swagger_ui() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, SWAGGER_UI_PATH))
        .finish()
}

/// A document as pretty JSON: what `camlytics-gateway openapi` prints and `openapi.json` holds.
pub fn pretty_json(document: &OpenApi) -> Result<String, String> {
    document
        .to_pretty_json()
        .map_err(|e| format!("the OpenAPI document does not serialise: {e}"))
}
