//! JSON paths in RedisJSON's two syntaxes, parsed once and evaluated over `serde_json`
//! values.
//!
//! - JSONPath starts with `$`: `$`, `$.a.b`, `$['a']`, `$..x`, `$[0]`, `$[-1]`, `$[1:3]`,
//!   `$.items[*]`, `$[0,2]`, `$['a','b']`, filters `$.items[?(@.price < 10 && @.tag == "x")]`.
//!   Commands answer with one result per match.
//! - The legacy syntax is anything else: `.`, `.a.b`, `a.b`, `["x"]`. It is rewritten to
//!   JSONPath as RedisJSON does (`.` → `$`, `.a` → `$.a`, `a` → `$.a`), and commands answer
//!   with the first match only (writes still apply to every match).
//!
//! The evaluator returns the concrete location of every match ([`Seg`]s from the root),
//! which writes need and which is why it is hand-written (see `docs/decisions.md`).

use serde_json::Value;
use std::cmp::Ordering;

/// One step of a concrete location: an object member or an array position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A parse error, reported as RedisJSON does not say more than where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub position: usize,
    pub path: String,
}

#[derive(Debug, Clone)]
enum Selector {
    Name(String),
    Wildcard,
    Index(i64),
    Slice(Option<i64>, Option<i64>, i64),
    Filter(Box<Expr>),
}

/// `.sel` / `[sel, sel]`, or with `descendant` `..sel`: the selectors apply to the node
/// and every node below it.
#[derive(Debug, Clone)]
struct Step {
    descendant: bool,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Operand, CmpOp, Operand),
    Exists(Operand),
}

#[derive(Debug, Clone)]
enum Operand {
    /// `@...`: relative to the element being filtered.
    Current(Vec<Step>),
    /// `$...`: from the document root.
    Root(Vec<Step>),
    Literal(Value),
}

#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed path.
#[derive(Debug, Clone)]
pub struct Path {
    steps: Vec<Step>,
    legacy: bool,
    /// The path as the client wrote it.
    original: String,
    /// The JSONPath form (legacy paths rewritten), which RedisJSON's errors quote.
    normalized: String,
    /// Whether a filter refers to the root (`$`), so the whole document is needed.
    refers_to_root: bool,
}

impl Path {
    /// Parses a path argument; anything not starting with `$` is a legacy path.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let legacy = !text.starts_with('$');
        let normalized = if !legacy {
            text.to_string()
        } else if text == "." {
            "$".to_string()
        } else if text.starts_with('.') {
            format!("${text}")
        } else {
            format!("$.{text}")
        };
        let mut p = Parser { s: normalized.as_bytes(), pos: 1, refers_to_root: false, depth: 0 };
        let steps = p.steps(false).map_err(|position| PathError { position, path: text.to_string() })?;
        if p.pos < p.s.len() {
            return Err(PathError { position: p.pos, path: text.to_string() });
        }
        Ok(Path { steps, legacy, original: text.to_string(), refers_to_root: p.refers_to_root, normalized })
    }

    /// The root path in the legacy syntax (`.`), the default of most commands.
    pub fn legacy_root() -> Path {
        Path::parse(".").expect("'.' is a valid path")
    }

    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    /// The path as the client wrote it.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The JSONPath form, as RedisJSON's error messages quote it.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Whether this is the root itself (`$` or `.`).
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// The top-level members this path can reach, when its first step names them: a
    /// document stored split by member (see the storage notes in `mod.rs`) then reads
    /// only those. `None` means the path may need the whole document.
    pub fn top_names(&self) -> Option<Vec<String>> {
        let first = self.steps.first()?;
        if first.descendant || self.refers_to_root {
            return None;
        }
        first
            .selectors
            .iter()
            .map(|s| match s {
                Selector::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    /// For a path of plain names and indexes only (RedisJSON's "static" path) ending in a
    /// name: the path of its parent and that name. This is where JSON.SET may add a member.
    pub fn parent_and_name(&self) -> Option<(Path, String)> {
        let is_static = self
            .steps
            .iter()
            .all(|s| !s.descendant && s.selectors.len() == 1 && matches!(s.selectors[0], Selector::Name(_) | Selector::Index(_)));
        let (last, rest) = self.steps.split_last()?;
        match (&last.selectors[0], is_static) {
            (Selector::Name(n), true) => Some((Path { steps: rest.to_vec(), ..self.clone() }, n.clone())),
            _ => None,
        }
    }

    /// Whether the path is static (names and indexes only) and ends in an array index.
    pub fn ends_in_index(&self) -> bool {
        self.steps.last().is_some_and(|s| !s.descendant && matches!(s.selectors[..], [Selector::Index(_)]))
    }

    /// Every match, with its location, in document order per step.
    pub fn select<'a>(&self, root: &'a Value) -> Vec<(Vec<Seg>, &'a Value)> {
        run_steps(&self.steps, root, vec![(Vec::new(), root)], true)
    }

    /// The values of every match.
    pub fn values<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        self.select(root).into_iter().map(|(_, v)| v).collect()
    }

    /// The locations of every match.
    pub fn locations(&self, root: &Value) -> Vec<Vec<Seg>> {
        self.select(root).into_iter().map(|(p, _)| p).collect()
    }
}

