//! The answer of `/v1/series`, for the document only: the route writes it from `mirror::series::assemble`.

// The fields exist only for the schema derive; nothing reads them.
#![allow(dead_code)]

use utoipa::ToSchema;

/// The answer of `/v1/series`: the cloud's envelope around the series.
#[derive(ToSchema)]
pub struct SeriesList {
    /// 0 on success.
    #[schema(format = Int32, example = 0)]
    code: i64,
    #[schema(example = "success")]
    msg: String,
    #[schema(inline)]
    result: SeriesResult,
}

/// The series of one window.
#[derive(ToSchema)]
pub struct SeriesResult {
    /// The bucket size, as asked.
    #[schema(example = "1h")]
    bucket: String,
    /// The IANA zone buckets are aligned in.
    #[schema(example = "Europe/Berlin")]
    tz: String,
    /// The window's start, as asked.
    #[schema(format = DateTime)]
    since: String,
    /// The window's end, as asked.
    #[schema(format = DateTime)]
    until: String,
    /// Where the last bucket ends (each bucket ends where the next starts).
    #[schema(format = DateTime)]
    end: String,
    /// The dimensions each series' `group` names, as asked.
    group_by: Vec<String>,
    /// One series per group with events in the window, ordered by group; without `group_by`, exactly one.
    #[schema(inline)]
    series: Vec<SeriesItem>,
}

/// The counts of one group.
#[derive(ToSchema)]
pub struct SeriesItem {
    /// The group's value per `group_by` dimension: `location` a number, the others strings (a trigger or
    /// origin an event lacks is null). Empty without `group_by`.
    #[schema(value_type = Object, example = json!({"trigger": "35044190-10541-61231-5b75d_000015EC"}))]
    group: serde_json::Value,
    /// Events of the group in the window.
    #[schema(minimum = 0)]
    total: i64,
    /// Every bucket of the window, oldest first, empty ones with count 0.
    #[schema(inline)]
    points: Vec<SeriesPoint>,
}

/// One bucket.
#[derive(ToSchema)]
pub struct SeriesPoint {
    /// Where the bucket starts, in the zone's offset at that instant.
    #[schema(format = DateTime, example = "2025-12-20T01:00:00+01:00")]
    start: String,
    /// Events in the bucket (the first and last count only the window's part).
    #[schema(minimum = 0)]
    count: i64,
}
