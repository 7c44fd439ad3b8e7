//! `cmsgpack`, the MessagePack library Redis ships to Lua scripts (lua-cmsgpack): `pack`,
//! `unpack`, `unpack_one` and `unpack_limit`, choosing the encodings lua-cmsgpack chooses,
//! so that packed strings are byte for byte Redis's (queues such as BullMQ store them).
//!
//! Written here rather than on a MessagePack crate: what matters is lua-cmsgpack's
//! mapping of Lua values (a table is an array when its keys are exactly 1..n, an integral
//! number the smallest integer encoding, other numbers a float32 when that is exact), not
//! the format itself, which is a few lines.

use mlua::{Lua, MultiValue, Table, Value};

/// lua-cmsgpack's nesting limit: deeper tables are packed as nil.
const MAX_NESTING: usize = 16;

pub(super) fn library(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "pack",
        lua.create_function(|lua, values: MultiValue| {
            if values.is_empty() {
                return Err(mlua::Error::runtime("bad argument #0 to 'pack' (MessagePack pack needs input.)"));
            }
            let mut out = Vec::new();
            for v in values.iter() {
                encode(v, 0, &mut out)?;
            }
            lua.create_string(out)
        })?,
    )?;
    t.set("unpack", lua.create_function(|lua, s: mlua::LuaString| unpack(lua, &s.as_bytes(), 0, 0, false))?)?;
    t.set(
        "unpack_one",
        lua.create_function(|lua, (s, offset): (mlua::LuaString, Option<i64>)| unpack(lua, &s.as_bytes(), 1, offset.unwrap_or(0), true))?,
    )?;
    t.set(
        "unpack_limit",
        lua.create_function(|lua, (s, limit, offset): (mlua::LuaString, i64, Option<i64>)| {
            unpack(lua, &s.as_bytes(), limit, offset.unwrap_or(0), true)
        })?,
    )?;
    Ok(t)
}

/// Decodes up to `limit` objects (0: all) from `offset`. With `with_offset`, the first
/// value returned is the offset after the last object read, or -1 at the end of the
/// input (unpack_one and unpack_limit); `unpack` returns just the objects.
fn unpack(lua: &Lua, bytes: &[u8], limit: i64, offset: i64, with_offset: bool) -> mlua::Result<MultiValue> {
    if offset < 0 || limit < 0 {
        // lua-cmsgpack prints the input's length as the limit.
        return Err(mlua::Error::runtime(format!("Invalid request to unpack with offset of {offset} and limit of {}.", bytes.len())));
    }
    let mut pos = offset as usize;
    if pos > bytes.len() {
        return Err(mlua::Error::runtime(format!("Start offset {offset} greater than input length {}.", bytes.len())));
    }
    let mut values = Vec::new();
    while pos < bytes.len() && (limit == 0 || (values.len() as i64) < limit) {
        values.push(decode(lua, bytes, &mut pos, 0)?);
    }
    if with_offset {
        let next = if pos >= bytes.len() { -1 } else { pos as i64 };
        values.insert(0, Value::Integer(next));
    }
    Ok(MultiValue::from_iter(values))
}

fn encode(value: &Value, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match value {
        Value::Nil => out.push(0xc0),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(n) => encode_int(*n, out),
        Value::Number(n) => encode_number(*n, out),
        Value::String(s) => encode_str(&s.as_bytes(), out),
        Value::Table(t) if depth < MAX_NESTING => encode_table(t, depth, out)?,
        // Too deep, functions, userdata: nil, as lua-cmsgpack packs them.
        _ => out.push(0xc0),
    }
    Ok(())
}

