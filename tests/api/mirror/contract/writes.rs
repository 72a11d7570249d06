//! Writing: ids kept once, replaced when their bytes change, the cursor, repairs, retention, notes, reopening,
//! and two stores writing one place at once.

use std::sync::Arc;

use camlytics_gateway::mirror::event::{EventFilter, Scope};
use camlytics_gateway::mirror::store::{EventStore, Inserted, Span, SyncCursor};

use super::data::{assert_holds, event, events, Model, Rng, DAY, HOUR, MINUTE, T0};
use super::Place;

fn cursor(since_micros: i64) -> SyncCursor {
    SyncCursor {
        since_micros,
        after_id: None,
    }
}

pub async fn a_new_store_holds_nothing_and_has_no_cursor(store: Arc<dyn EventStore>) {
    assert_eq!(store.cursor().await.unwrap(), None);
    assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 0);
    assert_eq!(store.note("coverage").await.unwrap(), None);
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (stats.events, stats.oldest_micros, stats.newest_micros),
        (0, None, None)
    );
    assert_holds(&*store, &Model::default()).await;
}

pub async fn a_page_is_held_once_and_the_same_bytes_again_write_nothing(
    store: Arc<dyn EventStore>,
) {
    let page = events(&mut Rng::new(1), 1, 300, 2);

    let first = store.insert_page(&page, cursor(T0)).await.unwrap();
    let again = store.insert_page(&page, cursor(T0)).await.unwrap();

    assert_eq!(
        first,
        Inserted {
            new: 300,
            replaced: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        again,
        Inserted {
            new: 0,
            replaced: 0,
            unchanged: 300
        }
    );
    let mut model = Model::default();
    model.put(&page);
    assert_holds(&*store, &model).await;
}

pub async fn an_id_sent_again_with_other_bytes_is_replaced_and_counted_once_in_its_new_minute(
    store: Arc<dyn EventStore>,
) {
    let old = event(1, 101, "ch-101-0", "", "RegionJoin", "Pedestrian", T0, 0);
    let other = event(
        2,
        101,
        "ch-101-0",
        "",
        "RegionJoin",
        "Pedestrian",
        T0 + 1,
        0,
    );
    store
        .insert_page(&[old, other.clone()], cursor(T0))
        .await
        .unwrap();
    let moved = event(
        1,
        102,
        "ch-102-1",
        "ch-102-1-t1",
        "Loitering",
        "Vehicle",
        T0 + 5 * MINUTE + 7,
        1,
    );

    let inserted = store
        .insert_page(std::slice::from_ref(&moved), cursor(T0))
        .await
        .unwrap();

    assert_eq!(
        inserted,
        Inserted {
            new: 0,
            replaced: 1,
            unchanged: 0
        }
    );
    let old_minute = EventFilter {
        since_micros: Some(T0),
        until_micros: Some(T0 + MINUTE - 1),
        ..EventFilter::default()
    };
    assert_eq!(
        store.count(&old_minute).await.unwrap(),
        1,
        "only id 2 is left in the old minute"
    );
    let new_channel = EventFilter {
        scope: Scope::Channel("ch-102-1".into()),
        ..EventFilter::default()
    };
    assert_eq!(store.count(&new_channel).await.unwrap(), 1);
    let mut model = Model::default();
    model.put(&[other, moved]);
    assert_holds(&*store, &model).await;
}

pub async fn one_id_twice_in_a_page_counts_as_if_sent_one_after_the_other(
    store: Arc<dyn EventStore>,
) {
    let first = event(5, 101, "ch-101-0", "", "RegionJoin", "", T0, 0);
    let second = event(5, 101, "ch-101-0", "", "RegionJoin", "", T0 + HOUR, 1);

    let inserted = store
        .insert_page(&[first, second.clone(), second.clone()], cursor(T0))
        .await
        .unwrap();

    assert_eq!(
        inserted,
        Inserted {
            new: 1,
            replaced: 1,
            unchanged: 1
        }
    );
    let mut model = Model::default();
    model.put(&[second]);
    assert_holds(&*store, &model).await;
}

pub async fn the_cursor_is_the_one_committed_with_the_last_page(store: Arc<dyn EventStore>) {
    let pages = events(&mut Rng::new(2), 1, 30, 1);
    let second = SyncCursor {
        since_micros: T0 + HOUR,
        after_id: Some(30),
    };

    store.insert_page(&pages[..10], cursor(T0)).await.unwrap();
    assert_eq!(store.cursor().await.unwrap(), Some(cursor(T0)));
    store.insert_page(&pages[10..], second).await.unwrap();
    assert_eq!(store.cursor().await.unwrap(), Some(second));
    // An empty page still moves the cursor: the sync caught up.
    store.insert_page(&[], cursor(T0 + DAY)).await.unwrap();

    assert_eq!(store.cursor().await.unwrap(), Some(cursor(T0 + DAY)));
}

/// A day of events, then a window of it corrupted on purpose: some missing, some with other bytes, some extra.
async fn corrupted(
    store: &dyn EventStore,
    seed: u64,
) -> (Vec<camlytics_gateway::mirror::event::StoredEvent>, Model) {
    let truth = events(&mut Rng::new(seed), 1, 600, 1);
    let mut held: Vec<_> = truth.iter().filter(|e| e.id % 7 != 0).cloned().collect();
    for e in held.iter_mut().filter(|e| e.id % 5 == 0) {
        *e = event(
            e.id,
            e.location_id,
            &e.channel_id,
            &e.trigger_id,
            "Sabotage",
            &e.origin,
            e.event_time_micros,
            9,
        );
    }
    held.extend((0..20).map(|k| {
        event(
            10_000 + k,
            103,
            "ch-103-0",
            "",
            "CrowdOn",
            "",
            T0 + k * HOUR,
            0,
        )
    }));
    store.insert_page(&held, cursor(T0)).await.unwrap();
    let mut model = Model::default();
    model.put(&held);
    (truth, model)
}

pub async fn replace_window_makes_a_window_hold_exactly_the_events_given(
    store: Arc<dyn EventStore>,
) {
    let (truth, mut model) = corrupted(&*store, 3).await;
    let span = Span {
        from_micros: T0 + 3 * HOUR + 17,
        to_micros: T0 + 15 * HOUR + 30 * MINUTE,
    };
    let inside = |t: i64| span.from_micros <= t && t <= span.to_micros;
    let given: Vec<_> = truth
        .iter()
        .filter(|e| inside(e.event_time_micros))
        .cloned()
        .collect();
    let missing_or_changed = given
        .iter()
        .filter(|e| model.0.get(&e.id) != Some(*e))
        .count() as u64;
    let extra: Vec<i64> = model
        .0
        .values()
        .filter(|e| inside(e.event_time_micros) && !given.iter().any(|g| g.id == e.id))
        .map(|e| e.id)
        .collect();

    let repaired = store.replace_window(None, span, &given).await.unwrap();

    assert_eq!(repaired.written, missing_or_changed);
    assert_eq!(repaired.removed, extra.len() as u64);
    assert!(repaired.written > 0 && repaired.removed > 0, "{repaired:?}");
    for id in extra {
        model.0.remove(&id);
    }
    model.put(&given);
    assert_holds(&*store, &model).await;
    let again = store.replace_window(None, span, &given).await.unwrap();
    assert_eq!((again.written, again.removed), (0, 0));
}

pub async fn replace_window_of_one_location_leaves_the_others_alone(store: Arc<dyn EventStore>) {
    let (truth, mut model) = corrupted(&*store, 4).await;
    let span = Span {
        from_micros: T0,
        to_micros: T0 + DAY - 1,
    };
    let given: Vec<_> = truth
        .iter()
        .filter(|e| e.location_id == 101)
        .cloned()
        .collect();

    let repaired = store.replace_window(Some(101), span, &given).await.unwrap();

    let stale: Vec<i64> = model
        .0
        .values()
        .filter(|e| e.location_id == 101 && !given.iter().any(|g| g.id == e.id))
        .map(|e| e.id)
        .collect();
    assert_eq!(repaired.removed, stale.len() as u64);
    for id in stale {
        model.0.remove(&id);
    }
    model.put(&given);
    assert_holds(&*store, &model).await;
    assert!(model
        .0
        .values()
        .any(|e| e.location_id == 103 && e.event_type == "CrowdOn"));
}

pub async fn drop_before_removes_older_events_with_their_counts(store: Arc<dyn EventStore>) {
    let page = events(&mut Rng::new(5), 1, 800, 3);
    store.insert_page(&page, cursor(T0)).await.unwrap();
    let cut = T0 + DAY + 7 * HOUR + 31 * MINUTE + 5;
    let older = page.iter().filter(|e| e.event_time_micros < cut).count() as u64;

    let dropped = store.drop_before(cut).await.unwrap();

    assert_eq!(dropped, older);
    let mut model = Model::default();
    model.put(&page);
    model.0.retain(|_, e| e.event_time_micros >= cut);
    assert_holds(&*store, &model).await;
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.events, model.0.len() as u64);
    assert_eq!(
        stats.oldest_micros,
        model.0.values().map(|e| e.event_time_micros).min()
    );
    assert_eq!(store.drop_before(cut).await.unwrap(), 0);
}

