//! CIDR blocks: which ones a VPC may use, and when two sets of blocks overlap.

use std::{fmt, net::Ipv4Addr, str::FromStr};

use ipnet::Ipv4Net;

use super::error::{ApiError, ErrorCode};

/// A validated IPv4 network that a VPC may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CidrBlock(Ipv4Net);

/// The private ranges a VPC block must sit in, with the prefix lengths allowed
/// inside each. As the API's own text has it: /12 to /28 inside 10.0.0.0/8,
/// so 10.0.0.0/8 itself (and /9 to /11) is refused.
const ALLOWED: &[(Ipv4Addr, u8, u8, u8)] = &[
    (Ipv4Addr::new(10, 0, 0, 0), 8, 12, 28),
    (Ipv4Addr::new(172, 16, 0, 0), 12, 12, 28),
    (Ipv4Addr::new(192, 168, 0, 0), 16, 16, 28),
];

impl CidrBlock {
    /// Parses and checks a block, reporting errors against `field`.
    pub fn parse(text: &str, field: &'static str) -> Result<CidrBlock, ApiError> {
        let malformed = |why: &str| {
            ApiError::field(
                ErrorCode::InvalidParameterValueMalformed,
                field,
                format!("{field} {text:?} {why}"),
            )
        };
        if text.is_empty() {
            return Err(ApiError::missing(field));
        }
        let net = Ipv4Net::from_str(text)
            .map_err(|_| malformed("is not an IPv4 CIDR block such as 10.0.0.0/16"))?;
        if net.network() != net.addr() {
            return Err(malformed(&format!(
                "has host bits set; the network is {}",
                net.trunc()
            )));
        }
        // One spelling per block ("10.0.0.0/16", not "010.0.0.0/16"), so that
        // equal blocks compare equal as text.
        if net.to_string() != text {
            return Err(malformed(&format!("is not written as {net}")));
        }
        let inside = ALLOWED.iter().find(|(base, len, _, _)| {
            Ipv4Net::new(*base, *len).is_ok_and(|range| range.contains(&net))
        });
        match inside {
            Some((_, _, min, max)) if (*min..=*max).contains(&net.prefix_len()) => {
                Ok(CidrBlock(net))
            }
            Some((base, len, min, max)) => Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                field,
                format!(
                    "{field} {text}: blocks inside {base}/{len} must have a prefix from /{min} to /{max}"
                ),
            )),
            None => Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                field,
                format!("{field} {text} is outside 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16"),
            )),
        }
    }

    /// A block read back from storage: any IPv4 network, without the range
    /// rules of `parse`. Rules tighten over time (10.0.0.0/8 was once
    /// allowed); a block stored under older rules must still take part in
    /// every overlap check, or a VPC holding it would look empty to them.
    /// `vpcsim check` reports such blocks against today's rules.
    pub fn parse_stored(text: &str) -> Option<CidrBlock> {
        Ipv4Net::from_str(text)
            .ok()
            .map(|net| CidrBlock(net.trunc()))
    }

    pub fn overlaps(&self, other: &CidrBlock) -> bool {
        self.0.contains(&other.0.network()) || other.0.contains(&self.0.network())
    }

    pub fn net(&self) -> Ipv4Net {
        self.0
    }
}

impl fmt::Display for CidrBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The first pair of overlapping blocks, one from each side, if any.
pub fn first_overlap(a: &[CidrBlock], b: &[CidrBlock]) -> Option<(CidrBlock, CidrBlock)> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| (*x, *y)))
        .find(|(x, y)| x.overlaps(y))
}

/// The first pair of overlapping blocks within one list, if any.
pub fn first_overlap_within(blocks: &[CidrBlock]) -> Option<(CidrBlock, CidrBlock)> {
    blocks.iter().enumerate().find_map(|(i, x)| {
        blocks[i + 1..]
            .iter()
            .find(|y| x.overlaps(y))
            .map(|y| (*x, *y))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn block(text: &str) -> CidrBlock {
        CidrBlock::parse(text, "cidr_block").unwrap()
    }

    #[test]
    fn valid_blocks_in_each_range() {
        for text in [
            "10.0.0.0/12",
            "10.240.0.0/12",
            "10.1.0.0/16",
            "172.16.0.0/12",
            "172.31.255.240/28",
            "192.168.0.0/16",
            "192.168.1.0/24",
        ] {
            assert_eq!(block(text).to_string(), text);
        }
    }

    #[test]
    fn malformed_blocks() {
        for text in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.1/16",
            "fd00::/8",
            "ten/8",
            "10.0.0.0/16 ",
            "10.0.0.0/-1",
        ] {
            let err = CidrBlock::parse(text, "cidr_block").unwrap_err();
            assert_eq!(
                err.code,
                ErrorCode::InvalidParameterValueMalformed,
                "{text}"
            );
            assert_eq!(err.field, Some("cidr_block"));
        }
    }

    #[test]
    fn out_of_range_blocks() {
        for text in [
            "11.0.0.0/16",
            "10.0.0.0/8",
            "10.0.0.0/11",
            "10.0.0.0/29",
            "172.0.0.0/11",
            "192.168.0.0/15",
            "192.0.0.0/8",
            "172.32.0.0/16",
            "0.0.0.0/0",
        ] {
            let err = CidrBlock::parse(text, "cidr_block").unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParameterValueRange, "{text}");
        }
    }

    #[test]
    fn empty_block_is_missing() {
        let err = CidrBlock::parse("", "cidr_block").unwrap_err();
        assert_eq!(err.code, ErrorCode::MissingParameter);
    }

    #[test]
    fn overlap_cases() {
        assert!(block("10.0.0.0/16").overlaps(&block("10.0.1.0/24")));
        assert!(block("10.0.1.0/24").overlaps(&block("10.0.0.0/16")));
        assert!(block("10.0.0.0/16").overlaps(&block("10.0.0.0/16")));
        assert!(!block("10.0.0.0/16").overlaps(&block("10.1.0.0/16")));
        let a = [block("10.0.0.0/16"), block("172.16.0.0/16")];
        let b = [block("192.168.0.0/16"), block("172.16.5.0/24")];
        assert_eq!(first_overlap(&a, &b), Some((a[1], b[1])));
        assert_eq!(
            first_overlap_within(&[a[0], a[1], b[1]]),
            Some((a[1], b[1]))
        );
        assert_eq!(first_overlap_within(&a), None);
    }

    fn arbitrary_block() -> impl Strategy<Value = CidrBlock> {
        // Blocks squeezed into 10.0.0.0/16 so that overlaps are common.
        (0u32..4096, 18u8..=28).prop_map(|(n, len)| {
            let addr = Ipv4Addr::from(0x0A00_0000 | (n << 4));
            CidrBlock(Ipv4Net::new(addr, len).unwrap().trunc())
        })
    }

    proptest! {
        /// `overlaps` agrees with a brute-force check of shared addresses,
        /// sampled at every /28 boundary (the smallest block allowed).
        #[test]
        fn overlap_matches_brute_force(a in arbitrary_block(), b in arbitrary_block()) {
            let (small, big) = if a.0.prefix_len() >= b.0.prefix_len() { (a, b) } else { (b, a) };
            let shares_an_address = small
                .0
                .subnets(28)
                .unwrap()
                .any(|sub| big.0.contains(&sub.network()));
            prop_assert_eq!(a.overlaps(&b), shares_an_address);
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }
    }
}
