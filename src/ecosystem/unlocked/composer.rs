//! Composer (filled in below).
