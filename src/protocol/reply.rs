//! Replies: what every command returns, encoded once, here, as RESP2 or RESP3.

/// A command's reply, independent of the protocol version the client speaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+OK`
    Ok,
    /// A simple string (`+PONG`, `+QUEUED`).
    Simple(&'static str),
    /// A simple string built at run time (`+string` from TYPE).
    Status(String),
    /// An error line without the leading `-`, e.g. `ERR syntax error`.
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// A missing value: `$-1` in RESP2, `_` in RESP3.
    Nil,
    /// A missing array (e.g. BLPOP timeout): `*-1` in RESP2, `_` in RESP3.
    NilArray,
    Array(Vec<Reply>),
    /// An array of bulk strings (and arrays of them) encoded while it was read (LRANGE,
    /// XRANGE): one buffer, where an `Array` of `Bulk`s costs an allocation and a copy
    /// per element.
    Bulks(Bulks),
    /// Key/value pairs: a flat array in RESP2, `%` in RESP3.
    Map(Vec<(Reply, Reply)>),
    /// An unordered collection: an array in RESP2, `~` in RESP3.
    Set(Vec<Reply>),
    /// A double: a bulk string in RESP2, `,` in RESP3.
    Double(f64),
    /// A boolean: the integer 1/0 in RESP2, `#t`/`#f` in RESP3.
    Bool(bool),
    /// Text meant for humans (INFO, CLIENT LIST): bulk in RESP2, `=txt:` in RESP3.
    Verbatim(String),
    /// A big number in decimal (from scripts only): bulk in RESP2, `(` in RESP3.
    BigNumber(String),
    /// Out-of-band data (pub/sub confirmations and messages): an array in RESP2, `>` in RESP3.
    Push(Vec<Reply>),
    /// Several replies to one command, sent one after another (`SUBSCRIBE a b` confirms
    /// each channel on its own).
    Many(Vec<Reply>),
}

impl Reply {
    pub fn bulk(bytes: impl Into<Vec<u8>>) -> Reply {
        Reply::Bulk(bytes.into())
    }

    pub fn from_str(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }

    /// An optional value: bulk or nil.
    pub fn opt(value: Option<Vec<u8>>) -> Reply {
        value.map_or(Reply::Nil, Reply::Bulk)
    }

    /// Appends the encoding of this reply for protocol version `resp` (2 or 3).
    pub fn encode(&self, resp: u8, out: &mut Vec<u8>) {
        match self {
            Reply::Ok => out.extend_from_slice(b"+OK\r\n"),
            Reply::Simple(s) => simple(out, b'+', s.as_bytes()),
            Reply::Status(s) => simple(out, b'+', s.as_bytes()),
            Reply::Error(e) => simple(out, b'-', e.as_bytes()),
            Reply::Int(n) => header(out, b':', *n),
            Reply::Bulk(b) => bulk(out, b),
            Reply::Nil if resp >= 3 => out.extend_from_slice(b"_\r\n"),
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NilArray if resp >= 3 => out.extend_from_slice(b"_\r\n"),
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                header(out, b'*', items.len() as i64);
                items.iter().for_each(|r| r.encode(resp, out));
            }
            // Arrays and bulk strings read the same in RESP2 and RESP3.
            Reply::Bulks(b) => {
                header(out, b'*', b.count as i64);
                out.extend_from_slice(&b.encoded);
            }
            Reply::Set(items) => {
                header(out, if resp >= 3 { b'~' } else { b'*' }, items.len() as i64);
                items.iter().for_each(|r| r.encode(resp, out));
            }
            Reply::Map(pairs) => {
                if resp >= 3 {
                    header(out, b'%', pairs.len() as i64);
                } else {
                    header(out, b'*', 2 * pairs.len() as i64);
                }
                for (k, v) in pairs {
                    k.encode(resp, out);
                    v.encode(resp, out);
                }
            }
            Reply::Double(d) => {
                let text = format_double(*d);
                if resp >= 3 {
                    simple(out, b',', text.as_bytes());
                } else {
                    bulk(out, text.as_bytes());
                }
            }
            Reply::Bool(b) if resp >= 3 => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Reply::Bool(b) => header(out, b':', *b as i64),
            Reply::Verbatim(text) if resp >= 3 => {
                header(out, b'=', text.len() as i64 + 4);
                out.extend_from_slice(b"txt:");
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Reply::Verbatim(text) => bulk(out, text.as_bytes()),
            Reply::BigNumber(n) if resp >= 3 => simple(out, b'(', n.as_bytes()),
            Reply::BigNumber(n) => bulk(out, n.as_bytes()),
            Reply::Push(items) => {
                header(out, if resp >= 3 { b'>' } else { b'*' }, items.len() as i64);
                items.iter().for_each(|r| r.encode(resp, out));
            }
            Reply::Many(replies) => replies.iter().for_each(|r| r.encode(resp, out)),
        }
    }
}

