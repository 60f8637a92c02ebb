//! What each kind of ingest PUT does to the stored records, over a
//! [`Backend`] (key-value records with compare-and-swap, blob deletion, the
//! retention rule), so the whole sequence runs natively in tests with a
//! simulated clock.
//!
//! Records (`ingest` store): `state/<channel>` ([`IngestState`]),
//! `index/<channel>/<n>` ([`StoredIndex`]), `feed/<channel>/<ingest>`
//! ([`Feed`]). Every write is a compare-and-swap: two ingest endpoints and
//! parallel PUTs of one encoder race.
//!
//! A media playlist PUT: (1) the state names its rendition (creating one if
//! it is new) and, when the feed holds listed uploads, decides whether this
//! endpoint is active; (2) if active, the rendition's index takes the new
//! segments ([`append`]) and drops what no origin endpoint needs any more
//! (retention), in one swap; (3) the feed forgets what was appended or
//! discarded; (4) unappended uploads of every endpoint older than the
//! oldest retained segment go; (5) blobs no record references are deleted —
//! never one an index lists (see `delete_blobs`).

use tributary_guest::state::Change;
use tributary_hls::SegmentIndex;
use tributary_hls::ingest::{IngestMaster, IngestMedia};
use tributary_mediapackage::ingest::{IngestState, StoredIndex};
use tributary_mediapackage::stored::Stored;
use tributary_mediapackage::wire::Channel;
use tributary_mediapackage::{ChannelRecord, EndpointRecord, keys};

use crate::ingest::append::{Feeding, Plan, append};
use crate::ingest::channel::{self, Role};
use crate::ingest::feed::{Feed, Listing, Upload};
use crate::ingest::keys::{blob_origin, feed as feed_key};
use crate::ingest::stored;

/// A store failure, for logs and a 500.
pub type Fault = String;

/// What ingest needs from the host.
pub trait Backend {
    /// `channel/<id>` from the `channels` store.
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, Fault>;
    /// Every origin endpoint (`endpoint/*` in `channels`).
    fn endpoints(&self) -> Result<Vec<EndpointRecord>, Fault>;
    /// A record of the `ingest` store.
    fn get<T: Stored>(&self, key: &str) -> Result<Option<T>, Fault>;
    /// Read-modify-write of a record of the `ingest` store, retried on
    /// conflict.
    fn update<T: Stored, R>(
        &self,
        key: &str,
        f: impl FnMut(Option<T>) -> Result<Change<T, R>, Fault>,
    ) -> Result<R, Fault>;
    /// Removes a record of the `ingest` store.
    fn remove(&self, key: &str) -> Result<(), Fault>;
    /// Deletes a blob (absent is fine).
    fn delete_blob(&self, key: &str) -> Result<(), Fault>;
    /// The oldest sequence any of `endpoints` may still need at `now_ms`
    /// (the manifest plug's `retention-start`).
    fn retention_start(
        &self,
        index: &StoredIndex,
        endpoints: &[EndpointRecord],
        now_ms: i64,
    ) -> Result<Option<u64>, Fault>;
}

/// What a media playlist PUT did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaOutcome {
    /// The rendition's number.
    pub rendition: u32,
    /// `None` when the playlist listed nothing new from this endpoint.
    pub role: Option<Role>,
    /// Segments appended to the index.
    pub appended: usize,
    /// Segments the index dropped (retention).
    pub expired: usize,
}

/// Makes sure the ingest state belongs to this incarnation of `channel`;
/// when the channel was deleted and created again under its id, the old
/// state, indexes, feeds and blobs go. Run before anything else.
pub fn begin(b: &impl Backend, channel: &Channel) -> Result<(), Fault> {
    let created_at = channel.created_at.as_str();
    let old = b.update(&keys::ingest_state(&channel.id), |stored| {
        let fresh = stored.is_none();
        let (state, old) = channel::of_channel(stored, created_at);
        Ok(if fresh || old.is_some() {
            Change::Write(state, old)
        } else {
            Change::Keep(None)
        })
    })?;
    let Some(old) = old else { return Ok(()) };
    for n in 1..=old.renditions.len() {
        let key = keys::segment_index(&channel.id, u32::try_from(n).unwrap_or(u32::MAX));
        if let Some(index) = b.get::<StoredIndex>(&key)? {
            for s in &index.segments {
                b.delete_blob(&s.key)?;
            }
            b.remove(&key)?;
        }
    }
    for ingest in ingest_ids(channel, &old) {
        let key = feed_key(&channel.id, &ingest);
        if let Some(feed) = b.get::<Feed>(&key)?
            && feed.channel_created_at != created_at
        {
            for u in feed.uploads.values() {
                b.delete_blob(&u.key)?;
            }
            b.remove(&key)?;
        }
    }
    Ok(())
}

