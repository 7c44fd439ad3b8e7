//! Batch scanning: every complete request of a read buffer in one call, as flat argument
//! spans plus per-request counts, so a pipelined batch costs one pass (and, for the C
//! scanner of feature `c_parser`, one FFI call) instead of one call per request.
//!
//! Two scanners share the [`Scanner`] signature: the portable [`scan`] built on
//! [`parse`], and the C one. A connection picks one with [`scanner`] when it starts.

use super::parse::{parse, ParseLimits, ProtocolError, Request};
use bytes::Bytes;

/// One argument of a multibulk request: `len` bytes at offset `off` of the scanned buffer.
/// Laid out as the C scanner's `resp_span`, so it writes these directly.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub off: usize,
    pub len: usize,
}

/// Spans and requests a batch keeps room for between scans.
const KEEP: usize = 4096;

/// How one request's arguments are held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// The next `n` spans.
    Multibulk(usize),
    /// Inline arguments may contain unescaped bytes, so they are owned.
    Inline(Vec<Bytes>),
}

/// The requests of one scan, reused from batch to batch by a connection.
#[derive(Debug, Default)]
pub struct Batch {
    pub(super) spans: Vec<Span>,
    pub(super) shapes: Vec<Shape>,
    /// Bytes used by the complete requests.
    pub used: usize,
    /// The protocol error that stopped scanning, if any: the requests before it still run.
    pub error: Option<ProtocolError>,
    /// The C scanner's per-request argument counts, kept to reuse the allocation.
    #[cfg(feature = "c_parser")]
    pub(super) counts: Vec<usize>,
}

/// Equal if they describe the same requests the same way (the C scratch space aside).
impl PartialEq for Batch {
    fn eq(&self, other: &Self) -> bool {
        (&self.spans, &self.shapes, self.used, &self.error) == (&other.spans, &other.shapes, other.used, &other.error)
    }
}

/// One request's arguments, borrowed from a [`Batch`].
#[derive(Clone, Copy, Debug)]
pub enum Args<'a> {
    Spans(&'a [Span]),
    Inline(&'a [Bytes]),
}

impl Args<'_> {
    pub fn len(&self) -> usize {
        match self {
            Args::Spans(s) => s.len(),
            Args::Inline(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The arguments as byte strings; spans are sliced out of `chunk` (the scanned bytes)
    /// without copying.
    pub fn bytes<'b>(self, chunk: &'b Bytes) -> impl Iterator<Item = Bytes> + 'b
    where
        Self: 'b,
    {
        let (spans, inline): (&[Span], &[Bytes]) = match self {
            Args::Spans(s) => (s, &[]),
            Args::Inline(a) => (&[], a),
        };
        spans.iter().map(|s| chunk.slice(s.off..s.off + s.len)).chain(inline.iter().cloned())
    }
}

impl Batch {
    pub(super) fn clear(&mut self) {
        self.spans.clear();
        self.shapes.clear();
        // A batch reused by a long-lived connection keeps room for a typical pipeline, not
        // for the largest request it ever saw.
        self.spans.shrink_to(KEEP);
        self.shapes.shrink_to(KEEP);
        self.used = 0;
        self.error = None;
    }

    /// How many requests were scanned (empty ones included).
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// Each request's arguments, in order.
    pub fn requests(&self) -> impl Iterator<Item = Args<'_>> {
        let mut next = 0;
        self.shapes.iter().map(move |shape| match shape {
            Shape::Multibulk(n) => {
                next += n;
                Args::Spans(&self.spans[next - n..next])
            }
            Shape::Inline(args) => Args::Inline(args),
        })
    }

    /// Parses one request at `self.used` with the portable parser and adds it. Returns
    /// false when scanning must stop (incomplete input or an error).
    pub(super) fn parse_next(&mut self, buf: &[u8], limits: &ParseLimits) -> bool {
        match parse(&buf[self.used..], limits) {
            Ok(Some((Request::Multibulk(ranges), n))) => {
                let base = self.used;
                self.shapes.push(Shape::Multibulk(ranges.len()));
                self.spans.extend(ranges.into_iter().map(|r| Span { off: base + r.start, len: r.len() }));
                self.used += n;
                true
            }
            Ok(Some((Request::Inline(args), n))) => {
                self.shapes.push(Shape::Inline(args.into_iter().map(Bytes::from).collect()));
                self.used += n;
                true
            }
            Ok(None) => false,
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }
}

/// A batch scanner: fills `batch` with the complete requests at the start of `buf`, at
/// most `max` of them, stopping at the first protocol error.
pub type Scanner = fn(buf: &[u8], limits: &ParseLimits, max: usize, batch: &mut Batch);

/// The portable scanner: [`parse`] in a loop.
pub fn scan(buf: &[u8], limits: &ParseLimits, max: usize, batch: &mut Batch) {
    batch.clear();
    while batch.len() < max && batch.parse_next(buf, limits) {}
}

/// The scanner a connection uses: the C one when it is compiled in (`c_parser`) and the
/// server runs `--optimized`, else the portable one.
pub fn scanner(optimized: bool) -> Scanner {
    #[cfg(feature = "c_parser")]
    if optimized {
        return super::scan_c::scan;
    }
    let _ = optimized;
    scan
}
