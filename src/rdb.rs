//! One value in Redis's serialization format (RDB), as DUMP writes it and RESTORE reads
//! it, so that values move between DiskDB and Redis. Pure bytes: the types layer
//! (`types/dump.rs`) reads and writes the keys; a fuzz target (`fuzz/`) runs [`decode`].
//!
//! A payload is `[type u8][value][rdb version u16 LE][crc64 u64 LE]`, the CRC (Jones
//! polynomial, Redis's `crc64`) covering everything before it. DUMP writes the plain
//! encodings (string 0, list 1, set 2, hash 4, sorted set 5 with binary scores) and
//! stamps RDB version 9, so that Redis 5.0 and every later Redis accept them. RESTORE reads those and
//! the compact encodings Redis 7.0-7.4 write for small or integer-only values (ziplists,
//! listpacks, intsets, quicklists, LZF-compressed strings), up to RDB version 12.
//! Streams and JSON documents have no encoding here (Redis's stream encoding carries its
//! radix tree; JSON is a module type): DUMP refuses them.
//!
//! Every read is bounds-checked: a payload is client input, and a malformed one is
//! `Bad data format`, never a panic. What it decodes to is paid for in its bytes (a count
//! is bounded by the bytes left, at the smallest size of what it counts), and a value of
//! more than [`MAX_ITEMS`] elements is refused: 24 bytes of bookkeeping per element, for
//! elements as small as one byte, would let a 512 MB payload take 12 GB to decode.

use foldhash::{HashSet, HashSetExt};

/// The longest string a payload may hold, Redis's `proto-max-bulk-len` (as
/// `types::MAX_STRING`; this module stands alone for the fuzz target).
const MAX_STRING: usize = 512 * 1024 * 1024;

/// A key's value, as DUMP serializes it and RESTORE recreates it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    ZSet(Vec<(Vec<u8>, f64)>),
}

/// Why a payload was refused, in RESTORE's two errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadError {
    /// Too short, a newer RDB version, or a checksum that does not match.
    VersionOrChecksum,
    /// The value inside does not parse (or would make an empty or duplicate collection).
    BadFormat,
}

impl PayloadError {
    /// Redis's error line.
    pub fn message(self) -> &'static str {
        match self {
            PayloadError::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            PayloadError::BadFormat => "ERR Bad data format",
        }
    }
}

/// The RDB version DUMP stamps: Redis 5.0-6.2's. The encodings DUMP writes are all that
/// old (sorted set 5 came with version 8), and Redis accepts any version up to its own.
const VERSION_WRITTEN: u16 = 9;
/// The newest RDB version RESTORE accepts (Redis 7.4).
const VERSION_READ: u16 = 12;

/// The most elements (members, fields, list elements) one payload may hold.
pub const MAX_ITEMS: usize = 1 << 24;

// RDB object types (Redis's rdb.h).
const T_STRING: u8 = 0;
const T_LIST: u8 = 1;
const T_SET: u8 = 2;
const T_ZSET: u8 = 3;
const T_HASH: u8 = 4;
const T_ZSET_2: u8 = 5;
const T_LIST_ZIPLIST: u8 = 10;
const T_SET_INTSET: u8 = 11;
const T_ZSET_ZIPLIST: u8 = 12;
const T_HASH_ZIPLIST: u8 = 13;
const T_LIST_QUICKLIST: u8 = 14;
const T_HASH_LISTPACK: u8 = 16;
const T_ZSET_LISTPACK: u8 = 17;
const T_LIST_QUICKLIST_2: u8 = 18;
const T_SET_LISTPACK: u8 = 20;

fn crc64(bytes: &[u8]) -> u64 {
    const CRC: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);
    CRC.checksum(bytes)
}

