//! Output formats rendered from a hand-built fleet: one test binary, one module per format.

mod fleet;
mod html;
mod observations;
mod sarif;
mod secrets;
mod text;
