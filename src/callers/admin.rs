//! Admin-only routes: anything under `/admin` (the gate refuses non-admins there), and
//! [`require_admin`] for a handler to check for itself.

use actix_web::{web, HttpMessage, HttpRequest};

use super::gate::{Gate, CHALLENGE};
use super::Caller;
use crate::error::GatewayError;

/// The admin caller of this request: 401 when a token is required and none was accepted,
/// 403 when the caller is known but not an admin.
pub fn require_admin(request: &HttpRequest) -> Result<Caller, GatewayError> {
    let recorded = request.extensions().get::<Caller>().cloned();
    let caller = match recorded {
        Some(caller) => caller,
        None if request
            .app_data::<web::Data<Gate>>()
            .is_some_and(|gate| gate.token_mode()) =>
        {
            return Err(GatewayError::Unauthorized {
                msg: "an admin token is required: send Authorization: Bearer <token>".into(),
                challenge: CHALLENGE,
            })
        }
        None => Caller::of(request),
    };
    if caller.admin {
        Ok(caller)
    } else {
        Err(forbidden(&caller))
    }
}

/// The 403 for a known caller that is not an admin.
pub fn forbidden(caller: &Caller) -> GatewayError {
    GatewayError::Forbidden(format!(
        "caller '{}' may not use admin routes; an admin token (name:token:admin) is required",
        caller.name
    ))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;
    use crate::callers::settings::CallersSettings;
    use crate::callers::tokens::Tokens;

    fn caller(name: &str, admin: bool) -> Caller {
        Caller {
            name: name.into(),
            admin,
        }
    }

    #[test]
    fn an_admin_caller_passes_and_another_gets_a_403() {
        let request = TestRequest::default().to_http_request();
        request.extensions_mut().insert(caller("ops", true));
        assert_eq!(require_admin(&request).unwrap().name, "ops".into());
        let request = TestRequest::default().to_http_request();
        request.extensions_mut().insert(caller("reports", false));
        let error = require_admin(&request).unwrap_err();
        assert!(matches!(error, GatewayError::Forbidden(_)), "{error:?}");
    }

    #[test]
    fn without_an_accepted_token_in_token_mode_it_is_a_401() {
        let mut settings = CallersSettings::open();
        let mut tokens = Tokens::default();
        tokens.add_list("ops:tok:admin", ',', "test").unwrap();
        settings.tokens = Some(tokens);
        let gate = web::Data::new(Gate::new(&settings, "127.0.0.1:0".parse().unwrap()));
        let request = TestRequest::default().app_data(gate).to_http_request();
        let error = require_admin(&request).unwrap_err();
        assert!(
            matches!(error, GatewayError::Unauthorized { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn in_open_mode_only_loopback_is_admin() {
        let local = TestRequest::default()
            .peer_addr("127.0.0.1:5000".parse().unwrap())
            .to_http_request();
        assert!(require_admin(&local).is_ok());
        let remote = TestRequest::default()
            .peer_addr("10.1.2.3:5000".parse().unwrap())
            .to_http_request();
        assert!(matches!(
            require_admin(&remote),
            Err(GatewayError::Forbidden(_))
        ));
    }
}
