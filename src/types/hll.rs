//! HyperLogLog: PFADD, PFCOUNT and PFMERGE on strings in Redis's own format, so values
//! move between DiskDB and Redis (GET/SET, DUMP/RESTORE) and count the same. A value is
//! a 16-byte header (`HYLL`, the encoding, three unused bytes, the cached cardinality in
//! little-endian with its top bit meaning "stale") and 16,384 six-bit registers: dense
//! (12,288 bytes) or sparse (runs of zeros and of small values). The sparse updates follow
//! Redis's `hllSparseSet` step by step, so the bytes stored are the bytes Redis stores.

use super::{Db, Error, Result};
use crate::storage::{Kind, Meta};

const P: u32 = 14;
const Q: u32 = 64 - P;
const REGISTERS: usize = 1 << P;
const REGISTER_MAX: u8 = 63;
const HEADER: usize = 16;
const DENSE_SIZE: usize = HEADER + (REGISTERS * 6).div_ceil(8);
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
/// Redis's `hll-sparse-max-bytes`: a sparse value that would grow past it turns dense.
const SPARSE_MAX_BYTES: usize = 3000;
const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;

impl Db<'_> {
    /// PFADD: adds `elements` to the HyperLogLog at `key`, creating it; whether a
    /// register changed (or the key was created).
    pub fn pfadd(&self, key: &[u8], elements: &[&[u8]]) -> Result<bool> {
        self.update(key, |cur| {
            let (mut hll, created) = match cur {
                Some(v) => (check(v)?.to_vec(), false),
                None => (new_sparse(), true),
            };
            let mut updated = created;
            for e in elements {
                let (index, count) = pattern_len(e);
                updated |= set_register(&mut hll, index, count)?;
            }
            if !updated {
                return Ok((None, false));
            }
            hll[15] |= 0x80;
            Ok((Some(hll), true))
        })
    }

    /// PFCOUNT: the estimated cardinality of the union of the HyperLogLogs at `keys`
    /// (missing keys are empty). A single key's cached count is used when it is fresh,
    /// and stored in its header when it was stale, as Redis does: PFCOUNT is a read that
    /// may write.
    pub fn pfcount(&self, keys: &[&[u8]]) -> Result<u64> {
        if let [key] = keys {
            let Some(v) = self.get(key)? else { return Ok(0) };
            let hll = check(&v)?;
            if hll[15] & 0x80 == 0 {
                return Ok(u64::from_le_bytes(hll[8..16].try_into().expect("8 bytes")));
            }
            let n = count(&histogram(hll)?);
            // Cache the count in the header, as Redis does, unless the value changed
            // since it was read.
            self.update(key, |cur| {
                let mut cached = v.clone();
                cached[8..16].copy_from_slice(&n.to_le_bytes());
                Ok((cur.is_some_and(|c| c == &v[..]).then_some(cached), ()))
            })?;
            return Ok(n);
        }
        let mut max = [0u8; REGISTERS];
        for key in keys {
            if let Some(v) = self.get(key)? {
                merge_into(&mut max, check(&v)?)?;
            }
        }
        let mut histo = [0u32; 64];
        max.iter().for_each(|&r| histo[r as usize] += 1);
        Ok(count(&histo))
    }

    /// PFMERGE: stores at `dst` the union of its own HyperLogLog and those at `sources`,
    /// dense if any input is dense.
    pub fn pfmerge(&self, dst: &[u8], sources: &[&[u8]]) -> Result<()> {
        let mut keys: Vec<&[u8]> = vec![dst];
        keys.extend(sources.iter().filter(|k| **k != dst));
        let lock = self.lock(&keys)?;
        let mut max = [0u8; REGISTERS];
        let mut dense = false;
        let mut current = None;
        for key in std::iter::once(&dst).chain(sources) {
            let Some(v) = self.get(key)? else { continue };
            let hll = check(&v)?;
            dense |= hll[4] == DENSE;
            merge_into(&mut max, hll)?;
            if *key == dst && current.is_none() {
                current = Some(v);
            }
        }
        let mut hll = current.unwrap_or_else(new_sparse);
        if dense {
            to_dense(&mut hll)?;
        }
        for (index, &value) in max.iter().enumerate().filter(|(_, &v)| v > 0) {
            set_register(&mut hll, index, value)?;
        }
        hll[15] |= 0x80;
        let stored = self.store.get_meta(self.db, dst)?;
        let expire_at = stored.as_ref().filter(|m| !m.is_expired(self.now)).map_or(0, |m| m.expire_at);
        let mut batch = self.store.batch();
        batch.put_meta(self.db, dst, stored.as_ref(), &Meta::new(Kind::String, expire_at, hll));
        self.write(&lock, batch)
    }
}