/// DUMP's payload for `value`.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    match value {
        Value::String(s) => {
            out.push(T_STRING);
            put_string(&mut out, s);
        }
        Value::List(items) | Value::Set(items) => {
            out.push(if matches!(value, Value::List(_)) { T_LIST } else { T_SET });
            put_len(&mut out, items.len() as u64);
            items.iter().for_each(|s| put_string(&mut out, s));
        }
        Value::Hash(pairs) => {
            out.push(T_HASH);
            put_len(&mut out, pairs.len() as u64);
            for (field, value) in pairs {
                put_string(&mut out, field);
                put_string(&mut out, value);
            }
        }
        Value::ZSet(items) => {
            out.push(T_ZSET_2);
            put_len(&mut out, items.len() as u64);
            for (member, score) in items {
                put_string(&mut out, member);
                out.extend_from_slice(&score.to_le_bytes());
            }
        }
    }
    out.extend_from_slice(&VERSION_WRITTEN.to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The RDB opcode of a function library (Redis 7's `RDB_OPCODE_FUNCTION2`), and of the
/// pre-release format Redis refuses too.
const FUNCTION2: u8 = 245;
const FUNCTION_PRE_GA: u8 = 246;

/// The RDB version FUNCTION DUMP writes: the first with [`FUNCTION2`] (Redis 7.0's).
const VERSION_FUNCTIONS: u16 = 10;

/// FUNCTION DUMP's payload: each library's code after the library opcode, then the
/// footer, as Redis 7 writes it.
pub fn encode_functions<'a>(codes: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(FUNCTION2);
        put_string(&mut out, code);
    }
    out.extend_from_slice(&VERSION_FUNCTIONS.to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// FUNCTION RESTORE's reading of a payload: the libraries' code, or Redis's error.
pub fn decode_functions(payload: &[u8]) -> std::result::Result<Vec<Vec<u8>>, &'static str> {
    let body = checked_body(payload).ok_or(PayloadError::VersionOrChecksum.message())?;
    let mut reader = Reader { buf: body, pos: 0 };
    let mut codes = Vec::new();
    while reader.pos < reader.buf.len() {
        match reader.byte() {
            Some(FUNCTION2) => codes.push(reader.string().ok_or("ERR failed loading the given functions payload")?),
            Some(FUNCTION_PRE_GA) => return Err("ERR Pre-GA function format not supported"),
            _ => return Err("ERR given type is not a function"),
        }
    }
    Ok(codes)
}

/// RDB's length prefix: 6, 14, 32 or 64 bits.
fn put_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// RESTORE's reading of a payload: the footer first (as Redis checks it before the
/// value), then the value.
pub fn decode(payload: &[u8]) -> std::result::Result<Value, PayloadError> {
    let body = checked_body(payload).ok_or(PayloadError::VersionOrChecksum)?;
    decode_value(body).ok_or(PayloadError::BadFormat)
}

/// A payload's body, without its footer (RDB version, CRC-64), if the footer is there,
/// names a version this reads and matches the body.
fn checked_body(payload: &[u8]) -> Option<&[u8]> {
    if payload.len() < 10 {
        return None;
    }
    let (body, crc) = payload.split_at(payload.len() - 8);
    let version = u16::from_le_bytes([body[body.len() - 2], body[body.len() - 1]]);
    (version <= VERSION_READ && crc64(body) == le(crc)).then(|| &body[..body.len() - 2])
}

/// The value in a payload's body (its type byte and what follows, without the footer).
/// Bytes after the value are ignored, as Redis ignores them.
pub fn decode_value(body: &[u8]) -> Option<Value> {
    read_value(&mut Reader { buf: body, pos: 0 })
}

/// A cursor over untrusted bytes; every method returns `None` past the end.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len())?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Some(s)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn be(&mut self, n: usize) -> Option<u64> {
        Some(self.take(n)?.iter().fold(0, |acc, &b| acc << 8 | b as u64))
    }

    /// A length prefix, and whether it is a special encoding (`11xxxxxx`).
    fn len(&mut self) -> Option<(u64, bool)> {
        let b = self.byte()?;
        match b >> 6 {
            0 => Some(((b & 0x3f) as u64, false)),
            1 => Some((((b & 0x3f) as u64) << 8 | self.byte()? as u64, false)),
            2 => match b {
                0x80 => Some((self.be(4)?, false)),
                0x81 => Some((self.be(8)?, false)),
                _ => None,
            },
            _ => Some(((b & 0x3f) as u64, true)),
        }
    }

    /// A count of things that follow, each at least `min_bytes` long: bounded by the
    /// bytes left and by [`MAX_ITEMS`].
    fn count(&mut self, min_bytes: usize) -> Option<usize> {
        match self.len()? {
            (n, false) if n as usize <= ((self.buf.len() - self.pos) / min_bytes).min(MAX_ITEMS) => Some(n as usize),
            _ => None,
        }
    }

    /// A string: plain, an integer encoding, or LZF-compressed.
    fn string(&mut self) -> Option<Vec<u8>> {
        let (n, special) = self.len()?;
        if !special {
            return Some(self.take(usize::try_from(n).ok()?)?.to_vec());
        }
        let int = match n {
            0 => self.take(1)?[0] as i8 as i64,
            1 => i16::from_le_bytes(self.take(2)?.try_into().ok()?) as i64,
            2 => i32::from_le_bytes(self.take(4)?.try_into().ok()?) as i64,
            3 => {
                let (compressed, _) = self.len().filter(|l| !l.1)?;
                let (plain, _) = self.len().filter(|l| !l.1)?;
                let data = self.take(usize::try_from(compressed).ok()?)?;
                return lzf_decompress(data, usize::try_from(plain).ok()?);
            }
            _ => return None,
        };
        Some(int.to_string().into_bytes())
    }

    /// A score written as text (type 3): a length byte, or 253/254/255 for NaN/inf/-inf.
    fn text_double(&mut self) -> Option<f64> {
        match self.byte()? {
            253 => Some(f64::NAN),
            254 => Some(f64::INFINITY),
            255 => Some(f64::NEG_INFINITY),
            n => parse_score(self.take(n as usize)?),
        }
    }
}

