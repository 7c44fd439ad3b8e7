//! A cursor over a command's arguments: the second parsing step, after the frame.

use super::CmdError;
use crate::types::{parse_f64, parse_i64};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// The arguments of one command; position 0 (the name) is already consumed.
pub struct Args<'a> {
    argv: &'a [Bytes],
    pos: usize,
}

impl<'a> Args<'a> {
    pub fn new(argv: &'a [Bytes]) -> Args<'a> {
        Args { argv, pos: 1 }
    }

    /// The full argument vector including the command name.
    pub fn argv(&self) -> &'a [Bytes] {
        self.argv
    }

    /// How many arguments are left, counting the subcommand name for containers as Redis
    /// counts arity (`CONFIG GET x` has 3).
    pub fn len(&self) -> usize {
        self.argv.len()
    }

    pub fn remaining(&self) -> usize {
        self.argv.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next argument, or a syntax error if there is none.
    pub fn next_bytes(&mut self) -> Result<&'a [u8], CmdError> {
        let a = self.argv.get(self.pos).ok_or(CmdError::Syntax)?;
        self.pos += 1;
        Ok(a)
    }

    /// The next argument, if any.
    pub fn try_next(&mut self) -> Option<&'a [u8]> {
        let a = self.argv.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    /// Looks at the next argument without consuming it.
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.argv.get(self.pos).map(|b| &b[..])
    }

    /// The next argument as an integer (`ERR value is not an integer or out of range`).
    pub fn next_i64(&mut self) -> Result<i64, CmdError> {
        parse_i64(self.next_bytes()?).ok_or(CmdError::NotInteger)
    }

    /// The next argument as a float (`ERR value is not a valid float`).
    pub fn next_f64(&mut self) -> Result<f64, CmdError> {
        parse_f64(self.next_bytes()?).ok_or(CmdError::NotFloat)
    }

    /// The next argument as UTF-8 text (option names, config values).
    pub fn next_str(&mut self) -> Result<&'a str, CmdError> {
        std::str::from_utf8(self.next_bytes()?).map_err(|_| CmdError::Syntax)
    }

    /// Every argument not consumed yet.
    pub fn rest(&mut self) -> &'a [Bytes] {
        let r = &self.argv[self.pos..];
        self.pos = self.argv.len();
        r
    }

    /// Every argument not consumed yet, as byte slices.
    pub fn rest_slices(&mut self) -> Vec<&'a [u8]> {
        self.rest().iter().map(|b| &b[..]).collect()
    }

    /// Rejects leftover arguments with a syntax error.
    pub fn finish(&self) -> Result<(), CmdError> {
        if self.pos < self.argv.len() {
            Err(CmdError::Syntax)
        } else {
            Ok(())
        }
    }
}

/// A blocking command's timeout, as Redis's `getTimeoutFromObjectOrReply` reads it: a
/// float number of seconds (`BLPOP`) or an integer number of milliseconds (`XREAD BLOCK`);
/// 0 waits for ever (`None`).
pub fn timeout(arg: &[u8], seconds: bool) -> Result<Option<Instant>, CmdError> {
    let ms = if seconds {
        let secs = parse_f64(arg).filter(|s| !s.is_nan()).ok_or_else(|| CmdError::err("timeout is not a float or out of range"))?;
        let ms = (secs * 1000.0).ceil();
        if ms > i64::MAX as f64 {
            return Err(CmdError::err("timeout is out of range"));
        }
        ms as i64
    } else {
        parse_i64(arg).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?
    };
    if ms < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    // A wait too long to represent is a wait for ever.
    Ok(if ms == 0 { None } else { Instant::now().checked_add(Duration::from_millis(ms as u64)) })
}

/// Case-insensitive comparison of an argument with an option name.
pub fn is(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}
