//! Any query string against any route: the validator answers Ok or a 400, never panics, and what it accepts
//! it accepts again in its canonical form, unchanged (the cache keys and the signed target rely on that).
#![no_main]

use camlytics_gateway::camlytics::endpoints::ROUTES;
use camlytics_gateway::camlytics::query::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, query)) = data.split_first() else {
        return;
    };
    let spec = ROUTES[usize::from(pick) % ROUTES.len()];
    let query = String::from_utf8_lossy(query);
    let Ok(canonical) = validate(spec, &query) else {
        return;
    };
    let mut again = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &canonical {
        again.append_pair(name, value);
    }
    let revalidated = validate(spec, &again.finish());
    assert_eq!(revalidated.ok(), Some(canonical), "{query}");
});
