//! Logging set-up: env_logger filtered by `RUST_LOG` (default info), as text or as JSON lines.

use std::io::Write;

/// The log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// env_logger's human-readable lines.
    Text,
    /// One JSON object a line: ts, level, target, msg (access lines carry their fields instead of msg).
    Json,
}

/// Starts logging in `format`.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    super::access_log::use_json(format == LogFormat::Json);
    if format == LogFormat::Json {
        builder.format(|out, record| {
            let head = serde_json::json!({
                "ts": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "level": record.level().as_str(),
                "target": record.target(),
            })
            .to_string();
            let message = record.args().to_string();
            if record.target() == super::access_log::TARGET && message.starts_with('{') {
                // Splice the access line's own fields in, rather than nesting a JSON string.
                writeln!(out, "{},{}", head.trim_end_matches('}'), &message[1..])
            } else {
                let msg = serde_json::Value::String(message).to_string();
                writeln!(out, "{},\"msg\":{msg}}}", head.trim_end_matches('}'))
            }
        });
    }
    // A second init (tests) keeps the first logger.
    let _ = builder.try_init();
}