/// The most [`Bulks::push`] reserves ahead for elements not yet read.
const RESERVE_LIMIT: usize = 64 * 1024;

/// The elements of a [`Reply::Bulks`], encoded as they are added.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bulks {
    count: usize,
    encoded: Vec<u8>,
}

impl Bulks {
    pub fn push(&mut self, element: &[u8]) {
        self.reserve_for(element.len());
        bulk(&mut self.encoded, element);
        self.count += 1;
    }

    /// Adds one element that is an array: `f` encodes its elements, `len` of them, each
    /// a bulk string or (through [`Nested::array`]) another such array.
    pub fn push_array(&mut self, len: usize, f: impl FnOnce(&mut Nested)) {
        let start = self.encoded.len();
        let mut nested = Nested { out: &mut self.encoded, left: len };
        nested.open(len);
        f(&mut nested);
        debug_assert_eq!(nested.left, 0, "an array's elements were miscounted");
        if self.count == 0 {
            let first = self.encoded.len() - start;
            self.reserve_for(first);
        }
        self.count += 1;
    }

    fn reserve_for(&mut self, element: usize) {
        if self.count == 0 {
            // Room for a few dozen elements like the first, rather than doubling up to it;
            // bounded, since the first element may be the list's only large one.
            self.encoded.reserve((32 * (element + 8)).min(RESERVE_LIMIT));
        }
    }
}

/// The elements of an array inside a [`Bulks`], encoded as they are added.
pub struct Nested<'a> {
    out: &'a mut Vec<u8>,
    /// Elements still to come at this level (checked in debug builds).
    left: usize,
}

impl Nested<'_> {
    fn open(&mut self, len: usize) {
        header(self.out, b'*', len as i64);
    }

    pub fn bulk(&mut self, element: &[u8]) {
        self.left = self.left.wrapping_sub(1);
        bulk(self.out, element);
    }

    /// Adds an element that is an array of `len` elements, encoded by `f`.
    pub fn array(&mut self, len: usize, f: impl FnOnce(&mut Nested)) {
        self.left = self.left.wrapping_sub(1);
        let mut inner = Nested { out: self.out, left: len };
        inner.open(len);
        f(&mut inner);
        debug_assert_eq!(inner.left, 0, "an array's elements were miscounted");
    }
}

/// Encodes a push of bulk strings (a published message) straight from its parts, so
/// fanning a message out to many subscribers builds no [`Reply`] per subscriber.
pub fn encode_push(resp: u8, parts: &[&[u8]], out: &mut Vec<u8>) {
    header(out, if resp >= 3 { b'>' } else { b'*' }, parts.len() as i64);
    parts.iter().for_each(|p| bulk(out, p));
}

/// A status line (`+text`), as MONITOR streams its lines, the same in RESP2 and RESP3.
pub fn encode_status(text: &[u8], out: &mut Vec<u8>) {
    simple(out, b'+', text);
}

