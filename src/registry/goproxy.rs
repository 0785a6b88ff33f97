//! (being written)

use super::http::Http;
use super::{Client, Found, LookupError};
use crate::model::Package;
use std::path::PathBuf;

pub struct GoProxy {
    pub extract_to: Option<PathBuf>,
}

impl Client for GoProxy {
    fn lookup(
        &self,
        _http: &Http,
        _endpoint: &str,
        _package: &Package,
    ) -> Result<Found, LookupError> {
        Err(LookupError::Missing("not supported yet".to_string()))
    }
}
