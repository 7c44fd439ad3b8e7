//! Geospatial indexes: sorted sets whose scores are 52-bit geohashes, as Redis keeps
//! them, so GEOADD's scores, GEOHASH's strings, distances and the order of unsorted
//! search results are Redis's. The math follows Redis's `geohash.c` and
//! `geohash_helper.c`: interleaved latitude/longitude bits over the Web Mercator
//! latitude range, the haversine distance on a sphere of Redis's radius, and a search
//! that reads the score ranges of the geohash box around the centre and its eight
//! neighbours, in Redis's order.

use super::zset::{Range, RangeSpec, ScoreBound};
use super::{Db, Result};

pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;
pub const LAT_MIN: f64 = -85.051_128_78;
pub const LAT_MAX: f64 = 85.051_128_78;
const STEP_MAX: u32 = 26;
const EARTH_RADIUS_M: f64 = 6_372_797.560_856;
const MERCATOR_MAX: f64 = 20_037_726.37;

/// A search area: a circle, or a box of `width` by `height`, in metres, around a point.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    Radius(f64),
    Box { width: f64, height: f64 },
}

/// A member found by a search.
#[derive(Clone, Debug)]
pub struct Found {
    pub member: Vec<u8>,
    pub score: f64,
    /// Metres from the centre.
    pub dist: f64,
    pub lon: f64,
    pub lat: f64,
}

/// A geohash of `step` bits per coordinate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Hash {
    bits: u64,
    step: u32,
}

fn spread(v: u32) -> u64 {
    let mut x = v as u64;
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

fn squash(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    ((x | (x >> 16)) & 0xFFFF_FFFF) as u32
}

/// `geohashEncode`: latitude bits in the even positions, longitude in the odd ones.
fn encode(lon: f64, lat: f64, lat_range: (f64, f64), step: u32) -> Option<Hash> {
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) || !(lat_range.0..=lat_range.1).contains(&lat) {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (lat - lat_range.0) / (lat_range.1 - lat_range.0) * scale;
    let lon_offset = (lon - LONG_MIN) / (LONG_MAX - LONG_MIN) * scale;
    Some(Hash { bits: spread(lat_offset as u32) | (spread(lon_offset as u32) << 1), step })
}

/// The cell a hash names: `(lon_min, lon_max, lat_min, lat_max)`.
fn decode(hash: Hash) -> (f64, f64, f64, f64) {
    let (lat_i, lon_i) = (squash(hash.bits) as f64, squash(hash.bits >> 1) as f64);
    let scale = (1u64 << hash.step) as f64;
    let (lat_span, lon_span) = (LAT_MAX - LAT_MIN, LONG_MAX - LONG_MIN);
    (
        LONG_MIN + (lon_i / scale) * lon_span,
        LONG_MIN + ((lon_i + 1.0) / scale) * lon_span,
        LAT_MIN + (lat_i / scale) * lat_span,
        LAT_MIN + ((lat_i + 1.0) / scale) * lat_span,
    )
}

/// The 52-bit score of a position: GEOADD's score.
pub fn score_of(lon: f64, lat: f64) -> Option<f64> {
    encode(lon, lat, (LAT_MIN, LAT_MAX), STEP_MAX).map(|h| h.bits as f64)
}

/// A score as C's `(long long)` cast makes it on x86-64 (`cvttsd2si`): NaN and values
/// out of range become `i64::MIN`, where Rust's cast saturates. A geo set may hold any
/// score (ZADD, ZINTERSTORE ... WEIGHTS inf), and Redis reads it this way.
pub fn c_i64(score: f64) -> i64 {
    if score.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&score) {
        i64::MIN
    } else {
        score as i64
    }
}

/// A score as C's `(uint64_t)` cast makes it on x86-64, the way compilers build it from
/// `cvttsd2si`: what does not fit below 2^63 is converted less 2^63, with the top bit
/// flipped back.
fn c_u64(score: f64) -> u64 {
    const TOP: f64 = 9.223_372_036_854_776e18;
    if score < TOP {
        c_i64(score) as u64
    } else {
        (c_i64(score - TOP) as u64) ^ (1 << 63)
    }
}

