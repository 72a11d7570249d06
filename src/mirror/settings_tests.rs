use clap::Parser;

use super::*;

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: MirrorArgs,
}

fn validate(argv: &[&str]) -> Result<MirrorSettings, String> {
    let mut all = vec!["test"];
    all.extend_from_slice(argv);
    Wrapper::try_parse_from(all)
        .map_err(|e| e.to_string())?
        .args
        .validate()
}

#[test]
fn the_defaults_are_on_sqlite_in_the_state_dir_thirty_days_and_half_the_budget() {
    let settings = validate(&[]).unwrap();

    assert_eq!(settings, MirrorSettings::default());
    assert!(settings.enabled);
    assert_eq!(settings.store, StoreLocation::StateDir);
    assert_eq!(settings.since, Since::Ago(Duration::from_secs(30 * 86_400)));
}

#[test]
fn every_value_out_of_range_is_refused_by_its_name() {
    let cases: [(&[&str], &str); 11] = [
        (&["--mirror-share", "0"], "GATEWAY_MIRROR_SHARE"),
        (&["--mirror-share", "1.5"], "GATEWAY_MIRROR_SHARE"),
        (&["--mirror-share", "NaN"], "GATEWAY_MIRROR_SHARE"),
        (&["--mirror-since", "yesterday"], "GATEWAY_MIRROR_SINCE"),
        (&["--mirror-since", "0"], "GATEWAY_MIRROR_SINCE"),
        (&["--mirror-since", "20000d"], "GATEWAY_MIRROR_SINCE"),
        (&["--mirror-retention", "0"], "GATEWAY_MIRROR_RETENTION"),
        (&["--mirror-retention", "7d"], "GATEWAY_MIRROR_RETENTION"),
        (&["--mirror-url", "mysql://db"], "GATEWAY_MIRROR_URL"),
        (&["--mirror-poll-every", "0"], "GATEWAY_MIRROR_POLL_EVERY"),
        (
            &["--mirror-verify-every", "2y"],
            "GATEWAY_MIRROR_VERIFY_EVERY",
        ),
    ];
    for (argv, name) in cases {
        let error = validate(argv).err().unwrap_or_default();
        assert!(
            error.starts_with(&format!("{name} must")),
            "{argv:?}: {error}"
        );
    }
}

#[test]
fn since_reads_a_duration_a_date_or_a_date_time() {
    let now = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);

    let ago = Since::parse("7d").unwrap().start(now);
    let date = Since::parse("2026-01-01").unwrap().start(now);
    let instant = Since::parse("2026-02-01T06:00:00+01:00")
        .unwrap()
        .start(now);

    assert_eq!(ago.to_rfc3339(), "2026-03-03T12:00:00+00:00");
    assert_eq!(date.to_rfc3339(), "2026-01-01T00:00:00+00:00");
    assert_eq!(instant.to_rfc3339(), "2026-02-01T05:00:00+00:00");
}

#[test]
fn a_retention_shorter_than_the_reach_back_is_refused_but_any_retention_goes_with_a_date() {
    assert!(validate(&["--mirror-since", "30d", "--mirror-retention", "29d"]).is_err());
    assert!(validate(&["--mirror-since", "30d", "--mirror-retention", "30d"]).is_ok());
    assert!(validate(&["--mirror-since", "2020-01-01", "--mirror-retention", "1d"]).is_ok());
}

#[test]
fn the_store_url_chooses_sqlite_or_postgres_and_never_shows_a_password() {
    let postgres = validate(&["--mirror-url", "postgres://gw:hunter2-pw@db:5432/mirror"]).unwrap();
    let sqlite = validate(&["--mirror-url", "sqlite:///var/lib/gw/events.db"]).unwrap();
    let bad = validate(&["--mirror-url", "mysql://gw:hunter2-pw@db/x"]).unwrap_err();

    assert!(postgres.store.is_shared());
    let shown = format!("{postgres:?} {:?}", postgres.store);
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("postgres://gw:[REDACTED]@db:5432/mirror"),
        "{shown}"
    );
    assert_eq!(
        sqlite.store,
        StoreLocation::SqliteFile("/var/lib/gw/events.db".into())
    );
    assert!(!bad.contains("hunter2"), "{bad}");
}

#[test]
fn off_turns_the_mirror_off() {
    assert!(!validate(&["--mirror", "off"]).unwrap().enabled);
}
