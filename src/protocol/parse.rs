//! The request parser: RESP multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline
//! commands (`GET k\r\n`, also ended by a bare `\n`), as Redis's `processMultibulkBuffer`
//! and `processInlineBuffer` accept them, with the same limits and error words.
//!
//! "Incomplete" is a normal outcome (`Ok(None)`): the caller reads more bytes and calls
//! again. Every length is checked against the limits before anything is allocated for it.

use std::fmt;
use std::ops::Range;

/// Limits enforced before allocation, Redis's defaults.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// `proto-max-bulk-len`: the largest single argument.
    pub max_bulk_len: usize,
    /// The largest argument count of one multibulk request (Redis 7: `INT_MAX`).
    pub max_multibulk: usize,
    /// The largest inline request, and the longest `*N`/`$N` header line.
    pub max_inline: usize,
    /// The client has not authenticated yet: Redis 7 then allows at most
    /// [`UNAUTH_MAX_MULTIBULK`] arguments of at most [`UNAUTH_MAX_BULK_LEN`] bytes, so an
    /// anonymous client cannot make the server buffer much.
    pub unauthenticated: bool,
}

/// The argument count an unauthenticated client may send.
pub const UNAUTH_MAX_MULTIBULK: i64 = 10;
/// The argument size an unauthenticated client may send.
pub const UNAUTH_MAX_BULK_LEN: i64 = 16 * 1024;

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { max_bulk_len: 512 * 1024 * 1024, max_multibulk: i32::MAX as usize, max_inline: 64 * 1024, unauthenticated: false }
    }
}

/// One parsed request. Multibulk arguments are byte ranges of the input, so the caller
/// can slice them out of its read buffer without copying; inline arguments may contain
/// unescaped bytes, so they are owned.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    Multibulk(Vec<Range<usize>>),
    Inline(Vec<Vec<u8>>),
}

