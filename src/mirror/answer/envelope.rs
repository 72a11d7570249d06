//! The cloud's success envelope, written around items that are already JSON (each event's own bytes).

/// What comes before the first item: the simulated cloud's key order (`code`, `msg`, `result`), no spaces.
const HEAD: &str = r#"{"code":0,"msg":"success","result":["#;
/// What follows the last item.
const TAIL: &str = "]}";

/// `{"code":0,"msg":"success","result":[item,item,...]}` with each item's bytes as given.
pub fn success_list<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut body = Vec::with_capacity(4096);
    body.extend_from_slice(HEAD.as_bytes());
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item.as_bytes());
    }
    body.extend_from_slice(TAIL.as_bytes());
    body
}

/// `{"code":0,"msg":"success","result":<result>}` around an already serialised result.
pub fn success_raw(result: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(result.len() + 40);
    body.extend_from_slice(br#"{"code":0,"msg":"success","result":"#);
    body.extend_from_slice(result);
    body.push(b'}');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_bytes_between_the_clouds_envelope() {
        let body = success_list([r#"{"id":1, "x" : 2}"#, r#"{"id":2}"#]);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"code":0,"msg":"success","result":[{"id":1, "x" : 2},{"id":2}]}"#
        );
        assert_eq!(
            success_list([]),
            br#"{"code":0,"msg":"success","result":[]}"#
        );
        assert_eq!(
            success_raw(br#"{"a":1}"#),
            br#"{"code":0,"msg":"success","result":{"a":1}}"#
        );
    }
}