/// Where the node at `at` lives in `root`, for writing.
pub fn get_mut<'a>(root: &'a mut Value, at: &[Seg]) -> Option<&'a mut Value> {
    at.iter().try_fold(root, |node, seg| match (node, seg) {
        (Value::Object(m), Seg::Key(k)) => m.get_mut(k),
        (Value::Array(a), Seg::Index(i)) => a.get_mut(*i),
        _ => None,
    })
}

/// The order in which structure-changing writes (ARRPOP, ARRINSERT, ARRTRIM, DEL) must
/// visit locations so that no write moves a location not yet visited: deeper first, and
/// higher array positions before lower ones under one parent.
pub fn mutation_order(a: &[Seg], b: &[Seg]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Seg::Key(x), Seg::Key(y)) => x.cmp(y),
            (Seg::Index(x), Seg::Index(y)) => y.cmp(x),
            (Seg::Key(_), Seg::Index(_)) => Ordering::Less,
            (Seg::Index(_), Seg::Key(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    b.len().cmp(&a.len())
}

fn run_steps<'a>(steps: &[Step], root: &'a Value, mut current: Vec<(Vec<Seg>, &'a Value)>, with_paths: bool) -> Vec<(Vec<Seg>, &'a Value)> {
    for step in steps {
        let mut next = Vec::new();
        for (at, node) in current {
            if step.descendant {
                let mut nodes = Vec::new();
                preorder(node, at, &mut nodes, with_paths);
                for (at, n) in nodes {
                    apply(&step.selectors, root, n, &at, &mut next, with_paths);
                }
            } else {
                apply(&step.selectors, root, node, &at, &mut next, with_paths);
            }
        }
        current = next;
    }
    current
}

/// `node` and every node below it, parents before children, in document order.
fn preorder<'a>(node: &'a Value, at: Vec<Seg>, out: &mut Vec<(Vec<Seg>, &'a Value)>, with_paths: bool) {
    out.push((at.clone(), node));
    let child = |seg: Seg| if with_paths { extend(&at, seg) } else { Vec::new() };
    match node {
        Value::Object(m) => m.iter().for_each(|(k, v)| preorder(v, child(Seg::Key(k.clone())), out, with_paths)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| preorder(v, child(Seg::Index(i)), out, with_paths)),
        _ => {}
    }
}

fn extend(at: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut p = Vec::with_capacity(at.len() + 1);
    p.extend_from_slice(at);
    p.push(seg);
    p
}

fn apply<'a>(selectors: &[Selector], root: &'a Value, node: &'a Value, at: &[Seg], out: &mut Vec<(Vec<Seg>, &'a Value)>, with_paths: bool) {
    let mut push = |seg: Seg, v: &'a Value| out.push((if with_paths { extend(at, seg) } else { Vec::new() }, v));
    for sel in selectors {
        match (sel, node) {
            (Selector::Name(k), Value::Object(m)) => {
                if let Some(v) = m.get(k) {
                    push(Seg::Key(k.clone()), v);
                }
            }
            (Selector::Wildcard, Value::Object(m)) => m.iter().for_each(|(k, v)| push(Seg::Key(k.clone()), v)),
            (Selector::Wildcard, Value::Array(a)) => a.iter().enumerate().for_each(|(i, v)| push(Seg::Index(i), v)),
            (Selector::Index(i), Value::Array(a)) => {
                let i = if *i < 0 { a.len() as i64 + i } else { *i };
                if (0..a.len() as i64).contains(&i) {
                    push(Seg::Index(i as usize), &a[i as usize]);
                }
            }
            (Selector::Slice(start, end, step), Value::Array(a)) => {
                for i in slice_indexes(a.len() as i64, *start, *end, *step) {
                    push(Seg::Index(i), &a[i]);
                }
            }
            (Selector::Filter(e), Value::Array(a)) => {
                a.iter().enumerate().filter(|(_, v)| e.test(root, v)).for_each(|(i, v)| push(Seg::Index(i), v))
            }
            (Selector::Filter(e), Value::Object(m)) => {
                m.iter().filter(|(_, v)| e.test(root, v)).for_each(|(k, v)| push(Seg::Key(k.clone()), v))
            }
            _ => {}
        }
    }
}

