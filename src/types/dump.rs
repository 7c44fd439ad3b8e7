//! DUMP and RESTORE over storage: a key's value read whole, and a key created whole from
//! one, in one batch. The payload format is [`crate::rdb`]'s.

use super::zset::{Range, RangeSpec};
use super::{Db, Error, Result};
use crate::rdb::Value;
use crate::storage::{Kind, Meta};

/// What RESTORE did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    Created,
    /// The key exists and REPLACE was not given.
    Busy,
    /// The TTL had already passed: nothing was created (a replaced key was deleted).
    Expired {
        deleted: bool,
    },
}

impl Db<'_> {
    /// DUMP: the value of `key`, or `None` if it does not exist.
    pub fn dump_value(&self, key: &[u8]) -> Result<Option<Value>> {
        // Each read below checks the type again; a key that changes type between the two
        // reads is read again.
        loop {
            let Some(meta) = self.live(key)? else { return Ok(None) };
            let read = match meta.kind {
                Kind::String => Ok(Value::String(meta.body)),
                Kind::List => {
                    let mut items = Vec::new();
                    self.lrange(key, 0, -1, |e| items.push(e.to_vec())).map(|_| Value::List(items))
                }
                Kind::Set => self.smembers(key).map(Value::Set),
                Kind::Hash => self.hgetall(key).map(Value::Hash),
                Kind::ZSet => self.zrange(key, &RangeSpec::new(Range::Rank(0, -1), false)).map(Value::ZSet),
                Kind::Stream | Kind::Json => return Err(Error::NotSerializable),
            };
            match read {
                Err(Error::WrongType) => continue,
                other => return other.map(Some),
            }
        }
    }

    /// RESTORE: creates `key` holding `value`, expiring at `expire_at` (Unix ms, 0 for
    /// never), in one batch. An existing key is replaced only with `replace`; its member
    /// rows, under the old version, are left to the compaction filter.
    pub fn restore(&self, key: &[u8], value: &Value, expire_at: u64, replace: bool) -> Result<Restored> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.as_ref().filter(|m| !m.is_expired(self.now));
        if live.is_some() && !replace {
            return Ok(Restored::Busy);
        }
        let mut batch = self.store.batch();
        if expire_at != 0 && expire_at <= self.now {
            let Some(old) = live else { return Ok(Restored::Expired { deleted: false }) };
            batch.delete_meta(self.db, key, old);
            self.write(&lock, batch)?;
            return Ok(Restored::Expired { deleted: true });
        }
        let mut meta = match value {
            Value::String(s) => Meta::new(Kind::String, 0, s.clone()),
            Value::List(items) => self.new_list_rows(key, items, &mut batch),
            Value::Set(members) => self.new_set_rows(key, members, &mut batch),
            Value::Hash(pairs) => self.new_hash_rows(key, pairs, &mut batch),
            Value::ZSet(items) => self.new_zset_rows(key, items, &mut batch)?,
        };
        meta.expire_at = expire_at;
        batch.put_meta(self.db, key, stored.as_ref(), &meta);
        self.write(&lock, batch)?;
        Ok(Restored::Created)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::now_ms;

    fn bytes(items: &[&str]) -> Vec<Vec<u8>> {
        items.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn restore_creates_replaces_and_expires() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let zset = Value::ZSet(vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.0)]);
        assert_eq!(db.restore(b"k", &zset, 0, false).unwrap(), Restored::Created);
        assert_eq!(db.dump_value(b"k").unwrap(), Some(zset.clone()));
        assert_eq!(db.zrank(b"k", b"b", false).unwrap(), Some((1, 2.0)));
        assert_eq!(db.restore(b"k", &zset, 0, false).unwrap(), Restored::Busy);
        let list = Value::List(bytes(&["x", "y", "z"]));
        assert_eq!(db.restore(b"k", &list, now_ms() + 60_000, true).unwrap(), Restored::Created);
        assert_eq!(db.dump_value(b"k").unwrap(), Some(list));
        assert!(db.live(b"k").unwrap().unwrap().expire_at > 0);
        assert_eq!(store.dbsize(0), 1);
        assert_eq!(db.restore(b"k", &zset, 1, true).unwrap(), Restored::Expired { deleted: true });
        assert_eq!(db.live(b"k").unwrap(), None);
        assert_eq!(store.dbsize(0), 0);
    }
}
