//! `demo`: the simulated cloud and a gateway wired to it, in one process, with no credentials.

use std::net::TcpListener;

use crate::callers::settings::CallerQuota;
use crate::callers::CallersSettings;
use crate::cli::DemoArgs;
use crate::commands::simulate::{history_in_range, simulator_rps_in_range};
use crate::live::occupancy::settings::OccupancySettings;
use crate::live::occupancy::zones::LocationZones;
use crate::live::settings::{LiveSettings, WebhookTokens};
use crate::mirror::settings::{MirrorSettings, Since};
use crate::secret::Secret;
use crate::settings::{BaseUrl, Settings, UpstreamSettings};
use crate::simulator::webhooks::{deliver, WebhookSettings};
use crate::simulator::{SimClock, Simulator, SimulatorSettings};
use crate::startup::Application;
use crate::upstream::settings::upstream_rps_in_range;

/// Starts both, prints where to look, and serves until interrupted.
pub async fn run(args: DemoArgs) -> Result<(), String> {
    let upstream_rps = upstream_rps_in_range(args.upstream_rps)?;
    let simulated = SimulatorSettings {
        requests_per_second: simulator_rps_in_range(args.simulator_rps)?,
        // A living account: events up to now with a daily rhythm, a few arriving late.
        clock: SimClock::wall(history_in_range(args.simulator_history)?),
        ..SimulatorSettings::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let simulator = Simulator::start(simulated.clone(), listener).map_err(|e| e.to_string())?;
    let state_dir =
        std::env::temp_dir().join(format!("camlytics-gateway-demo-{}", std::process::id()));
    let webhook_token = fresh_token();
    let settings = Settings {
        listen: args.listen,
        upstream: UpstreamSettings {
            api_key: simulated.key.clone(),
            api_secret: Secret::new(simulated.secret.expose()),
            base_url: BaseUrl::parse(&simulator.base_url())?,
            state_dir,
            upstream_rps,
            max_wait: std::time::Duration::from_secs(30),
            upstream_timeout: std::time::Duration::from_secs(10),
        },
        cache: Default::default(),
        callers: CallersSettings {
            quota: CallerQuota::chosen(
                args.caller_rps,
                args.caller_burst,
                "GATEWAY_CALLER_RPS / GATEWAY_CALLER_BURST",
            )?,
            ..CallersSettings::open()
        },
        // The mirror fills from the simulated cloud's first event on, in the lane's idle turns.
        mirror: MirrorSettings {
            since: Since::At(simulated.data_anchor - chrono::Duration::days(30)),
            poll_every: std::time::Duration::from_secs(10),
            ..MirrorSettings::default()
        },
        // The simulated cloud delivers its live events to the intake, under a token made for this run.
        live: LiveSettings {
            webhook_tokens: Some(WebhookTokens::parse(&format!("demo:{webhook_token}"))?),
            // The simulated locations are in New York: their day, and occupancy's reset, is New York's.
            occupancy: OccupancySettings {
                zones: LocationZones::parse(Some("America/New_York"), None)?,
                ..OccupancySettings::default()
            },
            ..LiveSettings::default()
        },
    };
    let app = Application::build(settings)?;
    let origin = format!("http://{}:{}", args.listen.ip(), app.port());
    let webhooks = actix_web::rt::spawn(deliver(
        simulator.handle(),
        WebhookSettings::to(format!("{origin}/webhooks/camlytics/{webhook_token}")),
    ));
    let base = format!("http://{}:{}/service/api/v1", args.listen.ip(), app.port());
    println!("camlytics-gateway demo");
    println!("  simulated cloud: {}", simulator.base_url());
    println!("  gateway:         {base}");
    let day = |days_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .format("%Y-%m-%dT00:00:00Z")
            .to_string()
    };
    println!("  try:             curl '{base}/locations'");
    println!("                   curl '{base}/events?location_id=101&order=desc&limit=5'");
    println!(
        "                   curl '{base}/totals/types?location_id=101&since={}'",
        day(7)
    );
    println!(
        "                   curl '{base}/totals/triggers?location_id=101&since={}&until={}'",
        day(1),
        day(0)
    );
    println!(
        "  the mirror:      curl 'http://{}:{}/v1/mirror'   (fills at half the upstream rate)",
        args.listen.ip(),
        app.port()
    );
    println!(
        "  a series:        curl 'http://{}:{}/v1/series?bucket=1h&group_by=trigger&since=2025-12-20T00:00:00Z&until=2025-12-21T00:00:00Z'",
        args.listen.ip(),
        app.port()
    );
    println!(
        "  watch it live:   http://{}:{}/live   (occupancy, queues, the event feed)",
        args.listen.ip(),
        app.port()
    );
    println!(
        "  webhooks:        {origin}/webhooks/camlytics/<token>   (the simulated cloud POSTs its live events there)"
    );
    println!("  stop with Ctrl-C");
    log::info!("listening on {base}");
    let simulator_handle = actix_web::rt::spawn(simulator.run_until_stopped());
    let served = app.run_until_stopped().await;
    simulator_handle.abort();
    webhooks.abort();
    served.map_err(|e| e.to_string())
}

/// A webhook token for one demo run: 16 random bytes in hex, from the system's random source (the clock
/// and the process id where there is none; the demo listens on loopback by default).
fn fresh_token() -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    hex::encode(bytes)
}