/// The positions `[start:end:step]` selects, with Python's rules for negative and
/// out-of-range bounds.
fn slice_indexes(len: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Vec<usize> {
    let norm = |i: i64| if i < 0 { len + i } else { i };
    let mut out = Vec::new();
    if step > 0 {
        let lo = start.map_or(0, norm).clamp(0, len);
        let hi = end.map_or(len, norm).clamp(0, len);
        let mut i = lo;
        while i < hi {
            out.push(i as usize);
            i += step;
        }
    } else if step < 0 {
        let hi = start.map_or(len - 1, norm).clamp(-1, len - 1);
        let lo = end.map_or(-1, norm).clamp(-1, len - 1);
        let mut i = hi;
        while i > lo {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

impl Expr {
    fn test(&self, root: &Value, current: &Value) -> bool {
        match self {
            Expr::Or(a, b) => a.test(root, current) || b.test(root, current),
            Expr::And(a, b) => a.test(root, current) && b.test(root, current),
            Expr::Not(e) => !e.test(root, current),
            Expr::Exists(o) => match o {
                Operand::Literal(v) => !matches!(v, Value::Null | Value::Bool(false)),
                _ => !o.eval(root, current).is_empty(),
            },
            Expr::Compare(a, op, b) => {
                let (a, b) = (a.eval(root, current), b.eval(root, current));
                a.iter().any(|x| b.iter().any(|y| compare(x, *op, y)))
            }
        }
    }
}

impl Operand {
    fn eval<'a>(&'a self, root: &'a Value, current: &'a Value) -> Vec<&'a Value> {
        let run = |steps: &[Step], start: &'a Value| -> Vec<&'a Value> {
            run_steps(steps, root, vec![(Vec::new(), start)], false).into_iter().map(|(_, v)| v).collect()
        };
        match self {
            Operand::Current(steps) => run(steps, current),
            Operand::Root(steps) => run(steps, root),
            Operand::Literal(v) => vec![v],
        }
    }
}

fn compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    let ord = match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64().zip(y.as_f64()).and_then(|(x, y)| x.partial_cmp(&y)),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            return (a == b) == matches!(op, CmpOp::Eq);
        }
        _ => None,
    };
    let Some(ord) = ord else { return false };
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// A recursive-descent parser over the path's bytes; errors are byte positions.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    refers_to_root: bool,
    /// How deeply filter expressions nest here, bounded so that no path can exhaust the
    /// stack.
    depth: usize,
}

