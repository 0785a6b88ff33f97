//! (being written)

use super::http::Http;
use super::{Client, Found, LookupError};
use crate::model::Package;

pub struct Maven;

impl Client for Maven {
    fn lookup(
        &self,
        _http: &Http,
        _endpoint: &str,
        _package: &Package,
    ) -> Result<Found, LookupError> {
        Err(LookupError::Missing("not supported yet".to_string()))
    }
}