impl Request {
    pub fn len(&self) -> usize {
        match self {
            Request::Multibulk(a) => a.len(),
            Request::Inline(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A request that cannot be parsed; the connection replies `-ERR Protocol error: ...`
/// and closes, as Redis does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    InvalidMultibulkLength,
    InvalidBulkLength,
    ExpectedDollar(u8),
    TooBigInline,
    TooBigMultibulkCount,
    TooBigBulkCount,
    UnbalancedQuotes,
    UnauthenticatedMultibulkLength,
    UnauthenticatedBulkLength,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Protocol error: ")?;
        match self {
            ProtocolError::InvalidMultibulkLength => f.write_str("invalid multibulk length"),
            ProtocolError::InvalidBulkLength => f.write_str("invalid bulk length"),
            ProtocolError::ExpectedDollar(c) => write!(f, "expected '$', got '{}'", *c as char),
            ProtocolError::TooBigInline => f.write_str("too big inline request"),
            ProtocolError::TooBigMultibulkCount => f.write_str("too big mbulk count string"),
            ProtocolError::TooBigBulkCount => f.write_str("too big bulk count string"),
            ProtocolError::UnbalancedQuotes => f.write_str("unbalanced quotes in request"),
            ProtocolError::UnauthenticatedMultibulkLength => f.write_str("unauthenticated multibulk length"),
            ProtocolError::UnauthenticatedBulkLength => f.write_str("unauthenticated bulk length"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Parses one request from the start of `buf`. Returns the request and the number of
/// bytes it used, `Ok(None)` if `buf` does not yet hold a whole request, or an error for
/// input no more bytes could make valid. Empty requests (`*0\r\n`, a blank line) come back
/// as an empty request that the caller skips.
pub fn parse(buf: &[u8], limits: &ParseLimits) -> Result<Option<(Request, usize)>, ProtocolError> {
    match buf.first() {
        None => Ok(None),
        Some(b'*') => parse_multibulk(buf, limits),
        Some(_) => parse_inline(buf, limits),
    }
}

/// Finds `\r\n` starting at `from`; returns the index of `\r`.
#[inline]
fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < buf.len() {
        match buf[i + 1..].iter().position(|&c| c == b'\n') {
            None => return None,
            Some(off) => {
                let nl = i + 1 + off;
                if buf[nl - 1] == b'\r' {
                    return Some(nl - 1);
                }
                i = nl;
            }
        }
    }
    None
}

/// Parses the decimal integer of a `*N` or `$N` header the way Redis's `string2ll` does:
/// an optional `-`, digits only, no leading `+`, no spaces.
#[inline]
fn parse_len(digits: &[u8]) -> Option<i64> {
    let (neg, digits) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, digits),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut n: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    Some(if neg { -n } else { n })
}

fn parse_multibulk(buf: &[u8], limits: &ParseLimits) -> Result<Option<(Request, usize)>, ProtocolError> {
    let Some(end) = find_crlf(buf, 1) else {
        if buf.len() > limits.max_inline {
            return Err(ProtocolError::TooBigMultibulkCount);
        }
        return Ok(None);
    };
    let count = parse_len(&buf[1..end]).ok_or(ProtocolError::InvalidMultibulkLength)?;
    if count > limits.max_multibulk as i64 {
        return Err(ProtocolError::InvalidMultibulkLength);
    }
    if limits.unauthenticated && count > UNAUTH_MAX_MULTIBULK {
        return Err(ProtocolError::UnauthenticatedMultibulkLength);
    }
    let mut pos = end + 2;
    if count <= 0 {
        return Ok(Some((Request::Multibulk(Vec::new()), pos)));
    }
    // Reserve for what the buffer can actually hold, not for what the header claims.
    let mut args = Vec::with_capacity((count as usize).min(buf.len() / 4 + 1));
    for _ in 0..count {
        let Some(&first) = buf.get(pos) else { return Ok(None) };
        if first != b'$' {
            return Err(ProtocolError::ExpectedDollar(first));
        }
        let Some(end) = find_crlf(buf, pos + 1) else {
            if buf.len() - pos > limits.max_inline {
                return Err(ProtocolError::TooBigBulkCount);
            }
            return Ok(None);
        };
        let len = parse_len(&buf[pos + 1..end]).ok_or(ProtocolError::InvalidBulkLength)?;
        if len < 0 || len > limits.max_bulk_len as i64 {
            return Err(ProtocolError::InvalidBulkLength);
        }
        if limits.unauthenticated && len > UNAUTH_MAX_BULK_LEN {
            return Err(ProtocolError::UnauthenticatedBulkLength);
        }
        let start = end + 2;
        let stop = start + len as usize;
        if buf.len() < stop + 2 {
            return Ok(None);
        }
        // Redis does not check the bytes after a bulk payload; it skips two.
        args.push(start..stop);
        pos = stop + 2;
    }
    Ok(Some((Request::Multibulk(args), pos)))
}

fn parse_inline(buf: &[u8], limits: &ParseLimits) -> Result<Option<(Request, usize)>, ProtocolError> {
    let Some(nl) = buf.iter().position(|&c| c == b'\n') else {
        if buf.len() > limits.max_inline {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(None);
    };
    if nl > limits.max_inline {
        return Err(ProtocolError::TooBigInline);
    }
    let line = if nl > 0 && buf[nl - 1] == b'\r' { &buf[..nl - 1] } else { &buf[..nl] };
    let args = split_args(line).ok_or(ProtocolError::UnbalancedQuotes)?;
    Ok(Some((Request::Inline(args), nl + 1)))
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Splits an inline line into arguments like Redis's `sdssplitargs`: whitespace separates,
/// `"..."` supports `\n \r \t \b \a \\ \" \xHH`, `'...'` supports `\'`; a closing quote
/// must be followed by whitespace or the end. Returns `None` for unbalanced quotes.
/// Redis works on a C string, so a NUL byte ends the line; so does it here.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = line.iter().position(|&c| c == 0).map_or(line, |nul| &line[..nul]);
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            if inq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    cur.push(hex_val(line[i + 2]) * 16 + hex_val(line[i + 3]));
                    i += 3;
                } else if line[i] == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        c => c,
                    });
                } else if line[i] == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else if insq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if line[i] == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' => break,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        args.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(buf: &[u8]) -> Result<Option<(Request, usize)>, ProtocolError> {
        parse(buf, &ParseLimits::default())
    }

    fn args_of(buf: &[u8]) -> Vec<Vec<u8>> {
        match p(buf).unwrap().unwrap().0 {
            Request::Multibulk(r) => r.into_iter().map(|r| buf[r].to_vec()).collect(),
            Request::Inline(a) => a,
        }
    }

    #[test]
    fn multibulk_whole_and_pipelined() {
        let buf = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
        let (req, used) = p(buf).unwrap().unwrap();
        assert_eq!(used, 20);
        assert_eq!(req, Request::Multibulk(vec![8..11, 17..18]));
        assert_eq!(args_of(&buf[used..]), vec![b"PING".to_vec()]);
    }

