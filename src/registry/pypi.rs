//! (being written)

use super::http::Http;
use super::{Client, Found, LookupError};
use crate::model::Package;

pub struct Pypi;

impl Client for Pypi {
    fn lookup(
        &self,
        _http: &Http,
        _endpoint: &str,
        _package: &Package,
    ) -> Result<Found, LookupError> {
        Err(LookupError::Missing("not supported yet".to_string()))
    }
}