/// Records a stored segment as the latest PUT of `file` by `ingest` at
/// `now_ms`; when the endpoint's last playlist of a rendition already
/// listed it, that playlist is taken in again now.
pub fn segment_stored(
    b: &impl Backend,
    channel: &Channel,
    ingest: &str,
    file: &str,
    upload: Upload,
    now_ms: i64,
) -> Result<Option<MediaOutcome>, Fault> {
    let (orphans, listed) = b.update(&feed_key(&channel.id, ingest), |stored| {
        let (mut feed, mut orphans) = Feed::of_channel(stored, &channel.created_at);
        orphans.extend(feed.record(file, upload.clone()));
        let listed = feed
            .listings
            .iter()
            .find(|(_, l)| l.lists(file))
            .map(|(name, l)| (name.clone(), l.media()));
        Ok(Change::Write(feed, (orphans, listed)))
    })?;
    delete_blobs(b, &channel.id, &orphans)?;
    match listed {
        Some((playlist, listing)) => {
            media(b, channel, ingest, &playlist, &listing, now_ms).map(Some)
        }
        None => Ok(None),
    }
}

/// Takes in a master playlist: the channel's renditions.
pub fn master(b: &impl Backend, channel: &Channel, master: &IngestMaster) -> Result<(), Fault> {
    b.update(&keys::ingest_state(&channel.id), |stored| {
        let (mut state, _) = channel::of_channel(stored, &channel.created_at);
        Ok(if channel::merge_master(&mut state, master) {
            Change::Write(state, ())
        } else {
            Change::Keep(())
        })
    })
}

/// Takes in rendition `file`'s media playlist from `ingest` at `now_ms`.
pub fn media(
    b: &impl Backend,
    channel: &Channel,
    ingest: &str,
    file: &str,
    listing: &IngestMedia,
    now_ms: i64,
) -> Result<MediaOutcome, Fault> {
    let created_at = channel.created_at.as_str();
    let my_feed_key = feed_key(&channel.id, ingest);
    let listed = Listing::of(listing);
    let feed = b.update(&my_feed_key, |stored| {
        let (mut feed, _) = Feed::of_channel(stored, created_at);
        Ok(if feed.listings.get(file) == Some(&listed) {
            Change::Keep(feed)
        } else {
            feed.listings.insert(file.to_owned(), listed.clone());
            Change::Write(feed.clone(), feed)
        })
    })?;
    let delivers = listing
        .segments
        .iter()
        .any(|s| feed.uploads.contains_key(&s.uri));

    let (rendition, role) = b.update(&keys::ingest_state(&channel.id), |stored| {
        let (mut state, _) = channel::of_channel(stored, created_at);
        let (n, new) = channel::rendition_of(&mut state, file);
        let role = delivers
            .then(|| channel::deliver(&mut state, ingest, listing.target_duration_s, now_ms));
        Ok(if new || role.is_some() {
            Change::Write(state, (n, role))
        } else {
            Change::Keep((n, role))
        })
    })?;
    let mut outcome = MediaOutcome {
        rendition,
        role,
        appended: 0,
        expired: 0,
    };
    if role != Some(Role::Active) {
        return Ok(outcome);
    }

    let endpoints: Vec<EndpointRecord> = b
        .endpoints()?
        .into_iter()
        .filter(|e| e.endpoint.channel_id == channel.id)
        .collect();
    let feeding = Feeding {
        ingest,
        last_appended: feed.last_appended.get(&rendition).copied(),
        uploads: &feed.uploads,
    };
    let index_key = keys::segment_index(&channel.id, rendition);
    let (plan, expired, oldest_put) = b.update(&index_key, |stored: Option<StoredIndex>| {
        let index = match stored {
            Some(s) => stored::load(s).map_err(|e| format!("{index_key}: {e}"))?,
            None => SegmentIndex::new(listing.target_duration_s),
        };
        let target = index.target_duration_s().max(listing.target_duration_s);
        let retargeted = target != index.target_duration_s();
        let mut index = if retargeted {
            stored::retarget(index, target).map_err(|e| format!("{index_key}: {e}"))?
        } else {
            index
        };
        let plan = append(&mut index, listing, &feeding);
        if plan.appended.is_empty() && plan.discarded.is_empty() && !retargeted {
            return Ok(Change::Keep((plan, Vec::new(), None)));
        }
        let keep_from = b.retention_start(&stored::save(&index), &endpoints, now_ms)?;
        let expired: Vec<String> = match keep_from {
            Some(seq) => index
                .expire_before(seq)
                .into_iter()
                .map(|s| s.key)
                .collect(),
            None => Vec::new(),
        };
        let oldest_put = index
            .segments()
            .first()
            .and_then(|s| blob_origin(&s.key))
            .map(|(_, ms)| ms);
        Ok(Change::Write(
            stored::save(&index),
            (plan, expired, oldest_put),
        ))
    })?;
    outcome.appended = plan.appended.len();
    outcome.expired = expired.len();

    let mut gone = expired;
    gone.extend(settle_feed(
        b,
        &my_feed_key,
        created_at,
        rendition,
        &plan,
        oldest_put,
    )?);
    if let Some(cutoff) = oldest_put {
        for other in channel
            .hls_ingest
            .ingest_endpoints
            .iter()
            .filter(|e| e.id != ingest)
        {
            gone.extend(prune_feed(
                b,
                &feed_key(&channel.id, &other.id),
                created_at,
                cutoff,
            )?);
        }
    }
    delete_blobs(b, &channel.id, &gone)?;
    Ok(outcome)
}