pub async fn notes_are_set_and_replaced(store: Arc<dyn EventStore>) {
    store
        .set_note("coverage", r#"{"span":null}"#)
        .await
        .unwrap();
    store.set_note("verification", "day 1: ok").await.unwrap();
    store
        .set_note("coverage", r#"{"span":{"from_micros":1,"to_micros":2}}"#)
        .await
        .unwrap();

    assert_eq!(
        store.note("coverage").await.unwrap().as_deref(),
        Some(r#"{"span":{"from_micros":1,"to_micros":2}}"#)
    );
    assert_eq!(
        store.note("verification").await.unwrap().as_deref(),
        Some("day 1: ok")
    );
    assert_eq!(store.note("unknown").await.unwrap(), None);
}

pub async fn a_committed_page_its_cursor_and_notes_survive_reopening(place: &Place) {
    let store = place.open().await;
    let page = events(&mut Rng::new(6), 1, 50, 1);
    let committed = SyncCursor {
        since_micros: T0 + HOUR,
        after_id: Some(50),
    };
    store.insert_page(&page, committed).await.unwrap();
    store.set_note("coverage", "kept").await.unwrap();
    drop(store);

    let reopened = place.open().await;

    assert_eq!(reopened.cursor().await.unwrap(), Some(committed));
    assert_eq!(
        reopened.note("coverage").await.unwrap().as_deref(),
        Some("kept")
    );
    let mut model = Model::default();
    model.put(&page);
    assert_holds(&*reopened, &model).await;
}

pub async fn two_stores_on_one_place_writing_the_same_ids_at_once_count_each_once(place: &Place) {
    let (a, b) = (place.open().await, place.open().await);
    let all = events(&mut Rng::new(7), 1, 2_000, 2);
    // Overlapping pages: each id is sent by both stores, some with other bytes by the second.
    let mut theirs = all.clone();
    for e in theirs.iter_mut().filter(|e| e.id % 3 == 0) {
        *e = event(
            e.id,
            e.location_id,
            &e.channel_id,
            &e.trigger_id,
            &e.event_type,
            &e.origin,
            e.event_time_micros + MINUTE,
            1,
        );
    }
    theirs.reverse();
    let write = |store: Arc<dyn EventStore>, events: Vec<_>| async move {
        let mut total = Inserted::default();
        for page in events.chunks(100) {
            let done = store.insert_page(page, cursor(T0)).await.unwrap();
            total.new += done.new;
            total.replaced += done.replaced;
            total.unchanged += done.unchanged;
        }
        total
    };

    let (x, y) = futures_util::join!(write(a.clone(), all.clone()), write(b, theirs.clone()));

    assert_eq!(x.new + y.new, all.len() as u64, "each id is new once");
    assert_eq!(
        x.new + x.replaced + x.unchanged + y.new + y.replaced + y.unchanged,
        2 * all.len() as u64
    );
    // Whichever copy of an id committed last is held, and counted once, where it is.
    let mut model = Model::default();
    let held = super::data::held_by_id(&*a).await;
    for e in all.iter().chain(&theirs) {
        if held.get(&e.id).is_some_and(|raw| **raw == *e.raw) {
            model.put(std::slice::from_ref(e));
        }
    }
    assert_eq!(
        model.0.len(),
        all.len(),
        "every id is held as one of its copies"
    );
    assert_holds(&*a, &model).await;
}