fn simple(out: &mut Vec<u8>, kind: u8, text: &[u8]) {
    out.push(kind);
    // A status line cannot carry CR or LF; Redis replaces them with spaces.
    out.extend(text.iter().map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }));
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, kind: u8, n: i64) {
    out.push(kind);
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, data: &[u8]) {
    header(out, b'$', data.len() as i64);
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Formats a double as Redis 7.2 does for replies: `inf`, `-inf`, `nan`, otherwise the
/// shortest text that reads back as the same double, in `%g` style (an exponent below
/// 1e-4 and from 1e17 up).
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    let abs = d.abs();
    if abs != 0.0 && !(1e-4..1e17).contains(&abs) {
        // Rust prints `1e20`; C's %g prints `1e+20` with at least two exponent digits.
        let s = format!("{:e}", d);
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(rest) => ('-', rest),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    format!("{}", d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(r: Reply, resp: u8) -> Vec<u8> {
        let mut out = Vec::new();
        r.encode(resp, &mut out);
        out
    }

    #[test]
    fn bulks_encode_as_an_array_of_bulk_strings_in_both_protocols() {
        let elements: [&[u8]; 3] = [b"a", b"", b"\r\n binary \x00"];
        let mut bulks = Bulks::default();
        elements.iter().for_each(|e| bulks.push(e));
        let array = Reply::Array(elements.iter().map(|e| Reply::bulk(*e)).collect());
        for resp in [2, 3] {
            assert_eq!(enc(Reply::Bulks(bulks.clone()), resp), enc(array.clone(), resp));
        }
        assert_eq!(enc(Reply::Bulks(Bulks::default()), 3), b"*0\r\n");
        // Arrays inside it, as stream entries are: [id, [field, value, ...]].
        let mut entries = Bulks::default();
        entries.push_array(2, |e| {
            e.bulk(b"1-1");
            e.array(2, |f| elements[..2].iter().for_each(|x| f.bulk(x)));
        });
        entries.push(b"x");
        let tree = Reply::Array(vec![
            Reply::Array(vec![Reply::bulk(&b"1-1"[..]), Reply::Array(elements[..2].iter().map(|e| Reply::bulk(*e)).collect())]),
            Reply::bulk(&b"x"[..]),
        ]);
        for resp in [2, 3] {
            assert_eq!(enc(Reply::Bulks(entries.clone()), resp), enc(tree.clone(), resp));
        }
        // A large first element reserves room for itself (and the buffer's usual doubling),
        // not for dozens like it.
        let mut big = Bulks::default();
        big.push(&vec![b'x'; 8 << 20]);
        assert!(big.encoded.capacity() <= 2 * (8 << 20) + 64, "{}", big.encoded.capacity());
    }

    #[test]
    fn resp2_and_resp3_encodings() {
        assert_eq!(enc(Reply::Ok, 2), b"+OK\r\n");
        assert_eq!(enc(Reply::Int(-5), 2), b":-5\r\n");
        assert_eq!(enc(Reply::bulk(&b"ab"[..]), 2), b"$2\r\nab\r\n");
        assert_eq!(enc(Reply::Nil, 2), b"$-1\r\n");
        assert_eq!(enc(Reply::Nil, 3), b"_\r\n");
        assert_eq!(enc(Reply::NilArray, 2), b"*-1\r\n");
        assert_eq!(enc(Reply::Error("ERR x".into()), 2), b"-ERR x\r\n");
        let map = Reply::Map(vec![(Reply::from_str("a"), Reply::Int(1))]);
        assert_eq!(enc(map.clone(), 2), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(enc(map, 3), b"%1\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(enc(Reply::Double(1.5), 2), b"$3\r\n1.5\r\n");
        assert_eq!(enc(Reply::Double(1.5), 3), b",1.5\r\n");
        assert_eq!(enc(Reply::Bool(true), 3), b"#t\r\n");
        assert_eq!(enc(Reply::Bool(true), 2), b":1\r\n");
        assert_eq!(enc(Reply::Set(vec![Reply::Int(1)]), 3), b"~1\r\n:1\r\n");
        assert_eq!(enc(Reply::Verbatim("hi".into()), 3), b"=6\r\ntxt:hi\r\n");
        let push = Reply::Push(vec![Reply::from_str("unsubscribe"), Reply::Nil, Reply::Int(0)]);
        assert_eq!(enc(push.clone(), 2), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
        assert_eq!(enc(push, 3), b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
        assert_eq!(enc(Reply::Many(vec![Reply::Int(1), Reply::Int(2)]), 2), b":1\r\n:2\r\n");
        let mut out = Vec::new();
        encode_push(3, &[b"message", b"ch", b"hi"], &mut out);
        assert_eq!(out, b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    }

    #[test]
    fn doubles_format_like_redis() {
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(10.5), "10.5");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(-2.0), "-2");
        assert_eq!(format_double(1e20), "1e+20");
        assert_eq!(format_double(1.5e-7), "1.5e-07");
    }
}