fn encode_number(n: f64, out: &mut Vec<u8>) {
    if n.is_finite() && n.trunc() == n && n.abs() < 9.2e18 {
        return encode_int(n as i64, out);
    }
    let f = n as f32;
    if f as f64 == n {
        out.push(0xca);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// The smallest encoding of an integer, as lua-cmsgpack's `mp_encode_int` picks it.
fn encode_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        match n {
            0..=127 => out.push(n as u8),
            128..=0xff => out.extend_from_slice(&[0xcc, n as u8]),
            0x100..=0xffff => {
                out.push(0xcd);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(0xce);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => {
                out.push(0xcf);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_str(s: &[u8], out: &mut Vec<u8>) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// A table is an array when its keys are exactly the integers 1..n (so `{}` is an empty
/// array), else a map.
fn encode_table(t: &Table, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    let mut pairs = Vec::new();
    let mut array = true;
    let mut max = 0i64;
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair?;
        match &k {
            Value::Integer(i) if *i > 0 => max = max.max(*i),
            Value::Number(f) if *f > 0.0 && f.trunc() == *f => max = max.max(*f as i64),
            _ => array = false,
        }
        pairs.push((k, v));
    }
    if array && max == pairs.len() as i64 {
        header(out, pairs.len(), 0x90, 0xdc);
        for i in 1..=max {
            encode(&t.raw_get::<Value>(i)?, depth + 1, out)?;
        }
    } else {
        header(out, pairs.len(), 0x80, 0xde);
        for (k, v) in &pairs {
            encode(k, depth + 1, out)?;
            encode(v, depth + 1, out)?;
        }
    }
    Ok(())
}

/// An array or map header: the fix form below 16, then 16 or 32 bits.
fn header(out: &mut Vec<u8>, n: usize, fix: u8, sixteen: u8) {
    if n < 16 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(sixteen);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(sixteen + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn truncated() -> mlua::Error {
    mlua::Error::runtime("Missing bytes in input.")
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> mlua::Result<&'a [u8]> {
    let end = pos.checked_add(n).filter(|&e| e <= bytes.len()).ok_or_else(truncated)?;
    let s = &bytes[*pos..end];
    *pos = end;
    Ok(s)
}

fn be(bytes: &[u8], pos: &mut usize, n: usize) -> mlua::Result<u64> {
    Ok(take(bytes, pos, n)?.iter().fold(0u64, |acc, &b| acc << 8 | b as u64))
}

fn decode(lua: &Lua, bytes: &[u8], pos: &mut usize, depth: usize) -> mlua::Result<Value> {
    if depth > 1000 {
        return Err(mlua::Error::runtime("Too deep nesting in MessagePack input."));
    }
    let kind = take(bytes, pos, 1)?[0];
    let string =
        |lua: &Lua, pos: &mut usize, n: usize| -> mlua::Result<Value> { Ok(Value::String(lua.create_string(take(bytes, pos, n)?)?)) };
    Ok(match kind {
        0x00..=0x7f => Value::Integer(kind as i64),
        0xe0..=0xff => Value::Integer(kind as i8 as i64),
        0xc0 => Value::Nil,
        0xc2 => Value::Boolean(false),
        0xc3 => Value::Boolean(true),
        0xcc => Value::Integer(be(bytes, pos, 1)? as i64),
        0xcd => Value::Integer(be(bytes, pos, 2)? as i64),
        0xce => Value::Integer(be(bytes, pos, 4)? as i64),
        0xcf => Value::Number(be(bytes, pos, 8)? as f64),
        0xd0 => Value::Integer(be(bytes, pos, 1)? as u8 as i8 as i64),
        0xd1 => Value::Integer(be(bytes, pos, 2)? as u16 as i16 as i64),
        0xd2 => Value::Integer(be(bytes, pos, 4)? as u32 as i32 as i64),
        0xd3 => Value::Integer(be(bytes, pos, 8)? as i64),
        0xca => Value::Number(f32::from_bits(be(bytes, pos, 4)? as u32) as f64),
        0xcb => Value::Number(f64::from_bits(be(bytes, pos, 8)?)),
        0xa0..=0xbf => string(lua, pos, (kind & 0x1f) as usize)?,
        0xd9 | 0xc4 => {
            let n = be(bytes, pos, 1)? as usize;
            string(lua, pos, n)?
        }
        0xda | 0xc5 => {
            let n = be(bytes, pos, 2)? as usize;
            string(lua, pos, n)?
        }
        0xdb | 0xc6 => {
            let n = be(bytes, pos, 4)? as usize;
            string(lua, pos, n)?
        }
        0x90..=0x9f | 0xdc | 0xdd => {
            let n = match kind {
                0xdc => be(bytes, pos, 2)? as usize,
                0xdd => be(bytes, pos, 4)? as usize,
                _ => (kind & 0x0f) as usize,
            };
            // Each element takes a byte at least: a count past the input is bad input.
            if n > bytes.len() - *pos {
                return Err(truncated());
            }
            let t = lua.create_table_with_capacity(n, 0)?;
            for i in 1..=n {
                t.raw_set(i, decode(lua, bytes, pos, depth + 1)?)?;
            }
            Value::Table(t)
        }
        0x80..=0x8f | 0xde | 0xdf => {
            let n = match kind {
                0xde => be(bytes, pos, 2)? as usize,
                0xdf => be(bytes, pos, 4)? as usize,
                _ => (kind & 0x0f) as usize,
            };
            if n > (bytes.len() - *pos) / 2 {
                return Err(truncated());
            }
            let t = lua.create_table()?;
            for _ in 0..n {
                let k = decode(lua, bytes, pos, depth + 1)?;
                let v = decode(lua, bytes, pos, depth + 1)?;
                // A nil key cannot be stored; lua-cmsgpack drops the pair.
                if !k.is_nil() {
                    t.raw_set(k, v)?;
                }
            }
            Value::Table(t)
        }
        _ => return Err(mlua::Error::runtime("Bad data format in input.")),
    })
}
