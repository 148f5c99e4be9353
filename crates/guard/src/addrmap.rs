//! A map keyed by peer address that stores IPv4 keys in four bytes: with a million attackers the
//! key size decides a good part of the memory. hashbrown's default hasher (foldhash, seeded per
//! process) is several times faster than SipHash on these small keys and still not predictable by
//! an attacker choosing addresses.

use hashbrown::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone)]
pub(crate) struct AddrMap<S> {
    v4: HashMap<u32, S>,
    v6: HashMap<u128, S>,
}

impl<S> Default for AddrMap<S> {
    fn default() -> Self {
        Self {
            v4: HashMap::new(),
            v6: HashMap::new(),
        }
    }
}

impl<S> AddrMap<S> {
    pub(crate) fn entry(&mut self, address: IpAddr) -> &mut S
    where
        S: Default,
    {
        match address {
            IpAddr::V4(v4) => self.v4.entry(u32::from(v4)).or_default(),
            IpAddr::V6(v6) => self.v6.entry(u128::from(v6)).or_default(),
        }
    }

    /// The value of `address`, set to `value` if it had none.
    pub(crate) fn get_or_insert(&mut self, address: IpAddr, value: S) -> &mut S {
        match address {
            IpAddr::V4(v4) => self.v4.entry(u32::from(v4)).or_insert(value),
            IpAddr::V6(v6) => self.v6.entry(u128::from(v6)).or_insert(value),
        }
    }

    pub(crate) fn insert(&mut self, address: IpAddr, state: S) {
        match address {
            IpAddr::V4(v4) => self.v4.insert(u32::from(v4), state),
            IpAddr::V6(v6) => self.v6.insert(u128::from(v6), state),
        };
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(IpAddr, &mut S) -> bool) {
        self.v4
            .retain(|&k, s| keep(IpAddr::V4(Ipv4Addr::from(k)), s));
        self.v6
            .retain(|&k, s| keep(IpAddr::V6(Ipv6Addr::from(k)), s));
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (IpAddr, &S)> {
        let v4 = self
            .v4
            .iter()
            .map(|(&k, s)| (IpAddr::V4(Ipv4Addr::from(k)), s));
        let v6 = self
            .v6
            .iter()
            .map(|(&k, s)| (IpAddr::V6(Ipv6Addr::from(k)), s));
        v4.chain(v6)
    }

    pub(crate) fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
}