fn parse_score(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.parse::<f64>().ok()
}

/// liblzf's format, as Redis compresses strings longer than 20 bytes.
fn lzf_decompress(input: &[u8], plain_len: usize) -> Option<Vec<u8>> {
    // A back reference (3 bytes at most) expands to at most 264: a longer claim is a lie.
    if plain_len > MAX_STRING || plain_len > input.len().saturating_mul(88) + 32 {
        return None;
    }
    let mut out = Vec::with_capacity(plain_len);
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let run = input.get(i..i + ctrl + 1)?;
            out.extend_from_slice(run);
            i += ctrl + 1;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i)? as usize;
                i += 1;
            }
            len += 2;
            let back = ((ctrl & 0x1f) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            let start = out.len().checked_sub(back)?;
            // The reference may overlap what it produces (a run): copy byte by byte.
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
        if out.len() > plain_len {
            return None;
        }
    }
    (out.len() == plain_len).then_some(out)
}

/// One element of a ziplist or listpack.
enum Packed<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl Packed<'_> {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Packed::Str(s) => s.to_vec(),
            Packed::Int(i) => i.to_string().into_bytes(),
        }
    }

    fn score(&self) -> Option<f64> {
        match self {
            Packed::Str(s) => parse_score(s),
            Packed::Int(i) => Some(*i as f64),
        }
    }
}

fn signed(raw: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((raw << shift) as i64) >> shift
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |acc, &b| acc << 8 | b as u64)
}