    #[test]
    fn every_truncation_is_incomplete() {
        let buf = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nv\r\nlu\r\n";
        for cut in 0..buf.len() {
            assert_eq!(p(&buf[..cut]).unwrap(), None, "cut at {cut}");
        }
        assert_eq!(args_of(buf)[2], b"v\r\nlu".to_vec());
    }

    #[test]
    fn binary_and_empty_arguments() {
        assert_eq!(args_of(b"*2\r\n$0\r\n\r\n$2\r\n\x00\xff\r\n"), vec![vec![], vec![0, 255]]);
        assert_eq!(p(b"*0\r\n").unwrap().unwrap(), (Request::Multibulk(vec![]), 4));
        assert_eq!(p(b"*-1\r\n").unwrap().unwrap(), (Request::Multibulk(vec![]), 5));
    }

    #[test]
    fn errors_use_redis_words() {
        assert_eq!(p(b"*x\r\n").unwrap_err().to_string(), "Protocol error: invalid multibulk length");
        assert_eq!(p(b"*1\r\n$-1\r\n").unwrap_err().to_string(), "Protocol error: invalid bulk length");
        assert_eq!(p(b"*1\r\n+OK\r\n").unwrap_err().to_string(), "Protocol error: expected '$', got '+'");
        assert_eq!(p(b"*1\r\n$536870913\r\n").unwrap_err(), ProtocolError::InvalidBulkLength);
        assert_eq!(p(b"*2147483648\r\n").unwrap_err(), ProtocolError::InvalidMultibulkLength);
        assert_eq!(p(b"SET \"a b\r\n").unwrap_err().to_string(), "Protocol error: unbalanced quotes in request");
        assert_eq!(p(&vec![b'a'; 70_000]).unwrap_err(), ProtocolError::TooBigInline);
        let mut star = b"*".to_vec();
        star.extend(vec![b'1'; 70_000]);
        assert_eq!(p(&star).unwrap_err(), ProtocolError::TooBigMultibulkCount);
    }

    #[test]
    fn unauthenticated_limits() {
        let anon = ParseLimits { unauthenticated: true, ..ParseLimits::default() };
        assert_eq!(parse(b"*11\r\n", &anon).unwrap_err().to_string(), "Protocol error: unauthenticated multibulk length");
        assert_eq!(parse(b"*1\r\n$16385\r\n", &anon).unwrap_err().to_string(), "Protocol error: unauthenticated bulk length");
        assert_eq!(parse(b"*10\r\n$16384\r\n", &anon).unwrap(), None);
        // Once authenticated, Redis 7 takes any count up to INT_MAX.
        assert_eq!(p(b"*1048577\r\n$4\r\n").unwrap(), None);
    }

    #[test]
    fn huge_declared_count_allocates_nothing_up_front() {
        // One million arguments declared, none sent: incomplete, not an allocation of 1M.
        assert_eq!(p(b"*1000000\r\n").unwrap(), None);
    }

    #[test]
    fn inline_commands() {
        assert_eq!(args_of(b"SET a b\r\n"), vec![b"SET".to_vec(), b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(args_of(b"PING\n"), vec![b"PING".to_vec()]);
        assert_eq!(args_of(b"  set  \"a\\x41\\n\" 'it\\'s'\r\n"), vec![b"set".to_vec(), b"aA\n".to_vec(), b"it's".to_vec()]);
        assert_eq!(p(b"\r\n").unwrap().unwrap(), (Request::Inline(vec![]), 2));
        assert_eq!(p(b"GET a").unwrap(), None);
        assert_eq!(p(b"SET \"a\"b\r\n").unwrap_err(), ProtocolError::UnbalancedQuotes);
    }

    #[test]
    fn inline_nul_ends_the_line_like_a_c_string() {
        assert_eq!(args_of(b"ECHO \x00\r\n"), vec![b"ECHO".to_vec()]);
        assert_eq!(args_of(b"\x00\r\n"), Vec::<Vec<u8>>::new());
        assert_eq!(args_of(b"SET a\x00b c\r\n"), vec![b"SET".to_vec(), b"a".to_vec()]);
        assert_eq!(p(b"ECHO \"a\x00b\"\r\n").unwrap_err(), ProtocolError::UnbalancedQuotes);
    }
}