/// The position a score stands for: the centre of its cell, `(lon, lat)`.
pub fn position(score: f64) -> (f64, f64) {
    let (lon_min, lon_max, lat_min, lat_max) = decode(Hash { bits: c_u64(score), step: STEP_MAX });
    (((lon_min + lon_max) / 2.0).clamp(LONG_MIN, LONG_MAX), ((lat_min + lat_max) / 2.0).clamp(LAT_MIN, LAT_MAX))
}

/// GEOHASH's 11-character standard geohash of a score (latitude over -90..90).
pub fn geohash_string(score: f64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = position(score);
    let bits = encode(lon, lat, (-90.0, 90.0), STEP_MAX).map_or(0, |h| h.bits);
    (0..11).map(|i| if i == 10 { '0' } else { ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize] as char }).collect()
}

fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (lat2.to_radians() - lat1.to_radians()).abs()
}

/// Metres between two positions: Redis's `geohashGetDistance`.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((lon2.to_radians() - lon1.to_radians()) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let (lat1r, lat2r) = (lat1.to_radians(), lat2.to_radians());
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// The distance of `(lon, lat)` from the centre if it lies in the shape.
fn within(shape: Shape, centre: (f64, f64), lon: f64, lat: f64) -> Option<f64> {
    match shape {
        Shape::Radius(r) => Some(distance(centre.0, centre.1, lon, lat)).filter(|d| *d <= r),
        Shape::Box { width, height } => {
            if lat_distance(lat, centre.1) > height / 2.0 || distance(lon, lat, centre.0, lat) > width / 2.0 {
                return None;
            }
            Some(distance(centre.0, centre.1, lon, lat))
        }
    }
}

fn move_x(h: Hash, d: i8) -> Hash {
    let (x, y) = (h.bits & 0xaaaa_aaaa_aaaa_aaaa, h.bits & 0x5555_5555_5555_5555);
    let zz = 0x5555_5555_5555_5555u64 >> (64 - h.step * 2);
    let x = if d > 0 { x.wrapping_add(zz + 1) } else { (x | zz).wrapping_sub(zz + 1) };
    Hash { bits: (x & (0xaaaa_aaaa_aaaa_aaaau64 >> (64 - h.step * 2))) | y, step: h.step }
}

fn move_y(h: Hash, d: i8) -> Hash {
    let (x, y) = (h.bits & 0xaaaa_aaaa_aaaa_aaaa, h.bits & 0x5555_5555_5555_5555);
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> (64 - h.step * 2);
    let y = if d > 0 { y.wrapping_add(zz + 1) } else { (y | zz).wrapping_sub(zz + 1) };
    Hash { bits: x | (y & (0x5555_5555_5555_5555u64 >> (64 - h.step * 2))), step: h.step }
}

fn moved(h: Hash, dx: i8, dy: i8) -> Hash {
    let h = if dx != 0 { move_x(h, dx) } else { h };
    if dy != 0 {
        move_y(h, dy)
    } else {
        h
    }
}

/// `geohashEstimateStepsByRadius`.
fn steps_for(radius_m: f64, lat: f64) -> u32 {
    if radius_m == 0.0 {
        return 26;
    }
    let (mut range, mut step) = (radius_m, 1i32);
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u32
}