/// The elements of a listpack (Redis 7's compact encoding).
fn listpack(lp: &[u8]) -> Option<Vec<Packed<'_>>> {
    if lp.len() < 7 || le(&lp[..4]) != lp.len() as u64 || *lp.last()? != 0xff {
        return None;
    }
    let mut out = Vec::new();
    let mut pos = 6;
    let end = lp.len() - 1;
    while pos < end {
        let b = lp[pos];
        let at = |from: usize, n: usize| lp.get(pos + from..pos + from + n).filter(|_| pos + from + n <= end);
        let (element, len) = if b & 0x80 == 0 {
            (Packed::Int((b & 0x7f) as i64), 1)
        } else if b & 0xc0 == 0x80 {
            let n = (b & 0x3f) as usize;
            (Packed::Str(at(1, n)?), 1 + n)
        } else if b & 0xe0 == 0xc0 {
            (Packed::Int(signed(((b & 0x1f) as u64) << 8 | *at(1, 1)?.first()? as u64, 13)), 2)
        } else if b & 0xf0 == 0xe0 {
            let n = ((b & 0x0f) as usize) << 8 | *at(1, 1)?.first()? as usize;
            (Packed::Str(at(2, n)?), 2 + n)
        } else {
            match b {
                0xf0 => {
                    let n = le(at(1, 4)?) as usize;
                    (Packed::Str(at(5, n)?), 5 + n)
                }
                0xf1 => (Packed::Int(signed(le(at(1, 2)?), 16)), 3),
                0xf2 => (Packed::Int(signed(le(at(1, 3)?), 24)), 4),
                0xf3 => (Packed::Int(signed(le(at(1, 4)?), 32)), 5),
                0xf4 => (Packed::Int(le(at(1, 8)?) as i64), 9),
                _ => return None,
            }
        };
        // Each entry ends with its own length, in 1 to 5 bytes of 7 bits.
        let backlen = match len {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2097150 => 3,
            2097151..=268435454 => 4,
            _ => 5,
        };
        pos = pos.checked_add(len + backlen).filter(|&p| p <= end)?;
        out.push(element);
        if out.len() > MAX_ITEMS {
            return None;
        }
    }
    Some(out)
}

/// The elements of a ziplist (the compact encoding before Redis 7).
fn ziplist(zl: &[u8]) -> Option<Vec<Packed<'_>>> {
    if zl.len() < 11 || le(&zl[..4]) != zl.len() as u64 || *zl.last()? != 0xff {
        return None;
    }
    let mut out = Vec::new();
    let mut pos = 10;
    let end = zl.len() - 1;
    while pos < end {
        // The previous entry's length, in 1 or 5 bytes.
        pos += match zl[pos] {
            0..=253 => 1,
            254 => 5,
            _ => return None,
        };
        let at = |from: usize, n: usize| zl.get(pos + from..pos + from + n).filter(|_| pos + from + n <= end);
        let b = *at(0, 1)?.first()?;
        let (element, len) = match b >> 6 {
            0 => {
                let n = (b & 0x3f) as usize;
                (Packed::Str(at(1, n)?), 1 + n)
            }
            1 => {
                let n = ((b & 0x3f) as usize) << 8 | *at(1, 1)?.first()? as usize;
                (Packed::Str(at(2, n)?), 2 + n)
            }
            2 if b == 0x80 => {
                let n = u32::from_be_bytes(at(1, 4)?.try_into().ok()?) as usize;
                (Packed::Str(at(5, n)?), 5 + n)
            }
            2 => return None,
            _ => match b {
                0xc0 => (Packed::Int(signed(le(at(1, 2)?), 16)), 3),
                0xd0 => (Packed::Int(signed(le(at(1, 4)?), 32)), 5),
                0xe0 => (Packed::Int(le(at(1, 8)?) as i64), 9),
                0xf0 => (Packed::Int(signed(le(at(1, 3)?), 24)), 4),
                0xfe => (Packed::Int(*at(1, 1)?.first()? as i8 as i64), 2),
                0xf1..=0xfd => (Packed::Int((b & 0x0f) as i64 - 1), 1),
                _ => return None,
            },
        };
        pos = pos.checked_add(len).filter(|&p| p <= end)?;
        out.push(element);
        if out.len() > MAX_ITEMS {
            return None;
        }
    }
    Some(out)
}

/// The members of an intset: `[encoding u32][length u32][ints]`, little-endian.
fn intset(blob: &[u8]) -> Option<Vec<Vec<u8>>> {
    let width = le(blob.get(..4)?) as usize;
    let n = le(blob.get(4..8)?) as usize;
    if !matches!(width, 2 | 4 | 8) || n > MAX_ITEMS || blob.len() != 8 + width.checked_mul(n)? {
        return None;
    }
    Some(blob[8..].chunks(width).map(|c| signed(le(c), 8 * width as u32).to_string().into_bytes()).collect())
}