/// `value` if it is a HyperLogLog: Redis's `isHLLObjectOrReply`.
fn check(value: &[u8]) -> Result<&[u8]> {
    let ok = value.len() >= HEADER && &value[..4] == b"HYLL" && value[4] <= SPARSE && (value[4] != DENSE || value.len() == DENSE_SIZE);
    if ok {
        Ok(value)
    } else {
        Err(Error::NotHll)
    }
}

/// An empty sparse HyperLogLog: one XZERO run over every register.
fn new_sparse() -> Vec<u8> {
    let mut v = b"HYLL".to_vec();
    v.extend([SPARSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    push_xzero(&mut v, REGISTERS);
    v
}

/// The register an element falls in and the length of its hash's run of zeros plus
/// one: Redis's `hllPatLen`.
fn pattern_len(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, 0xadc8_3b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// MurmurHash64A, as Redis's copy computes it on little-endian machines.
fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

fn dense_get(regs: &[u8], index: usize) -> u8 {
    let (byte, shift) = (index * 6 / 8, index * 6 % 8);
    let b0 = regs[byte] as u16;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u16;
    (((b0 >> shift) | (b1 << (8 - shift))) & REGISTER_MAX as u16) as u8
}

fn dense_set(regs: &mut [u8], index: usize, value: u8) {
    let (byte, shift) = (index * 6 / 8, index * 6 % 8);
    let v = value as u16;
    regs[byte] = (regs[byte] & !((REGISTER_MAX as u16) << shift) as u8) | (v << shift) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        *next = (*next & !(REGISTER_MAX as u16 >> (8 - shift)) as u8) | (v >> (8 - shift)) as u8;
    }
}

/// A sparse opcode at the start of `ops`: `(registers it covers, its value, its length
/// in bytes)`; `None` for a truncated XZERO.
fn opcode(ops: &[u8]) -> Option<(usize, u8, usize)> {
    let b = ops[0];
    Some(match b & 0xc0 {
        0x00 => ((b & 0x3f) as usize + 1, 0, 1),
        0x40 => (((((b & 0x3f) as usize) << 8) | *ops.get(1)? as usize) + 1, 0, 2),
        _ => ((b & 0x3) as usize + 1, ((b >> 2) & 0x1f) + 1, 1),
    })
}

fn push_xzero(out: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    out.extend([(l >> 8) as u8 | 0x40, (l & 0xff) as u8]);
}

/// A run of `len` zero registers: ZERO up to 64, XZERO beyond.
fn push_zeros(out: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        push_xzero(out, len);
    } else {
        out.push((len - 1) as u8);
    }
}

fn val(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len - 1) as u8
}

/// Every register's value, in order, of a sparse value's opcodes; `Err` if they do not
/// cover exactly the 16,384 registers.
fn sparse_runs(ops: &[u8], mut f: impl FnMut(usize, usize, u8)) -> Result<()> {
    let (mut at, mut index) = (0, 0);
    while at < ops.len() {
        let (len, value, size) = opcode(&ops[at..]).ok_or(Error::CorruptHll)?;
        if index + len > REGISTERS {
            return Err(Error::CorruptHll);
        }
        f(index, len, value);
        index += len;
        at += size;
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(Error::CorruptHll)
    }
}

/// Turns a sparse value dense in place (a dense one is left alone).
fn to_dense(hll: &mut Vec<u8>) -> Result<()> {
    if hll[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HEADER].copy_from_slice(&hll[..HEADER]);
    dense[4] = DENSE;
    sparse_runs(&hll[HEADER..], |first, len, value| {
        if value > 0 {
            (first..first + len).for_each(|i| dense_set(&mut dense[HEADER..], i, value));
        }
    })?;
    *hll = dense;
    Ok(())
}