/// The deepest nesting of filter expressions a path may have.
const MAX_DEPTH: usize = 64;

type Parsed<T> = Result<T, usize>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.s.get(self.pos + ahead).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Parsed<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.pos)
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == b' ') {
            self.pos += 1;
        }
    }

    /// Steps until the end of the path, or (inside a filter) until something that is not
    /// a step.
    fn steps(&mut self, in_filter: bool) -> Parsed<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                None => return Ok(steps),
                Some(b'.') => {
                    let descendant = self.peek_at(1) == Some(b'.');
                    self.pos += if descendant { 2 } else { 1 };
                    let selectors = match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            vec![Selector::Wildcard]
                        }
                        Some(b'[') => self.bracket()?,
                        _ => vec![Selector::Name(self.name(in_filter)?)],
                    };
                    steps.push(Step { descendant, selectors });
                }
                Some(b'[') => {
                    let selectors = self.bracket()?;
                    steps.push(Step { descendant: false, selectors });
                }
                Some(_) if in_filter => return Ok(steps),
                Some(_) => return Err(self.pos),
            }
        }
    }

    /// A member name after `.`: up to the next `.`, `[` or `]` (and, in a filter, up to an
    /// operator, a space or a parenthesis).
    fn name(&mut self, in_filter: bool) -> Parsed<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            let stop = b".[]".contains(&c) || (in_filter && b" ()<>=!&|,]".contains(&c));
            if stop {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.pos);
        }
        String::from_utf8(self.s[start..self.pos].to_vec()).map_err(|_| start)
    }

    /// `[sel, sel, ...]`.
    fn bracket(&mut self) -> Parsed<Vec<Selector>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        loop {
            self.skip_spaces();
            out.push(self.selector()?);
            self.skip_spaces();
            if self.eat(b']') {
                return Ok(out);
            }
            self.expect(b',')?;
        }
    }

    fn selector(&mut self) -> Parsed<Selector> {
        match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                Ok(Selector::Wildcard)
            }
            Some(b'\'' | b'"') => Ok(Selector::Name(self.quoted()?)),
            Some(b'?') => {
                self.pos += 1;
                self.skip_spaces();
                Ok(Selector::Filter(Box::new(self.or()?)))
            }
            _ => {
                let start = self.int_opt()?;
                if !self.eat(b':') {
                    return start.map(Selector::Index).ok_or(self.pos);
                }
                let end = self.int_opt()?;
                let step = if self.eat(b':') { self.int_opt()?.unwrap_or(1) } else { 1 };
                Ok(Selector::Slice(start, end, step))
            }
        }
    }

    fn int_opt(&mut self) -> Parsed<Option<i64>> {
        self.skip_spaces();
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| start)?;
        let n = text.parse().map_err(|_| start)?;
        self.skip_spaces();
        Ok(Some(n))
    }

    /// A string in single or double quotes, with `\` escapes.
    fn quoted(&mut self) -> Parsed<String> {
        let quote = self.peek().ok_or(self.pos)?;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.pos),
                Some(c) if c == quote => {
                    self.pos += 1;
                    return String::from_utf8(out).map_err(|_| self.pos);
                }
                Some(b'\\') => {
                    let c = self.peek_at(1).ok_or(self.pos)?;
                    out.push(match c {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        other => other,
                    });
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn or(&mut self) -> Parsed<Expr> {
        self.chain(b"||", Self::and, Expr::Or)
    }

    fn and(&mut self) -> Parsed<Expr> {
        self.chain(b"&&", Self::unary, Expr::And)
    }

    /// `next (op next)*`, joined left to right.
    fn chain(&mut self, op: &[u8], next: fn(&mut Self) -> Parsed<Expr>, join: fn(Box<Expr>, Box<Expr>) -> Expr) -> Parsed<Expr> {
        let mut left = next(self)?;
        loop {
            self.skip_spaces();
            if !self.s[self.pos..].starts_with(op) {
                return Ok(left);
            }
            self.pos += op.len();
            left = join(Box::new(left), Box::new(next(self)?));
        }
    }

    fn unary(&mut self) -> Parsed<Expr> {
        if self.depth == MAX_DEPTH {
            return Err(self.pos);
        }
        self.depth += 1;
        let e = self.unary_inner();
        self.depth -= 1;
        e
    }

    fn unary_inner(&mut self) -> Parsed<Expr> {
        self.skip_spaces();
        if self.peek() == Some(b'!') && self.peek_at(1) != Some(b'=') {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat(b'(') {
            let e = self.or()?;
            self.skip_spaces();
            self.expect(b')')?;
            return Ok(e);
        }
        let left = self.operand()?;
        self.skip_spaces();
        let op = match (self.peek(), self.peek_at(1)) {
            (Some(b'='), Some(b'=')) => (CmpOp::Eq, 2),
            (Some(b'!'), Some(b'=')) => (CmpOp::Ne, 2),
            (Some(b'<'), Some(b'=')) => (CmpOp::Le, 2),
            (Some(b'>'), Some(b'=')) => (CmpOp::Ge, 2),
            (Some(b'<'), _) => (CmpOp::Lt, 1),
            (Some(b'>'), _) => (CmpOp::Gt, 1),
            _ => return Ok(Expr::Exists(left)),
        };
        self.pos += op.1;
        self.skip_spaces();
        let right = self.operand()?;
        Ok(Expr::Compare(left, op.0, right))
    }

    fn operand(&mut self) -> Parsed<Operand> {
        match self.peek() {
            Some(b'@') => {
                self.pos += 1;
                Ok(Operand::Current(self.steps(true)?))
            }
            Some(b'$') => {
                self.pos += 1;
                self.refers_to_root = true;
                Ok(Operand::Root(self.steps(true)?))
            }
            Some(b'\'' | b'"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c)) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| start)?;
                match serde_json::from_str::<Value>(text) {
                    Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => Ok(Operand::Literal(v)),
                    _ => Err(start),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(path: &str, doc: &Value) -> Vec<Value> {
        Path::parse(path).unwrap().values(doc).into_iter().cloned().collect()
    }

    #[test]
    fn dot_bracket_and_legacy_forms_agree() {
        let doc = json!({"a": {"b": [10, 20, 30]}, "x y": 1});
        assert_eq!(sel("$.a.b[1]", &doc), vec![json!(20)]);
        assert_eq!(sel("$['a'][\"b\"][-1]", &doc), vec![json!(30)]);
        assert_eq!(sel(".a.b", &doc), vec![json!([10, 20, 30])]);
        assert_eq!(sel("a.b[0]", &doc), vec![json!(10)]);
        assert_eq!(sel("[\"x y\"]", &doc), vec![json!(1)]);
        assert_eq!(sel(".", &doc), vec![doc.clone()]);
        assert_eq!(Path::parse(".a").unwrap().normalized(), "$.a");
        assert_eq!(Path::parse("a").unwrap().normalized(), "$.a");
        assert!(Path::parse("a").unwrap().is_legacy() && !Path::parse("$").unwrap().is_legacy());
    }

    #[test]
    fn wildcards_slices_unions_and_descendants() {
        let doc = json!({"x": 0, "a": {"x": 1, "b": {"x": 2}}, "l": [0, 1, 2, 3, 4]});
        assert_eq!(sel("$..x", &doc), vec![json!(0), json!(1), json!(2)]);
        assert_eq!(sel("$.l[1:3]", &doc), vec![json!(1), json!(2)]);
        assert_eq!(sel("$.l[::2]", &doc), vec![json!(0), json!(2), json!(4)]);
        assert_eq!(sel("$.l[-2:]", &doc), vec![json!(3), json!(4)]);
        assert_eq!(sel("$.l[0,4]", &doc), vec![json!(0), json!(4)]);
        assert_eq!(sel("$['x','a'].x", &doc), vec![json!(1)]);
        assert_eq!(sel("$.a.*", &doc).len(), 2);
        assert_eq!(sel("$.l[*]", &doc).len(), 5);
        assert_eq!(sel("$.nope", &doc), Vec::<Value>::new());
    }

    #[test]
    fn filters_compare_and_combine() {
        let doc = json!({"limit": 10, "items": [
            {"price": 5, "tag": "a"}, {"price": 15, "tag": "b"}, {"price": 8.5, "tag": "b"}, {"tag": "c"}
        ]});
        let tags = |p: &str| sel(p, &doc).iter().map(|v| v["tag"].clone()).collect::<Vec<_>>();
        assert_eq!(tags("$.items[?(@.price<10)]"), vec![json!("a"), json!("b")]);
        assert_eq!(tags("$.items[?(@.price < 10 && @.tag == 'b')]"), vec![json!("b")]);
        assert_eq!(tags("$.items[?(@.price > 10 || @.tag == \"c\")]"), vec![json!("b"), json!("c")]);
        assert_eq!(tags("$.items[?(!@.price)]"), vec![json!("c")]);
        assert_eq!(tags("$.items[?(@.price >= $.limit)]"), vec![json!("b")]);
        assert_eq!(sel("$.items[?(@.price<10)].tag", &doc), vec![json!("a"), json!("b")]);
        assert!(Path::parse("$.items[?(@.price >= $.limit)]").unwrap().top_names().is_none());
    }

    #[test]
    fn locations_and_top_names() {
        let doc = json!({"a": [{"b": 1}, {"b": 2}]});
        let p = Path::parse("$.a[*].b").unwrap();
        assert_eq!(
            p.locations(&doc),
            vec![
                vec![Seg::Key("a".into()), Seg::Index(0), Seg::Key("b".into())],
                vec![Seg::Key("a".into()), Seg::Index(1), Seg::Key("b".into())]
            ]
        );
        assert_eq!(p.top_names(), Some(vec!["a".to_string()]));
        assert_eq!(Path::parse("$..b").unwrap().top_names(), None);
        assert_eq!(Path::parse("$").unwrap().top_names(), None);
        assert_eq!(Path::parse("$['a','c']").unwrap().top_names(), Some(vec!["a".into(), "c".into()]));
        let (parent, name) = Path::parse("$.a.new").unwrap().parent_and_name().unwrap();
        assert_eq!((parent.steps.len(), name.as_str()), (1, "new"));
        assert!(Path::parse("$.a[*].b").unwrap().parent_and_name().is_none());
    }

    #[test]
    fn bad_paths_are_errors() {
        for bad in ["$.", "$[", "$['a'", "$[?(@.a <)]", "$a", "$.a]"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = format!("$[?({}@.a{})]", "(".repeat(100_000), ")".repeat(100_000));
        assert!(Path::parse(&deep).is_err());
        let negations = format!("$[?({}@.a)]", "!".repeat(100_000));
        assert!(Path::parse(&negations).is_err());
        let filters = format!("$[?(@{}.a == 1{})]", "[?(@".repeat(50_000), ")]".repeat(50_000));
        assert!(Path::parse(&filters).is_err());
        assert!(Path::parse(&format!("$[?({}@.a{})]", "(".repeat(30), ")".repeat(30))).is_ok());
    }

    #[test]
    fn mutation_order_is_deepest_and_highest_first() {
        let mut paths = [vec![Seg::Key("a".into())], vec![Seg::Key("a".into()), Seg::Index(0)], vec![Seg::Key("a".into()), Seg::Index(1)]];
        paths.sort_by(|a, b| mutation_order(a, b));
        assert_eq!(paths[0], vec![Seg::Key("a".into()), Seg::Index(1)]);
        assert_eq!(paths[2], vec![Seg::Key("a".into())]);
    }
}