/// The score ranges `[min, max)` to read for a search, in Redis's order (the centre's
/// box, then N, S, E, W, NE, NW, SE, SW), boxes that cannot hold a match left out and a
/// box equal to the one read before it skipped: `geohashCalculateAreasByShapeWGS84`
/// and `membersOfAllNeighbors`.
fn search_ranges(shape: Shape, centre: (f64, f64)) -> Vec<(f64, f64)> {
    let (lon, lat) = centre;
    let (half_h, half_w) = match shape {
        Shape::Radius(r) => (r, r),
        Shape::Box { width, height } => (height / 2.0, width / 2.0),
    };
    let lat_delta = (half_h / EARTH_RADIUS_M).to_degrees();
    let lon_delta_top = (half_w / EARTH_RADIUS_M / (lat + lat_delta).to_radians().cos()).to_degrees();
    let lon_delta_bottom = (half_w / EARTH_RADIUS_M / (lat - lat_delta).to_radians().cos()).to_degrees();
    let lon_delta = if lat < 0.0 { lon_delta_bottom } else { lon_delta_top };
    let (min_lon, max_lon, min_lat, max_lat) = (lon - lon_delta, lon + lon_delta, lat - lat_delta, lat + lat_delta);
    let radius = match shape {
        Shape::Radius(r) => r,
        Shape::Box { width, height } => ((width / 2.0).powi(2) + (height / 2.0).powi(2)).sqrt(),
    };
    let mut steps = steps_for(radius, lat);
    let around = |steps: u32| {
        let hash = encode(lon, lat, (LAT_MIN, LAT_MAX), steps).expect("a centre within the limits");
        // Centre, N, S, E, W, NE, NW, SE, SW.
        let boxes =
            [(0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)].map(|(dx, dy)| Some(moved(hash, dx, dy)));
        (hash, boxes)
    };
    let (mut hash, mut boxes) = around(steps);
    let reaches = |b: Option<Hash>| decode(b.expect("a neighbour"));
    let too_small =
        reaches(boxes[1]).3 < max_lat || reaches(boxes[2]).2 > min_lat || reaches(boxes[3]).1 < max_lon || reaches(boxes[4]).0 > min_lon;
    if steps > 1 && too_small {
        steps -= 1;
        (hash, boxes) = around(steps);
    }
    if steps >= 2 {
        let (a_lon_min, a_lon_max, a_lat_min, a_lat_max) = decode(hash);
        let drop = |boxes: &mut [Option<Hash>; 9], which: [usize; 3]| which.iter().for_each(|&i| boxes[i] = None);
        if a_lat_min < min_lat {
            drop(&mut boxes, [2, 7, 8]);
        }
        if a_lat_max > max_lat {
            drop(&mut boxes, [1, 5, 6]);
        }
        if a_lon_min < min_lon {
            drop(&mut boxes, [4, 8, 6]);
        }
        if a_lon_max > max_lon {
            drop(&mut boxes, [3, 7, 5]);
        }
    }
    // A huge area can make neighbours the same box: one equal to the box read just
    // before it is skipped, unless that was the centre's (as Redis compares).
    let mut ranges = Vec::new();
    let mut last = 0;
    for (i, b) in boxes.iter().enumerate() {
        let Some(b) = *b else { continue };
        if last != 0 && boxes[last] == Some(b) {
            continue;
        }
        last = i;
        let shift = 52 - b.step * 2;
        ranges.push(((b.bits << shift) as f64, ((b.bits + 1) << shift) as f64));
    }
    ranges
}

impl Db<'_> {
    /// The members of the geo set at `key` within `shape` around `centre`, in the order
    /// Redis finds them; with `limit`, the search stops once it holds that many (ANY).
    pub fn geo_search(&self, key: &[u8], centre: (f64, f64), shape: Shape, limit: Option<usize>) -> Result<Vec<Found>> {
        let mut found = Vec::new();
        for (min, max) in search_ranges(shape, centre) {
            if limit.is_some_and(|l| found.len() >= l) {
                break;
            }
            let range = Range::Score(ScoreBound { value: min, exclusive: false }, ScoreBound { value: max, exclusive: true });
            for (member, score) in self.zrange(key, &RangeSpec::new(range, false))? {
                let (lon, lat) = position(score);
                if let Some(dist) = within(shape, centre, lon, lat) {
                    found.push(Found { member, score, dist, lon, lat });
                    if limit.is_some_and(|l| found.len() >= l) {
                        break;
                    }
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_hashes_are_redis_s() {
        // GEOADD Sicily 13.361389 38.115556 "Palermo": Redis's score and GEOHASH.
        let score = score_of(13.361389, 38.115556).unwrap();
        assert_eq!(score, 3479099956230698.0);
        assert_eq!(geohash_string(score), "sqc8b49rny0");
        let (lon, lat) = position(score);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        let catania = position(score_of(15.087269, 37.502669).unwrap());
        assert_eq!(format!("{:.4}", distance(lon, lat, catania.0, catania.1) / 1000.0), "166.2742");
        assert!(score_of(200.0, 10.0).is_none());
        // Scores no GEOADD writes still decode as Redis decodes them on x86-64.
        assert_eq!(c_u64(f64::INFINITY), 0);
        assert_eq!(c_u64(-3.0), -3i64 as u64);
        assert_eq!(c_i64(f64::INFINITY), i64::MIN);
        assert_eq!(geohash_string(f64::INFINITY), "00bh0hbj200");
    }
}