fn pairs(elements: Vec<Packed<'_>>) -> Option<Vec<(Packed<'_>, Packed<'_>)>> {
    if !elements.len().is_multiple_of(2) {
        return None;
    }
    let mut it = elements.into_iter();
    let mut out = Vec::new();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        out.push((a, b));
    }
    Some(out)
}

fn read_value(r: &mut Reader<'_>) -> Option<Value> {
    let value = match r.byte()? {
        T_STRING => Value::String(r.string()?),
        t @ (T_LIST | T_SET) => {
            let n = r.count(1)?;
            let items = (0..n).map(|_| r.string()).collect::<Option<Vec<_>>>()?;
            if t == T_LIST {
                Value::List(items)
            } else {
                Value::Set(items)
            }
        }
        t @ (T_ZSET | T_ZSET_2) => {
            let binary = t == T_ZSET_2;
            // A member of at least a length byte, and a score of 8 bytes or a length byte.
            let n = r.count(if binary { 9 } else { 2 })?;
            let mut items = Vec::new();
            for _ in 0..n {
                let member = r.string()?;
                let score = if binary { f64::from_le_bytes(r.take(8)?.try_into().ok()?) } else { r.text_double()? };
                items.push((member, score));
            }
            Value::ZSet(items)
        }
        T_HASH => {
            let n = r.count(2)?;
            let pairs = (0..n).map(|_| Some((r.string()?, r.string()?))).collect::<Option<Vec<_>>>()?;
            Value::Hash(pairs)
        }
        T_LIST_ZIPLIST => Value::List(ziplist(&r.string()?)?.iter().map(Packed::bytes).collect()),
        T_SET_INTSET => Value::Set(intset(&r.string()?)?),
        T_SET_LISTPACK => Value::Set(listpack(&r.string()?)?.iter().map(Packed::bytes).collect()),
        t @ (T_ZSET_ZIPLIST | T_ZSET_LISTPACK) => {
            let blob = r.string()?;
            let elements = if t == T_ZSET_ZIPLIST { ziplist(&blob)? } else { listpack(&blob)? };
            let items = pairs(elements)?.into_iter().map(|(m, s)| Some((m.bytes(), s.score()?))).collect::<Option<_>>()?;
            Value::ZSet(items)
        }
        t @ (T_HASH_ZIPLIST | T_HASH_LISTPACK) => {
            let blob = r.string()?;
            let elements = if t == T_HASH_ZIPLIST { ziplist(&blob)? } else { listpack(&blob)? };
            Value::Hash(pairs(elements)?.into_iter().map(|(f, v)| (f.bytes(), v.bytes())).collect())
        }
        T_LIST_QUICKLIST => {
            let mut items = Vec::new();
            for _ in 0..r.count(1)? {
                items.extend(ziplist(&r.string()?)?.iter().map(Packed::bytes));
                if items.len() > MAX_ITEMS {
                    return None;
                }
            }
            Value::List(items)
        }
        T_LIST_QUICKLIST_2 => {
            let mut items = Vec::new();
            for _ in 0..r.count(2)? {
                // Container 1 is one plain element, 2 a listpack of them.
                match r.len()? {
                    (1, false) => items.push(r.string()?),
                    (2, false) => items.extend(listpack(&r.string()?)?.iter().map(Packed::bytes)),
                    _ => return None,
                }
                if items.len() > MAX_ITEMS {
                    return None;
                }
            }
            Value::List(items)
        }
        _ => return None,
    };
    check(value)
}

