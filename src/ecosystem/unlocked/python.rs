//! Python (filled in below).