/// The feed after an append: appended uploads now belong to the index,
/// discarded ones and those older than `cutoff_ms` go. Returns blob keys to
/// delete.
fn settle_feed(
    b: &impl Backend,
    key: &str,
    created_at: &str,
    rendition: u32,
    plan: &Plan,
    cutoff_ms: Option<i64>,
) -> Result<Vec<String>, Fault> {
    b.update(key, |stored| {
        let (mut feed, mut gone) = Feed::of_channel(stored, created_at);
        for (file, key, _) in &plan.appended {
            feed.take(file, key);
        }
        for (file, key) in &plan.discarded {
            // Not taken: a newer PUT of the name replaced it, and deleted it.
            if feed.take(file, key) {
                gone.push(key.clone());
            }
        }
        if let Some(seq) = plan.last_encoder_sequence() {
            feed.last_appended.insert(rendition, seq);
        }
        if let Some(cutoff) = cutoff_ms {
            gone.extend(feed.prune_before(cutoff));
        }
        Ok(Change::Write(feed, gone))
    })
}

/// Drops another endpoint's uploads older than `cutoff_ms`.
fn prune_feed(
    b: &impl Backend,
    key: &str,
    created_at: &str,
    cutoff_ms: i64,
) -> Result<Vec<String>, Fault> {
    let Some(feed) = b.get::<Feed>(key)? else {
        return Ok(Vec::new());
    };
    if feed.channel_created_at == created_at && feed.uploads.values().all(|u| u.at_ms >= cutoff_ms)
    {
        return Ok(Vec::new());
    }
    b.update(key, |stored| {
        let (mut feed, mut gone) = Feed::of_channel(stored, created_at);
        gone.extend(feed.prune_before(cutoff_ms));
        Ok(if gone.is_empty() {
            Change::Keep(gone)
        } else {
            Change::Write(feed, gone)
        })
    })
}

/// Deletes the blobs of `keys` that no rendition index of `channel` lists.
/// Feeds and indexes are separate records, so a feed can still hold an
/// upload another request has just appended; the index is the authority
/// on what players may fetch, and a listed blob is never deleted.
fn delete_blobs(b: &impl Backend, channel: &str, keys: &[String]) -> Result<(), Fault> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut listed = std::collections::HashSet::new();
    for n in 1u32.. {
        let Some(index) = b.get::<StoredIndex>(&keys::segment_index(channel, n))? else {
            break;
        };
        listed.extend(index.segments.into_iter().map(|s| s.key));
    }
    for key in keys.iter().filter(|k| !listed.contains(*k)) {
        b.delete_blob(key)?;
    }
    Ok(())
}

/// The channel's ingest endpoint ids, and any the old state remembers.
fn ingest_ids(channel: &Channel, old: &IngestState) -> Vec<String> {
    let mut ids: Vec<String> = channel
        .hls_ingest
        .ingest_endpoints
        .iter()
        .map(|e| e.id.clone())
        .chain(old.last_segment_ms.keys().cloned())
        .chain(old.active_ingest.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