/// Raises register `index` to `count` if it is lower: Redis's `hllDenseSet` and
/// `hllSparseSet`, the latter splitting and merging opcodes exactly as Redis does, and
/// turning the value dense when `count` does not fit a sparse opcode or the value would
/// grow past [`SPARSE_MAX_BYTES`]. Returns whether the register changed.
fn set_register(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool> {
    if hll[4] == SPARSE && count <= VAL_MAX_VALUE {
        if let Some(changed) = sparse_set(hll, index, count)? {
            return Ok(changed);
        }
    }
    to_dense(hll)?;
    let regs = &mut hll[HEADER..];
    if dense_get(regs, index) >= count {
        return Ok(false);
    }
    dense_set(regs, index, count);
    Ok(true)
}

/// The sparse update; `None` when the value must turn dense instead.
fn sparse_set(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<Option<bool>> {
    // Step 1: the opcode covering `index`, the one before it, and its first register.
    let (mut at, mut first, mut prev) = (HEADER, 0, None);
    let (span, value, size) = loop {
        if at >= hll.len() {
            return Err(Error::CorruptHll);
        }
        let (span, value, size) = opcode(&hll[at..]).ok_or(Error::CorruptHll)?;
        if index < first + span {
            break (span, value, size);
        }
        prev = Some(at);
        at += size;
        first += span;
    };
    let is_val = value > 0;
    // Step 2: the cases that change one byte in place.
    if is_val && value >= count {
        return Ok(Some(false));
    }
    if span == 1 && size == 1 {
        hll[at] = val(count, 1);
    } else {
        // Step 3: split the run into what comes before, the register, what comes after.
        let last = first + span - 1;
        let mut seq = Vec::with_capacity(5);
        let run = |seq: &mut Vec<u8>, len: usize| {
            if is_val {
                seq.push(val(value, len));
            } else {
                push_zeros(seq, len);
            }
        };
        if index != first {
            run(&mut seq, index - first);
        }
        seq.push(val(count, 1));
        if index != last {
            run(&mut seq, last - index);
        }
        if seq.len() > size && hll.len() + seq.len() - size > SPARSE_MAX_BYTES {
            return Ok(None);
        }
        hll.splice(at..at + size, seq);
    }
    // Step 4: merge adjacent VAL opcodes of the same value, scanning up to five opcodes
    // from the one before.
    let mut p = prev.unwrap_or(HEADER);
    let mut scan = 5;
    while p < hll.len() && scan > 0 {
        scan -= 1;
        let b = hll[p];
        if b & 0xc0 == 0x40 {
            p += 2;
            continue;
        }
        if b & 0x80 == 0 {
            p += 1;
            continue;
        }
        if p + 1 < hll.len() && hll[p + 1] & 0x80 != 0 {
            let (l1, v1, _) = opcode(&hll[p..]).expect("a VAL opcode");
            let (l2, v2, _) = opcode(&hll[p + 1..]).expect("a VAL opcode");
            if v1 == v2 && l1 + l2 <= VAL_MAX_LEN {
                hll[p + 1] = val(v1, l1 + l2);
                hll.remove(p);
                continue;
            }
        }
        p += 1;
    }
    Ok(Some(true))
}

/// Raises each of `max`'s registers to the value's: Redis's `hllMerge`.
fn merge_into(max: &mut [u8; REGISTERS], hll: &[u8]) -> Result<()> {
    if hll[4] == DENSE {
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(&hll[HEADER..], i));
        }
        return Ok(());
    }
    sparse_runs(&hll[HEADER..], |first, len, value| {
        max[first..first + len].iter_mut().for_each(|m| *m = (*m).max(value));
    })
}

/// How many registers hold each value.
fn histogram(hll: &[u8]) -> Result<[u32; 64]> {
    let mut histo = [0u32; 64];
    if hll[4] == DENSE {
        (0..REGISTERS).for_each(|i| histo[dense_get(&hll[HEADER..], i) as usize] += 1);
    } else {
        sparse_runs(&hll[HEADER..], |_, len, value| histo[value as usize] += len as u32)?;
    }
    Ok(histo)
}

/// The cardinality estimate from a register histogram: Ertl's improved estimator, as
/// Redis's `hllCount` computes it.
fn count(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histo[Q as usize + 1] as f64) / m);
    for j in (1..=Q as usize).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
    (ALPHA_INF * m * m / z).round() as u64
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut y, mut z) = (1.0, x);
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if z == before {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut y, mut z) = (1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if z == before {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_value_is_one_xzero_run() {
        let v = new_sparse();
        assert_eq!(v.len(), 18);
        assert_eq!(&v[16..], &[0x7f, 0xff]);
        assert_eq!(count(&histogram(&v).unwrap()), 0);
    }

    #[test]
    fn sparse_and_dense_count_alike() {
        let mut sparse = new_sparse();
        for i in 0..2000u32 {
            let (index, c) = pattern_len(format!("e{i}").as_bytes());
            set_register(&mut sparse, index, c).unwrap();
        }
        let mut dense = sparse.clone();
        to_dense(&mut dense).unwrap();
        assert_eq!(dense.len(), DENSE_SIZE);
        assert_eq!(histogram(&sparse).unwrap(), histogram(&dense).unwrap());
        let n = count(&histogram(&dense).unwrap());
        assert!((1900..2100).contains(&n), "{n}");
    }

    #[test]
    fn registers_round_trip() {
        let mut regs = vec![0u8; DENSE_SIZE - HEADER];
        for i in [0, 1, 2, 3, 1000, REGISTERS - 1] {
            dense_set(&mut regs, i, 63);
            assert_eq!(dense_get(&regs, i), 63);
            dense_set(&mut regs, i, 5);
            assert_eq!(dense_get(&regs, i), 5);
        }
        assert_eq!(dense_get(&regs, 4), 0);
    }

    #[test]
    fn corrupt_sparse_values_are_refused() {
        let mut v = new_sparse();
        v[17] = 0xfe; // covers one register short
        assert!(histogram(&v).is_err());
        assert!(check(b"HYLL\x00").is_err());
    }
}
