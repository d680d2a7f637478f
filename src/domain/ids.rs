//! Resource ids: parsing what clients send, and generating new ones.
//!
//! Generated ids come from one seedable generator, so a server started with
//! a fixed seed hands out the same ids on every run.

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::error::{ApiError, ErrorCode};
use super::region::Region;

const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn is_base36_suffix(s: &str) -> bool {
    s.len() == 8
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// A VPC named by a request, in either of its two id forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcRef {
    /// `gz_vpc_226`: the legacy id, unique within its region.
    Legacy(String),
    /// `vpc-8e0ypm3z`: the unique id.
    Unique(String),
}

impl VpcRef {
    pub fn parse(text: &str, field: &'static str) -> Result<VpcRef, ApiError> {
        if text.is_empty() {
            return Err(ApiError::missing(field));
        }
        if let Some(suffix) = text.strip_prefix("vpc-") {
            if is_base36_suffix(suffix) {
                return Ok(VpcRef::Unique(text.to_owned()));
            }
        } else if let Some((short, number)) = text.split_once("_vpc_") {
            let number_ok = !number.is_empty()
                && number.len() <= 18
                && number.bytes().all(|b| b.is_ascii_digit());
            if Region::from_short(short).is_some() && number_ok {
                return Ok(VpcRef::Legacy(text.to_owned()));
            }
        }
        Err(ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!("{field} {text:?} is not a VPC id such as vpc-8e0ypm3z or gz_vpc_226"),
        ))
    }

    pub fn as_str(&self) -> &str {
        match self {
            VpcRef::Legacy(s) | VpcRef::Unique(s) => s,
        }
    }
}

/// Checks a peering id: `pcx-` and 8 lowercase base-36 characters.
pub fn parse_peering_id(text: &str, field: &'static str) -> Result<String, ApiError> {
    if text.is_empty() {
        return Err(ApiError::missing(field));
    }
    match text.strip_prefix("pcx-") {
        Some(suffix) if is_base36_suffix(suffix) => Ok(text.to_owned()),
        _ => Err(ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!("{field} {text:?} is not a peering id such as pcx-6gw5wvmk"),
        )),
    }
}

/// Checks an id of the form `prefix` and 8 lowercase letters or digits:
/// `subnet-`, `rtb-`, `rti-`.
pub fn parse_prefixed_id(
    text: &str,
    prefix: &str,
    field: &'static str,
) -> Result<String, ApiError> {
    if text.is_empty() {
        return Err(ApiError::missing(field));
    }
    if text.strip_prefix(prefix).is_some_and(is_base36_suffix) {
        Ok(text.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!(
                "{field} {text:?} is not a {prefix}... id ({prefix} and 8 lowercase letters or digits)"
            ),
        ))
    }
}

/// Checks a uin: 1 to 20 digits.
pub fn parse_uin(text: &str, field: &'static str) -> Result<String, ApiError> {
    if text.is_empty() {
        return Err(ApiError::missing(field));
    }
    if text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!("{field} {text:?} is not a uin of 1 to 20 digits"),
        ))
    }
}

/// Hands out new ids and secrets.
pub struct IdGenerator {
    rng: StdRng,
    /// Subnet, route-table and route ids come from a stream of their own,
    /// so a seeded run draws the same VPC and peering ids as before they
    /// existed (the README's quickstart shows them).
    network_rng: StdRng,
}

impl IdGenerator {
    /// `Some(seed)` repeats the same ids on every run; `None` draws from the OS.
    pub fn new(seed: Option<u64>) -> Self {
        let (rng, network_rng) = match seed {
            Some(seed) => (
                StdRng::seed_from_u64(seed),
                StdRng::seed_from_u64(seed ^ NETWORK_STREAM),
            ),
            None => (StdRng::from_os_rng(), StdRng::from_os_rng()),
        };
        Self { rng, network_rng }
    }

    fn draw(&mut self, alphabet: &[u8], len: usize) -> String {
        draw_from(&mut self.rng, alphabet, len)
    }

    fn draw_network(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", draw_from(&mut self.network_rng, BASE36, 8))
    }

    pub fn peering_id(&mut self) -> String {
        format!("pcx-{}", self.draw(BASE36, 8))
    }

    pub fn un_vpc_id(&mut self) -> String {
        format!("vpc-{}", self.draw(BASE36, 8))
    }

    pub fn subnet_id(&mut self) -> String {
        self.draw_network("subnet-")
    }

    pub fn route_table_id(&mut self) -> String {
        self.draw_network("rtb-")
    }

    pub fn route_item_id(&mut self) -> String {
        self.draw_network("rti-")
    }

    pub fn fault_id(&mut self) -> String {
        format!("fault-{}", self.draw(BASE36, 8))
    }

    pub fn secret_id(&mut self) -> String {
        format!("AKID{}", self.draw(ALNUM, 32))
    }

    pub fn secret_key(&mut self) -> String {
        self.draw(ALNUM, 32)
    }
}

/// Mixed into the seed of the network ids' stream.
const NETWORK_STREAM: u64 = 0x6e65_7477_6f72_6b73;

fn draw_from(rng: &mut StdRng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

pub fn legacy_vpc_id(region: Region, number: i64) -> String {
    format!("{}_vpc_{number}", region.short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_vpc_id_forms_parse() {
        assert_eq!(
            VpcRef::parse("gz_vpc_226", "vpc_id").unwrap(),
            VpcRef::Legacy("gz_vpc_226".into())
        );
        assert_eq!(
            VpcRef::parse("vpc-8e0ypm3z", "vpc_id").unwrap(),
            VpcRef::Unique("vpc-8e0ypm3z".into())
        );
    }

    #[test]
    fn bad_vpc_ids_are_malformed() {
        for text in [
            "vpc-8E0YPM3Z",
            "vpc-123",
            "pcx-8e0ypm3z",
            "xx_vpc_1",
            "gz_vpc_",
            "gz_vpc_1a",
            "'; drop table vpcs; --",
        ] {
            let err = VpcRef::parse(text, "vpc_id").unwrap_err();
            assert_eq!(
                err.code,
                ErrorCode::InvalidParameterValueMalformed,
                "{text}"
            );
        }
        assert_eq!(
            VpcRef::parse("", "vpc_id").unwrap_err().code,
            ErrorCode::MissingParameter
        );
    }

    #[test]
    fn peering_ids_and_uins() {
        assert!(parse_peering_id("pcx-6gw5wvmk", "id").is_ok());
        assert!(parse_peering_id("pcx-6gw5wvm", "id").is_err());
        assert!(parse_peering_id("vpc-6gw5wvmk", "id").is_err());
        assert!(parse_uin("2407912486", "uin").is_ok());
        assert!(parse_uin("123456789012345678901", "uin").is_err());
        assert!(parse_uin("12a", "uin").is_err());
        assert!(parse_uin("-1", "uin").is_err());
    }

    #[test]
    fn seeded_generator_repeats_and_ids_parse() {
        let mut a = IdGenerator::new(Some(7));
        let mut b = IdGenerator::new(Some(7));
        let (pa, pb) = (a.peering_id(), b.peering_id());
        assert_eq!(pa, pb);
        assert!(parse_peering_id(&pa, "id").is_ok());
        assert!(VpcRef::parse(&a.un_vpc_id(), "vpc_id").is_ok());
        assert_eq!(
            legacy_vpc_id(Region::parse("gz").unwrap(), 226),
            "gz_vpc_226"
        );
    }
}