/// Refuses what Redis refuses to load: empty collections, duplicate members or fields,
/// NaN scores, oversized strings.
fn check(value: Value) -> Option<Value> {
    fn distinct<'a>(mut keys: impl Iterator<Item = &'a [u8]>) -> bool {
        let mut seen = HashSet::new();
        keys.all(|k| seen.insert(k))
    }
    let ok = match &value {
        Value::String(s) => s.len() <= MAX_STRING,
        Value::List(items) => !items.is_empty(),
        Value::Set(items) => !items.is_empty() && distinct(items.iter().map(|m| &m[..])),
        Value::Hash(pairs) => !pairs.is_empty() && distinct(pairs.iter().map(|(f, _)| &f[..])),
        Value::ZSet(items) => !items.is_empty() && items.iter().all(|(_, s)| !s.is_nan()) && distinct(items.iter().map(|(m, _)| &m[..])),
    };
    ok.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(items: &[&str]) -> Vec<Vec<u8>> {
        items.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn seal(body: &[u8]) -> Vec<u8> {
        let mut p = body.to_vec();
        p.extend_from_slice(&VERSION_WRITTEN.to_le_bytes());
        let crc = crc64(&p);
        p.extend_from_slice(&crc.to_le_bytes());
        p
    }

    /// Payloads Redis 7.0.15 wrote with DUMP, with the value each holds; and a ziplist
    /// (the encoding of RDB files before Redis 7) built by hand.
    fn redis_payloads() -> Vec<(&'static str, Vec<u8>, Value)> {
        let h = |f: &str, v: &str| (f.as_bytes().to_vec(), v.as_bytes().to_vec());
        let z = |m: &str, s: f64| (m.as_bytes().to_vec(), s);
        // "ab", 7 (an immediate), -2 (int8), 300 (int16).
        let zl =
            unhex("1800000013000000040000026162" /* header, "ab" */).into_iter().chain(unhex("04f802fefe03c02c01ff")).collect::<Vec<u8>>();
        let blob = |t: u8| seal(&[&[t, zl.len() as u8][..], &zl].concat());
        vec![
            ("int string", unhex("00c139300a009d94ea2793fc08b9"), Value::String(b"12345".to_vec())),
            ("negative int8 string", unhex("00c0f90a005e26d130d7a242ab"), Value::String(b"-7".to_vec())),
            ("lzf string", unhex("00c30a3c02616261e02e010161620a00bb16d3ebae6fc574"), Value::String(b"ab".repeat(30))),
            (
                "quicklist of a listpack",
                unhex("120102252500000007008161020101dffb02f2a0860104f290eefe04f400f2052a01000000098001ff0a00e2a13096d7385b93"),
                Value::List(bytes(&["a", "1", "-5", "100000", "-70000", "5000000000", ""])),
            ),
            (
                "lzf intset",
                unhex("0bc32228040800000004200301fdff80000001200b400001409c4005200002f2052a201300000a00f14e9c2df7ca2640"),
                Value::Set(bytes(&["-3", "1", "40000", "5000000000"])),
            ),
            ("hashtable set", unhex("02030162c00701610a002d3ad4bcce3d99a4"), Value::Set(bytes(&["b", "7", "a"]))),
            (
                "listpack hash",
                unhex("101a1a0000000600816602817602816e020c01836e656704dfff02ff0a001f04c93dd53e78bb"),
                Value::Hash(vec![h("f", "v"), h("n", "12"), h("neg", "-1")]),
            ),
            (
                "listpack zset",
                unhex("111d1d0000000600816202842d696e660581610283312e35048163020301ff0a002970c58fcde6fc31"),
                Value::ZSet(vec![z("b", f64::NEG_INFINITY), z("a", 1.5), z("c", 3.0)]),
            ),
            (
                "hash with an lzf value",
                unhex("04010166c3094046017878e039000178780a003e6c955f2e52e7c1"),
                Value::Hash(vec![h("f", &"x".repeat(70))]),
            ),
            ("ziplist list", blob(T_LIST_ZIPLIST), Value::List(bytes(&["ab", "7", "-2", "300"]))),
            ("ziplist hash", blob(T_HASH_ZIPLIST), Value::Hash(vec![h("ab", "7"), h("-2", "300")])),
        ]
    }

    #[test]
    fn the_crc_is_redis_crc64() {
        // Redis's own test vector (crc64.c).
        assert_eq!(crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
    }

    #[test]
    fn every_value_round_trips() {
        let values = [
            Value::String(b"".to_vec()),
            Value::String(vec![0xff; 70_000]),
            Value::List(bytes(&["a", "", "c"])),
            Value::Set(bytes(&["x", "y"])),
            Value::Hash(vec![(b"f".to_vec(), b"v".to_vec()), (b"g".to_vec(), vec![])]),
            Value::ZSet(vec![(b"a".to_vec(), -0.5), (b"b".to_vec(), f64::INFINITY)]),
        ];
        for v in values {
            assert_eq!(decode(&encode(&v)), Ok(v.clone()), "{v:?}");
        }
    }

    #[test]
    fn redis_payloads_decode() {
        for (what, payload, value) in redis_payloads() {
            assert_eq!(decode(&payload), Ok(value), "{what}");
        }
    }

    #[test]
    fn damaged_payloads_are_refused_without_panicking() {
        let good = encode(&Value::Hash(vec![(b"field".to_vec(), b"value".to_vec())]));
        assert_eq!(decode(&good[..9]), Err(PayloadError::VersionOrChecksum));
        let mut flipped = good.clone();
        flipped[3] ^= 1;
        assert_eq!(decode(&flipped), Err(PayloadError::VersionOrChecksum));
        // Every truncation and every byte value at every position, re-checksummed so
        // the parser itself is exercised.
        let reseal = seal;
        let body = &good[..good.len() - 10];
        for cut in 0..body.len() {
            assert_eq!(decode(&reseal(&body[..cut])), Err(PayloadError::BadFormat), "cut at {cut}");
        }
        for i in 0..body.len() {
            for b in 0..=255u8 {
                let mut bad = body.to_vec();
                bad[i] = b;
                let _ = decode(&reseal(&bad));
            }
        }
        // Empty and duplicate collections, NaN scores.
        assert_eq!(decode(&encode(&Value::Set(vec![]))), Err(PayloadError::BadFormat));
        assert_eq!(decode(&encode(&Value::Set(bytes(&["a", "a"])))), Err(PayloadError::BadFormat));
        assert_eq!(decode(&encode(&Value::ZSet(vec![(b"a".to_vec(), f64::NAN)]))), Err(PayloadError::BadFormat));
        // A newer RDB version.
        let mut newer = good[..good.len() - 10].to_vec();
        newer.extend_from_slice(&13u16.to_le_bytes());
        let crc = crc64(&newer);
        newer.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(decode(&newer), Err(PayloadError::VersionOrChecksum));
    }

    #[test]
    fn counts_are_paid_for_in_bytes() {
        // A sorted set claiming a million members with a million bytes: 9 bytes each are
        // needed, so it is refused before anything is reserved.
        let n: u64 = 1 << 20;
        let mut body = vec![T_ZSET_2, 0x81];
        body.extend_from_slice(&n.to_be_bytes());
        body.resize(body.len() + n as usize, 0);
        assert_eq!(decode(&seal(&body)), Err(PayloadError::BadFormat));
        // More elements than MAX_ITEMS, each one byte (an empty string).
        let n = MAX_ITEMS as u32 + 1;
        let mut body = vec![T_LIST, 0x80];
        body.extend_from_slice(&n.to_be_bytes());
        body.resize(body.len() + n as usize, 0);
        assert_eq!(decode(&seal(&body)), Err(PayloadError::BadFormat));
        body.truncate(body.len() - 1);
        body[2..6].copy_from_slice(&(n - 1).to_be_bytes());
        assert!(matches!(decode(&seal(&body)), Ok(Value::List(items)) if items.len() == MAX_ITEMS));
    }

    #[test]
    fn lzf_runs_and_back_references() {
        // "aaaaaaaaaa": a literal 'a', then a back reference of 9 bytes at distance 1.
        assert_eq!(lzf_decompress(&[0x00, b'a', 0xe0, 0x00, 0x00], 10), Some(b"aaaaaaaaaa".to_vec()));
        assert_eq!(lzf_decompress(&[0x00, b'a', 0xe0, 0x00, 0x00], 11), None);
        assert_eq!(lzf_decompress(&[0x20, 0x05], 3), None, "a reference before the start");
    }
}
